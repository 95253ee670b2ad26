/*
 * mucbench: load generator and meter for mucd.
 *
 * Component mode: mucbench plays the XMPP server's side of XEP-0114. It
 * listens on loopback, starts mucd, accepts its connection, checks the
 * handshake, then injects stanzas from simulated users and reads
 * everything mucd sends back with a streaming scan on stanza boundaries
 * (no trees), so the tool stays cheaper than the daemon it measures.
 *
 * End-to-end mode: real c2s clients through a private Prosody or
 * ejabberd, with mucd attached as the MUC component (one copy per
 * recipient, then through the server's multicast service), then with the
 * server's own MUC.
 *
 * One event loop (epoll), non-blocking sockets, one context (struct
 * bench); every buffer has a cap and every phase a deadline.
 */
#ifndef MUCBENCH_H
#define MUCBENCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "buf.h"

#define USER_DOMAIN	"bench.example"
#define MUC_DOMAIN	"muc.bench.example"
#define NS_MUC		"http://jabber.org/protocol/muc"
#define NS_MUC_OWNER	"http://jabber.org/protocol/muc#owner"
#define NS_MUC_ADMIN	"http://jabber.org/protocol/muc#admin"
#define NS_XDATA	"jabber:x:data"
#define NS_STREAM	"http://etherx.jabber.org/streams"

#define LINK_IN_CAP	(64u << 20)	/* read side of the component link */
#define LINK_OUT_CAP	(256u << 20)	/* what we may queue towards mucd */
#define CLIENT_IN_CAP	(4u << 20)
#define CLIENT_OUT_CAP	(1u << 20)
#define READ_BUDGET	(8u << 20)	/* bytes per connection per wakeup */

/* ---- util.c ---- */
uint64_t	 now_ns(void);
void		 die(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
void		 warnx_(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));
void		*xcalloc(size_t n, size_t size);	/* dies on OOM */
/* Printf into a fixed buffer; dies if it does not fit. */
void		 fmt(char *dst, size_t len, const char *f, ...)
		    __attribute__((format(printf, 3, 4)));
void		 bput(struct buf *, const char *f, ...)
		    __attribute__((format(printf, 2, 3)));
/* mode: mucd refuses a configuration others may read (0600 for it). */
int		 write_file(const char *path, const char *text, mode_t mode);
int		 rm_rf(const char *dir);

/* ---- scan.c: stanza boundaries in a byte stream ---- */
enum stz_kind { STZ_OPEN, STZ_STANZA, STZ_CLOSE };

struct stz {
	enum stz_kind	 kind;
	const char	*p;		/* the stanza (or stream header tag) */
	size_t		 len;
	size_t		 taglen;	/* its first tag, '<' to '>' */
};

struct scan {
	unsigned	 depth;		/* 0 outside the stream root */
	size_t		 pos;		/* resume here (from buffer head) */
	size_t		 start;		/* open stanza's start (from head) */
	bool		 reset;		/* stream restart requested */
};

typedef void	(*stz_cb)(void *arg, const struct stz *);
void		 scan_init(struct scan *);
/* Scan what is new in in, report complete stanzas, consume them. */
int		 scan_feed(struct scan *, struct buf *in, stz_cb, void *arg);
/* First-tag attribute: pointer and length of its (escaped) value. */
bool		 stz_attr(const struct stz *, const char *name,
		    const char **v, size_t *vlen);
bool		 stz_attr_is(const struct stz *, const char *name,
		    const char *value);
bool		 stz_is(const struct stz *, const char *name);
bool		 stz_has(const struct stz *, const char *needle);
/* Number following prefix in the attribute (e.g. to='u123@...'). */
bool		 stz_attr_num(const struct stz *, const char *name,
		    const char *prefix, uint64_t *out);
/* The common first-tag attributes, in one pass. */
struct sv {
	const char	*p;		/* NULL: absent */
	size_t		 n;
};
struct attrs {
	struct sv	 to, from, id, type;
};
void		 stz_attrs(const struct stz *, struct attrs *);
bool		 sv_is(const struct sv *, const char *);
/* prefix then digits (e.g. 'u' in u123@..., 'm' in m42): the number. */
bool		 sv_num(const struct sv *, char prefix, uint64_t *out);
/* Does stanza carry <status code='N'/>? */
bool		 stz_status(const struct stz *, const char *code);
/* Inside the stanza (after its first tag), the first <tag ...>: one of
 * its attributes, or its text up to the next tag. */
bool		 stz_child_attr(const struct stz *, const char *tag,
		    const char *name, struct sv *out);
bool		 stz_child_text(const struct stz *, const char *tag,
		    struct sv *out);

/* ---- mamq.c: XEP-0313 queries (forwards from an id, backwards with
 * RSM <before>, or from a time) and their answers ---- */
struct conn;
enum mamq_kind { MAMQ_AFTER_ID, MAMQ_BEFORE, MAMQ_START };

/* from: NULL on a c2s stream. ref: the stanza-id (none: the last page
 * for MAMQ_BEFORE) or the start stamp. id and queryid are both qid. */
void		 mamq_send(struct conn *, const char *from, const char *room,
		    const char *qid, enum mamq_kind, const char *ref,
		    unsigned max);
/* A result message: its id and the forwarded message's own id. */
bool		 mamq_result(const struct stz *, struct sv *id,
		    struct sv *inner_id);
/* An IQ carrying <fin>: the page's first and last ids. */
bool		 mamq_fin(const struct stz *, struct sv *first, struct sv *last,
		    bool *complete);

/* ---- proc.c: child processes and their /proc counters ---- */
struct proc {
	pid_t		 pid;
	char		 name[32];
	char		 log[PATH_MAX];
};

int		 proc_spawn(struct proc *, const char *name, char *const argv[],
		    const char *logpath, int cpu);
/* SIGTERM, wait up to ms, then SIGKILL. Returns the wait status. */
int		 proc_stop(struct proc *, unsigned ms);
/* Also for a pid that is not our child (a daemon a script started). */
bool		 proc_alive(struct proc *);
double		 proc_cpu_s(pid_t);	/* utime + stime from /proc/PID/stat */
double		 proc_sched_s(pid_t);	/* /proc/PID/schedstat: ns precision */
/* Every thread of pid and of its descendants, from schedstat. */
double		 proc_tree_sched_s(pid_t);
/* Spawn argv, wait for it; its exit status, or -1. */
int		 proc_run(char *const argv[], const char *logpath);
/* schedstat's first two fields: ns on a CPU, ns runnable but waiting. */
int		 proc_sched_ns(pid_t, uint64_t *run, uint64_t *wait);
double		 self_cpu_s(void);
long		 proc_rss_kb(pid_t);	/* VmRSS from /proc/PID/status */
int		 pin_self(int cpu);
void		 machine_info(char *out, size_t len, char *model, size_t mlen);
int		 raise_nofile(unsigned long want);

/* ---- stats.c: latency samples, results ---- */
struct samples {
	uint64_t	*v;		/* ns */
	size_t		 n, cap, dropped;
};

void		 samples_init(struct samples *, size_t cap);
void		 samples_free(struct samples *);
void		 samples_add(struct samples *, uint64_t ns);
/* Sorts in place; q in [0,1]; returns ms. */
double		 samples_q_ms(struct samples *, double q);
/* Sorts in place; -1 when n is 0. */
double		 median(double *v, size_t n);

/* A result row: printed in the table and as one JSON line. */
#define ROW_MAX_KV	40
struct row {
	char		 scenario[32];
	char		 params[64];
	double		 rate;
	char		 unit[24];
	double		 p50, p99, max;		/* ms; <0: n/a */
	double		 cpu_ms_per_k;		/* mucd, ms per 1000 delivered */
	char		 note[160];
	unsigned	 nkv;
	struct { char k[32]; char v[64]; bool str; } kv[ROW_MAX_KV];
};

void		 row_init(struct row *, const char *scenario, const char *params);
void		 row_num(struct row *, const char *k, double v);
void		 row_str(struct row *, const char *k, const char *v);
void		 row_lat(struct row *, struct samples *, const char *prefix);
void		 table_header(FILE *);
void		 table_row(FILE *, const struct row *);

/* ---- conn.c: non-blocking connections ---- */
struct bench;
struct conn;

typedef void	(*conn_stz_cb)(struct bench *, struct conn *,
		    const struct stz *);

struct conn {
	int		 fd;
	struct buf	 in, out;
	struct scan	 sc;
	uint32_t	 events;
	bool		 dirty;		/* in the bench's flush list */
	bool		 dead;
	conn_stz_cb	 on_stz;
	struct bench	*b;
	size_t		 idx;		/* owner's index (client number) */
	char		 err[160];
};

void		 conn_init(struct conn *, struct bench *, int fd, size_t incap,
		    size_t outcap, conn_stz_cb, size_t idx);
void		 conn_close(struct conn *);
/* Queue bytes; written at the end of the loop turn. */
void		 conn_send(struct conn *, const char *p, size_t n);
void		 conn_sendf(struct conn *, const char *f, ...)
		    __attribute__((format(printf, 2, 3)));
int		 conn_flush(struct conn *);
void		 conn_event(struct conn *, uint32_t ev);
int		 listen_loopback(unsigned short *port);
int		 connect_loopback(unsigned short port);
int		 free_port(unsigned short *port);

/* ---- loop (comp.c) ---- */
typedef bool	(*cond_fn)(struct bench *);
/* Run until cond is true; -1 on timeout or a dead connection. */
int		 bench_run(struct bench *, cond_fn, uint64_t timeout_ms);

/* ---- options and the context ---- */
/* e2e: most fan-out runs of one mode (--e2e-reps). */
#define E2E_MAX_REPS	9

struct opts {
	const char	*mucd;		/* binary */
	const char	*wrap;		/* e.g. "valgrind --tool=callgrind" */
	const char	*results;	/* JSON lines file */
	const char	*only;		/* comma list of scenarios */
	const char	*prosody;
	const char	*git;
	unsigned	 sizes[8];	/* fan-out room sizes */
	unsigned	 nsizes;
	unsigned long	 deliveries;	/* per fan-out saturation run */
	bool		 fan_archive;	/* archive_default of the fan-out rows */
	unsigned	 arch_size;	/* fan-out run with and without archive */
	unsigned	 arch_reps;	/* ... so many pairs */
	unsigned long	 mam_messages;	/* archived before the MAM queries */
	unsigned	 mam_queries;	/* of each kind */
	unsigned	 catchup_clients;
	unsigned	 join_users, join_rooms;
	unsigned	 idle_rooms;
	unsigned	 churn_stable, churn_users, churn_secs;
	unsigned	 admin_ops;
	const char	*datadir;	/* cold: an existing data directory */
	unsigned	 cold_rooms, cold_joins;
	unsigned	 e2e_clients;
	unsigned long	 e2e_deliveries;
	unsigned	 e2e_reps;	/* fan-out runs of each mode */
	const char	*e2e_modes;	/* comma list, NULL: all */
	double		 half_secs;
	bool		 keep;		/* keep run directories */
	bool		 pin;
	bool		 cg_phases;	/* callgrind_control -d at phase edges */
	bool		 quiet;
};

struct bench {
	struct opts	 o;
	int		 epfd;
	uint64_t	 now;		/* ns, refreshed every loop turn */
	struct conn	 link;		/* component mode: the mucd link */
	int		 lfd;		/* listening socket */
	unsigned short	 port;
	char		 secret[33];
	char		 sid[17];	/* our stream id */
	bool		 up;		/* handshake done */
	struct proc	 mucd, server;	/* server: Prosody or ejabberd */
	char		 dir[PATH_MAX];	/* this run's scratch directory */
	char		 machine[256], cpumodel[128];
	/* The running scenario: its stanza handler, pacing hook, state. */
	conn_stz_cb	 on_stanza;
	uint64_t	(*tick)(struct bench *);	/* next call (ns) or 0 */
	void		*st;
	uint64_t	 delivered;	/* stanzas received since reset */
	struct conn    **dirty;	/* connections with queued output */
	size_t		 ndirty, cdirty;
	FILE		*json;
	unsigned	 cg_part;
};

/* ---- repl.c: a replication group around the component-mode mucd ---- */
struct repl_group {
	char		 dir[PATH_MAX - 64];
	char		 site_dir[2][PATH_MAX];
	char		 acks[16];
	unsigned short	 port[3];	/* the master's, then the replicas' */
	struct proc	 site[2];	/* the replicas */
	char		 master_extra[512];	/* for comp_start */
};
/* Start two replicas that are never elected, with acknowledgement
 * policy acks; then comp_start(b, g->master_extra). */
int		 repl_start(struct bench *, struct repl_group *, const char *acks);
/* Right after a load (mucd still running): how many bytes of log the
 * farthest replica is behind the master, and how long until every
 * replica holds all of it; one row, "repl-lag", for what (N=n). */
int		 repl_lag(struct bench *, struct repl_group *, const char *what,
		    unsigned n);
/* After comp_stop: stop the replicas; rc and theirs, -1 if any failed. */
int		 repl_stop(struct bench *, struct repl_group *, int rc);

/* ---- comp.c: component side of XEP-0114 and mucd's life cycle ---- */
int		 comp_start(struct bench *, const char *extra_conf);
/* The link's secret and listening port, ahead of comp_start (which does
 * it itself otherwise): for configurations that need them first. */
void		 comp_prepare(struct bench *);
/* DIR/mucd.conf for a mucd of this run over DATADIR, with extra lines. */
int		 comp_conf_write(struct bench *, const char *dir,
		    const char *datadir, const char *extra);
int		 comp_stop(struct bench *);	/* -1: mucd exited abnormally */
/* comp_stop in two steps, to look at the data directory in between:
 * stop mucd (cleanly: a checkpoint), then remove the scratch directory
 * unless --keep or rc says mucd failed. */
int		 comp_halt(struct bench *);
void		 comp_clean(struct bench *, int rc);
void		 comp_phase(struct bench *, const char *label);
/* Builders for the simulated users' stanzas (from = uN@bench.example/r). */
void		 send_join(struct bench *, unsigned user, const char *room,
		    const char *nick, int maxhist);
void		 send_leave(struct bench *, unsigned user, const char *room,
		    const char *nick);
void		 send_groupchat(struct bench *, unsigned user, const char *room,
		    uint64_t seq);
void		 send_config(struct bench *, unsigned user, const char *room,
		    const char *id, bool persistent, bool mod_broadcast);
void		 emit(struct bench *, struct row *);
/* CPU of mucd (stat ticks and schedstat ns) and of mucbench itself. */
struct meter {
	uint64_t	 t;
	double		 stat, sched, self;
};
void		 meter_read(struct bench *, struct meter *);
/* cpu_ms_per_k and the CPU fields of r from two readings. */
void		 meter_row(struct row *, const struct meter *,
		    const struct meter *, double delivered);

/* Scenarios (component mode). Each starts and stops its own mucd. */
/* The saturation row's numbers, for the archive comparison. */
struct fan_res {
	double		 rate;		/* delivered stanzas/s */
	double		 per_cpu;	/* delivered per mucd CPU-second */
	double		 p50, p99;	/* ms */
};
int		 scen_fanout(struct bench *, unsigned n, bool archive,
		    struct fan_res *);
/* The fan-out at n with archive_default = no, then yes, and the ratio. */
int		 scen_fanout_archive(struct bench *, unsigned n);
/* The fan-out at n, archived, the store replicated (quorum of 3): its
 * rate, and how far the replicas trail when the load stops. */
int		 scen_fanout_repl(struct bench *, unsigned n);
int		 scen_mam(struct bench *);
int		 scen_joins(struct bench *);
int		 scen_rooms(struct bench *);
int		 scen_churn(struct bench *);
int		 scen_admin(struct bench *);
int		 scen_cold(struct bench *);

/* ---- e2e.c ---- */
enum e2e_kind { E2E_PROSODY, E2E_EJABBERD };
int		 run_e2e(struct bench *, enum e2e_kind);

#endif
