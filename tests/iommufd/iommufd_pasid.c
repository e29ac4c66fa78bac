// SPDX-License-Identifier: GPL-2.0-only
/*
 * PASID attachment through iommufd: HWPTs attached at PASIDs of one device,
 * replaced and detached, each HWPT on its own IOAS with the same IOVAs mapped
 * to different pages, so any PASID mix-up shows in which page the data lands.
 *
 * Variants:
 *   labdev  a PCI function bound to vfio-pci, attached with
 *           VFIO_DEVICE_ATTACH_IOMMUFD_PT (PASID flag); every check is a DMA
 *           pair by the device itself (lib/uengine_labdev.c), tagged with the
 *           PASID, and the CPU then looks at every page.
 *   mock    iommufd's mock IOMMU (CONFIG_IOMMUFD_TEST) and its PASID-capable
 *           mock device: the same attach / replace / detach flow through the
 *           same iommufd core, checked by asking the mock which HWPT sits at
 *           each PASID and what its domain maps. No DMA happens here.
 * docs/tests/iommufd.md.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "lab_platform.h"
#include "iommufd_utils.h"
#include "lab_results.h"

#define SZ_4K 0x1000u
#define IOVA_DST 0x20000000ull
#define NSPACE 5	/* address space 0 for the RID, 1..4 for PASIDs 1..4 */

FIXTURE(pasid) {
	int ifd;
	struct idev dev;		/* the labdev or the mock device */
	uint32_t max_pasid_log2;	/* PASIDs usable: 1 << this */
	/* address space i: an IOAS mapping IOVA_DST to page dst[i], and a
	 * PASID-capable HWPT on it */
	uint32_t ioas[NSPACE], hwpt[NSPACE];
	uint8_t *dst[NSPACE];
};
FIXTURE_VARIANT(pasid) { bool mock; };
FIXTURE_VARIANT_ADD(pasid, labdev) { .mock = false };
FIXTURE_VARIANT_ADD(pasid, mock) { .mock = true };

static void setup_labdev(struct __test_metadata *_metadata, FIXTURE_DATA(pasid) *self)
{
	struct lab_hw_info hw;
	char bdf[32];

	if (lab_uengine_find(getenv("IOMMU_LAB_VFIO"), &lab_uengine_labdev, true, 0, bdf))
		SKIP(return, "no PASID-capable function with a userspace engine handed to vfio-pci "
		     "(iommu-lab run --vfio BDF; IOMMU_LAB_VFIO='%s')", getenv("IOMMU_LAB_VFIO") ?: "");
	test_open_vfio(self->ifd, bdf, &self->dev);
	test_open_engine(&self->dev);
	test_cmd_hw_info(&self->dev, &hw);
	if (!hw.has_max_pasid)
		SKIP(return, "built with uAPI headers lacking IOMMU_GET_HW_INFO's out_max_pasid_log2");
	if (!hw.max_pasid_log2) {
		if (lab_pci_iommu_type(bdf) == LAB_IOMMU_SMMUV3)
			SKIP(return, "%s: iommufd reports no PASIDs for it behind this SMMUv3 "
			     "(no substreams in use)", bdf);
		SKIP(return, "%s: iommufd reports no PASIDs for it", bdf);
	}
	self->max_pasid_log2 = hw.max_pasid_log2;
	lab_record_engine(self->dev.eng.ops->name, LAB_ENGINE_EMULATED);
}

FIXTURE_SETUP(pasid)
{
	self->dev.pci.fd = -1;
	self->ifd = -1;
	LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_PASID);
	test_open_iommufd(&self->ifd);
	if (!variant->mock) {
		setup_labdev(_metadata, self);
		return;
	}
	test_open_mock(self->ifd, &self->dev);
	self->max_pasid_log2 = 20;	/* MOCK_PASID_WIDTH */
	lab_record_engine("iommufd-mock", LAB_ENGINE_SOFTWARE);
}

FIXTURE_TEARDOWN(pasid)
{
	test_close_idev(self->ifd, &self->dev);
	for (int i = 0; i < NSPACE; i++)
		if (self->dst[i])
			munmap(self->dst[i], SZ_4K);
	if (self->ifd >= 0)
		close(self->ifd);
}

/* Address space i: an IOAS mapping IOVA_DST to a zeroed page of ours, and a
 * PASID-capable HWPT on it for the device. */
#define test_cmd_space(_i)                                                                        \
	do {                                                                                      \
		self->dst[_i] = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); \
		ASSERT_NE(MAP_FAILED, self->dst[_i]);                                             \
		memset(self->dst[_i], 0, SZ_4K);                                                  \
		test_cmd_ioas_alloc(&self->ioas[_i]);                                             \
		test_cmd_ioas_map(self->ioas[_i], self->dst[_i], SZ_4K, IOVA_DST,                 \
				  LAB_IOAS_READ | LAB_IOAS_WRITE);                                \
		test_cmd_hwpt_alloc(&self->dev, self->ioas[_i], LAB_HWPT_PASID, &self->hwpt[_i]); \
	} while (0)

/*
 * A second device of the variant's kind, for one HWPT at two devices: the
 * next PASID-capable function with a userspace engine handed to vfio-pci
 * (SKIP without one), or a second mock device.
 */
#define test_open_second_device(_dev)                                                             \
	do {                                                                                      \
		const char *_list = getenv("IOMMU_LAB_VFIO");                                     \
		char _bdf[32];                                                                    \
		if (self->dev.mock) {                                                             \
			test_open_mock(self->ifd, _dev);                                          \
		} else {                                                                          \
			if (lab_uengine_find(_list, &lab_uengine_labdev, true, 1, _bdf))          \
				SKIP(return, "a second PASID-capable function with a userspace "  \
				     "engine is not handed to vfio-pci (IOMMU_LAB_VFIO='%s')",    \
				     _list ?: "");                                                \
			test_open_vfio(self->ifd, _bdf, _dev);                                    \
			test_open_engine(_dev);                                                   \
		}                                                                                 \
	} while (0)

static void clear_pages(FIXTURE_DATA(pasid) *self)
{
	for (int i = 0; i < NSPACE; i++)
		if (self->dst[i])
			memset(self->dst[i], 0, SZ_4K);
}

/*
 * PASID (LAB_NO_PASID: untagged) translates IOVA_DST into address space
 * `space` and nowhere else. labdev: a DMA pair tagged with the PASID, then
 * the CPU checks that exactly that page changed. mock: the HWPT at the PASID
 * is that space's, and its domain maps IOVA_DST to that page.
 */
static void reaches(struct __test_metadata *_metadata, FIXTURE_DATA(pasid) *self, uint32_t pasid, int space)
{
	uint32_t seed = 0x5eed0000u + space * 16 + (pasid & 0xf);
	struct lab_dma_result r;

	if (self->dev.mock) {
		EXPECT_EQ(0, lab_mock_pasid_check(self->ifd, self->dev.stdev_id, pasid, self->hwpt[space]))
			TH_LOG("PASID %u: not at space %d's HWPT", pasid, space);
		EXPECT_EQ(0, lab_mock_check_map(self->ifd, self->hwpt[space], IOVA_DST, SZ_4K, self->dst[space]));
		return;
	}
	clear_pages(self);
	test_cmd_dma_pair(&self->dev, IOVA_DST, SZ_4K, seed, pasid, &r);
	ASSERT_EQ(LAB_DMA_OK, r.status)
		TH_LOG("PASID %#x: DMA pair %s (fault at %#llx)", pasid, lab_dma_status_name(r.status),
		       (unsigned long long)r.fault_iova);
	EXPECT_TRUE(lab_labdev_has_pattern(self->dst[space], SZ_4K, seed))
		TH_LOG("PASID %#x: the pair did not land in space %d", pasid, space);
	for (int i = 0; i < NSPACE; i++) {
		if (i != space && self->dst[i]) {
			EXPECT_TRUE(lab_mem_is_zero(self->dst[i], SZ_4K)) TH_LOG("PASID %#x also wrote space %d", pasid, i);
		}
	}
}

/* Nothing is attached at the PASID: labdev's tagged DMA faults and no page
 * changes; the mock holds no domain there. */
static void faults(struct __test_metadata *_metadata, FIXTURE_DATA(pasid) *self, uint32_t pasid)
{
	struct lab_dma_result r;

	if (self->dev.mock) {
		EXPECT_EQ(0, lab_mock_pasid_check(self->ifd, self->dev.stdev_id, pasid, 0))
			TH_LOG("PASID %u: still attached", pasid);
		return;
	}
	clear_pages(self);
	test_cmd_dma_pair(&self->dev, IOVA_DST, SZ_4K, 1, pasid, &r);
	EXPECT_EQ(LAB_DMA_FAULT, r.status)
		TH_LOG("PASID %u: DMA pair %s, expected a fault", pasid, lab_dma_status_name(r.status));
	EXPECT_EQ(pasid != LAB_NO_PASID, r.fault_pasid) TH_LOG("FAULT_INFO: PASID-tagged %d", r.fault_pasid);
	for (int i = 0; i < NSPACE; i++) {
		if (self->dst[i]) {
			EXPECT_TRUE(lab_mem_is_zero(self->dst[i], SZ_4K)) TH_LOG("a faulting PASID %u wrote space %d", pasid, i);
		}
	}
}

/*
 * A second device's PASID translates IOVA_DST into address space `space`
 * (one HWPT at two devices). labdev: its DMA pair for seed lands in that
 * page; mock: the HWPT at its PASID is that space's.
 */
static void also_reaches(struct __test_metadata *_metadata, FIXTURE_DATA(pasid) *self, struct idev *dev,
			 uint32_t pasid, int space, uint32_t seed, const char *who)
{
	struct lab_dma_result r;

	if (dev->mock) {
		EXPECT_EQ(0, lab_mock_pasid_check(self->ifd, dev->stdev_id, pasid, self->hwpt[space]));
		return;
	}
	memset(self->dst[space], 0, SZ_4K);
	test_cmd_dma_pair(dev, IOVA_DST, SZ_4K, seed, pasid, &r);
	EXPECT_EQ(LAB_DMA_OK, r.status) TH_LOG("%s: %s", who, lab_dma_status_name(r.status));
	EXPECT_TRUE(lab_labdev_has_pattern(self->dst[space], SZ_4K, seed));
}

/* IOVA_DST was unmapped from address space `space`: a second device's DMA
 * at its PASID there faults; the mock's domain no longer maps the page. */
static void also_unmapped(struct __test_metadata *_metadata, FIXTURE_DATA(pasid) *self, struct idev *dev,
			  uint32_t pasid, int space, uint32_t seed, const char *who)
{
	struct lab_dma_result r;

	if (dev->mock) {
		EXPECT_NE(0, lab_mock_check_map(self->ifd, self->hwpt[space], IOVA_DST, SZ_4K, self->dst[space]));
		return;
	}
	test_cmd_dma_pair(dev, IOVA_DST, SZ_4K, seed, pasid, &r);
	EXPECT_EQ(LAB_DMA_FAULT, r.status) TH_LOG("%s: %s", who, lab_dma_status_name(r.status));
}

#define expect_reaches(_pasid, _space) reaches(_metadata, self, _pasid, _space)
#define expect_faults(_pasid) faults(_metadata, self, _pasid)

/* HWPTs 1..4 at PASIDs 1..4: each PASID reaches only its own page. */
TEST_F(pasid, isolation_matrix)
{
	for (uint32_t p = 1; p < NSPACE; p++) {
		test_cmd_space(p);
		test_cmd_attach(&self->dev, p, self->hwpt[p]);
	}
	for (uint32_t p = 1; p < NSPACE; p++)
		expect_reaches(p, p);
	expect_faults(NSPACE);
}

/* Replacing the HWPT at a PASID: from the moment the call returns the PASID
 * translates through the new HWPT, never the old one; and back again. */
TEST_F(pasid, replace_switches_translation)
{
	test_cmd_space(1);
	test_cmd_space(2);
	test_cmd_attach(&self->dev, 1, self->hwpt[1]);
	expect_reaches(1, 1);
	test_cmd_replace(&self->dev, 1, self->hwpt[2]);
	expect_reaches(1, 2);
	test_cmd_replace(&self->dev, 1, self->hwpt[1]);
	expect_reaches(1, 1);
	/* Replacing with the HWPT already there changes nothing. */
	test_cmd_replace(&self->dev, 1, self->hwpt[1]);
	expect_reaches(1, 1);
}

/* Detaching one PASID makes it fault and leaves the other translating. */
TEST_F(pasid, detach_leaves_other_pasids)
{
	test_cmd_space(1);
	test_cmd_space(2);
	test_cmd_attach(&self->dev, 1, self->hwpt[1]);
	test_cmd_attach(&self->dev, 2, self->hwpt[2]);
	test_cmd_detach(&self->dev, 1);
	expect_faults(1);
	expect_reaches(2, 2);
	test_cmd_attach(&self->dev, 1, self->hwpt[1]);
	expect_reaches(1, 1);
}

/* One HWPT at several PASIDs: each translates through it. */
TEST_F(pasid, one_hwpt_at_several_pasids)
{
	test_cmd_space(1);
	for (uint32_t p = 1; p < NSPACE; p++) {
		test_cmd_attach(&self->dev, p, self->hwpt[1]);
	}
	for (uint32_t p = 1; p < NSPACE; p++)
		expect_reaches(p, 1);
}

/* One HWPT at PASID 1 of two devices: both translate through it; detaching
 * one device's PASID leaves the other's; unmapping in the HWPT's IOAS
 * reaches the other device's translation too (labdev: its DMA faults; mock:
 * the domain no longer maps the page). */
TEST_F(pasid, one_hwpt_at_two_devices)
{
	struct idev dev2 = IDEV_INIT;

	test_cmd_space(1);
	test_open_second_device(&dev2);
	test_cmd_attach(&dev2, 1, self->hwpt[1]);
	test_cmd_attach(&self->dev, 1, self->hwpt[1]);
	expect_reaches(1, 1);
	also_reaches(_metadata, self, &dev2, 1, 1, 77, "second device");
	test_cmd_detach(&self->dev, 1);
	expect_faults(1);
	also_reaches(_metadata, self, &dev2, 1, 1, 79, "second device after the first's detach");
	test_cmd_ioas_unmap(self->ioas[1], IOVA_DST, SZ_4K);
	also_unmapped(_metadata, self, &dev2, 1, 1, 78, "second device after unmap");
	test_close_idev(self->ifd, &dev2);
}

/* The RID's HWPT and a PASID's HWPT translate the same IOVA side by side
 * (labdev: untagged and tagged DMA pairs); a RID HWPT that cannot coexist with
 * PASIDs is refused while one is attached. */
TEST_F(pasid, rid_and_pasid_coexist)
{
	uint32_t plain;

	if (self->dev.mock)
		SKIP(return, "needs DMA at the RID and at a PASID: a real device (the mock checks "
		     "attachments, and its RID is replaced only through its own test command)");
	test_cmd_space(0);
	test_cmd_space(1);
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->hwpt[0]);
	test_cmd_attach(&self->dev, 1, self->hwpt[1]);
	expect_reaches(LAB_NO_PASID, 0);
	expect_reaches(1, 1);
	/* iommufd: with a PASID attached, the RID HWPT must be PASID-capable. */
	test_cmd_hwpt_alloc(&self->dev, self->ioas[0], 0, &plain);
	test_err_attach(EINVAL, &self->dev, LAB_NO_PASID, plain);
	expect_reaches(LAB_NO_PASID, 0);
	test_cmd_detach(&self->dev, 1);
	EXPECT_EQ(0, _test_cmd_attach(self->ifd, &self->dev, LAB_NO_PASID, plain));
}

/* The device's last PASID attaches; one beyond, and a HWPT not allocated for
 * PASIDs, are refused (iommu core: PASID below the device's max_pasids;
 * iommufd: only IOMMU_HWPT_ALLOC_PASID HWPTs at PASIDs). */
TEST_F(pasid, boundaries)
{
	uint32_t max = (1u << self->max_pasid_log2) - 1, plain;

	test_cmd_space(1);
	test_cmd_attach(&self->dev, max, self->hwpt[1]);
	expect_reaches(max, 1);
	test_cmd_detach(&self->dev, max);
	expect_faults(max);
	test_err_attach(EINVAL, &self->dev, max + 1, self->hwpt[1]);
	test_cmd_hwpt_alloc(&self->dev, self->ioas[1], 0, &plain);
	test_err_attach(EINVAL, &self->dev, 1, plain);
	expect_faults(1);
}

/*
 * PASID 0: Linux names the RID IOMMU_NO_PASID (0), and iommufd takes an
 * attach "at PASID 0" as an attach at the RID. Through VFIO (the RID blocked
 * after bind) the attach succeeds and untagged DMA then goes through that
 * HWPT; detaching "PASID 0" detaches the RID again. The mock device's RID is
 * attached already, and its attach command does not replace: EBUSY.
 */
TEST_F(pasid, pasid_zero_is_the_rid)
{
	test_cmd_space(1);
	if (self->dev.mock) {
		test_err_attach(EBUSY, &self->dev, 0, self->hwpt[1]);
		return;
	}
	expect_faults(LAB_NO_PASID);
	test_cmd_attach(&self->dev, 0, self->hwpt[1]);
	expect_reaches(LAB_NO_PASID, 1);
	test_cmd_detach(&self->dev, 0);
	expect_faults(LAB_NO_PASID);
}

/*
 * A function without a PASID capability (edu on the testbed): iommufd reports
 * no PASIDs for it. The iommu core skips PASID validation for devices that
 * cannot issue PASID-tagged requests (a group's PASID attachment concerns
 * only its PASID-capable devices), so an attach at a PASID may be accepted:
 * logged as information. Either way PASID 1 detaches, and the RID then
 * attaches and translates (a copy by the function's own userspace engine,
 * where there is one: edu on the testbed).
 */
TEST(device_without_pasid_capability)
{
	const char *list = getenv("IOMMU_LAB_VFIO");
	struct idev dev = IDEV_INIT;
	struct lab_hw_info hw;
	uint32_t ioas, hwpt, plain;
	char bdf[32] = "";
	bool found = false;
	int ifd, ret;

	for (const char *p = list; !found && lab_bdf_next(&p, bdf);)
		found = lab_pci_pasid_width(bdf) == 0;
	if (!found)
		SKIP(return, "no function without a PASID capability handed to vfio-pci (IOMMU_LAB_VFIO='%s')",
		     list ?: "");
	LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_PASID);
	test_open_iommufd(&ifd);
	test_open_vfio(ifd, bdf, &dev);
	ASSERT_EQ(0, lab_iommufd_hw_info_dev(ifd, dev.id, &hw));
	if (hw.has_max_pasid)
		EXPECT_EQ(0, hw.max_pasid_log2) TH_LOG("%s: iommufd reports 2^%u PASIDs", bdf, hw.max_pasid_log2);
	ASSERT_EQ(0, lab_ioas_alloc(ifd, &ioas));
	ASSERT_EQ(0, lab_hwpt_alloc(ifd, dev.id, ioas, 0, &plain));
	ret = lab_hwpt_alloc(ifd, dev.id, ioas, LAB_HWPT_PASID, &hwpt);
	TH_LOG("%s: PASID-capable HWPT: %s", bdf, ret ? strerror(-ret) : "allocated");
	if (!ret) {
		ret = _test_cmd_attach(ifd, &dev, 1, hwpt);
		TH_LOG("%s: attach at PASID 1: %s", bdf, ret ? strerror(-ret) : "accepted");
		if (!ret)
			EXPECT_EQ(0, _test_cmd_detach(ifd, &dev, 1));
	}
	EXPECT_EQ(0, _test_cmd_attach(ifd, &dev, LAB_NO_PASID, plain));
	/* Untagged DMA by the function's own engine through the RID's HWPT
	 * (where it may copy: nvme only with a scratch range). */
	if (lab_uengine_open(&dev.pci, &dev.eng) == 0 && lab_uengine_can_write(&dev.eng)) {
		uint8_t *buf = mmap(NULL, 2 * SZ_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct lab_dma_result r;

		ASSERT_NE(MAP_FAILED, buf);
		memset(buf, 0x3c, SZ_4K);
		memset(buf + SZ_4K, 0, SZ_4K);
		ASSERT_EQ(0, lab_ioas_map(ifd, ioas, buf, 2 * SZ_4K, IOVA_DST, LAB_IOAS_READ | LAB_IOAS_WRITE));
		ASSERT_EQ(0, lab_uengine_ctrl_map(&dev.eng, ifd, ioas));
		ASSERT_EQ(0, _test_cmd_dma_copy(&dev, IOVA_DST, IOVA_DST + SZ_4K, SZ_4K, LAB_NO_PASID, &r))
			TH_LOG("%s", dev.eng.why);
		EXPECT_EQ(LAB_DMA_OK, r.status);
		EXPECT_EQ(0, memcmp(buf, buf + SZ_4K, SZ_4K)) TH_LOG("%s (%s): the copy did not land", bdf,
								     dev.eng.ops->name);
		test_record_engine(&dev);
	}
	lab_uengine_close(&dev.eng);
	EXPECT_EQ(0, _test_cmd_detach(ifd, &dev, LAB_NO_PASID));
	test_close_idev(ifd, &dev);
	close(ifd);
}

TEST_HARNESS_MAIN
