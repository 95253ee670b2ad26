#include "unit.h"

#include "nickskel.h"

static const char *
skel(const char *nick)
{
	static char out[256];

	if (nick_skeleton(nick, out, sizeof(out)) == -1)
		return NULL;
	return out;
}

static void
same(const char *a, const char *b)
{
	char sa[256];

	CHECK(nick_skeleton(a, sa, sizeof(sa)) == 0);
	CHECK_STR(skel(b), sa);
}

static void
lookalikes_collide(void)
{
	same("Romeo", "R\xd0\xbe" "meo");		/* Cyrillic o */
	same("Romeo", "R\xce\xbf" "meo");		/* Greek omicron */
	same("paypal", "\xd1\x80\xd0\xb0y\xd1\x80\xd0\xb0l");	/* Cyrillic p, a */
	same("Alice", "A1ice");
	same("Alice", "AIice");
	same("Bob0", "BobO");
	same("Juliet", "Jul\xc4\xb1" "et");		/* dotless i */
	same("XYZ", "\xd0\xa5\xd2\xae\xce\x96");	/* Cyrillic X, Y; Greek Z */
}

static void
different_names_stay_different(void)
{
	char a[256];

	CHECK(nick_skeleton("Romeo", a, sizeof(a)) == 0);
	CHECK(strcmp(a, skel("Juliet")) != 0);
	CHECK(strcmp(a, skel("romeo")) != 0);	/* case is visible */
	CHECK(strcmp(a, skel("Rom\xc3\xa9o")) != 0);	/* an accent is too */
	/* Non-Latin names are kept as they are. */
	CHECK_STR(skel("\xe5\xb0\x8f\xe6\x98\x8e"), "\xe5\xb0\x8f\xe6\x98\x8e");
	CHECK_STR(skel("\xd0\x96\xd0\xb5\xd0\xbd\xd1\x8f"),
	    "\xd0\x96" "e\xd0\xbd\xd1\x8f");
}

static void
bounds(void)
{
	char tiny[4];

	CHECK_INT(nick_skeleton("abc", tiny, sizeof(tiny)), 0);
	CHECK_STR(tiny, "abc");
	CHECK_INT(nick_skeleton("abcd", tiny, sizeof(tiny)), -1);
	CHECK_INT(nick_skeleton("\xe5\xb0\x8f\xe6\x98\x8e", tiny, sizeof(tiny)),
	    -1);
	CHECK_INT(nick_skeleton("", tiny, sizeof(tiny)), 0);
	CHECK_STR(tiny, "");
}

const struct unit_test unit_tests[] = {
	TEST(lookalikes_collide),
	TEST(different_names_stay_different),
	TEST(bounds),
	{ NULL, NULL }
};
