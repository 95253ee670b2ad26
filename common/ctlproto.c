#include "ctlproto.h"

#include <string.h>

const struct ctl_cmd_info ctl_cmds[CTL_NCMDS] = {
#define CTL_X_INFO(id, name, flags)	[CTL_##id] = { name, flags },
	CTL_COMMANDS(CTL_X_INFO)
#undef CTL_X_INFO
};

const struct ctl_err_info ctl_errs[CTL_NERRS] = {
#define CTL_X_INFO(id, code, class, meaning) \
	[CTL_E_##id] = { code, class, meaning },
	CTL_ERRORS(CTL_X_INFO)
#undef CTL_X_INFO
};

enum ctl_cmd
ctl_cmd_lookup(const char *name)
{
	unsigned i;

	for (i = 0; i < CTL_NCMDS; i++)
		if (strcmp(ctl_cmds[i].name, name) == 0)
			return (enum ctl_cmd)i;
	return CTL_NCMDS;
}

enum ctl_err
ctl_err_lookup(const char *code)
{
	unsigned i;

	for (i = 0; i < CTL_NERRS; i++)
		if (strcmp(ctl_errs[i].code, code) == 0)
			return (enum ctl_err)i;
	return CTL_NERRS;
}

enum ctl_class
ctl_err_class(const char *code)
{
	enum ctl_err e = ctl_err_lookup(code);

	return e == CTL_NERRS ? CTL_CLASS_REFUSED : ctl_errs[e].class;
}
