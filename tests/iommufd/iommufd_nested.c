// SPDX-License-Identifier: GPL-2.0-only
/*
 * Nested translation through iommufd, with real DMA: the test owns stage 1
 * (its own VMSAv8-64 tables and SMMUv3 context descriptor, in memory it maps
 * into the IOAS) and the host kernel stage 2 (the IOAS, through a nest-parent
 * HWPT, a vIOMMU and a vDEVICE). A function bound to vfio-pci does DMA pairs
 * through IOVA -> IPA -> PA; the CPU checks which page the data landed in.
 * Variants by engine: labdev, and nvme (any NVMe controller, with a scratch
 * range: its pair is Write, Read, Compare through the scratch LBAs; its
 * queues are control memory the test maps in stage 2 and, identity, in
 * every stage-1 table it builds). Then every stage transition, with DMA
 * after each step, including leaving nested for a stage-1-only domain (the
 * SMMUv3 STE S2TTB case).
 * SMMUv3, and VT-d with ECAP.NEST (first-stage tables over the nest parent;
 * SMMUv3-only tests SKIP there). The VT-d branch is written from the VT-d
 * specification and the uAPI but has never run: QEMU's VT-d cannot nest.
 * docs/tests/nested.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "lab_platform.h"
#include "iommufd_utils.h"
#include "lab_results.h"
#include "lab_iommufd.h"

#define PG 4096u
/* Stage-2 (IPA) layout: data pages, stage-1 table pool, the CD. */
#define IPA_DATA 0x40000000ull
#define NDATA 3
#define IPA_S1 0x50000000ull
#define NS1 16
#define IPA_CD 0x60000000ull
#define IPA_UNMAPPED 0x7f000000ull	/* nothing in the IOAS here */
/* Stage-1 inputs (what the device uses). */
#define IOVA_A 0x10000000ull
#define IOVA_B 0x10001000ull
#define N_MSI 20
#define VSID 0x42			/* the vDEVICE's virtual stream ID */
#define ASID 7

FIXTURE(nested) {
	int ifd;
	struct idev dev;
	uint8_t *data, *s1mem, *cdmem;
	uint32_t ioas, s2_hwpt, viommu, vdev, nested_hwpt;
	struct lab_s1pt s1;
	struct lab_kmsg_mark mark;
	bool kmsg_ok;
	struct lab_uengine_irqs irq;	/* the device's interrupts, for the MSI tests */
	bool smmu;		/* SMMUv3 (vIOMMU, vSTE, CD); else VT-d with ECAP.NEST */
};

FIXTURE_VARIANT(nested) { const struct lab_uengine_ops *ops; };
FIXTURE_VARIANT_ADD(nested, labdev) { .ops = &lab_uengine_labdev };
FIXTURE_VARIANT_ADD(nested, nvme) { .ops = &lab_uengine_nvme };

/* The vSTE for stage 1 through our CD, as a nested HWPT. */
static int nested_hwpt(FIXTURE_DATA(nested) *self, enum lab_ste_cfg cfg, uint32_t *id)
{
	uint64_t ste[2];

	lab_smmuv3_vste(ste, cfg, IPA_CD);
	return lab_hwpt_alloc_smmuv3_nested(self->ifd, self->dev.id, self->viommu, ste, id);
}

/* An engine's control memory (nvme's queues) in stage-1 tables t: identity,
 * where stage 2 has it (lab_uengine_ctrl_map). Nothing for labdev. */
static int s1_map_ctrl(struct lab_s1pt *t, const struct idev *d)
{
	uint64_t iova;
	size_t len;

	if (!lab_uengine_ctrl(&d->eng, NULL, &iova, &len))
		return 0;
	return lab_s1pt_map(t, iova, iova, len, LAB_S1PT_READ | LAB_S1PT_WRITE);
}

FIXTURE_SETUP(nested)
{
	struct lab_hw_info hw;
	char bdf[32];
	uint64_t cd[8];

	self->ifd = -1;
	self->dev.pci.fd = -1;
	LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_VIOMMU);
	test_open_vfio_engine(&self->ifd, &self->dev, variant->ops, bdf);
	test_need_writes(&self->dev);
	test_cmd_hw_info(&self->dev, &hw);
	self->smmu = lab_pci_iommu_type(bdf) == LAB_IOMMU_SMMUV3;
	if (lab_pci_iommu_type(bdf) == LAB_IOMMU_VTD) {
		if (!lab_hw_info_vtd_nests(&hw))
			SKIP(return, "VT-d: ECAP.NEST not set (the IOMMU cannot nest)");
	} else if (!self->smmu) {
		SKIP(return, "%s: nested tests need SMMUv3 or VT-d with ECAP.NEST", bdf);
	}
	test_record_engine(&self->dev);
	self->kmsg_ok = !lab_kmsg_mark(&self->mark);

	/* Stage 2: data pages, stage-1 tables and the CD in one IOAS. */
	self->data = test_pages(_metadata, NDATA);
	self->s1mem = test_pages(_metadata, NS1);
	self->cdmem = test_pages(_metadata, 1);
	test_cmd_ioas_alloc(&self->ioas);
	test_map_stage2(_metadata, self->ifd, self->ioas, self->data, NDATA, IPA_DATA, self->s1mem, NS1,
			IPA_S1, self->cdmem, IPA_CD, self->smmu ? LAB_IOAS_READ : LAB_IOAS_READ | LAB_IOAS_WRITE);
	test_cmd_ctrl_map(&self->dev, self->ioas);
	test_cmd_hwpt_alloc(&self->dev, self->ioas, LAB_HWPT_NEST_PARENT, &self->s2_hwpt);
	if (!self->smmu) {
		/* VT-d: first-stage tables straight over the nest parent (no
		 * vIOMMU needed); the x86_64 guest's QEMU nests (x-nested=on,
		 * patches 0017-0019). */
		ASSERT_EQ(0, lab_s1pt_init(&self->s1, LAB_S1PT_INTEL_FS, self->s1mem, IPA_S1, NS1 / 2));
		ASSERT_EQ(0, lab_s1pt_map(&self->s1, IOVA_A, IPA_DATA, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
		ASSERT_EQ(0, lab_s1pt_map(&self->s1, IOVA_B, IPA_DATA + PG, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
		ASSERT_EQ(0, s1_map_ctrl(&self->s1, &self->dev));
		test_cmd_hwpt_alloc_vtd_s1(&self->dev, self->s2_hwpt, self->s1.root_ipa, self->s1.va_bits, 0,
					   &self->nested_hwpt);
		test_cmd_attach(&self->dev, LAB_NO_PASID, self->nested_hwpt);
		return;
	}
	test_cmd_smmuv3_viommu(&self->dev, self->s2_hwpt, VSID, &self->viommu, &self->vdev);

	/* Stage 1: our tables and CD. */
	/* The first half of the pool; tests build other tables in the second. */
	ASSERT_EQ(0, lab_s1pt_init(&self->s1, LAB_S1PT_ARM_VMSA, self->s1mem, IPA_S1, NS1 / 2));
	ASSERT_EQ(0, lab_s1pt_map(&self->s1, IOVA_A, IPA_DATA, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	ASSERT_EQ(0, lab_s1pt_map(&self->s1, IOVA_B, IPA_DATA + PG, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	ASSERT_EQ(0, s1_map_ctrl(&self->s1, &self->dev));
	lab_smmuv3_cd(cd, ASID, self->s1.root_ipa, self->s1.va_bits);
	memcpy(self->cdmem, cd, sizeof(cd));
	ASSERT_EQ(0, nested_hwpt(self, LAB_STE_S1_TRANS, &self->nested_hwpt));
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->nested_hwpt);
}

FIXTURE_TEARDOWN(nested)
{
	test_close_idev(self->ifd, &self->dev);
	if (self->ifd >= 0)
		close(self->ifd);
	lab_uengine_irqs_close(&self->irq);
}

/* A DMA pair at IOVA lands in data page PAGE and nowhere else. */
static void lands(struct __test_metadata *_metadata, FIXTURE_DATA(nested) *self, uint64_t iova, int page,
		  const char *step)
{
	test_pair_lands_in_page(_metadata, &self->dev, self->data, NDATA, iova, page, step);
}

/*
 * A DMA pair at iova faults and writes nothing: FAULT, or for an engine that
 * cannot see a dropped write (nvme) a read-back that differs. all_blocked:
 * the state lets the device reach no memory at all (vSTE abort, blocked),
 * where an engine whose queues are in memory (nvme) cannot even fetch its
 * command: it ends in an error and a reset, and nothing is written either.
 */
static void faults(struct __test_metadata *_metadata, FIXTURE_DATA(nested) *self, uint64_t iova,
		   const char *step, bool all_blocked)
{
	struct lab_dma_result r;
	bool stuck;
	int ret;

	memset(self->data, 0, NDATA * PG);
	if (self->kmsg_ok)
		lab_kmsg_mark(&self->mark);
	ret = _test_cmd_dma_pair(&self->dev, iova, PG, 1, LAB_NO_PASID, &r);
	/* Reset by an earlier transfer in this state, an nvme cannot even be
	 * set up again while its queues are unreachable: -EIO, nothing issued. */
	if (ret == -EIO && all_blocked && self->dev.eng.ctrl)
		r = (struct lab_dma_result){ .status = LAB_DMA_ERROR, .reset = true };
	else
		ASSERT_EQ(0, ret) TH_LOG("%s: DMA pair at %#llx: %s", step, (unsigned long long)iova,
					 strerror(-ret));
	stuck = all_blocked && self->dev.eng.ctrl && r.status == LAB_DMA_ERROR && r.reset;
	if (stuck)
		TH_LOG("%s: %s could not fetch its command: %s", step, self->dev.eng.ops->name, self->dev.eng.why);
	EXPECT_TRUE(stuck || lab_dma_pair_blocked(&self->dev.eng, &r))
		TH_LOG("%s: DMA pair at %#llx: %s, expected a fault", step, (unsigned long long)iova,
		       lab_dma_status_name(r.status));
	for (int i = 0; i < NDATA; i++) {
		EXPECT_TRUE(lab_mem_is_zero(self->data + i * PG, PG)) TH_LOG("%s: data page %d written", step, i);
	}
}

/* The fault the last transfer at iova caused, as the kernel logged it (no
 * vEVENTQ is open, so the host driver reports the event; test_fault_logged()),
 * names the stage (SMMUv3: the event's s1/s2; VT-d: its fault reason,
 * lib/faultlog.c). */
static void fault_stage(struct __test_metadata *_metadata, FIXTURE_DATA(nested) *self, uint64_t iova,
			int stage)
{
	struct lab_fault_rec recs[16];
	int i;

	if (!self->kmsg_ok)
		SKIP(return, "the kernel log is not readable: cannot see which stage faulted");
	i = test_fault_logged(_metadata, &self->dev, &self->mark, iova, recs, 16);
	EXPECT_EQ(stage, recs[i].stage) TH_LOG("%s at %#llx: stage %d", recs[i].reason,
					       (unsigned long long)iova, recs[i].stage);
}

/* Tests of SMMUv3 structures (vSTE, CD, ASIDs, commands, vEVENTQ). */
#define NEED_SMMUV3()                                                                        \
	do {                                                                                 \
		if (!self->smmu)                                                             \
			SKIP(return, "SMMUv3 vSTE/CD/vEVENTQ behaviour: not for VT-d");      \
	} while (0)

#define expect_lands(_iova, _page, _step) lands(_metadata, self, _iova, _page, _step)
#define expect_fault_stage(_iova, _stage) fault_stage(_metadata, self, _iova, _stage)

/*
 * No event since the mark but a sentinel's: a transfer at sentinel (which
 * must fault) is waited for in the log, with more tries in a fresh
 * rate-limit window (at most three). The SMMU queues events in order and the driver logs them
 * in queue order, so every event raised before the sentinel is logged by
 * then: decisive, where a fixed sleep only covered a slow event thread by luck.
 */
static void no_events_but(struct __test_metadata *_metadata, FIXTURE_DATA(nested) *self, uint64_t sentinel,
			  const char *what)
{
	struct lab_fault_rec recs[16];
	struct lab_dma_result r;
	int i = -1, n, others = 0;

	for (int attempt = 0; attempt < 3 && i < 0; attempt++) {
		test_cmd_dma_pair(&self->dev, sentinel, PG, 0x5e, LAB_NO_PASID, &r);
		ASSERT_TRUE(lab_dma_pair_blocked(&self->dev.eng, &r))
			TH_LOG("%s: the sentinel at %#llx: %s", what, (unsigned long long)sentinel,
			       lab_dma_status_name(r.status));
		i = (attempt < 2 ? lab_faults_wait_or_retry : lab_faults_wait)(&self->mark, recs, 16,
									    self->dev.pci.bdf, sentinel, -1,
									    LAB_FAULT_LOG_WAIT_MS);
	}
	ASSERT_LE(0, i) TH_LOG("%s: the sentinel fault at %#llx was never logged", what, (unsigned long long)sentinel);
	n = lab_faults_since(&self->mark, recs, 16);
	for (int j = 0; j < n; j++) {
		if ((recs[j].iova & ~(uint64_t)(PG - 1)) == sentinel)
			continue;
		others++;
		TH_LOG("%s: event %s %s at %#llx", what, recs[j].bdf, recs[j].reason, (unsigned long long)recs[j].iova);
	}
	EXPECT_EQ(0, others);
}
#define expect_faults(_iova, _step) faults(_metadata, self, _iova, _step, false)
/* In a state that blocks all of the device's DMA. */
#define expect_faults_all_blocked(_iova, _step) faults(_metadata, self, _iova, _step, true)

/* IOVA -> IPA (our stage 1) -> PA (the IOAS): each IOVA reaches its page; a
 * stage-1 miss and a stage-2 miss each fault. */
TEST_F(nested, translation_through_both_stages)
{
	expect_lands(IOVA_A, 0, "S1 A -> IPA page 0");
	expect_lands(IOVA_B, 1, "S1 B -> IPA page 1");
	expect_faults(IOVA_A + 2 * PG, "stage-1 miss");
	expect_fault_stage(IOVA_A + 2 * PG, 1);
	ASSERT_EQ(0, lab_s1pt_map(&self->s1, IOVA_A + 3 * PG, IPA_UNMAPPED, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	expect_faults(IOVA_A + 3 * PG, "stage-2 miss");
	expect_fault_stage(IOVA_A + 3 * PG, 2);
}

/* nested -> stage 2 only (the nest parent itself: IOVA = IPA) -> nested. */
TEST_F(nested, nested_to_stage2_only_and_back)
{
	expect_lands(IOVA_A, 0, "nested");
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->s2_hwpt);
	expect_lands(IPA_DATA + 2 * PG, 2, "stage 2 only");
	expect_faults(IOVA_A, "stage 2 only: IOVA_A is no IPA");
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->nested_hwpt);
	expect_lands(IOVA_B, 1, "nested again");
}

/* nested -> vSTE bypass (stage 1 off, stage 2 on) -> vSTE abort -> nested. */
TEST_F(nested, nested_to_bypass_to_abort_and_back)
{
	uint32_t bypass, abort;

	NEED_SMMUV3();

	ASSERT_EQ(0, nested_hwpt(self, LAB_STE_BYPASS, &bypass));
	ASSERT_EQ(0, nested_hwpt(self, LAB_STE_ABORT, &abort));
	expect_lands(IOVA_A, 0, "nested");
	test_cmd_attach(&self->dev, LAB_NO_PASID, bypass);
	expect_lands(IPA_DATA + PG, 1, "vSTE bypass");
	test_cmd_attach(&self->dev, LAB_NO_PASID, abort);
	expect_faults_all_blocked(IPA_DATA, "vSTE abort");
	expect_faults_all_blocked(IOVA_A, "vSTE abort");
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->nested_hwpt);
	expect_lands(IOVA_A, 0, "nested again");
}

/* nested -> blocked (detached) -> nested. */
TEST_F(nested, nested_to_blocked_and_back)
{
	expect_lands(IOVA_B, 1, "nested");
	test_cmd_detach(&self->dev, LAB_NO_PASID);
	expect_faults_all_blocked(IOVA_B, "blocked");
	expect_faults_all_blocked(IPA_DATA, "blocked");
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->nested_hwpt);
	expect_lands(IOVA_B, 1, "nested again");
}

/*
 * Leaving nested for a stage-1-only domain (a plain paging HWPT: on SMMUv3
 * the kernel builds a stage-1 STE): the STE must carry no stage-2 leftovers
 * (a stale S2TTB once gave C_BAD_STE on hardware), and DMA must translate
 * through the new domain only, never the old stage 2. The new domain maps
 * IOVA_A to a page that the nested setup never reaches.
 */
TEST_F(nested, leave_nested_for_stage1_only)
{
	uint32_t ioas2, s1_hwpt;
	uint8_t *other = test_pages(_metadata, 1);
	struct lab_dma_result r;

	test_cmd_ioas_alloc(&ioas2);
	test_cmd_ioas_map(ioas2, other, PG, IOVA_A, LAB_IOAS_READ | LAB_IOAS_WRITE);
	test_cmd_ctrl_map(&self->dev, ioas2);
	test_cmd_hwpt_alloc(&self->dev, ioas2, 0, &s1_hwpt);
	expect_lands(IOVA_A, 0, "nested");
	if (self->kmsg_ok)
		lab_kmsg_mark(&self->mark);
	test_cmd_attach(&self->dev, LAB_NO_PASID, s1_hwpt);
	memset(self->data, 0, NDATA * PG);
	test_cmd_dma_pair(&self->dev, IOVA_A, PG, 0x51, LAB_NO_PASID, &r);
	EXPECT_EQ(LAB_DMA_OK, r.status) TH_LOG("stage-1 only: %s", lab_dma_status_name(r.status));
	EXPECT_TRUE(lab_labdev_has_pattern(other, PG, 0x51)) TH_LOG("stage-1 only: not in the new domain's page");
	for (int i = 0; i < NDATA; i++) {
		EXPECT_TRUE(lab_mem_is_zero(self->data + i * PG, PG))
			TH_LOG("stage-1 only: reached the old stage 2 (page %d)", i);
	}
	/* The switch and a translated transfer: no event at all (a stale
	 * S2TTB would show as C_BAD_STE on hardware). The sentinel: an IPA of
	 * the old stage 2, unmapped in the new domain. */
	if (self->kmsg_ok)
		no_events_but(_metadata, self, IPA_DATA, "after the switch");
	expect_faults(IPA_DATA, "stage-1 only: an IPA of the old stage 2");
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->nested_hwpt);
	expect_lands(IOVA_A, 0, "nested again");
	munmap(other, PG);
}

/*
 * SMMUv3 configuration errors (C_BAD_STE, event 0x04) logged since mark m:
 * the driver prints them as a raw record ("event 0x04 received:") and, from
 * 6.13, decoded ("event: C_BAD_STE"); lab_faults_since() keeps only
 * translation faults. -errno when /dev/kmsg cannot be read.
 */
static int bad_ste_events_since(const struct lab_kmsg_mark *m)
{
	char rec[2048];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK), n = 0;
	ssize_t len;

	if (fd < 0)
		return -errno;
	for (;;) {
		unsigned long long seq;
		const char *msg;

		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)
			continue;	/* overwritten under us: the next one */
		if (len <= 0)
			break;
		rec[len] = 0;
		msg = strchr(rec, ';');
		if (!msg || sscanf(rec, "%*u,%llu", &seq) != 1 || seq < m->seq)
			continue;
		if (strstr(msg, "event 0x04 received") || strstr(msg, "event: C_BAD_STE"))
			n++;
	}
	close(fd);
	return n;
}

/*
 * Every stage transition this file drives, in one sequence, with DMA after
 * each: nested -> stage-1 only -> stage 2 only -> nested -> vSTE abort ->
 * blocked -> vSTE bypass -> stage-1 only -> nested. No STE the kernel
 * writes on the way may carry fields of a stage its Config does not enable
 * (the 2020 report: a stale S2TTB in a stage-1 STE gave C_BAD_STE on
 * hardware). The architecture makes such fields IGNORED, so only an SMMU
 * that validates them can tell: the testbed's with strict-ste=on (QEMU patch
 * 0012, the arm64 guest), where such an STE terminates the transfer (the
 * DMA after the step fails) and raises C_BAD_STE (in the log: no event but
 * the sentinel's may appear). On an SMMU that ignores them the test still
 * checks that every step translates through the new configuration only.
 */
TEST_F(nested, no_bad_ste_at_any_stage_transition)
{
	uint32_t bypass, abort, ioas2, s1_hwpt;
	uint8_t *other = test_pages(_metadata, 1);
	bool blockable = !self->dev.eng.ctrl;	/* nvme cannot even fetch commands when blocked */
	struct lab_dma_result r;
	int bad;

	NEED_SMMUV3();

	ASSERT_EQ(0, nested_hwpt(self, LAB_STE_BYPASS, &bypass));
	ASSERT_EQ(0, nested_hwpt(self, LAB_STE_ABORT, &abort));
	test_cmd_ioas_alloc(&ioas2);
	test_cmd_ioas_map(ioas2, other, PG, IOVA_A, LAB_IOAS_READ | LAB_IOAS_WRITE);
	test_cmd_ctrl_map(&self->dev, ioas2);
	test_cmd_hwpt_alloc(&self->dev, ioas2, 0, &s1_hwpt);
	expect_lands(IOVA_A, 0, "nested");
	if (self->kmsg_ok)
		lab_kmsg_mark(&self->mark);
	for (int round = 0; round < 2; round++) {
		test_cmd_attach(&self->dev, LAB_NO_PASID, s1_hwpt);
		memset(other, 0, PG);
		test_cmd_dma_pair(&self->dev, IOVA_A, PG, 0x90 + round, LAB_NO_PASID, &r);
		ASSERT_EQ(LAB_DMA_OK, r.status) TH_LOG("%s -> stage-1 only: %s %s", round ? "vSTE bypass" : "nested",
						       self->dev.eng.ops->name, lab_dma_status_name(r.status));
		EXPECT_TRUE(lab_labdev_has_pattern(other, PG, 0x90 + round))
			TH_LOG("stage-1 only: not in the new domain's page");
		if (round)
			break;
		test_cmd_attach(&self->dev, LAB_NO_PASID, self->s2_hwpt);
		expect_lands(IPA_DATA + 2 * PG, 2, "stage-1 only -> stage 2 only");
		test_cmd_attach(&self->dev, LAB_NO_PASID, self->nested_hwpt);
		expect_lands(IOVA_B, 1, "stage 2 only -> nested");
		test_cmd_attach(&self->dev, LAB_NO_PASID, abort);
		if (blockable) {
			test_cmd_dma_pair(&self->dev, IOVA_A, PG, 0x92, LAB_NO_PASID, &r);
			EXPECT_TRUE(lab_dma_pair_blocked(&self->dev.eng, &r)) TH_LOG("vSTE abort: %s",
										lab_dma_status_name(r.status));
		}
		test_cmd_detach(&self->dev, LAB_NO_PASID);
		if (blockable) {
			test_cmd_dma_pair(&self->dev, IPA_DATA, PG, 0x93, LAB_NO_PASID, &r);
			EXPECT_TRUE(lab_dma_pair_blocked(&self->dev.eng, &r)) TH_LOG("blocked: %s",
										lab_dma_status_name(r.status));
		}
		test_cmd_attach(&self->dev, LAB_NO_PASID, bypass);
		expect_lands(IPA_DATA + PG, 1, "blocked -> vSTE bypass");
	}
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->nested_hwpt);
	expect_lands(IOVA_A, 0, "stage-1 only -> nested");
	if (!self->kmsg_ok) {
		TH_LOG("the kernel log is not readable: C_BAD_STE events not looked for");
		return;
	}
	/* The sentinel (a stage-1 miss, logged: no vEVENTQ) waited for: the
	 * event thread is past every event of the sequence. */
	no_events_but(_metadata, self, IOVA_A + 2 * PG, "after the transitions");
	bad = bad_ste_events_since(&self->mark);
	ASSERT_LE(0, bad) TH_LOG("/dev/kmsg: %s", strerror(-bad));
	EXPECT_EQ(0, bad) TH_LOG("%d C_BAD_STE events during the transitions", bad);
	munmap(other, PG);
}

/*
 * A stage-1 PTE changed by the test (IOVA_A moved from page 0 to page 2)
 * takes effect once the stage-1 invalidation returns (SMMUv3: CMD_TLBI_NH_VA
 * for our ASID through the vIOMMU; VT-d: the nested HWPT's invalidation);
 * IOVA_B's translation is not disturbed. Whether the old
 * translation was still used before the invalidation is reported as
 * information (the emulated SMMUv3 caches; hardware may too). Then a stage-2
 * unmap in the IOAS invalidates nested translations through it.
 */
TEST_F(nested, stage1_change_then_invalidation)
{
	uint64_t cmd[1][2];
	uint32_t done = 0;
	struct lab_dma_result r;

	expect_lands(IOVA_A, 0, "before the change");
	ASSERT_EQ(0, lab_s1pt_unmap(&self->s1, IOVA_A, PG));
	ASSERT_EQ(0, lab_s1pt_map(&self->s1, IOVA_A, IPA_DATA + 2 * PG, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	memset(self->data, 0, NDATA * PG);
	test_cmd_dma_pair(&self->dev, IOVA_A, PG, 0x5a, LAB_NO_PASID, &r);
	TH_LOG("before the invalidation: %s", r.status != LAB_DMA_OK ? lab_dma_status_name(r.status) :
	       lab_labdev_has_pattern(self->data, PG, 0x5a) ? "the stale translation (page 0) was used" :
	       lab_labdev_has_pattern(self->data + 2 * PG, PG, 0x5a) ?
	       "the new translation (page 2) was already used" :
	       "landed elsewhere");
	lab_record_metric("stale_s1_translation_observed", lab_labdev_has_pattern(self->data, PG, 0x5a), "bool");
	if (self->smmu) {
		lab_smmuv3_cmd_tlbi_nh_va(cmd[0], ASID, IOVA_A);
		test_cmd_viommu_invalidate(self->viommu, cmd, 1, &done);
		EXPECT_EQ(1, done);
	} else {
		test_cmd_hwpt_invalidate_vtd_s1(self->nested_hwpt, IOVA_A, 1);
	}
	expect_lands(IOVA_A, 2, "after the stage-1 invalidation");
	expect_lands(IOVA_B, 1, "the other IOVA");
	test_cmd_ioas_unmap(self->ioas, IPA_DATA + PG, PG);
	expect_faults(IOVA_B, "after the stage-2 unmap of its IPA");
	expect_lands(IOVA_A, 2, "an IPA still mapped");
}

/*
 * Bad input gets the kernel's documented errno (EIO is reserved for invalid
 * vSTE data and refused invalidation commands), no event, and leaves the
 * device on its nested HWPT with DMA working.
 */
TEST_F(nested, bad_input_is_refused_and_changes_nothing)
{
	uint64_t ste[2], cmd[1][2];
	uint32_t id, done;

	NEED_SMMUV3();

	if (self->kmsg_ok)
		lab_kmsg_mark(&self->mark);
	/* vSTE: stage-2 translation is the host's to configure, not the guest's. */
	lab_smmuv3_vste(ste, LAB_STE_S1_TRANS, IPA_CD);
	ste[0] = (ste[0] & ~0xeull) | 6ull << 1;
	test_err_hwpt_alloc_vste(EIO, &self->dev, self->viommu, ste, &id);
	/* vSTE: a field outside those a guest may set (STE word 1 bit 63). */
	lab_smmuv3_vste(ste, LAB_STE_S1_TRANS, IPA_CD);
	ste[1] |= 1ull << 63;
	test_err_hwpt_alloc_vste(EIO, &self->dev, self->viommu, ste, &id);
	/* A nested HWPT on something that is not a vIOMMU (the IOAS). */
	lab_smmuv3_vste(ste, LAB_STE_S1_TRANS, IPA_CD);
	EXPECT_NE(0, lab_hwpt_alloc_smmuv3_nested(self->ifd, self->dev.id, self->ioas, ste, &id));
	/* CFGI_STE is not a vIOMMU command (STE changes are HWPT replaces). */
	lab_smmuv3_cmd_cfgi_ste(cmd[0], VSID);
	done = 9;
	test_err_viommu_invalidate(EIO, self->viommu, cmd, 1, &done);
	EXPECT_EQ(0, done);
	/* CFGI_CD for a stream ID no vDEVICE has. */
	lab_smmuv3_cmd_cfgi_cd(cmd[0], VSID + 1, 0);
	test_err_viommu_invalidate(EIO, self->viommu, cmd, 1, &done);
	/* An opcode that does not exist. */
	cmd[0][0] = 0x7f, cmd[0][1] = 0;
	test_err_viommu_invalidate(EIO, self->viommu, cmd, 1, &done);
	/* A second vDEVICE for the same device. */
	EXPECT_NE(0, lab_vdevice_alloc(self->ifd, self->viommu, self->dev.id, VSID + 1, &id));
	/* Nothing moved: still nested, no event logged. */
	expect_lands(IOVA_A, 0, "after the bad input");
	if (self->kmsg_ok)
		no_events_but(_metadata, self, IOVA_A + 2 * PG, "after the bad input");	/* a stage-1 miss */
}

/*
 * With a vEVENTQ open, a stage-1 fault is the guest's: it arrives in the
 * vEVENTQ with the vSID in place of the physical stream ID, the faulting
 * IOVA and the S2 bit clear. A stage-2 fault is the host's and never reaches
 * the guest's queue (IHI 0070 7.3 event records; the kernel forwards only
 * !S2 events of a vDEVICE).
 */
TEST_F(nested, stage1_faults_reach_the_veventq)
{
	uint32_t q, seq;
	uint64_t evt[4];
	int fd, ret;

	NEED_SMMUV3();

	test_cmd_veventq_alloc(self->viommu, 16, &q, &fd);
	expect_faults(IOVA_A + 2 * PG, "stage-1 miss");
	ret = lab_veventq_read_smmuv3(fd, evt, &seq, LAB_FAULT_LOG_WAIT_MS);
	ASSERT_EQ(0, ret) TH_LOG("no event in the vEVENTQ: %s", strerror(-ret));
	TH_LOG("vEVENTQ #%u: %#llx %#llx %#llx %#llx", seq, (unsigned long long)evt[0],
	       (unsigned long long)evt[1], (unsigned long long)evt[2], (unsigned long long)evt[3]);
	EXPECT_EQ(0x10u, evt[0] & 0xff);		/* F_TRANSLATION */
	EXPECT_EQ((uint64_t)VSID, evt[0] >> 32);	/* the vSID, not the physical SID */
	EXPECT_EQ(0ull, evt[1] & (1ull << 39));	/* S2 = 0: stage 1 faulted */
	EXPECT_EQ(IOVA_A + 2 * PG, evt[2] & ~(uint64_t)(PG - 1));
	ASSERT_EQ(0, lab_s1pt_map(&self->s1, IOVA_A + 3 * PG, IPA_UNMAPPED, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	expect_faults(IOVA_A + 3 * PG, "stage-2 miss");
	/* The host logged the stage-2 event (waited for): the driver's event
	 * thread, which either forwards an event to the vEVENTQ or logs it, is
	 * past it, so whatever the guest's queue was given is there now. Only
	 * stage-1 events of the first transfer (its later accesses) may be. */
	expect_fault_stage(IOVA_A + 3 * PG, 2);
	while (lab_veventq_read_smmuv3(fd, evt, &seq, 0) == 0) {
		EXPECT_FALSE((evt[1] & (1ull << 39)) || (evt[2] & ~(uint64_t)(PG - 1)) == IOVA_A + 3 * PG)
			TH_LOG("a stage-2 fault reached the guest's queue: %#llx %#llx %#llx", (unsigned long long)evt[0],
			       (unsigned long long)evt[1], (unsigned long long)evt[2]);
	}
	close(fd);
}

/*
 * The CD changed under the device (its TTB0 now points at other tables, in
 * which IOVA_A maps page 2 and IOVA_B nothing): after CMD_CFGI_CD for the
 * vSID and CMD_TLBI_NH_ASID, the device walks the new tables. Whether the
 * old CD was still in use before is reported as information.
 */
TEST_F(nested, cd_change_then_cfgi_cd)
{
	struct lab_s1pt t2;
	uint64_t cd[8], cmds[2][2];
	struct lab_dma_result r;
	uint32_t done = 0;

	NEED_SMMUV3();

	expect_lands(IOVA_A, 0, "before the CD change");
	ASSERT_EQ(0, lab_s1pt_init(&t2, LAB_S1PT_ARM_VMSA, self->s1mem + NS1 / 2 * PG, IPA_S1 + NS1 / 2 * PG,
				   NS1 / 2));
	ASSERT_EQ(0, lab_s1pt_map(&t2, IOVA_A, IPA_DATA + 2 * PG, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	ASSERT_EQ(0, s1_map_ctrl(&t2, &self->dev));
	lab_smmuv3_cd(cd, ASID, t2.root_ipa, self->s1.va_bits);
	memcpy(self->cdmem, cd, sizeof(cd));
	memset(self->data, 0, NDATA * PG);
	test_cmd_dma_pair(&self->dev, IOVA_A, PG, 0x6c, LAB_NO_PASID, &r);
	TH_LOG("before CFGI_CD: %s", r.status != LAB_DMA_OK ? lab_dma_status_name(r.status) :
	       lab_labdev_has_pattern(self->data, PG, 0x6c) ? "the old CD's tables were used" :
	       lab_labdev_has_pattern(self->data + 2 * PG, PG, 0x6c) ? "the new CD was already used" :
	       "landed elsewhere");
	lab_record_metric("stale_cd_observed",
			  r.status == LAB_DMA_OK && lab_labdev_has_pattern(self->data, PG, 0x6c), "bool");
	lab_smmuv3_cmd_cfgi_cd(cmds[0], VSID, 0);
	lab_smmuv3_cmd_tlbi_nh_asid(cmds[1], ASID);
	test_cmd_viommu_invalidate(self->viommu, cmds, 2, &done);
	EXPECT_EQ(2, done);
	expect_lands(IOVA_A, 2, "after CFGI_CD + TLBI_NH_ASID");
	expect_faults(IOVA_B, "IOVA_B: not in the new tables");
	expect_fault_stage(IOVA_B, 1);
}

/* Everything stage 1 caches for the nested HWPT of one device: SMMUv3,
 * TLBI_NH_ASID of its ASID through the vIOMMU; VT-d, the whole range of its
 * nested HWPT (IOMMU_HWPT_INVALIDATE_DATA_VTD_S1). */
static void invalidate_stage1(struct __test_metadata *_metadata, FIXTURE_DATA(nested) *self, uint16_t asid,
			      uint32_t hwpt)
{
	uint64_t cmd[1][2];
	uint32_t done;

	if (!self->smmu) {
		test_cmd_hwpt_invalidate_vtd_s1(hwpt, 0, UINT64_MAX);
		return;
	}
	lab_smmuv3_cmd_tlbi_nh_asid(cmd[0], asid);
	test_cmd_viommu_invalidate(self->viommu, cmd, 1, &done);
}

/*
 * Two devices on one nest parent, each with its own stage 1: on SMMUv3 its
 * own vSTE, CD and ASID on one vIOMMU; on VT-d its own nested HWPT (and so
 * its own domain ID) over the parent. After both stage-1 tables change,
 * invalidating one device's stage 1 makes that device use its new
 * translation; the other device's translations (old or new, both valid pages
 * of its own) are never lost or mixed with the first one's.
 */
TEST_F(nested, invalidating_one_asid_leaves_the_other)
{
	struct idev dev2 = IDEV_INIT;
	struct lab_s1pt t2;
	uint8_t *cd2mem = test_pages(_metadata, 1), *data2 = test_pages(_metadata, 2);
	uint64_t cd[8], ste[2];
	uint32_t vdev2, hwpt2;
	struct lab_dma_result r;
	const char *list = getenv("IOMMU_LAB_VFIO");
	char bdf[32];

	/* The fixture's device is the first of the variant's in the list. */
	if (lab_uengine_find(list, variant->ops, false, 1, bdf))
		SKIP(return, "a second %s function is not handed to vfio-pci (IOMMU_LAB_VFIO='%s')",
		     variant->ops->name, list ?: "");
	test_open_vfio(self->ifd, bdf, &dev2);
	test_open_engine(&dev2);
	test_need_writes(&dev2);
	/* Device 2: its own stage-1 tables in the second half of the pool and
	 * its own two data pages; IOVA_A -> its page 0. Its control memory
	 * (nvme) beside device 1's in the shared stage 2. SMMUv3: vSID + 1 and
	 * its own CD (ASID + 1). */
	if (dev2.eng.ctrl)
		ASSERT_OK(lab_uengine_ctrl_move(&dev2.eng, LAB_UENGINE_CTRL_IOVA_N(1)));
	test_cmd_ctrl_map(&dev2, self->ioas);
	test_map_each_page(_metadata, self->ifd, self->ioas, data2, 2, IPA_DATA + 8 * PG);
	ASSERT_EQ(0, lab_s1pt_init(&t2, self->smmu ? LAB_S1PT_ARM_VMSA : LAB_S1PT_INTEL_FS,
				   self->s1mem + NS1 / 2 * PG, IPA_S1 + NS1 / 2 * PG, NS1 / 2));
	ASSERT_EQ(0, lab_s1pt_map(&t2, IOVA_A, IPA_DATA + 8 * PG, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	ASSERT_EQ(0, s1_map_ctrl(&t2, &dev2));
	if (self->smmu) {
		test_cmd_ioas_map(self->ioas, cd2mem, PG, IPA_CD + PG, LAB_IOAS_READ);
		lab_smmuv3_cd(cd, ASID + 1, t2.root_ipa, self->s1.va_bits);
		memcpy(cd2mem, cd, sizeof(cd));
		test_cmd_vdevice_alloc(self->viommu, &dev2, VSID + 1, &vdev2);
		lab_smmuv3_vste(ste, LAB_STE_S1_TRANS, IPA_CD + PG);
		test_cmd_hwpt_alloc_vste(&dev2, self->viommu, ste, &hwpt2);
	} else {
		test_cmd_hwpt_alloc_vtd_s1(&dev2, self->s2_hwpt, t2.root_ipa, t2.va_bits, 0, &hwpt2);
	}
	test_cmd_attach(&dev2, LAB_NO_PASID, hwpt2);

	expect_lands(IOVA_A, 0, "device 1");
	test_cmd_dma_pair(&dev2, IOVA_A, PG, 0x71, LAB_NO_PASID, &r);
	ASSERT_EQ(LAB_DMA_OK, r.status);
	EXPECT_TRUE(lab_labdev_has_pattern(data2, PG, 0x71)) TH_LOG("device 2 before: not in its page 0");

	/* Both devices' IOVA_A move: device 1 to page 2, device 2 to its page 1. */
	ASSERT_EQ(0, lab_s1pt_unmap(&self->s1, IOVA_A, PG));
	ASSERT_EQ(0, lab_s1pt_map(&self->s1, IOVA_A, IPA_DATA + 2 * PG, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	ASSERT_EQ(0, lab_s1pt_unmap(&t2, IOVA_A, PG));
	ASSERT_EQ(0, lab_s1pt_map(&t2, IOVA_A, IPA_DATA + 9 * PG, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	invalidate_stage1(_metadata, self, ASID, self->nested_hwpt);
	expect_lands(IOVA_A, 2, "device 1 after its stage 1's invalidation");
	memset(data2, 0, 2 * PG);
	test_cmd_dma_pair(&dev2, IOVA_A, PG, 0x72, LAB_NO_PASID, &r);
	ASSERT_EQ(LAB_DMA_OK, r.status) TH_LOG("device 2 after the other stage 1's invalidation: %s",
						lab_dma_status_name(r.status));
	TH_LOG("device 2 after the other stage 1's invalidation: %s", lab_labdev_has_pattern(data2, PG, 0x72) ?
	       "its old translation (not invalidated)" : lab_labdev_has_pattern(data2 + PG, PG, 0x72) ?
	       "its new translation" : "neither of its pages");
	EXPECT_TRUE(lab_labdev_has_pattern(data2, PG, 0x72) || lab_labdev_has_pattern(data2 + PG, PG, 0x72));
	EXPECT_FALSE(lab_labdev_has_pattern(self->data + 2 * PG, PG, 0x72)) TH_LOG("device 2 wrote device 1's page");
	invalidate_stage1(_metadata, self, ASID + 1, hwpt2);
	memset(data2, 0, 2 * PG);
	test_cmd_dma_pair(&dev2, IOVA_A, PG, 0x73, LAB_NO_PASID, &r);
	EXPECT_EQ(LAB_DMA_OK, r.status);
	EXPECT_TRUE(lab_labdev_has_pattern(data2 + PG, PG, 0x73))
		TH_LOG("device 2 after its own invalidation: not in its page 1");
	test_close_idev(self->ifd, &dev2);
}

/*
 * MSIs enabled while nested, and the page of the host's MSI address (the
 * doorbell's IPA: iommufd maps the ITS page into the nest parent, stage 2,
 * at the software MSI window) into *doorbell. false: the test is skipped.
 */
static bool msi_enable_nested(struct __test_metadata *_metadata, FIXTURE_DATA(nested) *self, uint64_t *doorbell)
{
	uint64_t addr;
	int ret;

	ret = lab_uengine_irqs_open(&self->dev.eng, &self->irq);
	if (ret == -EOPNOTSUPP)
		SKIP(return false, "%s", self->dev.eng.why);
	ASSERT_EQ(0, ret) TH_LOG("eventfds: %s", strerror(-ret));
	test_cmd_msi_enable(&self->dev);
	/* MSI-X vectors share the doorbell (their data differs): vector 0's. */
	ret = self->irq.msix ? lab_vfio_pci_msix_address(&self->dev.pci, 0, &addr) :
			       lab_pci_msi_address(self->dev.pci.bdf, &addr);
	ASSERT_EQ(0, ret) TH_LOG("MSI address: %s", strerror(-ret));
	*doorbell = addr & ~(uint64_t)(PG - 1);
	TH_LOG("%s address %#llx", self->irq.msix ? "MSI-X vector 0" : "MSI", (unsigned long long)addr);
	return true;
}

/* Stage 1 maps the doorbell's IPA at the same IOVA, as a guest does for the
 * MSI window its firmware reserves (an IORT RMR), then TLBI_NH_VA. */
static void s1_map_doorbell(struct __test_metadata *_metadata, FIXTURE_DATA(nested) *self, uint64_t doorbell)
{
	uint64_t cmd[1][2];
	uint32_t done = 0;

	ASSERT_EQ(0, lab_s1pt_map(&self->s1, doorbell, doorbell, PG, LAB_S1PT_READ | LAB_S1PT_WRITE));
	lab_smmuv3_cmd_tlbi_nh_va(cmd[0], ASID, doorbell);
	test_cmd_viommu_invalidate(self->viommu, cmd, 1, &done);
}

/*
 * With stage 1 enabled, the device's MSI write is translated by stage 1
 * first, like any other write (IHI 0070 5.2: STE.Config names the stages
 * every transaction of the stream passes; an MSI is one): a stage 1
 * that does not map the doorbell IOVA loses every MSI, and the loss is not
 * silent: a stage-1 translation fault at the doorbell reaches the vEVENTQ.
 * Once stage 1 maps it (to the IPA where the host put the doorbell in stage
 * 2), all N arrive.
 */
TEST_F(nested, msis_need_the_doorbell_in_stage1)
{
	uint64_t doorbell, evt[4];
	uint32_t q, seq;
	int fd, ret;

	if (!self->smmu)
		SKIP(return, "VT-d: an MSI is an interrupt request, which DMA remapping (either stage) never "
		     "translates: no doorbell to map in stage 1");
	if (!msi_enable_nested(_metadata, self, &doorbell))
		return;
	test_cmd_veventq_alloc(self->viommu, 64, &q, &fd);
	expect_msis(1, 0, "stage 1 without the doorbell");
	ret = lab_veventq_read_smmuv3(fd, evt, &seq, LAB_FAULT_LOG_WAIT_MS);
	ASSERT_EQ(0, ret) TH_LOG("a lost MSI left no event in the vEVENTQ: %s", strerror(-ret));
	TH_LOG("vEVENTQ #%u: %#llx %#llx %#llx %#llx", seq, (unsigned long long)evt[0],
	       (unsigned long long)evt[1], (unsigned long long)evt[2], (unsigned long long)evt[3]);
	EXPECT_EQ(0x10u, evt[0] & 0xff);		/* F_TRANSLATION */
	EXPECT_EQ((uint64_t)VSID, evt[0] >> 32);
	EXPECT_EQ(0ull, evt[1] & (1ull << 39));	/* S2 = 0: stage 1 */
	EXPECT_EQ(doorbell, evt[2] & ~(uint64_t)(PG - 1)) TH_LOG("the fault is not at the doorbell IOVA");
	close(fd);
	s1_map_doorbell(_metadata, self, doorbell);
	expect_msis(N_MSI, N_MSI, "stage 1 maps the doorbell");
	expect_lands(IOVA_A, 0, "DMA beside the MSIs");
}

/*
 * MSIs through every stage transition of this file, the vector enabled once:
 * nested -> stage 2 only -> (SMMUv3: vSTE bypass -> vSTE abort) -> blocked ->
 * a stage-1-only domain (leaving nested) -> nested. SMMUv3: the MSI is a DMA
 * write to the ITS doorbell, which iommufd maps into each HWPT the device
 * joins and our stage 1 maps too: all N arrive wherever the doorbell is
 * reachable, none under abort or blocked (refused like any other write).
 * VT-d: DMA remapping never translates the interrupt range; interrupt
 * remapping delivers all N in every state, blocked too.
 */
TEST_F(nested, msis_through_every_stage_switch)
{
	uint32_t bypass, abort, ioas2, s1_hwpt;
	uint32_t blocked_msis = self->smmu ? 0 : N_MSI;	/* delivered while DMA is blocked */
	uint64_t doorbell;

	test_cmd_ioas_alloc(&ioas2);
	test_cmd_ctrl_map(&self->dev, ioas2);
	test_cmd_hwpt_alloc(&self->dev, ioas2, 0, &s1_hwpt);
	if (!msi_enable_nested(_metadata, self, &doorbell))
		return;
	if (self->smmu)
		s1_map_doorbell(_metadata, self, doorbell);
	expect_msis(N_MSI, N_MSI, "nested");
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->s2_hwpt);
	expect_msis(N_MSI, N_MSI, "stage 2 only");
	if (self->smmu) {
		ASSERT_EQ(0, nested_hwpt(self, LAB_STE_BYPASS, &bypass));
		ASSERT_EQ(0, nested_hwpt(self, LAB_STE_ABORT, &abort));
		test_cmd_attach(&self->dev, LAB_NO_PASID, bypass);
		expect_msis(N_MSI, N_MSI, "vSTE bypass");
		test_cmd_attach(&self->dev, LAB_NO_PASID, abort);
		if (msis_need_dma(&self->dev))
			TH_LOG_MSIS_NEED_DMA(&self->dev, "vSTE abort");
		else
			expect_msis(N_MSI, 0, "vSTE abort");
	}
	test_cmd_detach(&self->dev, LAB_NO_PASID);
	if (msis_need_dma(&self->dev))
		TH_LOG_MSIS_NEED_DMA(&self->dev, "blocked");
	else
		expect_msis(N_MSI, blocked_msis, "blocked");
	test_cmd_attach(&self->dev, LAB_NO_PASID, s1_hwpt);
	expect_msis(N_MSI, N_MSI, "stage-1-only domain");
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->nested_hwpt);
	expect_msis(N_MSI, N_MSI, "nested again");
	expect_lands(IOVA_B, 1, "nested again");
}

TEST_HARNESS_MAIN
