/*
 * form: reading submitted XEP-0004 data forms. Only the fields the caller
 * asks for are kept; everything else a client echoes back (labels of
 * 'fixed' fields, with or without a type, fields mucd does not know) is
 * ignored whatever it holds, and only a field the caller reads can make a
 * submission malformed.
 */
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "unit.h"
#include "xml.h"

#define X_SUBMIT	"<x xmlns='jabber:x:data' type='submit'>"
#define FORM_TYPE	"<field var='FORM_TYPE' type='hidden'>" \
			"<value>urn:test</value></field>"

static const char *const vars[] = { "name", "flag", "roles", NULL };

static struct xnode *
parse_xml(const char *s)
{
	struct xml_limits lim = { 65536, 16 };
	char err[256];
	struct xnode *x;

	if ((x = xml_parse(s, strlen(s), &lim, err, sizeof(err))) == NULL) {
		fprintf(stderr, "  test XML does not parse: %s\n", err);
		exit(2);
	}
	return x;
}

/* form_parse of s with vars and max_fields; err gets the message. */
static int
parse(struct form *f, struct xnode **x, const char *s, size_t max,
    char *err, size_t errlen)
{
	*x = parse_xml(s);
	err[0] = '\0';
	return form_parse(f, *x, vars, max, err, errlen);
}

/* What slixmpp's set_room_config sends: the whole form back, the last
 * 'fixed' field stripped of its type, the others keeping it. */
static void
echoed_labels(void)
{
	struct form f;
	struct xnode *x;
	char err[128];

	CHECK_INT(parse(&f, &x, X_SUBMIT "<title>Configuration</title>"
	    FORM_TYPE "<field type='fixed'><value>Room information</value>"
	    "</field><field var='name'><value>Lobby</value></field>"
	    "<field><value>Other options</value></field>"
	    "<field var='flag'><value>1</value></field></x>", 100, err,
	    sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_INT(f.nfields, 3);
	CHECK_STR(f.type, "submit");
	CHECK_STR(f.form_type, "urn:test");
	CHECK_STR(form_value(&f, "name"), "Lobby");
	CHECK_INT(form_bool(&f, "flag"), 1);
	form_free(&f);
	x_free(x);
}

static void
unknown_fields_ignored(void)
{
	struct form f;
	struct xnode *x;
	char err[128];

	/* Unknown vars, even repeated or with odd content, and var-less
	 * fields of any type are not kept and refuse nothing. */
	CHECK_INT(parse(&f, &x, X_SUBMIT FORM_TYPE
	    "<field var='other'><value>1</value></field>"
	    "<field var='other'><value>2</value><value>3</value></field>"
	    "<field var='junk' type='no-such-type'><option/><value/></field>"
	    "<field type='text-single'><value>no var</value></field>"
	    "<field var=''><value>empty var</value></field>"
	    "<field/>"
	    "<field var='name'/></x>", 100, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_INT(f.nfields, 2);
	CHECK(form_get(&f, "other") == NULL);
	CHECK(form_get(&f, "junk") == NULL);
	CHECK(form_get(&f, "") == NULL);
	CHECK_STR(form_value(&f, "name"), "");
	CHECK(form_value(&f, "flag") == NULL);
	form_free(&f);
	x_free(x);
}

static void
repeated_known_field(void)
{
	struct form f;
	struct xnode *x;
	char err[128];

	CHECK_INT(parse(&f, &x, X_SUBMIT FORM_TYPE
	    "<field var='name'><value>a</value></field>"
	    "<field var='flag'/>"
	    "<field var='name'><value>b</value></field></x>", 100, err,
	    sizeof(err)), -1);
	CHECK_STR(err, "field 'name' given twice");
	/* A failed parse leaves nothing to free. */
	CHECK(f.fields == NULL);
	CHECK_INT(f.nfields, 0);
	x_free(x);

	CHECK_INT(parse(&f, &x, X_SUBMIT FORM_TYPE FORM_TYPE "</x>", 100, err,
	    sizeof(err)), -1);
	CHECK_STR(err, "field 'FORM_TYPE' given twice");
	x_free(x);
}

/* The limit bounds the work a submission costs: every <field/> counts,
 * kept or not. */
static void
field_limit(void)
{
	struct form f;
	struct xnode *x;
	char err[128];

	CHECK_INT(parse(&f, &x, X_SUBMIT "<field var='name'/><field/>"
	    "<field var='x'/></x>", 3, err, sizeof(err)), 0);
	CHECK_INT(f.nfields, 1);
	form_free(&f);
	x_free(x);
	CHECK_INT(parse(&f, &x, X_SUBMIT "<field var='name'/><field/>"
	    "<field var='x'/><field type='fixed'/></x>", 3, err, sizeof(err)),
	    -1);
	CHECK_STR(err, "too many fields (4, at most 3)");
	x_free(x);
}

static void
values(void)
{
	struct form f;
	struct xnode *x;
	const struct form_field *ff;
	char err[128];

	CHECK_INT(parse(&f, &x, X_SUBMIT
	    "<field var='roles'><value>visitor</value><value>moderator</value>"
	    "</field><field var='flag'><value>maybe</value></field></x>", 100,
	    err, sizeof(err)), 0);
	CHECK(f.form_type == NULL);
	ff = form_get(&f, "roles");
	CHECK(ff != NULL && ff->nvalues == 2);
	if (ff != NULL && ff->nvalues == 2) {
		CHECK_STR(ff->values[0], "visitor");
		CHECK_STR(ff->values[1], "moderator");
	}
	CHECK_STR(form_value(&f, "roles"), "visitor");
	CHECK_INT(form_bool(&f, "flag"), -1);
	CHECK_INT(form_bool(&f, "name"), -1);
	form_free(&f);
	x_free(x);

	CHECK_INT(parse_xdata_bool("true"), 1);
	CHECK_INT(parse_xdata_bool("1"), 1);
	CHECK_INT(parse_xdata_bool("false"), 0);
	CHECK_INT(parse_xdata_bool("0"), 0);
	CHECK_INT(parse_xdata_bool("yes"), -1);
	CHECK_INT(parse_xdata_bool(NULL), -1);
}

static void
not_a_form(void)
{
	struct form f;
	struct xnode *x;
	char err[128];

	CHECK_INT(parse(&f, &x, "<x xmlns='jabber:x:oob'><field var='name'/>"
	    "</x>", 100, err, sizeof(err)), -1);
	CHECK_STR(err, "not a data form");
	x_free(x);
}

/* What the builders write, form_parse reads back. */
static void
build_and_read_back(void)
{
	struct xnode *root = x_new("query", "urn:test"), *x, *fl, *back;
	struct form f;
	char err[128], *s;

	x = form_new(root, "form", "urn:test", "Title", "Fill it in");
	form_add_field(x, NULL, "fixed", NULL, "A section");
	form_add_field(x, "name", "text-single", "Name", "Lobby");
	fl = form_add_field(x, "roles", "list-multi", "Roles", NULL);
	form_add_option(fl, "Visitors", "visitor");
	form_add_value(fl, "visitor");
	form_add_value(fl, "participant");
	form_add_field(x, "flag", "boolean", "Flag", "");
	if ((s = x_to_string(x)) == NULL) {
		CHECK(!"x_to_string");
		x_free(root);
		return;
	}
	back = parse_xml(s);
	CHECK_INT(form_parse(&f, back, vars, 100, err, sizeof(err)), 0);
	CHECK_STR(f.type, "form");
	CHECK_STR(f.form_type, "urn:test");
	CHECK_INT(f.nfields, 4);
	CHECK_STR(form_value(&f, "name"), "Lobby");
	CHECK_STR(form_value(&f, "flag"), "");
	CHECK_INT(form_get(&f, "roles") ? form_get(&f, "roles")->nvalues : 0,
	    2);
	form_free(&f);
	x_free(back);
	free(s);
	x_free(root);
}

const struct unit_test unit_tests[] = {
	TEST(echoed_labels),
	TEST(unknown_fields_ignored),
	TEST(repeated_known_field),
	TEST(field_limit),
	TEST(values),
	TEST(not_a_form),
	TEST(build_and_read_back),
	{ NULL, NULL }
};
