/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vocabulary of the iommu_testdev test programs, in the shape of the
 * kernel's iommufd selftests (tools/testing/selftests/iommu/iommufd_utils.h):
 *
 *   _test_cmd_x(fd, ...)	one step; 0 or -errno (the lab_td_x wrappers of
 *				lib/testdev.h are this where they fit as they are)
 *   test_cmd_x(...)		the step must succeed: the test builds on it
 *   test_err_x(errno, ...)	the step must give errno (0: succeed), as
 *				docs/testdev.md says; test_cmd_x's arguments
 *
 * They act on self->f, the struct td_fixture in every program's fixture.
 *
 * Fixtures have one variant per engine: `edu` (QEMU's edu device),
 * `labdev` (our PASID-capable QEMU device, docs/labdev.md) and `nvme` (any
 * NVMe function: a lab host's, or QEMU's own model), real DMA through the
 * IOMMU by whichever function handed to the run has that engine
 * (TD_DEVICE_VARIANTS); the DMA programs add `software` (the module's mock
 * engine: the CPU walks the domain's page tables; TD_ENGINE_VARIANTS). A
 * variant whose device was not handed to the run SKIPs. Each DMA test records
 * which engine produced its result. A new device engine is one more line in
 * TD_DEVICE_VARIANTS.
 */
#ifndef TESTDEV_COMMON_H
#define TESTDEV_COMMON_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "lab_platform.h"
#include "lab_iommufd.h"
#include "lab_results.h"
#include "lab_engines.h"

#define SZ_4K 0x1000ull
#define SZ_2M 0x200000ull
#define SZ_1G 0x40000000ull

/* IOVAs the tests use, well inside any aperture and away from reserved regions. */
#define IOVA_SRC 0x10000000ull
#define IOVA_DST 0x20000000ull

struct td_fixture {
	int fd;
	char bdf[32];
	struct itd_info info;
	bool software;
	uint64_t page;		/* the domain's smallest page (0: no paging domain) */
	struct lab_kmsg_mark mark;
	bool kmsg_ok;		/* the kernel log is readable: device faults can be seen */
};

/* Open the function whose engine is _engine (NULL: the software engine, on
 * the function with the most PASIDs); a variant without one SKIPs. */
#define TD_OPEN(_f, _engine)                                                                 \
	do {                                                                                 \
		const char *_list = getenv("IOMMU_LAB_TESTDEV");                             \
		(_f)->fd = -1;                                                               \
		(_f)->software = !(_engine);                                                 \
		if (!_list || !*_list)                                                       \
			SKIP(return, "no device handed to iommu_testdev (iommu-lab run --testdev BDF)"); \
		(_f)->fd = lab_td_open_engine(_list, (_engine), (_f)->bdf, sizeof((_f)->bdf), \
					      &(_f)->info);                                  \
		if ((_f)->fd == -ENOENT)                                                     \
			SKIP(return, "no function with the %s engine among those handed to " \
			     "iommu_testdev (%s)", (_engine), _list);                        \
		ASSERT_LE(0, (_f)->fd) TH_LOG("open %s: %s", _list, strerror(-(_f)->fd));    \
		(_f)->page = (_f)->info.pgsize_bitmap & -(_f)->info.pgsize_bitmap;           \
	} while (0)

/* The IOVAs the DMA programs map at (IOVA_SRC up to the 1 GiB test's end). */
#define TD_TEST_IOVAS_END (2 * SZ_1G)

/* The DMA programs' setup: the function opened, behind an IOMMU, its kernel
 * log marked and its engine recorded. An engine's own memory (nvme's queues,
 * at the IOVA the default domain gave them: their physical address in an
 * identity default domain) where the tests map would refuse their mappings. */
#define TD_SETUP(_f, _engine)                                                                \
	do {                                                                                 \
		TD_OPEN(_f, _engine);                                                        \
		if (!(_f)->info.pgsize_bitmap)                                               \
			SKIP(return, "%s is not behind an IOMMU (no paging domain)", (_f)->bdf); \
		if ((_f)->info.engine_iova_length &&                                         \
		    (_f)->info.engine_iova_start < TD_TEST_IOVAS_END &&                      \
		    (_f)->info.engine_iova_start + (_f)->info.engine_iova_length > IOVA_SRC) \
			SKIP(return, "%s: the %s engine's own memory is at IOVA %#llx, among "  \
			     "the IOVAs the tests map ([%#llx, %#llx))", (_f)->bdf,           \
			     (_f)->info.engine, (unsigned long long)(_f)->info.engine_iova_start, \
			     IOVA_SRC, TD_TEST_IOVAS_END);                                     \
		(_f)->kmsg_ok = !lab_kmsg_mark(&(_f)->mark);                                 \
		lab_record_engine((_f)->software ? "mock" : (_f)->info.engine,               \
				  (_f)->software ? LAB_ENGINE_SOFTWARE :                     \
				  td_record_kind((_f)->info.engine_kind));                   \
	} while (0)

/* The record's kind for a device engine's ITD_INFO kind. */
static inline enum lab_engine_kind td_record_kind(uint32_t kind)
{
	switch (kind) {
	case ITD_ENGINE_HARDWARE:
		return LAB_ENGINE_HARDWARE;
	case ITD_ENGINE_DEVICE:
		return LAB_ENGINE_DEVICE;
	default:
		return LAB_ENGINE_EMULATED;
	}
}

/* What the device engine can do (ITD_INFO engine_caps). A module from before
 * the field (dma_granule 0 too) had copying engines only. */
static inline uint32_t td_caps(const struct td_fixture *f)
{
	if (!f->info.engine[0])
		return 0;
	return f->info.dma_granule ? f->info.engine_caps : ITD_ENGINE_CAP_COPY;
}

/* The device engine moves whole blocks of this many bytes (1: any length). */
static inline uint32_t td_granule(const struct td_fixture *f)
{
	return f->info.dma_granule ? f->info.dma_granule : 1;
}

/* ... from addresses that are multiples of this. */
static inline uint32_t td_align(const struct td_fixture *f)
{
	return f->info.dma_align ? f->info.dma_align : 1;
}

/* A device variant whose engine cannot copy (nvme without a scratch range)
 * SKIPs a test that copies. */
#define TD_NEED_COPY(_f)                                                                     \
	do {                                                                                 \
		if (!(_f)->software && !(td_caps(_f) & ITD_ENGINE_CAP_COPY))                 \
			SKIP(return, "%s engine without a scratch range: copies need "        \
			     "--nvme-scratch; read-only pairs: testdev_nvme", (_f)->info.engine); \
	} while (0)

/* A transfer of _LEN bytes from page offset _SRC to page offset _DST, which
 * an engine moving whole blocks (nvme: LBAs, from dword-aligned addresses)
 * cannot make: the test SKIPs with the reason rather than change its sizes. */
#define TD_NEED_GRANULE(_f, _len, _src, _dst)                                                \
	do {                                                                                 \
		if (!(_f)->software &&                                                       \
		    ((_len) % td_granule(_f) || ((_src) | (_dst)) % td_align(_f)))            \
			SKIP(return, "the %s engine moves whole blocks of %u bytes between " \
			     "%u-byte aligned addresses: no %#llx bytes from offset %#llx "   \
			     "to %#llx", (_f)->info.engine, td_granule(_f), td_align(_f),    \
			     (unsigned long long)(_len), (unsigned long long)(_src),          \
			     (unsigned long long)(_dst));                                     \
	} while (0)

/* An engine that fetches its commands from memory (nvme) can issue nothing
 * while the RID is blocked: the module refuses with ENOLINK. */
static inline bool td_blocked_issues_nothing(const struct td_fixture *f)
{
	return !f->software && (td_caps(f) & ITD_ENGINE_CAP_QUEUES);
}

#define TD_TEARDOWN(_f)                                                                      \
	do {                                                                                 \
		if ((_f)->fd >= 0)                                                           \
			close((_f)->fd);                                                     \
	} while (0)

/* The device engines' variants of a fixture. */
#define TD_DEVICE_VARIANTS(_fixture)                                                         \
	FIXTURE_VARIANT(_fixture) { const char *engine; };                                   \
	FIXTURE_VARIANT_ADD(_fixture, edu) { .engine = "edu" };                              \
	FIXTURE_VARIANT_ADD(_fixture, labdev) { .engine = "labdev" };                        \
	FIXTURE_VARIANT_ADD(_fixture, nvme) { .engine = "nvme" }

/* And the software engine's: `.engine` NULL. */
#define TD_ENGINE_VARIANTS(_fixture)                                                         \
	TD_DEVICE_VARIANTS(_fixture);                                                        \
	FIXTURE_VARIANT_ADD(_fixture, software) { .engine = NULL }

/* A fixture that is a struct td_fixture and nothing more, with _VARIANTS. */
#define TD_FIXTURE(_fixture, _VARIANTS)                                                      \
	FIXTURE(_fixture) { struct td_fixture f; };                                          \
	_VARIANTS(_fixture);                                                                 \
	FIXTURE_SETUP(_fixture) { TD_SETUP(&self->f, variant->engine); }                     \
	FIXTURE_TEARDOWN(_fixture) { TD_TEARDOWN(&self->f); }

/* The fixture every DMA test program declares: its tests copy. */
#define TD_DMA_FIXTURE()                                                                     \
	FIXTURE(dma) { struct td_fixture f; };                                               \
	TD_ENGINE_VARIANTS(dma);                                                             \
	FIXTURE_SETUP(dma)                                                                   \
	{                                                                                    \
		TD_SETUP(&self->f, variant->engine);                                         \
		TD_NEED_COPY(&self->f);                                                      \
	}                                                                                    \
	FIXTURE_TEARDOWN(dma) { TD_TEARDOWN(&self->f); }

/* --- steps and their errno ------------------------------------------------------------------ */

/* "EINVAL" for -EINVAL (or EINVAL), "success" for 0. */
static inline const char *td_errname(int ret)
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
		{ EADDRINUSE, "EADDRINUSE" }, { ENOLINK, "ENOLINK" }, { EROFS, "EROFS" },
		{ EPROTO, "EPROTO" },
	};
	int err = ret < 0 ? -ret : ret;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			return names[i].name;
	return strerror(err);
}

/* _CALL (0 or -errno) is a step the test builds on: it must succeed. */
#define td_assert(_call, _what)                                                              \
	do {                                                                                 \
		int __ret = (_call);                                                         \
		ASSERT_EQ(0, __ret) TH_LOG("%s: %s", _what, td_errname(__ret));              \
	} while (0)

/* _CALL must give -_ERRNO (_ERRNO 0: success); _WHAT names it. */
#define td_expect(_errno, _call, _what)                                                      \
	do {                                                                                 \
		int __ret = (_call);                                                         \
		EXPECT_EQ(-(_errno), __ret)                                                  \
			TH_LOG("%s gave %s, docs/testdev.md says %s", _what,                 \
			       td_errname(__ret), td_errname(_errno));                       \
	} while (0)

/* The two forms of the step _fn(fd, ...), which the log names as written. */
#define td_cmd(_fn, ...) td_assert(_fn(self->f.fd, ##__VA_ARGS__), #_fn "(" #__VA_ARGS__ ")")
#define td_err(_errno, _fn, ...) \
	td_expect(_errno, _fn(self->f.fd, ##__VA_ARGS__), #_fn "(" #__VA_ARGS__ ")")

/* ITD_BUF_ALLOC: ID may be NULL (the buffer lives until the fd is closed). */
static inline int _test_cmd_buf_alloc(int fd, uint64_t len, uint64_t align, uint32_t flags,
				      uint32_t *id)
{
	uint32_t unused;

	return lab_td_buf_alloc(fd, len, align, flags, id ? id : &unused, NULL);
}

/* ITD_BUF_RW with any offset and length (lab_td_buf_read/write take a size_t). */
static inline int _test_cmd_buf_rw(int fd, uint32_t flags, uint32_t id, uint64_t off, uint64_t len,
				   void *p)
{
	struct itd_buf_rw rw = {
		.size = sizeof(rw), .flags = flags, .buf_id = id,
		.offset = off, .length = len, .uptr = (uintptr_t)p,
	};

	return lab_td_ioctl(fd, ITD_BUF_RW, &rw);
}

/* ITD_DOMAIN_ALLOC: ID may be NULL. */
static inline int _test_cmd_domain_alloc(int fd, uint32_t flags, uint32_t *id)
{
	uint32_t unused;

	return lab_td_domain_alloc(fd, flags, id ? id : &unused);
}

/* ITD_DMA with the caller's flags (no engine check: see td_copy_pasid()). */
static inline int _test_cmd_dma(int fd, uint32_t flags, uint32_t pasid, uint64_t src, uint64_t dst,
				uint64_t len)
{
	struct itd_dma op = {
		.flags = flags, .pasid = pasid, .src_iova = src, .dst_iova = dst, .length = len,
	};

	return lab_td_dma(fd, &op);
}

#define RW (ITD_MAP_READ | ITD_MAP_WRITE)

/*
 * A domain (FLAGS: 0 or ITD_DOMAIN_PASID) for one-page copies: page SRC_OFF
 * of buffer SRC read-only at IOVA_SRC, page DST_OFF of DST read-write at
 * IOVA_DST.
 */
static inline int _test_cmd_copy_domain(int fd, uint32_t flags, uint32_t *dom, uint32_t src,
					uint64_t src_off, uint32_t dst, uint64_t dst_off)
{
	int ret = lab_td_domain_alloc(fd, flags, dom);

	if (!ret)
		ret = lab_td_map(fd, *dom, IOVA_SRC, src, src_off, SZ_4K, ITD_MAP_READ);
	if (!ret)
		ret = lab_td_map(fd, *dom, IOVA_DST, dst, dst_off, SZ_4K, RW);
	return ret;
}

/*
 * Each command's two forms: after the fd, the arguments are those of the
 * function named (passed with ## so that the log shows them as written).
 */
#define test_cmd_buf_alloc(...)			td_cmd(_test_cmd_buf_alloc, ##__VA_ARGS__)
#define test_err_buf_alloc(_errno, ...)		td_err(_errno, _test_cmd_buf_alloc, ##__VA_ARGS__)
#define test_cmd_buf_dma_api(_len, _id, _dma)	\
	td_cmd(lab_td_buf_alloc, _len, 0, ITD_BUF_DMA_API, _id, _dma)
#define test_cmd_buf_free(...)			td_cmd(lab_td_buf_free, ##__VA_ARGS__)
#define test_err_buf_free(_errno, ...)		td_err(_errno, lab_td_buf_free, ##__VA_ARGS__)
#define test_cmd_buf_rw(...)			td_cmd(_test_cmd_buf_rw, ##__VA_ARGS__)
#define test_err_buf_rw(_errno, ...)		td_err(_errno, _test_cmd_buf_rw, ##__VA_ARGS__)
/* A paging domain needs the function in an IOMMU group: without one the
 * module answers ENODEV and ITD_INFO reported no page sizes at open
 * (docs/testdev.md), a SKIP with that reason; ENODEV after unbind stays a failure. */
#define test_cmd_domain_alloc(...)                                                           \
	do {                                                                                 \
		int __r = _test_cmd_domain_alloc(self->f.fd, ##__VA_ARGS__);                 \
		if (__r == -ENODEV && !self->f.info.pgsize_bitmap)                           \
			SKIP(return, "%s has no IOMMU group (not behind an IOMMU, or the "   \
			     "IOMMU never probed it): no paging domain", self->f.bdf);        \
		td_assert(__r, "_test_cmd_domain_alloc(" #__VA_ARGS__ ")");                  \
	} while (0)
#define test_err_domain_alloc(_errno, ...)	td_err(_errno, _test_cmd_domain_alloc, ##__VA_ARGS__)
#define test_cmd_domain_free(...)		td_cmd(lab_td_domain_free, ##__VA_ARGS__)
#define test_err_domain_free(_errno, ...)	td_err(_errno, lab_td_domain_free, ##__VA_ARGS__)
/* Blocking the RID needs DMA ownership (iommu_group_claim_dma_owner(),
 * Linux 5.19): a module built without it answers EOPNOTSUPP, a SKIP. */
#define test_cmd_attach(_id)                                                                 \
	do {                                                                                 \
		int __r = lab_td_attach(self->f.fd, _id);                                    \
		if (__r == -EOPNOTSUPP && (_id) == ITD_DOMAIN_BLOCKED)                        \
			SKIP(return, "the module cannot block the RID: built for a kernel "  \
			     "without DMA ownership (before Linux 5.19)");    \
		td_assert(__r, "lab_td_attach(" #_id ")");                                   \
	} while (0)
#define test_err_attach(_errno, ...)		td_err(_errno, lab_td_attach, ##__VA_ARGS__)
#define test_cmd_attach_pasid(...)		td_cmd(lab_td_attach_pasid, ##__VA_ARGS__)
#define test_err_attach_pasid(_errno, ...)	td_err(_errno, lab_td_attach_pasid, ##__VA_ARGS__)
#define test_cmd_detach()			td_cmd(lab_td_detach)
#define test_err_detach(_errno)			td_err(_errno, lab_td_detach)
#define test_cmd_detach_pasid(...)		td_cmd(lab_td_detach_pasid, ##__VA_ARGS__)
#define test_err_detach_pasid(_errno, ...)	td_err(_errno, lab_td_detach_pasid, ##__VA_ARGS__)
#define test_cmd_map(...)			td_cmd(lab_td_map, ##__VA_ARGS__)
#define test_err_map(_errno, ...)		td_err(_errno, lab_td_map, ##__VA_ARGS__)
#define test_cmd_unmap(...)			td_cmd(lab_td_unmap, ##__VA_ARGS__)
#define test_err_unmap(_errno, ...)		td_err(_errno, lab_td_unmap, ##__VA_ARGS__)
#define test_err_dma(_errno, ...)		td_err(_errno, _test_cmd_dma, ##__VA_ARGS__)
#define test_cmd_info(...)			td_cmd(lab_td_info, ##__VA_ARGS__)
#define test_cmd_ioctl(...)			td_cmd(lab_td_ioctl, ##__VA_ARGS__)
#define test_err_ioctl(_errno, ...)		td_err(_errno, lab_td_ioctl, ##__VA_ARGS__)
#define test_cmd_copy_domain(...)		td_cmd(_test_cmd_copy_domain, ##__VA_ARGS__)

/* A new domain _DOM mapping _LEN bytes of buffer _BUF (from offset 0) at
 * _IOVA with permissions _PERM, attached at the RID: the one-range domain
 * most transfer checks start from. */
#define test_cmd_domain_attached(_dom, _iova, _buf, _len, _perm)                             \
	do {                                                                                 \
		test_cmd_domain_alloc(0, _dom);                                              \
		test_cmd_map(*(_dom), _iova, _buf, 0, _len, _perm);                          \
		test_cmd_attach(*(_dom));                                                    \
	} while (0)

/* A source page holding pattern _SEED and a zeroed destination page, in a
 * new copy domain _DOM (not attached). */
#define test_cmd_copy_pages(_dom, _src, _dst, _seed)                                         \
	do {                                                                                 \
		test_cmd_buf_alloc(SZ_4K, 0, 0, _src);                                       \
		test_cmd_buf_alloc(SZ_4K, 0, 0, _dst);                                       \
		test_cmd_fill(*(_src), 0, SZ_4K, _seed);                                     \
		test_cmd_copy_domain(0, _dom, *(_src), 0, *(_dst), 0);                       \
	} while (0)

/* ITD_INFO reports STATE, and with ITD_STATE_DOMAIN the domain at the RID. */
#define test_cmd_state(_state, _rid_domain)                                                  \
	do {                                                                                 \
		struct itd_info __i;                                                         \
		test_cmd_info(&__i);                                                         \
		EXPECT_EQ((uint32_t)(_state), __i.state)                                     \
			TH_LOG("ITD_INFO state %s, expected %s", lab_td_state_name(__i.state), \
			       lab_td_state_name(_state));                                   \
		if ((_state) == ITD_STATE_DOMAIN)                                            \
			EXPECT_EQ((uint32_t)(_rid_domain), __i.rid_domain)                   \
				TH_LOG("ITD_INFO rid_domain %u, attached %u", __i.rid_domain, \
				       (uint32_t)(_rid_domain));                             \
	} while (0)

/* Attach _ID at the RID: ITD_INFO then reports _STATE (and _ID at the RID). */
#define test_cmd_attach_state(_id, _state)                                                   \
	do {                                                                                 \
		test_cmd_attach(_id);                                                        \
		test_cmd_state(_state, _id);                                                 \
	} while (0)

/* Deterministic bytes for (seed, offset): every page of every test differs. */
static inline uint8_t td_pattern_byte(uint32_t seed, uint64_t off)
{
	uint64_t x = (seed + 1) * 0x9e3779b97f4a7c15ull ^ (off >> 3) * 0xbf58476d1ce4e5b9ull;

	x ^= x >> 31;
	return (uint8_t)(x >> (8 * (off & 7)));
}

static inline int td_fill(struct td_fixture *f, uint32_t buf, uint64_t off, uint64_t len, uint32_t seed)
{
	uint8_t *p = malloc(len);
	int ret;

	if (!p)
		return -ENOMEM;
	for (uint64_t i = 0; i < len; i++)
		p[i] = td_pattern_byte(seed, i);
	ret = lab_td_buf_write(f->fd, buf, off, p, len);
	free(p);
	return ret;
}

/* 0 when [off, off+len) of BUF holds pattern SEED (from pattern offset POFF); -1 if not; -errno. */
static inline int td_check(struct td_fixture *f, uint32_t buf, uint64_t off, uint64_t len, uint32_t seed,
			   uint64_t poff)
{
	uint8_t *p = malloc(len);
	int ret;

	if (!p)
		return -ENOMEM;
	ret = lab_td_buf_read(f->fd, buf, off, p, len);
	for (uint64_t i = 0; !ret && i < len; i++)
		if (p[i] != td_pattern_byte(seed, poff + i))
			ret = -1;
	free(p);
	return ret;
}

/* 0 when [off, off+len) of BUF is all zero; -1 if not. */
static inline int td_check_zero(struct td_fixture *f, uint32_t buf, uint64_t off, uint64_t len)
{
	uint8_t *p = calloc(1, len);
	int ret;

	if (!p)
		return -ENOMEM;
	ret = lab_td_buf_read(f->fd, buf, off, p, len);
	for (uint64_t i = 0; !ret && i < len; i++)
		if (p[i])
			ret = -1;
	free(p);
	return ret;
}

#define test_cmd_fill(_buf, _off, _len, _seed) ASSERT_EQ(0, td_fill(&self->f, _buf, _off, _len, _seed))
#define EXPECT_PATTERN(_buf, _off, _len, _seed, _poff) \
	EXPECT_EQ(0, td_check(&self->f, _buf, _off, _len, _seed, _poff)) \
	TH_LOG("buffer %u [%#lx, +%#lx) does not hold pattern %u", _buf, (unsigned long)(_off), \
	       (unsigned long)(_len), _seed)
#define EXPECT_ZERO(_buf, _off, _len) \
	EXPECT_EQ(0, td_check_zero(&self->f, _buf, _off, _len)) \
	TH_LOG("buffer %u [%#lx, +%#lx) was written", _buf, (unsigned long)(_off), (unsigned long)(_len))

/* One transfer by the variant's engine, tagged with PASID unless it is
 * LAB_NO_PASID (the RID, as in the iommufd helpers); the ITD_DMA status, or
 * -errno. PASID 0 is passed on as a tag: the module refuses it (EINVAL). */
static inline int td_copy_pasid(struct td_fixture *f, uint32_t pasid, uint64_t src, uint64_t dst,
				uint64_t len)
{
	bool tagged = pasid != LAB_NO_PASID;
	struct itd_dma op = { .flags = (f->software ? ITD_DMA_SOFTWARE : 0) | (tagged ? ITD_DMA_PASID : 0),
			      .pasid = tagged ? pasid : 0, .src_iova = src, .dst_iova = dst, .length = len };
	int ret;

	lab_kmsg_mark(&f->mark);
	ret = lab_td_dma(f->fd, &op);
	if (ret)
		return ret;
	/* A software result must never pass for device DMA, nor the reverse. */
	if ((op.engine_kind == ITD_ENGINE_SOFTWARE) != f->software)
		return -EPROTO;
	return (int)op.status;
}

/*
 * One one-sided transfer by the device engine: DIR ITD_DMA_FROM_DEVICE (the
 * device writes LEN bytes of its own at IOVA: nvme reads its reference range)
 * or ITD_DMA_TO_DEVICE (it reads them there and checks them: nvme compares).
 * The ITD_DMA status, or -errno.
 */
static inline int td_oneway(struct td_fixture *f, uint32_t dir, uint64_t iova, uint64_t len)
{
	struct itd_dma op = { .flags = dir, .src_iova = iova, .dst_iova = iova, .length = len };
	int ret;

	lab_kmsg_mark(&f->mark);
	ret = lab_td_dma(f->fd, &op);
	if (ret)
		return ret;
	if (op.engine_kind == ITD_ENGINE_SOFTWARE)
		return -EPROTO;
	return (int)op.status;
}

/* One untagged transfer (at the requester ID). */
static inline int td_copy(struct td_fixture *f, uint64_t src, uint64_t dst, uint64_t len)
{
	return td_copy_pasid(f, LAB_NO_PASID, src, dst, len);
}

/* A transfer that must complete: both ends translate. */
#define test_cmd_copy(_src, _dst, _len) ASSERT_EQ(ITD_DMA_OK, td_copy(&self->f, _src, _dst, _len))
#define test_cmd_copy_pasid(_pasid, _src, _dst, _len)                                          \
	ASSERT_EQ(ITD_DMA_OK, td_copy_pasid(&self->f, _pasid, _src, _dst, _len))               \
		TH_LOG("PASID %u", _pasid)

/* Pattern _SEED, written to the first page of buffer _SRC and copied from
 * _SRC_IOVA to _DST_IOVA, lands in the first page of buffer _DST. */
/* The device reads into DMA-API buffers _A and _B (ITD_DMA_FROM_DEVICE, 4 KiB
 * each at _A_DMA, _B_DMA), which then hold the same bytes: an engine that
 * only reads (its reference data) wrote both through the default domain. */
#define test_cmd_reads_land(_a, _a_dma, _b, _b_dma)                                           \
	do {                                                                                 \
		uint8_t _p[SZ_4K], _q[SZ_4K];                                                \
		memset(_p, 0x5a, sizeof(_p));                                                \
		memset(_q, 0xa5, sizeof(_q));                                                \
		ASSERT_EQ(0, lab_td_buf_write(self->f.fd, _a, 0, _p, sizeof(_p)));           \
		ASSERT_EQ(0, lab_td_buf_write(self->f.fd, _b, 0, _q, sizeof(_q)));           \
		ASSERT_EQ(ITD_DMA_OK, td_oneway(&self->f, ITD_DMA_FROM_DEVICE, _a_dma, SZ_4K)); \
		ASSERT_EQ(ITD_DMA_OK, td_oneway(&self->f, ITD_DMA_FROM_DEVICE, _b_dma, SZ_4K)); \
		ASSERT_EQ(0, lab_td_buf_read(self->f.fd, _a, 0, _p, sizeof(_p)));            \
		ASSERT_EQ(0, lab_td_buf_read(self->f.fd, _b, 0, _q, sizeof(_q)));            \
		EXPECT_EQ(0, memcmp(_p, _q, sizeof(_p))) TH_LOG("the device's reads did not both land"); \
	} while (0)

#define test_cmd_copy_lands(_seed, _src, _src_iova, _dst, _dst_iova)                         \
	do {                                                                                 \
		test_cmd_fill(_src, 0, SZ_4K, _seed);                                        \
		test_cmd_copy(_src_iova, _dst_iova, SZ_4K);                                  \
		EXPECT_PATTERN(_dst, 0, SZ_4K, _seed, 0);                                    \
	} while (0)

/* Did the IOMMU driver log a fault of f's device at IOVA's page (from its
 * fault interrupt thread: waited for)? 1 yes, 0 not within
 * LAB_FAULT_LOG_WAIT_MS; with retry, -EAGAIN: missing, and the rate-limit
 * window that may have dropped it is over: repeat the access now
 * (lab_faults_wait_or_retry()). */
static inline int td_log_check(struct td_fixture *f, uint64_t iova, int write, bool retry)
{
	struct lab_fault_rec logged[32];
	int i = (retry ? lab_faults_wait_or_retry : lab_faults_wait)(&f->mark, logged, 32, f->bdf,
								       iova & ~(SZ_4K - 1), write,
								       LAB_FAULT_LOG_WAIT_MS);

	return i >= 0 ? 1 : i == -EAGAIN ? -EAGAIN : 0;
}

static inline bool td_logged(struct td_fixture *f, uint64_t iova, int write)
{
	return td_log_check(f, iova, write, false) > 0;
}

/*
 * Did the engine itself report a fault at IOVA's page, reading or writing
 * (ITD_FAULTS records of `source`)? The module's ring is read until empty:
 * every record is consumed.
 */
static inline bool td_engine_reported(struct td_fixture *f, uint64_t iova, int write, uint32_t source)
{
	struct itd_fault recs[16];
	bool found = false;

	for (;;) {
		uint32_t n = 16, lost = 0;

		if (lab_td_faults(f->fd, recs, &n, &lost) || !n)
			return found;
		for (uint32_t i = 0; i < n; i++)
			if ((recs[i].iova & ~(SZ_4K - 1)) == (iova & ~(SZ_4K - 1)) &&
			    !!(recs[i].flags & ITD_FAULT_WRITE) == write && recs[i].source == source)
				found = true;
	}
}

/* Drop the fault records the module holds (earlier transfers'). */
static inline void td_faults_drop(struct td_fixture *f)
{
	struct itd_fault recs[16];
	uint32_t n, lost;

	do
		n = 16;
	while (!lab_td_faults(f->fd, recs, &n, &lost) && n == 16);
}

/*
 * Did the transfer last started fault at IOVA's page, reading or writing?
 * The software engine reports the fault itself (ITD_FAULTS). A device's fault
 * is what the device saw (labdev's fault registers, an NVMe command status:
 * its DMA was refused at that page) or else what the IOMMU driver logged (edu
 * cannot see its faults; a real NVMe's posted writes complete unnoticed). The
 * device's own report needs no wait for the log, whose fault messages the
 * drivers rate-limit; the log is checked where it is the behaviour itself
 * (testdev_faults' the_iommu_reports_the_fault).
 */
static inline int td_fault_check(struct td_fixture *f, uint64_t iova, int write, bool retry)
{
	if (f->software)
		return td_engine_reported(f, iova, write, ITD_FAULT_SOURCE_SOFTWARE);
	if (td_engine_reported(f, iova, write, ITD_FAULT_SOURCE_ENGINE))
		return 1;
	return td_log_check(f, iova, write, retry);
}

static inline bool td_faulted(struct td_fixture *f, uint64_t iova, int write)
{
	return td_fault_check(f, iova, write, false) > 0;
}

/*
 * Issue a transfer that must fault at IOVA and look for the fault (need_log:
 * in the IOMMU driver's log only). The IOMMU drivers rate-limit their fault
 * messages (VT-d spends three of ten tokens per 5 s on each fault interrupt):
 * a fault missing from the log while a window of the limit may have dropped
 * it is looked for once more after repeating the same access as soon as that
 * window is over (lab_faults_wait_or_retry()); one missing outside any window
 * after LAB_FAULT_LOG_WAIT_MS, once more too. At most three transfers, the
 * last one waited for in full. The engine's records of earlier transfers are
 * dropped first: only this transfer's count.
 * Returns the last ITD_DMA status (or -errno); *seen says if the fault was found.
 */
static inline int td_copy_faults_in(struct td_fixture *f, uint64_t src, uint64_t dst, uint64_t len,
				    uint64_t iova, int write, bool need_log, bool *seen)
{
	int st = 0;

	*seen = false;
	for (int attempt = 0; attempt < 3 && !*seen; attempt++) {
		td_faults_drop(f);
		st = td_copy(f, src, dst, len);
		if (st < 0)
			return st;
		*seen = (need_log ? td_log_check(f, iova, write, attempt < 2) :
				    td_fault_check(f, iova, write, attempt < 2)) > 0;
		if (f->software)
			break;	/* the software engine reports every fault itself */
	}
	return st;
}

static inline int td_copy_faults(struct td_fixture *f, uint64_t src, uint64_t dst, uint64_t len,
				 uint64_t iova, int write, bool *seen)
{
	return td_copy_faults_in(f, src, dst, len, iova, write, false, seen);
}

/* A transfer that must fault at IOVA (write: the destination side). */
#define test_cmd_copy_faults(_src, _dst, _len, _iova, _write)                                  \
	do {                                                                                   \
		bool _seen;                                                                    \
		if (!self->f.software && !self->f.kmsg_ok)                                     \
			SKIP(return, "device faults are read from the kernel log, which is unreadable"); \
		int _st = td_copy_faults(&self->f, _src, _dst, _len, _iova, _write, &_seen);   \
		ASSERT_LE(0, _st) TH_LOG("ITD_DMA: %s", strerror(-_st));                        \
		if (self->f.software)                                                          \
			EXPECT_EQ(ITD_DMA_FAULT, _st);                                         \
		EXPECT_TRUE(_seen) TH_LOG("no %s fault recorded for %s at IOVA %#llx",        \
					  (_write) ? "write" : "read", self->f.bdf,           \
					  (unsigned long long)(_iova));                         \
	} while (0)

/*
 * A transfer with the device blocked: nothing may reach memory (the caller
 * checks the data). Whether a fault is also reported depends on how the IOMMU
 * blocks: the kernel blocks an SMMUv3 stream with an abort STE, which the
 * architecture defines as terminating traffic without recording an event
 * (IHI 0070, STE.Config 0b000); VT-d reports the missing PASID/context entry.
 * An engine that fetches its commands by DMA (nvme) cannot be told to move
 * anything there: the module refuses it (ENOLINK), with nothing issued.
 */
#define test_cmd_copy_blocked(_src, _dst, _len, _iova, _write)                                 \
	do {                                                                                   \
		if (td_blocked_issues_nothing(&self->f)) {                                     \
			EXPECT_EQ(-ENOLINK, td_copy(&self->f, _src, _dst, _len));              \
			TH_LOG("%s reaches its queues by DMA: nothing issued while blocked",   \
			       self->f.info.engine);                                           \
		} else if (!self->f.software && lab_pci_iommu_type(self->f.bdf) == LAB_IOMMU_SMMUV3) { \
			int _st = td_copy(&self->f, _src, _dst, _len);                         \
			ASSERT_LE(0, _st) TH_LOG("ITD_DMA: %s", strerror(-_st));                \
			TH_LOG("SMMUv3 abort STE: no event expected; checking the data only"); \
		} else {                                                                       \
			test_cmd_copy_faults(_src, _dst, _len, _iova, _write);                 \
		}                                                                              \
	} while (0)

/* A PASID-tagged transfer that must not reach memory: the engine reports the
 * fault (labdev, the software engine), or the IOMMU driver logs it. */
#define test_cmd_copy_pasid_faults(_pasid, _src, _dst, _len, _iova, _write)                  \
	do {                                                                                 \
		int _st = td_copy_pasid(&self->f, _pasid, _src, _dst, _len);                 \
		ASSERT_LE(0, _st) TH_LOG("ITD_DMA: %s", strerror(-_st));                     \
		if (_st != ITD_DMA_FAULT) {                                                  \
			EXPECT_TRUE(td_faulted(&self->f, _iova, _write))                     \
				TH_LOG("PASID %u: no fault for IOVA %#llx", _pasid,          \
				       (unsigned long long)(_iova));                         \
		}                                                                            \
	} while (0)

#endif
