// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every allocation of the iommufd/VFIO paths the suite uses fails once, with
 * the real (emulated) IOMMU drivers behind a labdev bound to vfio-pci, not
 * iommufd's mock: IOAS map, HWPT alloc, attach and replace at the RID and at
 * a PASID, and on SMMUv3 the vIOMMU, the vDEVICE, the nested HWPT, the vIOMMU
 * invalidation and the vEVENTQ. That reaches the VT-d and SMMUv3 drivers'
 * error paths, which iommufd's own fail_nth (the mock) never does. Each
 * failure must be a clean errno, leave no object or attachment behind (the
 * next object gets the ID the failed one would have had; the device still
 * lands its DMA where it did before), and log no kernel report. The kernel's
 * per-task fail-nth: tests/testdev/fail_nth.h. docs/tests/fail_nth.md.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "lab_platform.h"
#include "iommufd_utils.h"
#include "lab_results.h"
#include "../testdev/fail_nth.h"

#define PG 4096u
#define IOVA 0x40000000ull	/* the data page in each IOAS; stage 2 on SMMUv3 */
#define IPA_S1 0x50000000ull
#define NS1 8
#define IPA_CD 0x60000000ull
#define IOVA_A 0x10000000ull	/* stage 1 input on SMMUv3 */
#define VSID 0x42
#define ASID 11

FIXTURE(fnth) {
	int ifd;
	struct idev dev;
	struct fail_nth fn;
	struct lab_kmsg_mark start;
	bool pasid;			/* iommufd attaches this device at PASIDs */
	bool iommufd_points;		/* IOMMUFD_TEST's injection points take part */
	bool marked;			/* start is set: the teardown looks for reports */
	uint8_t *data[2], *s1mem, *cdmem;
	uint32_t ioas[2];		/* IOAS i maps IOVA to data page i */
};
FIXTURE_VARIANT(fnth) { const struct lab_uengine_ops *ops; };
/* labdev only: the paths are the IOMMU driver's and iommufd's, the engine
 * just proves where DMA lands (no edu: it cannot tag PASIDs). */
FIXTURE_VARIANT_ADD(fnth, labdev) { .ops = &lab_uengine_labdev };

static void *page(struct __test_metadata *_metadata, size_t n)
{
	void *p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0, n * PG);
	return p;
}

FIXTURE_SETUP(fnth)
{
	struct lab_hw_info hw;
	char bdf[32], why[256];

	self->ifd = -1;
	self->dev.pci.fd = -1;
	self->fn.fd = -1;
	LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_IOMMUFD);
	if (lab_uengine_find(getenv("IOMMU_LAB_VFIO"), variant->ops, false, 0, bdf))
		SKIP(return, "no %s function handed to vfio-pci (iommu-lab run --vfio BDF; "
		     "IOMMU_LAB_VFIO='%s')", variant->ops->name, getenv("IOMMU_LAB_VFIO") ?: "");
	if (fail_nth_setup(&self->fn, why, sizeof(why)))
		SKIP(return, "%s", why);
	self->iommufd_points = !access("/sys/kernel/debug/fail_iommufd", F_OK);
	if (self->iommufd_points)
		TH_LOG("IOMMUFD_TEST: iommufd's own injection points (fail_iommufd) fail in turn too");
	test_open_iommufd(&self->ifd);
	test_open_vfio(self->ifd, bdf, &self->dev);
	test_open_engine(&self->dev);
	test_record_engine(&self->dev);
	test_cmd_hw_info(&self->dev, &hw);
	self->pasid = hw.has_max_pasid && hw.max_pasid_log2 && lab_iommufd_pasid_built();
	for (int i = 0; i < 2; i++) {
		self->data[i] = page(_metadata, 1);
		test_cmd_ioas_alloc(&self->ioas[i]);
		test_cmd_ioas_map(self->ioas[i], self->data[i], PG, IOVA, LAB_IOAS_READ | LAB_IOAS_WRITE);
	}
	ASSERT_EQ(0, lab_kmsg_mark(&self->start));
	self->marked = true;
}

/* No kernel report since the test began, its close included: claimed, as in
 * testdev_fail_nth (this test's FAIL names it, kernel_log not again). */
FIXTURE_TEARDOWN(fnth)
{
	char first[256], by[256];

	fail_nth_cleanup(&self->fn);
	test_close_idev(self->ifd, &self->dev);
	if (self->ifd >= 0)
		close(self->ifd);
	if (!self->marked)
		return;
	snprintf(by, sizeof(by), "iommufd_fail_nth.fnth.labdev.%s", _metadata->name);
	EXPECT_EQ(0, lab_kmsg_claim_reports(&self->start, by, first, sizeof(first)))
		TH_LOG("kernel report during the test: %s", first);
}

/*
 * An injected allocation failure comes back as ENOMEM (ENOSPC from an ID
 * allocator). A kernel with IOMMUFD_TEST has injection points of iommufd's
 * own (debugfs fail_iommufd), which fail-nth counts too; each returns
 * the errno of the failure it simulates (drivers/iommu/iommufd: ENOENT for an
 * object lookup, EFAULT for pinning user pages, EINVAL for an IOVA or xarray
 * step). Anything else hides the cause.
 */
static bool clean_errno(FIXTURE_DATA(fnth) *self, int ret)
{
	if (ret == -ENOMEM || ret == -ENOSPC)
		return true;
	return self->iommufd_points && (ret == -ENOENT || ret == -EFAULT || ret == -EINVAL);
}

#define EXPECT_CLEAN_ERRNO(_ret, _n, _what)                                                  \
	EXPECT_TRUE(clean_errno(self, _ret))                                                 \
		TH_LOG("%s, allocation %u failed: %s", _what, _n, strerror(-(_ret)))

/* A DMA pair at iova (tagged with pasid, or LAB_NO_PASID) lands in data
 * page WANT of the two and not in the other. */
static void lands(struct __test_metadata *_metadata, FIXTURE_DATA(fnth) *self, uint64_t iova,
		  uint32_t pasid, int want, const char *step)
{
	static uint32_t seed = 0xf417;
	struct lab_dma_result r;

	memset(self->data[0], 0, PG);
	memset(self->data[1], 0, PG);
	seed++;
	test_cmd_dma_pair(&self->dev, iova, PG, seed, pasid, &r);
	ASSERT_EQ(LAB_DMA_OK, r.status) TH_LOG("%s: DMA pair at %#llx: %s", step,
					       (unsigned long long)iova, lab_dma_status_name(r.status));
	EXPECT_TRUE(lab_labdev_has_pattern(self->data[want], PG, seed)) TH_LOG("%s: not in page %d", step, want);
	EXPECT_TRUE(lab_mem_is_zero(self->data[!want], PG)) TH_LOG("%s: page %d written", step, !want);
}

/* The ID iommufd hands the next object: allocate one and destroy it. */
static uint32_t next_id(struct __test_metadata *_metadata, FIXTURE_DATA(fnth) *self)
{
	uint32_t id = 0;

	EXPECT_EQ(0, lab_ioas_alloc(self->ifd, &id));
	EXPECT_EQ(0, lab_iommufd_destroy(self->ifd, id));
	return id;
}

/* After the loops: the points tried, a metric. */
static void record_points(struct __test_metadata *_metadata, unsigned int points, const char *path)
{
	lab_record_metric(path, points, "points");
	TH_LOG("%s: %u allocation points failed in turn", path, points);
}

/* IOMMU_IOAS_MAP of a page at a fresh IOVA: pins it and fills the IOMMU's
 * tables of every attached domain. */
TEST_F_TIMEOUT(fnth, ioas_map_fails_cleanly_at_every_allocation, 300)
{
	unsigned int n;
	bool injected = true;
	uint32_t hwpt;
	int ret;

	test_cmd_hwpt_alloc(&self->dev, self->ioas[0], 0, &hwpt);
	test_cmd_attach(&self->dev, LAB_NO_PASID, hwpt);
	test_cmd_ioas_unmap(self->ioas[0], IOVA, PG);
	for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
		FAIL_NTH_CALL(&self->fn, n, ret, injected,
			      lab_ioas_map(self->ifd, self->ioas[0], self->data[1], PG, IOVA,
					   LAB_IOAS_READ | LAB_IOAS_WRITE));
		if (ret) {
			EXPECT_CLEAN_ERRNO(ret, n, "IOMMU_IOAS_MAP");
			/* Nothing mapped there: the unmap finds nothing, the map goes. */
			EXPECT_ERR(ENOENT, lab_ioas_unmap(self->ifd, self->ioas[0], IOVA, PG));
			test_cmd_ioas_map(self->ioas[0], self->data[1], PG, IOVA, LAB_IOAS_READ | LAB_IOAS_WRITE);
		}
		lands(_metadata, self, IOVA, LAB_NO_PASID, 1, "after IOMMU_IOAS_MAP");
		test_cmd_ioas_unmap(self->ioas[0], IOVA, PG);
	}
	EXPECT_LT(n, FAIL_NTH_MAX);
	test_cmd_ioas_map(self->ioas[0], self->data[0], PG, IOVA, LAB_IOAS_READ | LAB_IOAS_WRITE);
	lands(_metadata, self, IOVA, LAB_NO_PASID, 0, "the IOAS as it was");
	record_points(_metadata, n - 2, "ioas_map");
}

/* IOMMU_HWPT_ALLOC: a paging domain of the IOMMU driver (plain, PASID-capable,
 * nest parent), on an IOAS with a page already mapped. */
TEST_F_TIMEOUT(fnth, hwpt_alloc_fails_cleanly_at_every_allocation, 300)
{
	const uint32_t flags[] = { 0, LAB_HWPT_PASID, LAB_HWPT_NEST_PARENT };
	unsigned int points = 0, n;

	for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++) {
		uint32_t want = next_id(_metadata, self), id;
		bool injected = true;
		int ret;

		if (flags[k] == LAB_HWPT_PASID && !self->pasid)
			continue;
		ret = lab_hwpt_alloc(self->ifd, self->dev.id, self->ioas[0], flags[k], &id);
		if (ret == -EOPNOTSUPP && flags[k] == LAB_HWPT_NEST_PARENT) {
			TH_LOG("no nest parent on this IOMMU: not tried");
			continue;
		}
		ASSERT_EQ(0, ret) TH_LOG("HWPT flags %#x: %s", flags[k], strerror(-ret));
		ASSERT_OK(lab_iommufd_destroy(self->ifd, id));
		for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
			id = 0;
			FAIL_NTH_CALL(&self->fn, n, ret, injected,
				      lab_hwpt_alloc(self->ifd, self->dev.id, self->ioas[0], flags[k], &id));
			if (ret) {
				EXPECT_CLEAN_ERRNO(ret, n, "IOMMU_HWPT_ALLOC");
				test_cmd_hwpt_alloc(&self->dev, self->ioas[0], flags[k], &id);
			}
			EXPECT_EQ(want, id) TH_LOG("flags %#x, allocation %u: the HWPT got ID %u, not %u: "
						   "a failed allocation kept an object", flags[k], n, id, want);
			/* It translates: the device lands in the IOAS's page. */
			test_cmd_attach(&self->dev, LAB_NO_PASID, id);
			lands(_metadata, self, IOVA, LAB_NO_PASID, 0, "a new HWPT");
			test_cmd_detach(&self->dev, LAB_NO_PASID);
			ASSERT_OK(lab_iommufd_destroy(self->ifd, id));
		}
		EXPECT_LT(n, FAIL_NTH_MAX);
		points += n - 2;
	}
	record_points(_metadata, points, "hwpt_alloc");
}

/*
 * Attach at the RID (nothing attached before), then replace the RID's HWPT
 * (IOAS 0's) with another (IOAS 1's); the same at a PASID. A failed attach
 * leaves the device where it was: a failed replace still lands in page 0.
 */
TEST_F_TIMEOUT(fnth, attach_and_replace_fail_cleanly_at_every_allocation, 300)
{
	unsigned int points = 0, n;
	uint32_t hw[2];

	for (int at_pasid = 0; at_pasid < 2; at_pasid++) {
		uint32_t pasid = at_pasid ? 1 : LAB_NO_PASID;
		uint32_t fl = at_pasid ? LAB_HWPT_PASID : 0;

		if (at_pasid && !self->pasid) {
			TH_LOG("no PASIDs through iommufd for %s: PASID attach not tried", self->dev.pci.bdf);
			continue;
		}
		test_cmd_hwpt_alloc(&self->dev, self->ioas[0], fl, &hw[0]);
		test_cmd_hwpt_alloc(&self->dev, self->ioas[1], fl, &hw[1]);
		/* A PASID attach needs the RID attached too (to IOAS 0's). */
		if (at_pasid)
			test_cmd_attach(&self->dev, LAB_NO_PASID, hw[0]);
		for (int replace = 0; replace < 2; replace++) {
			bool injected = true;
			int ret;

			for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
				if (replace)
					test_cmd_attach(&self->dev, pasid, hw[0]);
				FAIL_NTH_CALL(&self->fn, n, ret, injected,
					      lab_vfio_attach_pt(self->dev.pci.fd, pasid, hw[1]));
				if (ret) {
					EXPECT_CLEAN_ERRNO(ret, n, replace ? "replace" : "attach");
					if (replace)
						lands(_metadata, self, IOVA, pasid, 0, "after a failed replace");
					/* VFIO's detach of a PASID it has nothing at is a
					 * no-op; were the failed attach half done, it
					 * would reach iommufd (a report, or worse). */
					else if (at_pasid)
						EXPECT_EQ(0, lab_vfio_detach_pt(self->dev.pci.fd, pasid));
					test_cmd_attach(&self->dev, pasid, hw[1]);
				}
				lands(_metadata, self, IOVA, pasid, 1, replace ? "replaced" : "attached");
				test_cmd_detach(&self->dev, pasid);
			}
			EXPECT_LT(n, FAIL_NTH_MAX);
			points += n - 2;
		}
		if (at_pasid)
			test_cmd_detach(&self->dev, LAB_NO_PASID);
		ASSERT_OK(lab_iommufd_destroy(self->ifd, hw[0]));
		ASSERT_OK(lab_iommufd_destroy(self->ifd, hw[1]));
	}
	record_points(_metadata, points, "attach_replace");
}

/*
 * SMMUv3 nesting, step by step with every allocation failing in turn: the
 * nest parent on IOAS 0 (stage 2; the stage-1 tables and CD are in it too),
 * the vIOMMU, the vDEVICE, the nested HWPT from a vSTE, an invalidation
 * through the vIOMMU and a vEVENTQ; the device then lands through both
 * stages in page 0. SKIPs where there is no SMMUv3 vIOMMU.
 */
TEST_F_TIMEOUT(fnth, nesting_fails_cleanly_at_every_allocation, 300)
{
	uint32_t parent, viommu = 0, vdev = 0, nested = 0, q = 0, want, done;
	unsigned int points = 0, n;
	uint64_t cd[8], ste[2], cmd[1][2];
	bool injected;
	struct lab_s1pt s1;
	int ret, qfd;

	if (lab_pci_iommu_type(self->dev.pci.bdf) != LAB_IOMMU_SMMUV3)
		SKIP(return, "%s: the nesting paths here are SMMUv3's (vIOMMU, vSTE)", self->dev.pci.bdf);
	if (lab_iommufd_unusable(LAB_NEED_VIOMMU))
		SKIP(return, "%s", lab_iommufd_unusable(LAB_NEED_VIOMMU));
	self->s1mem = page(_metadata, NS1);
	self->cdmem = page(_metadata, 1);
	test_cmd_ioas_map(self->ioas[0], self->s1mem, NS1 * PG, IPA_S1, LAB_IOAS_READ);
	test_cmd_ioas_map(self->ioas[0], self->cdmem, PG, IPA_CD, LAB_IOAS_READ);
	ASSERT_EQ(0, lab_s1pt_init(&s1, LAB_S1PT_ARM_VMSA, self->s1mem, IPA_S1, NS1));
	ASSERT_EQ(0, lab_s1pt_map(&s1, IOVA_A, IOVA, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	lab_smmuv3_cd(cd, ASID, s1.root_ipa, s1.va_bits);
	memcpy(self->cdmem, cd, sizeof(cd));
	test_cmd_hwpt_alloc(&self->dev, self->ioas[0], LAB_HWPT_NEST_PARENT, &parent);
	ret = lab_viommu_alloc(self->ifd, self->dev.id, parent, LAB_VIOMMU_ARM_SMMUV3, &viommu);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "the kernel refuses an SMMUv3 vIOMMU here");
	ASSERT_OK(ret);
	ASSERT_OK(lab_iommufd_destroy(self->ifd, viommu));

/* One object's allocation, every point failing in turn; _ALLOC is the call
 * (0 or -errno) that sets *_id; each success is destroyed but the last. */
#define EACH_POINT(_what, _id, _alloc)                                                       \
	do {                                                                                 \
		want = next_id(_metadata, self);                                             \
		injected = true;                                                             \
		for (n = 1; injected && n < FAIL_NTH_MAX; n++) {                             \
			_id = 0;                                                             \
			FAIL_NTH_CALL(&self->fn, n, ret, injected, _alloc);                  \
			if (ret) {                                                           \
				EXPECT_CLEAN_ERRNO(ret, n, _what);                           \
				ASSERT_OK(_alloc);                                           \
			}                                                                    \
			EXPECT_EQ(want, _id) TH_LOG("%s, allocation %u: ID %u, not %u: a "   \
						    "failed allocation kept an object",      \
						    _what, n, _id, want);                    \
			if (injected)                                                        \
				ASSERT_OK(lab_iommufd_destroy(self->ifd, _id));              \
		}                                                                            \
		EXPECT_LT(n, FAIL_NTH_MAX);                                                  \
		points += n - 2;                                                             \
	} while (0)

	EACH_POINT("vIOMMU", viommu,
		   lab_viommu_alloc(self->ifd, self->dev.id, parent, LAB_VIOMMU_ARM_SMMUV3, &viommu));
	EACH_POINT("vDEVICE", vdev, lab_vdevice_alloc(self->ifd, viommu, self->dev.id, VSID, &vdev));
	lab_smmuv3_vste(ste, LAB_STE_S1_TRANS, IPA_CD);
	EACH_POINT("nested HWPT", nested,
		   lab_hwpt_alloc_smmuv3_nested(self->ifd, self->dev.id, viommu, ste, &nested));
	/* Attach to the nested HWPT (the vDEVICE's vmaster is allocated here). */
	injected = true;
	for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
		FAIL_NTH_CALL(&self->fn, n, ret, injected, lab_vfio_attach_pt(self->dev.pci.fd, LAB_NO_PASID, nested));
		if (ret) {
			EXPECT_CLEAN_ERRNO(ret, n, "attach to the nested HWPT");
			test_cmd_attach(&self->dev, LAB_NO_PASID, nested);
		}
		lands(_metadata, self, IOVA_A, LAB_NO_PASID, 0, "nested");
		if (injected)
			test_cmd_replace(&self->dev, LAB_NO_PASID, parent);
	}
	points += n - 2;
	/* An invalidation through the vIOMMU (the kernel copies the array). */
	lab_smmuv3_cmd_tlbi_nh_va(cmd[0], ASID, IOVA_A);
	injected = true;
	for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
		done = 77;
		FAIL_NTH_CALL(&self->fn, n, ret, injected,
			      lab_viommu_invalidate_smmuv3(self->ifd, viommu, cmd, 1, &done));
		if (ret) {
			/* entry_num says how many were handled: the one entry, if
			 * the failure came after it, else none. */
			EXPECT_CLEAN_ERRNO(ret, n, "vIOMMU invalidation");
			EXPECT_GE(1u, done) TH_LOG("a failed invalidation of 1 entry reported %u done", done);
		} else {
			EXPECT_EQ(1u, done);
		}
	}
	points += n - 2;
	/* A vEVENTQ (one per vIOMMU: a half-made one left behind would make the
	 * next EEXIST); its fd goes before the object. */
	want = next_id(_metadata, self);
	injected = true;
	for (n = 1; injected && n < FAIL_NTH_MAX; n++) {
		q = 0;
		FAIL_NTH_CALL(&self->fn, n, ret, injected,
			      lab_veventq_alloc_smmuv3(self->ifd, viommu, 8, &q, &qfd));
		if (ret) {
			EXPECT_CLEAN_ERRNO(ret, n, "vEVENTQ");
			test_cmd_veventq_alloc(viommu, 8, &q, &qfd);
		}
		EXPECT_EQ(want, q) TH_LOG("vEVENTQ, allocation %u: ID %u, not %u", n, q, want);
		close(qfd);
		ASSERT_OK(lab_iommufd_destroy(self->ifd, q));
	}
	EXPECT_LT(n, FAIL_NTH_MAX);
	points += n - 2;
	lands(_metadata, self, IOVA_A, LAB_NO_PASID, 0, "nested, at the end");
	record_points(_metadata, points, "nesting");
}

TEST_HARNESS_MAIN
