#include "roomform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mucd.h"
#include "room.h"
#include "stanza.h"

#define PFX	"muc#roomconfig_"

/* The form's fields: roomform_build writes them, roomform_apply reads
 * them, and form_parse keeps only them. */
enum field {
	F_NAME, F_DESC, F_LANG, F_PERSISTENT, F_PUBLIC, F_PROTECTED, F_SECRET,
	F_MEMBERSONLY, F_INVITES, F_MEMBERINVITES, F_MAXUSERS, F_SUBJECT,
	F_MODERATED, F_WHOIS, F_ALLOWPM, F_MEMBERLIST, F_BROADCAST, F_HISTORY,
	F_DEFHISTORY, F_LOGGING, F_ARCHIVING, F_SLOWMODE, F_COUNT
};

const char *const roomform_vars[F_COUNT + 1] = {
	[F_NAME] = PFX "roomname",
	[F_DESC] = PFX "roomdesc",
	[F_LANG] = PFX "lang",
	[F_PERSISTENT] = PFX "persistentroom",
	[F_PUBLIC] = PFX "publicroom",
	[F_PROTECTED] = PFX "passwordprotectedroom",
	[F_SECRET] = PFX "roomsecret",
	[F_MEMBERSONLY] = PFX "membersonly",
	[F_INVITES] = PFX "allowinvites",
	/* Prosody's name for the same setting; read, never offered. */
	[F_MEMBERINVITES] =
	    "{http://prosody.im/protocol/muc}roomconfig_allowmemberinvites",
	[F_MAXUSERS] = PFX "maxusers",
	[F_SUBJECT] = PFX "changesubject",
	[F_MODERATED] = PFX "moderatedroom",
	[F_WHOIS] = PFX "whois",
	[F_ALLOWPM] = PFX "allowpm",
	[F_MEMBERLIST] = PFX "getmemberlist",
	[F_BROADCAST] = PFX "presencebroadcast",
	[F_HISTORY] = PFX "historylength",
	[F_DEFHISTORY] = PFX "defaulthistorymessages",
	[F_LOGGING] = PFX "enablelogging",
	[F_ARCHIVING] = PFX "enablearchiving",
	/* XEP-0500, the name Prosody's mod_muc_slow_mode and PeerTube's
	 * live chat use. */
	[F_SLOWMODE] = PFX "slow_mode_duration",
	[F_COUNT] = NULL
};
#define VAR(i)	roomform_vars[i]

static const char *roles[] = { "none", "visitor", "participant", "moderator" };

static void
add_bool(struct xnode *x, const char *var, const char *label, bool v)
{
	form_add_field(x, var, "boolean", label, v ? "1" : "0");
}

static void
add_roles(struct xnode *x, const char *var, const char *label, unsigned bits,
    int first)
{
	struct xnode *f = form_add_field(x, var, "list-multi", label, NULL);
	int i;

	for (i = first; i < 4; i++)
		form_add_option(f, NULL, roles[i]);
	for (i = first; i < 4; i++)
		if (bits & (1u << i))
			form_add_value(f, roles[i]);
}

static void
add_number(struct xnode *x, const char *var, const char *label, unsigned n)
{
	char v[16];

	snprintf(v, sizeof(v), "%u", n);
	form_add_field(x, var, "text-single", label, v);
}

struct xnode *
roomform_build(const struct room *r, struct xnode *parent)
{
	const struct room_config *c = &r->cfg;
	struct xnode *x, *f;
	char title[1100], v[16];

	snprintf(title, sizeof(title), "Configuration for %s", r->jid);
	x = form_new(parent, "form", NS_MUC_ROOMCFG, title,
	    "Complete and submit this form to configure the room.");
	form_add_field(x, NULL, "fixed", NULL, "Room information");
	form_add_field(x, VAR(F_NAME), "text-single", "Title", c->name);
	form_add_field(x, VAR(F_DESC), "text-single", "Description",
	    c->desc ? c->desc : "");
	form_add_field(x, VAR(F_LANG), "text-single",
	    "Language tag for room (e.g. 'en', 'de', 'fr' etc.)",
	    c->lang ? c->lang : "");
	add_bool(x, VAR(F_PERSISTENT),
	    "Persistent (room should remain even when it is empty)",
	    c->persistent);
	add_bool(x, VAR(F_PUBLIC),
	    "Include room information in public lists", c->public);
	form_add_field(x, NULL, "fixed", NULL, "Access to the room");
	add_bool(x, VAR(F_PROTECTED), "Password protected",
	    c->password != NULL);
	form_add_field(x, VAR(F_SECRET), "text-private", "Password",
	    c->password ? c->password : "");
	add_bool(x, VAR(F_MEMBERSONLY), "Only allow members to join",
	    c->members_only);
	add_bool(x, VAR(F_INVITES),
	    "Allow members to invite new members", c->allow_member_invites);
	f = form_add_field(x, VAR(F_MAXUSERS), "list-single",
	    "Maximum number of occupants", NULL);
	snprintf(v, sizeof(v), "%u", c->max_occupants);
	form_add_value(f, c->max_occupants ? v : "none");
	form_add_option(f, "10", "10");
	form_add_option(f, "20", "20");
	form_add_option(f, "50", "50");
	form_add_option(f, "100", "100");
	form_add_option(f, "1000", "1000");
	form_add_option(f, "No limit", "none");
	form_add_field(x, NULL, "fixed", NULL, "Permissions in the room");
	add_bool(x, VAR(F_SUBJECT),
	    "Allow anyone to set the room's subject", c->changesubject);
	add_bool(x, VAR(F_MODERATED),
	    "Moderated (require permission to speak)", c->moderated);
	f = form_add_field(x, VAR(F_WHOIS), "list-single",
	    "Addresses (JIDs) of room occupants may be viewed by:",
	    whois_name(c->whois));
	form_add_option(f, "Moderators only", "moderators");
	form_add_option(f, "Anyone", "anyone");
	f = form_add_field(x, VAR(F_ALLOWPM), "list-single",
	    "Allow private messages from", allowpm_name(c->allowpm));
	form_add_option(f, "Everyone", "anyone");
	form_add_option(f, "Participants and moderators", "participants");
	form_add_option(f, "Moderators only", "moderators");
	form_add_option(f, "Nobody", "none");
	add_roles(x, VAR(F_MEMBERLIST),
	    "Roles that may retrieve the member list", c->getmemberlist, 1);
	form_add_field(x, NULL, "fixed", NULL, "Other options");
	add_roles(x, VAR(F_BROADCAST),
	    "Only show participants with roles:", c->presence_broadcast, 0);
	add_number(x, VAR(F_HISTORY),
	    "Maximum number of history messages returned by room",
	    c->history_length);
	add_number(x, VAR(F_DEFHISTORY),
	    "Default number of history messages returned by room",
	    c->default_history);
	add_bool(x, VAR(F_LOGGING),
	    "Public logging of the room's discussion", c->logging);
	/* Prosody's field; offered only where owners may switch it. */
	if (r->mucd->conf.archive_configurable)
		add_bool(x, VAR(F_ARCHIVING), "Archive chat on server",
		    c->archiving);
	add_number(x, VAR(F_SLOWMODE), "Slow mode (0: off; otherwise the "
	    "seconds a participant must wait between two messages)",
	    c->slow_mode);
	return x;
}

static int
get_bool(const struct form *f, const char *var, bool *out, struct muc_err *e)
{
	const char *v = form_value(f, var);
	int b;

	if (v == NULL)
		return 0;
	if ((b = parse_xdata_bool(v)) == -1)
		return st_refuse(e, ERR_MODIFY, "not-acceptable",
		    "A boolean field has an invalid value");
	*out = b;
	return 0;
}

static int
get_text(const struct form *f, const char *var, char **out, size_t max,
    struct muc_err *e)
{
	const char *v = form_value(f, var);
	char *s = NULL;

	if (v == NULL)
		return 0;
	if (strlen(v) > max)
		return st_refuse(e, ERR_MODIFY, "not-acceptable",
		    "A text field is too long");
	if (*v != '\0' && (s = strdup(v)) == NULL)
		return st_refuse(e, ERR_MODIFY, "not-acceptable",
		    "Out of memory");
	free(*out);
	*out = s;
	return 0;
}

static int
get_uint(const struct form *f, const char *var, unsigned max, bool clamp,
    unsigned *out, struct muc_err *e)
{
	const char *v = form_value(f, var);
	unsigned long n;
	char *end;

	if (v == NULL)
		return 0;
	if (*v < '0' || *v > '9' || (n = strtoul(v, &end, 10), *end != '\0'))
		return st_refuse(e, ERR_MODIFY, "not-acceptable",
		    "A number field has an invalid value");
	if (n > max) {
		if (!clamp)
			return st_refuse(e, ERR_MODIFY, "not-acceptable",
			    "A number is over the service's limit");
		n = max;
	}
	*out = (unsigned)n;
	return 0;
}

static int
get_roles(const struct form *f, const char *var, unsigned *out,
    struct muc_err *e)
{
	const struct form_field *ff = form_get(f, var);
	unsigned bits = 0;
	size_t i;
	int j;

	if (ff == NULL)
		return 0;
	for (i = 0; i < ff->nvalues; i++) {
		for (j = 0; j < 4; j++)
			if (strcmp(ff->values[i], roles[j]) == 0)
				break;
		if (j == 4)
			return st_refuse(e, ERR_MODIFY, "not-acceptable",
			    "Unknown role in a role list");
		bits |= 1u << j;
	}
	*out = bits;
	return 0;
}

static int
get_choice(const struct form *f, const char *var, const char **names, int n,
    int *out, struct muc_err *e)
{
	const char *v = form_value(f, var);
	int i;

	if (v == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return st_refuse(e, ERR_MODIFY, "not-acceptable",
	    "A list field has a value that is not an option");
}

static int
get_maxusers(const struct form *f, unsigned hard, unsigned *out,
    struct muc_err *e)
{
	const char *v = form_value(f, VAR(F_MAXUSERS));

	if (v == NULL)
		return 0;
	if (strcmp(v, "none") == 0 || *v == '\0') {
		*out = 0;
		return 0;
	}
	return get_uint(f, VAR(F_MAXUSERS), hard, false, out, e);
}

static int
apply_access(const struct room *r, const struct form *f,
    struct room_config *c, struct muc_err *e)
{
	bool protect = c->password != NULL;

	if (get_text(f, VAR(F_SECRET), &c->password, 1023, e) ||
	    get_bool(f, VAR(F_PROTECTED), &protect, e) ||
	    get_bool(f, VAR(F_MEMBERSONLY), &c->members_only, e) ||
	    get_bool(f, VAR(F_INVITES), &c->allow_member_invites, e) ||
	    get_bool(f, VAR(F_MEMBERINVITES), &c->allow_member_invites, e) ||
	    get_maxusers(f, r->mucd->conf.max_occupants, &c->max_occupants, e))
		return -1;
	/* passwordprotectedroom=0 clears the secret; =1 needs one. */
	if (form_get(f, VAR(F_PROTECTED)) != NULL) {
		if (!protect) {
			free(c->password);
			c->password = NULL;
		} else if (c->password == NULL)
			return st_refuse(e, ERR_MODIFY, "not-acceptable",
			    "A password protected room needs a "
			    "password");
	}
	return 0;
}

int
roomform_apply(const struct room *r, const struct form *f,
    struct room_config *c, int *codes, int *ncodes, struct muc_err *e)
{
	static const char *whois[] = { "moderators", "anyone" };
	static const char *pm[] = { "anyone", "participants", "moderators",
		"none" };
	const struct conf *conf = &r->mucd->conf;
	int w = -1, p = -1;

	*ncodes = 0;
	if (roomcfg_copy(c, &r->cfg) == -1)
		return st_refuse(e, ERR_MODIFY, "not-acceptable",
		    "Out of memory");
	w = (int)c->whois;
	p = (int)c->allowpm;
	if (get_text(f, VAR(F_NAME), &c->name, 1023, e) ||
	    get_text(f, VAR(F_DESC), &c->desc, 4096, e) ||
	    get_text(f, VAR(F_LANG), &c->lang, 64, e) ||
	    get_bool(f, VAR(F_PERSISTENT), &c->persistent, e) ||
	    get_bool(f, VAR(F_PUBLIC), &c->public, e) ||
	    apply_access(r, f, c, e) ||
	    get_bool(f, VAR(F_SUBJECT), &c->changesubject, e) ||
	    get_bool(f, VAR(F_MODERATED), &c->moderated, e) ||
	    get_choice(f, VAR(F_WHOIS), whois, 2, &w, e) ||
	    get_choice(f, VAR(F_ALLOWPM), pm, 4, &p, e) ||
	    get_roles(f, VAR(F_MEMBERLIST), &c->getmemberlist, e) ||
	    get_roles(f, VAR(F_BROADCAST), &c->presence_broadcast,
	    e) ||
	    get_uint(f, VAR(F_HISTORY), conf->history_max, true,
	    &c->history_length, e) ||
	    get_uint(f, VAR(F_DEFHISTORY),
	    conf->history_max, true, &c->default_history, e) ||
	    get_bool(f, VAR(F_LOGGING), &c->logging, e) ||
	    (conf->archive_configurable &&
	    get_bool(f, VAR(F_ARCHIVING), &c->archiving, e)) ||
	    get_uint(f, VAR(F_SLOWMODE), ROOMCFG_SLOW_MAX, false,
	    &c->slow_mode, e)) {
		roomcfg_free(c);
		return -1;
	}
	c->whois = (enum whois)w;
	c->allowpm = (enum allowpm)p;
	if (c->default_history > c->history_length)
		c->default_history = c->history_length;
	/* Status codes: 172/173 for anonymity, 170/171 for logging, and 104
	 * for any other change (XEP-0045 10.2.1, as Prosody reports). */
	if (c->whois != r->cfg.whois)
		codes[(*ncodes)++] = c->whois == WHOIS_ANYONE ? 172 : 173;
	if (c->logging != r->cfg.logging)
		codes[(*ncodes)++] = c->logging ? 170 : 171;
	{
		struct room_config t = *c;

		t.whois = r->cfg.whois;
		t.logging = r->cfg.logging;
		if (!roomcfg_equal(&t, &r->cfg))
			codes[(*ncodes)++] = 104;
	}
	return 0;
}
