/*
 * roomform: the muc#roomconfig data form — building it from a room's
 * configuration and validating a submitted one into a new configuration.
 */
#ifndef MUCD_ROOMFORM_H
#define MUCD_ROOMFORM_H

#include "admin.h"
#include "form.h"
#include "roomcfg.h"

struct room;

/* The fields roomform_apply reads, for form_parse (NULL-terminated). */
extern const char *const roomform_vars[];

struct xnode	*roomform_build(const struct room *, struct xnode *parent);
/*
 * Validate form over a copy of the room's configuration into *out (the
 * caller frees it with roomcfg_free). Codes to announce (104, 170-173)
 * go to codes/ncodes (room for 4). -1 with *err on a bad value.
 */
int		 roomform_apply(const struct room *, const struct form *,
		    struct room_config *out, int *codes, int *ncodes,
		    struct muc_err *err);

#endif
