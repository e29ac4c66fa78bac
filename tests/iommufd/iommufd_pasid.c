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
#include "discover.h"
#include "iommufd.h"
#include "iommufd_mock.h"
#include "lab_test.h"
#include "sysfs.h"
#include "uengine.h"

#define SZ_4K 0x1000u
#define IOVA_DST 0x20000000ull
#define NSPACE 5	/* address space 0 for the RID, 1..4 for PASIDs 1..4 */

FIXTURE(pasid) {
	int ifd;
	uint32_t dev_id;		/* the iommufd device the HWPTs are for */
	uint32_t max_pasid_log2;	/* PASIDs usable: 1 << this */
	/* labdev */
	struct lab_vfio_pci pci;
	struct lab_uengine eng;
	/* mock */
	uint32_t stdev_id, mock_rid_hwpt;
	uint32_t attached[8];		/* PASIDs attached on the mock device */
	int nattached;
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
	int ret;

	if (lab_uengine_find(getenv("IOMMU_LAB_VFIO"), &lab_uengine_labdev, true, 0, bdf))
		SKIP(return, "no PASID-capable function with a userspace engine handed to vfio-pci "
		     "(iommu-lab run --vfio BDF; IOMMU_LAB_VFIO='%s')", getenv("IOMMU_LAB_VFIO") ?: "");
	ret = lab_vfio_pci_open(self->ifd, bdf, &self->pci);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "built without the VFIO cdev uAPI");
	ASSERT_EQ(0, ret) TH_LOG("%s: VFIO cdev: %s", bdf, strerror(-ret));
	ASSERT_EQ(0, lab_uengine_open(&self->pci, &self->eng));
	self->dev_id = self->pci.dev_id;
	ASSERT_EQ(0, lab_iommufd_hw_info_dev(self->ifd, self->dev_id, &hw));
	if (!hw.has_max_pasid)
		SKIP(return, "built with uAPI headers lacking IOMMU_GET_HW_INFO's out_max_pasid_log2");
	if (!hw.max_pasid_log2) {
		if (lab_pci_iommu_type(bdf) == LAB_IOMMU_SMMUV3)
			SKIP(return, "%s: the SMMUv3 has no substream support (IDR1.SSIDSIZE = 0): "
			     "iommufd reports no PASIDs", bdf);
		SKIP(return, "%s: iommufd reports no PASIDs for it", bdf);
	}
	self->max_pasid_log2 = hw.max_pasid_log2;
	lab_record_engine(self->eng.ops->name, LAB_ENGINE_EMULATED);
}

static void setup_mock(struct __test_metadata *_metadata, FIXTURE_DATA(pasid) *self)
{
	uint32_t ioas, hwpt;
	int ret;

	ASSERT_EQ(0, lab_ioas_alloc(self->ifd, &ioas));
	ret = lab_mock_pasid_device(self->ifd, ioas, &self->stdev_id, &self->mock_rid_hwpt, &self->dev_id);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "built without the kernel tree's iommufd_test.h");
	if (ret == -ENOTTY)
		SKIP(return, "the kernel has no iommufd mock (CONFIG_IOMMUFD_TEST)");
	ASSERT_EQ(0, ret) TH_LOG("mock PASID device: %s", strerror(-ret));
	self->max_pasid_log2 = 20;	/* MOCK_PASID_WIDTH */
	/* Its RID starts on the mock's own HWPT, which is not PASID-capable, and
	 * iommufd attaches nothing at a PASID beside such a RID HWPT: move the
	 * RID to a PASID-capable one on a fresh IOAS. */
	ASSERT_EQ(0, lab_hwpt_alloc(self->ifd, self->dev_id, ioas, LAB_HWPT_PASID, &hwpt));
	ASSERT_EQ(0, lab_mock_replace_rid(self->ifd, self->stdev_id, hwpt));
	lab_record_engine("iommufd-mock", LAB_ENGINE_SOFTWARE);
}

FIXTURE_SETUP(pasid)
{
	self->pci.fd = -1;
	self->ifd = -1;
	if (!lab_iommufd_pasid_built())
		SKIP(return, "built without uAPI headers for PASID HWPTs and VFIO attach at a PASID "
		     "(configure --with-uapi)");
	self->ifd = lab_iommufd_open();
	if (self->ifd == -ENOENT)
		SKIP(return, "no /dev/iommu (kernel without CONFIG_IOMMUFD)");
	ASSERT_LE(0, self->ifd) TH_LOG("/dev/iommu: %s", strerror(-self->ifd));
	if (variant->mock)
		setup_mock(_metadata, self);
	else
		setup_labdev(_metadata, self);
}

FIXTURE_TEARDOWN(pasid)
{
	/* The mock device is destroyed with iommufd, and Linux 7.3 destroys it
	 * without detaching its PASIDs (WARNINGs and leaked objects): detach
	 * them first. docs/tests/iommufd.md. */
	for (int i = 0; i < self->nattached; i++)
		lab_mock_pasid_detach(self->ifd, self->stdev_id, self->attached[i]);
	/* Closing the VFIO device unbinds it (VFIO detaches every PASID and the
	 * RID), closing iommufd destroys its objects. */
	if (self->eng.ops)
		lab_uengine_close(&self->eng);
	if (self->pci.fd >= 0)
		lab_vfio_pci_close(&self->pci);
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
		ASSERT_EQ(0, lab_ioas_alloc(self->ifd, &self->ioas[_i]));                         \
		ASSERT_EQ(0, lab_ioas_map(self->ifd, self->ioas[_i], self->dst[_i], SZ_4K, IOVA_DST, \
					  LAB_IOAS_READ | LAB_IOAS_WRITE));                        \
		ASSERT_EQ(0, lab_hwpt_alloc(self->ifd, self->dev_id, self->ioas[_i], LAB_HWPT_PASID, \
					    &self->hwpt[_i]));                                     \
	} while (0)

static void track(FIXTURE_DATA(pasid) *self, uint32_t pasid, bool on)
{
	for (int i = 0; i < self->nattached; i++) {
		if (self->attached[i] == pasid) {
			if (!on)
				self->attached[i] = self->attached[--self->nattached];
			return;
		}
	}
	if (on && self->nattached < (int)(sizeof(self->attached) / sizeof(self->attached[0])))
		self->attached[self->nattached++] = pasid;
}

static int attach_pasid(FIXTURE_DATA(pasid) *self, uint32_t pasid, uint32_t hwpt)
{
	int ret;

	if (self->eng.ops)
		return lab_vfio_attach_pt(self->pci.fd, pasid, hwpt);
	ret = lab_mock_pasid_attach(self->ifd, self->stdev_id, pasid, hwpt);
	if (!ret)
		track(self, pasid, true);
	return ret;
}

/* Through VFIO, attaching at an attached PASID is the replace. */
static int replace_pasid(FIXTURE_DATA(pasid) *self, uint32_t pasid, uint32_t hwpt)
{
	return self->eng.ops ? lab_vfio_attach_pt(self->pci.fd, pasid, hwpt) :
			       lab_mock_pasid_replace(self->ifd, self->stdev_id, pasid, hwpt);
}

static int detach_pasid(FIXTURE_DATA(pasid) *self, uint32_t pasid)
{
	if (self->eng.ops)
		return lab_vfio_detach_pt(self->pci.fd, pasid);
	track(self, pasid, false);
	return lab_mock_pasid_detach(self->ifd, self->stdev_id, pasid);
}

#define test_cmd_attach_pasid(_p, _hwpt) ASSERT_EQ(0, attach_pasid(self, _p, _hwpt)) TH_LOG("attach PASID %u", _p)
#define test_cmd_replace_pasid(_p, _hwpt) ASSERT_EQ(0, replace_pasid(self, _p, _hwpt)) TH_LOG("replace at PASID %u", _p)
#define test_cmd_detach_pasid(_p) ASSERT_EQ(0, detach_pasid(self, _p)) TH_LOG("detach PASID %u", _p)
#define test_err_attach_pasid(_errno, _p, _hwpt) EXPECT_EQ(-(_errno), attach_pasid(self, _p, _hwpt)) TH_LOG("attach PASID %#x", _p)

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

	if (!self->eng.ops) {
		EXPECT_EQ(0, lab_mock_pasid_check(self->ifd, self->stdev_id, pasid, self->hwpt[space]))
			TH_LOG("PASID %u: not at space %d's HWPT", pasid, space);
		EXPECT_EQ(0, lab_mock_check_map(self->ifd, self->hwpt[space], IOVA_DST, SZ_4K, self->dst[space]));
		return;
	}
	clear_pages(self);
	ASSERT_EQ(0, lab_uengine_pair(&self->eng, IOVA_DST, SZ_4K, seed, pasid, &r));
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

	if (!self->eng.ops) {
		EXPECT_EQ(0, lab_mock_pasid_check(self->ifd, self->stdev_id, pasid, 0))
			TH_LOG("PASID %u: still attached", pasid);
		return;
	}
	clear_pages(self);
	ASSERT_EQ(0, lab_uengine_pair(&self->eng, IOVA_DST, SZ_4K, 1, pasid, &r));
	EXPECT_EQ(LAB_DMA_FAULT, r.status)
		TH_LOG("PASID %u: DMA pair %s, expected a fault", pasid, lab_dma_status_name(r.status));
	EXPECT_EQ(pasid != LAB_NO_PASID, r.fault_pasid) TH_LOG("FAULT_INFO: PASID-tagged %d", r.fault_pasid);
	for (int i = 0; i < NSPACE; i++) {
		if (self->dst[i]) {
			EXPECT_TRUE(lab_mem_is_zero(self->dst[i], SZ_4K)) TH_LOG("a faulting PASID %u wrote space %d", pasid, i);
		}
	}
}

#define expect_reaches(_pasid, _space) reaches(_metadata, self, _pasid, _space)
#define expect_faults(_pasid) faults(_metadata, self, _pasid)

/* HWPTs 1..4 at PASIDs 1..4: each PASID reaches only its own page. */
TEST_F(pasid, isolation_matrix)
{
	for (uint32_t p = 1; p < NSPACE; p++) {
		test_cmd_space(p);
		test_cmd_attach_pasid(p, self->hwpt[p]);
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
	test_cmd_attach_pasid(1, self->hwpt[1]);
	expect_reaches(1, 1);
	test_cmd_replace_pasid(1, self->hwpt[2]);
	expect_reaches(1, 2);
	test_cmd_replace_pasid(1, self->hwpt[1]);
	expect_reaches(1, 1);
	/* Replacing with the HWPT already there changes nothing. */
	test_cmd_replace_pasid(1, self->hwpt[1]);
	expect_reaches(1, 1);
}

/* Detaching one PASID makes it fault and leaves the other translating. */
TEST_F(pasid, detach_leaves_other_pasids)
{
	test_cmd_space(1);
	test_cmd_space(2);
	test_cmd_attach_pasid(1, self->hwpt[1]);
	test_cmd_attach_pasid(2, self->hwpt[2]);
	test_cmd_detach_pasid(1);
	expect_faults(1);
	expect_reaches(2, 2);
	test_cmd_attach_pasid(1, self->hwpt[1]);
	expect_reaches(1, 1);
}

/* One HWPT at several PASIDs: each translates through it. */
TEST_F(pasid, one_hwpt_at_several_pasids)
{
	test_cmd_space(1);
	for (uint32_t p = 1; p < NSPACE; p++) {
		test_cmd_attach_pasid(p, self->hwpt[1]);
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
	struct lab_vfio_pci pci2 = { .fd = -1 };
	struct lab_uengine eng2 = { 0 };
	struct lab_dma_result r;
	uint32_t stdev2 = 0, rid2, idev2, ioas2, hwpt2;
	char bdf[32];

	test_cmd_space(1);
	if (self->eng.ops) {
		if (lab_uengine_find(getenv("IOMMU_LAB_VFIO"), &lab_uengine_labdev, true, 1, bdf))
			SKIP(return, "a second PASID-capable function with a userspace engine is not handed "
			     "to vfio-pci (IOMMU_LAB_VFIO='%s')", getenv("IOMMU_LAB_VFIO") ?: "");
		ASSERT_EQ(0, lab_vfio_pci_open(self->ifd, bdf, &pci2));
		ASSERT_EQ(0, lab_uengine_open(&pci2, &eng2));
		ASSERT_EQ(0, lab_vfio_attach_pt(pci2.fd, 1, self->hwpt[1]));
	} else {
		ASSERT_EQ(0, lab_ioas_alloc(self->ifd, &ioas2));
		ASSERT_EQ(0, lab_mock_pasid_device(self->ifd, ioas2, &stdev2, &rid2, &idev2));
		ASSERT_EQ(0, lab_hwpt_alloc(self->ifd, idev2, ioas2, LAB_HWPT_PASID, &hwpt2));
		ASSERT_EQ(0, lab_mock_replace_rid(self->ifd, stdev2, hwpt2));
		ASSERT_EQ(0, lab_mock_pasid_attach(self->ifd, stdev2, 1, self->hwpt[1]));
	}
	test_cmd_attach_pasid(1, self->hwpt[1]);
	expect_reaches(1, 1);
	if (eng2.ops) {
		memset(self->dst[1], 0, SZ_4K);
		ASSERT_EQ(0, lab_uengine_pair(&eng2, IOVA_DST, SZ_4K, 77, 1, &r));
		EXPECT_EQ(LAB_DMA_OK, r.status) TH_LOG("second device: %s", lab_dma_status_name(r.status));
		EXPECT_TRUE(lab_labdev_has_pattern(self->dst[1], SZ_4K, 77));
	} else {
		EXPECT_EQ(0, lab_mock_pasid_check(self->ifd, stdev2, 1, self->hwpt[1]));
	}
	test_cmd_detach_pasid(1);
	expect_faults(1);
	if (eng2.ops) {
		memset(self->dst[1], 0, SZ_4K);
		ASSERT_EQ(0, lab_uengine_pair(&eng2, IOVA_DST, SZ_4K, 79, 1, &r));
		EXPECT_EQ(LAB_DMA_OK, r.status) TH_LOG("second device after the first's detach: %s",
						      lab_dma_status_name(r.status));
		EXPECT_TRUE(lab_labdev_has_pattern(self->dst[1], SZ_4K, 79));
	} else {
		EXPECT_EQ(0, lab_mock_pasid_check(self->ifd, stdev2, 1, self->hwpt[1]));
	}
	ASSERT_EQ(0, lab_ioas_unmap(self->ifd, self->ioas[1], IOVA_DST, SZ_4K));
	if (eng2.ops) {
		ASSERT_EQ(0, lab_uengine_pair(&eng2, IOVA_DST, SZ_4K, 78, 1, &r));
		EXPECT_EQ(LAB_DMA_FAULT, r.status) TH_LOG("second device after unmap: %s",
							 lab_dma_status_name(r.status));
		lab_uengine_close(&eng2);
		lab_vfio_pci_close(&pci2);
	} else {
		EXPECT_NE(0, lab_mock_check_map(self->ifd, self->hwpt[1], IOVA_DST, SZ_4K, self->dst[1]));
		lab_mock_pasid_detach(self->ifd, stdev2, 1);	/* see the teardown's note */
	}
}

/* The RID's HWPT and a PASID's HWPT translate the same IOVA side by side
 * (labdev: untagged and tagged DMA pairs); a RID HWPT that cannot coexist with
 * PASIDs is refused while one is attached. */
TEST_F(pasid, rid_and_pasid_coexist)
{
	uint32_t plain;

	if (!self->eng.ops)
		SKIP(return, "needs DMA at the RID and at a PASID: a real device (the mock checks "
		     "attachments, and its RID is replaced only through its own test command)");
	test_cmd_space(0);
	test_cmd_space(1);
	ASSERT_EQ(0, lab_vfio_attach_pt(self->pci.fd, LAB_NO_PASID, self->hwpt[0]));
	test_cmd_attach_pasid(1, self->hwpt[1]);
	expect_reaches(LAB_NO_PASID, 0);
	expect_reaches(1, 1);
	/* iommufd: with a PASID attached, the RID HWPT must be PASID-capable. */
	ASSERT_EQ(0, lab_hwpt_alloc(self->ifd, self->dev_id, self->ioas[0], 0, &plain));
	EXPECT_EQ(-EINVAL, lab_vfio_attach_pt(self->pci.fd, LAB_NO_PASID, plain));
	expect_reaches(LAB_NO_PASID, 0);
	test_cmd_detach_pasid(1);
	EXPECT_EQ(0, lab_vfio_attach_pt(self->pci.fd, LAB_NO_PASID, plain));
}

/* The device's last PASID attaches; one beyond, and a HWPT not allocated for
 * PASIDs, are refused (iommu core: PASID below the device's max_pasids;
 * iommufd: only IOMMU_HWPT_ALLOC_PASID HWPTs at PASIDs). */
TEST_F(pasid, boundaries)
{
	uint32_t max = (1u << self->max_pasid_log2) - 1, plain;

	test_cmd_space(1);
	test_cmd_attach_pasid(max, self->hwpt[1]);
	expect_reaches(max, 1);
	test_cmd_detach_pasid(max);
	expect_faults(max);
	test_err_attach_pasid(EINVAL, max + 1, self->hwpt[1]);
	ASSERT_EQ(0, lab_hwpt_alloc(self->ifd, self->dev_id, self->ioas[1], 0, &plain));
	test_err_attach_pasid(EINVAL, 1, plain);
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
	if (!self->eng.ops) {
		test_err_attach_pasid(EBUSY, 0, self->hwpt[1]);
		return;
	}
	expect_faults(LAB_NO_PASID);
	test_cmd_attach_pasid(0, self->hwpt[1]);
	expect_reaches(LAB_NO_PASID, 1);
	test_cmd_detach_pasid(0);
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
	struct lab_vfio_pci pci = { .fd = -1 };
	struct lab_uengine eng;
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
	if (!lab_iommufd_pasid_built())
		SKIP(return, "built without uAPI headers for PASID HWPTs and VFIO attach at a PASID");
	ifd = lab_iommufd_open();
	if (ifd == -ENOENT)
		SKIP(return, "no /dev/iommu (kernel without CONFIG_IOMMUFD)");
	ASSERT_LE(0, ifd);
	ret = lab_vfio_pci_open(ifd, bdf, &pci);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "built without the VFIO cdev uAPI");
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", bdf, strerror(-ret));
	ASSERT_EQ(0, lab_iommufd_hw_info_dev(ifd, pci.dev_id, &hw));
	if (hw.has_max_pasid)
		EXPECT_EQ(0, hw.max_pasid_log2) TH_LOG("%s: iommufd reports 2^%u PASIDs", bdf, hw.max_pasid_log2);
	ASSERT_EQ(0, lab_ioas_alloc(ifd, &ioas));
	ASSERT_EQ(0, lab_hwpt_alloc(ifd, pci.dev_id, ioas, 0, &plain));
	ret = lab_hwpt_alloc(ifd, pci.dev_id, ioas, LAB_HWPT_PASID, &hwpt);
	TH_LOG("%s: PASID-capable HWPT: %s", bdf, ret ? strerror(-ret) : "allocated");
	if (!ret) {
		ret = lab_vfio_attach_pt(pci.fd, 1, hwpt);
		TH_LOG("%s: attach at PASID 1: %s", bdf, ret ? strerror(-ret) : "accepted");
		if (!ret)
			EXPECT_EQ(0, lab_vfio_detach_pt(pci.fd, 1));
	}
	EXPECT_EQ(0, lab_vfio_attach_pt(pci.fd, LAB_NO_PASID, plain));
	/* Untagged DMA by the function's own engine through the RID's HWPT. */
	if (lab_uengine_open(&pci, &eng) == 0) {
		uint8_t *buf = mmap(NULL, 2 * SZ_4K, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct lab_dma_result r;

		ASSERT_NE(MAP_FAILED, buf);
		memset(buf, 0x3c, SZ_4K);
		memset(buf + SZ_4K, 0, SZ_4K);
		ASSERT_EQ(0, lab_ioas_map(ifd, ioas, buf, 2 * SZ_4K, IOVA_DST, LAB_IOAS_READ | LAB_IOAS_WRITE));
		ASSERT_EQ(0, lab_uengine_copy(&eng, IOVA_DST, IOVA_DST + SZ_4K, SZ_4K, LAB_NO_PASID, &r));
		EXPECT_EQ(LAB_DMA_OK, r.status);
		EXPECT_EQ(0, memcmp(buf, buf + SZ_4K, SZ_4K)) TH_LOG("%s (%s): the copy did not land", bdf,
								     eng.ops->name);
		lab_record_engine(eng.ops->name, LAB_ENGINE_EMULATED);
		lab_uengine_close(&eng);
	}
	EXPECT_EQ(0, lab_vfio_detach_pt(pci.fd, LAB_NO_PASID));
	lab_vfio_pci_close(&pci);
	close(ifd);
}

TEST_HARNESS_MAIN
