/*
 * unit.h - a minimal unit-test harness for flowlens.
 *
 * Each test file defines functions `static void test_xxx(void)` and lists
 * them in a `UNIT_MAIN(test_a, test_b, ...)` at the end.  A failed CHECK
 * prints file:line and the expression, marks the current test failed and
 * carries on with the next statement (tests stay independent).  The binary
 * prints one line per test and a final "N passed, N failed" line, and exits
 * non-zero when any test failed.
 */
#ifndef FLOWLENS_UNIT_H
#define FLOWLENS_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_current_failed;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "  %s:%d: CHECK failed: %s\n",       \
			    __FILE__, __LINE__, #cond);                      \
			unit_current_failed = 1;                             \
		}                                                            \
	} while (0)

#define CHECK_INT(got, want)                                                 \
	do {                                                                 \
		long long unit_g_ = (long long)(got);                        \
		long long unit_w_ = (long long)(want);                       \
		if (unit_g_ != unit_w_) {                                    \
			fprintf(stderr, "  %s:%d: %s == %lld, want %lld\n",  \
			    __FILE__, __LINE__, #got, unit_g_, unit_w_);     \
			unit_current_failed = 1;                             \
		}                                                            \
	} while (0)

#define CHECK_STR(got, want)                                                 \
	do {                                                                 \
		const char *unit_g_ = (got);                                 \
		const char *unit_w_ = (want);                                \
		if (unit_g_ == NULL || strcmp(unit_g_, unit_w_) != 0) {      \
			fprintf(stderr, "  %s:%d: %s == \"%s\", want "       \
			    "\"%s\"\n", __FILE__, __LINE__, #got,            \
			    unit_g_ ? unit_g_ : "(null)", unit_w_);          \
			unit_current_failed = 1;                             \
		}                                                            \
	} while (0)

struct unit_case {
	const char *name;
	void (*fn)(void);
};

static inline int
unit_run(const char *file, const struct unit_case *cases, size_t n)
{
	size_t i, passed = 0, failed = 0;

	for (i = 0; i < n; i++) {
		unit_current_failed = 0;
		cases[i].fn();
		if (unit_current_failed) {
			failed++;
			printf("FAIL %s: %s\n", file, cases[i].name);
		} else {
			passed++;
			printf("ok   %s: %s\n", file, cases[i].name);
		}
	}
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed ? 1 : 0;
}

#define UNIT_CASE(fn) { #fn, fn }
#define UNIT_MAIN(...)                                                       \
	int main(void)                                                       \
	{                                                                    \
		static const struct unit_case unit_cases_[] = { __VA_ARGS__ }; \
		return unit_run(__FILE__, unit_cases_,                       \
		    sizeof unit_cases_ / sizeof unit_cases_[0]);             \
	}

#endif
