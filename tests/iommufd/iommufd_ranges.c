// SPDX-License-Identifier: GPL-2.0-only
/*
 * Range invalidation through iommufd, and one IOAS seen through several
 * domains. docs/tests/ranges.md.
 *
 * `labdev`: an IOAS HWPT at the RID of a labdev bound to vfio-pci. The range
 * and the pieces around it are separate IOMMU_IOAS_MAPs (an IOAS unmap takes
 * whole mappings), so IOMMU_IOAS_UNMAP of the range is the IOMMU driver's
 * unmap and invalidation of exactly that range. The device first translates
 * every page of the range and both neighbours (its IOTLB entries exist), then
 * after the unmap every page of the range must fault (reported by the device
 * with the failed IOVA) and both neighbours must still land. The memory is
 * anonymous 4 KiB pages, so every entry is a 4 KiB one; the module's
 * testdev_ranges covers 2 MiB pages.
 *
 * `shared_ioas`: one IOAS behind two HWPTs (two domains): at the RIDs of two
 * labdevs, or at the RID and PASID 1 of one. Every map and unmap of the IOAS
 * must reach both domains: after each, the device DMAs through each.
 *
 * labdev only: it reports its own faults (LAB_DMA_FAULT with the IOVA), so
 * hundreds of faulting transfers need no kernel log; edu cannot see faults,
 * and nvme's pairs write its media (a scratch range) at ~12 ms each.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "lab_platform.h"
#include "iommufd_utils.h"

#define SZ_4K 0x1000ull
#define SZ_2M 0x200000ull
#define SZ_1G 0x40000000ull
#define RW (LAB_IOAS_READ | LAB_IOAS_WRITE)
/* A one-page sink the read probes copy into (clear of every range below). */
#define IOVA_SINK 0x10000000ull
/* Bytes each probe moves: the IOTLB entry is per page, not per byte. */
#define PROBE_LEN 64u
#define R_BASE 0x20000000ull	/* 2 MiB aligned, not 1 GiB aligned */

/* A range of `pages` at `start`, between a mapping of `before` pages ending
 * at it and one of `after` pages after it (each >= 1: the neighbours). */
struct range_geom {
	uint64_t start;
	uint32_t pages, before, after;
};

/* Anonymous memory for a stretch of IOVA, and a sink page. */
static void *anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* The offset of the first byte of MEM that is not BYTE, or -1. */
static long first_other_byte(const uint8_t *mem, size_t len, uint8_t byte)
{
	for (size_t i = 0; i < len; i++)
		if (mem[i] != byte)
			return (long)i;
	return -1;
}

/* Map [start - before, start + pages + after) of g from MEM (whose byte 0 is
 * at IOVA start - before pages) as three IOAS mappings. */
static int map_pieces(int ifd, uint32_t ioas, const struct range_geom *g, uint8_t *mem)
{
	uint64_t lo = g->start - g->before * SZ_4K, len = g->pages * SZ_4K;
	int ret = lab_ioas_map(ifd, ioas, mem, g->before * SZ_4K, lo, RW);

	if (!ret)
		ret = lab_ioas_map(ifd, ioas, mem + (g->start - lo), len, g->start, RW);
	if (!ret)
		ret = lab_ioas_map(ifd, ioas, mem + (g->start - lo) + len, g->after * SZ_4K,
				   g->start + len, RW);
	return ret;
}

/* Where DMA goes: a device, and a PASID or LAB_NO_PASID (its RID). */
struct path {
	struct idev *dev;
	uint32_t pasid;
	const char *name;
};

/*
 * Through P, DMA pairs over [lo, hi) (in the engine's largest transfers):
 * every page translated, so cached; each pattern must land at MEM (lo's
 * memory).
 */
static void prime(struct __test_metadata *_metadata, const struct path *p, uint64_t lo, uint64_t hi,
		  uint8_t *mem, uint32_t seed)
{
	uint64_t chunk = p->dev->eng.ops->max_len & ~(SZ_4K - 1);
	struct lab_dma_result r;

	for (uint64_t a = lo; a < hi; a += chunk) {
		uint32_t n = hi - a < chunk ? hi - a : chunk;

		ASSERT_OK(_test_cmd_dma_pair(p->dev, a, n, seed, p->pasid, &r));
		ASSERT_EQ(LAB_DMA_OK, r.status)
			TH_LOG("%s: pair [%#llx, +%#x): %s at %#llx", p->name, (unsigned long long)a, n,
			       lab_dma_status_name(r.status), (unsigned long long)r.fault_iova);
		EXPECT_TRUE(lab_labdev_has_pattern(mem + (a - lo), n, seed))
			TH_LOG("%s: pair [%#llx, +%#x) did not land in its memory", p->name,
			       (unsigned long long)a, n);
	}
}

/*
 * The range [start, +pages) was unmapped: through P every page must fault
 * where it was addressed (even pages written by a pair, odd ones read by a
 * copy into the sink), both neighbours must still be written and read, and
 * the range's memory (RANGE_MEM, filled with 0xa5 by the CPU) stays as it was.
 */
static void probe_unmapped(struct __test_metadata *_metadata, const struct path *p,
			   const struct range_geom *g, uint8_t *range_mem, uint8_t *nb_lo,
			   uint8_t *nb_hi, uint8_t *sink, uint32_t seed)
{
	uint32_t stale = 0, misplaced = 0;
	struct lab_dma_result r;

	for (uint32_t i = 0; i < g->pages; i++) {
		uint64_t page = g->start + i * SZ_4K;
		bool write = !(i & 1);

		if (write)
			ASSERT_OK(_test_cmd_dma_pair(p->dev, page, PROBE_LEN, seed, p->pasid, &r));
		else
			ASSERT_OK(_test_cmd_dma_copy(p->dev, page, IOVA_SINK, PROBE_LEN, p->pasid, &r));
		if (r.status != LAB_DMA_FAULT) {
			if (stale++ < 4)
				TH_LOG("%s: page %u of %u (IOVA %#llx) %s after the unmap: %s", p->name,
				       i, g->pages, (unsigned long long)page, write ? "written" : "read",
				       lab_dma_status_name(r.status));
		} else if ((r.fault_iova & ~(SZ_4K - 1)) != page || r.fault_write != write) {
			if (misplaced++ < 4)
				TH_LOG("%s: page %u (IOVA %#llx): the %s fault was at %#llx (%s)",
				       p->name, i, (unsigned long long)page, write ? "write" : "read",
				       (unsigned long long)r.fault_iova, r.fault_write ? "write" : "read");
		}
	}
	EXPECT_EQ(0, stale) TH_LOG("%s: %u of %u unmapped pages still translated (stale IOTLB "
				   "entries: the range invalidation missed them)", p->name, stale,
				   g->pages);
	EXPECT_EQ(0, misplaced);
	EXPECT_EQ(-1, first_other_byte(range_mem, g->pages * SZ_4K, 0xa5))
		TH_LOG("%s: the unmapped range's memory was written", p->name);
	for (int side = 0; side < 2; side++) {
		uint64_t nb = side ? g->start + g->pages * SZ_4K : g->start - SZ_4K;
		uint8_t *mem = side ? nb_hi : nb_lo;

		ASSERT_OK(_test_cmd_dma_pair(p->dev, nb, PROBE_LEN, seed + 1, p->pasid, &r));
		EXPECT_EQ(LAB_DMA_OK, r.status) TH_LOG("%s: neighbour %#llx: pair %s", p->name,
						       (unsigned long long)nb, lab_dma_status_name(r.status));
		EXPECT_TRUE(lab_labdev_has_pattern(mem, PROBE_LEN, seed + 1))
			TH_LOG("%s: neighbour %#llx: the pair did not land", p->name, (unsigned long long)nb);
		memset(sink, 0, PROBE_LEN);
		ASSERT_OK(_test_cmd_dma_copy(p->dev, nb, IOVA_SINK, PROBE_LEN, p->pasid, &r));
		EXPECT_EQ(LAB_DMA_OK, r.status) TH_LOG("%s: neighbour %#llx: read %s", p->name,
						       (unsigned long long)nb, lab_dma_status_name(r.status));
		EXPECT_EQ(0, memcmp(sink, mem, PROBE_LEN)) TH_LOG("%s: neighbour %#llx read wrong data",
								  p->name, (unsigned long long)nb);
	}
}

/* --- range invalidation at one HWPT ---------------------------------------- */

FIXTURE(labdev) {
	int ifd;
	struct idev dev;
	uint8_t *mem, *sink;
	size_t mem_len;
};
FIXTURE_VARIANT(labdev) { struct range_geom g; };

#define RANGE(_name, _start, _pages, _before, _after)                                        \
	FIXTURE_VARIANT_ADD(labdev, _name) {                                                 \
		.g = { .start = (_start), .pages = (_pages), .before = (_before),            \
		       .after = (_after) } }

RANGE(pages2_unaligned, R_BASE + 3 * SZ_4K, 2, 1, 1);
RANGE(pages3_aligned, R_BASE, 3, 1, 1);
RANGE(pages3_unaligned, R_BASE + 3 * SZ_4K, 3, 1, 1);
RANGE(pages17_aligned, R_BASE, 17, 1, 1);
RANGE(pages17_unaligned, R_BASE + 11 * SZ_4K, 17, 1, 1);
RANGE(pages511_unaligned, R_BASE + 3 * SZ_4K, 511, 1, 1);
RANGE(pages512_aligned, R_BASE, 512, 1, 1);
RANGE(pages513_unaligned, R_BASE + 7 * SZ_4K, 513, 1, 1);
RANGE(pages17_straddling_2m, R_BASE + SZ_2M - 8 * SZ_4K, 17, 1, 1);
RANGE(pages17_straddling_1g, SZ_1G - 8 * SZ_4K, 17, 1, 1);
RANGE(pages17_inside_larger, R_BASE + 64 * SZ_4K, 17, 64, 64);
RANGE(pages17_at_larger_start, R_BASE + 64 * SZ_4K, 17, 1, 128);
RANGE(pages17_at_larger_end, R_BASE + 64 * SZ_4K, 17, 64, 1);

FIXTURE_SETUP(labdev)
{
	const struct range_geom *g = &variant->g;
	char bdf[32];

	self->ifd = -1;
	self->dev.pci.fd = -1;
	LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_IOMMUFD);
	test_find_vfio(&lab_uengine_labdev, bdf);
	test_open_iommufd(&self->ifd);
	test_open_vfio(self->ifd, bdf, &self->dev);
	test_open_engine(&self->dev);
	test_record_engine(&self->dev);
	self->mem_len = (g->before + g->pages + g->after) * SZ_4K;
	self->mem = anon(self->mem_len);
	self->sink = anon(SZ_4K);
	ASSERT_TRUE(self->mem && self->sink);
}

FIXTURE_TEARDOWN(labdev)
{
	test_close_idev(self->ifd, &self->dev);
	if (self->mem)
		munmap(self->mem, self->mem_len);
	if (self->sink)
		munmap(self->sink, SZ_4K);
	if (self->ifd >= 0)
		close(self->ifd);
}

TEST_F(labdev, unmapped_range_faults_on_every_page_and_neighbours_still_land)
{
	const struct range_geom *g = &variant->g;
	const struct path p = { &self->dev, LAB_NO_PASID, "RID" };
	uint8_t *range_mem = self->mem + g->before * SZ_4K;
	uint32_t ioas, hwpt;

	test_cmd_ioas_alloc(&ioas);
	test_cmd_hwpt_alloc(&self->dev, ioas, 0, &hwpt);
	test_cmd_attach(&self->dev, LAB_NO_PASID, hwpt);
	ASSERT_OK(map_pieces(self->ifd, ioas, g, self->mem));
	test_cmd_ioas_map(ioas, self->sink, SZ_4K, IOVA_SINK, RW);

	prime(_metadata, &p, g->start - SZ_4K, g->start + (g->pages + 1) * SZ_4K,
	      range_mem - SZ_4K, 0x2a);
	test_cmd_ioas_unmap(ioas, g->start, g->pages * SZ_4K);
	memset(range_mem, 0xa5, g->pages * SZ_4K);
	probe_unmapped(_metadata, &p, g, range_mem, range_mem - SZ_4K,
		       range_mem + g->pages * SZ_4K, self->sink, 0x2b);
	lab_record_metric("pages", g->pages, "");
}

/* --- one IOAS, two domains -------------------------------------------------- */

FIXTURE(shared_ioas) {
	int ifd;
	struct idev a, b;
	struct path p[2];
	uint8_t *mem, *mem2, *sink;
};
FIXTURE_VARIANT(shared_ioas) { bool pasid; };
/* Two labdevs, each at its RID on its own HWPT. */
FIXTURE_VARIANT_ADD(shared_ioas, two_devices) { .pasid = false };
/* One labdev: its RID on one HWPT, PASID 1 on the other. */
FIXTURE_VARIANT_ADD(shared_ioas, rid_and_pasid) { .pasid = true };

/* 17 pages at an unaligned IOVA, a neighbour page on each side. */
static const struct range_geom shared_geom = { .start = R_BASE + 11 * SZ_4K, .pages = 17, .before = 1,
					       .after = 1 };
#define SHARED_LEN ((1 + 17 + 1) * SZ_4K)

FIXTURE_SETUP(shared_ioas)
{
	const char *list = getenv("IOMMU_LAB_VFIO");
	char bdf[32];

	self->ifd = -1;
	self->a.pci.fd = -1;
	self->b.pci.fd = -1;
	LAB_SKIP_UNLESS_IOMMUFD(variant->pasid ? LAB_NEED_PASID : LAB_NEED_IOMMUFD);
	if (lab_uengine_find(list, &lab_uengine_labdev, variant->pasid, 0, bdf))
		SKIP(return, "no %slabdev handed to vfio-pci (IOMMU_LAB_VFIO='%s')",
		     variant->pasid ? "PASID-capable " : "", list ?: "");
	test_open_iommufd(&self->ifd);
	test_open_vfio(self->ifd, bdf, &self->a);
	test_open_engine(&self->a);
	test_record_engine(&self->a);
	self->p[0] = (struct path){ &self->a, LAB_NO_PASID, "first device's RID" };
	if (variant->pasid) {
		struct lab_hw_info hw;

		test_cmd_hw_info(&self->a, &hw);
		if (!hw.has_max_pasid || !hw.max_pasid_log2)
			SKIP(return, "%s: iommufd reports no PASIDs for it%s", bdf,
			     hw.has_max_pasid ? "" : " (uAPI headers without out_max_pasid_log2)");
		self->p[1] = (struct path){ &self->a, 1, "its PASID 1" };
	} else {
		if (lab_uengine_find(list, &lab_uengine_labdev, false, 1, bdf))
			SKIP(return, "a second labdev is not handed to vfio-pci (IOMMU_LAB_VFIO='%s')",
			     list ?: "");
		test_open_vfio(self->ifd, bdf, &self->b);
		test_open_engine(&self->b);
		self->p[1] = (struct path){ &self->b, LAB_NO_PASID, "second device's RID" };
	}
	self->mem = anon(SHARED_LEN);
	self->mem2 = anon(SHARED_LEN);
	self->sink = anon(SZ_4K);
	ASSERT_TRUE(self->mem && self->mem2 && self->sink);
}

FIXTURE_TEARDOWN(shared_ioas)
{
	test_close_idev(self->ifd, &self->b);
	test_close_idev(self->ifd, &self->a);
	if (self->mem)
		munmap(self->mem, SHARED_LEN);
	if (self->mem2)
		munmap(self->mem2, SHARED_LEN);
	if (self->sink)
		munmap(self->sink, SZ_4K);
	if (self->ifd >= 0)
		close(self->ifd);
}

/*
 * Two HWPTs on one IOAS: the range is mapped with the first attached only
 * (the second domain gets it when it is attached), unmapped, and mapped again
 * onto other memory; after each change both paths DMA through it: before the
 * unmap both land (and are cached), after it every page faults through both
 * and the neighbours land, after the new map both land in the new memory and
 * not the old.
 */
TEST_F(shared_ioas, map_and_unmap_reach_every_domain)
{
	const struct range_geom *g = &shared_geom;
	const uint64_t len = g->pages * SZ_4K;
	uint32_t flags = variant->pasid ? LAB_HWPT_PASID : 0, ioas, hwpt[2];
	uint8_t *range_mem = self->mem + SZ_4K;

	test_cmd_ioas_alloc(&ioas);
	test_cmd_hwpt_alloc(self->p[0].dev, ioas, flags, &hwpt[0]);
	test_cmd_hwpt_alloc(self->p[1].dev, ioas, flags, &hwpt[1]);
	ASSERT_NE(hwpt[0], hwpt[1]);
	test_cmd_attach(self->p[0].dev, self->p[0].pasid, hwpt[0]);
	ASSERT_OK(map_pieces(self->ifd, ioas, g, self->mem));
	test_cmd_ioas_map(ioas, self->sink, SZ_4K, IOVA_SINK, RW);
	test_cmd_attach(self->p[1].dev, self->p[1].pasid, hwpt[1]);

	for (int i = 0; i < 2; i++)
		prime(_metadata, &self->p[i], g->start - SZ_4K, g->start + len + SZ_4K, self->mem,
		      0x40 + i);

	test_cmd_ioas_unmap(ioas, g->start, len);
	memset(range_mem, 0xa5, len);
	for (int i = 0; i < 2; i++)
		probe_unmapped(_metadata, &self->p[i], g, range_mem, self->mem,
			       range_mem + len, self->sink, 0x50 + 2 * i);

	/* Mapped again onto other memory: both reach it, never the old. */
	test_cmd_ioas_map(ioas, self->mem2 + SZ_4K, len, g->start, RW);
	for (int i = 0; i < 2; i++) {
		struct lab_dma_result r;

		ASSERT_OK(_test_cmd_dma_pair(self->p[i].dev, g->start, len, 0x60 + i, self->p[i].pasid, &r));
		EXPECT_EQ(LAB_DMA_OK, r.status) TH_LOG("%s: pair after the new map: %s at %#llx",
						       self->p[i].name, lab_dma_status_name(r.status),
						       (unsigned long long)r.fault_iova);
		EXPECT_TRUE(lab_labdev_has_pattern(self->mem2 + SZ_4K, len, 0x60 + i))
			TH_LOG("%s: the pair did not land in the new memory", self->p[i].name);
		EXPECT_TRUE(lab_mem_is_zero(self->mem2, SZ_4K) &&
			    lab_mem_is_zero(self->mem2 + SZ_4K + len, SZ_4K));
	}
	EXPECT_EQ(-1, first_other_byte(range_mem, len, 0xa5))
		TH_LOG("the old memory was written after the new map");
}

TEST_HARNESS_MAIN
