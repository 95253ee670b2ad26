#include "ctlargs.h"

#include <stdio.h>
#include <stdlib.h>

/* One setting's JSON value as roomcfg_set's text: strings as they are,
 * booleans and integers spelt out, role lists joined with commas. */
static const char *
setting_text(json_t *v, char *buf, size_t len)
{
	json_t *e;
	size_t i, used = 0;
	int n;

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_boolean(v))
		return json_is_true(v) ? "yes" : "no";
	if (json_is_integer(v)) {
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (!json_is_array(v))
		return NULL;
	buf[0] = '\0';
	json_array_foreach(v, i, e) {
		if (!json_is_string(e))
			return NULL;
		n = snprintf(buf + used, len - used, "%s%s", i ? "," : "",
		    json_string_value(e));
		if (n < 0 || (size_t)n >= len - used)
			return NULL;
		used += (size_t)n;
	}
	return buf;
}

int
ctlargs_config(json_t *args, struct room_config *c, const struct conf *conf,
    char *err, size_t errlen)
{
	json_t *cfg = json_object_get(args, "config"), *v;
	const char *k, *val;
	char text[256];
	int i;

	if (cfg == NULL)
		return 0;
	if (!json_is_object(cfg)) {
		snprintf(err, errlen, "\"config\" must be an object");
		return CTLARG_BAD;
	}
	json_object_foreach(cfg, k, v)
		if (!roomcfg_known(k)) {
			snprintf(err, errlen, "unknown room option '%s'", k);
			return CTLARG_BAD;
		}
	/* In the keys' order, not the request's: history_length bounds
	 * default_history, whichever was written first. */
	for (i = 0; roomcfg_keys[i] != NULL; i++) {
		if ((v = json_object_get(cfg, roomcfg_keys[i])) == NULL)
			continue;
		if ((val = setting_text(v, text, sizeof(text))) == NULL) {
			snprintf(err, errlen, "%s: value must be a string, a "
			    "boolean, a number or a list of roles",
			    roomcfg_keys[i]);
			return CTLARG_BAD;
		}
		if (roomcfg_set(c, conf, roomcfg_keys[i], val, err, errlen) ==
		    -1)
			return CTLARG_BAD;
	}
	return 0;
}

int
ctlargs_owners(json_t *args, char (**out)[JID_BARE_MAX + 1], size_t *n,
    char *err, size_t errlen)
{
	json_t *list = json_object_get(args, "owners"), *v;
	const char *why;
	size_t i;

	*out = NULL;
	*n = 0;
	if (list == NULL)
		return 0;
	if (!json_is_array(list)) {
		snprintf(err, errlen, "\"owners\" must be an array of JIDs");
		return CTLARG_BAD;
	}
	if (json_array_size(list) == 0)
		return 0;
	if ((*out = calloc(json_array_size(list), sizeof(**out))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return CTLARG_NOMEM;
	}
	json_array_foreach(list, i, v)
		if (!json_is_string(v) || jid_prep_bare(json_string_value(v),
		    (*out)[i], sizeof((*out)[i]), &why) == -1) {
			snprintf(err, errlen, "owners: '%s' is not a JID",
			    json_is_string(v) ? json_string_value(v) : "?");
			free(*out);
			*out = NULL;
			return CTLARG_BAD;
		}
	*n = json_array_size(list);
	return 0;
}
