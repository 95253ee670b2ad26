/* e2e: shared by e2e.c (the runs), ejabberd.c (that server), client.c
 * (c2s clients) and catchup.c (the MAM catch-up). */
#ifndef MUCBENCH_E2E_H
#define MUCBENCH_E2E_H

#include "mucbench.h"

enum cl_state { CL_FEATURES, CL_AUTH, CL_FEATURES2, CL_BIND, CL_READY };

struct e2e;

/* The server the clients log in to: how a run starts and stops it (its
 * ports, the component secret and b->server are set by start), how its
 * CPU is counted, and what its modes need. */
struct e2e_server {
	const char	*name;		/* "prosody", "ejabberd" */
	int		(*start)(struct e2e *);
	void		(*stop)(struct e2e *);
	double		(*cpu)(pid_t);
	const char	*multicast;	/* mucd's multicast = in that mode */
	const char	*archive_var;	/* its own MUC's room form field */
};

extern const struct e2e_server e2e_prosody, e2e_ejabberd;

struct client {
	struct conn	 c;		/* first: the callback casts back */
	struct e2e	*e;
	enum cl_state	 st;
	bool		 joined;
	uint64_t	 join_t;
};

/* The MAM catch-up of one run (catchup.c). */
struct cu_result {
	bool		 ok;
	const char	*server;		/* its name */
	unsigned	 clients, depth;
	double		 fill_s;		/* archiving the room's messages */
	double		 total_s;		/* first query -> last page */
	double		 msgs_per_s;		/* forwarded, over all clients */
	double		 page_p50, page_p99, page_max;		/* ms */
	double		 client_p50, client_p99, client_max;	/* ms */
	double		 cpu_server, cpu_mucd;	/* seconds in the catch-up */
	uint64_t	 wrong, errors;
	double		 result_bytes;		/* mean, as received */
};

struct catchup;

struct e2e_result {
	bool		 ok;
	const char	*server;		/* its name */
	unsigned	 clients, occupants;
	double		 login_s, join_s;
	double		 rate, msgs;		/* delivered stanzas/s */
	double		 p50, p99, max;
	double		 cpu_server, cpu_mucd;	/* seconds in the fan-out */
	double		 delivered;
	long		 rss_p0, rss_p1, rss_m0, rss_m1;	/* kB */
	long		 rss_p_start;
	struct cu_result cu;
};

struct e2e {
	struct bench	*b;
	const struct e2e_server *srv;
	bool		 component;	/* mucd attached, else the server's MUC */
	bool		 multicast;	/* through the server's XEP-0033 service */
	const char	*archive_var;	/* the room form field that archives */
	const char	*host, *muc, *room;
	unsigned short	 c2s_port, comp_port;
	char		 secret[33];
	struct client	*cl;
	size_t		 ncl, started, ready, logging_in;
	size_t		 join_next, joined;
	bool		 cfg_done, owner_in;
	unsigned	 join_errors;
	/* messages */
	uint64_t	 m_total, m_sent, m_done;
	uint64_t	*sent;
	uint32_t	*copies;
	uint64_t	 first, last;
	unsigned	 window;
	struct samples	 lat;
	uint64_t	 errors;
	struct catchup	*cu;		/* while the catch-up runs */
	/* While another mode's fan-out runs: this one's processes and
	 * directory, out of struct bench (e2e.c: park, resume). */
	struct proc	 p_server, p_mucd;
	char		 p_dir[PATH_MAX];
};

int	 client_start(struct e2e *, struct client *, size_t idx);
void	 client_send_join(struct client *, const char *room, int maxhist);
/* Called by client.c. */
void	 e2e_logged_in(struct e2e *, struct client *);
void	 e2e_stanza(struct e2e *, struct client *, const struct stz *);
/* CPU seconds so far (schedstat) of mucd, of the server; 0 if it is not
 * running. */
double	 e2e_cpu(struct proc *);
double	 e2e_server_cpu(struct e2e *);
/* u0 submits the room's configuration form with one field. */
void	 e2e_owner_config(struct e2e *, const char *room, const char *id,
	    const char *var, const char *value);
/* catchup.c: the run's MAM catch-up, after its fan-out; and the stanzas
 * from its room (true: taken). */
int	 catchup_run(struct e2e *, struct cu_result *);
bool	 catchup_stanza(struct e2e *, struct client *, const struct stz *,
	    const struct attrs *);
/* Its row for one run, and the ratio row of the two. */
void	 catchup_row(struct bench *, const char *who,
	    const struct cu_result *);
void	 catchup_ratio(struct bench *, const struct cu_result *mucd,
	    const struct cu_result *ref);

#endif
