/*
 * owner: the muc#owner protocol (XEP-0045 §10) — room configuration
 * (get the form, submit it, with the effects a change has on occupants)
 * and room destruction.
 */
#ifndef MUCD_OWNER_H
#define MUCD_OWNER_H

#include "admin.h"
#include "roomcfg.h"

struct mucd;
struct room;
struct jid;

void	 owner_iq(struct mucd *, struct room *, struct xnode *,
	    const struct jid *from);
/*
 * Replace the configuration with cfg (taken over), persisting first; then
 * apply the effects (unlock, members-only removals, presence broadcast
 * changes) and announce codes. Shared with the control channel.
 */
int	 owner_reconfigure(struct room *, struct room_config *cfg,
	    const int *codes, int ncodes, struct muc_err *);
/* The status codes a change from old to new announces (at most 3): 172
 * or 173 when JID visibility changes, 170 or 171 when logging does, 104
 * when anything changes. Returns how many. */
int	 owner_change_codes(const struct room_config *old,
	    const struct room_config *new, int codes[3]);
/*
 * owner_reconfigure in its parts, for a caller that stores the new
 * configuration in a transaction of its own (mucctl apply): the audit
 * notes of a change, and once it is stored, its effects (old_bcast: the
 * presence_broadcast before; became_mo: now members-only) and notice.
 */
void	 owner_note_config(struct room *, const struct room_config *from,
	    const struct room_config *to);
void	 owner_publish_config(struct room *, unsigned old_bcast,
	    bool became_mo, const int *codes, int ncodes);
/* Destroy: tell occupants (with alternate venue, reason, password),
 * delete from the store with its archive (kept for a later room of the
 * same JID if keep_archive), leaving a tombstone if it was persistent
 * (tombstone.h), forget. -1 with *err if storage failed. */
int	 owner_destroy(struct room *, const char *alt, const char *reason,
	    const char *password, bool keep_archive, struct muc_err *);

#endif
