// SPDX-License-Identifier: GPL-2.0-only
/*
 * The iommu_testdev uAPI against its errno contract: argument sizes and flags,
 * unknown ids, buffers, mappings, RID and PASID attachments, DMA arguments,
 * open() and the teardown on close. docs/testdev.md is the contract: every
 * expectation here is a row of it, not what the module happens to do. Needs a
 * function bound to iommu_testdev (iommu-lab run --testdev BDF). The DMA
 * checks run with the RID blocked, so a transfer the module wrongly accepts
 * still cannot reach memory.
 */
#include <errno.h>
#include <grp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include "kselftest_harness.h"
#include "discover.h"
#include "testdev.h"
#include "uapi_growth.h"

#define SZ_4K 0x1000ull
#define SZ_2M 0x200000ull
#define SZ_1T 0x10000000000ull
/* Where the tests map, well inside any aperture and clear of MSI windows. */
#define IOVA_BASE 0x10000000ull
/* An id no call of a fresh open has handed out. */
#define NO_ID 0x7ffffff0u
/* A flag bit no command defines. */
#define BAD_FLAG (1u << 31)
#define RW (ITD_MAP_READ | ITD_MAP_WRITE)

/* "EINVAL" for -EINVAL (or EINVAL), "success" for 0. */
static const char *errname(int ret)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{ 0, "success" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" },
		{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" },
		{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
		{ EINVAL, "EINVAL" }, { ENOTTY, "ENOTTY" }, { ERANGE, "ERANGE" },
		{ E2BIG, "E2BIG" }, { EOVERFLOW, "EOVERFLOW" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	};
	int err = ret < 0 ? -ret : ret;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].err == err)
			return names[i].name;
	return strerror(err);
}

/* _CALL gives 0 or -errno: it must give -_ERR (_ERR 0: success). _WHAT names it. */
#define td_expect(_err, _call, _what)                                                           \
	do {                                                                                    \
		int __ret = (_call);                                                            \
		EXPECT_EQ(-(_err), __ret)                                                       \
			TH_LOG("%s gave %s, docs/testdev.md says %s", _what, errname(__ret),    \
			       errname(_err));                                                  \
	} while (0)

/* _CALL is a step the test builds on: it must succeed. */
#define td_assert(_call, _what)                                                                 \
	do {                                                                                    \
		int __ret = (_call);                                                            \
		ASSERT_EQ(0, __ret) TH_LOG("%s: %s", _what, errname(__ret));                    \
	} while (0)

/* --- expect success --------------------------------------------------------------------------- */

#define test_cmd_buf_alloc(_len, _id) \
	td_assert(lab_td_buf_alloc(self->fd, _len, 0, 0, _id, NULL), "ITD_BUF_ALLOC(" #_len ")")
#define test_cmd_buf_free(...) \
	td_assert(lab_td_buf_free(self->fd, __VA_ARGS__), "ITD_BUF_FREE(" #__VA_ARGS__ ")")
#define test_cmd_buf_write(...) \
	td_assert(lab_td_buf_write(self->fd, __VA_ARGS__), "ITD_BUF_RW write(" #__VA_ARGS__ ")")
#define test_cmd_buf_read(...) \
	td_assert(lab_td_buf_read(self->fd, __VA_ARGS__), "ITD_BUF_RW read(" #__VA_ARGS__ ")")
#define test_cmd_domain_alloc(...) \
	td_assert(lab_td_domain_alloc(self->fd, __VA_ARGS__), "ITD_DOMAIN_ALLOC(" #__VA_ARGS__ ")")
#define test_cmd_domain_free(...) \
	td_assert(lab_td_domain_free(self->fd, __VA_ARGS__), "ITD_DOMAIN_FREE(" #__VA_ARGS__ ")")
#define test_cmd_attach(...) \
	td_assert(lab_td_attach(self->fd, __VA_ARGS__), "ITD_ATTACH(" #__VA_ARGS__ ")")
#define test_cmd_attach_pasid(...) \
	td_assert(lab_td_attach_pasid(self->fd, __VA_ARGS__), "ITD_ATTACH pasid(" #__VA_ARGS__ ")")
#define test_cmd_detach() td_assert(lab_td_detach(self->fd), "ITD_DETACH")
#define test_cmd_detach_pasid(...) \
	td_assert(lab_td_detach_pasid(self->fd, __VA_ARGS__), "ITD_DETACH pasid(" #__VA_ARGS__ ")")
#define test_cmd_map(...) \
	td_assert(lab_td_map(self->fd, __VA_ARGS__), "ITD_MAP(" #__VA_ARGS__ ")")
#define test_cmd_unmap(...) \
	td_assert(lab_td_unmap(self->fd, __VA_ARGS__), "ITD_UNMAP(" #__VA_ARGS__ ")")
#define test_cmd_info(_info) td_assert(lab_td_info(self->fd, _info), "ITD_INFO")
#define test_cmd_raw(_cmd, _arg) \
	td_assert(lab_td_ioctl(self->fd, _cmd, _arg), #_cmd "(" #_arg ")")

/* The RID blocked: nothing a DMA test issues can reach memory. */
#define test_cmd_block() test_cmd_attach(ITD_DOMAIN_BLOCKED)

/* ITD_INFO reports STATE, and with ITD_STATE_DOMAIN the domain at the RID. */
#define test_cmd_state(_state, _rid_domain)                                                     \
	do {                                                                                    \
		struct itd_info __i;                                                            \
		test_cmd_info(&__i);                                                            \
		EXPECT_EQ((uint32_t)(_state), __i.state)                                        \
			TH_LOG("ITD_INFO state %s, expected %s", lab_td_state_name(__i.state), \
			       lab_td_state_name(_state));                                      \
		if ((_state) == ITD_STATE_DOMAIN)                                               \
			EXPECT_EQ((uint32_t)(_rid_domain), __i.rid_domain)                      \
				TH_LOG("ITD_INFO rid_domain %u, attached %u", __i.rid_domain,  \
				       (uint32_t)(_rid_domain));                                \
	} while (0)

/* --- expect an errno -------------------------------------------------------------------------- */

static int buf_alloc(int fd, uint64_t len, uint64_t align, uint32_t flags)
{
	uint32_t id;

	return lab_td_buf_alloc(fd, len, align, flags, &id, NULL);
}

/* ITD_BUF_RW by hand: any offset and length, into a caller's scratch buffer. */
static int buf_rw(int fd, uint32_t flags, uint32_t id, uint64_t off, uint64_t len, void *p)
{
	struct itd_buf_rw rw = {
		.size = sizeof(rw), .flags = flags, .buf_id = id,
		.offset = off, .length = len, .uptr = (uintptr_t)p,
	};

	return lab_td_ioctl(fd, ITD_BUF_RW, &rw);
}

static int domain_alloc(int fd, uint32_t flags)
{
	uint32_t id;

	return lab_td_domain_alloc(fd, flags, &id);
}

static int dma(int fd, uint32_t flags, uint32_t pasid, uint64_t src, uint64_t dst, uint64_t len)
{
	struct itd_dma op = {
		.flags = flags, .pasid = pasid, .src_iova = src, .dst_iova = dst, .length = len,
	};

	return lab_td_dma(fd, &op);
}

/*
 * test_err_X(errno, args...): the arguments are the lab_td_X wrapper's after the
 * fd; test_err_buf_alloc(len, align, flags), test_err_buf_rw(flags, id, offset,
 * length, uptr), test_err_dma(flags, pasid, src, dst, length).
 */
#define test_err_buf_alloc(_err, ...) \
	td_expect(_err, buf_alloc(self->fd, __VA_ARGS__), "ITD_BUF_ALLOC(" #__VA_ARGS__ ")")
#define test_err_buf_free(_err, ...) \
	td_expect(_err, lab_td_buf_free(self->fd, __VA_ARGS__), "ITD_BUF_FREE(" #__VA_ARGS__ ")")
#define test_err_buf_rw(_err, ...) \
	td_expect(_err, buf_rw(self->fd, __VA_ARGS__), "ITD_BUF_RW(" #__VA_ARGS__ ")")
#define test_err_domain_alloc(_err, ...) \
	td_expect(_err, domain_alloc(self->fd, __VA_ARGS__), "ITD_DOMAIN_ALLOC(" #__VA_ARGS__ ")")
#define test_err_domain_free(_err, ...) \
	td_expect(_err, lab_td_domain_free(self->fd, __VA_ARGS__), \
		  "ITD_DOMAIN_FREE(" #__VA_ARGS__ ")")
#define test_err_attach(_err, ...) \
	td_expect(_err, lab_td_attach(self->fd, __VA_ARGS__), "ITD_ATTACH(" #__VA_ARGS__ ")")
#define test_err_attach_pasid(_err, ...) \
	td_expect(_err, lab_td_attach_pasid(self->fd, __VA_ARGS__), \
		  "ITD_ATTACH pasid(" #__VA_ARGS__ ")")
#define test_err_detach(_err) td_expect(_err, lab_td_detach(self->fd), "ITD_DETACH")
#define test_err_detach_pasid(_err, ...) \
	td_expect(_err, lab_td_detach_pasid(self->fd, __VA_ARGS__), \
		  "ITD_DETACH pasid(" #__VA_ARGS__ ")")
#define test_err_map(_err, ...) \
	td_expect(_err, lab_td_map(self->fd, __VA_ARGS__), "ITD_MAP(" #__VA_ARGS__ ")")
#define test_err_unmap(_err, ...) \
	td_expect(_err, lab_td_unmap(self->fd, __VA_ARGS__), "ITD_UNMAP(" #__VA_ARGS__ ")")
#define test_err_dma(_err, ...) \
	td_expect(_err, dma(self->fd, __VA_ARGS__), "ITD_DMA(" #__VA_ARGS__ ")")
#define test_err_raw(_err, _cmd, _arg) \
	td_expect(_err, lab_td_ioctl(self->fd, _cmd, _arg), #_cmd "(" #_arg ")")

/* --- raw structures --------------------------------------------------------------------------- */

/* Room for any argument plus a tail the module does not know. */
union td_raw {
	struct {
		__u32 size;
		__u32 flags;
	} hdr;
	struct itd_info info;
	struct itd_buf_alloc buf_alloc;
	struct itd_domain_alloc domain_alloc;
	struct itd_attach attach;
	struct itd_faults faults;
	unsigned char bytes[256];
};

/* Every command of the control node; the last field named is that of the
 * structure's first version (uapi_growth.h): it never changes. */
static const struct td_uapi_cmd td_cmds[] = {
	TD_UAPI_CMD(ITD_INFO, itd_info, aperture_end),
	TD_UAPI_CMD(ITD_BUF_ALLOC, itd_buf_alloc, dma_addr),
	TD_UAPI_CMD(ITD_BUF_FREE, itd_buf_free, __reserved),
	TD_UAPI_CMD(ITD_BUF_RW, itd_buf_rw, uptr),
	TD_UAPI_CMD(ITD_DOMAIN_ALLOC, itd_domain_alloc, __reserved),
	TD_UAPI_CMD(ITD_DOMAIN_FREE, itd_domain_free, __reserved),
	TD_UAPI_CMD(ITD_ATTACH, itd_attach, pasid),
	TD_UAPI_CMD(ITD_DETACH, itd_attach, pasid),
	TD_UAPI_CMD(ITD_MAP, itd_map, buf_offset),
	TD_UAPI_CMD(ITD_UNMAP, itd_map, buf_offset),
	TD_UAPI_CMD(ITD_DMA, itd_dma, duration_ns),
	TD_UAPI_CMD(ITD_FAULTS, itd_faults, uptr),
	TD_UAPI_CMD(ITD_MSI, itd_msi, __reserved),
};

/* --- fixture ---------------------------------------------------------------------------------- */

FIXTURE(td) {
	int fd;
	char bdf[32];
	struct itd_info info;	/* at open */
	uint64_t minpg;		/* the domain's smallest page */
	uint64_t pg;		/* what the tests map in: minpg, at least 4 KiB */
	uint64_t iova;		/* where they map */
};
/* Every check runs on each device handed to the run: edu has no PASID
 * capability, labdev has one (PASID boundaries). */
FIXTURE_VARIANT(td) { const char *engine; };
FIXTURE_VARIANT_ADD(td, edu) { .engine = "edu" };
FIXTURE_VARIANT_ADD(td, labdev) { .engine = "labdev" };

FIXTURE_SETUP(td)
{
	const struct itd_info *i = &self->info;
	const char *list = getenv("IOMMU_LAB_TESTDEV");

	self->fd = -1;
	if (!list || !*list)
		SKIP(return, "no device handed to iommu_testdev (iommu-lab run --testdev BDF)");
	self->fd = lab_td_open_engine(list, variant->engine, self->bdf, sizeof(self->bdf), &self->info);
	if (self->fd == -ENOENT)
		SKIP(return, "no function with the %s engine among those handed to iommu_testdev (%s)",
		     variant->engine, list);
	ASSERT_LE(0, self->fd)
		TH_LOG("open %s/%s: %s", LAB_TD_DEV_DIR, list, errname(self->fd));
	test_cmd_info(&self->info);
	self->minpg = i->pgsize_bitmap & -i->pgsize_bitmap;
	self->pg = self->minpg > SZ_4K ? self->minpg : SZ_4K;
	self->iova = IOVA_BASE;
	/* 64 pages at IOVA_BASE, or as low in the aperture as they go. */
	if (self->minpg &&
	    (IOVA_BASE < i->aperture_start || IOVA_BASE + 64 * self->pg - 1 > i->aperture_end))
		self->iova = (i->aperture_start + self->pg - 1) & ~(self->pg - 1);
}

FIXTURE_TEARDOWN(td)
{
	/* Closing tears down every buffer, domain and attachment, by design. */
	if (self->fd >= 0)
		close(self->fd);
}

/* Domains, attachments and blocking need the function behind an IOMMU. */
#define NEED_IOMMU()                                                                            \
	do {                                                                                    \
		if (!self->info.pgsize_bitmap)                                                  \
			SKIP(return, "%s: ITD_INFO reports no paging domain"                    \
			     " (not behind an IOMMU?)", self->bdf);                             \
	} while (0)

/* --- ITD_INFO --------------------------------------------------------------------------------- */

TEST_F(td, info_after_open)
{
	const struct itd_info *i = &self->info;

	EXPECT_EQ(ITD_API_VERSION, i->api_version);
	EXPECT_EQ(ITD_STATE_DEFAULT, i->state) TH_LOG("a fresh open starts in state %s",
						       lab_td_state_name(i->state));
	EXPECT_EQ(0, i->engine[sizeof(i->engine) - 1]) TH_LOG("engine name not terminated");
	EXPECT_EQ(0, i->iommu_domain_type[sizeof(i->iommu_domain_type) - 1]);
	if (i->engine[0]) {
		EXPECT_NE(0, i->dma_max_len)
			TH_LOG("engine %.16s moves at most 0 bytes", i->engine);
		EXPECT_NE(ITD_ENGINE_SOFTWARE, i->engine_kind)
			TH_LOG("device engine %.16s reported as software", i->engine);
	}
	TH_LOG("%s: engine '%.16s' (%s, max %u bytes), default domain '%.16s', %u PASIDs,",
	       self->bdf, i->engine, lab_td_engine_kind_name(i->engine_kind), i->dma_max_len,
	       i->iommu_domain_type, i->max_pasids);
	TH_LOG("page sizes %#llx, aperture [%#llx, %#llx]", (unsigned long long)i->pgsize_bitmap,
	       (unsigned long long)i->aperture_start, (unsigned long long)i->aperture_end);
	NEED_IOMMU();
	EXPECT_LE(i->aperture_start, i->aperture_end);
	EXPECT_NE(0, i->iommu_domain_type[0]) TH_LOG("no default domain type in state default");
}

/* --- argument framing ------------------------------------------------------------------------- */

TEST_F(td, unknown_ioctl_is_enotty)
{
	union td_raw raw = { .hdr.size = sizeof(raw.info) };

	test_err_raw(ENOTTY, _IOWR(ITD_TYPE, 0x40, struct itd_info), &raw);
	test_err_raw(ENOTTY, _IOWR(ITD_TYPE, 0xff, struct itd_info), &raw);
	/* The number is the whole encoded command: a known nr with another type,
	 * direction or size is not ITD_INFO. */
	test_err_raw(ENOTTY, _IOWR('U', 0x00, struct itd_info), &raw);
	test_err_raw(ENOTTY, _IOR(ITD_TYPE, 0x00, struct itd_info), &raw);
	test_err_raw(ENOTTY, _IOWR(ITD_TYPE, 0x00, struct itd_attach), &raw);
	test_err_raw(ENOTTY, _IO(ITD_TYPE, 0x00), NULL);
	/* Refused before the argument is looked at. */
	test_err_raw(ENOTTY, _IOWR(ITD_TYPE, 0x40, struct itd_info), NULL);
}

TEST_F(td, short_struct_is_einval)
{
	for (size_t c = 0; c < ARRAY_SIZE(td_cmds); c++) {
		const struct td_uapi_cmd *cmd = &td_cmds[c];
		const size_t sizes[] = { 0, 4, 8, cmd->v1 - 1 };

		for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
			union td_raw raw;
			int ret;

			memset(&raw, 0, sizeof(raw));
			raw.hdr.size = sizes[s];
			ret = lab_td_ioctl(self->fd, cmd->cmd, &raw);
			EXPECT_EQ(-EINVAL, ret)
				TH_LOG("%s with size %zu of %zu: %s, expected EINVAL", cmd->name,
				       sizes[s], cmd->v1, errname(ret));
		}
	}
}

TEST_F(td, oversized_struct_zero_tail_accepted)
{
	union td_raw raw;
	uint32_t id;

	memset(&raw, 0, sizeof(raw));
	raw.hdr.size = sizeof(raw.info) + 8;
	test_cmd_raw(ITD_INFO, &raw);
	EXPECT_EQ(ITD_API_VERSION, raw.info.api_version);
	EXPECT_EQ(ITD_STATE_DEFAULT, raw.info.state);

	memset(&raw, 0, sizeof(raw));
	raw.hdr.size = sizeof(raw.faults) + 8;
	test_cmd_raw(ITD_FAULTS, &raw);

	memset(&raw, 0, sizeof(raw));
	raw.hdr.size = sizeof(raw.buf_alloc) + 8;
	raw.buf_alloc.length = self->pg;
	test_cmd_raw(ITD_BUF_ALLOC, &raw);
	test_cmd_buf_free(raw.buf_alloc.buf_id);

	NEED_IOMMU();
	memset(&raw, 0, sizeof(raw));
	raw.hdr.size = sizeof(raw.domain_alloc) + 8;
	test_cmd_raw(ITD_DOMAIN_ALLOC, &raw);
	id = raw.domain_alloc.domain_id;

	memset(&raw, 0, sizeof(raw));
	raw.hdr.size = sizeof(raw.attach) + 8;
	raw.attach.domain_id = id;
	test_cmd_raw(ITD_ATTACH, &raw);
	test_cmd_state(ITD_STATE_DOMAIN, id);
}

TEST_F(td, oversized_struct_nonzero_tail_is_e2big)
{
	for (size_t c = 0; c < ARRAY_SIZE(td_cmds); c++) {
		const struct td_uapi_cmd *cmd = &td_cmds[c];
		const size_t at[] = { 0, 7 };	/* first and last byte of an 8-byte tail */

		for (size_t t = 0; t < ARRAY_SIZE(at); t++) {
			union td_raw raw;
			int ret;

			memset(&raw, 0, sizeof(raw));
			raw.hdr.size = cmd->size + 8;
			raw.bytes[cmd->size + at[t]] = 0xa5;
			ret = lab_td_ioctl(self->fd, cmd->cmd, &raw);
			EXPECT_EQ(-E2BIG, ret)
				TH_LOG("%s, size %zu with byte %zu set: %s, expected E2BIG",
				       cmd->name, cmd->size + 8, cmd->size + at[t], errname(ret));
		}
	}
}

/*
 * Structures grow by appending: for every command, a caller built against
 * the structure's first version or against a newer header is served, as the
 * command number it encoded says; a tail the module does not know must be
 * zero; shorter than the first version is refused (uapi_growth.h).
 */
TEST_F(td, every_command_serves_older_and_newer_callers)
{
	int fd = self->fd;

	for (size_t c = 0; c < ARRAY_SIZE(td_cmds); c++)
		td_check_framing(_metadata, fd, &td_cmds[c]);
}

/* Every other field valid, so the flags alone decide. */
TEST_F(td, unknown_flags_are_eopnotsupp)
{
	uint64_t pg = self->pg, iova = self->iova;
	struct itd_info info = { .size = sizeof(info), .flags = BAD_FLAG };
	struct itd_faults faults = { .size = sizeof(faults), .flags = 1 };
	struct itd_buf_free bf = { .size = sizeof(bf), .flags = 1 };
	struct itd_domain_free df = { .size = sizeof(df), .flags = 1 };
	struct itd_attach at = { .size = sizeof(at), .flags = 1u << 1 };
	struct itd_map um = { .size = sizeof(um), .flags = BAD_FLAG, .length = pg };
	struct itd_buf_rw rw = { .size = sizeof(rw), .flags = 1u << 1, .length = 16 };
	unsigned char scratch[16] = {};
	uint32_t buf, dom;

	test_err_raw(EOPNOTSUPP, ITD_INFO, &info);
	test_err_raw(EOPNOTSUPP, ITD_FAULTS, &faults);
	test_err_buf_alloc(EOPNOTSUPP, pg, 0, 1u << 1);
	test_err_buf_alloc(EOPNOTSUPP, pg, 0, BAD_FLAG);

	NEED_IOMMU();
	test_cmd_buf_alloc(pg, &buf);
	rw.buf_id = buf;
	rw.uptr = (uintptr_t)scratch;
	test_err_raw(EOPNOTSUPP, ITD_BUF_RW, &rw);
	test_err_domain_alloc(EOPNOTSUPP, 1u << 1);
	test_err_domain_alloc(EOPNOTSUPP, BAD_FLAG);
	test_cmd_domain_alloc(0, &dom);

	test_err_map(EOPNOTSUPP, dom, iova, buf, 0, pg, ITD_MAP_READ | (1u << 2));
	test_err_map(EOPNOTSUPP, dom, iova, buf, 0, pg, RW | BAD_FLAG);
	test_cmd_map(dom, iova, buf, 0, pg, RW);
	um.domain_id = dom;
	um.iova = iova;
	test_err_raw(EOPNOTSUPP, ITD_UNMAP, &um);

	at.domain_id = dom;
	test_err_raw(EOPNOTSUPP, ITD_ATTACH, &at);
	test_cmd_state(ITD_STATE_DEFAULT, 0);
	test_cmd_attach(dom);
	at.domain_id = 0;
	test_err_raw(EOPNOTSUPP, ITD_DETACH, &at);
	test_cmd_state(ITD_STATE_DOMAIN, dom);
	test_cmd_detach();

	/* Nothing was done by the refused calls. */
	bf.buf_id = buf;
	test_err_raw(EOPNOTSUPP, ITD_BUF_FREE, &bf);
	test_err_buf_free(EBUSY, buf);
	test_cmd_unmap(dom, iova, pg);
	test_cmd_buf_free(buf);
	df.domain_id = dom;
	test_err_raw(EOPNOTSUPP, ITD_DOMAIN_FREE, &df);
	test_cmd_domain_free(dom);
}

TEST_F(td, unknown_ids_are_enoent)
{
	unsigned char scratch[16] = {};
	uint32_t buf, dom;

	test_err_buf_free(ENOENT, NO_ID);
	test_err_buf_rw(ENOENT, 0, NO_ID, 0, sizeof(scratch), scratch);
	test_err_buf_rw(ENOENT, ITD_BUF_WRITE, NO_ID, 0, sizeof(scratch), scratch);
	test_cmd_buf_alloc(self->pg, &buf);
	test_cmd_buf_free(buf);
	test_err_buf_free(ENOENT, buf);
	test_err_buf_rw(ENOENT, 0, buf, 0, sizeof(scratch), scratch);

	test_err_domain_free(ENOENT, NO_ID);
	NEED_IOMMU();
	test_cmd_domain_alloc(0, &dom);
	test_cmd_domain_free(dom);
	test_err_domain_free(ENOENT, dom);
}

/* --- buffers ---------------------------------------------------------------------------------- */

TEST_F(td, buf_alloc_bad_lengths)
{
	test_err_buf_alloc(EINVAL, 0, 0, 0);
	test_err_buf_alloc(EINVAL, 1, 0, 0);
	test_err_buf_alloc(EINVAL, SZ_4K - 1, 0, 0);
	test_err_buf_alloc(EINVAL, SZ_4K + 1, 0, 0);
	test_err_buf_alloc(EINVAL, SZ_4K + SZ_4K / 2, 0, 0);
	test_err_buf_alloc(EINVAL, UINT64_MAX, 0, 0);
}

TEST_F(td, buf_alloc_bad_alignments)
{
	test_err_buf_alloc(EINVAL, self->pg, 1, 0);
	test_err_buf_alloc(EINVAL, self->pg, SZ_4K / 2, 0);
	test_err_buf_alloc(EINVAL, self->pg, SZ_4K - 1, 0);
	test_err_buf_alloc(EINVAL, self->pg, SZ_4K + 1, 0);
	test_err_buf_alloc(EINVAL, self->pg, 3 * SZ_4K, 0);
	test_err_buf_alloc(EINVAL, self->pg, (1ull << 63) | SZ_4K, 0);
	/* 0 means 4 KiB; any larger power of two is fine. */
	test_err_buf_alloc(0, self->pg, 0, 0);
	test_err_buf_alloc(0, self->pg, 4 * self->pg, 0);
}

TEST_F(td, buf_alloc_too_large_is_enomem)
{
	test_err_buf_alloc(ENOMEM, SZ_1T, 0, 0);
	test_err_buf_alloc(ENOMEM, self->pg, SZ_1T, 0);
}

TEST_F(td, buf_is_zeroed_and_rw_round_trips)
{
	uint64_t len = 2 * self->pg;
	unsigned char *p = malloc(len), msg[300];
	uint64_t nz = 0;
	uint32_t buf;

	ASSERT_NE(NULL, p);
	test_cmd_buf_alloc(len, &buf);
	memset(p, 0xff, len);
	test_cmd_buf_read(buf, 0, p, len);
	while (nz < len && !p[nz])
		nz++;
	ASSERT_EQ(len, nz) TH_LOG("new buffer byte %#llx is %#x", (unsigned long long)nz, p[nz]);
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)(i * 7 + 1);
	/* Across the page boundary, up to the last byte. */
	test_cmd_buf_write(buf, self->pg - 100, msg, sizeof(msg));
	test_cmd_buf_write(buf, len - 1, msg, 1);
	test_cmd_buf_read(buf, 0, p, len);
	EXPECT_EQ(0, memcmp(p + self->pg - 100, msg, sizeof(msg)));
	EXPECT_EQ(msg[0], p[len - 1]);
	EXPECT_EQ(0, p[self->pg - 101]);
	EXPECT_EQ(0, p[self->pg + 200]);
	free(p);
}

TEST_F(td, buf_rw_out_of_range)
{
	uint64_t pg = self->pg;
	unsigned char *scratch = calloc(1, 2 * pg);
	uint32_t buf;

	ASSERT_NE(NULL, scratch);
	test_cmd_buf_alloc(pg, &buf);
	for (uint32_t f = 0; f <= ITD_BUF_WRITE; f += ITD_BUF_WRITE) {
		test_err_buf_rw(EINVAL, f, buf, 0, 0, scratch);
		test_err_buf_rw(EINVAL, f, buf, pg, 0, scratch);
		test_err_buf_rw(EINVAL, f, buf, pg, 1, scratch);
		test_err_buf_rw(EINVAL, f, buf, pg - 1, 2, scratch);
		test_err_buf_rw(EINVAL, f, buf, 0, pg + 1, scratch);
		test_err_buf_rw(EINVAL, f, buf, 2 * pg, 1, scratch);
		test_err_buf_rw(EINVAL, f, buf, UINT64_MAX, 1, scratch);
		test_err_buf_rw(EINVAL, f, buf, 1, UINT64_MAX, scratch);
		/* The edges themselves are inside. */
		test_err_buf_rw(0, f, buf, pg - 1, 1, scratch);
		test_err_buf_rw(0, f, buf, 0, pg, scratch);
	}
	free(scratch);
}

TEST_F(td, buf_free_while_mapped_is_ebusy)
{
	uint64_t pg = self->pg, iova = self->iova;
	uint32_t buf, dom;

	NEED_IOMMU();
	test_cmd_buf_alloc(2 * pg, &buf);
	test_cmd_domain_alloc(0, &dom);
	test_cmd_map(dom, iova, buf, 0, pg, RW);
	test_cmd_map(dom, iova + 4 * pg, buf, pg, pg, ITD_MAP_READ);
	test_err_buf_free(EBUSY, buf);
	test_cmd_unmap(dom, iova, pg);
	test_err_buf_free(EBUSY, buf);
	test_cmd_unmap(dom, iova + 4 * pg, pg);
	test_cmd_buf_free(buf);
}

/* --- ITD_MAP / ITD_UNMAP ---------------------------------------------------------------------- */

TEST_F(td, map_zero_length)
{
	uint32_t buf, dom;

	NEED_IOMMU();
	test_cmd_buf_alloc(self->pg, &buf);
	test_cmd_domain_alloc(0, &dom);
	test_err_map(EINVAL, dom, self->iova, buf, 0, 0, RW);
	test_err_unmap(EINVAL, dom, self->iova, 0);
}

TEST_F(td, map_misaligned_iova)
{
	uint64_t half = self->minpg / 2, pg = self->pg, iova = self->iova;
	uint32_t buf, dom;

	NEED_IOMMU();
	if (!half)
		SKIP(return, "the smallest page is one byte: every IOVA is aligned");
	test_cmd_buf_alloc(2 * pg, &buf);
	test_cmd_domain_alloc(0, &dom);
	test_err_map(EINVAL, dom, iova + half, buf, 0, pg, RW);
	test_err_map(EINVAL, dom, iova + 1, buf, 0, pg, RW);
	test_cmd_map(dom, iova, buf, 0, 2 * pg, RW);
	test_err_unmap(EINVAL, dom, iova + half, pg);
	test_cmd_unmap(dom, iova, 2 * pg);
}

TEST_F(td, map_misaligned_length)
{
	uint64_t half = self->minpg / 2, pg = self->pg, iova = self->iova;
	uint32_t buf, dom;

	NEED_IOMMU();
	if (!half)
		SKIP(return, "the smallest page is one byte: every length is aligned");
	test_cmd_buf_alloc(2 * pg, &buf);
	test_cmd_domain_alloc(0, &dom);
	test_err_map(EINVAL, dom, iova, buf, 0, half, RW);
	test_err_map(EINVAL, dom, iova, buf, 0, pg + half, RW);
	test_cmd_map(dom, iova, buf, 0, 2 * pg, RW);
	test_err_unmap(EINVAL, dom, iova, pg + half);
	test_cmd_unmap(dom, iova, 2 * pg);
}

TEST_F(td, map_misaligned_buf_offset)
{
	uint64_t pg = self->pg;
	uint32_t buf, dom;

	NEED_IOMMU();
	test_cmd_buf_alloc(2 * pg, &buf);
	test_cmd_domain_alloc(0, &dom);
	test_err_map(EINVAL, dom, self->iova, buf, SZ_4K / 2, pg, RW);
	test_err_map(EINVAL, dom, self->iova, buf, 1, pg, RW);
}

TEST_F(td, map_overflowing_iova)
{
	uint64_t pg = self->pg, last = 0 - pg;	/* the top page of the IOVA space */
	uint32_t buf, dom;

	NEED_IOMMU();
	test_cmd_buf_alloc(2 * pg, &buf);
	test_cmd_domain_alloc(0, &dom);
	test_err_map(EOVERFLOW, dom, last, buf, 0, 2 * pg, RW);
	test_err_map(EOVERFLOW, dom, last - pg, buf, 0, 3 * pg, RW);
	test_err_unmap(EOVERFLOW, dom, last, 2 * pg);
}

TEST_F(td, map_beyond_aperture)
{
	uint64_t pg = self->pg, start = self->info.aperture_start, end = self->info.aperture_end;
	uint64_t above;
	uint32_t buf, dom;

	NEED_IOMMU();
	if (end == UINT64_MAX)
		SKIP(return, "the aperture [%#llx, %#llx] reaches the top of the IOVA space",
		     (unsigned long long)start, (unsigned long long)end);
	test_cmd_buf_alloc(2 * pg, &buf);
	test_cmd_domain_alloc(0, &dom);
	above = (end + pg) & ~(pg - 1);		/* the first whole page above the aperture */
	if (above > end && above + pg - 1 > above) {
		test_err_map(ERANGE, dom, above, buf, 0, pg, RW);
		test_err_unmap(ERANGE, dom, above, pg);
	}
	/* One page in, one page out. */
	if (((end + 1) & (pg - 1)) == 0 && end <= UINT64_MAX - pg)
		test_err_map(ERANGE, dom, end + 1 - pg, buf, 0, 2 * pg, RW);
	/* Below it, when it does not start at 0. */
	if (start >= pg)
		test_err_map(ERANGE, dom, (start - 1) & ~(pg - 1), buf, 0, pg, RW);
}

/* The function's IOMMU reserved regions (the MSI window on both testbeds)
 * are not ordinary IOVAs: a mapping touching one is refused (iommufd refuses
 * it too); the page just below one maps. */
TEST_F(td, map_over_reserved_region_is_eaddrinuse)
{
	struct lab_resv_region r[8];
	uint64_t pg = self->pg;
	uint32_t buf, dom;
	int n, i;

	NEED_IOMMU();
	n = lab_pci_resv_regions(self->bdf, r, 8);
	for (i = 0; i < n; i++)
		if (strcmp(r[i].type, "direct-relaxable") && r[i].start >= self->info.aperture_start + pg &&
		    r[i].end <= self->info.aperture_end && !(r[i].start & (pg - 1)))
			break;
	if (i >= n)
		SKIP(return, "%s: no reserved region inside the aperture (%d regions)", self->bdf, n);
	TH_LOG("%s: reserved region %#llx-%#llx %s", self->bdf, (unsigned long long)r[i].start,
	       (unsigned long long)r[i].end, r[i].type);
	test_cmd_buf_alloc(2 * pg, &buf);
	test_cmd_domain_alloc(0, &dom);
	test_err_map(EADDRINUSE, dom, r[i].start, buf, 0, pg, RW);		/* its first page */
	test_err_map(EADDRINUSE, dom, r[i].start - pg, buf, 0, 2 * pg, RW);	/* across its start */
	test_err_map(EADDRINUSE, dom, (r[i].end & ~(pg - 1)), buf, 0, pg, RW);	/* its last page */
	test_cmd_map(dom, r[i].start - pg, buf, 0, pg, RW);			/* just below */
}

TEST_F(td, map_overlap_is_eexist)
{
	uint64_t pg = self->pg, iova = self->iova + 4 * self->pg;
	uint32_t buf, dom;

	NEED_IOMMU();
	test_cmd_buf_alloc(4 * pg, &buf);
	test_cmd_domain_alloc(0, &dom);
	test_cmd_map(dom, iova, buf, 0, 2 * pg, RW);
	test_err_map(EEXIST, dom, iova, buf, 0, 2 * pg, RW);		/* the same range */
	test_err_map(EEXIST, dom, iova + pg, buf, 0, pg, RW);		/* inside */
	test_err_map(EEXIST, dom, iova - pg, buf, 0, 2 * pg, RW);	/* its start */
	test_err_map(EEXIST, dom, iova + pg, buf, 0, 2 * pg, RW);	/* its end */
	test_err_map(EEXIST, dom, iova - pg, buf, 0, 4 * pg, RW);	/* around it */
	/* Touching is not overlapping. */
	test_cmd_map(dom, iova - pg, buf, 0, pg, RW);
	test_cmd_map(dom, iova + 2 * pg, buf, 0, pg, RW);
}

TEST_F(td, map_without_permission_is_einval)
{
	uint32_t buf, dom;

	NEED_IOMMU();
	test_cmd_buf_alloc(self->pg, &buf);
	test_cmd_domain_alloc(0, &dom);
	test_err_map(EINVAL, dom, self->iova, buf, 0, self->pg, 0);
	test_cmd_map(dom, self->iova, buf, 0, self->pg, ITD_MAP_READ);
	test_cmd_map(dom, self->iova + self->pg, buf, 0, self->pg, ITD_MAP_WRITE);
}

TEST_F(td, map_beyond_buffer)
{
	uint64_t pg = self->pg, iova = self->iova;
	uint32_t buf, dom;

	NEED_IOMMU();
	test_cmd_buf_alloc(2 * pg, &buf);
	test_cmd_domain_alloc(0, &dom);
	test_err_map(EINVAL, dom, iova, buf, 0, 3 * pg, RW);
	test_err_map(EINVAL, dom, iova, buf, pg, 2 * pg, RW);
	test_err_map(EINVAL, dom, iova, buf, 2 * pg, pg, RW);
	test_err_map(EINVAL, dom, iova, buf, 4 * pg, pg, RW);
	test_err_map(EINVAL, dom, iova, buf, (0 - pg) & ~(SZ_4K - 1), 2 * pg, RW);
	/* The last page is inside. */
	test_cmd_map(dom, iova, buf, pg, pg, RW);
}

TEST_F(td, map_unknown_ids)
{
	uint32_t buf, dom;

	NEED_IOMMU();
	test_cmd_buf_alloc(self->pg, &buf);
	test_cmd_domain_alloc(0, &dom);
	test_err_map(ENOENT, NO_ID, self->iova, buf, 0, self->pg, RW);
	test_err_map(ENOENT, dom, self->iova, NO_ID, 0, self->pg, RW);
	test_err_unmap(ENOENT, NO_ID, self->iova, self->pg);
	/* Nor ids that were freed. */
	test_cmd_domain_free(dom);
	test_err_map(ENOENT, dom, self->iova, buf, 0, self->pg, RW);
	test_err_unmap(ENOENT, dom, self->iova, self->pg);
	test_cmd_domain_alloc(0, &dom);
	test_cmd_buf_free(buf);
	test_err_map(ENOENT, dom, self->iova, buf, 0, self->pg, RW);
}

TEST_F(td, unmap_unmapped_is_enoent)
{
	uint64_t pg = self->pg, iova = self->iova;
	uint32_t buf, dom;

	NEED_IOMMU();
	test_cmd_buf_alloc(pg, &buf);
	test_cmd_domain_alloc(0, &dom);
	test_err_unmap(ENOENT, dom, iova, pg);
	test_cmd_map(dom, iova + pg, buf, 0, pg, RW);
	test_cmd_map(dom, iova + 3 * pg, buf, 0, pg, RW);
	test_err_unmap(ENOENT, dom, iova, 2 * pg);		/* a hole before */
	test_err_unmap(ENOENT, dom, iova + pg, 2 * pg);		/* a hole after */
	test_err_unmap(ENOENT, dom, iova + pg, 3 * pg);		/* a hole between */
	test_err_unmap(ENOENT, dom, iova + 2 * pg, pg);		/* only the hole */
	/* Nothing was unmapped on the way. */
	test_cmd_unmap(dom, iova + pg, pg);
	test_cmd_unmap(dom, iova + 3 * pg, pg);
	test_err_unmap(ENOENT, dom, iova + pg, pg);
}

TEST_F(td, unmap_partial_mapping_is_einval)
{
	uint64_t pg = self->pg, iova = self->iova;
	uint32_t buf, dom;

	NEED_IOMMU();
	test_cmd_buf_alloc(3 * pg, &buf);
	test_cmd_domain_alloc(0, &dom);
	test_cmd_map(dom, iova, buf, 0, 3 * pg, RW);
	test_err_unmap(EINVAL, dom, iova, pg);
	test_err_unmap(EINVAL, dom, iova + pg, pg);
	test_err_unmap(EINVAL, dom, iova + pg, 2 * pg);
	test_cmd_unmap(dom, iova, 3 * pg);
}

TEST_F(td, unmap_two_adjacent_mappings_at_once_works)
{
	uint64_t pg = self->pg, iova = self->iova;
	uint32_t buf, dom;

	NEED_IOMMU();
	test_cmd_buf_alloc(2 * pg, &buf);
	test_cmd_domain_alloc(0, &dom);
	test_cmd_map(dom, iova, buf, 0, pg, RW);
	test_cmd_map(dom, iova + pg, buf, pg, pg, ITD_MAP_READ);
	test_cmd_unmap(dom, iova, 2 * pg);
	test_err_unmap(ENOENT, dom, iova, pg);
	test_err_unmap(ENOENT, dom, iova + pg, pg);
	test_cmd_buf_free(buf);
}

/* --- attachments ------------------------------------------------------------------------------ */

TEST_F(td, state_transitions_reported)
{
	uint32_t dom;

	NEED_IOMMU();
	test_cmd_domain_alloc(0, &dom);
	test_cmd_state(ITD_STATE_DEFAULT, 0);
	test_cmd_attach(ITD_DOMAIN_BLOCKED);
	test_cmd_state(ITD_STATE_BLOCKED, 0);
	test_cmd_attach(dom);
	test_cmd_state(ITD_STATE_DOMAIN, dom);
	test_cmd_detach();
	test_cmd_state(ITD_STATE_BLOCKED, 0);
	test_cmd_attach(ITD_DOMAIN_DEFAULT);
	test_cmd_state(ITD_STATE_DEFAULT, 0);
}

TEST_F(td, state_transitions_by_attach)
{
	uint32_t dom;

	NEED_IOMMU();
	test_cmd_domain_alloc(0, &dom);
	test_cmd_attach(dom);
	test_cmd_state(ITD_STATE_DOMAIN, dom);
	test_cmd_attach(ITD_DOMAIN_BLOCKED);
	test_cmd_state(ITD_STATE_BLOCKED, 0);
	test_cmd_attach(dom);
	test_cmd_state(ITD_STATE_DOMAIN, dom);
	test_cmd_attach(ITD_DOMAIN_DEFAULT);
	test_cmd_state(ITD_STATE_DEFAULT, 0);
	/* Back on the default domain, the test domain is no longer attached. */
	test_cmd_domain_free(dom);
}

TEST_F(td, double_attach_is_ebusy)
{
	uint32_t dom;

	NEED_IOMMU();
	test_cmd_domain_alloc(0, &dom);
	test_err_attach(EBUSY, ITD_DOMAIN_DEFAULT);
	test_cmd_state(ITD_STATE_DEFAULT, 0);
	test_cmd_attach(ITD_DOMAIN_BLOCKED);
	test_err_attach(EBUSY, ITD_DOMAIN_BLOCKED);
	test_cmd_state(ITD_STATE_BLOCKED, 0);
	test_cmd_attach(dom);
	test_err_attach(EBUSY, dom);
	test_cmd_state(ITD_STATE_DOMAIN, dom);
}

TEST_F(td, attach_second_domain_while_attached_is_ebusy)
{
	uint32_t d1, d2;

	NEED_IOMMU();
	test_cmd_domain_alloc(0, &d1);
	test_cmd_domain_alloc(0, &d2);
	test_cmd_attach(d1);
	test_err_attach(EBUSY, d2);
	test_cmd_state(ITD_STATE_DOMAIN, d1);
	test_cmd_detach();
	test_cmd_attach(d2);
	test_cmd_state(ITD_STATE_DOMAIN, d2);
}

TEST_F(td, detach_without_attach_is_enoent)
{
	uint32_t dom;

	NEED_IOMMU();
	test_err_detach(ENOENT);
	test_cmd_state(ITD_STATE_DEFAULT, 0);
	test_cmd_attach(ITD_DOMAIN_BLOCKED);
	test_err_detach(ENOENT);
	test_cmd_state(ITD_STATE_BLOCKED, 0);
	test_cmd_domain_alloc(0, &dom);
	test_cmd_attach(dom);
	test_cmd_detach();
	test_err_detach(ENOENT);
}

TEST_F(td, domain_free_while_attached_is_ebusy)
{
	uint32_t dom;

	NEED_IOMMU();
	test_cmd_domain_alloc(0, &dom);
	test_cmd_attach(dom);
	test_err_domain_free(EBUSY, dom);
	test_cmd_state(ITD_STATE_DOMAIN, dom);
	test_cmd_detach();
	test_cmd_domain_free(dom);
	test_err_domain_free(ENOENT, dom);
}

TEST_F(td, attach_unknown_domain_is_enoent)
{
	uint32_t dom;

	NEED_IOMMU();
	test_err_attach(ENOENT, NO_ID);
	test_cmd_state(ITD_STATE_DEFAULT, 0);
	test_cmd_domain_alloc(0, &dom);
	test_cmd_domain_free(dom);
	test_err_attach(ENOENT, dom);
	test_cmd_attach(ITD_DOMAIN_BLOCKED);
	test_err_attach(ENOENT, NO_ID);
	test_cmd_state(ITD_STATE_BLOCKED, 0);
}

/* --- PASIDs ----------------------------------------------------------------------------------- */

/* PASID checks run with the RID owned (blocked), as a PASID user's would be. */
TEST_F(td, pasid_boundaries)
{
	uint64_t pg = self->pg, iova = self->iova;
	uint32_t max = self->info.max_pasids, dom, plain;

	NEED_IOMMU();
	if (!max) {
		/* The answer must not hang on the domain's flags: use one fit for PASIDs. */
		if (lab_td_domain_alloc(self->fd, ITD_DOMAIN_PASID, &dom)) {
			TH_LOG("no ITD_DOMAIN_PASID domain without PASIDs; using a plain one");
			test_cmd_domain_alloc(0, &dom);
		}
		test_cmd_block();
		test_err_attach_pasid(EOPNOTSUPP, dom, 1);
		test_err_attach_pasid(EOPNOTSUPP, dom, 0);
		test_err_detach_pasid(EOPNOTSUPP, 1);
		test_err_dma(EOPNOTSUPP, ITD_DMA_PASID | ITD_DMA_SOFTWARE, 1, iova, iova + pg, pg);
		test_err_dma(EOPNOTSUPP, ITD_DMA_PASID, 1, iova, iova + pg, pg);
		return;
	}
	test_cmd_block();
	test_cmd_domain_alloc(ITD_DOMAIN_PASID, &dom);
	test_cmd_domain_alloc(0, &plain);
	test_err_attach_pasid(EINVAL, dom, 0);
	test_err_attach_pasid(ERANGE, dom, max);
	if (max < UINT32_MAX)
		test_err_attach_pasid(ERANGE, dom, UINT32_MAX);
	test_err_detach_pasid(EINVAL, 0);
	test_err_detach_pasid(ERANGE, max);
	test_err_dma(EINVAL, ITD_DMA_PASID | ITD_DMA_SOFTWARE, 0, iova, iova + pg, pg);
	test_err_dma(ERANGE, ITD_DMA_PASID | ITD_DMA_SOFTWARE, max, iova, iova + pg, pg);
	if (max == 1)
		SKIP(return, "the device's only PASID is 0 (no PASID): none to attach at");
	test_err_attach_pasid(EINVAL, plain, max - 1);
	test_cmd_attach_pasid(dom, max - 1);
	test_cmd_state(ITD_STATE_BLOCKED, 0);
	test_cmd_detach_pasid(max - 1);
	test_err_detach_pasid(ENOENT, max - 1);
}

TEST_F(td, pasid_in_use_is_ebusy)
{
	uint32_t max = self->info.max_pasids, d1, d2;

	NEED_IOMMU();
	if (max < 2)
		SKIP(return, "%s has no PASID to attach at (max_pasids %u)", self->bdf, max);
	test_cmd_block();
	test_cmd_domain_alloc(ITD_DOMAIN_PASID, &d1);
	test_cmd_domain_alloc(ITD_DOMAIN_PASID, &d2);
	test_cmd_attach_pasid(d1, 1);
	test_err_attach_pasid(EBUSY, d1, 1);
	test_err_attach_pasid(EBUSY, d2, 1);
	test_err_domain_free(EBUSY, d1);
	test_cmd_detach_pasid(1);
	test_cmd_attach_pasid(d2, 1);
	test_cmd_domain_free(d1);
}

TEST_F(td, default_while_pasid_attached_is_ebusy)
{
	uint32_t max = self->info.max_pasids, dom;

	NEED_IOMMU();
	if (max < 2)
		SKIP(return, "%s has no PASID to attach at (max_pasids %u)", self->bdf, max);
	test_cmd_block();
	test_cmd_domain_alloc(ITD_DOMAIN_PASID, &dom);
	test_cmd_attach_pasid(dom, 1);
	test_err_attach(EBUSY, ITD_DOMAIN_DEFAULT);
	test_cmd_state(ITD_STATE_BLOCKED, 0);
	test_cmd_detach_pasid(1);
	test_cmd_attach(ITD_DOMAIN_DEFAULT);
	test_cmd_state(ITD_STATE_DEFAULT, 0);
}

/* --- ITD_DMA arguments ------------------------------------------------------------------------ */

TEST_F(td, dma_zero_length)
{
	uint64_t iova = self->iova;

	NEED_IOMMU();
	test_cmd_block();
	test_err_dma(EINVAL, ITD_DMA_SOFTWARE, 0, iova, iova + self->pg, 0);
	if (self->info.engine[0])
		test_err_dma(EINVAL, 0, 0, iova, iova + self->pg, 0);
}

TEST_F(td, dma_too_long)
{
	uint64_t iova = self->iova, max = self->info.dma_max_len;

	NEED_IOMMU();
	test_cmd_block();
	test_err_dma(E2BIG, ITD_DMA_SOFTWARE, 0, iova, iova + 2 * SZ_2M, SZ_2M + SZ_4K);
	if (!self->info.engine[0])
		SKIP(return, "%s has no device engine: checked the software engine's limit only",
		     self->bdf);
	test_err_dma(E2BIG, 0, 0, iova, iova + 2 * max + SZ_4K, max + 1);
}

/* Up to 2 MiB is the software engine's to take: with the RID blocked it
 * issues the transfer, which faults. */
TEST_F(td, dma_software_accepts_2mib)
{
	struct itd_dma op = {
		.flags = ITD_DMA_SOFTWARE, .src_iova = self->iova, .dst_iova = self->iova + SZ_2M,
		.length = SZ_2M,
	};

	NEED_IOMMU();
	test_cmd_block();
	td_assert(lab_td_dma(self->fd, &op), "ITD_DMA software 2 MiB");
	EXPECT_EQ(ITD_DMA_FAULT, op.status) TH_LOG("blocked RID: status %u", op.status);
	EXPECT_EQ(ITD_ENGINE_SOFTWARE, op.engine_kind);
}

TEST_F(td, dma_overflowing_iova)
{
	uint64_t iova = self->iova, len = SZ_4K, wrap;

	NEED_IOMMU();
	test_cmd_block();
	wrap = 0 - (len - 1);	/* wrap + len - 1 is 2^64 */
	test_err_dma(EOVERFLOW, ITD_DMA_SOFTWARE, 0, wrap, iova, len);
	test_err_dma(EOVERFLOW, ITD_DMA_SOFTWARE, 0, iova, wrap, len);
	test_err_dma(EOVERFLOW, ITD_DMA_SOFTWARE, 0, UINT64_MAX, iova, 2);
	if (!self->info.engine[0])
		return;
	if (len > self->info.dma_max_len)
		len = self->info.dma_max_len;
	if (len < 2)
		return;
	wrap = 0 - (len - 1);
	test_err_dma(EOVERFLOW, 0, 0, wrap, iova, len);
	test_err_dma(EOVERFLOW, 0, 0, iova, wrap, len);
}

TEST_F(td, dma_unknown_flags)
{
	uint64_t iova = self->iova, pg = self->pg;

	NEED_IOMMU();
	test_cmd_block();
	test_err_dma(EOPNOTSUPP, ITD_DMA_SOFTWARE | (1u << 2), 0, iova, iova + pg, pg);
	test_err_dma(EOPNOTSUPP, ITD_DMA_SOFTWARE | BAD_FLAG, 0, iova, iova + pg, pg);
	test_err_dma(EOPNOTSUPP, BAD_FLAG, 0, iova, iova + pg, pg);
}

TEST_F(td, dma_without_engine_is_eopnotsupp)
{
	NEED_IOMMU();
	if (self->info.engine[0])
		SKIP(return, "%s has a device engine (%.16s)", self->bdf, self->info.engine);
	test_cmd_block();
	test_err_dma(EOPNOTSUPP, 0, 0, self->iova, self->iova + self->pg, self->pg);
}

/* --- ITD_MSI ------------------------------------------------------------------------------------- */

TEST_F(td, msi_bad_arguments)
{
	struct itd_msi m = { .size = sizeof(m), .count = 1 };

	m.count = 0;
	EXPECT_EQ(-EINVAL, lab_td_ioctl(self->fd, ITD_MSI, &m));
	m.count = ITD_MSI_MAX + 1;
	EXPECT_EQ(-EINVAL, lab_td_ioctl(self->fd, ITD_MSI, &m));
	m.count = 1;
	m.timeout_ms = 60001;
	EXPECT_EQ(-EINVAL, lab_td_ioctl(self->fd, ITD_MSI, &m));
	m.timeout_ms = 0;
	m.flags = 1;
	EXPECT_EQ(-EOPNOTSUPP, lab_td_ioctl(self->fd, ITD_MSI, &m));
	m.flags = 0;
	if (!self->info.engine[0]) {
		EXPECT_EQ(-EOPNOTSUPP, lab_td_ioctl(self->fd, ITD_MSI, &m));
		return;
	}
	EXPECT_EQ(0, lab_td_ioctl(self->fd, ITD_MSI, &m));
	EXPECT_EQ(1u, m.delivered);
}

/* --- open() and close() ----------------------------------------------------------------------- */

TEST_F(td, second_open_is_ebusy)
{
	int fd = lab_td_open(self->bdf);

	EXPECT_EQ(-EBUSY, fd) TH_LOG("second open: %s", errname(fd));
	if (fd >= 0)
		close(fd);
}

/*
 * Run FN in a child with the device free; its exit status: 0 for the refusal
 * expected, 1 for anything else, 2 if it could not set itself up. The
 * fixture's fd is reopened afterwards.
 */
static int in_child(struct __test_metadata *_metadata, FIXTURE_DATA(td) *self,
		    int (*fn)(struct __test_metadata *, const char *))
{
	int status = 0;
	pid_t pid;

	/* A refusal must come from the check under test, not from EBUSY. */
	close(self->fd);
	self->fd = -1;
	pid = fork();
	if (!pid)
		_exit(fn(_metadata, self->bdf));
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		status = -1;
	self->fd = lab_td_open(self->bdf);
	if (status < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int open_as_nobody(struct __test_metadata *_metadata, const char *bdf)
{
	int fd;

	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 2;
	fd = lab_td_open(bdf);
	if (fd == -EACCES || fd == -EPERM)
		return 0;
	TH_LOG("uid 65534: open gave %s", errname(fd));
	if (fd >= 0)
		close(fd);
	return 1;
}

TEST_F(td, open_as_non_root_is_refused)
{
	int ret = in_child(_metadata, self, open_as_nobody);

	ASSERT_LE(0, ret) TH_LOG("the child did not exit normally");
	if (ret == 2)
		SKIP(return, "cannot drop to uid/gid 65534");
	EXPECT_EQ(0, ret) TH_LOG("a non-root opener was not refused with EACCES or EPERM");
}

static int open_without_rawio(struct __test_metadata *_metadata, const char *bdf)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int fd;

	if (syscall(SYS_capget, &hdr, data))
		return 2;
	data[CAP_TO_INDEX(CAP_SYS_RAWIO)].effective &= ~CAP_TO_MASK(CAP_SYS_RAWIO);
	if (syscall(SYS_capset, &hdr, data))
		return 2;
	fd = lab_td_open(bdf);
	if (fd == -EPERM)
		return 0;
	TH_LOG("root without CAP_SYS_RAWIO: open gave %s", errname(fd));
	if (fd >= 0)
		close(fd);
	return 1;
}

/* Root passes the 0600 mode: the capability alone refuses it. */
TEST_F(td, open_without_cap_sys_rawio_is_eperm)
{
	int ret = in_child(_metadata, self, open_without_rawio);

	ASSERT_LE(0, ret) TH_LOG("the child did not exit normally");
	if (ret == 2)
		SKIP(return, "cannot drop CAP_SYS_RAWIO from the effective set");
	EXPECT_EQ(0, ret) TH_LOG("an opener without CAP_SYS_RAWIO was not refused with EPERM");
}

TEST_F(td, close_tears_down_state)
{
	uint64_t pg = self->pg;
	uint32_t buf, dom;

	NEED_IOMMU();
	test_cmd_buf_alloc(pg, &buf);
	test_cmd_domain_alloc(0, &dom);
	test_cmd_map(dom, self->iova, buf, 0, pg, RW);
	test_cmd_attach(dom);
	test_cmd_state(ITD_STATE_DOMAIN, dom);
	ASSERT_EQ(0, close(self->fd));
	self->fd = lab_td_open(self->bdf);
	ASSERT_LE(0, self->fd) TH_LOG("reopen after close: %s", errname(self->fd));
	test_cmd_state(ITD_STATE_DEFAULT, 0);
	test_err_domain_free(ENOENT, dom);
	test_err_buf_free(ENOENT, buf);
	/* The device is free to be owned again. */
	test_cmd_attach(ITD_DOMAIN_BLOCKED);
}

TEST_HARNESS_MAIN
