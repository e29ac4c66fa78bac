/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the runner's own tests share: a file's first line, the driver a
 * function is on, and running `iommu-lab ARGS` the way a user does, keeping
 * what it says.
 */
#ifndef TESTS_RUNNER_COMMON_H
#define TESTS_RUNNER_COMMON_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include "lab_platform.h"

/* The first line of a file, without its newline; "" when unreadable. */
static inline void first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (f && fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
}

/* The driver bound to bdf ("" for none). */
static inline void driver_of(const char *bdf, char *buf, size_t len)
{
	if (lab_read_link_base(buf, len, "/sys/bus/pci/devices/%s/driver", bdf))
		buf[0] = 0;
}

/* `RUNNER ARGS`: its exit status (-errno when it could not be started, -1
 * when it did not exit), its stderr in err. */
static inline int runner_run(const char *runner, const char *args, char *err, size_t len)
{
	char cmd[PATH_MAX + 256];
	size_t n = 0;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1 >/dev/null", runner, args);
	p = popen(cmd, "r");
	if (!p)
		return -errno;
	while (n + 1 < len && fgets(err + n, len - n, p))
		n = strlen(err);
	err[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#endif
