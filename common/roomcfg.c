#include "roomcfg.h"

#include <errno.h>
#include <limits.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "words.h"

const char *const roomcfg_keys[] = {
	"name", "description", "language", "password", "persistent",
	"public", "members_only", "moderated", "allow_member_invites",
	"change_subject", "logging", "whois", "allow_pm", "max_occupants",
	"history_length", "default_history", "presence_broadcast",
	"get_member_list", "archiving", "archive_days", "archive_messages",
	"slow_mode_duration", NULL
};

bool
roomcfg_known(const char *key)
{
	int i;

	for (i = 0; roomcfg_keys[i] != NULL; i++)
		if (strcmp(roomcfg_keys[i], key) == 0)
			return true;
	return false;
}

static const char *const role_names[] = { "none", "visitor", "participant",
	"moderator" };
static const char *const whois_names[] = { "moderators", "anyone" };
static const char *const pm_names[] = { "anyone", "participants", "moderators",
	"none" };

const char *
role_bits_name(unsigned bit)
{
	switch (bit) {
	case ROLEBIT_NONE:		return "none";
	case ROLEBIT_VISITOR:		return "visitor";
	case ROLEBIT_PARTICIPANT:	return "participant";
	case ROLEBIT_MODERATOR:		return "moderator";
	}
	return "?";
}

const char *
whois_name(enum whois w)
{
	return whois_names[w];
}

const char *
allowpm_name(enum allowpm p)
{
	return pm_names[p];
}

void
roomcfg_defaults(struct room_config *c, const struct conf *conf)
{
	memset(c, 0, sizeof(*c));
	c->public = conf->default_public;
	c->persistent = conf->default_persistent;
	c->members_only = conf->default_members_only;
	c->moderated = conf->default_moderated;
	c->whois = conf->default_whois_anyone ? WHOIS_ANYONE : WHOIS_MODERATORS;
	c->allowpm = PM_ANYONE;
	c->max_occupants = conf->default_max_occupants;
	c->history_length = conf->history_default;
	c->default_history = conf->history_default;
	c->presence_broadcast = ROLEBIT_ALL_PRESENT;
	c->getmemberlist = 0;
	c->archiving = conf->archive_default;
	if (conf->default_language != NULL)
		c->lang = strdup(conf->default_language);
}

void
roomcfg_free(struct room_config *c)
{
	free(c->name);
	free(c->desc);
	free(c->lang);
	free(c->password);
	c->name = c->desc = c->lang = c->password = NULL;
}

static int
dup_field(char **dst, const char *src)
{
	*dst = NULL;
	if (src != NULL && (*dst = strdup(src)) == NULL)
		return -1;
	return 0;
}

int
roomcfg_copy(struct room_config *d, const struct room_config *s)
{
	*d = *s;
	if (dup_field(&d->name, s->name) || dup_field(&d->desc, s->desc) ||
	    dup_field(&d->lang, s->lang) ||
	    dup_field(&d->password, s->password)) {
		roomcfg_free(d);
		return -1;
	}
	return 0;
}

static bool
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

bool
roomcfg_equal(const struct room_config *a, const struct room_config *b)
{
	return str_eq(a->name, b->name) && str_eq(a->desc, b->desc) &&
	    str_eq(a->lang, b->lang) && str_eq(a->password, b->password) &&
	    a->persistent == b->persistent && a->public == b->public &&
	    a->members_only == b->members_only &&
	    a->moderated == b->moderated &&
	    a->allow_member_invites == b->allow_member_invites &&
	    a->changesubject == b->changesubject &&
	    a->logging == b->logging && a->whois == b->whois &&
	    a->allowpm == b->allowpm &&
	    a->max_occupants == b->max_occupants &&
	    a->history_length == b->history_length &&
	    a->default_history == b->default_history &&
	    a->presence_broadcast == b->presence_broadcast &&
	    a->getmemberlist == b->getmemberlist &&
	    a->archiving == b->archiving &&
	    a->archive_days == b->archive_days &&
	    a->archive_messages == b->archive_messages &&
	    a->slow_mode == b->slow_mode;
}

static int
parse_uint(const char *v, unsigned max, unsigned *out)
{
	unsigned long n;
	char *end;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end != '\0' || n > max)
		return -1;
	*out = (unsigned)n;
	return 0;
}

/* Comma-separated role names to ROLEBIT_*; "" is the empty set. */
static int
parse_roles(const char *v, unsigned *out)
{
	char buf[128], *tok, *save = NULL;
	unsigned bits = 0;
	int r;

	if (strlen(v) >= sizeof(buf))
		return -1;
	strcpy(buf, v);
	for (tok = strtok_r(buf, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save)) {
		if ((r = word_enum(tok, role_names, 4)) < 0)
			return -1;
		bits |= 1u << r;
	}
	*out = bits;
	return 0;
}

static int
set_str(char **field, const char *v)
{
	char *s = NULL;

	if (*v != '\0' && (s = strdup(v)) == NULL)
		return -1;
	free(*field);
	*field = s;
	return 0;
}

int
roomcfg_set(struct room_config *c, const struct conf *conf, const char *key,
    const char *v, char *err, size_t errlen)
{
	unsigned n, maxhist = conf ? conf->history_max : 10000;
	unsigned maxocc = conf ? conf->max_occupants : 10000000;
	const char *want = NULL;
	int e;

	if (!strcmp(key, "name"))
		e = set_str(&c->name, v);
	else if (!strcmp(key, "description"))
		e = set_str(&c->desc, v);
	else if (!strcmp(key, "language"))
		e = set_str(&c->lang, v);
	else if (!strcmp(key, "password"))
		e = set_str(&c->password, v);
	else if (!strcmp(key, "persistent"))
		e = word_bool(v, &c->persistent), want = "yes or no";
	else if (!strcmp(key, "public"))
		e = word_bool(v, &c->public), want = "yes or no";
	else if (!strcmp(key, "members_only"))
		e = word_bool(v, &c->members_only), want = "yes or no";
	else if (!strcmp(key, "moderated"))
		e = word_bool(v, &c->moderated), want = "yes or no";
	else if (!strcmp(key, "allow_member_invites"))
		e = word_bool(v, &c->allow_member_invites), want = "yes or no";
	else if (!strcmp(key, "change_subject"))
		e = word_bool(v, &c->changesubject), want = "yes or no";
	else if (!strcmp(key, "logging"))
		e = word_bool(v, &c->logging), want = "yes or no";
	else if (!strcmp(key, "whois")) {
		want = "moderators or anyone";
		if ((e = word_enum(v, whois_names, 2)) >= 0)
			c->whois = (enum whois)e, e = 0;
	} else if (!strcmp(key, "allow_pm")) {
		want = "anyone, participants, moderators or none";
		if ((e = word_enum(v, pm_names, 4)) >= 0)
			c->allowpm = (enum allowpm)e, e = 0;
	} else if (!strcmp(key, "max_occupants")) {
		want = "a number (0 for the service limit)";
		if ((e = parse_uint(v, maxocc, &n)) == 0)
			c->max_occupants = n;
	} else if (!strcmp(key, "history_length")) {
		want = "a number within history_max";
		if ((e = parse_uint(v, maxhist, &n)) == 0) {
			c->history_length = n;
			if (c->default_history > n)
				c->default_history = n;
		}
	} else if (!strcmp(key, "default_history")) {
		want = "a number not above history_length";
		if ((e = parse_uint(v, c->history_length, &n)) == 0)
			c->default_history = n;
	} else if (!strcmp(key, "presence_broadcast")) {
		want = "a comma-separated list of roles";
		e = parse_roles(v, &c->presence_broadcast);
	} else if (!strcmp(key, "get_member_list")) {
		want = "a comma-separated list of roles";
		e = parse_roles(v, &c->getmemberlist);
	} else if (!strcmp(key, "archiving")) {
		e = word_bool(v, &c->archiving), want = "yes or no";
	} else if (!strcmp(key, "archive_days")) {
		want = "a number of days (0 for the service limit)";
		if ((e = parse_uint(v, 36500, &n)) == 0)
			c->archive_days = n;
	} else if (!strcmp(key, "archive_messages")) {
		want = "a number (0 for the service limit)";
		if ((e = parse_uint(v, UINT_MAX, &n)) == 0)
			c->archive_messages = n;
	} else if (!strcmp(key, "slow_mode_duration")) {
		want = "a number of seconds up to " ROOMCFG_SLOW_MAX_TEXT
		    " (0: off)";
		if ((e = parse_uint(v, ROOMCFG_SLOW_MAX, &n)) == 0)
			c->slow_mode = n;
	} else {
		snprintf(err, errlen, "unknown room option '%s'", key);
		return -1;
	}
	if (e != 0) {
		if (want != NULL)
			snprintf(err, errlen, "%s: '%s' is not %s", key, v, want);
		else
			snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static void
roles_string(unsigned bits, char *out, size_t outlen)
{
	size_t used = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < 4 && used < outlen; i++)
		if (bits & (1u << i))
			used += (size_t)snprintf(out + used, outlen - used,
			    "%s%s", used ? "," : "", role_names[i]);
}

int
roomcfg_get(const struct room_config *c, const char *key, char *out,
    size_t outlen)
{
	const char *s = NULL;
	unsigned n = 0;
	int kind = 0;	/* 0 string, 1 bool, 2 number */
	bool b = false;

	if (!strcmp(key, "name")) s = c->name;
	else if (!strcmp(key, "description")) s = c->desc;
	else if (!strcmp(key, "language")) s = c->lang;
	else if (!strcmp(key, "password")) s = c->password;
	else if (!strcmp(key, "persistent")) kind = 1, b = c->persistent;
	else if (!strcmp(key, "public")) kind = 1, b = c->public;
	else if (!strcmp(key, "members_only")) kind = 1, b = c->members_only;
	else if (!strcmp(key, "moderated")) kind = 1, b = c->moderated;
	else if (!strcmp(key, "allow_member_invites"))
		kind = 1, b = c->allow_member_invites;
	else if (!strcmp(key, "change_subject")) kind = 1, b = c->changesubject;
	else if (!strcmp(key, "logging")) kind = 1, b = c->logging;
	else if (!strcmp(key, "whois")) s = whois_names[c->whois];
	else if (!strcmp(key, "allow_pm")) s = pm_names[c->allowpm];
	else if (!strcmp(key, "max_occupants")) kind = 2, n = c->max_occupants;
	else if (!strcmp(key, "history_length")) kind = 2, n = c->history_length;
	else if (!strcmp(key, "default_history"))
		kind = 2, n = c->default_history;
	else if (!strcmp(key, "archiving")) kind = 1, b = c->archiving;
	else if (!strcmp(key, "archive_days")) kind = 2, n = c->archive_days;
	else if (!strcmp(key, "archive_messages"))
		kind = 2, n = c->archive_messages;
	else if (!strcmp(key, "slow_mode_duration"))
		kind = 2, n = c->slow_mode;
	else if (!strcmp(key, "presence_broadcast")) {
		roles_string(c->presence_broadcast, out, outlen);
		return 0;
	} else if (!strcmp(key, "get_member_list")) {
		roles_string(c->getmemberlist, out, outlen);
		return 0;
	} else
		return -1;
	if (kind == 1)
		snprintf(out, outlen, "%s", b ? "yes" : "no");
	else if (kind == 2)
		snprintf(out, outlen, "%u", n);
	else
		snprintf(out, outlen, "%s", s ? s : "");
	return 0;
}

void
roomrec_init(struct room_record *r, const struct conf *conf)
{
	memset(r, 0, sizeof(*r));
	roomcfg_defaults(&r->cfg, conf);
}

void
roomrec_free(struct room_record *r)
{
	roomcfg_free(&r->cfg);
	free(r->subject.text);
	free(r->subject.from);
	r->subject.text = r->subject.from = NULL;
}

static json_t *
roles_json(unsigned bits)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a != NULL && i < 4; i++)
		if (bits & (1u << i))
			json_array_append_new(a, json_string(role_names[i]));
	return a;
}

static json_t *
config_json(const struct room_config *c)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	if (c->name) json_object_set_new(o, "name", json_string(c->name));
	if (c->desc) json_object_set_new(o, "description", json_string(c->desc));
	if (c->lang) json_object_set_new(o, "language", json_string(c->lang));
	if (c->password)
		json_object_set_new(o, "password", json_string(c->password));
	json_object_set_new(o, "persistent", json_boolean(c->persistent));
	json_object_set_new(o, "public", json_boolean(c->public));
	json_object_set_new(o, "members_only", json_boolean(c->members_only));
	json_object_set_new(o, "moderated", json_boolean(c->moderated));
	json_object_set_new(o, "allow_member_invites",
	    json_boolean(c->allow_member_invites));
	json_object_set_new(o, "change_subject", json_boolean(c->changesubject));
	json_object_set_new(o, "logging", json_boolean(c->logging));
	json_object_set_new(o, "whois", json_string(whois_names[c->whois]));
	json_object_set_new(o, "allow_pm", json_string(pm_names[c->allowpm]));
	json_object_set_new(o, "max_occupants", json_integer(c->max_occupants));
	json_object_set_new(o, "history_length", json_integer(c->history_length));
	json_object_set_new(o, "default_history",
	    json_integer(c->default_history));
	json_object_set_new(o, "presence_broadcast",
	    roles_json(c->presence_broadcast));
	json_object_set_new(o, "get_member_list", roles_json(c->getmemberlist));
	json_object_set_new(o, "archiving", json_boolean(c->archiving));
	json_object_set_new(o, "archive_days", json_integer(c->archive_days));
	json_object_set_new(o, "archive_messages",
	    json_integer(c->archive_messages));
	json_object_set_new(o, "slow_mode_duration", json_integer(c->slow_mode));
	return o;
}

static json_t *
settings_json(const struct room_config *c, bool with_password)
{
	json_t *o = json_object(), *stored = config_json(c), *v;
	int i;

	if (o == NULL || stored == NULL) {
		json_decref(o);
		json_decref(stored);
		return NULL;
	}
	/* In roomcfg_keys order, every key present, strings never null. */
	for (i = 0; roomcfg_keys[i] != NULL; i++) {
		const char *k = roomcfg_keys[i];

		if (strcmp(k, "password") == 0 && !with_password) {
			json_object_set_new(o, "password_protected",
			    json_boolean(c->password != NULL));
			continue;
		}
		if ((v = json_object_get(stored, k)) != NULL)
			json_object_set(o, k, v);
		else
			json_object_set_new(o, k, json_string(""));
	}
	json_decref(stored);
	return o;
}

void *
roomcfg_json(const struct room_config *c)
{
	return settings_json(c, false);
}

void *
roomcfg_json_full(const struct room_config *c)
{
	return settings_json(c, true);
}

char *
roomrec_encode(const struct room_record *r)
{
	json_t *o = json_object(), *subj;
	char *s;

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "v", json_integer(1));
	json_object_set_new(o, "created", json_integer(r->created));
	json_object_set_new(o, "last_used", json_integer(r->last_used));
	json_object_set_new(o, "config", config_json(&r->cfg));
	/* A cleared subject still has its setter and time, which a
	 * restart must not lose (joiners are shown who cleared it). */
	if (r->subject.text != NULL || r->subject.from != NULL ||
	    r->subject.time != 0) {
		subj = json_object();
		if (r->subject.text != NULL)
			json_object_set_new(subj, "text",
			    json_string(r->subject.text));
		if (r->subject.from)
			json_object_set_new(subj, "from",
			    json_string(r->subject.from));
		json_object_set_new(subj, "time", json_integer(r->subject.time));
		json_object_set_new(o, "subject", subj);
	}
	if (r->salt[0] != '\0')
		json_object_set_new(o, "salt", json_string(r->salt));
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

static int
get_roles(json_t *a, unsigned *out)
{
	size_t i;
	json_t *v;
	int r;

	if (!json_is_array(a))
		return -1;
	*out = 0;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) ||
		    (r = word_enum(json_string_value(v), role_names, 4)) < 0)
			return -1;
		*out |= 1u << r;
	}
	return 0;
}

/* Apply one known config key from JSON; unknown keys are ignored. */
static int
decode_config_key(struct room_config *c, const char *k, json_t *v)
{
	char num[32];

	if (json_is_string(v) && (!strcmp(k, "name") ||
	    !strcmp(k, "description") || !strcmp(k, "language") ||
	    !strcmp(k, "password") || !strcmp(k, "whois") ||
	    !strcmp(k, "allow_pm")))
		return roomcfg_set(c, NULL, k, json_string_value(v), num,
		    sizeof(num));
	if (json_is_boolean(v))
		return roomcfg_set(c, NULL, k, json_is_true(v) ? "1" : "0", num,
		    sizeof(num));
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		unsigned long long n = (unsigned long long)json_integer_value(v);

		if (!strcmp(k, "max_occupants"))
			c->max_occupants = (unsigned)n;
		else if (!strcmp(k, "history_length"))
			c->history_length = (unsigned)n;
		else if (!strcmp(k, "default_history"))
			c->default_history = (unsigned)n;
		else if (!strcmp(k, "archive_days"))
			c->archive_days = (unsigned)n;
		else if (!strcmp(k, "archive_messages"))
			c->archive_messages = (unsigned)n;
		else if (!strcmp(k, "slow_mode_duration"))
			c->slow_mode = n > ROOMCFG_SLOW_MAX ? ROOMCFG_SLOW_MAX :
			    (unsigned)n;
		return 0;
	}
	if (!strcmp(k, "presence_broadcast"))
		return get_roles(v, &c->presence_broadcast);
	if (!strcmp(k, "get_member_list"))
		return get_roles(v, &c->getmemberlist);
	return 0;
}

int
roomrec_decode(struct room_record *r, const struct conf *conf,
    const char *text, char *err, size_t errlen)
{
	json_error_t je;
	json_t *o, *cfg, *v, *subj;
	const char *k;

	roomrec_init(r, conf);
	if ((o = json_loads(text, 0, &je)) == NULL) {
		snprintf(err, errlen, "room record is not JSON: %s", je.text);
		return -1;
	}
	if (!json_is_object(o) || json_integer_value(json_object_get(o, "v")) != 1) {
		snprintf(err, errlen, "room record has an unknown version");
		goto fail;
	}
	r->created = json_integer_value(json_object_get(o, "created"));
	r->last_used = json_integer_value(json_object_get(o, "last_used"));
	cfg = json_object_get(o, "config");
	if (!json_is_object(cfg)) {
		snprintf(err, errlen, "room record has no config");
		goto fail;
	}
	json_object_foreach(cfg, k, v)
		if (decode_config_key(&r->cfg, k, v) == -1) {
			snprintf(err, errlen, "room record: bad value for %s", k);
			goto fail;
		}
	if (r->cfg.default_history > r->cfg.history_length)
		r->cfg.default_history = r->cfg.history_length;
	if (json_is_string(v = json_object_get(o, "salt")) &&
	    strlen(json_string_value(v)) == 64)
		memcpy(r->salt, json_string_value(v), 65);
	subj = json_object_get(o, "subject");
	if (json_is_object(subj)) {
		if (json_is_string(v = json_object_get(subj, "text")))
			r->subject.text = strdup(json_string_value(v));
		if (json_is_string(v = json_object_get(subj, "from")))
			r->subject.from = strdup(json_string_value(v));
		r->subject.time = json_integer_value(json_object_get(subj, "time"));
	}
	json_decref(o);
	return 0;
fail:
	json_decref(o);
	roomrec_free(r);
	return -1;
}
