// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSIs raised by the device engine, counted by the module's handler: N
 * raised, N delivered, none extra, in each domain state the device goes
 * through, on every vector it has (nvme: MSI-X, one queue pair per vector;
 * none on the other vectors meanwhile). On x86 an MSI is an interrupt
 * request handled by interrupt remapping, whatever DMA domain is attached;
 * on Arm it is a DMA write to the interrupt controller's doorbell that the
 * SMMU translates, so the doorbell must be mapped in the attached domain.
 * docs/tests/testdev.md.
 */
#include <string.h>
#include "kselftest_harness.h"
#include "testdev_common.h"

#define N 20

TD_FIXTURE(msi, TD_DEVICE_VARIANTS)

/*
 * The time ITD_MSI gives all the MSIs of one call. One that should arrive
 * returns as soon as they all did: the bound only matters on a machine so
 * loaded that delivery takes seconds. One that should not is an absence
 * window: an MSI delivered later than that is not seen (it would be counted
 * by the next call): docs/tests/determinism.md.
 */
#define MSI_WAIT_MS 10000
#define MSI_SILENT_MS 200

/* ITD_MSI on one vector: 0 or -errno; what arrived there and elsewhere in *m. */
static int raise_msis(int fd, uint32_t vector, uint32_t count, uint32_t timeout_ms, struct itd_msi *m)
{
	*m = (struct itd_msi){ .size = sizeof(*m), .count = count, .timeout_ms = timeout_ms,
			       .vector = vector };
	return lab_td_ioctl(fd, ITD_MSI, m);
}

/* _count MSIs raised now on vector _v; _want of them delivered there (each at
 * most once), none on the other vectors. */
#define expect_msis_on(_v, _count, _want, _state)                                              \
	do {                                                                                   \
		struct itd_msi _m;                                                             \
		ASSERT_EQ(0, raise_msis(self->f.fd, _v, _count, (_want) ? MSI_WAIT_MS : MSI_SILENT_MS, &_m)); \
		EXPECT_EQ((uint32_t)(_want), _m.delivered)                                     \
			TH_LOG("%s, vector %u: %u MSIs raised, %u delivered, %u expected",     \
			       _state, (uint32_t)(_v), (uint32_t)(_count), _m.delivered,        \
			       (uint32_t)(_want));                                             \
		EXPECT_EQ(0u, _m.others) TH_LOG("%s, vector %u: %u interrupts on other vectors", \
						_state, (uint32_t)(_v), _m.others);            \
	} while (0)

/* The vectors the engine can raise: 1 for a plain MSI (a module that does
 * not say: the same). */
static uint32_t nvectors(const struct td_fixture *f)
{
	return f->info.msi_vectors ? f->info.msi_vectors : 1;
}

/* The same on every vector. */
#define expect_msis(_count, _want, _state)                                                     \
	do {                                                                                   \
		for (uint32_t _v = 0; _v < nvectors(&self->f); _v++)                           \
			expect_msis_on(_v, _count, _want, _state);                             \
	} while (0)

/* In the blocked state an engine that raises MSIs with commands it fetches by
 * DMA (nvme) cannot be asked to: the module refuses (ENOLINK) on every vector. */
#define expect_no_raise_while_blocked()                                                        \
	do {                                                                                   \
		struct itd_msi _m;                                                             \
		for (uint32_t _v = 0; _v < nvectors(&self->f); _v++) {                         \
			EXPECT_EQ(-ENOLINK, raise_msis(self->f.fd, _v, N, MSI_SILENT_MS, &_m)) \
				TH_LOG("blocked, vector %u", _v);                              \
		}                                                                              \
		TH_LOG("blocked: %s raises MSIs with commands it fetches by DMA: none raised", \
		       self->f.info.engine);                                                   \
	} while (0)

/* Some device DMA through the attached domain: a copy from IOVA_SRC to
 * IOVA_DST, or, by an engine that cannot copy, a device-to-memory transfer
 * to IOVA_DST. */
static int some_dma(struct td_fixture *f)
{
	if (td_caps(f) & ITD_ENGINE_CAP_COPY)
		return td_copy(f, IOVA_SRC, IOVA_DST, SZ_4K);
	return td_oneway(f, ITD_DMA_FROM_DEVICE, IOVA_DST, SZ_4K);
}

TEST_F(msi, delivered_exactly_once_in_the_default_domain)
{
	TH_LOG("%s: %u vector(s)", self->f.info.engine, nvectors(&self->f));
	expect_msis(1, 1, "default domain");
	expect_msis(N, N, "default domain");
}

/*
 * default -> test domain -> blocked -> test domain -> default, N MSIs in
 * each state, and DMA in the test domain on the way. Every state delivers
 * all N, except blocked on Arm: there an MSI is a DMA write like any other,
 * and a blocked function writes nothing (on x86 interrupt remapping handles
 * it whatever the DMA domain). The module's domains carry an MSI cookie at
 * the software MSI window, so on Arm the doorbell is mapped in them too.
 */
TEST_F(msi, delivered_in_every_domain_state)
{
	enum lab_iommu_type type = lab_pci_iommu_type(self->f.bdf);
	uint32_t dom, buf, blocked_n;

	if (type != LAB_IOMMU_VTD && type != LAB_IOMMU_SMMUV3)
		SKIP(return, "%s: behind %s: which states deliver MSIs is known for VT-d and SMMUv3 only",
		     self->f.bdf, lab_iommu_type_name(type));
	blocked_n = type == LAB_IOMMU_VTD ? N : 0;
	test_cmd_buf_alloc(2 * SZ_4K, 0, 0, &buf);
	test_cmd_copy_domain(0, &dom, buf, 0, buf, SZ_4K);
	expect_msis(N, N, "default");
	test_cmd_attach(dom);
	expect_msis(N, N, "test domain");
	ASSERT_EQ(ITD_DMA_OK, some_dma(&self->f));
	test_cmd_attach(ITD_DOMAIN_BLOCKED);
	if (td_blocked_issues_nothing(&self->f))
		expect_no_raise_while_blocked();
	else
		expect_msis(N, blocked_n, "blocked");
	test_cmd_attach(dom);
	expect_msis(N, N, "test domain again");
	test_cmd_attach(ITD_DOMAIN_DEFAULT);
	expect_msis(N, N, "default again");
}

/*
 * The RID in a test domain while PASID domains are attached at PASIDs 1..4
 * and detached, with a PASID-tagged copy in each: the RID's domain never
 * changes, so every batch delivers all N.
 */
TEST_F(msi, delivered_while_pasid_domains_come_and_go)
{
	uint32_t rid_dom, pasid_dom, buf;

	if (lab_pci_pasid_width(self->f.bdf) <= 0)
		SKIP(return, "%s (%s) has no PASID capability", self->f.bdf, variant->engine);
	if (self->f.info.max_pasids <= 4)
		SKIP(return, "%s: %u PASIDs usable (the test needs 5)%s", self->f.bdf, self->f.info.max_pasids,
		     lab_pci_iommu_type(self->f.bdf) == LAB_IOMMU_SMMUV3 ?
		     " behind this SMMUv3 (no substreams in use)" : "");
	test_cmd_buf_alloc(2 * SZ_4K, 0, 0, &buf);
	test_cmd_domain_alloc(0, &rid_dom);
	test_cmd_domain_alloc(ITD_DOMAIN_PASID, &pasid_dom);
	/* Both map the same pages at the same IOVAs. */
	test_cmd_map(rid_dom, IOVA_SRC, buf, 0, SZ_4K, ITD_MAP_READ);
	test_cmd_map(rid_dom, IOVA_DST, buf, SZ_4K, SZ_4K, RW);
	test_cmd_map(pasid_dom, IOVA_SRC, buf, 0, SZ_4K, ITD_MAP_READ);
	test_cmd_map(pasid_dom, IOVA_DST, buf, SZ_4K, SZ_4K, RW);
	test_cmd_attach(rid_dom);
	expect_msis(N, N, "RID in a test domain");
	for (uint32_t pasid = 1; pasid <= 4; pasid++) {
		char state[48];

		test_cmd_attach_pasid(pasid_dom, pasid);
		snprintf(state, sizeof(state), "PASID %u attached", pasid);
		expect_msis(N, N, state);
		test_cmd_copy_pasid(pasid, IOVA_SRC, IOVA_DST, SZ_4K);
		test_cmd_detach_pasid(pasid);
		snprintf(state, sizeof(state), "PASID %u detached", pasid);
		expect_msis(N, N, state);
	}
	test_cmd_copy(IOVA_SRC, IOVA_DST, SZ_4K);
}

/*
 * In a test domain, the interrupt side is no memory the device can write
 * data through and read back: labdev copies 16 bytes of a pattern there and
 * copies them back into a zeroed page, which must not receive the pattern.
 * VT-d: 0xFEEFFFF0 (remappable format, IRTE indexes 0x7fff and 0xffff,
 * unused by Linux: interrupt remapping faults the write). SMMUv3: the page
 * of the MSI address: the ITS translation frame ignores the write and reads
 * as zero (dma-iommu asks for a write-only mapping, but a stage-1
 * descriptor cannot say write-only, so the read is allowed). MSIs still
 * arrive afterwards. docs/msi.md.
 */
TEST_F(msi, interrupt_side_is_not_memory_in_a_test_domain)
{
	enum lab_iommu_type type = lab_pci_iommu_type(self->f.bdf);
	uint32_t dom, buf;
	uint64_t target;
	int st_write, st_read;

	if (!strcmp(variant->engine, "nvme"))
		SKIP(return, "nvme copies through its scratch LBAs, which keep the first copy's "
		     "pattern: a read that failed unreported would bring it back; no verdict on a round trip");
	if (strcmp(variant->engine, "labdev"))
		SKIP(return, "%s cannot report a failed read (it keeps its buffer): no verdict on a round trip",
		     variant->engine);
	if (type != LAB_IOMMU_VTD && type != LAB_IOMMU_SMMUV3)
		SKIP(return, "%s: behind %s: where the interrupt side is is known for VT-d and SMMUv3 only",
		     self->f.bdf, lab_iommu_type_name(type));
	test_cmd_buf_alloc(2 * SZ_4K, 0, 0, &buf);
	test_cmd_fill(buf, 0, SZ_4K, 0x5e);
	test_cmd_copy_domain(0, &dom, buf, 0, buf, SZ_4K);
	test_cmd_attach(dom);
	expect_msis(N, N, "test domain");
	ASSERT_EQ(0, lab_pci_interrupt_side(self->f.bdf, &target));
	st_write = td_copy(&self->f, IOVA_SRC, target, 16);
	st_read = td_copy(&self->f, target, IOVA_DST, 16);
	TH_LOG("%#llx: write %d, read back %d (0 OK, %d FAULT)", (unsigned long long)target, st_write, st_read,
	       ITD_DMA_FAULT);
	ASSERT_LE(0, st_write);
	ASSERT_LE(0, st_read);
	EXPECT_FALSE(st_write == ITD_DMA_OK && st_read == ITD_DMA_OK && !td_check(&self->f, buf, SZ_4K, 16, 0x5e, 0))
		TH_LOG("the pattern came back from %#llx: it acted as memory", (unsigned long long)target);
	expect_msis(N, N, "after");
}

TEST_HARNESS_MAIN
