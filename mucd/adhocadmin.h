/*
 * adhocadmin: mucd's own XEP-0050 commands for service administrators
 * (adhoc.c runs them): the room administration that Prosody's shell and
 * ejabberd's API offer elsewhere, and the service-wide ban list.
 *   mucd#list-rooms   every room: JID, name, occupants, persistent,
 *                     public (a result form)
 *   mucd#room-info    one room: its configuration, subject, times
 *   mucd#room-config  one room: shows, then changes, its configuration
 *                     as key=value lines (the keys of mucctl(8))
 *   mucd#block        ban a JID or domain from every room
 *   mucd#unblock      lift such a ban
 *   mucd#blocklist    the service-wide bans
 */
#ifndef MUCD_ADHOCADMIN_H
#define MUCD_ADHOCADMIN_H

#define NODE_LIST_ROOMS		"mucd#list-rooms"
#define NODE_ROOM_INFO		"mucd#room-info"
#define NODE_ROOM_CONFIG	"mucd#room-config"
#define NODE_BLOCK		"mucd#block"
#define NODE_UNBLOCK		"mucd#unblock"
#define NODE_BLOCKLIST		"mucd#blocklist"

struct adhoc_req;
struct form;

extern const char *const adhocadmin_no_vars[];
extern const char *const adhocadmin_room_vars[];
extern const char *const adhocadmin_config_vars[];
extern const char *const adhocadmin_block_vars[];

void	 adhocadmin_list_rooms_run(struct adhoc_req *, const struct form *);
void	 adhocadmin_room_form(struct adhoc_req *);
void	 adhocadmin_room_info_run(struct adhoc_req *, const struct form *);
void	 adhocadmin_room_config_run(struct adhoc_req *, const struct form *);
void	 adhocadmin_block_form(struct adhoc_req *);
void	 adhocadmin_block_run(struct adhoc_req *, const struct form *);
void	 adhocadmin_unblock_form(struct adhoc_req *);
void	 adhocadmin_unblock_run(struct adhoc_req *, const struct form *);
void	 adhocadmin_blocklist_run(struct adhoc_req *, const struct form *);

#endif
