/*
 * fuzz_conf: mucd.conf parsing (common/conf.c). The input is the file; it
 * is loaded from a memfd through /proc/self/fd, as conf_load reads files.
 * On success conf_validate must hold and conf_dump must print every key
 * once, NUL-terminated; on failure the message names the file. No leaks
 * either way (conf_load frees on failure).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"

struct dump {
	size_t	 n, nkeys;
	const struct conf_key_info *keys;
};

static void
on_line(void *arg, const char *line)
{
	struct dump *d = arg;
	size_t klen = strlen(d->keys[d->n].name);

	if (d->n >= d->nkeys || strncmp(line, d->keys[d->n].name, klen) != 0 ||
	    strncmp(line + klen, " = ", 3) != 0) {
		fprintf(stderr, "fuzz_conf: dump line %zu is '%s'\n", d->n, line);
		abort();
	}
	/* The secret is never printed. */
	if (strcmp(d->keys[d->n].name, "secret") == 0 &&
	    strcmp(line + klen + 3, "(set)") != 0) {
		fprintf(stderr, "fuzz_conf: secret printed: '%s'\n", line);
		abort();
	}
	d->n++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct conf c;
	struct dump d = { 0 };
	char err[1024], verr[512];

	if (fd == -1) {
		if ((fd = memfd_create("mucd.conf", 0)) == -1)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == -1 ||
	    pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	conf_defaults(&c);
	err[0] = '\0';
	if (conf_load(&c, path, err, sizeof(err)) == -1) {
		if (strncmp(err, path, strlen(path)) != 0) {
			fprintf(stderr, "fuzz_conf: error without the file "
			    "name: '%s'\n", err);
			abort();
		}
		return 0;	/* conf_load freed it */
	}
	if (conf_validate(&c, verr, sizeof(verr)) == -1) {
		fprintf(stderr, "fuzz_conf: loaded but invalid: %s\n", verr);
		abort();
	}
	d.nkeys = conf_keys(&d.keys);
	conf_dump(&c, on_line, &d);
	if (d.n != d.nkeys)
		abort();
	for (size_t i = 0; i < c.nadmins; i++)
		(void)conf_is_admin(&c, c.admins[i]);
	conf_free(&c);
	return 0;
}
