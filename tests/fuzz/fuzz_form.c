/*
 * fuzz_form: XEP-0004 data forms (common/form.c) as the daemon reads them
 * from hostile clients. Byte 0: bits 0-5 max_fields, bit 6 wrap the input
 * in <x xmlns='jabber:x:data' type='submit'>...</x>. The rest is XML,
 * parsed with the stream limits and read for the fields in vars[] (what
 * the daemon's callers read, and short names a fuzzer finds). A parsed form
 * must honour its guarantees (no more than max_fields, only fields asked
 * for, each var once, form_get finds each, FORM_TYPE is the first value of
 * that field), and must survive a round trip through the builders: build,
 * serialize, parse, form_parse.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

static const char *const vars[] = { "muc#roomconfig_roomname",
	"muc#roomconfig_membersonly", "muc#jid", "muc#request_allow",
	"muc#register_roomnick", "rooms", "a", "b", "x", NULL };

static bool
asked(const char *var)
{
	size_t i;

	if (strcmp(var, "FORM_TYPE") == 0)
		return true;
	for (i = 0; vars[i] != NULL; i++)
		if (strcmp(var, vars[i]) == 0)
			return true;
	return false;
}

static void
die(const char *what, const char *var)
{
	fprintf(stderr, "fuzz_form: %s (%s)\n", what, var ? var : "-");
	abort();
}

static void
check(const struct form *f, size_t max)
{
	const char *v;
	size_t i, j;

	if (f->nfields > max)
		die("more fields than allowed", NULL);
	for (i = 0; i < f->nfields; i++) {
		const struct form_field *ff = &f->fields[i];

		if (ff->var == NULL || !ff->present)
			die("field without var", NULL);
		if (!asked(ff->var))
			die("a field not asked for", ff->var);
		for (j = 0; j < i; j++)
			if (strcmp(f->fields[j].var, ff->var) == 0)
				die("var twice", ff->var);
		if (form_get(f, ff->var) != ff)
			die("form_get finds another field", ff->var);
		v = form_value(f, ff->var);
		if (v == NULL || (ff->nvalues > 0 ? v != ff->values[0] :
		    *v != '\0'))
			die("form_value is not the first value", ff->var);
		for (j = 0; j < ff->nvalues; j++)
			if (ff->values[j] == NULL)
				die("NULL value", ff->var);
		(void)form_bool(f, ff->var);
	}
	v = form_value(f, "FORM_TYPE");
	if (v != f->form_type)
		die("form_type is not FORM_TYPE's value", NULL);
}

static void
roundtrip(const struct form *f, size_t max)
{
	struct xml_limits lim = { 1u << 24, 16 };
	struct xnode *root, *x, *field, *back;
	struct form g;
	char err[256], *s;
	size_t i, j;

	root = x_new("query", "urn:test");
	x = form_new(root, f->type ? f->type : "submit", NULL, NULL, NULL);
	for (i = 0; i < f->nfields; i++) {
		field = form_add_field(x, f->fields[i].var, f->fields[i].type,
		    NULL, NULL);
		for (j = 0; j < f->fields[i].nvalues; j++)
			form_add_value(field, f->fields[i].values[j]);
	}
	if ((s = x_to_string(x)) == NULL)
		die("x_to_string", NULL);
	if ((back = xml_parse(s, strlen(s), &lim, err, sizeof(err))) == NULL)
		die(err, s);
	if (form_parse(&g, back, vars, max, err, sizeof(err)) == -1)
		die("rebuilt form does not parse", err);
	if (g.nfields != f->nfields)
		die("field count changed", NULL);
	for (i = 0; i < g.nfields; i++) {
		if (strcmp(g.fields[i].var, f->fields[i].var) != 0 ||
		    g.fields[i].nvalues != f->fields[i].nvalues)
			die("field changed", f->fields[i].var);
		for (j = 0; j < g.fields[i].nvalues; j++)
			if (strcmp(g.fields[i].values[j],
			    f->fields[i].values[j]) != 0)
				die("value changed", f->fields[i].var);
	}
	form_free(&g);
	x_free(back);
	free(s);
	x_free(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char pre[] = "<x xmlns='jabber:x:data' type='submit'>";
	struct xml_limits lim = { 65536, 16 };
	struct xnode *x;
	struct form f;
	char err[256], *doc;
	size_t max, n = 0;

	if (size < 1)
		return 0;
	max = data[0] & 0x3f;
	if ((doc = malloc(size + sizeof(pre) + 8)) == NULL)
		return 0;
	if (data[0] & 0x40) {
		memcpy(doc, pre, sizeof(pre) - 1);
		n = sizeof(pre) - 1;
	}
	memcpy(doc + n, data + 1, size - 1);
	n += size - 1;
	if (data[0] & 0x40) {
		memcpy(doc + n, "</x>", 4);
		n += 4;
	}
	x = xml_parse(doc, n, &lim, err, sizeof(err));
	free(doc);
	if (x == NULL)
		return 0;
	if (form_parse(&f, x, vars, max, err, sizeof(err)) == 0) {
		check(&f, max);
		roundtrip(&f, max);
		form_free(&f);
	} else if (f.fields != NULL || f.nfields != 0)
		die("failed parse left fields behind", NULL);
	x_free(x);
	return 0;
}
