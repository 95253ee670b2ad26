#include "conf.h"

#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "jid.h"
#include "log.h"
#include "words.h"

enum ktype {
	K_STR,		/* any non-empty string */
	K_DOMAIN,	/* a prepared domain */
	K_UINT,		/* unsigned, min..max */
	K_SIZE,		/* bytes with optional K/M/G suffix */
	K_SECS,		/* seconds with optional s/m/h/d suffix */
	K_BOOL,
	K_JIDS,		/* comma-separated bare JIDs */
	K_DOMAINS,	/* comma-separated domains */
	K_CREATION,
	K_NICKS,
	K_LOGLEVEL,
	K_LISTEN,	/* ADDRESS:PORT, see conf_listen_addr */
	K_SERVICE,	/* auto, no, or a JID (prepared) */
	K_ADDR,		/* HOST:PORT */
	K_ADDRS,	/* comma-separated HOST:PORT */
	K_ACKS		/* quorum|all|one|none */
};

struct key {
	const char	*name;
	enum ktype	 type;
	size_t		 off;
	size_t		 cnt;	/* list count field offset (the lists) */
	unsigned long long min, max;
	const char	*dflt;	/* textual default, parsed like the file */
	bool		 restart;	/* a reload cannot change it */
};

#define RESTART	true
#define LIVE	false

#define F(f)	offsetof(struct conf, f)
#define NOLIM	0, ULLONG_MAX

static const struct key keys[] = {
	{ "domain",		K_DOMAIN, F(domain), 0, NOLIM, NULL, RESTART },
	{ "server",		K_STR, F(server), 0, NOLIM, "127.0.0.1", RESTART },
	{ "port",		K_UINT, F(port), 0, 1, 65535, "5347", RESTART },
	{ "secret",		K_STR, F(secret), 0, NOLIM, NULL, RESTART },
	{ "reconnect_max",	K_SECS, F(reconnect_max), 0, 1, 86400, "60", LIVE },
	{ "multicast",		K_SERVICE, F(multicast), 0, NOLIM, "auto", LIVE },
	{ "multicast_max_addresses", K_UINT, F(multicast_max_addresses), 0, 2, 10000, "100", LIVE },
	{ "datadir",		K_STR, F(datadir), 0, NOLIM, "/var/lib/mucd", RESTART },
	{ "control",		K_STR, F(control), 0, NOLIM, "/run/mucd/mucd.sock", RESTART },
	{ "control_group",	K_STR, F(control_group), 0, NOLIM, NULL, RESTART },
	{ "control_readonly_group", K_STR, F(control_readonly_group), 0, NOLIM, NULL, RESTART },
	{ "backup_dir",		K_STR, F(backup_dir), 0, NOLIM, "/var/backups/mucd", LIVE },
	{ "pidfile",		K_STR, F(pidfile), 0, NOLIM, "/run/mucd/mucd.pid", RESTART },
	{ "user",		K_STR, F(user), 0, NOLIM, NULL, RESTART },
	{ "group",		K_STR, F(group), 0, NOLIM, NULL, RESTART },
	{ "allow_root",		K_BOOL, F(allow_root), 0, NOLIM, "no", RESTART },
	{ "log_level",		K_LOGLEVEL, F(log_level), 0, NOLIM, "info", LIVE },
	{ "admins",		K_JIDS, F(admins), F(nadmins), NOLIM, "", LIVE },
	{ "service_name",	K_STR, F(service_name), 0, NOLIM, "Chatrooms", LIVE },
	{ "room_creation",	K_CREATION, F(room_creation), 0, NOLIM, "anyone", LIVE },
	{ "local_domains",	K_DOMAINS, F(local_domains), F(nlocal_domains), NOLIM, "", LIVE },
	{ "reserved_nicks",	K_NICKS, F(reserved_nicks), 0, NOLIM, "open", LIVE },
	{ "open_registration",	K_BOOL, F(open_registration), 0, NOLIM, "no", LIVE },
	{ "room_locking",	K_BOOL, F(room_locking), 0, NOLIM, "yes", LIVE },
	{ "room_lock_timeout",	K_SECS, F(room_lock_timeout), 0, 1, 86400, "300", LIVE },
	{ "tombstone_expiry",	K_SECS, F(tombstone_expiry), 0, 0, 86400U * 36500, "31d", LIVE },
	{ "history_default",	K_UINT, F(history_default), 0, 0, 10000, "20", LIVE },
	{ "history_max",	K_UINT, F(history_max), 0, 0, 10000, "100", LIVE },
	{ "history_max_bytes",	K_SIZE, F(history_max_bytes), 0, 0, 1ULL << 30, "256K", LIVE },
	{ "history_persist",	K_BOOL, F(history_persist), 0, NOLIM, "no", LIVE },
	{ "default_public",	K_BOOL, F(default_public), 0, NOLIM, "no", LIVE },
	{ "default_persistent",	K_BOOL, F(default_persistent), 0, NOLIM, "no", LIVE },
	{ "default_members_only", K_BOOL, F(default_members_only), 0, NOLIM, "no", LIVE },
	{ "default_moderated",	K_BOOL, F(default_moderated), 0, NOLIM, "no", LIVE },
	{ "default_whois_anyone", K_BOOL, F(default_whois_anyone), 0, NOLIM, "no", LIVE },
	{ "default_language",	K_STR, F(default_language), 0, NOLIM, NULL, LIVE },
	{ "default_max_occupants", K_UINT, F(default_max_occupants), 0, 0, 1000000, "0", LIVE },
	{ "archive_default",	K_BOOL, F(archive_default), 0, NOLIM, "yes", LIVE },
	{ "archive_configurable", K_BOOL, F(archive_configurable), 0, NOLIM, "yes", LIVE },
	{ "archive_max_age",	K_SECS, F(archive_max_age), 0, 0, 86400U * 36500, "0", LIVE },
	{ "archive_max_messages", K_UINT, F(archive_max_messages), 0, 0, UINT_MAX, "0", LIVE },
	{ "audit_max_age",	K_SECS, F(audit_max_age), 0, 0, 86400U * 36500, "365d", LIVE },
	{ "archive_page_default", K_UINT, F(archive_page_default), 0, 1, 10000, "20", LIVE },
	{ "archive_page_max",	K_UINT, F(archive_page_max), 0, 1, 10000, "50", LIVE },
	{ "evict_idle",		K_SECS, F(evict_idle), 0, 1, 86400 * 30, "300", LIVE },
	{ "checkpoint_interval", K_SECS, F(checkpoint_interval), 0, 1, 86400, "60", LIVE },
	{ "db_cache_size",	K_SIZE, F(db_cache_size), 0, 1ULL << 20, 1ULL << 34, "32M", RESTART },
	{ "max_stanza_size",	K_SIZE, F(max_stanza_size), 0, 4096, 64ULL << 20, "1M", LIVE },
	{ "max_stanza_out",	K_SIZE, F(max_stanza_out), 0, 16384, 64ULL << 20, "448K", LIVE },
	{ "max_stanza_depth",	K_UINT, F(max_stanza_depth), 0, 4, 1000, "32", LIVE },
	{ "link_buffer_max",	K_SIZE, F(link_buffer_max), 0, 1ULL << 20, 1ULL << 34, "64M", LIVE },
	{ "max_nick_length",	K_UINT, F(max_nick_length), 0, 1, 1023, "64", LIVE },
	{ "max_roomname_length", K_UINT, F(max_roomname_length), 0, 1, 1023, "256", LIVE },
	{ "max_subject_length",	K_SIZE, F(max_subject_length), 0, 1, 1ULL << 24, "4K", LIVE },
	{ "max_body_length",	K_SIZE, F(max_body_length), 0, 1, 64ULL << 20, "64K", LIVE },
	{ "max_form_fields",	K_UINT, F(max_form_fields), 0, 1, 10000, "100", LIVE },
	{ "max_occupants",	K_UINT, F(max_occupants), 0, 1, 10000000, "50000", LIVE },
	{ "max_affiliations",	K_UINT, F(max_affiliations), 0, 0, 10000000, "2000", LIVE },
	{ "room_fanout_rate",	K_SIZE, F(room_fanout_rate), 0, 0, 1ULL << 40, "1M", LIVE },
	{ "max_rooms",		K_UINT, F(max_rooms), 0, 0, UINT_MAX, "50000", LIVE },
	{ "max_rooms_per_user",	K_UINT, F(max_rooms_per_user), 0, 0, UINT_MAX, "1000", LIVE },
	{ "max_sessions_per_jid", K_UINT, F(max_sessions_per_jid), 0, 1, 10000, "16", LIVE },
	{ "max_hats_per_user",	K_UINT, F(max_hats_per_user), 0, 1, 1000, "16", LIVE },
	{ "avatar_max_size",	K_SIZE, F(avatar_max_size), 0, 1024, 16ULL << 20, "32K", LIVE },
	{ "rate_messages",	K_UINT, F(rate_messages), 0, 0, 1000000, "10", LIVE },
	{ "rate_presence",	K_UINT, F(rate_presence), 0, 0, 1000000, "10", LIVE },
	{ "rate_iq",		K_UINT, F(rate_iq), 0, 0, 1000000, "30", LIVE },
	{ "rate_burst",		K_UINT, F(rate_burst), 0, 1, 1000000, "60", LIVE },
	{ "control_max_clients", K_UINT, F(control_max_clients), 0, 1, 100000, "64", LIVE },
	{ "control_max_line",	K_SIZE, F(control_max_line), 0, 1024, 64ULL << 20, "64K", LIVE },
	{ "metrics_listen",	K_LISTEN, F(metrics_listen), 0, NOLIM, NULL, RESTART },
	{ "repl_local",		K_ADDR, F(repl_local), 0, NOLIM, NULL, RESTART },
	{ "repl_peers",		K_ADDRS, F(repl_peers), F(nrepl_peers), NOLIM, "", RESTART },
	{ "repl_priority",	K_UINT, F(repl_priority), 0, 0, 1000000, "100", RESTART },
	{ "repl_ack_policy",	K_ACKS, F(repl_ack_policy), 0, NOLIM, "quorum", RESTART },
	{ "repl_2site_strict",	K_BOOL, F(repl_2site_strict), 0, NOLIM, "yes", RESTART },
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static const char *const creation_names[] = { "anyone", "local", "admins" };
static const char *const nick_names[] = { "open", "enforce", "assign" };
static const char *const acks_names[] = { "quorum", "all", "one", "none" };

static bool
is_list(enum ktype t)
{
	return t == K_JIDS || t == K_DOMAINS || t == K_ADDRS;
}

static void
free_list(char **l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

static void
free_value(struct conf *c, const struct key *k)
{
	char *base = (char *)c;

	switch (k->type) {
	case K_STR:
	case K_DOMAIN:
	case K_LOGLEVEL:
	case K_LISTEN:
	case K_SERVICE:
	case K_ADDR:
		free(*(char **)(base + k->off));
		*(char **)(base + k->off) = NULL;
		break;
	case K_JIDS:
	case K_DOMAINS:
	case K_ADDRS:
		free_list(*(char ***)(base + k->off), *(size_t *)(base + k->cnt));
		*(char ***)(base + k->off) = NULL;
		*(size_t *)(base + k->cnt) = 0;
		break;
	default:
		break;
	}
}

static int
parse_number(const char *v, enum ktype t, unsigned long long *out)
{
	unsigned long long n, mul = 1;
	char *end;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0)
		return -1;
	if (t == K_SIZE && *end != '\0') {
		switch (toupper((unsigned char)*end)) {
		case 'K': mul = 1ULL << 10; break;
		case 'M': mul = 1ULL << 20; break;
		case 'G': mul = 1ULL << 30; break;
		default: return -1;
		}
		end++;
	} else if (t == K_SECS && *end != '\0') {
		switch (*end) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		default: return -1;
		}
		end++;
	}
	if (*end != '\0' || (n != 0 && mul > ULLONG_MAX / n))
		return -1;
	*out = n * mul;
	return 0;
}

const char *
conf_acks_name(enum repl_acks a)
{
	return (size_t)a < sizeof(acks_names) / sizeof(acks_names[0]) ?
	    acks_names[a] : "?";
}

/*
 * A replication site: "HOST:PORT", the host a name or an IPv4 address,
 * or an IPv6 address in brackets ("[::1]:5000").
 */
int
conf_addr_split(const char *s, char *host, size_t hostlen, unsigned *port,
    const char **why)
{
	const char *colon, *h = s, *p;
	unsigned long long n;
	size_t hl;

	if (*s == '[') {
		h = s + 1;
		if ((colon = strchr(h, ']')) == NULL || colon[1] != ':') {
			*why = "an IPv6 address goes in brackets: [ADDRESS]:PORT";
			return -1;
		}
		hl = (size_t)(colon - h);
		p = colon + 2;
	} else {
		if ((colon = strrchr(s, ':')) == NULL) {
			*why = "expected HOST:PORT";
			return -1;
		}
		hl = (size_t)(colon - s);
		p = colon + 1;
		if (memchr(s, ':', hl) != NULL) {
			*why = "an IPv6 address goes in brackets: [ADDRESS]:PORT";
			return -1;
		}
	}
	if (hl == 0 || hl >= hostlen) {
		*why = hl == 0 ? "no host before the port" : "host name too long";
		return -1;
	}
	for (size_t i = 0; i < hl; i++)
		if (!isgraph((unsigned char)h[i]) || h[i] == ',' ||
		    h[i] == '[' || h[i] == ']') {
			*why = "invalid character in the host";
			return -1;
		}
	if (parse_number(p, K_UINT, &n) == -1 || n < 1 || n > 65535) {
		*why = "the port is not a number from 1 to 65535";
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (unsigned)n;
	return 0;
}

/* One item of a list, checked and prepared into out. */
static int
prep_item(enum ktype t, const char *item, char *out, size_t outlen,
    const char **why)
{
	char host[CONF_HOST_MAX + 1];
	unsigned port;

	switch (t) {
	case K_DOMAINS:
		return jid_nameprep(item, out, outlen, why);
	case K_ADDRS:
		if (conf_addr_split(item, host, sizeof(host), &port, why) == -1)
			return -1;
		if ((size_t)snprintf(out, outlen, "%s", item) >= outlen) {
			*why = "too long";
			return -1;
		}
		return 0;
	default:
		return jid_prep_bare(item, out, outlen, why);
	}
}

/* Split a comma list into prepared items: bare JIDs, domains or sites. */
static int
parse_list(const char *v, enum ktype t, char ***out, size_t *nout,
    char *err, size_t errlen)
{
	char *copy, *tok, *save = NULL, **list = NULL, **nl;
	char prepped[JID_BARE_MAX + 1];
	const char *why;
	size_t n = 0;

	if ((copy = strdup(v)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*tok))
			tok++;
		for (char *e = tok + strlen(tok); e > tok &&
		    isspace((unsigned char)e[-1]); e--)
			e[-1] = '\0';
		if (*tok == '\0')
			continue;
		if (prep_item(t, tok, prepped, sizeof(prepped), &why)) {
			snprintf(err, errlen, "invalid %s '%s': %s",
			    t == K_DOMAINS ? "domain" : t == K_ADDRS ?
			    "address" : "JID", tok, why);
			goto fail;
		}
		if ((nl = realloc(list, (n + 1) * sizeof(*list))) == NULL)
			goto oom;
		list = nl;
		if ((list[n] = strdup(prepped)) == NULL)
			goto oom;
		n++;
	}
	free(copy);
	*out = list;
	*nout = n;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	free_list(list, n);
	free(copy);
	return -1;
}

static int
set_value(struct conf *c, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	char *base = (char *)c, prepped[JID_PART_MAX + 1];
	char service[JID_BARE_MAX + 1];
	unsigned long long n;
	unsigned n32;
	enum log_level lvl;
	const char *why;
	char *s;
	bool b;
	int e;

	switch (k->type) {
	case K_STR:
	case K_LOGLEVEL:
	case K_DOMAIN:
	case K_LISTEN:
	case K_SERVICE:
	case K_ADDR:
		if (*v == '\0') {
			snprintf(err, errlen, "%s: empty value", k->name);
			return -1;
		}
		if (k->type == K_LISTEN) {
			struct sockaddr_storage ss;
			socklen_t sl;
			char lerr[256];

			if (conf_listen_addr(v, &ss, &sl, lerr, sizeof(lerr)) ==
			    -1) {
				snprintf(err, errlen, "%s: %s", k->name, lerr);
				return -1;
			}
		}
		if (k->type == K_LOGLEVEL && log_level_parse(v, &lvl) == -1) {
			snprintf(err, errlen, "%s: '%s' is not one of error, "
			    "warning, info, debug", k->name, v);
			return -1;
		}
		if (k->type == K_ADDR && conf_addr_split(v, prepped,
		    sizeof(prepped), &n32, &why) == -1) {
			snprintf(err, errlen, "%s: invalid address '%s': %s",
			    k->name, v, why);
			return -1;
		}
		if (k->type == K_DOMAIN) {
			if (jid_nameprep(v, prepped, sizeof(prepped), &why)) {
				snprintf(err, errlen, "%s: invalid domain '%s': %s",
				    k->name, v, why);
				return -1;
			}
			v = prepped;
		}
		if (k->type == K_SERVICE && strcmp(v, "auto") != 0 &&
		    strcmp(v, "no") != 0) {
			if (jid_prep_bare(v, service, sizeof(service), &why)) {
				snprintf(err, errlen, "%s: '%.200s' is not auto, no "
				    "or a JID: %s", k->name, v, why);
				return -1;
			}
			v = service;
		}
		if ((s = strdup(v)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		free_value(c, k);
		*(char **)(base + k->off) = s;
		return 0;
	case K_UINT:
	case K_SIZE:
	case K_SECS:
		if (parse_number(v, k->type, &n) == -1) {
			snprintf(err, errlen, "%s: '%s' is not a %s", k->name, v,
			    k->type == K_SIZE ? "size (e.g. 64K, 1M)" :
			    k->type == K_SECS ? "duration (e.g. 30s, 5m, 1h)" :
			    "number");
			return -1;
		}
		if (n < k->min || n > k->max) {
			snprintf(err, errlen, "%s: %llu is out of range %llu..%llu",
			    k->name, n, k->min, k->max);
			return -1;
		}
		if (k->type == K_SIZE)
			*(size_t *)(base + k->off) = (size_t)n;
		else
			*(unsigned *)(base + k->off) = (unsigned)n;
		return 0;
	case K_BOOL:
		if (word_bool(v, &b) == -1) {
			snprintf(err, errlen, "%s: '%s' is not yes or no",
			    k->name, v);
			return -1;
		}
		*(bool *)(base + k->off) = b;
		return 0;
	case K_JIDS:
	case K_DOMAINS:
	case K_ADDRS: {
		char **list, lerr[256];
		size_t cnt;

		if (parse_list(v, k->type, &list, &cnt, lerr,
		    sizeof(lerr)) == -1) {
			snprintf(err, errlen, "%s: %s", k->name, lerr);
			return -1;
		}
		free_value(c, k);
		*(char ***)(base + k->off) = list;
		*(size_t *)(base + k->cnt) = cnt;
		return 0;
	}
	case K_CREATION:
		if ((e = word_enum(v, creation_names, 3)) < 0) {
			snprintf(err, errlen, "%s: '%s' is not one of anyone, "
			    "local, admins", k->name, v);
			return -1;
		}
		c->room_creation = (enum room_creation)e;
		return 0;
	case K_NICKS:
		if ((e = word_enum(v, nick_names, 3)) < 0) {
			snprintf(err, errlen, "%s: '%s' is not one of open, "
			    "enforce, assign", k->name, v);
			return -1;
		}
		c->reserved_nicks = (enum nick_policy)e;
		return 0;
	case K_ACKS:
		if ((e = word_enum(v, acks_names, 4)) < 0) {
			snprintf(err, errlen, "%s: '%s' is not one of quorum, "
			    "all, one, none", k->name, v);
			return -1;
		}
		c->repl_ack_policy = (enum repl_acks)e;
		return 0;
	}
	return -1;
}

void
conf_defaults(struct conf *c)
{
	char err[256];
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NKEYS; i++)
		if (keys[i].dflt != NULL &&
		    set_value(c, &keys[i], keys[i].dflt, err, sizeof(err)) == -1 &&
		    !is_list(keys[i].type))
			log_error("conf default for %s: %s", keys[i].name, err);
}

void
conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		free_value(c, &keys[i]);
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Why a path that is not a regular file cannot be a configuration. */
static const char *
not_regular(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/*
 * The whole file, NUL-terminated, in *text (*len bytes). Only a regular
 * file of at most CONF_MAX_SIZE is read: a device (/dev/zero, directly or
 * through a symbolic link) never ends, a FIFO blocks. stat() first, so
 * that nothing else is even opened; O_NONBLOCK, so that a file swapped
 * for a FIFO in between cannot block either, and fstat() decides.
 */
static int
read_file(const char *path, struct stat *sb, char **text, size_t *len,
    char *err, size_t errlen)
{
	char *buf = NULL;
	size_t n = 0;
	ssize_t r;
	int fd = -1;

	*text = NULL;
	if (stat(path, sb) == -1)
		goto syserr;
	if (!S_ISREG(sb->st_mode))
		goto notreg;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) ==
	    -1 || fstat(fd, sb) == -1)
		goto syserr;
	if (!S_ISREG(sb->st_mode))
		goto notreg;
	if ((buf = malloc(CONF_MAX_SIZE + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	/* One byte more than allowed tells a file that grew meanwhile. */
	while (n <= CONF_MAX_SIZE &&
	    (r = read(fd, buf + n, CONF_MAX_SIZE + 1 - n)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto syserr;
		n += (size_t)r;
	}
	if (n > CONF_MAX_SIZE) {
		snprintf(err, errlen, "%s: larger than %u KiB: not a "
		    "configuration file", path, CONF_MAX_SIZE >> 10);
		goto fail;
	}
	close(fd);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
notreg:
	snprintf(err, errlen, "%s: %s, not a regular file", path,
	    not_regular(sb->st_mode));
	goto fail;
syserr:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
fail:
	if (fd != -1)
		close(fd);
	free(buf);
	return -1;
}

/* One line: comments stripped, then "key = value". */
static int
parse_line(struct conf *c, char *line, bool *seen, const char *path,
    unsigned lineno, char *err, size_t errlen)
{
	char msg[512], *k, *v, *eq, *hash;
	size_t i;

	/* '#' starts a comment at the start of a line or after
	 * whitespace, so a secret like "abc#123" stays whole. */
	for (hash = line; (hash = strchr(hash, '#')) != NULL; hash++)
		if (hash == line || isspace((unsigned char)hash[-1])) {
			*hash = '\0';
			break;
		}
	k = trim(line);
	if (*k == '\0')
		return 0;
	if ((eq = strchr(k, '=')) == NULL) {
		snprintf(err, errlen, "%s:%u: expected 'key = value'", path,
		    lineno);
		return -1;
	}
	*eq = '\0';
	k = trim(k);
	v = trim(eq + 1);
	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, k) == 0)
			break;
	if (i == NKEYS) {
		snprintf(err, errlen, "%s:%u: unknown key '%s'", path, lineno,
		    k);
		return -1;
	}
	if (seen[i]) {
		snprintf(err, errlen, "%s:%u: '%s' set twice", path, lineno, k);
		return -1;
	}
	seen[i] = true;
	if (set_value(c, &keys[i], v, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
		return -1;
	}
	if (keys[i].off == F(secret))
		c->secret_line = lineno;
	return 0;
}

static int
parse_text(struct conf *c, char *text, size_t len, const char *path,
    char *err, size_t errlen)
{
	bool seen[NKEYS] = { false };
	char *line = text, *end = text + len, *nl;
	unsigned lineno = 0;

	for (; line < end; line = nl + 1) {
		lineno++;
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		*nl = '\0';
		/* A NUL would end the value early: "a\0bcdef" read as "a". */
		if (strlen(line) != (size_t)(nl - line)) {
			snprintf(err, errlen, "%s:%u: NUL byte in the line",
			    path, lineno);
			return -1;
		}
		if ((size_t)(nl - line) > CONF_MAX_LINE) {
			snprintf(err, errlen, "%s:%u: line too long (more than "
			    "%u bytes)", path, lineno, CONF_MAX_LINE);
			return -1;
		}
		if (parse_line(c, line, seen, path, lineno, err, errlen) == -1)
			return -1;
	}
	return 0;
}

int
conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	char msg[512], *text;
	struct stat sb;
	size_t len;
	int rc;

	if (read_file(path, &sb, &text, &len, err, errlen) == -1) {
		conf_free(c);
		return -1;
	}
	c->file_mode = (unsigned)sb.st_mode;
	c->file_uid = (unsigned)sb.st_uid;
	c->secret_line = 0;
	rc = parse_text(c, text, len, path, err, errlen);
	/* The text may hold the secret. */
	explicit_bzero(text, len);
	free(text);
	if (rc == 0 && conf_validate(c, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s: %s", path, msg);
		rc = -1;
	}
	if (rc == -1)
		conf_free(c);
	return rc;
}

/* A multicast service inside mucd's own domain would send every
 * broadcast back to mucd. */
static bool
multicast_is_own(const struct conf *c)
{
	const char *at = strchr(c->multicast, '@');
	const char *dom = at != NULL ? at + 1 : c->multicast;

	return strcmp(dom, c->domain) == 0;
}

bool
conf_same_site(const char *a, const char *b)
{
	char ha[CONF_HOST_MAX + 1], hb[CONF_HOST_MAX + 1];
	unsigned pa, pb;
	const char *why;

	return conf_addr_split(a, ha, sizeof(ha), &pa, &why) == 0 &&
	    conf_addr_split(b, hb, sizeof(hb), &pb, &why) == 0 &&
	    pa == pb && strcasecmp(ha, hb) == 0;
}

/* The replication group as this site sees it: peers need a local site,
 * and no site may appear twice. */
static int
validate_repl(const struct conf *c, char *err, size_t errlen)
{
	size_t i, j;

	if (c->nrepl_peers > 0 && c->repl_local == NULL) {
		snprintf(err, errlen, "repl_peers is set but repl_local is "
		    "not: name this site's own replication address too");
		return -1;
	}
	if (c->nrepl_peers >= CONF_REPL_MAX_SITES) {
		snprintf(err, errlen, "repl_peers names %zu sites: at most %u "
		    "are supported", c->nrepl_peers, CONF_REPL_MAX_SITES - 1);
		return -1;
	}
	for (i = 0; i < c->nrepl_peers; i++) {
		if (conf_same_site(c->repl_peers[i], c->repl_local)) {
			snprintf(err, errlen, "repl_peers names this site's own "
			    "address %s (repl_local): list the other sites only",
			    c->repl_peers[i]);
			return -1;
		}
		for (j = i + 1; j < c->nrepl_peers; j++)
			if (conf_same_site(c->repl_peers[i], c->repl_peers[j])) {
				snprintf(err, errlen, "repl_peers names %s "
				    "twice", c->repl_peers[j]);
				return -1;
			}
	}
	return 0;
}

int
conf_validate(const struct conf *c, char *err, size_t errlen)
{
	if (c->domain == NULL) {
		snprintf(err, errlen, "'domain' is required");
		return -1;
	}
	if (c->secret == NULL) {
		snprintf(err, errlen, "'secret' is required");
		return -1;
	}
	if (c->history_default > c->history_max) {
		snprintf(err, errlen, "history_default (%u) exceeds "
		    "history_max (%u)", c->history_default, c->history_max);
		return -1;
	}
	if (c->default_max_occupants > c->max_occupants) {
		snprintf(err, errlen, "default_max_occupants (%u) exceeds "
		    "max_occupants (%u)", c->default_max_occupants,
		    c->max_occupants);
		return -1;
	}
	if (multicast_is_own(c)) {
		snprintf(err, errlen, "multicast: %s is this service's own "
		    "domain; name the server's multicast service, or auto",
		    c->multicast);
		return -1;
	}
	if (c->datadir[0] != '/' || c->control[0] != '/') {
		snprintf(err, errlen, "datadir and control must be absolute "
		    "paths");
		return -1;
	}
	return validate_repl(c, err, errlen);
}

static bool
lists_differ(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return true;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return true;
	return false;
}

/* Does key k hold different values in a and b? */
static bool
value_differs(const struct conf *a, const struct conf *b, const struct key *k)
{
	const char *pa = (const char *)a + k->off, *pb = (const char *)b + k->off;
	const char *sa, *sb;

	switch (k->type) {
	case K_STR:
	case K_DOMAIN:
	case K_LOGLEVEL:
	case K_LISTEN:
	case K_SERVICE:
	case K_ADDR:
		sa = *(char *const *)pa;
		sb = *(char *const *)pb;
		return sa == NULL || sb == NULL ? sa != sb : strcmp(sa, sb) != 0;
	case K_ADDRS:
		return lists_differ(*(char **const *)pa,
		    *(const size_t *)((const char *)a + k->cnt),
		    *(char **const *)pb,
		    *(const size_t *)((const char *)b + k->cnt));
	case K_ACKS:
		return a->repl_ack_policy != b->repl_ack_policy;
	case K_SIZE:
		return *(const size_t *)pa != *(const size_t *)pb;
	case K_UINT:
	case K_SECS:
		return *(const unsigned *)pa != *(const unsigned *)pb;
	case K_BOOL:
		return *(const bool *)pa != *(const bool *)pb;
	default:
		/* No restart-only key has another type. */
		return false;
	}
}

/* Exchange key k's values: strings change owners with their struct. */
static void
swap_value(struct conf *a, struct conf *b, const struct key *k)
{
	char *pa = (char *)a + k->off, *pb = (char *)b + k->off, t[16];
	size_t n = k->type == K_SIZE ? sizeof(size_t) : k->type == K_BOOL ?
	    sizeof(bool) : k->type == K_UINT || k->type == K_SECS ?
	    sizeof(unsigned) : k->type == K_ACKS ? sizeof(enum repl_acks) :
	    sizeof(char *);

	memcpy(t, pa, n);
	memcpy(pa, pb, n);
	memcpy(pb, t, n);
	/* A list's count goes with it. */
	if (is_list(k->type)) {
		pa = (char *)a + k->cnt;
		pb = (char *)b + k->cnt;
		memcpy(t, pa, sizeof(size_t));
		memcpy(pa, pb, sizeof(size_t));
		memcpy(pb, t, sizeof(size_t));
	}
}

unsigned
conf_keep_restart_keys(struct conf *nc, struct conf *old,
    void (*changed)(void *, const char *), void *arg)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (!keys[i].restart)
			continue;
		if (value_differs(nc, old, &keys[i])) {
			changed(arg, keys[i].name);
			n++;
		}
		swap_value(nc, old, &keys[i]);
	}
	return n;
}

/*
 * Secrets mucd refuses to run with: the placeholder shipped in
 * mucd.conf.example (and so in the packages' configuration), and the
 * examples in the documentation, which someone will copy. tests/t/
 * conf_file.sh checks that every secret the documentation shows is here.
 */
static const char *const placeholder_secrets[] = {
	"change-me",		/* mucd.conf.example, the packages */
	"a-long-random-secret",	/* README.md */
	"5b8c1f0d3a9e47e2",	/* mucd(8), mucd.conf(5) */
};

static int
check_secret(const struct conf *c, const char *path, char *err,
    size_t errlen)
{
	size_t i, len = strlen(c->secret);

	for (i = 0; i < sizeof(placeholder_secrets) /
	    sizeof(placeholder_secrets[0]); i++)
		if (strcmp(c->secret, placeholder_secrets[i]) == 0) {
			snprintf(err, errlen, "%s:%u: 'secret' is the example "
			    "'%s': set the component secret configured on the "
			    "XMPP server for %s (make one with \"openssl rand "
			    "-hex 16\")", path, c->secret_line, c->secret,
			    c->domain);
			return -1;
		}
	if (len < CONF_MIN_SECRET) {
		snprintf(err, errlen, "%s:%u: 'secret' is %zu bytes long: use "
		    "at least %u, random (\"openssl rand -hex 16\"), also on "
		    "the XMPP server", path, c->secret_line, len,
		    CONF_MIN_SECRET);
		return -1;
	}
	return 0;
}

/* As ssh treats private keys: no one but the owner may change the file,
 * and no one outside its group may read the secret in it. */
static int
check_mode(const struct conf *c, const char *path, char *err, size_t errlen)
{
	unsigned mode = c->file_mode & 07777;

	if (c->file_uid != 0 && c->file_uid != (unsigned)geteuid()) {
		snprintf(err, errlen, "%s: owned by uid %u: it must belong to "
		    "root or to the user running mucd (uid %u)", path,
		    c->file_uid, (unsigned)geteuid());
		return -1;
	}
	if (mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen, "%s: writable by %s (mode %04o), and "
		    "whoever can write it decides what mucd does (it starts as "
		    "root): chmod go-w %s", path, mode & S_IWOTH ? "everyone" :
		    "its group", mode, path);
		return -1;
	}
	if (c->secret_line > 0 && (mode & S_IROTH)) {
		snprintf(err, errlen, "%s:%u: the component secret is readable "
		    "by everyone (mode %04o): chmod o-r %s (mucd reads it as "
		    "root, or through its group)", path, c->secret_line, mode,
		    path);
		return -1;
	}
	return 0;
}

int
conf_check_service(const struct conf *c, const char *path, char *err,
    size_t errlen)
{
	if (c->secret != NULL && check_secret(c, path, err, errlen) == -1)
		return -1;
	return check_mode(c, path, err, errlen);
}

bool
conf_is_admin(const struct conf *c, const char *bare)
{
	size_t i;

	for (i = 0; i < c->nadmins; i++)
		if (strcmp(c->admins[i], bare) == 0)
			return true;
	return false;
}

int
conf_listen_addr(const char *v, struct sockaddr_storage *ss, socklen_t *len,
    char *err, size_t errlen)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	const char *colon = strrchr(v, ':'), *p;
	char host[INET6_ADDRSTRLEN + 2];
	size_t hlen;
	unsigned long port = 0;

	if (colon == NULL || colon == v || colon[1] == '\0' ||
	    (hlen = (size_t)(colon - v)) >= sizeof(host)) {
		snprintf(err, errlen, "'%s' is not ADDRESS:PORT (for example "
		    "127.0.0.1:9127 or [::1]:9127)", v);
		return -1;
	}
	for (p = colon + 1; *p != '\0' && port <= 65535; p++) {
		if (!isdigit((unsigned char)*p)) {
			snprintf(err, errlen, "'%s': the port is not a number",
			    v);
			return -1;
		}
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port < 1 || port > 65535) {
		snprintf(err, errlen, "'%s': the port is out of range 1..65535",
		    v);
		return -1;
	}
	memcpy(host, v, hlen);
	host[hlen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[hlen - 1] == ']') {
		host[hlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
			goto bad_host;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return 0;
	}
	if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
		goto bad_host;
	in4->sin_family = AF_INET;
	in4->sin_port = htons((uint16_t)port);
	*len = sizeof(*in4);
	return 0;
bad_host:
	snprintf(err, errlen, "'%s' is not a numeric IP address (IPv6 in "
	    "brackets: [::1]:9127); names are not resolved", host);
	return -1;
}

size_t
conf_keys(const struct conf_key_info **out)
{
	static struct conf_key_info info[NKEYS];
	static const char *tnames[] = {
		"string", "domain", "number", "size", "duration", "boolean",
		"JID list", "domain list", "anyone|local|admins",
		"open|enforce|assign", "error|warning|info|debug",
		"ADDRESS:PORT",
		"auto|no|JID",
		"address", "address list", "quorum|all|one|none"
	};
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		info[i].name = keys[i].name;
		info[i].type = tnames[keys[i].type];
		info[i].dflt = keys[i].dflt;
	}
	*out = info;
	return NKEYS;
}

void
conf_dump(const struct conf *c, void (*out)(void *, const char *), void *arg)
{
	const char *base = (const char *)c;
	char line[8192];
	size_t i, j, n, used;

	for (i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];

		used = (size_t)snprintf(line, sizeof(line), "%s = ", k->name);
		switch (k->type) {
		case K_STR:
		case K_DOMAIN:
		case K_LOGLEVEL:
		case K_LISTEN:
		case K_SERVICE:
		case K_ADDR: {
			const char *s = *(char *const *)(base + k->off);

			/* Never print the shared secret. */
			if (s != NULL && strcmp(k->name, "secret") == 0)
				s = "(set)";
			snprintf(line + used, sizeof(line) - used, "%s",
			    s ? s : "");
			break;
		}
		case K_UINT:
		case K_SECS:
			snprintf(line + used, sizeof(line) - used, "%u",
			    *(const unsigned *)(base + k->off));
			break;
		case K_SIZE:
			snprintf(line + used, sizeof(line) - used, "%zu",
			    *(const size_t *)(base + k->off));
			break;
		case K_BOOL:
			snprintf(line + used, sizeof(line) - used, "%s",
			    *(const bool *)(base + k->off) ? "yes" : "no");
			break;
		case K_JIDS:
		case K_DOMAINS:
		case K_ADDRS: {
			char *const *l = *(char **const *)(base + k->off);

			n = *(const size_t *)(base + k->cnt);
			for (j = 0; j < n && used < sizeof(line); j++)
				used += (size_t)snprintf(line + used,
				    sizeof(line) - used, "%s%s", j ? ", " : "",
				    l[j]);
			break;
		}
		case K_CREATION:
			snprintf(line + used, sizeof(line) - used, "%s",
			    creation_names[c->room_creation]);
			break;
		case K_NICKS:
			snprintf(line + used, sizeof(line) - used, "%s",
			    nick_names[c->reserved_nicks]);
			break;
		case K_ACKS:
			snprintf(line + used, sizeof(line) - used, "%s",
			    conf_acks_name(c->repl_ack_policy));
			break;
		}
		out(arg, line);
	}
}
