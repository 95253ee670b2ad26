/*
 * retention: the archive's age and count limits, purges, and the
 * deletion of dropped archives, in bounded batches (see retention.c).
 */
#ifndef MUCD_RETENTION_H
#define MUCD_RETENTION_H

struct mucd;

#define RETENTION_MS	1000	/* a batch this often */
#define RETENTION_BATCH	2000	/* ... of at most this many deletions */

void	 retention_run(struct mucd *);

#endif
