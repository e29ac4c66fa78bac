// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark: DMA throughput tagged with a PASID next to untagged (RID) DMA,
 * same device, same transfer size, same run. Numbers are recorded as metrics
 * ("# lab-record metric" -> results JSON); a test's verdict depends only on
 * every transfer completing and the data checked at the end of each batch,
 * never on timing.
 *
 * Variants:
 *   iommufd  labdev bound to vfio-pci (IOMMU_LAB_VFIO): the RID on one
 *            PASID-capable HWPT, PASID 1 on another; DMA pairs (the device
 *            writes a pattern and reads it back) started from userspace
 *   module   labdev handed to iommu_testdev (IOMMU_LAB_TESTDEV): a RID domain
 *            and a PASID-1 domain; copies started with ITD_DMA
 * Rounds alternate which of the two goes first, and the ratio is taken per
 * round, so slow drift of a noisy host cancels out. docs/tests/bench.md.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "discover.h"
#include "iommufd.h"
#include "lab_test.h"
#include "stats.h"
#include "sysfs.h"
#include "testdev.h"
#include "uengine.h"

#define IOVA_SRC 0x10000000ull
#define IOVA_DST 0x20000000ull
#define ROUNDS 9
#define BENCH_PASID 1

FIXTURE(bench) {
	bool module;
	int ifd;			/* iommufd */
	struct lab_vfio_pci pci;
	struct lab_uengine eng;
	uint8_t *page[2];		/* iommufd: [0] the RID's buffer, [1] PASID 1's */
	int tfd;			/* module */
	uint32_t src[2], dst[2];	/* module buffers: [0] RID, [1] PASID 1 */
	uint64_t len;
	char why[160];			/* a SKIP's reason */
};
FIXTURE_VARIANT(bench) { bool module; };
FIXTURE_VARIANT_ADD(bench, iommufd) { .module = false };
FIXTURE_VARIANT_ADD(bench, module) { .module = true };

static int open_iommufd_labdev(FIXTURE_DATA(bench) *self)
{
	struct lab_hw_info hw;
	char bdf[32];

	if (lab_uengine_find(getenv("IOMMU_LAB_VFIO"), &lab_uengine_labdev, false, 0, bdf))
		return -ENOENT;
	if (!lab_iommufd_pasid_built()) {
		snprintf(self->why, sizeof(self->why), "built without uAPI headers for PASID HWPTs "
			 "and VFIO attach at a PASID (configure --with-uapi)");
		return -EOPNOTSUPP;
	}
	self->ifd = lab_iommufd_open();
	if (self->ifd < 0) {
		snprintf(self->why, sizeof(self->why), "/dev/iommu: %s", strerror(-self->ifd));
		return -EOPNOTSUPP;
	}
	if (lab_vfio_pci_open(self->ifd, bdf, &self->pci) ||
	    lab_uengine_open(&self->pci, &self->eng) ||
	    lab_iommufd_hw_info_dev(self->ifd, self->pci.dev_id, &hw))
		return -EIO;
	if (!hw.has_max_pasid) {
		snprintf(self->why, sizeof(self->why), "uAPI headers lack IOMMU_GET_HW_INFO's "
			 "out_max_pasid_log2");
		return -EOPNOTSUPP;
	}
	if (!hw.max_pasid_log2) {
		snprintf(self->why, sizeof(self->why), "%s: iommufd reports no PASIDs%s", bdf,
			 lab_pci_iommu_type(bdf) == LAB_IOMMU_SMMUV3 ?
			 " (the SMMUv3 has no substream support, IDR1.SSIDSIZE = 0)" : "");
		return -EOPNOTSUPP;
	}
	return 0;
}

FIXTURE_SETUP(bench)
{
	self->module = variant->module;
	self->ifd = self->tfd = self->pci.fd = -1;
	if (!self->module) {
		int ret = open_iommufd_labdev(self);

		if (ret == -ENOENT)
			SKIP(return, "no labdev handed to vfio-pci (iommu-lab run --vfio BDF)");
		if (ret == -EOPNOTSUPP)
			SKIP(return, "%s: nothing to compare", self->why);
		ASSERT_EQ(0, ret);
		lab_record_engine("labdev", LAB_ENGINE_EMULATED);
	} else {
		const char *list = getenv("IOMMU_LAB_TESTDEV");
		struct itd_info info;
		char bdf[32];

		self->tfd = lab_td_open_engine(list ? list : "", "labdev", bdf, sizeof(bdf), &info);
		if (self->tfd == -ENOENT)
			SKIP(return, "no labdev handed to iommu_testdev (iommu-lab run --testdev BDF)");
		ASSERT_LE(0, self->tfd);
		if (info.max_pasids <= BENCH_PASID)
			SKIP(return, "%s: %u PASIDs usable%s: nothing to compare", bdf, info.max_pasids,
			     lab_pci_iommu_type(bdf) == LAB_IOMMU_SMMUV3 ?
			     " (the SMMUv3 has no substream support, IDR1.SSIDSIZE = 0)" : "");
		lab_record_engine("labdev", LAB_ENGINE_EMULATED);
	}
}

FIXTURE_TEARDOWN(bench)
{
	if (self->eng.ops)
		lab_uengine_close(&self->eng);
	if (self->pci.fd >= 0)
		lab_vfio_pci_close(&self->pci);
	for (int i = 0; i < 2; i++)
		if (self->page[i])
			munmap(self->page[i], self->len);
	if (self->ifd >= 0)
		close(self->ifd);
	if (self->tfd >= 0)
		close(self->tfd);	/* the module tears down its domains and buffers */
}

/* The two address spaces: [0] at the RID, [1] at PASID 1, each mapping the
 * transfer's buffers at the same IOVAs. */
static void build(struct __test_metadata *_metadata, FIXTURE_DATA(bench) *self, uint64_t len)
{
	self->len = len;
	if (!self->module) {
		uint32_t ioas, hwpt;

		for (int i = 0; i < 2; i++) {
			self->page[i] = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			ASSERT_NE(MAP_FAILED, self->page[i]);
			memset(self->page[i], 0, len);
			ASSERT_EQ(0, lab_ioas_alloc(self->ifd, &ioas));
			ASSERT_EQ(0, lab_ioas_map(self->ifd, ioas, self->page[i], len, IOVA_DST,
						  LAB_IOAS_READ | LAB_IOAS_WRITE));
			ASSERT_EQ(0, lab_hwpt_alloc(self->ifd, self->pci.dev_id, ioas, LAB_HWPT_PASID, &hwpt));
			ASSERT_EQ(0, lab_vfio_attach_pt(self->pci.fd, i ? BENCH_PASID : LAB_NO_PASID, hwpt));
		}
		return;
	}
	ASSERT_EQ(0, lab_td_attach(self->tfd, ITD_DOMAIN_BLOCKED));
	for (int i = 0; i < 2; i++) {
		uint32_t dom;
		uint8_t fill[4096];

		ASSERT_EQ(0, lab_td_buf_alloc(self->tfd, len, 0, 0, &self->src[i], NULL));
		ASSERT_EQ(0, lab_td_buf_alloc(self->tfd, len, 0, 0, &self->dst[i], NULL));
		memset(fill, 0x40 + i, sizeof(fill));
		for (uint64_t off = 0; off < len; off += sizeof(fill))
			ASSERT_EQ(0, lab_td_buf_write(self->tfd, self->src[i], off, fill, sizeof(fill)));
		ASSERT_EQ(0, lab_td_domain_alloc(self->tfd, ITD_DOMAIN_PASID, &dom));
		ASSERT_EQ(0, lab_td_map(self->tfd, dom, IOVA_SRC, self->src[i], 0, len, ITD_MAP_READ));
		ASSERT_EQ(0, lab_td_map(self->tfd, dom, IOVA_DST, self->dst[i], 0, len,
					ITD_MAP_READ | ITD_MAP_WRITE));
		ASSERT_EQ(0, i ? lab_td_attach_pasid(self->tfd, dom, BENCH_PASID) : lab_td_attach(self->tfd, dom));
	}
}

/* One transfer in address space i; 0 or the failing status/-errno. */
static int one(FIXTURE_DATA(bench) *self, int i, uint32_t seed)
{
	if (!self->module) {
		struct lab_dma_result r;
		int ret = lab_uengine_pair(&self->eng, IOVA_DST, self->len, seed,
					   i ? BENCH_PASID : LAB_NO_PASID, &r);

		return ret ? ret : (int)r.status;
	}
	struct itd_dma op = { .flags = i ? ITD_DMA_PASID : 0, .pasid = i ? BENCH_PASID : 0,
			      .src_iova = IOVA_SRC, .dst_iova = IOVA_DST, .length = self->len };
	int ret = lab_td_dma(self->tfd, &op);

	if (!ret && op.engine_kind == ITD_ENGINE_SOFTWARE)
		return -EPROTO;	/* never count a software copy as device DMA */
	return ret ? ret : (int)op.status;
}

static int clear_dst(FIXTURE_DATA(bench) *self, int i)
{
	uint8_t zero[4096] = { 0 };

	if (!self->module) {
		memset(self->page[i], 0, self->len);
		return 0;
	}
	for (uint64_t off = 0; off < self->len; off += sizeof(zero)) {
		int ret = lab_td_buf_write(self->tfd, self->dst[i], off, zero, sizeof(zero));

		if (ret)
			return ret;
	}
	return 0;
}

/* After a batch the last transfer's data is where it belongs: the pattern in
 * the space's page (iommufd), the source's bytes in its destination (module). */
static bool landed(FIXTURE_DATA(bench) *self, int i, uint32_t seed)
{
	uint8_t buf[4096];

	if (!self->module)
		return lab_labdev_has_pattern(self->page[i], self->len, seed);
	for (uint64_t off = 0; off < self->len; off += sizeof(buf)) {
		if (lab_td_buf_read(self->tfd, self->dst[i], off, buf, sizeof(buf)))
			return false;
		for (size_t b = 0; b < sizeof(buf); b++)
			if (buf[b] != 0x40 + i)
				return false;
	}
	return true;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Each timed batch runs at least this long, so that scheduling noise on a
 * busy (emulated) machine is a small part of it. */
#define BATCH_S 0.025
#define BATCH_MIN 4

static void rid_vs_pasid(struct __test_metadata *_metadata, FIXTURE_DATA(bench) *self, uint64_t len,
			 const char *tag)
{
	double rate[2][ROUNDS], ratio[ROUNDS];
	struct lab_summary s[2], r;
	long total = 0;
	char name[64];

	build(_metadata, self, len);
	for (int round = 0; round < ROUNDS; round++) {
		for (int k = 0; k < 2; k++) {
			int i = (round + k) % 2;	/* alternate which goes first */
			uint32_t seed = 0;
			double t0 = now_s(), dt;
			long n = 0;

			do {
				seed = (uint32_t)(round * 100000 + n * 2 + i);
				ASSERT_EQ(0, one(self, i, seed)) TH_LOG("%s transfer %ld", i ? "PASID" : "RID", n);
				n++;
				dt = now_s() - t0;
			} while (n < BATCH_MIN || dt < BATCH_S);
			total += n;
			/* Untimed: one more transfer into a cleared destination, so the
			 * check below sees this batch's data, not an earlier one's. */
			ASSERT_EQ(0, clear_dst(self, i));
			ASSERT_EQ(0, one(self, i, seed));
			ASSERT_TRUE(landed(self, i, seed)) TH_LOG("%s: data not where it belongs", i ? "PASID" : "RID");
			rate[i][round] = n / dt;
		}
		ratio[round] = rate[1][round] / rate[0][round];
	}
	lab_summarize(rate[0], ROUNDS, &s[0]);
	lab_summarize(rate[1], ROUNDS, &s[1]);
	lab_summarize(ratio, ROUNDS, &r);
	snprintf(name, sizeof(name), "%s.rid_ops_per_s", tag);
	lab_record_metric(name, s[0].p50, "ops/s");
	snprintf(name, sizeof(name), "%s.pasid_ops_per_s", tag);
	lab_record_metric(name, s[1].p50, "ops/s");
	snprintf(name, sizeof(name), "%s.rid_mib_per_s", tag);
	lab_record_metric(name, s[0].p50 * len / (1 << 20), "MiB/s");
	snprintf(name, sizeof(name), "%s.pasid_mib_per_s", tag);
	lab_record_metric(name, s[1].p50 * len / (1 << 20), "MiB/s");
	snprintf(name, sizeof(name), "%s.pasid_to_rid_ratio", tag);
	lab_record_metric(name, r.p50, "ratio");
	TH_LOG("%s %s: RID %.0f ops/s (%.1f MiB/s), PASID %.0f ops/s (%.1f MiB/s), PASID/RID %.3f "
	       "(per-round ratios %.3f..%.3f; %d rounds of >= %.0f ms per side, %ld transfers)",
	       self->module ? "module" : "iommufd", tag, s[0].p50, s[0].p50 * len / (1 << 20), s[1].p50,
	       s[1].p50 * len / (1 << 20), r.p50, r.min, r.max, ROUNDS, BATCH_S * 1000, total);
}

TEST_F(bench, rid_vs_pasid_4k) { rid_vs_pasid(_metadata, self, 4096, "4k"); }
TEST_F(bench, rid_vs_pasid_64k) { rid_vs_pasid(_metadata, self, 65536, "64k"); }
TEST_F(bench, rid_vs_pasid_2m) { rid_vs_pasid(_metadata, self, 2 << 20, "2m"); }

TEST_HARNESS_MAIN
