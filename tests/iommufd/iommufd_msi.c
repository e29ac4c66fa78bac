// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSIs of a VFIO device attached through iommufd, signalled on an eventfd
 * (VFIO_DEVICE_SET_IRQS) and counted: N raised, N delivered, none extra, in
 * every attach state the suite builds: an IOAS-backed HWPT, a replacement
 * HWPT, blocked (detached), and with PASID domains coming and going.
 *
 * x86 (VT-d): an MSI is a write to the interrupt range 0xFEEx_xxxx, which
 * DMA remapping never translates; interrupt remapping handles it, whatever
 * DMA domain the device has. Arm (SMMUv3): an MSI is a DMA write to the
 * GIC ITS doorbell like any other, so iommufd maps the doorbell page into
 * every HWPT the device uses, at the group's software MSI window, and a
 * blocked device sends none. docs/msi.md.
 *
 * Variants by engine: labdev and edu raise MSI vector 0 through a register;
 * nvme (any NVMe controller) raises each of 4 MSI-X vectors by completing a
 * command on that vector's queue, so every count is N/N per vector with none
 * on the others, and a state where the device reaches no memory (blocked)
 * cannot be asked for an interrupt at all: that step is logged, not run.
 * nvme's copies need a scratch range; without one the DMA checks are reads
 * of its reference data, which never write the media.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "lab_platform.h"
#include "iommufd_utils.h"
#include "lab_results.h"

#define PG 4096u
#define N 20
#define IOVA_BUF 0x20000000ull		/* src page, dst page */

FIXTURE(msi) {
	int ifd;
	struct lab_uengine_irqs irq;
	struct idev dev;
	bool translated;		/* MSIs are DMA through the IOMMU (Arm) */
	uint32_t ioas, hwpt[2];
	uint8_t *buf;
};
FIXTURE_VARIANT(msi) { const struct lab_uengine_ops *ops; };
FIXTURE_VARIANT_ADD(msi, labdev) { .ops = &lab_uengine_labdev };
FIXTURE_VARIANT_ADD(msi, edu) { .ops = &lab_uengine_edu };
FIXTURE_VARIANT_ADD(msi, nvme) { .ops = &lab_uengine_nvme };

FIXTURE_SETUP(msi)
{
	enum lab_iommu_type type;
	char bdf[32];
	int ret;

	self->ifd = -1;
	self->dev.pci.fd = -1;
	LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_IOMMUFD);
	test_find_vfio(variant->ops, bdf);
	type = lab_pci_iommu_type(bdf);
	if (type != LAB_IOMMU_VTD && type != LAB_IOMMU_SMMUV3)
		SKIP(return, "%s: behind %s: which states deliver MSIs is known for VT-d and SMMUv3 only", bdf,
		     lab_iommu_type_name(type));
	self->translated = type == LAB_IOMMU_SMMUV3;
	test_open_iommufd(&self->ifd);
	test_open_vfio(self->ifd, bdf, &self->dev);
	test_open_engine(&self->dev);
	test_record_engine(&self->dev);
	ret = lab_uengine_irqs_open(&self->dev.eng, &self->irq);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "%s", self->dev.eng.why);
	ASSERT_EQ(0, ret) TH_LOG("eventfds: %s", strerror(-ret));
	self->buf = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	memset(self->buf, 0, 2 * PG);
	test_cmd_ioas_alloc(&self->ioas);
	test_cmd_ioas_map(self->ioas, self->buf, 2 * PG, IOVA_BUF, LAB_IOAS_READ | LAB_IOAS_WRITE);
	test_cmd_ctrl_map(&self->dev, self->ioas);
	/* Two domains on one IOAS: the same mappings, different page tables. */
	for (int i = 0; i < 2; i++)
		test_cmd_hwpt_alloc(&self->dev, self->ioas, 0, &self->hwpt[i]);
}

FIXTURE_TEARDOWN(msi)
{
	if (self->dev.pci.fd >= 0 && self->dev.eng.ops && self->irq.n)
		lab_uengine_irqs_disable(&self->dev.eng, &self->irq);
	test_close_idev(self->ifd, &self->dev);
	if (self->ifd >= 0)
		close(self->ifd);
	lab_uengine_irqs_close(&self->irq);
	if (self->buf && self->buf != MAP_FAILED)
		munmap(self->buf, 2 * PG);
}

/*
 * A read of the device's reference data into the second page, twice, each
 * time over another poison: both land and agree (had one not landed, its
 * poison would show), whatever the data (a blank disk reads zeros).
 */
static void expect_read(struct __test_metadata *_metadata, FIXTURE_DATA(msi) *self, uint32_t pasid,
			const char *state)
{
	struct lab_dma_result r;

	for (int i = 0; i < 2; i++) {
		memset(self->buf + PG, i ? 0xa5 : 0x5a, PG);
		ASSERT_OK(lab_uengine_read(&self->dev.eng, IOVA_BUF + PG, PG, pasid, &r));
		ASSERT_EQ(LAB_DMA_OK, r.status) TH_LOG("%s: read %s %s", state, lab_dma_status_name(r.status),
						       self->dev.eng.why);
		if (!i)
			memcpy(self->buf, self->buf + PG, PG);
	}
	EXPECT_EQ(0, memcmp(self->buf, self->buf + PG, PG)) TH_LOG("%s: a read did not land", state);
}

/* A copy by the device from the first page to the second, at the RID or a
 * PASID (a read where the engine may not write: nvme without scratch). */
static void expect_dma(struct __test_metadata *_metadata, FIXTURE_DATA(msi) *self, uint32_t pasid,
		       const char *state)
{
	static uint8_t fill = 0x30;
	struct lab_dma_result r;

	if (!lab_uengine_can_write(&self->dev.eng)) {
		expect_read(_metadata, self, pasid, state);
		return;
	}
	memset(self->buf, ++fill, PG);
	memset(self->buf + PG, 0, PG);
	test_cmd_dma_copy(&self->dev, IOVA_BUF, IOVA_BUF + PG, PG, pasid, &r);
	ASSERT_EQ(LAB_DMA_OK, r.status) TH_LOG("%s: copy %s", state, lab_dma_status_name(r.status));
	EXPECT_EQ(0, memcmp(self->buf, self->buf + PG, PG)) TH_LOG("%s: the copy did not land", state);
}

TEST_F(msi, delivered_exactly_once_on_an_ioas_hwpt)
{
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->hwpt[0]);
	test_cmd_msi_enable(&self->dev);
	expect_msis(1, 1, "IOAS HWPT");
	expect_msis(N, N, "IOAS HWPT");
	expect_dma(_metadata, self, LAB_NO_PASID, "IOAS HWPT");
}

/*
 * HWPT 0 -> HWPT 1 (atomic replace) -> blocked (detached) -> HWPT 0, N MSIs
 * in each state, the vector enabled once at the start. Blocked delivers none
 * on Arm (the doorbell write is DMA, and a blocked device issues none);
 * after re-attaching, iommufd maps the doorbell into the HWPT again.
 */
TEST_F(msi, delivered_in_every_attach_state)
{
	uint32_t blocked_n = self->translated ? 0 : N;

	test_cmd_attach(&self->dev, LAB_NO_PASID, self->hwpt[0]);
	test_cmd_msi_enable(&self->dev);
	expect_msis(N, N, "HWPT 0");
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->hwpt[1]);
	expect_msis(N, N, "HWPT 1 (replaced)");
	expect_dma(_metadata, self, LAB_NO_PASID, "HWPT 1");
	test_cmd_detach(&self->dev, LAB_NO_PASID);
	if (msis_need_dma(&self->dev))
		TH_LOG_MSIS_NEED_DMA(&self->dev, "blocked");
	else
		expect_msis(N, blocked_n, "blocked");
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->hwpt[0]);
	expect_msis(N, N, "HWPT 0 again");
	expect_dma(_metadata, self, LAB_NO_PASID, "HWPT 0 again");
}

/*
 * MSIs at the RID while PASID domains are attached at PASIDs 1..4 and
 * detached again, with a PASID-tagged copy in each; the RID's domain never
 * changes, so every batch delivers all N.
 */
TEST_F(msi, unaffected_by_pasid_attach_and_detach)
{
	struct lab_hw_info hw;
	uint32_t rid_hwpt, pasid_hwpt;

	LAB_SKIP_UNLESS_IOMMUFD(LAB_NEED_PASID);
	if (lab_pci_pasid_width(self->dev.pci.bdf) <= 0)
		SKIP(return, "%s (%s) has no PASID capability", self->dev.pci.bdf, self->dev.eng.ops->name);
	test_cmd_hw_info(&self->dev, &hw);
	if (!hw.has_max_pasid || !hw.max_pasid_log2)
		SKIP(return, "%s: iommufd reports no PASIDs for it%s", self->dev.pci.bdf, self->translated ?
		     " behind this SMMUv3 (no substreams in use)" : "");
	/* Only a PASID-capable RID HWPT lets PASIDs be attached beside it. */
	test_cmd_hwpt_alloc(&self->dev, self->ioas, LAB_HWPT_PASID, &rid_hwpt);
	test_cmd_hwpt_alloc(&self->dev, self->ioas, LAB_HWPT_PASID, &pasid_hwpt);
	test_cmd_attach(&self->dev, LAB_NO_PASID, rid_hwpt);
	test_cmd_msi_enable(&self->dev);
	expect_msis(N, N, "RID only");
	for (uint32_t pasid = 1; pasid <= 4; pasid++) {
		char state[48];

		test_cmd_attach(&self->dev, pasid, pasid_hwpt);
		snprintf(state, sizeof(state), "PASID %u attached", pasid);
		expect_msis(N, N, state);
		expect_dma(_metadata, self, pasid, state);
		test_cmd_detach(&self->dev, pasid);
		snprintf(state, sizeof(state), "PASID %u detached", pasid);
		expect_msis(N, N, state);
	}
	expect_dma(_metadata, self, LAB_NO_PASID, "RID after the PASIDs");
}

/*
 * Where the device's MSIs go, read from its real config space (sysfs, not
 * VFIO's virtual view) and from the vector's irq chip: on VT-d the address
 * is in the interrupt range in remappable format (VT-d 5.1.2.2: bit 4
 * Interrupt Format = 1) and the chip is interrupt remapping's; on SMMUv3 the
 * address is an IOVA inside the group's software MSI window, not the ITS's
 * physical address.
 */
TEST_F(msi, address_is_remappable_or_in_the_msi_window)
{
	const char *bdf = self->dev.pci.bdf;
	struct lab_resv_region r[8];
	uint64_t addr;
	char chip[96] = "";
	int n = 0, ret, i;

	test_cmd_attach(&self->dev, LAB_NO_PASID, self->hwpt[0]);
	test_cmd_msi_enable(&self->dev);
	ASSERT_EQ(0, lab_pci_msi_chip(bdf, chip, sizeof(chip)));
	if (self->translated) {
		n = lab_pci_resv_regions(bdf, r, 8);
		ASSERT_LT(0, n);
	}
	for (uint32_t v = 0; v < self->irq.n; v++) {
		/* MSI-X: the table entry in the BAR; MSI: the capability. */
		ret = self->irq.msix ? lab_vfio_pci_msix_address(&self->dev.pci, v, &addr) :
				       lab_pci_msi_address(bdf, &addr);
		ASSERT_EQ(0, ret) TH_LOG("%s: vector %u's address: %s", bdf, v, strerror(-ret));
		TH_LOG("%s: %s vector %u address %#llx, irq chip %s", bdf, self->irq.msix ? "MSI-X" : "MSI", v,
		       (unsigned long long)addr, chip);
		if (!self->translated) {
			EXPECT_EQ(0xfeeull, addr >> 20) TH_LOG("vector %u: not in the interrupt range", v);
			EXPECT_TRUE(addr & 0x10) TH_LOG("vector %u: compatibility format: not remapped", v);
			continue;
		}
		for (i = 0; i < n; i++)
			if (!strcmp(r[i].type, "msi") && addr >= r[i].start && addr <= r[i].end)
				break;
		EXPECT_LT(i, n) TH_LOG("vector %u: %#llx is outside every msi reserved region of the group", v,
				       (unsigned long long)addr);
	}
	if (!self->translated) {
		EXPECT_EQ(0, strncmp(chip, "IR-", 3)) TH_LOG("irq chip %s is not interrupt remapping's", chip);
		expect_msis(N, N, "remapped");
		return;
	}
	expect_msis(N, N, "through the doorbell mapping");
}

/*
 * A DMA write aimed at the interrupt side is not memory: a 16-byte DMA pair
 * (write, read back, compare) there must not round-trip, and it must not
 * raise our MSI. VT-d: the top of the interrupt range in remappable format
 * (IRTE indexes 0x7fff and 0xffff, which Linux leaves unused, so interrupt
 * remapping faults the writes: VT-d 3.14, 5.1). SMMUv3: the doorbell page
 * iommufd mapped at the MSI window, away from GITS_TRANSLATER (offset 0x40):
 * the rest of the ITS translation frame is reserved, and reads as zero.
 */
TEST_F(msi, dma_aimed_at_the_interrupt_side_is_not_memory)
{
	struct lab_dma_result r;
	uint64_t target;
	uint32_t granule;
	int64_t got;

	if (!self->dev.eng.ops->pair_start)
		SKIP(return, "%s cannot write and verify by itself (no DMA pair)", self->dev.eng.ops->name);
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->hwpt[0]);
	test_cmd_engine_granule(&self->dev, &granule);
	if (granule > 16)
		SKIP(return, "%s (%s): its smallest write is %u bytes: aimed at the interrupt side it would "
		     "cover live interrupt entries too, not only the 16 unused bytes the test may hit",
		     self->dev.pci.bdf, self->dev.eng.ops->name, granule);
	test_need_writes(&self->dev);
	test_cmd_msi_enable(&self->dev);
	expect_msis(1, 1, "before");
	ASSERT_EQ(0, lab_pci_interrupt_side(self->dev.pci.bdf, &target));
	test_cmd_dma_pair(&self->dev, target, 16, 0x1e57, LAB_NO_PASID, &r);
	TH_LOG("DMA pair at %#llx: %s%s", (unsigned long long)target, lab_dma_status_name(r.status),
	       r.status == LAB_DMA_FAULT ? (r.fault_write ? " (on the write)" : " (on the read)") : "");
	EXPECT_NE(LAB_DMA_OK, r.status) TH_LOG("the device read back what it wrote: memory at %#llx",
					       (unsigned long long)target);
	EXPECT_NE(LAB_DMA_BAD_REQUEST, r.status);
	lab_record_metric("interrupt_side_write_faulted", r.status == LAB_DMA_FAULT && r.fault_write, "bool");
	got = lab_eventfd_take(self->irq.efd[0], MSI_SILENT_MS);
	EXPECT_EQ(0, got) TH_LOG("the DMA raised %lld MSIs", (long long)got);
	expect_msis(N, N, "after");
}

/*
 * Enabling MSIs on a detached (blocked) device: on x86 it works as
 * anywhere. On Arm there is no domain to map the doorbell in and the kernel
 * must refuse (iommu_dma_prepare_msi() on a blocked domain), not hand out a
 * vector whose writes go nowhere; once attached, enabling must work again.
 * Linux 7.3 refuses, but its GICv3 ITS keeps the event it allocated before
 * the refusal (its_irq_domain_alloc()), so the function can never enable
 * MSIs again until its ITS device is gone, and unbinding its driver WARNs:
 * on Arm this runs only on a machine the user calls disposable (the testbed
 * guests), and last in this file. docs/msi.md.
 */
TEST_F(msi, enabling_while_blocked)
{
	int ret;

	if (self->translated && !getenv("IOMMU_LAB_DISPOSABLE"))
		SKIP(return, "Arm: on kernels with the ITS event leak this leaves %s without MSIs until reboot; "
		     "runs only with iommu-lab run --disposable", self->dev.pci.bdf);
	ret = lab_uengine_irqs_enable(&self->dev.eng, &self->irq);
	if (!self->translated) {
		ASSERT_EQ(0, ret) TH_LOG("MSI enable while blocked: %s", strerror(-ret));
		if (!msis_need_dma(&self->dev)) {
			expect_msis(N, N, "blocked, x86");
			return;
		}
		/* Enabled while blocked; the device can be asked once attached. */
		TH_LOG_MSIS_NEED_DMA(&self->dev, "blocked, x86");
		test_cmd_attach(&self->dev, LAB_NO_PASID, self->hwpt[0]);
		expect_msis(N, N, "attached after enabling while blocked, x86");
		return;
	}
	EXPECT_NE(0, ret) TH_LOG("Arm: MSIs enabled on a blocked device; their doorbell is mapped nowhere");
	TH_LOG("Arm: MSI enable while blocked: %s", ret ? strerror(-ret) : "accepted");
	if (!ret && msis_need_dma(&self->dev))
		TH_LOG_MSIS_NEED_DMA(&self->dev, "blocked, Arm");
	else if (!ret)
		expect_msis(N, 0, "blocked, Arm");
	test_cmd_attach(&self->dev, LAB_NO_PASID, self->hwpt[0]);
	lab_uengine_irqs_disable(&self->dev.eng, &self->irq);
	test_cmd_msi_enable(&self->dev);
	expect_msis(N, N, "attached");
}

TEST_HARNESS_MAIN
