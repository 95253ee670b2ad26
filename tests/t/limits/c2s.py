"""c2s: the smallest XMPP client that does the job, for tests and
measurements that need exact bytes on the wire (a client library would
escape the 200 KB of '"' the issue is about) and many clients in one
process.

Plain-text SASL to the test Prosody (tests/fixture/prosody.sh accepts any
password), resource binding, then raw stanzas out and parsed stanzas in.
Hub reads every client's socket so none of them stalls the server; each
client keeps the stanzas it has not consumed yet, or only counts them
(keep=False) when it just has to keep reading.

Standard library only; run with /usr/bin/python3 like the other tests.
"""

import base64
import itertools
import json
import selectors
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

NS_CLIENT = "jabber:client"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_MUC = "http://jabber.org/protocol/muc"
NS_MUC_USER = "http://jabber.org/protocol/muc#user"
NS_MUC_ADMIN = "http://jabber.org/protocol/muc#admin"
NS_MUC_OWNER = "http://jabber.org/protocol/muc#owner"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"

_ids = itertools.count(1)


def new_id(prefix="t"):
    return "%s%d" % (prefix, next(_ids))


def q(s):
    """Escape for an attribute value or text."""
    return (s.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace("'", "&apos;")
            .replace('"', "&quot;"))


def tag(el):
    """Local name of an element."""
    return el.tag.rsplit("}", 1)[-1]


def error_condition(el):
    """The defined condition of an error stanza, or None."""
    for err in el:
        if tag(err) != "error":
            continue
        for c in err:
            if c.tag.startswith("{%s}" % NS_STANZAS) and tag(c) != "text":
                return tag(c)
    return None


def error_text(el):
    for err in el:
        if tag(err) == "error":
            for c in err:
                if c.tag == "{%s}text" % NS_STANZAS:
                    return c.text or ""
    return ""


class Closed(Exception):
    pass


class Client:
    def __init__(self, hub, user, resource="r", host="localhost",
                 keep=True):
        self.hub = hub
        self.bare = "%s@%s" % (user, host)
        self.jid = None
        self.keep = keep
        self.sink = False	# set: read and count bytes, parse nothing
        self.stanzas = []
        self.count = 0
        self.bytes = 0
        self.errors = {}	# error condition -> stanzas received
        self.out = bytearray()
        self.closed = False
        self.sock = socket.create_connection(("127.0.0.1", hub.port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._new_parser()
        self._open(host)
        self._expect_name("features")
        plain = base64.b64encode(b"\0" + user.encode() + b"\0pw").decode()
        self._raw("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
                  "mechanism='PLAIN'>%s</auth>" % plain)
        if tag(self._expect_name("success", "failure")) != "success":
            raise Closed("%s: login refused" % self.bare)
        self._new_parser()
        self._open(host)
        self._expect_name("features")
        iq = new_id("bind")
        self._raw("<iq type='set' id='%s'><bind xmlns='urn:ietf:params:"
                  "xml:ns:xmpp-bind'><resource>%s</resource></bind></iq>"
                  % (iq, q(resource)))
        res = self._expect_name("iq")
        jid = res.find(".//{urn:ietf:params:xml:ns:xmpp-bind}jid")
        if jid is None:
            raise Closed("%s: bind failed" % self.bare)
        self.jid = jid.text
        self.sock.setblocking(False)
        hub.add(self)

    # -- stream --------------------------------------------------------
    def _new_parser(self):
        self.parser = ET.XMLPullParser(events=("start", "end"))
        self.depth = 0
        self.root = None

    def _open(self, host):
        self._raw("<?xml version='1.0'?><stream:stream to='%s' "
                  "xmlns='jabber:client' xmlns:stream='http://etherx."
                  "jabber.org/streams' version='1.0'>" % host)

    def _raw(self, s):
        self.sock.sendall(s.encode() if isinstance(s, str) else s)

    def _expect_name(self, *names):
        """Blocking, during login only."""
        while True:
            for el in self._parse(self.sock.recv(65536) or b""):
                if tag(el) in names:
                    return el
                if tag(el) == "error":
                    raise Closed("%s: stream error" % self.bare)

    def _parse(self, data):
        if not data:
            raise Closed("%s: connection closed" % self.bare)
        self.parser.feed(data)
        done = []
        for ev, el in self.parser.read_events():
            if ev == "start":
                self.depth += 1
                if self.depth == 1:
                    self.root = el
            else:
                self.depth -= 1
                if self.depth == 1:
                    done.append(el)
                    self.root.remove(el)
                elif self.depth == 0:
                    raise Closed("%s: stream closed" % self.bare)
        return done

    # -- traffic -------------------------------------------------------
    def send(self, s):
        """Queue raw XML; the hub writes it without blocking."""
        self.out += s.encode() if isinstance(s, str) else s
        self.hub.flush(self)

    def on_readable(self):
        try:
            data = self.sock.recv(1 << 20)
        except BlockingIOError:
            return
        if self.sink:
            if not data:
                raise Closed("%s: connection closed" % self.bare)
            self.bytes += len(data)
            return
        for el in self._parse(data):
            self.count += 1
            if el.get("type") == "error":
                cond = error_condition(el)
                self.errors[cond] = self.errors.get(cond, 0) + 1
            if self.keep:
                self.stanzas.append(el)

    def take(self, pred, timeout=10.0):
        """The first kept stanza matching pred (removed), waiting for it;
        None on timeout."""
        end = time.monotonic() + timeout
        while True:
            for i, el in enumerate(self.stanzas):
                if pred(el):
                    del self.stanzas[i]
                    return el
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.hub.poll(min(left, 0.2))

    def take_id(self, sid, timeout=10.0):
        return self.take(lambda el: el.get("id") == sid, timeout)

    def iq(self, to, body, type_="get", timeout=10.0):
        """Send an IQ, wait for its answer (None on timeout)."""
        sid = new_id("iq")
        self.send("<iq type='%s' id='%s' to='%s'>%s</iq>"
                  % (type_, sid, q(to), body))
        return self.take_id(sid, timeout)

    def join(self, room, nick, timeout=10.0):
        """Enter (creating) room; returns the self-presence."""
        self.send("<presence to='%s/%s'><x xmlns='%s'><history "
                  "maxstanzas='0'/></x></presence>"
                  % (q(room), q(nick), NS_MUC))
        me = "%s/%s" % (room, nick)

        def mine(el):
            return (tag(el) == "presence" and el.get("from") == me) or (
                tag(el) == "presence" and el.get("type") == "error")
        return self.take(mine, timeout)

    def close(self):
        if not self.closed:
            self.closed = True
            self.hub.remove(self)
            try:
                self.sock.setblocking(True)
                self.sock.sendall(b"</stream:stream>")
            except OSError:
                pass
            self.sock.close()


class Hub:
    """One selector for every client: reading any of them reads all."""

    def __init__(self, port):
        self.port = port
        self.sel = selectors.DefaultSelector()
        self.clients = []

    def add(self, c):
        self.clients.append(c)
        self.sel.register(c.sock, selectors.EVENT_READ, c)

    def remove(self, c):
        self.clients.remove(c)
        self.sel.unregister(c.sock)

    def flush(self, c):
        while c.out:
            try:
                n = c.sock.send(c.out)
            except BlockingIOError:
                n = 0
            if n == 0:
                # The server is not reading: read meanwhile, as a real
                # client does, so neither side blocks the other.
                self.poll(0.01)
                continue
            del c.out[:n]

    def poll(self, timeout):
        for key, _ in self.sel.select(timeout):
            key.data.on_readable()

    def run_for(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.poll(min(0.05, max(0.0, end - time.monotonic())))

    def close(self):
        for c in list(self.clients):
            c.close()


def groupchat(room, body, sid):
    return ("<message type='groupchat' to='%s' id='%s'><body>%s</body>"
            "</message>" % (q(room), sid, body))


class RoundTrip:
    """A groupchat message to c's own room and back: seconds, or what
    came back instead (an error condition, or nothing)."""

    def __init__(self, c, room, timeout=30.0):
        sid = new_id("rt")
        t0 = time.monotonic()
        c.send(groupchat(room, "ping", sid))
        el = c.take(lambda e: e.get("id") == sid, timeout)
        self.secs = time.monotonic() - t0
        self.error = None
        if el is None:
            self.error = "no answer"
        elif el.get("type") == "error":
            self.error = error_condition(el)

    def within(self, bound):
        return self.error is None and self.secs <= bound

    def __str__(self):
        if self.error is None:
            return "%.3f s" % self.secs
        return "%s after %.3f s" % (self.error, self.secs)


def instant_room(c, room, nick):
    """Create room with c as owner, unlocked (instant room)."""
    pres = c.join(room, nick)
    if pres is None or pres.get("type") == "error":
        raise Closed("%s could not create %s" % (c.bare, room))
    c.iq(room, "<query xmlns='%s'><x xmlns='jabber:x:data' "
         "type='submit'/></query>" % NS_MUC_OWNER, "set")


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def status(mucctl):
    """mucd's `mucctl --json status`, parsed."""
    out = subprocess.run(mucctl + ["--json", "status"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


class Checks:
    """Print one line per check; remember failures."""

    def __init__(self):
        self.failed = []

    def __call__(self, ok, what):
        print("%s %s" % ("ok  " if ok else "FAIL", what), flush=True)
        if not ok:
            self.failed.append(what)

    def link_steady(self, st0, st1):
        """The link is up and did not reconnect between two statuses, and
        no stanza had to be held back at the link as too large (every
        handler answered with an error first)."""
        link = st1["link"]
        self(link["state"] == "up" and
             link["connects"] == st0["link"]["connects"] and
             link.get("oversized_out", 0) == 0,
             "link %s, connects %d before, %d after, %s stanzas held "
             "back as too large" % (
                 link["state"], st0["link"]["connects"], link["connects"],
                 link.get("oversized_out", "no count of")))

    def status(self):
        return 1 if self.failed else 0


def run(main):
    """Exit with main()'s status; a lost connection is a failure."""
    try:
        sys.exit(main())
    except Closed as e:
        print("FAIL %s" % e, flush=True)
        sys.exit(1)


def options(argv, defaults):
    """--name VALUE pairs for the keys of defaults (converted to the
    default's type) out of argv; returns them and the other arguments."""
    opt = dict(defaults)
    rest = []
    i = 0
    while i < len(argv):
        name = argv[i][2:]
        if argv[i].startswith("--") and name in opt and i + 1 < len(argv):
            opt[name] = type(opt[name])(argv[i + 1])
            i += 2
        else:
            rest.append(argv[i])
            i += 1
    return opt, rest
