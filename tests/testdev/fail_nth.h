/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's per-task fault injection (Documentation/fault-injection/
 * fault-injection.rst, "fail-nth"): writing N to /proc/thread-self/fail-nth
 * makes the Nth fault-injectable call of this thread fail (an allocation, with
 * FAILSLAB; a page allocation too, with FAIL_PAGE_ALLOC). Reading it back
 * after the call says whether the call got that far: 0 when the Nth call
 * failed, what was left of N when the call ended before it.
 *
 * The loops here fail the 1st, 2nd, ... allocation of one call until the
 * call runs through without reaching its Nth: every allocation point of the
 * path has then failed once. Used by testdev_fail_nth and iommufd_fail_nth.
 */
#ifndef LAB_FAIL_NTH_H
#define LAB_FAIL_NTH_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The debugfs attributes of one injection point that fail-nth needs: by
 * default failslab and fail_page_alloc leave every allocation that may sleep
 * alone (ignore-gfp-wait Y), which is nearly all of a driver's; and each
 * injected failure would print a stack trace (verbose). */
struct fail_nth_attr {
	const char *name;
	const char *value;
	char saved[16];
	bool changed;
};

struct fail_nth {
	int fd;				/* /proc/thread-self/fail-nth, opened once: an
					 * open() between arming and the call would
					 * take the injection itself */
	bool page_alloc;		/* FAIL_PAGE_ALLOC: page-table pages fail too */
	struct fail_nth_attr attrs[5];
};

static inline int fail_nth_rw_attr(struct fail_nth_attr *a, bool restore)
{
	char path[128];
	int fd, ret = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s", a->name);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	if (!restore) {
		n = read(fd, a->saved, sizeof(a->saved) - 1);
		a->saved[n > 0 ? n : 0] = 0;
		a->saved[strcspn(a->saved, "\n")] = 0;
	}
	if (restore ? !a->changed : !strcmp(a->saved, a->value)) {
		close(fd);
		return 0;
	}
	/* write(), not pwrite(): debugfs attribute files are not seekable. */
	if (write(fd, restore ? a->saved : a->value, strlen(restore ? a->saved : a->value)) < 0)
		ret = -errno;
	else if (!restore)
		a->changed = true;
	close(fd);
	return ret;
}

/*
 * Ready this thread for fail-nth. 0, or a positive reason why not (for the
 * SKIP) in why[len]: no fail-nth (CONFIG_FAULT_INJECTION), no failslab
 * attributes (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS, debugfs).
 */
static inline int fail_nth_setup(struct fail_nth *fn, char *why, size_t len)
{
	static const char *const names[][2] = {
		{ "failslab/ignore-gfp-wait", "N" }, { "failslab/verbose", "0" },
		{ "fail_page_alloc/ignore-gfp-wait", "N" }, { "fail_page_alloc/verbose", "0" },
		/* fail_page_alloc leaves single pages alone by default (min-order 1):
		 * page-table pages are single pages */
		{ "fail_page_alloc/min-order", "0" },
	};

	memset(fn, 0, sizeof(*fn));
	fn->fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fn->fd < 0) {
		snprintf(why, len, "/proc/thread-self/fail-nth: %s (a kernel without "
			 "CONFIG_FAULT_INJECTION)", strerror(errno));
		return 1;
	}
	for (int i = 0; i < 5; i++) {
		fn->attrs[i].name = names[i][0];
		fn->attrs[i].value = names[i][1];
	}
	for (int i = 0; i < 2; i++) {
		int ret = fail_nth_rw_attr(&fn->attrs[i], false);

		if (ret) {
			snprintf(why, len, "/sys/kernel/debug/%s: %s (a kernel without "
				 "CONFIG_FAILSLAB or CONFIG_FAULT_INJECTION_DEBUG_FS, or "
				 "debugfs not mounted)", fn->attrs[i].name, strerror(-ret));
			close(fn->fd);
			fn->fd = -1;
			return 1;
		}
	}
	fn->page_alloc = !fail_nth_rw_attr(&fn->attrs[2], false) &&
			 !fail_nth_rw_attr(&fn->attrs[3], false) &&
			 !fail_nth_rw_attr(&fn->attrs[4], false);
	return 0;
}

/* Give back the attributes setup changed. */
static inline void fail_nth_cleanup(struct fail_nth *fn)
{
	if (fn->fd < 0)
		return;
	for (int i = 0; i < 5; i++)
		if (fn->attrs[i].name)
			fail_nth_rw_attr(&fn->attrs[i], true);
	close(fn->fd);
	fn->fd = -1;
}

/* Arm: the Nth injectable call of this thread from now fails. 0 or -errno. */
static inline int fail_nth_arm(struct fail_nth *fn, unsigned int n)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "%u", n);

	return pwrite(fn->fd, s, len, 0) == len ? 0 : -errno;
}

/* Disarm, and say what was left of N: 0 when the Nth call failed, more when
 * the call ended before reaching it (-errno if unreadable). */
static inline long fail_nth_disarm(struct fail_nth *fn)
{
	char s[16];
	ssize_t n = pread(fn->fd, s, sizeof(s) - 1, 0);
	int err = errno;

	if (pwrite(fn->fd, "0", 1, 0) != 1 || n <= 0)
		return -(n <= 0 ? err : errno);
	s[n] = 0;
	return strtol(s, NULL, 10);
}

/*
 * _RET = _CALL with the _Nth injectable call failing; _INJECTED says whether
 * the call got that far (else it ran through untouched and the loop ends).
 * Nothing may run between arming and _CALL: both are here. errno is _CALL's.
 */
#define FAIL_NTH_CALL(_fn, _n, _ret, _injected, _call)                                      \
	do {                                                                                \
		long __left;                                                                \
		int __errno;                                                                \
		ASSERT_EQ(0, fail_nth_arm(_fn, _n));                                        \
		_ret = (_call);                                                             \
		__errno = errno;                                                            \
		__left = fail_nth_disarm(_fn);                                              \
		errno = __errno;                                                            \
		ASSERT_LE(0, __left) TH_LOG("fail-nth: %s", strerror((int)-__left));        \
		_injected = __left == 0;                                                    \
	} while (0)

/* Most loops end after a few dozen points: far more means the path loops. */
#define FAIL_NTH_MAX 2000

#endif
