/*
 * scsrun: plays scansion (.scs) scripts through a real XMPP server as
 * c2s clients. See /work/shared/conformance/README.md for the semantics
 * and tests/scenarios/README.md for how the project uses it.
 *
 * Layout, one concern per file:
 *   script.c   parse a .scs file into client definitions and actions
 *   stanza.c   expand ${...} variables and parse stanza text
 *   net.c      sockets and the poll() loop that drives every connection
 *   client.c   the c2s login state machine and per-client receive queues
 *   match.c    expected-versus-received stanza matching
 *   capture.c  values captured from received stanzas, used later
 *   run.c      executing a script and reporting
 *   probe.c    the --probe and --free-port helpers for the fixture
 *   util.c     clock, tracing, small string helpers
 *   main.c     command line
 *
 * There is no global mutable state: everything lives in one struct ctx.
 */
#ifndef SCSRUN_H
#define SCSRUN_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "jid.h"
#include "xml.h"

#define SCS_NS		"https://matthewwild.co.uk/projects/scansion"
#define SCS_VALUE	"{scansion:"	/* starts the runner's reserved values */
#define NS_CLIENT	"jabber:client"
#define NS_SASL		"urn:ietf:params:xml:ns:xmpp-sasl"
#define NS_BIND		"urn:ietf:params:xml:ns:xmpp-bind"
#define NS_SESSION	"urn:ietf:params:xml:ns:xmpp-session"
#define NS_STANZAS	"urn:ietf:params:xml:ns:xmpp-stanzas"
#define NS_DISCO_INFO	"http://jabber.org/protocol/disco#info"

/* Bounds: a misbehaving server (or script) must not exhaust memory. */
#define MAX_STANZA	(1024 * 1024)	/* bytes per stanza, both ways */
#define MAX_DEPTH	64		/* element nesting in a stanza */
#define MAX_QUEUE	10000		/* unread stanzas per client */
#define MAX_KEPT_SKIPS	200		/* skipped stanzas kept for a report */
#define MAX_SHOWN	8192		/* bytes of one stanza in a report */
#define OUTBUF_CAP	(4 * 1024 * 1024) /* unsent bytes per client */
#define MAX_CLIENTS	64		/* clients per script */
#define MAX_ACTIONS	100000		/* actions per script */
#define MAX_SCRIPT	(16 * 1024 * 1024) /* script file size */
#define CLOSE_WAIT_MS	2000		/* wait for the server's </stream> */
#define MAX_CAPTURES	4096		/* captured values per script */
#define MAX_CAPTURE_NAME 64		/* bytes of a capture's name */

struct opts {
	const char	*host;
	const char	*port;
	const char	*server_domain;	/* for --probe's throwaway user */
	long		 timeout_ms;
	long		 settle_ms;
	bool		 strict;
	bool		 verbose;
	const char	*skip_log;	/* "LINE COUNT" per receives that skipped */
};

/* Script model. */
struct client_def {
	char		*name;
	char		*jid;
	char		*password;
	unsigned	 line;
};

enum act_kind { ACT_CONNECT, ACT_DISCONNECT, ACT_SEND, ACT_RECEIVE };

struct action {
	enum act_kind	 kind;
	size_t		 client;	/* index into script.defs */
	unsigned	 line;
	char		*text;		/* stanza template (sends/receives) */
};

struct script {
	char		*path;
	char		*name;		/* file name without directory, .scs */
	struct client_def *defs;
	size_t		 ndefs;
	struct action	*acts;
	size_t		 nacts;
};

/* Connections. */
enum cstate {
	CS_IDLE,	/* no connection */
	CS_CONNECTING,	/* TCP connect in progress */
	CS_FEATURES,	/* stream header sent, waiting for <features/> */
	CS_AUTH,	/* <auth/> sent */
	CS_BIND,	/* bind iq sent */
	CS_SESSION,	/* session iq sent */
	CS_READY,	/* logged in: stanzas go to the queue */
	CS_CLOSING,	/* </stream:stream> sent, waiting for the server's */
	CS_DEAD		/* failed or closed by the server; err says why */
};

struct qent {
	struct qent	*next;
	struct xnode	*stanza;
};

struct ctx;

struct client {
	struct ctx	*ctx;
	const char	*name;
	const char	*password;
	struct jid	*jid;		/* configured JID, prepared */
	int		 fd;
	enum cstate	 state;
	bool		 authed;	/* SASL done: next features are post-auth */
	bool		 restart;	/* stream restart due after this read */
	bool		 sess_needed;	/* server wants a session iq */
	struct xml_stream *xs;
	struct buf	 out;
	char		 bound[JID_MAX + 1];	/* "" until bound */
	char		 bound_bare[JID_BARE_MAX + 1];
	struct qent	*qhead, *qtail;
	size_t		 qlen;
	char		 err[512];
};

/* Captured values by name (capture.c). */
struct capture {
	char		*name;
	char		*value;
};

struct captures {
	struct capture	*v;
	size_t		 n;
};

/* What one successful match bound: spans into the expected stanza (the
 * name) and the received one (the value), valid while both live. */
struct taken_one {
	const char	*name, *value;
	size_t		 nlen, vlen;
};

struct taken {
	struct taken_one *v;
	size_t		 n, cap;
	bool		 oom;
};

struct ctx {
	struct opts	 o;
	struct client	*cl;
	size_t		 ncl;
	struct captures	 caps;		/* the running script's captures */
	long long	 t0;		/* trace timestamps are relative to this */
	unsigned long	 serial;	/* for iq ids */
};

/* util.c */
long long	 now_ms(void);
void		 trace(struct ctx *, const struct client *, const char *dir,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void		 trace_node(struct ctx *, const struct client *,
		    const char *dir, const struct xnode *);
char		*trim(char *);
void		 span_trim(const char *, const char **b, size_t *n);
bool		 is_blank(const char *);
char		*xstrdup(const char *);
/* Serialize for humans: stanza in the jabber:client default namespace,
 * cut at MAX_SHOWN bytes. Appends to b; -1 on OOM. */
int		 show_node(struct buf *, const struct xnode *);

/* script.c */
int		 script_load(const char *path, struct script *, struct buf *err);
void		 script_free(struct script *);

/* stanza.c */
enum var_kind {
	VAR_FULL_JID,	/* ${Name's full JID} */
	VAR_BARE_JID,	/* ${Name's JID} */
	VAR_CAPTURE	/* ${capture:NAME} */
};
typedef const char *(*resolve_fn)(void *arg, enum var_kind,
		    const char *name, char *err, size_t errlen);
int		 stanza_expand(const char *tmpl, resolve_fn, void *arg,
		    struct buf *out, char *err, size_t errlen);
struct xnode	*stanza_parse(const char *text, struct xnode **elem,
		    char *err, size_t errlen);
void		 stanza_strip_directives(struct xnode *);

/* net.c */
int		 net_connect(struct client *, const char *host, const char *port);
void		 net_close(struct client *);
int		 net_write(struct client *, const char *, size_t);
int		 net_flush(struct client *);
typedef bool	(*done_fn)(void *arg);
int		 net_pump(struct ctx *, long long deadline, done_fn, void *arg);
int		 net_free_port(void);

/* client.c */
int		 client_init(struct client *, struct ctx *, const char *name,
		    const char *jid, const char *password, char *err,
		    size_t errlen);
void		 client_fini(struct client *);
int		 client_connect(struct client *, long timeout_ms);
int		 client_send(struct client *, const struct xnode *);
void		 client_disconnect(struct ctx *, struct client **, size_t n);
struct xnode	*client_pop(struct client *);
void		 client_clear_queue(struct client *);
void		 client_io(struct client *, short revents);
const char	*client_state_name(enum cstate);
void		 stanza_error_desc(const struct xnode *, char *, size_t);
bool		 client_connected(const struct client *);

/* match.c */
/* taken NULL: only decide. Otherwise also note what the expected
 * stanza's capture markers bound (call it so only once it matched). */
bool		 match_stanza(const struct xnode *exp, const struct xnode *got,
		    struct taken *, char *why, size_t whylen);
bool		 is_absent(const struct xnode *exp);

/* capture.c */
bool		 capture_is_marker(const char *value);
/* The NAME of "{scansion:capture:NAME}" (value is vlen bytes); -1 if
 * malformed. */
int		 capture_marker_name(const char *value, size_t vlen,
		    const char **name, size_t *len);
bool		 capture_name_valid(const char *name, size_t len);
const char	*capture_get(const struct captures *, const char *name,
		    size_t len);
/* Bind name (once: -1 if already bound) to a copy of value. */
int		 capture_set(struct captures *, const char *name, size_t nlen,
		    const char *value, size_t vlen, char *err, size_t errlen);
void		 capture_free(struct captures *);
void		 taken_add(struct taken *, const char *name, size_t nlen,
		    const char *value, size_t vlen);
void		 taken_free(struct taken *);

/* run.c */
int		 run_script(struct ctx *, const struct script *);

/* probe.c */
int		 probe_main(struct ctx *, const char *domain);

#endif
