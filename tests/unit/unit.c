#include "unit.h"

#include <stdlib.h>
#include <unistd.h>

int unit_failed;

static char tmpdir[256];

static void
cleanup(void)
{
	char cmd[300];

	if (tmpdir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
}

const char *
unit_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "%s/mucd-unit.XXXXXX",
		    base ? base : "/tmp");
		if (mkdtemp(tmpdir) == NULL) {
			perror("mkdtemp");
			exit(2);
		}
		atexit(cleanup);
	}
	return tmpdir;
}

int
main(int argc, char **argv)
{
	const struct unit_test *t;
	int failures = 0, before;

	/* Line-buffered, so results survive a sanitizer abort at exit. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (t = unit_tests; t->name != NULL; t++) {
		if (argc > 1 && strcmp(argv[1], t->name) != 0)
			continue;
		before = unit_failed;
		unit_failed = 0;
		t->fn();
		printf("%s %s\n", unit_failed ? "FAIL" : "ok  ", t->name);
		if (unit_failed)
			failures++;
		unit_failed = before || unit_failed;
	}
	return failures ? 1 : 0;
}
