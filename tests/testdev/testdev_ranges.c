// SPDX-License-Identifier: GPL-2.0-only
/*
 * Range invalidation through the module's paging domains: one ITD_UNMAP of a
 * multi-page mapping is one iommu_unmap(), so the IOMMU driver invalidates
 * the whole range at once (VT-d: page-selective invalidation with an address
 * mask; SMMUv3: range TLBI with NUM/SCALE, or per-granule TLBIs). Each test
 * first makes the device translate every page of the range and both its
 * neighbours, so that the emulated IOMMU's IOTLB holds them; then it unmaps
 * the range and DMAs to every page of it (each must fault, reported by the
 * device itself) and to both neighbours (each must still land). A missing or
 * too short invalidation leaves a cached translation: the DMA lands in the
 * unmapped page. docs/tests/ranges.md.
 *
 * labdev only: its faults come back with the transfer (ITD_DMA_FAULT and an
 * ITD_FAULT_SOURCE_ENGINE record), so hundreds of faulting DMAs cost no
 * kernel-log wait. edu cannot see faults (each would wait for the rate-limited
 * kernel log); the software engine walks the page tables and has no IOTLB;
 * nvme copies need a scratch range and its commands cost ~12 ms each in the
 * testbed (513 pages would take seconds per test).
 */
#include "kselftest_harness.h"
#include "testdev_common.h"

/* The copy source (read-only, one page) and sink (read-write, one page). */
#define IOVA_SINK (IOVA_SRC + SZ_4K)
static const uint8_t zero_page[SZ_4K];

/* Bytes each check moves: the IOTLB entry is per page, not per byte. */
#define PROBE_LEN 64u

/*
 * A range of `pages` 4 KiB pages at `start`, mapped by one ITD_MAP, between a
 * mapping of `before` pages ending at it and one of `after` pages starting
 * after it (each at least 1: the neighbours). `huge`: the range's buffer
 * lies so that 2 MiB-aligned IOVAs in it map 2 MiB-aligned memory, letting
 * the IOMMU driver use 2 MiB pages; otherwise it never can (4 KiB entries).
 */
struct range_geom {
	uint64_t start;
	uint32_t pages, before, after;
	bool huge;
};

#define R_BASE 0x20000000ull	/* 2 MiB aligned, not 1 GiB aligned */
#define R_1G SZ_1G		/* a 1 GiB boundary inside every aperture */

FIXTURE(labdev) { struct td_fixture f; };
FIXTURE_VARIANT(labdev) { struct range_geom g; };

#define RANGE(_name, _start, _pages, _before, _after, _huge)                                 \
	FIXTURE_VARIANT_ADD(labdev, _name) {                                                 \
		.g = { .start = (_start), .pages = (_pages), .before = (_before),            \
		       .after = (_after), .huge = (_huge) } }

RANGE(pages2_aligned, R_BASE, 2, 1, 1, false);
RANGE(pages2_unaligned, R_BASE + 3 * SZ_4K, 2, 1, 1, false);
RANGE(pages3_aligned, R_BASE, 3, 1, 1, false);
RANGE(pages3_unaligned, R_BASE + 3 * SZ_4K, 3, 1, 1, false);
RANGE(pages17_aligned, R_BASE, 17, 1, 1, false);
RANGE(pages17_unaligned, R_BASE + 11 * SZ_4K, 17, 1, 1, false);
RANGE(pages511_aligned, R_BASE, 511, 1, 1, false);
RANGE(pages511_unaligned, R_BASE + 3 * SZ_4K, 511, 1, 1, false);
RANGE(pages512_aligned, R_BASE, 512, 1, 1, false);
RANGE(pages512_unaligned, R_BASE + 5 * SZ_4K, 512, 1, 1, false);
RANGE(pages513_aligned, R_BASE, 513, 1, 1, false);
RANGE(pages513_unaligned, R_BASE + 7 * SZ_4K, 513, 1, 1, false);
/* One 2 MiB page, and one 2 MiB page with a 4 KiB page after it. */
RANGE(pages512_as_one_2m_page, R_BASE, 512, 1, 1, true);
RANGE(pages513_2m_and_4k_pages, R_BASE, 513, 1, 1, true);
RANGE(pages17_straddling_2m, R_BASE + SZ_2M - 8 * SZ_4K, 17, 1, 1, false);
RANGE(pages17_straddling_1g, R_1G - 8 * SZ_4K, 17, 1, 1, false);
RANGE(pages513_straddling_1g, R_1G - 256 * SZ_4K, 513, 1, 1, false);
/* Inside a larger mapped stretch, and at its start and end. */
RANGE(pages17_inside_larger, R_BASE + 64 * SZ_4K, 17, 64, 64, false);
RANGE(pages17_at_larger_start, R_BASE + 64 * SZ_4K, 17, 1, 128, false);
RANGE(pages17_at_larger_end, R_BASE + 64 * SZ_4K, 17, 64, 1, false);

FIXTURE_SETUP(labdev)
{
	TD_SETUP(&self->f, "labdev");
}

FIXTURE_TEARDOWN(labdev)
{
	TD_TEARDOWN(&self->f);
}

/* A mapping: its own buffer, the mapping starting at OFF in it. */
struct piece {
	uint32_t buf;
	uint64_t iova, len, off, align;
};

/*
 * Where a mapping starts in its buffer. Only a mapping of 2 MiB or more can
 * hold a 2 MiB page: its buffer is 2 MiB aligned and the mapping starts
 * congruent with its IOVA modulo 2 MiB (huge: 2 MiB pages possible) or one
 * page off that (never: every entry is 4 KiB, whatever memory the page
 * allocator hands out).
 */
static void piece_place(struct piece *p, bool huge)
{
	uint64_t in_2m = p->iova & (SZ_2M - 1);

	p->align = p->len >= SZ_2M ? SZ_2M : 0;
	if (!p->align)
		p->off = 0;
	else if (huge)
		p->off = in_2m;
	else
		p->off = in_2m ? 0 : SZ_4K;
}

/*
 * One copy by the device engine: the ITD_DMA status, or -errno (-EPROTO if
 * anything but the device ran it). Unlike td_copy() it does not mark the
 * kernel log: no fault here is looked for there, and the mark costs more than
 * the transfer.
 */
static int dev_copy(struct td_fixture *f, uint64_t src, uint64_t dst, uint64_t len)
{
	struct itd_dma op = { .src_iova = src, .dst_iova = dst, .length = len };
	int ret = lab_td_dma(f->fd, &op);

	if (ret)
		return ret;
	return op.engine_kind == ITD_ENGINE_SOFTWARE ? -EPROTO : (int)op.status;
}

/*
 * Map the range and its neighbours, let the device translate every page of
 * [start - 4K, end + 4K) (it copies that stretch onto itself: every page read,
 * then written), unmap the range, then probe: every page of the range must
 * fault (even pages as the copy's destination, odd ones as its source, so both
 * directions are checked), each neighbour must still be read and written.
 */
TEST_F(labdev, unmapped_range_faults_on_every_page_and_neighbours_still_land)
{
	const struct range_geom *g = &variant->g;
	const uint64_t len = (uint64_t)g->pages * SZ_4K;
	const uint64_t lo = g->start - SZ_4K, hi = g->start + len + SZ_4K;
	struct piece p[3] = {
		{ .iova = g->start - g->before * SZ_4K, .len = g->before * SZ_4K },
		{ .iova = g->start, .len = len },
		{ .iova = g->start + len, .len = g->after * SZ_4K },
	};
	uint32_t dom, src, sink, stale = 0, unreported = 0;
	uint64_t chunk = self->f.info.dma_max_len;
	int st;

	ASSERT_LT(0, chunk);
	chunk &= ~(SZ_4K - 1);
	test_cmd_buf_alloc(SZ_4K, 0, 0, &src);
	test_cmd_buf_alloc(SZ_4K, 0, 0, &sink);
	test_cmd_fill(src, 0, SZ_4K, 7);
	test_cmd_domain_alloc(0, &dom);
	test_cmd_map(dom, IOVA_SRC, src, 0, SZ_4K, ITD_MAP_READ);
	test_cmd_map(dom, IOVA_SINK, sink, 0, SZ_4K, RW);
	for (int i = 0; i < 3; i++) {
		piece_place(&p[i], i == 1 && g->huge);
		test_cmd_buf_alloc(p[i].off + p[i].len, p[i].align, 0, &p[i].buf);
		test_cmd_fill(p[i].buf, p[i].off, p[i].len, 10 + i);
		test_cmd_map(dom, p[i].iova, p[i].buf, p[i].off, p[i].len, RW);
	}
	test_cmd_attach(dom);

	/* Every page of the range and both neighbours through the IOTLB. */
	for (uint64_t a = lo; a < hi; a += chunk) {
		uint64_t n = hi - a < chunk ? hi - a : chunk;

		st = dev_copy(&self->f, a, a, n);
		ASSERT_EQ(ITD_DMA_OK, st) TH_LOG("priming [%#llx, +%#llx): status %d",
						(unsigned long long)a, (unsigned long long)n, st);
	}

	test_cmd_unmap(dom, g->start, len);

	for (uint32_t i = 0; i < g->pages; i++) {
		uint64_t page = g->start + i * SZ_4K;
		bool write = !(i & 1);

		st = write ? dev_copy(&self->f, IOVA_SRC, page, PROBE_LEN) :
			     dev_copy(&self->f, page, IOVA_SINK, PROBE_LEN);
		ASSERT_LE(0, st) TH_LOG("ITD_DMA: %s", strerror(-st));
		if (st != ITD_DMA_FAULT) {
			if (stale++ < 4)
				TH_LOG("page %u of %u (IOVA %#llx) %s after the unmap: status %d",
				       i, g->pages, (unsigned long long)page,
				       write ? "written" : "read", st);
		} else if (!td_engine_reported(&self->f, page, write, ITD_FAULT_SOURCE_ENGINE) && unreported++ < 4) {
			TH_LOG("page %u (IOVA %#llx): no labdev %s-fault record there", i,
			       (unsigned long long)page, write ? "write" : "read");
		}
	}
	EXPECT_EQ(0, stale) TH_LOG("%u of %u unmapped pages still translated (stale IOTLB "
				   "entries: the range invalidation missed them)", stale, g->pages);
	EXPECT_EQ(0, unreported);

	/* Both neighbours: written (seed 7 from the source) and read back. */
	for (int side = 0; side < 2; side++) {
		uint64_t nb = side ? g->start + len : g->start - SZ_4K;
		const struct piece *q = &p[side ? 2 : 0];
		uint64_t off = q->off + (nb - q->iova);

		test_cmd_buf_rw(ITD_BUF_WRITE, sink, 0, SZ_4K, (void *)zero_page);
		EXPECT_EQ(ITD_DMA_OK, dev_copy(&self->f, IOVA_SRC, nb, PROBE_LEN))
			TH_LOG("%s neighbour %#llx: write", side ? "upper" : "lower",
			       (unsigned long long)nb);
		EXPECT_PATTERN(q->buf, off, PROBE_LEN, 7, 0);
		EXPECT_PATTERN(q->buf, off + PROBE_LEN, SZ_4K - PROBE_LEN, 10 + (side ? 2 : 0),
			       nb - q->iova + PROBE_LEN);
		EXPECT_EQ(ITD_DMA_OK, dev_copy(&self->f, nb, IOVA_SINK, PROBE_LEN))
			TH_LOG("%s neighbour %#llx: read", side ? "upper" : "lower",
			       (unsigned long long)nb);
		EXPECT_PATTERN(sink, 0, PROBE_LEN, 7, 0);
	}
	/* No faulting write reached the range's memory. */
	EXPECT_PATTERN(p[1].buf, p[1].off, len, 11, 0);
	lab_record_metric("pages", g->pages, "");
}

TEST_HARNESS_MAIN
