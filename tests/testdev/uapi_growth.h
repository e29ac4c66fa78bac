/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The iommu_testdev argument framing as structures grow (docs/testdev.md,
 * "Growing the uAPI"): for one command, a caller built against the first
 * version of its structure, and one built against a newer header, keep
 * working; only what the module cannot honour is refused. Each command is
 * given an unknown flag and nothing else, so a call whose framing was
 * accepted reaches the handler and gets EOPNOTSUPP, which no framing error
 * gives. The first version's size is offsetofend() of its last field, written
 * here once and never changed when the structure grows.
 */
#ifndef UAPI_GROWTH_H
#define UAPI_GROWTH_H

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <linux/ioctl.h>
#include "kselftest_harness.h"
#include "lab_engines.h"

#ifndef offsetofend
#define offsetofend(T, m) (offsetof(T, m) + sizeof(((T *)0)->m))
#endif

/* A command of the uAPI with its structure's first and current size. */
struct td_uapi_cmd {
	const char *name;
	unsigned long cmd;
	size_t v1;		/* the first version: offsetofend(its last field) */
	size_t size;		/* this header's sizeof */
};
#define TD_UAPI_CMD(_cmd, _type, _v1_last) \
	{ #_cmd, _cmd, offsetofend(struct _type, _v1_last), sizeof(struct _type) }

/* The command as a header whose structure is SIZE bytes would encode it. */
static inline unsigned long td_cmd_sized(unsigned long cmd, size_t size)
{
	return (cmd & ~((unsigned long)_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
	       ((unsigned long)size << _IOC_SIZESHIFT);
}

/* CMD on FD with the argument SIZE bytes long (the rest of its room zero but
 * for a byte at TAIL_BYTE, if not -1), encoded with ENCODED. 0 or -errno. */
static inline int td_call_framed(int fd, const struct td_uapi_cmd *c, size_t size, size_t encoded, long tail_byte)
{
	unsigned char raw[512];
	__u32 hdr[2] = { (__u32)size, 1u << 31 };	/* size; flags: one no command defines */

	memset(raw, 0, sizeof(raw));
	memcpy(raw, hdr, sizeof(hdr));
	if (tail_byte >= 0)
		raw[tail_byte] = 0xa5;
	return lab_td_ioctl(fd, td_cmd_sized(c->cmd, encoded), raw);
}

#define expect_framing(_want, _c, _size, _encoded, _tail, _what)                                      \
	do {                                                                                          \
		int _r = td_call_framed(fd, _c, _size, _encoded, _tail);                              \
		EXPECT_EQ(-(_want), _r) TH_LOG("%s, %s (size %zu, encoded %zu): %s, expected %s",     \
					      (_c)->name, _what, (size_t)(_size), (size_t)(_encoded), \
					      strerror(-_r), strerror(_want));                        \
	} while (0)

/* Every framing rule of docs/testdev.md for one command. */
static inline void td_check_framing(struct __test_metadata *_metadata, int fd, const struct td_uapi_cmd *c)
{
	expect_framing(EOPNOTSUPP, c, c->v1, c->v1, -1, "the first version");
	expect_framing(EOPNOTSUPP, c, c->size, c->size, -1, "this header's version");
	expect_framing(EOPNOTSUPP, c, c->size + 8, c->size + 8, -1, "a newer caller, zero tail");
	expect_framing(EOPNOTSUPP, c, c->v1, c->size, -1, "first-version size, this header's command");
	expect_framing(E2BIG, c, c->size + 8, c->size + 8, (long)c->size + 7, "a newer caller, a tail byte set");
	expect_framing(EINVAL, c, c->v1 - 1, c->v1, -1, "shorter than the first version");
	expect_framing(ENOTTY, c, c->v1, c->v1 - 1, -1, "encoded shorter than the first version");
}

#endif
