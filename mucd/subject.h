/*
 * subject: the room's topic — who may change it, and sending it to
 * people entering (always, as an empty <subject/> when there is none).
 */
#ifndef MUCD_SUBJECT_H
#define MUCD_SUBJECT_H

#include <stdbool.h>

#include "xml.h"

struct room;
struct occupant;

void	 subject_send(struct room *, const char *to);
/* A groupchat message carrying <subject/> and no body/thread: returns
 * true when it was a subject change attempt (handled either way). */
bool	 subject_handle(struct room *, struct occupant *, struct xnode *msg);
/* Set and broadcast (used by the control channel too); from NULL = room. */
int	 subject_set(struct room *, const char *from, const char *text);
/* Send the room's subject, as it now is, to everyone in it. */
void	 subject_publish(struct room *);

#endif
