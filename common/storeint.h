/*
 * storeint: what the store's files share — store.c (the environment,
 * transactions, the records), storerepl.c (replication) and storegroup.c
 * (the replication group's record) — and nothing
 * outside the store includes. It brings in <db.h>, which no other part
 * of the project sees.
 */
#ifndef MUCD_STOREINT_H
#define MUCD_STOREINT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <db.h>

#include "store.h"

enum dbi { D_META, D_ROOMS, D_PUBLIC, D_AFFS, D_NICKS, D_USERS, D_HISTORY,
	D_ARCH, D_ARCH_IDS, D_ARCH_NICKS, D_ARCH_ROOMS, D_AVATARS, D_HATS,
	D_TOMBS, D_BLOCKS, D_AUDIT, D_AUDIT_ROOMS, D_LIVE, D_COUNT };

struct store_repl;

struct store {
	DB_ENV			*env;
	DB			*db[D_COUNT];	/* all NULL: not open (yet) */
	struct store_txn	*active;	/* the one open write txn */
	/*
	 * Replicated: every change of a loop turn commits into this one
	 * transaction (as a child), which store_sync commits: one
	 * acknowledgement round for the turn instead of one per change.
	 */
	DB_TXN			*turn;
	unsigned		 turn_changes;
	bool			 unacked;	/* the last commit of a turn was
						   not confirmed by the group */
	bool			 turn_lost;	/* an early commit of this turn
						   failed (store_sync says so) */
	struct store_repl	*repl;		/* NULL: not replicated */
	pthread_t		 owner;		/* the thread that opened it */
	char			*dir;
	int			 lockfd;
	bool			 panicked;	/* BDB said DB_RUNRECOVERY */
	bool			 saw_full;	/* ... and ENOSPC/EDQUOT */
	bool			 used_reserve;	/* recovery needed it */
	uint64_t		 commits;	/* write transactions committed */
	char			 bdbmsg[384];	/* BDB's detail for the next
						   error */
	char			 err[1024];
};

struct store_txn {
	struct store	*st;
	DB_TXN		*txn;
};

/* Record "<what>: <BDB's reason>" as the error; the store code for rc. */
int	 store_fail(struct store *, int rc, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 store_set_msg(struct store *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The databases: opened (created where absent when create) in one
 * transaction, or all closed. */
int	 store_dbs_open(struct store *, bool create);
void	 store_dbs_close(struct store *);
bool	 store_dbs_are_open(const struct store *);

/* A read's transaction (store.c): the open write one, the turn's, or
 * a private read-committed one; a BDB error when there is none yet. */
int	 rtxn_begin(struct store *, DB_TXN **);
void	 rtxn_end(struct store *, DB_TXN *);

/* storerepl.c: configure the environment before it is opened, start the
 * Replication Manager after, stop it (with the environment's close). */
int	 repl_configure(struct store *, const struct store_repl_opts *);
int	 repl_start(struct store *);
void	 repl_free(struct store *);
/* Commit the turn's transaction (if one is open) and wait for the
 * group's confirmation: STORE_OK when everything committed so far is
 * confirmed, STORE_UNACKED, or a failure (the turn is lost). */
int	 repl_commit_turn(struct store *);
/* Is this site the master, its databases open? */
bool	 repl_writable(const struct store *);
/* One meta.db record, written in a transaction of its own; a failure is
 * reported as what. */
int	 meta_put(struct store *, const char *key, const void *val, size_t len,
	    const char *what);
/* env->txn_begin, a serving master waiting out a brief lockout. */
int	 repl_txn_begin(struct store *, DB_TXN *parent, DB_TXN **,
	    u_int32_t flags);
/* May this thread's reads wait for a lock (a replica's apply threads
 * hold them briefly)? */
bool	 repl_reads_wait(const struct store *);
/* A failure BDB reported: a replica's handles that died are reopened. */
void	 repl_note_error(struct store *, int rc);
/* Does this data directory belong to a replication group? */
bool	 repl_dir_is_replicated(const char *dir);

#endif
