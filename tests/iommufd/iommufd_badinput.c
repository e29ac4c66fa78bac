// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's iommufd uAPI given what a buggy VMM would send, with a real
 * (emulated) IOMMU behind a labdev bound to vfio-pci: destroying a HWPT that
 * is attached, reading the fault queue and the vEVENTQ with odd sizes,
 * invalidation arrays with bad entry_num / entry_len / data types and unknown
 * opcodes, vDEVICE IDs taken twice or out of range. Each must be refused
 * cleanly, and afterwards the device still translates as before: a DMA pair
 * by the device lands in the page the tables say (and in no other).
 *
 * The invalidation arrays are checked against what the device then uses: in
 * stage 1 the test changes IOVA_A from data page 0 to page 1 without telling
 * the SMMU, so a DMA that still lands in page 0 shows the stale entry was kept
 * (nothing invalidated it) and one in page 1 that an invalidation reached it.
 * This needs an SMMU that caches translations (QEMU's does); one that does
 * not shows page 1 at once and the ordering checks SKIP.
 * docs/tests/badinput.md.
 */
#include "config.h"
#include <endian.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "lab_platform.h"
#include "iommufd_utils.h"
#include "lab_results.h"
#ifdef HAVE_IOMMUFD_UAPI
#include <linux/iommufd.h>
#endif

#define PG 4096u
#define IPA_DATA 0x40000000ull	/* the data pages: stage 2, and the plain HWPT's IOVAs */
#define NDATA 3
#define IPA_S1 0x50000000ull
#define NS1 8
#define IPA_CD 0x60000000ull
#define IOVA_A 0x10000000ull	/* stage-1 inputs */
#define IOVA_B 0x10001000ull
#define IOVA_HOLE 0x10002000ull	/* nothing in stage 1 here */
#define VSID 0x42
#define ASID 9

FIXTURE(bad) {
	int ifd;
	struct idev dev;
	uint8_t *data, *s1mem, *cdmem;
	uint32_t ioas, hwpt;		/* a paging HWPT on the IOAS, attached at the RID */
	uint32_t s2_hwpt, viommu, vdev, nested;	/* after nest(): SMMUv3 nesting */
	struct lab_s1pt s1;
};
FIXTURE_VARIANT(bad) { const struct lab_uengine_ops *ops; };
/* labdev: the device reports its own faults (the stage-1 miss these tests
 * make), so no test waits on the kernel log. */
FIXTURE_VARIANT_ADD(bad, labdev) { .ops = &lab_uengine_labdev };

FIXTURE_SETUP(bad)
{
	char bdf[32];

	self->ifd = -1;
	self->dev.pci.fd = -1;
	LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_IOMMUFD);
	test_open_vfio_engine(&self->ifd, &self->dev, variant->ops, bdf);
	test_record_engine(&self->dev);
	self->data = test_pages(_metadata, NDATA);
	self->s1mem = test_pages(_metadata, NS1);
	self->cdmem = test_pages(_metadata, 1);
	test_cmd_ioas_alloc(&self->ioas);
	test_map_stage2(_metadata, self->ifd, self->ioas, self->data, NDATA, IPA_DATA, self->s1mem, NS1,
			IPA_S1, self->cdmem, IPA_CD, LAB_IOAS_READ);
	test_cmd_hwpt_alloc(&self->dev, self->ioas, 0, &self->hwpt);
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->hwpt);
}

FIXTURE_TEARDOWN(bad)
{
	test_close_idev(self->ifd, &self->dev);
	if (self->ifd >= 0)
		close(self->ifd);
}

/* A DMA pair at IOVA lands in data page PAGE and nowhere else. */
static void lands(struct __test_metadata *_metadata, FIXTURE_DATA(bad) *self, uint64_t iova, int page,
		  const char *step)
{
	test_pair_lands_in_page(_metadata, &self->dev, self->data, NDATA, iova, page, step);
}

/* Which data page a DMA pair at IOVA lands in (-1: none, or more than one). */
static int lands_in(FIXTURE_DATA(bad) *self, uint64_t iova)
{
	static uint32_t seed = 0xbad10000;
	struct lab_dma_result r;
	int page = -1;

	memset(self->data, 0, NDATA * PG);
	seed++;
	if (_test_cmd_dma_pair(&self->dev, iova, PG, seed, LAB_NO_PASID, &r) || r.status != LAB_DMA_OK)
		return -1;
	for (int i = 0; i < NDATA; i++) {
		if (lab_mem_is_zero(self->data + i * PG, PG))
			continue;
		if (page >= 0 || !lab_labdev_has_pattern(self->data + i * PG, PG, seed))
			return -1;
		page = i;
	}
	return page;
}

#define expect_lands(_iova, _page, _step) lands(_metadata, self, _iova, _page, _step)

TEST_F(bad, hwpt_destroy_while_attached_is_refused_and_dma_still_lands)
{
	uint32_t again;

	expect_lands(IPA_DATA, 0, "attached");
	EXPECT_ERR(EBUSY, lab_iommufd_destroy(self->ifd, self->hwpt));
	/* The IOAS under an attached HWPT is held too. */
	EXPECT_ERR(EBUSY, lab_iommufd_destroy(self->ifd, self->ioas));
	expect_lands(IPA_DATA + PG, 1, "after the refused destroys");
	/* Once detached it goes, once. */
	test_cmd_detach(&self->dev, LAB_NO_PASID);
	ASSERT_OK(lab_iommufd_destroy(self->ifd, self->hwpt));
	EXPECT_ERR(ENOENT, lab_iommufd_destroy(self->ifd, self->hwpt));
	test_cmd_hwpt_alloc(&self->dev, self->ioas, 0, &again);
	test_cmd_attach(&self->dev, LAB_NO_PASID, again);
	expect_lands(IPA_DATA + 2 * PG, 2, "on a new HWPT");
}

#ifdef HAVE_IOMMUFD_UAPI
/* IOMMU_HWPT_INVALIDATE as a VMM sends it; *done: the kernel's entry_num. */
static int invalidate(int ifd, uint32_t id, uint32_t type, const void *entries, uint32_t len, uint32_t num,
		      uint32_t reserved, uint32_t *done)
{
	struct iommu_hwpt_invalidate c = {
		.size = sizeof(c), .hwpt_id = id, .data_uptr = (uintptr_t)entries, .data_type = type,
		.entry_len = len, .entry_num = num, .__reserved = reserved,
	};
	int ret = ioctl(ifd, IOMMU_HWPT_INVALIDATE, &c) ? -errno : 0;

	*done = c.entry_num;
	return ret;
}

/* _call (invalidate()) fails with _errno, and reports no entry handled. */
#define EXPECT_INVAL_REFUSED(_errno, _what, ...)                                             \
	do {                                                                                 \
		uint32_t _done = 77;                                                         \
		int _ret = invalidate(self->ifd, __VA_ARGS__, &_done);                       \
		EXPECT_EQ(-(_errno), _ret) TH_LOG("%s: %s", _what, strerror(-_ret));         \
		EXPECT_EQ(0u, _done) TH_LOG("%s: %u entries reported handled", _what, _done); \
	} while (0)

/* A paging HWPT has no cache for user space to invalidate, and the array's
 * framing is checked before anything: each refused, nothing handled. */
TEST_F(bad, invalidation_framing_and_target_are_checked)
{
	uint64_t e[2][2] = { { 0 } };
	uint32_t big = 1u << 20;

	EXPECT_INVAL_REFUSED(EINVAL, "a paging HWPT", self->hwpt, 0, e, sizeof(e[0]), 1, 0);
	EXPECT_INVAL_REFUSED(EINVAL, "an IOAS", self->ioas, 0, e, sizeof(e[0]), 1, 0);
	EXPECT_INVAL_REFUSED(ENOENT, "an ID nobody has", 0xfffffff0u, 0, e, sizeof(e[0]), 1, 0);
	EXPECT_INVAL_REFUSED(EINVAL, "entries at NULL", self->hwpt, 0, NULL, sizeof(e[0]), 1, 0);
	EXPECT_INVAL_REFUSED(EINVAL, "entry_len 0", self->hwpt, 0, e, 0, 1, 0);
	EXPECT_INVAL_REFUSED(EINVAL, "entry_len over a page", self->hwpt, 0, e, PG + 8, 1, 0);
	EXPECT_INVAL_REFUSED(EINVAL, "entry_num 1M", self->hwpt, 0, e, sizeof(e[0]), big, 0);
	EXPECT_INVAL_REFUSED(EOPNOTSUPP, "__reserved set", self->hwpt, 0, e, sizeof(e[0]), 1, 1);
	expect_lands(IPA_DATA, 0, "after the refused invalidations");
}
#endif

#if defined(HAVE_IOMMUFD_VIOMMU_UAPI) && defined(IOMMU_FAULT_QUEUE_ALLOC)
/*
 * The fault queue (IOPF to user space) reads whole records: a read of 0
 * bytes reads nothing, one that is not a multiple of the record is refused
 * (ESPIPE: iommufd's code for it), as is one at an offset. The queue is
 * empty here (QEMU's devices have no PRI); the refusals come before any
 * record is looked at.
 */
TEST_F(bad, fault_queue_reads_of_odd_sizes_are_refused)
{
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	const size_t rec = sizeof(struct iommu_hwpt_pgfault);
	uint8_t buf[4 * sizeof(struct iommu_hwpt_pgfault)];
	const size_t odd[] = { 1, rec - 1, rec + 1, 2 * rec - 3 };

	if (ioctl(self->ifd, IOMMU_FAULT_QUEUE_ALLOC, &fa))
		SKIP(return, "IOMMU_FAULT_QUEUE_ALLOC: %s", strerror(errno));
	EXPECT_EQ(0, read(fa.out_fault_fd, buf, 0));
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		errno = 0;
		EXPECT_EQ(-1, read(fa.out_fault_fd, buf, odd[i])) TH_LOG("a read of %zu bytes", odd[i]);
		EXPECT_EQ(ESPIPE, errno) TH_LOG("a read of %zu bytes: %s", odd[i], strerror(errno));
	}
	errno = 0;
	EXPECT_EQ(-1, pread(fa.out_fault_fd, buf, rec, rec));
	EXPECT_EQ(ESPIPE, errno);
	/* Whole records from an empty queue: nothing, no error. */
	EXPECT_EQ(0, read(fa.out_fault_fd, buf, 2 * rec));
	close(fa.out_fault_fd);
	EXPECT_ERR(0, lab_iommufd_destroy(self->ifd, fa.out_fault_id));
	expect_lands(IPA_DATA, 0, "after the odd reads");
}
#endif

#ifdef HAVE_IOMMUFD_VIOMMU_UAPI
/*
 * SMMUv3 nesting: stage 2 is the IOAS (nest parent), stage 1 our tables
 * (IOVA_A -> page 0, IOVA_B -> page 1) through a CD, a vIOMMU and a vDEVICE
 * at VSID; the device attached to the nested HWPT. SKIPs where there is no
 * SMMUv3 vIOMMU.
 */
static void nest(struct __test_metadata *_metadata, FIXTURE_DATA(bad) *self)
{
	uint64_t cd[8], ste[2];

	if (lab_pci_iommu_type(self->dev.pci.bdf) != LAB_IOMMU_SMMUV3)
		SKIP(return, "%s: vIOMMU, vDEVICE and vEVENTQ checks are written for SMMUv3 "
		     "nesting", self->dev.pci.bdf);
	if (lab_iommufd_unusable(LAB_NEED_VIOMMU))
		SKIP(return, "%s", lab_iommufd_unusable(LAB_NEED_VIOMMU));
	test_cmd_hwpt_alloc(&self->dev, self->ioas, LAB_HWPT_NEST_PARENT, &self->s2_hwpt);
	test_cmd_smmuv3_viommu(&self->dev, self->s2_hwpt, VSID, &self->viommu, &self->vdev);
	ASSERT_EQ(0, lab_s1pt_init(&self->s1, LAB_S1PT_ARM_VMSA, self->s1mem, IPA_S1, NS1));
	ASSERT_EQ(0, lab_s1pt_map(&self->s1, IOVA_A, IPA_DATA, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	ASSERT_EQ(0, lab_s1pt_map(&self->s1, IOVA_B, IPA_DATA + PG, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	lab_smmuv3_cd(cd, ASID, self->s1.root_ipa, self->s1.va_bits);
	memcpy(self->cdmem, cd, sizeof(cd));
	lab_smmuv3_vste(ste, LAB_STE_S1_TRANS, IPA_CD);
	test_cmd_hwpt_alloc_vste(&self->dev, self->viommu, ste, &self->nested);
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->nested);
	lands(_metadata, self, IOVA_A, 0, "nested");
}

#define NEST() do { nest(_metadata, self); if (!self->nested) return; } while (0)

/*
 * IOVA_A moved to page 1 in stage 1 behind the SMMU's back, after a DMA
 * that cached page 0. True when the device still lands in page 0 (the
 * stale entry is what the invalidation checks look at); the test SKIPs
 * otherwise.
 */
static bool stale_a(struct __test_metadata *_metadata, FIXTURE_DATA(bad) *self)
{
	int page;

	lands(_metadata, self, IOVA_A, 0, "before the change");
	if (lab_s1pt_unmap(&self->s1, IOVA_A, PG) ||
	    lab_s1pt_map(&self->s1, IOVA_A, IPA_DATA + PG, PG, LAB_S1PT_READ | LAB_S1PT_WRITE))
		return false;
	page = lands_in(self, IOVA_A);
	if (page != 0)
		TH_LOG("after the stage-1 change without invalidation the device lands in page %d: "
		       "this SMMU did not keep the old translation", page);
	return page == 0;
}

/* An array whose entry 1 is an unknown opcode: refused at index 1, and the
 * entry after it (which would invalidate IOVA_A) not applied. */
TEST_F(bad, invalidation_array_stops_at_the_first_bad_entry)
{
	uint64_t cmds[3][2];
	uint32_t done = 77;

	NEST();
	if (!stale_a(_metadata, self))
		SKIP(return, "the SMMU does not cache stage-1 translations: nothing to observe");
	lab_smmuv3_cmd_tlbi_nh_va(cmds[0], ASID, IOVA_B);	/* valid, and harmless */
	cmds[1][0] = 0x7f, cmds[1][1] = 0;			/* no such opcode */
	lab_smmuv3_cmd_tlbi_nh_va(cmds[2], ASID, IOVA_A);
	EXPECT_EQ(-EIO, invalidate(self->ifd, self->viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
				   cmds, sizeof(cmds[0]), 3, 0, &done));
	EXPECT_EQ(1u, done) TH_LOG("the error index must name entry 1, the first bad one");
	EXPECT_EQ(0, lands_in(self, IOVA_A))
		TH_LOG("the entry after the bad one was applied: IOVA_A was invalidated");
	/* The same array with the bad entry gone does it all. */
	lab_smmuv3_cmd_tlbi_nh_va(cmds[1], ASID, IOVA_B);
	ASSERT_EQ(0, invalidate(self->ifd, self->viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, cmds,
				sizeof(cmds[0]), 3, 0, &done));
	EXPECT_EQ(3u, done);
	lands(_metadata, self, IOVA_A, 1, "after the whole array");
}

/* What the kernel reports handled before the bad entry was done: a VMM
 * goes on from the error index, and never sends those entries again. */
TEST_F(bad, entries_reported_handled_before_a_bad_one_were_applied)
{
	uint64_t cmds[2][2];
	uint32_t done = 77;

	NEST();
	if (!stale_a(_metadata, self))
		SKIP(return, "the SMMU does not cache stage-1 translations: nothing to observe");
	lab_smmuv3_cmd_tlbi_nh_va(cmds[0], ASID, IOVA_A);
	cmds[1][0] = 0x7f, cmds[1][1] = 0;
	EXPECT_EQ(-EIO, invalidate(self->ifd, self->viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
				   cmds, sizeof(cmds[0]), 2, 0, &done));
	ASSERT_EQ(1u, done);
	EXPECT_EQ(1, lands_in(self, IOVA_A))
		TH_LOG("entry 0 (TLBI_NH_VA of IOVA_A) was reported handled but the SMMU still "
		       "uses the old translation: it was never issued");
}

/* Bad framing of an SMMUv3 array: refused before any entry, nothing applied. */
TEST_F(bad, invalidation_arrays_with_bad_framing_apply_nothing)
{
	uint64_t cmds[2][3] = { { 0 } };	/* three qwords: a longer entry than the kernel's */
	uint32_t done = 77;

	NEST();
	if (!stale_a(_metadata, self))
		SKIP(return, "the SMMU does not cache stage-1 translations: nothing to observe");
	lab_smmuv3_cmd_tlbi_nh_va(cmds[0], ASID, IOVA_A);
	lab_smmuv3_cmd_tlbi_nh_va(cmds[1], ASID, IOVA_A);
	/* A longer entry must have zeros past what the kernel knows: entry 1's do not. */
	cmds[1][2] = 1;
	EXPECT_EQ(-E2BIG, invalidate(self->ifd, self->viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
				     cmds, sizeof(cmds[0]), 2, 0, &done));
	EXPECT_EQ(0u, done);
	/* The wrong data type, and no entries at all. */
	EXPECT_EQ(-EINVAL, invalidate(self->ifd, self->viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 + 1,
				      cmds, sizeof(cmds[0]), 1, 0, &done));
	EXPECT_EQ(0u, done);
	EXPECT_EQ(-EINVAL, invalidate(self->ifd, self->viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
				      cmds, sizeof(cmds[0]), 0, 0, &done));
	EXPECT_EQ(0u, done);
	EXPECT_EQ(0, lands_in(self, IOVA_A)) TH_LOG("a refused array invalidated IOVA_A");
	/* Longer entries with zeros past the command are fine. */
	cmds[1][2] = 0;
	ASSERT_EQ(0, invalidate(self->ifd, self->viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, cmds,
				sizeof(cmds[0]), 2, 0, &done));
	EXPECT_EQ(2u, done);
	lands(_metadata, self, IOVA_A, 1, "after the well-framed array");
}

/* A device has one vDEVICE; a second, under any ID, is refused, as is an
 * ID taken by another vDEVICE; the vSID the stage-1 fault events carry and
 * the translation are unchanged. */
TEST_F(bad, vdevice_ids_reused_or_taken_twice_are_refused)
{
	uint32_t id;

	NEST();
	EXPECT_ERR(EEXIST, lab_vdevice_alloc(self->ifd, self->viommu, self->dev.id, VSID + 1, &id));
	EXPECT_ERR(EEXIST, lab_vdevice_alloc(self->ifd, self->viommu, self->dev.id, VSID, &id));
	EXPECT_ERR(EEXIST, lab_vdevice_alloc(self->ifd, self->viommu, self->dev.id, ~0ull, &id));
	/* Not a vIOMMU, not a device. */
	EXPECT_NE(0, lab_vdevice_alloc(self->ifd, self->s2_hwpt, self->dev.id, VSID + 2, &id));
	EXPECT_NE(0, lab_vdevice_alloc(self->ifd, self->viommu, self->ioas, VSID + 2, &id));
	/* The vDEVICE in use by the attached nested HWPT stays. */
	lands(_metadata, self, IOVA_B, 1, "after the refused vDEVICEs");
	/* A CFGI_CD for the vSID still finds the device: its vDEVICE is the one. */
	{
		uint64_t cmd[1][2];
		uint32_t done;

		lab_smmuv3_cmd_cfgi_cd(cmd[0], VSID, 0);
		EXPECT_EQ(0, invalidate(self->ifd, self->viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
					cmd, sizeof(cmd[0]), 1, 0, &done));
		lab_smmuv3_cmd_cfgi_cd(cmd[0], VSID + 1, 0);
		EXPECT_EQ(-EIO, invalidate(self->ifd, self->viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
					   cmd, sizeof(cmd[0]), 1, 0, &done))
			TH_LOG("a refused vDEVICE left its vSID behind");
	}
}

/*
 * A vSID is an SMMUv3 StreamID, at most 32 bits (IDR1.SIDSIZE): a vDEVICE
 * ID beyond that could never be named by a command, and its events would
 * carry it cut to 32 bits, the vSID of another device.
 */
TEST_F(bad, vdevice_id_beyond_a_stream_id_is_refused)
{
	uint32_t id = 0;
	int ret;

	NEST();
	/* The device's vDEVICE can go once no nested HWPT needs it attached. */
	test_cmd_replace(&self->dev, LAB_NO_PASID, self->s2_hwpt);
	ASSERT_OK(lab_iommufd_destroy(self->ifd, self->vdev));
	ret = lab_vdevice_alloc(self->ifd, self->viommu, self->dev.id, 1ull << 32 | VSID, &id);
	EXPECT_EQ(-EINVAL, ret) TH_LOG("vDEVICE ID %#llx: %s", 1ull << 32 | VSID, strerror(-ret));
	if (!ret)
		ASSERT_OK(lab_iommufd_destroy(self->ifd, id));
	test_cmd_vdevice_alloc(self->viommu, &self->dev, VSID, &self->vdev);
	test_cmd_replace(&self->dev, LAB_NO_PASID, self->nested);
	lands(_metadata, self, IOVA_B, 1, "nested again");
}

#ifdef IOMMU_VEVENTQ_ALLOC
/*
 * vEVENTQ reads: fewer bytes than a header are refused (EINVAL) with the
 * queue untouched; so is a read with room for the header but not the event
 * it heads; a read with room to spare returns exactly one whole event, the
 * stage-1 fault the device just took, with the vSID.
 */
TEST_F(bad, veventq_reads_of_odd_sizes_are_refused_and_lose_no_event)
{
	const size_t hdr = sizeof(struct iommufd_vevent_header);
	const size_t evt = sizeof(struct iommu_vevent_arm_smmuv3);
	uint8_t buf[256];
	struct lab_dma_result r;
	struct pollfd p;
	uint32_t q;
	uint64_t w0;
	int fd;

	NEST();
	test_cmd_veventq_alloc(self->viommu, 8, &q, &fd);
	for (size_t len = 0; len < hdr; len += hdr / 2 - 1) {
		errno = 0;
		EXPECT_EQ(-1, read(fd, buf, len)) TH_LOG("a read of %zu bytes", len);
		EXPECT_EQ(EINVAL, errno) TH_LOG("a read of %zu bytes: %s", len, strerror(errno));
	}
	/* One stage-1 fault (labdev reports it; the event goes to the queue). */
	memset(self->data, 0, NDATA * PG);
	test_cmd_dma_pair(&self->dev, IOVA_HOLE, PG, 1, LAB_NO_PASID, &r);
	EXPECT_EQ(LAB_DMA_FAULT, r.status);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	ASSERT_EQ(1, poll(&p, 1, LAB_FAULT_LOG_WAIT_MS)) TH_LOG("no event in the vEVENTQ");
	for (size_t len = 1; len < hdr + evt; len += len < hdr ? hdr - 1 : evt - 1) {
		errno = 0;
		EXPECT_EQ(-1, read(fd, buf, len)) TH_LOG("a read of %zu bytes", len);
		EXPECT_EQ(EINVAL, errno) TH_LOG("a read of %zu bytes: %s", len, strerror(errno));
	}
	/* Still there, whole: header and record, nothing more (the one fault). */
	ASSERT_EQ((ssize_t)(hdr + evt), read(fd, buf, hdr + evt + 5));
	memcpy(&w0, buf + hdr, sizeof(w0));
	w0 = le64toh(w0);
	EXPECT_EQ(0x10u, w0 & 0xff) TH_LOG("event %#llx is not F_TRANSLATION", (unsigned long long)w0);
	EXPECT_EQ((uint64_t)VSID, w0 >> 32);
	close(fd);
	lands(_metadata, self, IOVA_B, 1, "after the odd reads");
}
#endif
#endif /* HAVE_IOMMUFD_VIOMMU_UAPI */

TEST_HARNESS_MAIN
