#!/usr/bin/python3
"""omcheck: a strict checker of the OpenMetrics 1.0 text format.

    omcheck.py FILE       exit 0 if FILE is a valid exposition, else print
                          every problem (line: what) and exit 1
    omcheck.py --selftest check the checker on expositions it must accept
                          (the spec's examples) and ones it must refuse

Every line is parsed against the ABNF of the OpenMetrics 1.0 text format
(https://prometheus.io/docs/specs/om/open_metrics_spec/, "ABNF") and the
rules the spec states around it, stricter where the spec says SHOULD:

  - UTF-8, lines ending in LF (no CR), no blank lines, "# EOF" last;
  - metadata: "# TYPE|UNIT|HELP name ...", each at most once per family,
    all before the family's samples; TYPE and a non-empty HELP required;
    a UNIT is a suffix of the family name, and none on info or stateset;
  - families not interleaved (a name seen again later is an error), and
    no family's sample names can clash with another's;
  - samples: names a suffix of the current family's type allows (counter
    _total/_created, gauge bare, info _info, histogram _bucket/_count/
    _sum/_created ...), labels {name="value",...} with only the escapes
    \\\\ \\" \\n, unique and not reserved label names, numbers per the
    ABNF;
  - values: a counter's _total a non-negative number, an info's 1;
  - histograms: "le" on buckets only, in increasing order with "+Inf"
    last, cumulative, integer counts, _count equal to the +Inf bucket;
  - a metric's samples are contiguous and its label sets unique.
"""
import re
import sys

TYPES = ("counter", "gauge", "histogram", "gaugehistogram", "stateset",
         "info", "summary", "unknown")
SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gaugehistogram": ("_bucket", "_gcount", "_gsum"),
    "stateset": ("",),
    "info": ("_info",),
    "summary": ("", "_count", "_sum", "_created"),
    "unknown": ("",),
}
METRICNAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABELNAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
REALNUMBER = re.compile(
    r"[+-]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?"
    r"|[0-9]*\.[0-9]+(?:[eE][+-]?[0-9]+)?)")
SPECIAL = re.compile(r"(?i)[+-]?(?:inf|infinity)|nan")


class Bad(Exception):
    pass


def number(text):
    """A number token as a float; Bad if it is not one."""
    if REALNUMBER.fullmatch(text) or SPECIAL.fullmatch(text):
        return float(text)
    raise Bad("'%s' is not a number" % text)


def escaped(s, i, end_char):
    """Read an escaped-string from s[i] up to end_char (not included);
    return (value, index of end_char)."""
    out = []
    while i < len(s):
        c = s[i]
        if c == end_char:
            return "".join(out), i
        if c == "\\":
            if i + 1 >= len(s) or s[i + 1] not in 'n"\\':
                raise Bad("undefined escape sequence at column %d" % (i + 1))
            out.append({"n": "\n", '"': '"', "\\": "\\"}[s[i + 1]])
            i += 2
            continue
        if c == "\n" or c == '"':
            raise Bad("unescaped %r at column %d" % (c, i + 1))
        out.append(c)
        i += 1
    if end_char is None:
        return "".join(out), i
    raise Bad("unterminated string")


def labels(s, i):
    """Parse {name="value",...} at s[i] == '{'; return (dict, next index)."""
    assert s[i] == "{"
    i += 1
    got = {}
    if s[i:i + 1] == "}":
        return got, i + 1
    while True:
        m = LABELNAME.match(s, i)
        if not m:
            raise Bad("bad label name at column %d" % (i + 1))
        name = m.group(0)
        if name.startswith("__"):
            raise Bad("label name '%s' is reserved" % name)
        if name in got:
            raise Bad("label '%s' twice" % name)
        i = m.end()
        if s[i:i + 2] != '="':
            raise Bad("expected =\" after label '%s'" % name)
        value, i = escaped(s, i + 2, '"')
        got[name] = value
        i += 1
        if s[i:i + 1] == ",":
            i += 1
            continue
        if s[i:i + 1] == "}":
            return got, i + 1
        raise Bad("expected , or } at column %d" % (i + 1))


def sample(line):
    """(name, labels, value) of a sample line."""
    m = METRICNAME.match(line)
    if not m:
        raise Bad("not a sample or a metadata line")
    name, i = m.group(0), m.end()
    lab = {}
    if line[i:i + 1] == "{":
        lab, i = labels(line, i)
    if line[i:i + 1] != " ":
        raise Bad("expected a space before the value")
    rest = line[i + 1:]
    exemplar = None
    if " # " in rest:
        rest, exemplar = rest.split(" # ", 1)
    parts = rest.split(" ")
    if len(parts) not in (1, 2) or "" in parts:
        raise Bad("expected a value and at most a timestamp")
    value = number(parts[0])
    if len(parts) == 2 and not REALNUMBER.fullmatch(parts[1]):
        raise Bad("bad timestamp '%s'" % parts[1])
    if exemplar is not None:
        if not exemplar.startswith("{"):
            raise Bad("bad exemplar")
        _, j = labels(exemplar, 0)
        ex = exemplar[j:].split(" ")
        if ex[0] != "" or len(ex) not in (2, 3):
            raise Bad("bad exemplar")
        number(ex[1])
    return name, lab, value, parts[0]


class Family:
    def __init__(self, name, lineno):
        self.name = name
        self.lineno = lineno
        self.meta = {}
        self.samples = []       # (lineno, suffix, labels, value, text)

    def type(self):
        return self.meta.get("TYPE", "unknown")


def check_family(f, problems):
    def bad(lineno, what):
        problems.append("%d: %s: %s" % (lineno, f.name, what))

    t = f.type()
    if "TYPE" not in f.meta:
        bad(f.lineno, "no TYPE")
    if not f.meta.get("HELP"):
        bad(f.lineno, "no HELP")
    unit = f.meta.get("UNIT", "")
    if unit and (t in ("info", "stateset") or
                 not f.name.endswith("_" + unit)):
        bad(f.lineno, "UNIT '%s' is not a suffix of the name, or the type "
            "has none" % unit)
    # Metrics: label sets without "le", contiguous, each sample once.
    order, seen = [], set()
    for lineno, suffix, lab, value, text in f.samples:
        key = tuple(sorted((k, v) for k, v in lab.items() if k != "le"))
        if not order or order[-1] != key:
            if key in order:
                bad(lineno, "metric %s interleaved with another" %
                    dict(key))
            order.append(key)
        full = (suffix, tuple(sorted(lab.items())))
        if full in seen:
            bad(lineno, "sample repeated")
        seen.add(full)
        if t == "counter" and suffix == "_total" and \
                (value != value or value < 0):
            bad(lineno, "a counter's total must be a number >= 0")
        if t == "info" and value != 1:
            bad(lineno, "an info's value must be 1")
        if "le" in lab and not (t in ("histogram", "gaugehistogram") and
                                suffix == "_bucket"):
            bad(lineno, "'le' outside a histogram's buckets")
    if t in ("histogram", "gaugehistogram"):
        for key in order:
            check_histogram(f, key, bad)


def check_histogram(f, key, bad):
    rows = [s for s in f.samples
            if tuple(sorted((k, v) for k, v in s[2].items()
                            if k != "le")) == key]
    buckets = [s for s in rows if s[1] == "_bucket"]
    count_sfx, sum_sfx = ("_count", "_sum") if f.type() == "histogram" \
        else ("_gcount", "_gsum")
    if not buckets:
        bad(rows[0][0], "a histogram without buckets")
        return
    prev_le, prev_v = None, None
    for lineno, _, lab, value, text in buckets:
        if "le" not in lab:
            bad(lineno, "a bucket without 'le'")
            return
        try:
            le = number(lab["le"])
        except Bad as e:
            bad(lineno, "le: %s" % e)
            return
        if le != le:
            bad(lineno, "le is NaN")
        if prev_le is not None and le <= prev_le:
            bad(lineno, "buckets not in increasing order of le")
        if not re.fullmatch(r"[0-9]+", text):
            bad(lineno, "a bucket's count must be an integer")
        if prev_v is not None and value < prev_v:
            bad(lineno, "buckets not cumulative")
        prev_le, prev_v = le, value
    if buckets[-1][2]["le"] != "+Inf":
        bad(buckets[-1][0], "the last bucket is not le=\"+Inf\"")
    counts = [s for s in rows if s[1] == count_sfx]
    sums = [s for s in rows if s[1] == sum_sfx]
    if sums and not counts:
        bad(sums[0][0], "a sum without a count")
    for lineno, _, _, value, text in counts:
        if not re.fullmatch(r"[0-9]+", text):
            bad(lineno, "the count must be an integer")
        if value != buckets[-1][3]:
            bad(lineno, "the count %s is not the +Inf bucket's %s" %
                (text, buckets[-1][4]))


def check(data):
    """Problems of an exposition (bytes), as "line: what" strings."""
    problems = []
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        return ["not UTF-8: %s" % e]
    if "\r" in text:
        problems.append("a carriage return in the exposition")
    if text.endswith("# EOF\n"):
        body = text[:-len("# EOF\n")]
    elif text.endswith("# EOF"):
        body = text[:-len("# EOF")]
    else:
        return problems + ["the exposition does not end with # EOF"]
    if body and not body.endswith("\n"):
        return problems + ["# EOF does not start a line"]
    lines = body.split("\n")[:-1] if body else []
    families, current = {}, None
    for lineno, line in enumerate(lines, 1):
        try:
            if line.startswith("#"):
                current = metadata(line, lineno, families, current)
            else:
                current = add_sample(line, lineno, families, current)
        except Bad as e:
            problems.append("%d: %s" % (lineno, e))
    for f in families.values():
        check_family(f, problems)
    clashes(families, problems)
    return problems


def metadata(line, lineno, families, current):
    m = re.fullmatch(r"# (TYPE|HELP|UNIT) (%s)(?: (.*))?" %
                     METRICNAME.pattern, line, re.S)
    if not m:
        raise Bad("a line starting with # that is no TYPE, UNIT, HELP "
                  "or the final EOF")
    kind, name, rest = m.group(1), m.group(2), m.group(3)
    if rest is None:
        if kind != "HELP" and kind != "UNIT":
            raise Bad("TYPE without a type")
        rest = ""
    if current is None or current.name != name:
        if name in families:
            raise Bad("family %s again (families are not interleaved)" %
                      name)
        current = families[name] = Family(name, lineno)
    if current.samples:
        raise Bad("metadata of %s after its samples" % name)
    if kind in current.meta:
        raise Bad("a second %s for %s" % (kind, name))
    if kind == "TYPE" and rest not in TYPES:
        raise Bad("unknown type '%s'" % rest)
    if kind == "UNIT" and not re.fullmatch(r"[a-zA-Z0-9_:]*", rest):
        raise Bad("bad unit '%s'" % rest)
    if kind == "HELP":
        rest, _ = escaped(rest, 0, None)
    current.meta[kind] = rest
    return current


def add_sample(line, lineno, families, current):
    name, lab, value, text = sample(line)
    if current is not None:
        for suffix in SUFFIXES[current.type()]:
            if name == current.name + suffix:
                current.samples.append((lineno, suffix, lab, value, text))
                return current
    raise Bad("sample %s is not of the family before it (%s)" %
              (name, current.name if current else "none"))


def clashes(families, problems):
    owner = {}
    for f in families.values():
        for suffix in SUFFIXES[f.type()]:
            n = f.name + suffix
            if n in owner and owner[n] != f.name:
                problems.append("%d: %s: its sample name %s could be %s's"
                                % (f.lineno, f.name, n, owner[n]))
            owner[n] = f.name


GOOD = [
    # The spec's examples.
    b"# TYPE acme_http_router_request_seconds summary\n"
    b"# UNIT acme_http_router_request_seconds seconds\n"
    b"# HELP acme_http_router_request_seconds Latency though all of "
    b"ACME's HTTP request router.\n"
    b'acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} '
    b"9036.32\n"
    b'acme_http_router_request_seconds_count{path="/api/v1",method="GET"} '
    b"807283.0\n"
    b'acme_http_router_request_seconds_created{path="/api/v1",'
    b'method="GET"} 1605281325.0\n'
    b"# TYPE go_goroutines gauge\n"
    b"# HELP go_goroutines Number of goroutines that currently exist.\n"
    b"go_goroutines 69\n"
    b"# TYPE process_cpu_seconds counter\n"
    b"# UNIT process_cpu_seconds seconds\n"
    b"# HELP process_cpu_seconds Total user and system CPU time spent in "
    b"seconds.\n"
    b"process_cpu_seconds_total 4.20072246e+06\n"
    b"# EOF\n",
    b"# TYPE foo histogram\n# HELP foo f\n"
    b'foo_bucket{le="0.0"} 0\nfoo_bucket{le="1e-05"} 0\n'
    b'foo_bucket{le="0.0001"} 5\nfoo_bucket{le="0.1"} 8\n'
    b'foo_bucket{le="1.0"} 10\nfoo_bucket{le="10.0"} 11\n'
    b'foo_bucket{le="100000.0"} 11\nfoo_bucket{le="1e+06"} 15\n'
    b'foo_bucket{le="1e+23"} 16\nfoo_bucket{le="1.1e+23"} 17\n'
    b'foo_bucket{le="+Inf"} 17\nfoo_count 17\nfoo_sum 324789.3\n'
    b"foo_created 1520430000.123\n# EOF\n",
    b'# TYPE foo info\n# HELP foo f\nfoo_info{name="pretty name",'
    b'version="8.2.7"} 1\n# EOF',
    b'# TYPE foo gauge\n# HELP foo f\nfoo{a="x",b="escaping\\" example '
    b'\\n "} 0\n# EOF\n',
    b"# TYPE foo gauge\n# HELP foo f\n# EOF\n",
    b"# EOF\n",
]

BAD = [
    (b"# TYPE x gauge\n# HELP x h\nx 1\n", "no EOF"),
    (b"# TYPE x gauge\n# HELP x h\nx 1\n# EOF\nx 2\n", "after EOF"),
    (b"# TYPE x gauge\n# HELP x h\r\nx 1\n# EOF\n", "CR"),
    (b"# TYPE x gauge\n# HELP x h\nx{l=\"\xff\"} 1\n# EOF\n", "not UTF-8"),
    (b"# TYPE x gauge\n\n# HELP x h\nx 1\n# EOF\n", "blank line"),
    (b"# HELP x h\nx 1\n# EOF\n", "no TYPE"),
    (b"# TYPE x gauge\nx 1\n# EOF\n", "no HELP"),
    (b"# TYPE x gauge\n# HELP x h\n# TYPE x gauge\nx 1\n# EOF\n",
     "TYPE twice"),
    (b"# TYPE x gauge\n# HELP x h\nx 1\n# UNIT x bytes\n# EOF\n",
     "metadata after samples"),
    (b"# TYPE x gauge\n# HELP x h\nx 1\n# TYPE y gauge\n# HELP y h\n"
     b"y 1\n# TYPE x gauge\n# EOF\n", "interleaved families"),
    (b"# TYPE x counter\n# HELP x h\nx 1\n# EOF\n", "counter without _total"),
    (b"# TYPE x_total counter\n# HELP x_total h\nx_total 1\n# EOF\n",
     "Prometheus-style counter"),
    (b"# TYPE x counter\n# HELP x h\nx_total -1\n# EOF\n", "negative counter"),
    (b"# TYPE x gauge\n# UNIT x bytes\n# HELP x h\nx 1\n# EOF\n",
     "unit not a suffix"),
    (b"# TYPE x gauge\n# HELP x h\n# comment\nx 1\n# EOF\n", "comment"),
    (b"# TYPE x gauge\n# HELP x h\nx{l=\"a\\tb\"} 1\n# EOF\n",
     "undefined escape"),
    (b"# TYPE x gauge\n# HELP x h\nx{l=\"a\"b\"} 1\n# EOF\n",
     "unescaped quote"),
    (b"# TYPE x gauge\n# HELP x a \"quote\"\nx 1\n# EOF\n",
     "unescaped quote in HELP"),
    (b"# TYPE x gauge\n# HELP x h\nx{l=\"a\",l=\"b\"} 1\n# EOF\n",
     "label twice"),
    (b"# TYPE x gauge\n# HELP x h\nx{l=\"a\",} 1\n# EOF\n", "trailing comma"),
    (b"# TYPE x gauge\n# HELP x h\nx{__l=\"a\"} 1\n# EOF\n",
     "reserved label"),
    (b"# TYPE x gauge\n# HELP x h\nx 1.2.3\n# EOF\n", "bad number"),
    (b"# TYPE x gauge\n# HELP x h\nx  1\n# EOF\n", "two spaces"),
    (b"# TYPE x gauge\n# HELP x h\nx{l=\"a\"} 1\nx{l=\"a\"} 2\n# EOF\n",
     "sample twice"),
    (b"# TYPE x info\n# HELP x h\nx_info{a=\"b\"} 2\n# EOF\n", "info not 1"),
    (b"# TYPE x histogram\n# HELP x h\nx_bucket{le=\"1.0\"} 1\n"
     b"x_count 1\nx_sum 1\n# EOF\n", "no +Inf"),
    (b"# TYPE x histogram\n# HELP x h\nx_bucket{le=\"1.0\"} 2\n"
     b"x_bucket{le=\"+Inf\"} 1\nx_count 1\nx_sum 1\n# EOF\n",
     "not cumulative"),
    (b"# TYPE x histogram\n# HELP x h\nx_bucket{le=\"2.0\"} 1\n"
     b"x_bucket{le=\"1.0\"} 1\nx_bucket{le=\"+Inf\"} 1\nx_count 1\n"
     b"x_sum 1\n# EOF\n", "unsorted buckets"),
    (b"# TYPE x histogram\n# HELP x h\nx_bucket{le=\"+Inf\"} 2\n"
     b"x_count 3\nx_sum 1\n# EOF\n", "count is not +Inf"),
    (b"# TYPE x histogram\n# HELP x h\nx_bucket{le=\"+Inf\"} 2\n"
     b"x_sum 1\n# EOF\n", "sum without count"),
    (b"# TYPE x histogram\n# HELP x h\nx_bucket{le=\"+Inf\"} 2.5\n"
     b"x_count 2.5\nx_sum 1\n# EOF\n", "fractional bucket"),
    (b"# TYPE x gauge\n# HELP x h\nx{le=\"1\"} 1\n# EOF\n",
     "le outside histogram"),
    (b"# TYPE x gauge\n# HELP x h\nx{a=\"1\"} 1\nx{a=\"2\"} 1\n"
     b"x{a=\"1\"} 1\n# EOF\n", "interleaved metrics"),
    (b"# TYPE x counter\n# HELP x h\nx_total 1\n# TYPE x_created gauge\n"
     b"# HELP x_created h\nx_created 1\n# EOF\n", "clashing names"),
    (b"# TYPE x gauge\n# HELP x h\ny 1\n# EOF\n", "foreign sample"),
]


def selftest():
    failed = 0
    for data in GOOD:
        problems = check(data)
        if problems:
            failed += 1
            print("selftest: refused a valid exposition: %s\n%s" %
                  (problems, data.decode("utf-8", "replace")))
    for data, what in BAD:
        if not check(data):
            failed += 1
            print("selftest: accepted an exposition with %s:\n%s" %
                  (what, data.decode("utf-8", "replace")))
    print("selftest: %d good and %d bad expositions, %d misjudged" %
          (len(GOOD), len(BAD), failed))
    return 1 if failed else 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--selftest":
        return selftest()
    if len(argv) != 2:
        print("usage: omcheck.py FILE | --selftest", file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        problems = check(f.read())
    for p in problems:
        print("%s:%s" % (argv[1], p))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
