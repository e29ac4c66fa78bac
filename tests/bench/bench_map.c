// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark: what an IOAS map and unmap cost through iommufd with a device
 * attached (so every map fills the device's IO page table and every unmap
 * invalidates its IOTLB), by mapping size, as latency percentiles; and how
 * long after an unmap returns the device's next DMA faults. Figures are
 * metrics in the results JSON; the verdict depends only on correctness: each
 * map and unmap succeeds, a DMA pair through the mapped range lands, and no
 * DMA reaches memory once its unmap has returned. The device: a labdev, or
 * where there is none (a lab host) an nvme with a scratch range, whose pair
 * after an unmap shows as a read-back that differs (it cannot see a dropped
 * write) or a fault. docs/tests/bench.md.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "../iommufd/vfio_setup.h"
#include "lab_platform.h"
#include "lab_results.h"
#include "lab_engines.h"

#define PG 4096u
#define IOVA 0x40000000ull
#define MAX_LEN (2u << 20)
#define MAX_SAMPLES 4000
#define BUDGET_S 1.5		/* per size: enough samples for p99.9 on TCG */

FIXTURE(map) {
	int ifd;
	struct lab_vfio_pci pci;
	struct lab_uengine eng;
	uint32_t ioas, hwpt;
	uint8_t *buf;		/* MAX_LEN, 2 MiB aligned */
	uint32_t small;		/* bytes of the small DMA pairs: 16, or the engine's granule */
};
FIXTURE_VARIANT(map) { uint32_t len; const char *name; };
FIXTURE_VARIANT_ADD(map, 4k) { .len = 4096, .name = "4k" };
FIXTURE_VARIANT_ADD(map, 64k) { .len = 65536, .name = "64k" };
FIXTURE_VARIANT_ADD(map, 2m) { .len = 2u << 20, .name = "2m" };

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

FIXTURE_SETUP(map)
{
	const char *list = getenv("IOMMU_LAB_VFIO");
	const struct lab_uengine_ops *ops;
	char bdf[32];
	uint8_t *raw;
	int ret;

	self->ifd = -1;
	self->pci.fd = -1;
	LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_IOMMUFD);
	if (lab_uengine_find_pairs(list, 0, bdf, &ops))
		SKIP(return, "no labdev, nor nvme with a scratch range, handed to vfio-pci: the DMA checks need a "
		     "device that verifies by itself (IOMMU_LAB_VFIO='%s')", list ?: "");
	test_setup_vfio_device(&self->ifd, bdf, &self->pci);
	ret = lab_uengine_open(&self->pci, &self->eng);
	ASSERT_EQ(0, ret) TH_LOG("%s: engine: %s %s", bdf, strerror(-ret), self->eng.why);
	lab_record_engine(self->eng.ops->name, self->eng.emulated ? LAB_ENGINE_EMULATED : LAB_ENGINE_DEVICE);
	/* 2 MiB aligned, asking for a transparent huge page, so a 2 MiB map can
	 * use a 2 MiB IOPTE where the IOMMU has one. */
	raw = mmap(NULL, 2 * MAX_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	self->buf = (uint8_t *)(((uintptr_t)raw + MAX_LEN - 1) & ~(uintptr_t)(MAX_LEN - 1));
	madvise(self->buf, MAX_LEN, MADV_HUGEPAGE);
	memset(self->buf, 0, MAX_LEN);
	ASSERT_EQ(0, lab_ioas_alloc(self->ifd, &self->ioas));
	ASSERT_EQ(0, lab_uengine_ctrl_map(&self->eng, self->ifd, self->ioas));
	ASSERT_EQ(0, lab_hwpt_alloc(self->ifd, self->pci.dev_id, self->ioas, 0, &self->hwpt));
	ASSERT_EQ(0, lab_vfio_attach_pt(self->pci.fd, LAB_NO_PASID, self->hwpt));
	/* The smallest pair the engine takes (nvme: one LBA). */
	ret = lab_uengine_granule(&self->eng, &self->small);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s %s", bdf, strerror(-ret), self->eng.why);
	if (self->small < 16)
		self->small = 16;
	ASSERT_LE(self->small, PG);
}

FIXTURE_TEARDOWN(map)
{
	test_teardown_vfio_device(self->ifd, &self->pci, &self->eng);
}

static void record_summary(const char *what, const char *size, double *samples, size_t n)
{
	struct lab_summary s;
	char name[64];

	lab_summarize(samples, n, &s);
	snprintf(name, sizeof(name), "%s_%s_p50", what, size);
	lab_record_metric(name, s.p50, "us");
	snprintf(name, sizeof(name), "%s_%s_p99", what, size);
	lab_record_metric(name, s.p99, "us");
	snprintf(name, sizeof(name), "%s_%s_p999", what, size);
	lab_record_metric(name, s.p999, "us");
	snprintf(name, sizeof(name), "%s_%s_per_s", what, size);
	lab_record_metric(name, s.mean > 0 ? 1e6 / s.mean : 0, "1/s");
}

/*
 * Map and unmap the same range at the same IOVA over and over, each call
 * timed; then one DMA pair through a fresh map of the range (it must land)
 * and one after its unmap (it must fault).
 */
TEST_F_TIMEOUT(map, map_unmap_latency, 120)
{
	static double map_us[MAX_SAMPLES], unmap_us[MAX_SAMPLES];
	uint32_t len = variant->len;
	struct lab_dma_result r;
	size_t n = 0;
	double end = now_us() + BUDGET_S * 1e6;

	while (n < MAX_SAMPLES && now_us() < end) {
		double t0 = now_us(), t1;

		ASSERT_EQ(0, lab_ioas_map(self->ifd, self->ioas, self->buf, len, IOVA, LAB_IOAS_READ | LAB_IOAS_WRITE));
		t1 = now_us();
		ASSERT_EQ(0, lab_ioas_unmap(self->ifd, self->ioas, IOVA, len));
		map_us[n] = t1 - t0;
		unmap_us[n] = now_us() - t1;
		n++;
	}
	ASSERT_EQ(0, lab_ioas_map(self->ifd, self->ioas, self->buf, len, IOVA, LAB_IOAS_READ | LAB_IOAS_WRITE));
	ASSERT_EQ(0, lab_uengine_pair(&self->eng, IOVA + len - PG, PG, 0xb3, LAB_NO_PASID, &r));
	ASSERT_EQ(LAB_DMA_OK, r.status) TH_LOG("DMA pair through the map: %s", lab_dma_status_name(r.status));
	EXPECT_TRUE(lab_labdev_has_pattern(self->buf + len - PG, PG, 0xb3));
	ASSERT_EQ(0, lab_ioas_unmap(self->ifd, self->ioas, IOVA, len));
	memset(self->buf + len - PG, 0, PG);
	ASSERT_EQ(0, lab_uengine_pair(&self->eng, IOVA + len - PG, PG, 0xb4, LAB_NO_PASID, &r));
	EXPECT_TRUE(lab_dma_pair_blocked(&self->eng, &r)) TH_LOG("DMA after the unmap: %s",
								 lab_dma_status_name(r.status));
	EXPECT_TRUE(lab_mem_is_zero(self->buf + len - PG, PG));
	TH_LOG("%s: %zu map/unmap pairs", variant->name, n);
	lab_record_metric("samples", (double)n, "");
	record_summary("map", variant->name, map_us, n);
	record_summary("unmap", variant->name, unmap_us, n);
}

/*
 * How soon an unmap takes effect for the device: map, one DMA pair (lands),
 * unmap, then DMA pairs at once until one faults. With synchronous (strict)
 * invalidation the very first one faults: any DMA that still landed after the
 * unmap returned is a failure (the page is the caller's again). The time
 * from the unmap's return to the fault is recorded.
 */
TEST_F_TIMEOUT(map, unmap_to_first_fault, 120)
{
	static double us[MAX_SAMPLES];
	uint32_t len = variant->len;
	struct lab_dma_result r;
	uint64_t stale = 0;
	size_t n = 0;
	double end = now_us() + BUDGET_S * 1e6;

	while (n < MAX_SAMPLES && now_us() < end) {
		double t0;

		ASSERT_EQ(0, lab_ioas_map(self->ifd, self->ioas, self->buf, len, IOVA, LAB_IOAS_READ | LAB_IOAS_WRITE));
		ASSERT_EQ(0, lab_uengine_pair(&self->eng, IOVA, self->small, (uint32_t)n, LAB_NO_PASID, &r));
		ASSERT_EQ(LAB_DMA_OK, r.status) TH_LOG("%s %s", lab_dma_status_name(r.status), self->eng.why);
		ASSERT_EQ(0, lab_ioas_unmap(self->ifd, self->ioas, IOVA, len));
		t0 = now_us();
		for (int tries = 0; tries < 100; tries++) {
			ASSERT_EQ(0, lab_uengine_pair(&self->eng, IOVA, self->small, (uint32_t)n, LAB_NO_PASID, &r));
			if (lab_dma_pair_blocked(&self->eng, &r))
				break;
			ASSERT_EQ(LAB_DMA_OK, r.status) TH_LOG("DMA pair after the unmap: %s %s",
							       lab_dma_status_name(r.status), self->eng.why);
			stale++;
		}
		ASSERT_TRUE(lab_dma_pair_blocked(&self->eng, &r)) TH_LOG("100 DMA pairs after the unmap all landed");
		us[n++] = now_us() - t0;
	}
	TH_LOG("%s: %zu unmaps, %llu DMA pairs landed after their unmap returned", variant->name, n,
	       (unsigned long long)stale);
	lab_record_metric("samples", (double)n, "");
	lab_record_metric("stale_dma_after_unmap", (double)stale, "");
	record_summary("unmap_to_fault", variant->name, us, n);
	EXPECT_EQ(0, stale);
}

TEST_HARNESS_MAIN
