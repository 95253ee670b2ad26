/*
 * jid: RFC 6122 parsing and stringprep preparation (nodeprep, nameprep,
 * resourceprep from RFC 3920 appendix A/B, RFC 3491), and composition.
 */
#include <string.h>

#include "jid.h"
#include "unit.h"

/* Parse s; expect success and the given prepared parts. */
#define OK(s, n, d, r) do { \
	struct jid j_; \
	const char *why_ = NULL; \
	int rc_ = jid_parse(&j_, (s), &why_); \
	CHECK_INT(rc_, 0); \
	if (rc_ == 0) { \
		CHECK_STR(j_.node, (n)); \
		CHECK_STR(j_.domain, (d)); \
		CHECK_STR(j_.resource, (r)); \
	} else \
		fprintf(stderr, "    input '%s': %s\n", (s), why_ ? why_ : "?"); \
} while (0)

/* Parse s; expect failure with a reason containing sub. */
#define BAD(s, sub) do { \
	struct jid j_; \
	const char *why_ = NULL; \
	CHECK_INT(jid_parse(&j_, (s), &why_), -1); \
	CHECK(why_ != NULL && *why_ != '\0'); \
	if (why_ != NULL && strstr(why_, (sub)) == NULL) { \
		fprintf(stderr, "  %s:%d: reason for '%s' is '%s', " \
		    "want it to mention '%s'\n", __FILE__, __LINE__, (s), \
		    why_, (sub)); \
		unit_failed = 1; \
	} \
} while (0)

static void
valid_forms(void)
{
	struct jid j;
	const char *why;

	OK("example.com", "", "example.com", "");
	OK("user@example.com", "user", "example.com", "");
	OK("user@example.com/res", "user", "example.com", "res");
	OK("example.com/res", "", "example.com", "res");
	/* The resource is everything after the first '/', '@' and '/'
	 * included (RFC 6122 section 2.1). */
	OK("user@example.com/a/b@c/d", "user", "example.com", "a/b@c/d");
	OK("example.com/r@x", "", "example.com", "r@x");
	OK("room@conference.example.com/nick with spaces", "room",
	    "conference.example.com", "nick with spaces");
	/* IP literals and single-label hosts. */
	OK("localhost", "", "localhost", "");
	OK("u@127.0.0.1/r", "u", "127.0.0.1", "r");
	OK("u@[::1]", "u", "[::1]", "");

	CHECK_INT(jid_parse(&j, "Room@Conference.Example.COM/Nick", &why), 0);
	CHECK_STR(j.bare, "room@conference.example.com");
	CHECK_STR(j.full, "room@conference.example.com/Nick");
	CHECK(jid_has_node(&j));
	CHECK(jid_has_resource(&j));
	CHECK_INT(jid_parse(&j, "example.com", &why), 0);
	CHECK_STR(j.bare, "example.com");
	CHECK_STR(j.full, "example.com");
	CHECK(!jid_has_node(&j));
	CHECK(!jid_has_resource(&j));
}

static void
preparation(void)
{
	/* Node and domain are case-folded, the resource keeps its case. */
	OK("JuliEt@Example.COM/BalCony", "juliet", "example.com", "BalCony");
	/* Non-ASCII case folding. */
	OK("\xc3\x84rger@example.com", "\xc3\xa4rger", "example.com", "");
	OK("x@\xc3\x84RGER.example", "x", "\xc3\xa4rger.example", "");
	/* A trailing dot of the domain is removed (RFC 6122 2.2). */
	OK("user@example.com./r", "user", "example.com", "r");
	OK("example.com.", "", "example.com", "");
	/* Fullwidth compatibility characters fold to ASCII (NFKC). */
	OK("\xef\xbc\xa1\xef\xbd\x82\xef\xbd\x83@\xef\xbd\x85\xef\xbd\x98.com"
	    "/\xef\xbc\xb2", "abc", "ex.com", "R");
	/* U+2126 OHM SIGN -> U+03C9 in node (B.2 + NFKC). */
	OK("\xe2\x84\xa6@example.com", "\xcf\x89", "example.com", "");
	/* U+FB01 LATIN SMALL LIGATURE FI -> "fi". */
	OK("\xef\xac\x81le@example.com", "file", "example.com", "");
	/* Soft hyphen (B.1, mapped to nothing) disappears everywhere. */
	OK("a\xc2\xad" "b@exa\xc2\xadmple.com/r\xc2\xad" "s", "ab",
	    "example.com", "rs");
	/* sharp s: case folding (B.2) in nodeprep and nameprep gives "ss";
	 * resourceprep has no case folding and keeps it. */
	OK("stra\xc3\x9f" "e@stra\xc3\x9f" "e.example/Stra\xc3\x9f" "e",
	    "strasse", "strasse.example", "Stra\xc3\x9f" "e");
	/* Stringprep is pinned to Unicode 3.2: capital sharp s (U+1E9E,
	 * Unicode 5.1) is unassigned there and must be refused. */
	BAD("\xe1\xba\x9e@example.com", "unassigned");
	/* NFKC turns NO-BREAK SPACE into an ASCII space: fine in a resource,
	 * prohibited in a node. */
	OK("a@b/x\xc2\xa0y", "a", "b", "x y");
	BAD("x\xc2\xa0y@b", "prohibited");
	/* Combining sequence normalized to the precomposed form (NFKC). */
	OK("e\xcc\x81@example.com/e\xcc\x81", "\xc3\xa9", "example.com",
	    "\xc3\xa9");
	/* ASCII space is allowed in a resource, non-ASCII space is not
	 * (resourceprep prohibits C.1.2) -- see invalid_resource. */
	OK("a@b/x y", "a", "b", "x y");
}

/*
 * IDNA2003 section 3.1, which RFC 6122 section 2.2 builds on: U+3002,
 * U+FF0E and U+FF61 are label separators like '.', and a trailing
 * separator of any of these kinds is removed.
 */
static void
idna_dots(void)
{
	OK("u@example\xe3\x80\x82" "com", "u", "example.com", "");
	OK("u@example\xef\xbd\xa1" "com", "u", "example.com", "");
	OK("u@example\xef\xbc\x8e" "com", "u", "example.com", "");
	OK("u@example.com\xef\xbc\x8e", "u", "example.com", "");
	OK("u@example.com\xe3\x80\x82/r", "u", "example.com", "r");
}

static void
invalid_structure(void)
{
	struct jid j;
	const char *why = NULL;

	CHECK_INT(jid_parse(&j, NULL, &why), -1);
	BAD("", "empty");
	BAD("@example.com", "empty localpart");
	BAD("@example.com/r", "empty localpart");
	BAD("user@", "empty domain");
	BAD("user@/r", "empty domain");
	BAD("/r", "empty domain");
	BAD("user@example.com/", "empty resource");
	BAD("example.com/", "empty resource");
	/* A second '@' before the slash lands in the domain: invalid there. */
	BAD("a@b@example.com", "domain");
	/* Prepared parts that become empty. */
	BAD("\xc2\xad@example.com", "empty");
	BAD("a@example.com/\xc2\xad", "empty");
	/* A failed parse leaves the derived strings empty. */
	CHECK_INT(jid_parse(&j, "a@b/", &why), -1);
	CHECK_STR(j.full, "");
	CHECK_STR(j.bare, "");
}

static void
invalid_node(void)
{
	static const char prohibited[] = "\"&':<>@ ";
	char in[8], out[JID_PART_MAX + 1];
	const char *why;
	size_t i;

	/* RFC 3920 A.5: nodeprep prohibits " & ' / : < > @ and space. */
	BAD("a\"b@example.com", "prohibited");
	BAD("a&b@example.com", "prohibited");
	BAD("a'b@example.com", "prohibited");
	BAD("a:b@example.com", "prohibited");
	BAD("a<b@example.com", "prohibited");
	BAD("a>b@example.com", "prohibited");
	BAD("a b@example.com", "prohibited");
	/* '/' and '@' cannot reach nodeprep through jid_parse; ask directly. */
	for (i = 0; i < sizeof(prohibited) - 1; i++) {
		snprintf(in, sizeof(in), "a%cb", prohibited[i]);
		why = NULL;
		CHECK_INT(jid_nodeprep(in, out, sizeof(out), &why), -1);
		CHECK(why != NULL);
	}
	why = NULL;
	CHECK_INT(jid_nodeprep("a/b", out, sizeof(out), &why), -1);
	CHECK(why != NULL);
	why = NULL;
	CHECK_INT(jid_nodeprep("a@b", out, sizeof(out), &why), -1);
	CHECK(why != NULL);
	/* Controls (C.2.1) and non-ASCII space (C.1.2). */
	BAD("a\x07" "b@example.com", "prohibited");
	BAD("a\xc2\xa0" "b@example.com", "prohibited");
	/* Private use (C.3). */
	BAD("\xee\x80\x80@example.com", "prohibited");
	/* Unassigned in Unicode 3.2 (U+0221), STRINGPREP_NO_UNASSIGNED. */
	BAD("\xc8\xa1@example.com", "unassigned");
	/* Mixed RTL and LTR (RFC 3454 section 6). */
	BAD("\xd7\x90" "a@example.com", "bidi");
	/* Pure RTL is fine. */
	OK("\xd7\x90\xd7\x91@example.com", "\xd7\x90\xd7\x91", "example.com",
	    "");
}

static void
invalid_resource(void)
{
	BAD("a@example.com/x\x07y", "prohibited");
	BAD("a@example.com/x\xe2\x80\xa8y", "prohibited");	/* U+2028, C.1.2 */
	BAD("a@example.com/\xee\x80\x80", "prohibited");
	BAD("a@example.com/\xc8\xa1", "unassigned");
	BAD("a@example.com/\xd7\x90" "a", "bidi");
}

static void
invalid_domain(void)
{
	char lbl[80], big[1100];

	BAD("exa mple.com", "domain");
	BAD("a@ex!ample.com", "domain");
	BAD("a@exam<ple.com", "domain");
	BAD("a@example..com", "label");
	BAD("a@.example.com", "label");
	BAD("a@example.com..", "label");
	BAD("a@.", "empty");
	/* 63-byte label is the maximum (RFC 1035). */
	memset(lbl, 'a', 63);
	strcpy(lbl + 63, ".com");
	OK(lbl, "", lbl, "");
	memset(lbl, 'a', 64);
	strcpy(lbl + 64, ".com");
	BAD(lbl, "label too long");
	/* Domain of 1023 bytes is allowed; 1024 is not. */
	{
		size_t i;

		for (i = 0; i < 1023; i++)
			big[i] = (i % 64 == 63) ? '.' : 'd';
		big[1023] = '\0';
		OK(big, "", big, "");
		big[1023] = 'd';
		big[1024] = '\0';
		BAD(big, "too long");
	}
}

static void
invalid_utf8(void)
{
	BAD("\xff@example.com", "UTF-8");
	BAD("a@exa\xc3mple.com", "UTF-8");
	BAD("a@example.com/\xed\xa0\x80", "UTF-8");	/* surrogate */
	BAD("a@example.com/\xc0\xaf", "UTF-8");		/* overlong '/' */
	BAD("\xf4\x90\x80\x80@example.com", "UTF-8");	/* > U+10FFFF */
}

static void
length_limits(void)
{
	char s[JID_MAX + 100], part[1100];
	size_t n;

	/* Node of exactly 1023 bytes is fine, 1024 is too long. */
	memset(part, 'n', 1023);
	part[1023] = '\0';
	snprintf(s, sizeof(s), "%s@example.com", part);
	OK(s, part, "example.com", "");
	memset(part, 'n', 1024);
	part[1024] = '\0';
	snprintf(s, sizeof(s), "%s@example.com", part);
	BAD(s, "too long");
	/* Same for the resource. */
	memset(part, 'r', 1023);
	part[1023] = '\0';
	snprintf(s, sizeof(s), "a@example.com/%s", part);
	OK(s, "a", "example.com", part);
	memset(part, 'r', 1024);
	part[1024] = '\0';
	snprintf(s, sizeof(s), "a@example.com/%s", part);
	BAD(s, "too long");
	/* A node short enough before preparation but over 1023 bytes after
	 * it: U+01C4 (2 bytes) folds to U+01C6 and NFKC makes that "d" +
	 * U+017E (3 bytes). 511 of them: 1022 bytes in, 1533 out. */
	for (n = 0; n < 511; n++)
		memcpy(part + 2 * n, "\xc7\x84", 2);
	part[1022] = '\0';
	snprintf(s, sizeof(s), "%s@example.com", part);
	BAD(s, "too long");
	/* The same expansion within the limit is fine. */
	part[2 * 300] = '\0';
	{
		char want[1000];

		for (n = 0; n < 300; n++)
			memcpy(want + 3 * n, "d\xc5\xbe", 3);
		want[900] = '\0';
		snprintf(s, sizeof(s), "%s@example.com", part);
		OK(s, want, "example.com", "");
	}
	/* Whole JID over JID_MAX. */
	memset(s, 'x', JID_MAX + 1);
	s[JID_MAX + 1] = '\0';
	BAD(s, "too long");
}

static void
compose(void)
{
	char out[64];

	CHECK_INT(jid_compose(out, sizeof(out), "room", "muc.example", "nick"), 0);
	CHECK_STR(out, "room@muc.example/nick");
	CHECK_INT(jid_compose(out, sizeof(out), "room", "muc.example", NULL), 0);
	CHECK_STR(out, "room@muc.example");
	CHECK_INT(jid_compose(out, sizeof(out), "", "muc.example", ""), 0);
	CHECK_STR(out, "muc.example");
	CHECK_INT(jid_compose(out, sizeof(out), NULL, "muc.example", "r"), 0);
	CHECK_STR(out, "muc.example/r");
	/* Exactly fitting, and one byte short. */
	CHECK_INT(jid_compose(out, 6, "a", "b.c", NULL), 0);	/* "a@b.c" + NUL */
	CHECK_STR(out, "a@b.c");
	CHECK_INT(jid_compose(out, 5, "a", "b.c", NULL), -1);
	/* Round trip through the parser. */
	{
		struct jid j;
		const char *why;

		CHECK_INT(jid_parse(&j, "Room@MUC.example/Nick Name", &why), 0);
		CHECK_INT(jid_compose(out, sizeof(out), j.node, j.domain,
		    j.resource), 0);
		CHECK_STR(out, j.full);
	}
}

static void
prep_bare_full(void)
{
	char out[JID_MAX + 1];
	const char *why = NULL;

	CHECK_INT(jid_prep_bare("Juliet@Example.COM/Balcony", out, sizeof(out),
	    &why), 0);
	CHECK_STR(out, "juliet@example.com");
	CHECK_INT(jid_prep_full("Juliet@Example.COM/Balcony", out, sizeof(out),
	    &why), 0);
	CHECK_STR(out, "juliet@example.com/Balcony");
	CHECK_INT(jid_prep_full("Example.COM.", out, sizeof(out), &why), 0);
	CHECK_STR(out, "example.com");
	/* Output buffer too small: error, not truncation. */
	why = NULL;
	CHECK_INT(jid_prep_bare("juliet@example.com", out, 18, &why), -1);
	CHECK(why != NULL);
	CHECK_INT(jid_prep_bare("juliet@example.com", out, 19, &why), 0);
	CHECK_STR(out, "juliet@example.com");
	why = NULL;
	CHECK_INT(jid_prep_full("a@b/cd", out, 6, &why), -1);
	CHECK(why != NULL);
	/* Invalid input propagates the reason. */
	why = NULL;
	CHECK_INT(jid_prep_bare("@example.com", out, sizeof(out), &why), -1);
	CHECK(why != NULL && strstr(why, "localpart") != NULL);
	why = NULL;
	CHECK_INT(jid_prep_full("a@example.com/", out, sizeof(out), &why), -1);
	CHECK(why != NULL && strstr(why, "resource") != NULL);
}

/* Different spellings of one address prepare to the same string. */
static void
equivalence(void)
{
	static const char *same[] = {
		"romeo@montague.lit/Orchard",
		"ROMEO@Montague.LIT/Orchard",
		"Romeo@montague.lit./Orchard",
		"\xef\xbc\xb2omeo@montague.lit/Orchard",
		"ro\xc2\xadmeo@MONTAGUE.lit/Orchard",
	};
	char first[JID_MAX + 1], out[JID_MAX + 1];
	const char *why;
	size_t i;

	CHECK_INT(jid_prep_full(same[0], first, sizeof(first), &why), 0);
	for (i = 1; i < sizeof(same) / sizeof(same[0]); i++) {
		CHECK_INT(jid_prep_full(same[i], out, sizeof(out), &why), 0);
		CHECK_STR(out, first);
	}
	/* But the resource is case sensitive. */
	CHECK_INT(jid_prep_full("romeo@montague.lit/orchard", out, sizeof(out),
	    &why), 0);
	CHECK(strcmp(out, first) != 0);
}

/*
 * jid_parse_lax: a resource with code points unassigned in Unicode 3.2
 * (every emoji) is what servers route; it passes, prepared (U+FE0F is
 * mapped to nothing), while the node and domain stay strict and
 * prohibited characters stay out.
 */
static void
lax_resource(void)
{
	struct jid j;
	const char *why;

	/* U+1F916 ROBOT FACE, U+FE0F VARIATION SELECTOR-16. */
	CHECK_INT(jid_parse(&j, "nobots@conference.localhost/\xf0\x9f\xa4\x96"
	    "\xef\xb8\x8f", &why), -1);
	CHECK_INT(jid_parse_lax(&j, "nobots@Conference.Localhost/"
	    "\xf0\x9f\xa4\x96\xef\xb8\x8f", &why), 0);
	CHECK_STR(j.bare, "nobots@conference.localhost");
	CHECK_STR(j.full, "nobots@conference.localhost/\xf0\x9f\xa4\x96");
	/* "René 🎉" */
	CHECK_INT(jid_parse_lax(&j, "r@muc.example/Ren\xc3\xa9 \xf0\x9f\x8e\x89",
	    &why), 0);
	CHECK_STR(j.resource, "Ren\xc3\xa9 \xf0\x9f\x8e\x89");
	/* What strict parsing accepts, lax parsing gives alike. */
	CHECK_INT(jid_parse_lax(&j, "Room@MUC.example/Nick", &why), 0);
	CHECK_STR(j.full, "room@muc.example/Nick");
	/* Only the resource is lax. */
	CHECK_INT(jid_parse_lax(&j, "\xf0\x9f\xa4\x96@muc.example/n", &why),
	    -1);
	CHECK_INT(jid_parse_lax(&j, "room@\xf0\x9f\xa4\x96.example/n", &why),
	    -1);
	/* Prohibited is prohibited either way. */
	CHECK_INT(jid_parse_lax(&j, "room@muc.example/a\x01" "b", &why), -1);
	CHECK_INT(jid_parse_lax(&j, "room@muc.example/a\xe2\x80\x8e" "b", &why),
	    -1);
}

const struct unit_test unit_tests[] = {
	TEST(valid_forms),
	TEST(preparation),
	TEST(idna_dots),
	TEST(invalid_structure),
	TEST(invalid_node),
	TEST(invalid_resource),
	TEST(invalid_domain),
	TEST(invalid_utf8),
	TEST(length_limits),
	TEST(compose),
	TEST(prep_bare_full),
	TEST(equivalence),
	TEST(lax_resource),
	{ NULL, NULL }
};
