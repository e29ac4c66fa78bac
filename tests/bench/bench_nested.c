// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark: DMA pairs per second through a VT-d nested HWPT (first-stage
 * tables the test writes, over a nest-parent HWPT of the same IOAS) beside
 * that nest parent alone (second stage only) and beside a plain paging HWPT
 * of the IOAS (the kernel's choice: first stage where the IOMMU has it), same
 * device, same run. The first stage maps the transfer's IOVA to the same
 * guest-physical address, so all three move the same pages; a nested miss
 * walks the first stage with every table pointer translated by the second
 * (VT-d 3.8). Rounds rotate which goes first and the ratios are taken per
 * round. A verdict depends only on every transfer completing and landing,
 * never on timing. VT-d with ECAP.NEST only (the x86_64 guest: QEMU
 * x-nested=on); SMMUv3 nesting is exercised by iommufd_nested, not timed here.
 * docs/tests/bench.md.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "kselftest_harness.h"
#include "bench_common.h"
#include "lab_platform.h"
#include "lab_results.h"

#define GPA_S1 0x50000000ull	/* the first-stage tables, in the IOAS */
#define NS1 8			/* 4 levels, and one last-level table per 2 MiB */

enum { FIRST_STAGE, STAGE2_ONLY, NESTED, NSIDES };
static const char *const side_name[NSIDES] = { "first_stage", "stage2_only", "nested" };

FIXTURE(bench) {
	struct bench_dev d;
	uint8_t *s1mem;
	struct lab_s1pt s1;
	uint32_t hwpt[NSIDES];
};

FIXTURE_SETUP(bench)
{
	struct lab_hw_info hw;
	int ret = bench_open(&self->d, false, "labdev");

	if (ret == -EOPNOTSUPP)
		SKIP(return, "%s", self->d.why);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->d.why);
	if (lab_pci_iommu_type(self->d.bdf) != LAB_IOMMU_VTD)
		SKIP(return, "%s is not behind VT-d: this benchmark builds Intel first-stage tables",
		     self->d.bdf);
	ASSERT_EQ(0, lab_iommufd_hw_info_dev(self->d.ifd, self->d.pci.dev_id, &hw));
	if (!lab_hw_info_vtd_nests(&hw))
		SKIP(return, "VT-d: ECAP.NEST not set (the IOMMU cannot nest)");
	bench_record_engine(&self->d);
	self->s1mem = mmap(NULL, NS1 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->s1mem);
}

FIXTURE_TEARDOWN(bench)
{
	bench_close(&self->d);
	if (self->s1mem && self->s1mem != MAP_FAILED)
		munmap(self->s1mem, NS1 * 4096);
}

/* The three HWPTs over space 0's IOAS, whose destination is at
 * BENCH_IOVA_DST: a plain one (bench_spaces made it), the nest parent, and
 * the nested one whose first stage maps BENCH_IOVA_DST to itself. */
static int make_hwpts(FIXTURE_DATA(bench) *self)
{
	struct bench_dev *d = &self->d;
	int ret;

	self->hwpt[FIRST_STAGE] = d->sp[0].hwpt;
	/* Writable: Linux refuses read-only mappings in a VT-d nest parent. */
	ret = lab_ioas_map(d->ifd, d->sp[0].ioas, self->s1mem, NS1 * 4096, GPA_S1,
			   LAB_IOAS_READ | LAB_IOAS_WRITE);
	if (!ret)
		ret = lab_s1pt_init(&self->s1, LAB_S1PT_INTEL_FS, self->s1mem, GPA_S1, NS1);
	if (!ret)
		ret = lab_s1pt_map(&self->s1, BENCH_IOVA_DST, BENCH_IOVA_DST, d->len,
				   LAB_S1PT_READ | LAB_S1PT_WRITE);
	if (!ret)
		ret = lab_hwpt_alloc(d->ifd, d->pci.dev_id, d->sp[0].ioas, LAB_HWPT_NEST_PARENT,
				     &self->hwpt[STAGE2_ONLY]);
	if (!ret)
		ret = lab_hwpt_alloc_vtd_nested(d->ifd, d->pci.dev_id, self->hwpt[STAGE2_ONLY],
						self->s1.root_ipa, self->s1.va_bits, 0, &self->hwpt[NESTED]);
	return ret;
}

static int side_transfer(void *ctx, long n)
{
	struct bench_dev *d = ctx;

	return bench_transfer(d, BENCH_RID, (uint32_t)n);
}

static void nested_vs_stage2(struct __test_metadata *_metadata, FIXTURE_DATA(bench) *self, uint64_t len,
			     const char *tag)
{
	struct bench_dev *d = &self->d;
	double rate[NSIDES][BENCH_ROUNDS], ratio[2][BENCH_ROUNDS];
	struct lab_summary s[NSIDES], r[2];
	char what[64];
	long total = 0;
	int ret;

	ASSERT_EQ(0, bench_spaces(d, 1, len)) TH_LOG("%s", d->why);
	ret = make_hwpts(self);
	ASSERT_EQ(0, ret) TH_LOG("the nest parent and nested HWPTs: %s", strerror(-ret));
	for (int round = 0; round < BENCH_ROUNDS; round++) {
		for (int k = 0; k < NSIDES; k++) {
			int i = (round + k) % NSIDES;	/* rotate which goes first */
			long n;

			ret = lab_vfio_attach_pt(d->pci.fd, BENCH_RID, self->hwpt[i]);
			ASSERT_EQ(0, ret) TH_LOG("attach %s: %s", side_name[i], strerror(-ret));
			ret = bench_batch(side_transfer, d, &rate[i][round], &n);
			ASSERT_EQ(0, ret) TH_LOG("%s transfer %ld: %d (-errno or the engine's status)",
						 side_name[i], n, ret);
			total += n;
			ret = bench_check(d, 0, BENCH_RID, 0xc0000000u | round << 8 | i);
			ASSERT_EQ(0, ret) TH_LOG("%s: %s", side_name[i], ret == -EBADMSG ?
						 "data not where it belongs" : "check transfer failed");
		}
		ratio[0][round] = rate[NESTED][round] / rate[STAGE2_ONLY][round];
		ratio[1][round] = rate[NESTED][round] / rate[FIRST_STAGE][round];
	}
	for (int i = 0; i < NSIDES; i++) {
		snprintf(what, sizeof(what), "%s_ops_per_s", side_name[i]);
		bench_record(tag, what, rate[i], BENCH_ROUNDS, 1, "ops/s", &s[i]);
		snprintf(what, sizeof(what), "%s_mib_per_s", side_name[i]);
		bench_record(tag, what, rate[i], BENCH_ROUNDS, BENCH_MIB(len), "MiB/s", NULL);
	}
	bench_record(tag, "nested_to_stage2_only_ratio", ratio[0], BENCH_ROUNDS, 1, "ratio", &r[0]);
	bench_record(tag, "nested_to_first_stage_ratio", ratio[1], BENCH_ROUNDS, 1, "ratio", &r[1]);
	TH_LOG("%s: first stage %.0f ops/s, second stage only %.0f ops/s, nested %.0f ops/s (%.1f MiB/s); "
	       "nested/second stage %.3f (per round %.3f..%.3f), nested/first stage %.3f; %d rounds of >= "
	       "%.0f ms per side, %ld transfers", tag, s[FIRST_STAGE].p50, s[STAGE2_ONLY].p50, s[NESTED].p50,
	       s[NESTED].p50 * BENCH_MIB(len), r[0].p50, r[0].min, r[0].max, r[1].p50, BENCH_ROUNDS,
	       BENCH_BATCH_S * 1000, total);
}

/* One page (the translation cached after the first pair) and 1 MiB (256
 * pages: IOTLB misses that walk both stages). */
TEST_F(bench, nested_vs_stage2_only_4k) { nested_vs_stage2(_metadata, self, 4 << 10, "4k"); }
TEST_F(bench, nested_vs_stage2_only_64k) { nested_vs_stage2(_metadata, self, 64 << 10, "64k"); }
TEST_F(bench, nested_vs_stage2_only_1m) { nested_vs_stage2(_metadata, self, 1 << 20, "1m"); }

TEST_HARNESS_MAIN
