/* SPDX-License-Identifier: MIT */
/*
 * The in-guest test programs' one way of reporting: "@@ TEST <prefix><name>
 * PASS|FAIL detail" lines (tests/run.sh counts them), failures counted for
 * the exit code.  Set result_prefix ("drv:", "mdev:") before the first.
 */
#ifndef TEST_RESULT_H
#define TEST_RESULT_H

#include <stdarg.h>
#include <stdio.h>

static const char *result_prefix = "";
static int failures;

__attribute__((format(printf, 3, 4)))
static void result(const char *name, int ok, const char *fmt, ...)
{
	char msg[256] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	printf("@@ TEST %s%s %s%s%s\n", result_prefix, name, ok ? "PASS" : "FAIL",
	       *msg ? " " : "", msg);
	fflush(stdout);
	if (!ok)
		failures++;
}

#endif /* TEST_RESULT_H */
