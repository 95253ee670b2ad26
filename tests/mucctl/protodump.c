/*
 * protodump: the control protocol's tables (common/ctlproto.h), one line
 * each, for tests that check documentation against them:
 *	cmd NAME read|write offline|online
 *	err CODE EXIT-STATUS
 */
#include <stdio.h>

#include "ctlproto.h"

int
main(void)
{
	unsigned i;

	for (i = 0; i < CTL_NCMDS; i++)
		printf("cmd %s %s %s\n", ctl_cmds[i].name,
		    ctl_cmds[i].flags & CTL_WRITE ? "write" : "read",
		    ctl_cmds[i].flags & CTL_ONLINE ? "online" : "offline");
	for (i = 0; i < CTL_NERRS; i++)
		printf("err %s %d\n", ctl_errs[i].code, (int)ctl_errs[i].class);
	return 0;
}
