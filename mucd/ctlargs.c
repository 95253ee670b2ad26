#include "ctlargs.h"

#include <stdio.h>
#include <stdlib.h>

int
ctlargs_config(json_t *args, struct room_config *c, const struct conf *conf,
    char *err, size_t errlen)
{
	json_t *cfg = json_object_get(args, "config"), *v;
	const char *k, *val;
	char num[32];

	if (cfg == NULL)
		return 0;
	if (!json_is_object(cfg)) {
		snprintf(err, errlen, "\"config\" must be an object");
		return CTLARG_BAD;
	}
	json_object_foreach(cfg, k, v) {
		val = json_string_value(v);
		if (json_is_boolean(v))
			val = json_is_true(v) ? "yes" : "no";
		else if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%lld",
			    (long long)json_integer_value(v));
			val = num;
		}
		if (val == NULL) {
			snprintf(err, errlen, "%s: value must be a string", k);
			return CTLARG_BAD;
		}
		if (roomcfg_set(c, conf, k, val, err, errlen) == -1)
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
