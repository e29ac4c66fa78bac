/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared fixture for the iommu_testdev DMA tests. Every program has a fixture
 * `dma` with one variant per engine: `edu` (QEMU's edu device), `labdev` (our
 * PASID-capable QEMU device, docs/labdev.md): real DMA through the IOMMU, by
 * whichever function handed to the run has that engine; and `software` (the
 * module's mock engine: the CPU walks the domain's page tables). A variant
 * whose device was not handed to the run SKIPs. Each test records which engine
 * produced its result. test_cmd_* expect success; test_err_* expect an errno.
 * A new device engine is one more TD_ENGINE_VARIANT line.
 */
#ifndef TESTDEV_COMMON_H
#define TESTDEV_COMMON_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "discover.h"
#include "faultlog.h"
#include "iommufd.h"
#include "lab_test.h"
#include "sysfs.h"
#include "testdev.h"

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
	uint64_t page;		/* the domain's smallest page */
	struct lab_kmsg_mark mark;
	bool kmsg_ok;		/* the kernel log is readable: device faults can be seen */
};

/* Common setup: open the function whose engine is _engine (NULL: the software
 * engine, on the function with the most PASIDs). */
#define TD_SETUP(_f, _engine)                                                                \
	do {                                                                                 \
		const char *_list = getenv("IOMMU_LAB_TESTDEV");                             \
		(_f)->fd = -1;                                                               \
		(_f)->software = !(_engine);                                                 \
		if (!_list || !*_list)                                                       \
			SKIP(return, "no device handed to iommu_testdev (iommu-lab run --testdev BDF)"); \
		(_f)->fd = lab_td_open_engine(_list, (_engine), (_f)->bdf, sizeof((_f)->bdf), \
					      &(_f)->info);                                  \
		if ((_f)->fd == -ENOENT)                                                     \
			SKIP(return, "no function with the %s engine among those handed to "  \
			     "iommu_testdev (%s)", (_engine), _list);                         \
		ASSERT_LE(0, (_f)->fd) TH_LOG("open %s: %s", _list, strerror(-(_f)->fd));   \
		if (!(_f)->info.pgsize_bitmap)                                               \
			SKIP(return, "%s is not behind an IOMMU (no paging domain)", (_f)->bdf); \
		(_f)->page = (_f)->info.pgsize_bitmap & -(_f)->info.pgsize_bitmap;          \
		(_f)->kmsg_ok = !lab_kmsg_mark(&(_f)->mark);                                 \
		lab_record_engine((_f)->software ? "mock" : (_f)->info.engine,               \
				  (_f)->software ? LAB_ENGINE_SOFTWARE :                      \
				  (_f)->info.engine_kind == ITD_ENGINE_HARDWARE ?             \
				  LAB_ENGINE_HARDWARE : LAB_ENGINE_EMULATED);                 \
	} while (0)

/* The engine variants of a fixture: `.engine` NULL is the software engine. */
#define TD_ENGINE_VARIANTS(_fixture)                                                         \
	FIXTURE_VARIANT(_fixture) { const char *engine; };                                  \
	FIXTURE_VARIANT_ADD(_fixture, edu) { .engine = "edu" };                              \
	FIXTURE_VARIANT_ADD(_fixture, labdev) { .engine = "labdev" };                        \
	FIXTURE_VARIANT_ADD(_fixture, software) { .engine = NULL }

#define TD_TEARDOWN(_f)                                                                      \
	do {                                                                                 \
		if ((_f)->fd >= 0)                                                           \
			close((_f)->fd);                                                     \
	} while (0)

/* The fixture every DMA test program declares. */
#define TD_DMA_FIXTURE()                                                                     \
	FIXTURE(dma) { struct td_fixture f; };                                               \
	TD_ENGINE_VARIANTS(dma);                                                             \
	FIXTURE_SETUP(dma) { TD_SETUP(&self->f, variant->engine); }                          \
	FIXTURE_TEARDOWN(dma) { TD_TEARDOWN(&self->f); }

/* --- commands that must succeed -------------------------------------------- */

#define test_cmd_buf(_len, _align, _id) \
	ASSERT_EQ(0, lab_td_buf_alloc(self->f.fd, _len, _align, 0, _id, NULL))
#define test_cmd_buf_dma_api(_len, _id, _dma) \
	ASSERT_EQ(0, lab_td_buf_alloc(self->f.fd, _len, 0, ITD_BUF_DMA_API, _id, _dma))
#define test_cmd_domain(_id) ASSERT_EQ(0, lab_td_domain_alloc(self->f.fd, 0, _id))
#define test_cmd_attach(_id) ASSERT_EQ(0, lab_td_attach(self->f.fd, _id))
#define test_cmd_detach() ASSERT_EQ(0, lab_td_detach(self->f.fd))
#define test_cmd_map(_dom, _iova, _buf, _off, _len, _prot) \
	ASSERT_EQ(0, lab_td_map(self->f.fd, _dom, _iova, _buf, _off, _len, _prot))
#define test_cmd_unmap(_dom, _iova, _len) ASSERT_EQ(0, lab_td_unmap(self->f.fd, _dom, _iova, _len))
#define RW (ITD_MAP_READ | ITD_MAP_WRITE)

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

/* One untagged transfer (at the requester ID). */
static inline int td_copy(struct td_fixture *f, uint64_t src, uint64_t dst, uint64_t len)
{
	return td_copy_pasid(f, LAB_NO_PASID, src, dst, len);
}

/* A transfer that must complete: both ends translate. */
#define test_cmd_copy(_src, _dst, _len) ASSERT_EQ(ITD_DMA_OK, td_copy(&self->f, _src, _dst, _len))

/*
 * Did the transfer last started fault at IOVA's page, reading or writing?
 * The software engine reports the fault itself (ITD_FAULTS); a device's faults
 * are what the IOMMU driver logged (the device may not notice them).
 */
static inline bool td_faulted(struct td_fixture *f, uint64_t iova, int write)
{
	struct lab_fault_rec logged[32];

	if (f->software) {
		struct itd_fault recs[16];
		uint32_t n = 16, lost = 0;

		if (lab_td_faults(f->fd, recs, &n, &lost))
			return false;
		for (uint32_t i = 0; i < n; i++)
			if ((recs[i].iova & ~(SZ_4K - 1)) == (iova & ~(SZ_4K - 1)) &&
			    !!(recs[i].flags & ITD_FAULT_WRITE) == write && recs[i].source == ITD_FAULT_SOURCE_SOFTWARE)
				return true;
		return false;
	}
	/* The IOMMU driver logs from its fault interrupt thread: wait for it. */
	return lab_faults_wait(&f->mark, logged, 32, f->bdf, iova & ~(SZ_4K - 1), write,
			       LAB_FAULT_LOG_WAIT_MS) >= 0;
}

/*
 * Issue a transfer that must fault at IOVA and look for the fault. The IOMMU
 * drivers rate-limit their fault messages (VT-d spends three of ten tokens
 * per 5 s on each fault interrupt), so a device fault missing from the log
 * after LAB_FAULT_LOG_WAIT_MS (longer than that window) is looked for once
 * more after repeating the same access, now in a fresh window.
 * Returns the last ITD_DMA status (or -errno); *seen says if the fault was found.
 */
static inline int td_copy_faults(struct td_fixture *f, uint64_t src, uint64_t dst, uint64_t len,
				 uint64_t iova, int write, bool *seen)
{
	int st = 0;

	*seen = false;
	for (int attempt = 0; attempt < 2 && !*seen; attempt++) {
		st = td_copy(f, src, dst, len);
		if (st < 0)
			return st;
		*seen = td_faulted(f, iova, write);
		if (f->software)
			break;	/* the software engine reports every fault itself */
	}
	return st;
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
 */
#define test_cmd_copy_blocked(_src, _dst, _len, _iova, _write)                                 \
	do {                                                                                   \
		if (!self->f.software && lab_pci_iommu_type(self->f.bdf) == LAB_IOMMU_SMMUV3) { \
			int _st = td_copy(&self->f, _src, _dst, _len);                         \
			ASSERT_LE(0, _st) TH_LOG("ITD_DMA: %s", strerror(-_st));                \
			TH_LOG("SMMUv3 abort STE: no event expected; checking the data only"); \
		} else {                                                                       \
			test_cmd_copy_faults(_src, _dst, _len, _iova, _write);                 \
		}                                                                              \
	} while (0)

#endif
