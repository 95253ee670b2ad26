/*
 * form: XEP-0004 data forms — reading submitted forms (with the checks a
 * hostile client makes necessary: repeated fields, too many fields,
 * missing FORM_TYPE) and building forms for replies.
 */
#ifndef MUCD_FORM_H
#define MUCD_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "xml.h"

#define NS_XDATA_FORM	"jabber:x:data"

struct form_field {
	const char	*var;
	const char	*type;		/* may be NULL in submissions */
	const char     **values;	/* borrowed from the tree */
	size_t		 nvalues;
	bool		 present;	/* always true for parsed fields */
};

struct form {
	const char		*type;		/* form|submit|cancel|result */
	const char		*form_type;	/* FORM_TYPE value, or NULL */
	struct form_field	*fields;	/* only the vars asked for */
	size_t			 nfields;
};

/*
 * Parse a submitted <x xmlns='jabber:x:data'/>. vars (NULL-terminated)
 * names the fields the caller reads; only those and FORM_TYPE are kept.
 * Every other field is ignored whatever it holds, as Prosody does: one
 * without a var (clients echo the labels of 'fixed' fields back) or one
 * the caller does not know. Fails (with a message) on more than
 * max_fields <field/> elements in all, or on a kept var given twice.
 * Strings are borrowed from the tree, which must outlive the form.
 */
int	 form_parse(struct form *, const struct xnode *x,
	    const char *const *vars, size_t max_fields, char *err,
	    size_t errlen);
void	 form_free(struct form *);
const struct form_field *form_get(const struct form *, const char *var);
/* First value of var, "" for a field with no <value/>, NULL if absent. */
const char *form_value(const struct form *, const char *var);
/* XEP-0004 boolean: -1 absent/invalid, 0 false, 1 true. */
int	 form_bool(const struct form *, const char *var);
int	 parse_xdata_bool(const char *);

/* Building: x_new-style helpers that add to a parent. */
struct xnode *form_new(struct xnode *parent, const char *type,
	    const char *form_type, const char *title, const char *instructions);
struct xnode *form_add_field(struct xnode *x, const char *var,
	    const char *type, const char *label, const char *value);
void	 form_add_value(struct xnode *field, const char *value);
void	 form_add_option(struct xnode *field, const char *label,
	    const char *value);
void	 form_add_desc(struct xnode *field, const char *desc);
void	 form_set_required(struct xnode *field);

#endif
