/*
 * conf: mucd.conf parsing. Files are written to the unit temp directory;
 * every error must name "file:line" and leave nothing allocated.
 */
#include <sys/stat.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "unit.h"

#define MIN_CONF	"domain = muc.example.com\nsecret = s3cret\n"

static char last_path[512];

static const char *
write_conf(const char *text)
{
	static unsigned seq;
	FILE *f;

	snprintf(last_path, sizeof(last_path), "%s/mucd-%u.conf", unit_tmpdir(),
	    ++seq);
	if ((f = fopen(last_path, "w")) == NULL) {
		perror(last_path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
	return last_path;
}

/* Load text over the defaults; on success the caller frees c. */
static int
load(struct conf *c, const char *text, char *err, size_t errlen)
{
	const char *path = write_conf(text);
	int rc;

	conf_defaults(c);
	err[0] = '\0';
	rc = conf_load(c, path, err, errlen);
	return rc;
}

/* Expect text to fail at the given line with a message containing sub. */
static void
expect_error(const char *text, unsigned line, const char *sub, int srcline)
{
	struct conf c;
	char err[512], prefix[600];

	if (load(&c, text, err, sizeof(err)) != -1) {
		fprintf(stderr, "  %s:%d: loaded, expected error '%s'\n",
		    __FILE__, srcline, sub);
		unit_failed = 1;
		conf_free(&c);
		return;
	}
	if (line > 0)
		snprintf(prefix, sizeof(prefix), "%s:%u: ", last_path, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", last_path);
	if (strncmp(err, prefix, strlen(prefix)) != 0 ||
	    strstr(err, sub) == NULL) {
		fprintf(stderr, "  %s:%d: error '%s'\n    want prefix '%s' "
		    "and '%s'\n", __FILE__, srcline, err, prefix, sub);
		unit_failed = 1;
	}
	/* The struct has been freed: pointers cleared, nothing leaks. */
	CHECK(c.domain == NULL && c.secret == NULL && c.admins == NULL);
}

#define ERR(text, line, sub)	expect_error((text), (line), (sub), __LINE__)

/* Load MIN_CONF plus one line; expect success. */
#define LOAD1(c, line) do { \
	char e_[512]; \
	int r_ = load((c), MIN_CONF line "\n", e_, sizeof(e_)); \
	CHECK_INT(r_, 0); \
	if (r_ != 0) { \
		fprintf(stderr, "    %s\n", e_); \
		conf_defaults(c); \
	} \
} while (0)

static void
defaults(void)
{
	struct conf c;
	char err[256];

	conf_defaults(&c);
	CHECK(c.domain == NULL);
	CHECK(c.secret == NULL);
	CHECK_STR(c.server, "127.0.0.1");
	CHECK_INT(c.port, 5347);
	CHECK_INT(c.reconnect_max, 60);
	CHECK_STR(c.datadir, "/var/lib/mucd");
	CHECK_STR(c.log_level, "info");
	CHECK(!c.allow_root);
	CHECK(c.room_locking);
	CHECK_INT(c.room_lock_timeout, 300);
	CHECK_INT(c.room_creation, CREATE_ANYONE);
	CHECK_INT(c.reserved_nicks, NICKS_OPEN);
	CHECK_INT(c.nadmins, 0);
	CHECK_INT(c.nlocal_domains, 0);
	CHECK_INT(c.history_default, 20);
	CHECK_INT(c.history_max, 100);
	CHECK_INT(c.history_max_bytes, 256 * 1024);
	CHECK_INT(c.db_cache_size, 32 * 1024 * 1024);
	CHECK_INT(c.max_stanza_size, 1024 * 1024);
	CHECK_INT(c.max_stanza_depth, 32);
	CHECK_INT(c.link_buffer_max, 64ULL * 1024 * 1024);
	CHECK_INT(c.max_body_length, 64 * 1024);
	CHECK_INT(c.evict_idle, 300);
	CHECK(c.default_language == NULL);
	/* Defaults alone are invalid: domain and secret are required. */
	CHECK_INT(conf_validate(&c, err, sizeof(err)), -1);
	CHECK(strstr(err, "domain") != NULL);
	conf_free(&c);

	/* The key table documents a default for each key that has one, and
	 * every key name is unique. */
	{
		const struct conf_key_info *ki;
		size_t n = conf_keys(&ki), i, j, dup = 0;

		CHECK(n > 40);
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++)
				if (strcmp(ki[i].name, ki[j].name) == 0)
					dup++;
		CHECK_INT(dup, 0);
		for (i = 0; i < n; i++)
			if (strcmp(ki[i].name, "port") == 0) {
				CHECK_STR(ki[i].dflt, "5347");
				CHECK_STR(ki[i].type, "number");
			}
	}
}

static void
minimal(void)
{
	struct conf c;
	char err[512];

	CHECK_INT(load(&c, MIN_CONF, err, sizeof(err)), 0);
	CHECK_STR(c.domain, "muc.example.com");
	CHECK_STR(c.secret, "s3cret");
	CHECK_INT(c.port, 5347);		/* defaults kept */
	CHECK_INT(conf_validate(&c, err, sizeof(err)), 0);
	conf_free(&c);
	CHECK(c.domain == NULL && c.secret == NULL);
}

static void
comments_and_blanks(void)
{
	struct conf c;
	char err[512];

	CHECK_INT(load(&c,
	    "# mucd.conf\n"
	    "\n"
	    "   \n"
	    "\t# indented comment\n"
	    "domain = muc.example.com   # trailing comment\n"
	    "secret=s3cret\n"
	    "  port   =   5348  \n"
	    "server = xmpp.example.com\r\n"	/* CRLF line ending */
	    "service_name = Chat rooms of Example\n"
	    "# the end, no newline after this: "
	    , err, sizeof(err)), 0);
	CHECK_STR(c.domain, "muc.example.com");
	CHECK_STR(c.secret, "s3cret");
	CHECK_INT(c.port, 5348);
	CHECK_STR(c.server, "xmpp.example.com");
	CHECK_STR(c.service_name, "Chat rooms of Example");
	conf_free(&c);
	/* Last line without a newline is still read. */
	CHECK_INT(load(&c, "domain = muc.example.com\nsecret = x", err,
	    sizeof(err)), 0);
	CHECK_STR(c.secret, "x");
	conf_free(&c);
	/* A value may contain '='. */
	CHECK_INT(load(&c, "domain = muc.example.com\nsecret = a=b==\n", err,
	    sizeof(err)), 0);
	CHECK_STR(c.secret, "a=b==");
	conf_free(&c);
	/* '#' inside a value is kept; after whitespace it starts a comment. */
	CHECK_INT(load(&c, "domain = muc.example.com\nsecret = abc#123 #x\n",
	    err, sizeof(err)), 0);
	CHECK_STR(c.secret, "abc#123");
	conf_free(&c);
	/* An empty file fails validation, naming the file. */
	ERR("", 0, "'domain' is required");
	ERR("# only comments\n\n", 0, "'domain' is required");
}

static void
numbers(void)
{
	struct conf c;

	LOAD1(&c, "port = 1");
	CHECK_INT(c.port, 1);
	conf_free(&c);
	LOAD1(&c, "port = 65535");
	CHECK_INT(c.port, 65535);
	conf_free(&c);
	LOAD1(&c, "max_rooms_per_user = 4294967295");
	CHECK_INT(c.max_rooms_per_user, 4294967295u);
	conf_free(&c);
	LOAD1(&c, "history_default = 0");
	CHECK_INT(c.history_default, 0);
	conf_free(&c);
	/* The limits of issue 13: 0 switches the caps and the budget off. */
	LOAD1(&c, "max_rooms = 0");
	CHECK_INT(c.max_rooms, 0);
	CHECK_INT(c.max_affiliations, 2000);
	CHECK_INT(c.room_fanout_rate, 1 << 20);
	CHECK_INT(c.max_stanza_out, 448 << 10);
	conf_free(&c);
	LOAD1(&c, "room_fanout_rate = 0");
	CHECK_INT(c.room_fanout_rate, 0);
	conf_free(&c);
	ERR(MIN_CONF "max_stanza_out = 8K\n", 3, "out of range");

	ERR(MIN_CONF "port = 0\n", 3, "out of range");
	ERR(MIN_CONF "port = 65536\n", 3, "out of range");
	ERR(MIN_CONF "port = 99999999999999999999999\n", 3, "port");
	ERR(MIN_CONF "max_rooms_per_user = 4294967296\n", 3, "out of range");
	ERR(MIN_CONF "port = -1\n", 3, "not a number");
	ERR(MIN_CONF "port = +1\n", 3, "not a number");
	ERR(MIN_CONF "port = abc\n", 3, "not a number");
	ERR(MIN_CONF "port = 53 47\n", 3, "not a number");
	ERR(MIN_CONF "port = 5347x\n", 3, "not a number");
	ERR(MIN_CONF "port = 1K\n", 3, "not a number");	/* no suffix here */
	ERR(MIN_CONF "port = 0x10\n", 3, "not a number");
	ERR(MIN_CONF "port =\n", 3, "port");
	ERR(MIN_CONF "max_stanza_depth = 3\n", 3, "out of range");
	ERR(MIN_CONF "max_stanza_depth = 1001\n", 3, "out of range");
}

static void
sizes(void)
{
	struct conf c;

	LOAD1(&c, "max_stanza_size = 4096");
	CHECK_INT(c.max_stanza_size, 4096);
	conf_free(&c);
	LOAD1(&c, "max_stanza_size = 4K");
	CHECK_INT(c.max_stanza_size, 4096);
	conf_free(&c);
	LOAD1(&c, "max_stanza_size = 64M");
	CHECK_INT(c.max_stanza_size, 64ULL << 20);
	conf_free(&c);
	LOAD1(&c, "max_stanza_size = 2m");
	CHECK_INT(c.max_stanza_size, 2ULL << 20);
	conf_free(&c);
	LOAD1(&c, "db_cache_size = 1G");
	CHECK_INT(c.db_cache_size, 1ULL << 30);
	conf_free(&c);
	LOAD1(&c, "db_cache_size = 16G");
	CHECK_INT(c.db_cache_size, 16ULL << 30);
	conf_free(&c);
	LOAD1(&c, "history_max_bytes = 0");
	CHECK_INT(c.history_max_bytes, 0);
	conf_free(&c);

	ERR(MIN_CONF "max_stanza_size = 4095\n", 3, "out of range");
	ERR(MIN_CONF "max_stanza_size = 3K\n", 3, "out of range");
	ERR(MIN_CONF "max_stanza_size = 65M\n", 3, "out of range");
	ERR(MIN_CONF "max_stanza_size = 1G\n", 3, "out of range");
	ERR(MIN_CONF "db_cache_size = 17G\n", 3, "out of range");
	ERR(MIN_CONF "max_stanza_size = 1T\n", 3, "not a size");
	ERR(MIN_CONF "max_stanza_size = 64KB\n", 3, "not a size");
	ERR(MIN_CONF "max_stanza_size = K\n", 3, "not a size");
	ERR(MIN_CONF "max_stanza_size = 1 M\n", 3, "not a size");
	ERR(MIN_CONF "max_stanza_size = 1.5M\n", 3, "not a size");
	/* Multiplication overflow must not wrap into range. */
	ERR(MIN_CONF "max_stanza_size = 18014398509481985K\n", 3, "max_stanza_size");
	ERR(MIN_CONF "db_cache_size = 17179869185G\n", 3, "db_cache_size");
}

static void
durations(void)
{
	struct conf c;

	LOAD1(&c, "reconnect_max = 10");
	CHECK_INT(c.reconnect_max, 10);
	conf_free(&c);
	LOAD1(&c, "reconnect_max = 30s");
	CHECK_INT(c.reconnect_max, 30);
	conf_free(&c);
	LOAD1(&c, "reconnect_max = 5m");
	CHECK_INT(c.reconnect_max, 300);
	conf_free(&c);
	LOAD1(&c, "reconnect_max = 2h");
	CHECK_INT(c.reconnect_max, 7200);
	conf_free(&c);
	LOAD1(&c, "reconnect_max = 1d");
	CHECK_INT(c.reconnect_max, 86400);
	conf_free(&c);
	LOAD1(&c, "evict_idle = 30d");
	CHECK_INT(c.evict_idle, 30 * 86400);
	conf_free(&c);

	ERR(MIN_CONF "reconnect_max = 2d\n", 3, "out of range");
	ERR(MIN_CONF "reconnect_max = 0\n", 3, "out of range");
	ERR(MIN_CONF "reconnect_max = 0s\n", 3, "out of range");
	ERR(MIN_CONF "reconnect_max = 1w\n", 3, "not a duration");
	ERR(MIN_CONF "reconnect_max = 1M\n", 3, "not a duration");
	ERR(MIN_CONF "reconnect_max = 1ms\n", 3, "not a duration");
	ERR(MIN_CONF "reconnect_max = s\n", 3, "not a duration");
	/* Overflow of the unsigned field must not wrap into range. */
	ERR(MIN_CONF "evict_idle = 49710d\n", 3, "out of range");
}

static void
booleans(void)
{
	static const struct {
		const char	*v;
		bool		 want;
	} v[] = {
		{ "yes", true }, { "no", false }, { "true", true },
		{ "false", false }, { "on", true }, { "off", false },
		{ "YES", true }, { "Off", false }, { "1", true }, { "0", false },
	};
	struct conf c;
	char text[256], err[512];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		/* room_locking defaults to yes, allow_root to no: set both
		 * so each value is seen to change something. */
		snprintf(text, sizeof(text), MIN_CONF "room_locking = %s\n"
		    "allow_root = %s\n", v[i].v, v[i].v);
		CHECK_INT(load(&c, text, err, sizeof(err)), 0);
		CHECK_INT(c.room_locking, v[i].want);
		CHECK_INT(c.allow_root, v[i].want);
		conf_free(&c);
	}
	ERR(MIN_CONF "allow_root = maybe\n", 3, "not yes or no");
	ERR(MIN_CONF "allow_root = y\n", 3, "not yes or no");
	ERR(MIN_CONF "allow_root = yess\n", 3, "not yes or no");
	ERR(MIN_CONF "allow_root = 2\n", 3, "not yes or no");
}

static void
jid_lists(void)
{
	struct conf c;

	LOAD1(&c, "admins = Alice@Example.COM, bob@example.org/Laptop ,"
	    "  carol@example.net  ,,");
	CHECK_INT(c.nadmins, 3);
	if (c.nadmins == 3) {
		CHECK_STR(c.admins[0], "alice@example.com");
		CHECK_STR(c.admins[1], "bob@example.org");
		CHECK_STR(c.admins[2], "carol@example.net");
	}
	CHECK(conf_is_admin(&c, "alice@example.com"));
	CHECK(conf_is_admin(&c, "carol@example.net"));
	CHECK(!conf_is_admin(&c, "mallory@example.com"));
	CHECK(!conf_is_admin(&c, "example.com"));
	conf_free(&c);
	CHECK(c.admins == NULL && c.nadmins == 0);

	/* A single JID, and an empty list. */
	LOAD1(&c, "admins = root@localhost");
	CHECK_INT(c.nadmins, 1);
	conf_free(&c);
	{
		char err[512];

		CHECK_INT(load(&c, MIN_CONF "admins =\n", err, sizeof(err)), 0);
		CHECK_INT(c.nadmins, 0);
		conf_free(&c);
	}
	/* Domains. */
	LOAD1(&c, "local_domains = Example.COM, example.org. , xn--bcher-kva.example");
	CHECK_INT(c.nlocal_domains, 3);
	if (c.nlocal_domains == 3) {
		CHECK_STR(c.local_domains[0], "example.com");
		CHECK_STR(c.local_domains[1], "example.org");
		CHECK_STR(c.local_domains[2], "xn--bcher-kva.example");
	}
	conf_free(&c);

	ERR(MIN_CONF "admins = alice@example.com, @example.com\n", 3,
	    "invalid JID '@example.com'");
	ERR(MIN_CONF "admins = a<b@example.com\n", 3, "admins");
	/* Space is not a separator: two JIDs without a comma are refused
	 * rather than read as one odd address. */
	ERR(MIN_CONF "admins = alice@example.com bob@example.com\n", 3,
	    "admins");
	ERR(MIN_CONF "local_domains = example.com, exa mple.org\n", 3,
	    "invalid domain");
	ERR(MIN_CONF "local_domains = user@example.com\n", 3, "invalid domain");
}

static void
enums_and_strings(void)
{
	struct conf c;

	LOAD1(&c, "room_creation = local");
	CHECK_INT(c.room_creation, CREATE_LOCAL);
	conf_free(&c);
	LOAD1(&c, "room_creation = admins");
	CHECK_INT(c.room_creation, CREATE_ADMINS);
	conf_free(&c);
	LOAD1(&c, "reserved_nicks = enforce");
	CHECK_INT(c.reserved_nicks, NICKS_ENFORCE);
	conf_free(&c);
	LOAD1(&c, "reserved_nicks = assign");
	CHECK_INT(c.reserved_nicks, NICKS_ASSIGN);
	conf_free(&c);
	LOAD1(&c, "log_level = debug");
	CHECK_STR(c.log_level, "debug");
	conf_free(&c);
	LOAD1(&c, "log_level = warn");
	conf_free(&c);
	ERR(MIN_CONF "room_creation = everyone\n", 3, "anyone, local, admins");
	ERR(MIN_CONF "reserved_nicks = closed\n", 3, "open, enforce, assign");
	ERR(MIN_CONF "log_level = verbose\n", 3, "log_level");
	ERR(MIN_CONF "server =\n", 3, "empty value");

	/* The domain is prepared. */
	{
		char err[512];

		CHECK_INT(load(&c, "domain = MUC.Example.COM.\nsecret = x\n",
		    err, sizeof(err)), 0);
		CHECK_STR(c.domain, "muc.example.com");
		conf_free(&c);
	}
	ERR("domain = muc example.com\nsecret = x\n", 1, "invalid domain");
	ERR("domain = muc..example.com\nsecret = x\n", 1, "domain");
	ERR("secret = x\ndomain = room@muc.example.com\n", 2, "domain");
}

/* multicast: auto, no, or the service's JID, prepared; never mucd's
 * own domain. */
static void
multicast_keys(void)
{
	struct conf c;

	conf_defaults(&c);
	CHECK_STR(c.multicast, "auto");
	CHECK_INT(c.multicast_max_addresses, 100);
	conf_free(&c);
	LOAD1(&c, "multicast = no");
	CHECK_STR(c.multicast, "no");
	conf_free(&c);
	LOAD1(&c, "multicast = Multicast.Example.COM");
	CHECK_STR(c.multicast, "multicast.example.com");
	conf_free(&c);
	LOAD1(&c, "multicast = Relay@Example.COM");
	CHECK_STR(c.multicast, "relay@example.com");
	conf_free(&c);
	LOAD1(&c, "multicast_max_addresses = 2");
	CHECK_INT(c.multicast_max_addresses, 2);
	conf_free(&c);
	ERR(MIN_CONF "multicast = yes please\n", 3, "is not auto, no or a JID");
	ERR(MIN_CONF "multicast =\n", 3, "empty value");
	ERR(MIN_CONF "multicast_max_addresses = 1\n", 3, "out of range 2..10000");
	ERR(MIN_CONF "multicast_max_addresses = 10001\n", 3, "out of range");
	ERR(MIN_CONF "multicast = muc.example.com\n", 0, "own domain");
	ERR(MIN_CONF "multicast = relay@MUC.example.com\n", 0, "own domain");
}

static void
changed_key(void *arg, const char *key)
{
	snprintf(arg, 64, "%s", key);
}

/* metrics_listen: numeric addresses only, checked when the file is
 * read (so mucd -t and a reload refuse a bad one), kept over a reload. */
static void
listen_addresses(void)
{
	struct sockaddr_storage ss;
	struct conf c, old;
	char err[256], key[64] = "";
	socklen_t len;

	conf_defaults(&c);
	CHECK(c.metrics_listen == NULL);	/* off unless set */
	conf_free(&c);
	LOAD1(&c, "metrics_listen = 127.0.0.1:9127");
	CHECK_STR(c.metrics_listen, "127.0.0.1:9127");
	conf_free(&c);
	CHECK_INT(conf_listen_addr("127.0.0.1:9127", &ss, &len, err,
	    sizeof(err)), 0);
	CHECK_INT(ss.ss_family, AF_INET);
	CHECK_INT(len, sizeof(struct sockaddr_in));
	CHECK_INT(conf_listen_addr("[::1]:1", &ss, &len, err, sizeof(err)),
	    0);
	CHECK_INT(ss.ss_family, AF_INET6);
	CHECK_INT(len, sizeof(struct sockaddr_in6));
	CHECK_INT(conf_listen_addr("0.0.0.0:65535", &ss, &len, err,
	    sizeof(err)), 0);
	ERR(MIN_CONF "metrics_listen = 9127\n", 3, "is not ADDRESS:PORT");
	ERR(MIN_CONF "metrics_listen = 127.0.0.1:\n", 3, "ADDRESS:PORT");
	ERR(MIN_CONF "metrics_listen = :9127\n", 3, "ADDRESS:PORT");
	ERR(MIN_CONF "metrics_listen = 127.0.0.1:0\n", 3, "out of range");
	ERR(MIN_CONF "metrics_listen = 127.0.0.1:65536\n", 3, "out of range");
	ERR(MIN_CONF "metrics_listen = 127.0.0.1:99999999999999999999\n", 3,
	    "out of range");
	ERR(MIN_CONF "metrics_listen = 127.0.0.1:91x\n", 3, "not a number");
	ERR(MIN_CONF "metrics_listen = localhost:9127\n", 3,
	    "'localhost' is not a numeric IP address");
	ERR(MIN_CONF "metrics_listen = 127.0.0.256:9127\n", 3,
	    "not a numeric IP address");
	ERR(MIN_CONF "metrics_listen = ::1:9127\n", 3, "in brackets");
	ERR(MIN_CONF "metrics_listen = [::1:9127\n", 3,
	    "not a numeric IP address");
	ERR(MIN_CONF "metrics_listen = [127.0.0.1]:9127\n", 3,
	    "not a numeric IP address");
	ERR(MIN_CONF "metrics_listen =\n", 3, "empty value");

	/* A reload keeps the address it started with, and says so. */
	LOAD1(&old, "metrics_listen = 127.0.0.1:9127");
	LOAD1(&c, "metrics_listen = 127.0.0.1:9128");
	CHECK_INT(conf_keep_restart_keys(&c, &old, changed_key, key), 1);
	CHECK_STR(key, "metrics_listen");
	CHECK_STR(c.metrics_listen, "127.0.0.1:9127");
	conf_free(&old);
	conf_free(&c);
}

static void
syntax_errors(void)
{
	ERR(MIN_CONF "bogus_key = 1\n", 3, "unknown key 'bogus_key'");
	ERR(MIN_CONF "Port = 1\n", 3, "unknown key 'Port'");
	ERR(MIN_CONF "port 5347\n", 3, "expected 'key = value'");
	ERR(MIN_CONF "= 5347\n", 3, "unknown key ''");
	ERR(MIN_CONF "port = 1\nport = 2\n", 4, "'port' set twice");
	ERR("domain = a.example\n\n# x\n\ndomain = b.example\nsecret = s\n", 5,
	    "'domain' set twice");
	/* Line numbers count comments and blank lines. */
	ERR("# c\n\n\n\n\n\nnonsense\n", 7, "expected 'key = value'");
	/* An over-long line is an error, not silently split in two. */
	{
		char *text = malloc(10000);

		if (text == NULL) {
			CHECK(!"malloc");
			return;
		}
		strcpy(text, MIN_CONF "service_name = ");
		memset(text + strlen(text), 'x', 6000);
		strcpy(text + strlen(MIN_CONF "service_name = ") + 6000, "\n");
		ERR(text, 3, "too long");
		free(text);
	}
	/* A missing file names the file. */
	{
		struct conf c;
		char err[512], path[400];

		snprintf(path, sizeof(path), "%s/does-not-exist.conf",
		    unit_tmpdir());
		conf_defaults(&c);
		CHECK_INT(conf_load(&c, path, err, sizeof(err)), -1);
		CHECK(strncmp(err, path, strlen(path)) == 0);
		/* conf.h: on error "the struct is then freed". The callers
		 * rely on that and do not free it again, so the defaults
		 * must not be left allocated (they would leak). */
		CHECK(c.server == NULL && c.datadir == NULL &&
		    c.log_level == NULL);
		conf_free(&c);	/* keep LeakSanitizer quiet either way */
	}
}

static void
validation(void)
{
	ERR("domain = muc.example.com\n", 0, "'secret' is required");
	ERR("secret = x\n", 0, "'domain' is required");
	ERR(MIN_CONF "history_default = 50\nhistory_max = 40\n", 0,
	    "history_default");
	ERR(MIN_CONF "default_max_occupants = 100\nmax_occupants = 99\n", 0,
	    "default_max_occupants");
	ERR(MIN_CONF "datadir = var/lib/mucd\n", 0, "absolute");
	ERR(MIN_CONF "control = mucd.sock\n", 0, "absolute");
	{
		struct conf c;
		char err[512];

		/* Equal values are consistent. */
		CHECK_INT(load(&c, MIN_CONF "history_default = 40\n"
		    "history_max = 40\n", err, sizeof(err)), 0);
		conf_free(&c);
	}
}

struct dump {
	char	 text[16384];
	size_t	 len;
	unsigned lines;
};

static void
dump_out(void *arg, const char *line)
{
	struct dump *d = arg;
	int n;

	n = snprintf(d->text + d->len, sizeof(d->text) - d->len, "%s\n", line);
	if (n > 0 && d->len + (size_t)n < sizeof(d->text))
		d->len += (size_t)n;
	d->lines++;
}

static void
dump(void)
{
	const struct conf_key_info *ki;
	struct conf c;
	struct dump d;
	char err[512], want[128];
	size_t i, n;

	CHECK_INT(load(&c, "domain = muc.example.com\n"
	    "secret = Tr0ub4dor&3-uniquesecret\n"
	    "admins = a@example.com, b@example.com\n"
	    "max_stanza_size = 64K\n"
	    "reconnect_max = 2m\n"
	    "room_creation = admins\n", err, sizeof(err)), 0);
	memset(&d, 0, sizeof(d));
	conf_dump(&c, dump_out, &d);
	/* The secret never appears, in whole or in recognisable part. */
	CHECK(strstr(d.text, "Tr0ub4dor&3-uniquesecret") == NULL);
	CHECK(strstr(d.text, "Tr0ub4dor") == NULL);
	CHECK(strstr(d.text, "uniquesecret") == NULL);
	/* But the key is listed, so operators see that it is set. */
	CHECK(strstr(d.text, "\nsecret = ") != NULL);
	/* One line per key, each "key = value". */
	n = conf_keys(&ki);
	CHECK_INT(d.lines, n);
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "%s = ", ki[i].name);
		if (strncmp(d.text, want, strlen(want)) != 0 &&
		    strstr(d.text, want) == NULL)
			CHECK(!"key missing from dump");
	}
	CHECK(strstr(d.text, "domain = muc.example.com\n") != NULL);
	CHECK(strstr(d.text, "admins = a@example.com, b@example.com\n") != NULL);
	CHECK(strstr(d.text, "max_stanza_size = 65536\n") != NULL);
	CHECK(strstr(d.text, "reconnect_max = 120\n") != NULL);
	CHECK(strstr(d.text, "room_creation = admins\n") != NULL);
	CHECK(strstr(d.text, "room_locking = yes\n") != NULL);
	conf_free(&c);

	/* Without a secret the dump still works. */
	conf_defaults(&c);
	memset(&d, 0, sizeof(d));
	conf_dump(&c, dump_out, &d);
	CHECK_INT(d.lines, n);
	conf_free(&c);
}

/* A dumped configuration (minus the secret) loads back to the same one. */
static void
dump_round_trip(void)
{
	struct conf c;
	struct dump d1, d2;
	char err[512], *text, *p, *line;
	size_t len;

	CHECK_INT(load(&c, "domain = muc.example.com\nsecret = s\n"
	    "admins = x@example.com\nlocal_domains = example.com\n"
	    "control_group = mucd\ncontrol_readonly_group = staff\n"
	    "user = mucd\ngroup = mucd\n"
	    "default_language = en\nmetrics_listen = [::1]:9127\n"
	    "repl_local = h.example:5800\nrepl_peers = g.example:5800\n"
	    "repl_ack_policy = one\n", err, sizeof(err)), 0);
	memset(&d1, 0, sizeof(d1));
	conf_dump(&c, dump_out, &d1);
	conf_free(&c);
	/* Rebuild a file from the dump, putting the real secret back. */
	if ((text = malloc(sizeof(d1.text) + 64)) == NULL) {
		CHECK(!"malloc");
		return;
	}
	len = 0;
	for (line = d1.text; (p = strchr(line, '\n')) != NULL; line = p + 1) {
		if (strncmp(line, "secret = ", 9) == 0)
			len += (size_t)sprintf(text + len, "secret = s\n");
		else {
			memcpy(text + len, line, (size_t)(p - line + 1));
			len += (size_t)(p - line + 1);
		}
	}
	text[len] = '\0';
	if (load(&c, text, err, sizeof(err)) != 0) {
		fprintf(stderr, "    reload: %s\n", err);
		CHECK(!"dump does not load back");
		free(text);
		return;
	}
	memset(&d2, 0, sizeof(d2));
	conf_dump(&c, dump_out, &d2);
	CHECK_STR(d2.text, d1.text);
	conf_free(&c);
	free(text);
}

/* Only a regular file is read; a NUL byte is an error at its line. */
static void
file_kinds(void)
{
	struct conf c;
	char err[512], path[400];
	FILE *f;

	conf_defaults(&c);
	CHECK_INT(conf_load(&c, "/dev/zero", err, sizeof(err)), -1);
	CHECK(strstr(err, "/dev/zero: a device, not a regular file") != NULL);
	conf_defaults(&c);
	CHECK_INT(conf_load(&c, unit_tmpdir(), err, sizeof(err)), -1);
	CHECK(strstr(err, "a directory") != NULL);
	snprintf(path, sizeof(path), "%s/nul.conf", unit_tmpdir());
	if ((f = fopen(path, "w")) == NULL) {
		CHECK(!"fopen");
		return;
	}
	fputs(MIN_CONF, f);
	fwrite("service_name = a\0bcdef\n", 1, 24, f);
	fclose(f);
	conf_defaults(&c);
	CHECK_INT(conf_load(&c, path, err, sizeof(err)), -1);
	CHECK(strstr(err, "nul.conf:3: NUL byte") != NULL);
}

/* load() with the file's mode set first; conf_check_service's verdict. */
static int
service(const char *text, mode_t mode, char *err, size_t errlen)
{
	const char *path = write_conf(text);
	struct conf c;
	int rc;

	CHECK(chmod(path, mode) == 0);
	conf_defaults(&c);
	if (conf_load(&c, path, err, errlen) == -1)
		return -2;
	rc = conf_check_service(&c, path, err, errlen);
	conf_free(&c);
	return rc;
}

static void
service_checks(void)
{
	char err[512];

	CHECK_INT(service("domain = m.example\nsecret = 0123456789abcdef\n",
	    0640, err, sizeof(err)), 0);
	CHECK_INT(service("domain = m.example\n\nsecret = change-me\n", 0600,
	    err, sizeof(err)), -1);
	CHECK(strstr(err, ".conf:3: 'secret' is the example 'change-me'") !=
	    NULL);
	CHECK_INT(service("secret = 0123456789abcde\ndomain = m.example\n",
	    0600, err, sizeof(err)), -1);
	CHECK(strstr(err, ".conf:1: 'secret' is 15 bytes long") != NULL);
	CHECK_INT(service("domain = m.example\nsecret = 0123456789abcdef\n",
	    0644, err, sizeof(err)), -1);
	CHECK(strstr(err, ".conf:2: the component secret is readable by "
	    "everyone (mode 0644)") != NULL);
	CHECK_INT(service("domain = m.example\nsecret = 0123456789abcdef\n",
	    0620, err, sizeof(err)), -1);
	CHECK(strstr(err, "writable by its group (mode 0620)") != NULL);
	CHECK_INT(service("domain = m.example\nsecret = 0123456789abcdef\n",
	    0606, err, sizeof(err)), -1);
	CHECK(strstr(err, "writable by everyone") != NULL);
}

/* The replication keys: off by default, addresses checked, the group
 * consistent. */
static void
replication(void)
{
	char host[CONF_HOST_MAX + 1];
	const char *why;
	unsigned port;
	struct conf c;

	conf_defaults(&c);
	CHECK(c.repl_local == NULL);
	CHECK_INT(c.nrepl_peers, 0);
	CHECK_INT(c.repl_priority, 100);
	CHECK_INT(c.repl_ack_policy, ACKS_QUORUM);
	CHECK(c.repl_2site_strict);
	conf_free(&c);

	LOAD1(&c, "repl_local = 10.0.0.1:5800\n"
	    "repl_peers = 10.0.0.2:5800, [fd00::3]:5800 ,db4.example:7\n"
	    "repl_priority = 0\nrepl_ack_policy = all\n"
	    "repl_2site_strict = no");
	CHECK_STR(c.repl_local, "10.0.0.1:5800");
	CHECK_INT(c.nrepl_peers, 3);
	if (c.nrepl_peers == 3) {
		CHECK_STR(c.repl_peers[1], "[fd00::3]:5800");
		CHECK_STR(c.repl_peers[2], "db4.example:7");
	}
	CHECK_INT(c.repl_priority, 0);
	CHECK_INT(c.repl_ack_policy, ACKS_ALL);
	CHECK(!c.repl_2site_strict);
	conf_free(&c);

	CHECK_INT(conf_addr_split("[::1]:5800", host, sizeof(host), &port,
	    &why), 0);
	CHECK_STR(host, "::1");
	CHECK_INT(port, 5800);
	CHECK_INT(conf_addr_split("h.example:1", host, sizeof(host), &port,
	    &why), 0);
	CHECK_STR(host, "h.example");

	ERR(MIN_CONF "repl_local = 10.0.0.1\n", 3, "repl_local: invalid "
	    "address '10.0.0.1': expected HOST:PORT");
	ERR(MIN_CONF "repl_local = 10.0.0.1:0\n", 3, "port is not a number "
	    "from 1 to 65535");
	ERR(MIN_CONF "repl_local = 10.0.0.1:65536\n", 3, "1 to 65535");
	ERR(MIN_CONF "repl_local = :5800\n", 3, "no host before the port");
	ERR(MIN_CONF "repl_local = ::1:5800\n", 3, "IPv6 address goes in "
	    "brackets");
	ERR(MIN_CONF "repl_local = a:1\nrepl_peers = b:2, c\n", 4,
	    "repl_peers: invalid address 'c': expected HOST:PORT");
	ERR(MIN_CONF "repl_ack_policy = most\n", 3, "'most' is not one of "
	    "quorum, all, one, none");
	ERR(MIN_CONF "repl_peers = b:2\n", 0, "repl_peers is set but "
	    "repl_local is not");
	ERR(MIN_CONF "repl_local = A.example:2\nrepl_peers = b:2, "
	    "a.example:2\n", 0, "repl_peers names this site's own address "
	    "a.example:2");
	ERR(MIN_CONF "repl_local = a:1\nrepl_peers = b:2, c:3, B:2\n", 0,
	    "repl_peers names B:2 twice");
}

const struct unit_test unit_tests[] = {
	TEST(defaults),
	TEST(minimal),
	TEST(comments_and_blanks),
	TEST(numbers),
	TEST(sizes),
	TEST(durations),
	TEST(booleans),
	TEST(jid_lists),
	TEST(enums_and_strings),
	TEST(listen_addresses),
	TEST(multicast_keys),
	TEST(syntax_errors),
	TEST(validation),
	TEST(dump),
	TEST(dump_round_trip),
	TEST(file_kinds),
	TEST(service_checks),
	TEST(replication),
	{ NULL, NULL }
};
