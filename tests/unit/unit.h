/*
 * unit: the smallest test harness that does the job. Each test file
 * defines TESTS as a list of functions; a failed check prints where and
 * why and marks the test failed, and the process exits non-zero.
 */
#ifndef MUCD_UNIT_H
#define MUCD_UNIT_H

#include <stdio.h>
#include <string.h>

extern int unit_failed;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, \
		    __LINE__, #cond); \
		unit_failed = 1; \
	} \
} while (0)

#define CHECK_STR(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	if (g_ == NULL || w_ == NULL ? g_ != w_ : strcmp(g_, w_) != 0) { \
		fprintf(stderr, "  %s:%d: %s\n    got:  %s\n    want: %s\n", \
		    __FILE__, __LINE__, #got, g_ ? g_ : "(null)", \
		    w_ ? w_ : "(null)"); \
		unit_failed = 1; \
	} \
} while (0)

#define CHECK_INT(got, want) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (g_ != w_) { \
		fprintf(stderr, "  %s:%d: %s: got %lld, want %lld\n", \
		    __FILE__, __LINE__, #got, g_, w_); \
		unit_failed = 1; \
	} \
} while (0)

struct unit_test {
	const char	*name;
	void		(*fn)(void);
};

#define TEST(fn)	{ #fn, fn }

/* Each test file defines: const struct unit_test unit_tests[] = {...,
 * {NULL, NULL}}; and the shared main in unit.c runs them. */
extern const struct unit_test unit_tests[];

/* A fresh temporary directory (mkdtemp under $TMPDIR); removed at exit. */
const char *unit_tmpdir(void);

#endif
