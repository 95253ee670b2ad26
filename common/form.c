#include "form.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
parse_xdata_bool(const char *v)
{
	if (v == NULL)
		return -1;
	if (!strcmp(v, "1") || !strcmp(v, "true"))
		return 1;
	if (!strcmp(v, "0") || !strcmp(v, "false"))
		return 0;
	return -1;
}

void
form_free(struct form *f)
{
	size_t i;

	for (i = 0; i < f->nfields; i++)
		free(f->fields[i].values);
	free(f->fields);
	memset(f, 0, sizeof(*f));
}

static int
parse_field(struct form_field *ff, const struct xnode *field)
{
	const struct xnode *v;
	size_t n = 0;

	ff->var = x_attr(field, "var");
	ff->type = x_attr(field, "type");
	ff->present = true;
	X_FOREACH(field, v)
		if (x_is(v, "value", NS_XDATA_FORM))
			n++;
	ff->nvalues = 0;
	ff->values = NULL;
	if (n == 0)
		return 0;
	if ((ff->values = calloc(n, sizeof(*ff->values))) == NULL)
		return -1;
	X_FOREACH(field, v)
		if (x_is(v, "value", NS_XDATA_FORM))
			ff->values[ff->nvalues++] = x_text(v);
	return 0;
}

/* A field the caller reads: one of vars, or FORM_TYPE. */
static bool
wanted(const char *var, const char *const *vars)
{
	if (strcmp(var, "FORM_TYPE") == 0)
		return true;
	for (; *vars != NULL; vars++)
		if (strcmp(var, *vars) == 0)
			return true;
	return false;
}

int
form_parse(struct form *f, const struct xnode *x, const char *const *vars,
    size_t max_fields, char *err, size_t errlen)
{
	const struct xnode *c;
	const char *var;
	size_t n = 0, i;

	memset(f, 0, sizeof(*f));
	if (!x_is(x, "x", NS_XDATA_FORM)) {
		snprintf(err, errlen, "not a data form");
		return -1;
	}
	f->type = x_attr(x, "type");
	X_FOREACH(x, c)
		if (x_is(c, "field", NS_XDATA_FORM))
			n++;
	if (n > max_fields) {
		snprintf(err, errlen, "too many fields (%zu, at most %zu)", n,
		    max_fields);
		return -1;
	}
	n = 0;
	X_FOREACH(x, c)
		if (x_is(c, "field", NS_XDATA_FORM) &&
		    (var = x_attr(c, "var")) != NULL && wanted(var, vars))
			n++;
	if (n > 0 && (f->fields = calloc(n, sizeof(*f->fields))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	X_FOREACH(x, c) {
		if (!x_is(c, "field", NS_XDATA_FORM) ||
		    (var = x_attr(c, "var")) == NULL || !wanted(var, vars))
			continue;
		for (i = 0; i < f->nfields; i++)
			if (!strcmp(f->fields[i].var, var)) {
				snprintf(err, errlen, "field '%s' given twice",
				    var);
				goto fail;
			}
		if (parse_field(&f->fields[f->nfields], c) == -1) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		f->nfields++;
	}
	f->form_type = form_value(f, "FORM_TYPE");
	return 0;
fail:
	form_free(f);
	return -1;
}

const struct form_field *
form_get(const struct form *f, const char *var)
{
	size_t i;

	for (i = 0; i < f->nfields; i++)
		if (!strcmp(f->fields[i].var, var))
			return &f->fields[i];
	return NULL;
}

const char *
form_value(const struct form *f, const char *var)
{
	const struct form_field *ff = form_get(f, var);

	if (ff == NULL)
		return NULL;
	return ff->nvalues > 0 ? ff->values[0] : "";
}

int
form_bool(const struct form *f, const char *var)
{
	return parse_xdata_bool(form_value(f, var));
}

struct xnode *
form_new(struct xnode *parent, const char *type, const char *form_type,
    const char *title, const char *instructions)
{
	struct xnode *x = x_add(parent, "x", NS_XDATA_FORM);

	x_set_attr(x, "type", type);
	if (title != NULL)
		x_add_child_text(x, "title", title);
	if (instructions != NULL)
		x_add_child_text(x, "instructions", instructions);
	if (form_type != NULL)
		form_add_field(x, "FORM_TYPE", "hidden", NULL, form_type);
	return x;
}

struct xnode *
form_add_field(struct xnode *x, const char *var, const char *type,
    const char *label, const char *value)
{
	struct xnode *f = x_add(x, "field", NULL);

	if (var != NULL)
		x_set_attr(f, "var", var);
	if (type != NULL)
		x_set_attr(f, "type", type);
	if (label != NULL)
		x_set_attr(f, "label", label);
	if (value != NULL)
		form_add_value(f, value);
	return f;
}

void
form_add_value(struct xnode *field, const char *value)
{
	struct xnode *v = x_add(field, "value", NULL);

	if (value != NULL && *value != '\0')
		x_add_text(v, value);
}

void
form_add_option(struct xnode *field, const char *label, const char *value)
{
	struct xnode *o = x_add(field, "option", NULL);

	if (label != NULL)
		x_set_attr(o, "label", label);
	form_add_value(o, value);
}

void
form_add_desc(struct xnode *field, const char *desc)
{
	x_add_child_text(field, "desc", desc);
}

void
form_set_required(struct xnode *field)
{
	x_add(field, "required", NULL);
}
