/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The verbs of the iommufd test programs, in the shape of the kernel's
 * iommufd selftests: test_cmd_x(...) asserts that x succeeds,
 * test_err_x(errno, ...) expects it to fail with that errno, and
 * _test_cmd_x(ifd, ...) does it and returns 0 or -errno. A verb that is one
 * library call has no _test_cmd_ form of its own: lab_x() (lib/iommufd.h)
 * is it. The test_ forms act on the fixture's iommufd, self->ifd.
 *
 * A device is a struct idev: a PCI function bound to vfio-pci (its VFIO cdev
 * and its userspace DMA engine) or iommufd's mock PASID device (kernel
 * CONFIG_IOMMUFD_TEST). Attach, replace and detach, at the RID (LAB_NO_PASID)
 * or at a PASID, work on either; DMA needs the engine of a real one.
 *
 * A fixture that counts MSIs has `struct idev dev` (its engine raises them)
 * and `struct lab_uengine_irqs irq` (an eventfd per vector, which VFIO
 * signals: MSI vector 0, or the engine's MSI-X vectors).
 *
 * An engine with control memory (nvme: its queues) needs it mapped in every
 * IOAS whose HWPT the device is attached to (test_cmd_ctrl_map), and in
 * stage-1 tables a test builds (identity).
 */
#ifndef IOMMUFD_UTILS_H
#define IOMMUFD_UTILS_H

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "lab_iommufd.h"
#include "lab_engines.h"
#include "lab_results.h"
#include "vfio_setup.h"

/* _call (0 or -errno) succeeded / failed with _errno; a failure names the call. */
#define ASSERT_OK(_call)                                                                     \
	do {                                                                                 \
		int __ret = (_call);                                                         \
		ASSERT_EQ(0, __ret) TH_LOG("%s: %s", #_call, strerror(-__ret));              \
	} while (0)
#define EXPECT_ERR(_errno, _call)                                                            \
	do {                                                                                 \
		int __ret = (_call);                                                         \
		EXPECT_EQ(-(_errno), __ret) TH_LOG("%s: %s", #_call, strerror(-__ret));      \
	} while (0)

struct idev {
	uint32_t id;			/* its iommufd device id: HWPTs, vIOMMUs, vDEVICEs */
	bool mock;
	struct lab_vfio_pci pci;	/* VFIO: the function; fd -1 when not open */
	struct lab_uengine eng;		/* VFIO: its DMA engine; ops NULL when not open */
	uint32_t stdev_id;		/* mock: its name in IOMMU_TEST_CMD */
	uint32_t pasids[8];		/* mock: the PASIDs it is attached at */
	int npasids;
};
#define IDEV_INIT { .pci = { .fd = -1 } }

/* --- opening and closing a device ------------------------------------------- */

/* _bdf: the first function handed to vfio-pci (IOMMU_LAB_VFIO) that engine
 * _ops drives; SKIP when the run was handed none. */
#define test_find_vfio(_ops, _bdf)                                                           \
	do {                                                                                 \
		const char *__list = getenv("IOMMU_LAB_VFIO");                               \
		if (lab_uengine_find(__list, _ops, false, 0, _bdf))                          \
			SKIP(return, "no %s function handed to vfio-pci (iommu-lab run "     \
			     "--vfio BDF; IOMMU_LAB_VFIO='%s')", (_ops)->name, __list ?: "");  \
	} while (0)

/* _dev: BDF's function through its VFIO cdev bound to iommufd _ifd (BAR 0
 * mapped, bus mastering on). */
#define test_open_vfio(_ifd, _bdf, _dev)                                                     \
	do {                                                                                 \
		int __ret = lab_vfio_pci_open(_ifd, _bdf, &(_dev)->pci);                     \
		if (__ret == -EOPNOTSUPP)                                                    \
			SKIP(return, "built without the VFIO cdev uAPI");                    \
		ASSERT_EQ(0, __ret) TH_LOG("%s: VFIO cdev: %s", _bdf, strerror(-__ret));     \
		(_dev)->id = (_dev)->pci.dev_id;                                             \
	} while (0)

/* The userspace DMA engine of a function opened by test_open_vfio. */
#define test_open_engine(_dev)                                                               \
	do {                                                                                 \
		int __ret = lab_uengine_open(&(_dev)->pci, &(_dev)->eng);                    \
		ASSERT_EQ(0, __ret) TH_LOG("%s: engine: %s%s%s", (_dev)->pci.bdf,            \
					   strerror(-__ret), (_dev)->eng.why[0] ? ": " : "", \
					   (_dev)->eng.why);                                 \
	} while (0)

/* The engine's transfer granule (bytes); an engine that must first set its
 * device up (nvme) does it here, and says why it could not. */
#define test_cmd_engine_granule(_dev, _granule)                                              \
	do {                                                                                 \
		int __ret = lab_uengine_granule(&(_dev)->eng, _granule);                     \
		ASSERT_EQ(0, __ret) TH_LOG("%s: engine %s: %s%s%s", (_dev)->pci.bdf,         \
					   (_dev)->eng.ops->name, strerror(-__ret),          \
					   (_dev)->eng.why[0] ? ": " : "", (_dev)->eng.why); \
	} while (0)

/* The engine in the test's record: an emulator's own test device
 * ("emulated": edu, labdev), or a standard device ("device": nvme, a real
 * controller on a lab host, QEMU's own model in the testbed). */
#define test_record_engine(_dev)                                                             \
	lab_record_engine((_dev)->eng.ops->name,                                             \
			  (_dev)->eng.emulated ? LAB_ENGINE_EMULATED : LAB_ENGINE_DEVICE)

/* A function of engine OPS that the run handed to vfio-pci (SKIP when
 * there is none), opened on a new iommufd *_ifd as _dev with its engine
 * ready; _bdf (char[32]) gets its address. */
#define test_open_vfio_engine(_ifd, _dev, _ops, _bdf)                                        \
	do {                                                                                 \
		if (lab_uengine_find(getenv("IOMMU_LAB_VFIO"), _ops, false, 0, _bdf))       \
			SKIP(return, "no %s function handed to vfio-pci (iommu-lab run --vfio " \
			     "BDF; IOMMU_LAB_VFIO='%s')", (_ops)->name,                         \
			     getenv("IOMMU_LAB_VFIO") ?: "");                                   \
		test_open_iommufd(_ifd);                                                     \
		test_open_vfio(*(_ifd), _bdf, _dev);                                         \
		test_open_engine(_dev);                                                      \
	} while (0)

/* Copies and pairs write the device's media on an engine that has any
 * (nvme): only inside a scratch range the user named. */
#define test_need_writes(_dev)                                                               \
	do {                                                                                 \
		if (!lab_uengine_can_write(&(_dev)->eng))                                    \
			SKIP(return, "%s (%s): no scratch range for it: its copies and pairs "    \
			     "would write its media (iommu-lab run --nvme-scratch "              \
			     "[BDF@]NSID:LBA+COUNT; %s)", (_dev)->pci.bdf,                       \
			     (_dev)->eng.ops->name, LAB_NVME_SCRATCH_ENV);                       \
	} while (0)

/*
 * _dev: a mock device with a 20-bit PASID capability on iommufd _ifd. It comes
 * attached at its RID to the mock's own HWPT, which is not PASID-capable, and
 * iommufd attaches nothing at a PASID beside such a RID HWPT: its RID is moved
 * to a PASID-capable HWPT on a fresh IOAS.
 */
#define test_open_mock(_ifd, _dev)                                                           \
	do {                                                                                 \
		uint32_t __ioas, __rid_hwpt, __hwpt;                                         \
		int __ret;                                                                   \
		ASSERT_OK(lab_ioas_alloc(_ifd, &__ioas));                                    \
		__ret = lab_mock_pasid_device(_ifd, __ioas, &(_dev)->stdev_id, &__rid_hwpt,  \
					      &(_dev)->id);                                  \
		if (__ret == -EOPNOTSUPP)                                                    \
			SKIP(return, "built without the kernel tree's iommufd_test.h");      \
		if (__ret == -ENOTTY)                                                        \
			SKIP(return, "the kernel has no iommufd mock (CONFIG_IOMMUFD_TEST)"); \
		ASSERT_EQ(0, __ret) TH_LOG("mock PASID device: %s", strerror(-__ret));       \
		(_dev)->mock = true;                                                         \
		ASSERT_OK(lab_hwpt_alloc(_ifd, (_dev)->id, __ioas, LAB_HWPT_PASID, &__hwpt)); \
		ASSERT_OK(_test_cmd_attach(_ifd, _dev, LAB_NO_PASID, __hwpt));               \
	} while (0)

static inline void idev_track_pasid(struct idev *d, uint32_t pasid, bool attached)
{
	for (int i = 0; i < d->npasids; i++) {
		if (d->pasids[i] == pasid) {
			if (!attached)
				d->pasids[i] = d->pasids[--d->npasids];
			return;
		}
	}
	if (attached && d->npasids < (int)(sizeof(d->pasids) / sizeof(d->pasids[0])))
		d->pasids[d->npasids++] = pasid;
}

/*
 * Close what test_open_* opened; safe on a device never or half opened.
 * Closing a VFIO device unbinds it (VFIO detaches every PASID and the RID).
 * A mock device is destroyed with iommufd, and Linux 7.3 destroys it without
 * detaching its PASIDs (WARNINGs and leaked objects): they are detached here
 * (docs/tests/iommufd.md). iommufd itself is the caller's to close.
 */
static inline void test_close_idev(int ifd, struct idev *d)
{
	for (int i = 0; i < d->npasids; i++)
		lab_mock_detach(ifd, d->stdev_id, d->pasids[i]);
	d->npasids = 0;
	test_teardown_vfio_device(-1, &d->pci, &d->eng);
}

/* --- IOAS, HWPTs and attachment --------------------------------------------- */

#define test_cmd_ioas_alloc(_ioas) ASSERT_OK(lab_ioas_alloc(self->ifd, _ioas))
#define test_cmd_ioas_map(_ioas, _va, _len, _iova, _prot) \
	ASSERT_OK(lab_ioas_map(self->ifd, _ioas, _va, _len, _iova, _prot))
#define test_err_ioas_map(_errno, _ioas, _va, _len, _iova, _prot) \
	EXPECT_ERR(_errno, lab_ioas_map(self->ifd, _ioas, _va, _len, _iova, _prot))
#define test_cmd_ioas_unmap(_ioas, _iova, _len) ASSERT_OK(lab_ioas_unmap(self->ifd, _ioas, _iova, _len))
/* The engine's control memory into _ioas (nothing for an engine without). */
#define test_cmd_ctrl_map(_dev, _ioas) ASSERT_OK(lab_uengine_ctrl_map(&(_dev)->eng, self->ifd, _ioas))

/* A paging HWPT for _dev on an IOAS (or a nest parent); _flags LAB_HWPT_*. */
#define test_cmd_hwpt_alloc(_dev, _ioas, _flags, _hwpt) \
	ASSERT_OK(lab_hwpt_alloc(self->ifd, (_dev)->id, _ioas, _flags, _hwpt))
#define test_cmd_hw_info(_dev, _info) ASSERT_OK(lab_iommufd_hw_info_dev(self->ifd, (_dev)->id, _info))

/* pt_id at the RID (pasid LAB_NO_PASID) or at a PASID. Through VFIO, where
 * something is attached this replaces it; the mock's PASID attach refuses
 * (EBUSY) and has a replace of its own. */
static inline int _test_cmd_attach(int ifd, struct idev *d, uint32_t pasid, uint32_t pt_id)
{
	int ret;

	if (!d->mock)
		return lab_vfio_attach_pt(d->pci.fd, pasid, pt_id);
	ret = lab_mock_attach(ifd, d->stdev_id, pasid, pt_id, false);
	if (!ret && pasid != LAB_NO_PASID)
		idev_track_pasid(d, pasid, true);
	return ret;
}

static inline int _test_cmd_replace(int ifd, struct idev *d, uint32_t pasid, uint32_t pt_id)
{
	if (!d->mock)
		return lab_vfio_attach_pt(d->pci.fd, pasid, pt_id);
	return lab_mock_attach(ifd, d->stdev_id, pasid, pt_id, true);
}

static inline int _test_cmd_detach(int ifd, struct idev *d, uint32_t pasid)
{
	if (!d->mock)
		return lab_vfio_detach_pt(d->pci.fd, pasid);
	idev_track_pasid(d, pasid, false);
	return lab_mock_detach(ifd, d->stdev_id, pasid);
}

/* (Their logs name the PASID: LAB_NO_PASID, the RID, is 0xffffffff.) */
#define test_cmd_attach(_dev, _pasid, _pt) \
	ASSERT_EQ(0, _test_cmd_attach(self->ifd, _dev, _pasid, _pt)) TH_LOG("attach at PASID %#x", _pasid)
#define test_err_attach(_errno, _dev, _pasid, _pt) \
	EXPECT_EQ(-(_errno), _test_cmd_attach(self->ifd, _dev, _pasid, _pt))              \
		TH_LOG("attach at PASID %#x", _pasid)
#define test_cmd_replace(_dev, _pasid, _pt) \
	ASSERT_EQ(0, _test_cmd_replace(self->ifd, _dev, _pasid, _pt)) TH_LOG("replace at PASID %#x", _pasid)
#define test_cmd_detach(_dev, _pasid) \
	ASSERT_EQ(0, _test_cmd_detach(self->ifd, _dev, _pasid)) TH_LOG("detach at PASID %#x", _pasid)

/* --- nesting: vIOMMU, vDEVICE, nested HWPTs, invalidation, vEVENTQ ----------- */

/* An ARM SMMUv3 vIOMMU for _dev on a nest-parent HWPT. */
#define test_cmd_viommu_alloc(_dev, _parent, _viommu) \
	ASSERT_OK(lab_viommu_alloc(self->ifd, (_dev)->id, _parent, LAB_VIOMMU_ARM_SMMUV3, _viommu))
/* _dev's virtual ID (its vSID) on a vIOMMU. */
#define test_cmd_vdevice_alloc(_viommu, _dev, _virt_id, _vdev) \
	ASSERT_OK(lab_vdevice_alloc(self->ifd, _viommu, (_dev)->id, _virt_id, _vdev))
/* An SMMUv3 vIOMMU over the nest parent _s2 and _dev's vDEVICE at _vsid in
 * it; a SKIP when the kernel refuses the vIOMMU. */
#define test_cmd_smmuv3_viommu(_dev, _s2, _vsid, _viommu, _vdev)                            \
	do {                                                                                 \
		int _ret = lab_viommu_alloc(self->ifd, (_dev)->id, _s2, LAB_VIOMMU_ARM_SMMUV3,  \
					    _viommu);                                        \
		if (_ret == -EOPNOTSUPP)                                                     \
			SKIP(return, "the kernel refuses an SMMUv3 vIOMMU: it needs NESTING and "   \
			     "S2FWB or an IORT CANWBS root complex (stock QEMU has neither: the " \
			     "testbed's QEMU advertises S2FWB)");                              \
		ASSERT_EQ(0, _ret) TH_LOG("vIOMMU: %s", strerror(-_ret));                    \
		test_cmd_vdevice_alloc(*(_viommu), _dev, _vsid, _vdev);                       \
	} while (0)
/* A nested HWPT for _dev on a vIOMMU from an SMMUv3 vSTE. */
#define test_cmd_hwpt_alloc_vste(_dev, _viommu, _ste, _hwpt) \
	ASSERT_OK(lab_hwpt_alloc_smmuv3_nested(self->ifd, (_dev)->id, _viommu, _ste, _hwpt))
#define test_err_hwpt_alloc_vste(_errno, _dev, _viommu, _ste, _hwpt) \
	EXPECT_ERR(_errno, lab_hwpt_alloc_smmuv3_nested(self->ifd, (_dev)->id, _viommu, _ste, _hwpt))
/* A nested HWPT for _dev on a nest parent from VT-d first-stage tables. */
#define test_cmd_hwpt_alloc_vtd_s1(_dev, _parent, _pgtbl, _addr_width, _flags, _hwpt)              \
	ASSERT_OK(lab_hwpt_alloc_vtd_nested(self->ifd, (_dev)->id, _parent, _pgtbl, _addr_width, _flags, \
					    _hwpt))
#define test_cmd_hwpt_invalidate_vtd_s1(_hwpt, _addr, _npages) \
	ASSERT_OK(lab_hwpt_invalidate_vtd_s1(self->ifd, _hwpt, _addr, _npages))
/* SMMUv3 commands through the vIOMMU; *_done: how many the kernel handled. */
#define test_cmd_viommu_invalidate(_viommu, _cmds, _n, _done) \
	ASSERT_OK(lab_viommu_invalidate_smmuv3(self->ifd, _viommu, _cmds, _n, _done))
#define test_err_viommu_invalidate(_errno, _viommu, _cmds, _n, _done) \
	EXPECT_ERR(_errno, lab_viommu_invalidate_smmuv3(self->ifd, _viommu, _cmds, _n, _done))
#define test_cmd_veventq_alloc(_viommu, _depth, _veventq, _fd) \
	ASSERT_OK(lab_veventq_alloc_smmuv3(self->ifd, _viommu, _depth, _veventq, _fd))

/* --- DMA by the device's engine, and its MSIs ------------------------------- */

/* Copy len bytes from src to dst (IOVAs; pasid LAB_NO_PASID: untagged). The
 * mock does no DMA: -EOPNOTSUPP. */
static inline int _test_cmd_dma_copy(struct idev *d, uint64_t src, uint64_t dst, uint32_t len,
				     uint32_t pasid, struct lab_dma_result *r)
{
	return d->eng.ops ? lab_uengine_copy(&d->eng, src, dst, len, pasid, r) : -EOPNOTSUPP;
}

/* A DMA pair: the pattern for seed written at dst, read back and compared by
 * the device. */
static inline int _test_cmd_dma_pair(struct idev *d, uint64_t dst, uint32_t len, uint32_t seed,
				     uint32_t pasid, struct lab_dma_result *r)
{
	return d->eng.ops ? lab_uengine_pair(&d->eng, dst, len, seed, pasid, r) : -EOPNOTSUPP;
}

#define test_cmd_dma_copy(_dev, _src, _dst, _len, _pasid, _r) \
	ASSERT_OK(_test_cmd_dma_copy(_dev, _src, _dst, _len, _pasid, _r))
#define test_cmd_dma_pair(_dev, _dst, _len, _seed, _pasid, _r) \
	ASSERT_OK(_test_cmd_dma_pair(_dev, _dst, _len, _seed, _pasid, _r))

/* N zeroed 4 KiB pages of anonymous memory: a test's DMA targets and tables.
 * Zeroed, so touched before an IOAS pins them: a read-only pin of untouched
 * anonymous memory could pin the shared zero page. */
static inline void *test_pages(struct __test_metadata *_metadata, size_t n)
{
	void *p = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0, n * 4096);
	return p;
}

/* N pages at DATA in IOAS (of iommufd IFD) at IOVA, read-write, one mapping
 * per page: an IOAS unmap removes whole mappings only, so a test can take
 * one page away. */
static inline void test_map_each_page(struct __test_metadata *_metadata, int ifd, uint32_t ioas, uint8_t *data,
				      int n, uint64_t iova)
{
	for (int i = 0; i < n; i++)
		ASSERT_OK(lab_ioas_map(ifd, ioas, data + i * 4096, 4096, iova + i * 4096,
				       LAB_IOAS_READ | LAB_IOAS_WRITE));
}

/*
 * The nested tests' stage 2 in IOAS (of iommufd IFD): NDATA data pages at IPA_DATA
 * (test_map_each_page());
 * NS1 stage-1 table pages at IPA_S1 and one CD page at IPA_CD, with
 * TABLE_PROT: read-only where the IOMMU allows it (SMMUv3); Linux refuses a
 * read-only mapping in a VT-d nest parent (ERRATA_772415_SPR17, on every VT-d).
 */
static inline void test_map_stage2(struct __test_metadata *_metadata, int ifd, uint32_t ioas, uint8_t *data,
				   int ndata, uint64_t ipa_data, uint8_t *s1mem, int ns1, uint64_t ipa_s1,
				   uint8_t *cdmem, uint64_t ipa_cd, uint32_t table_prot)
{
	test_map_each_page(_metadata, ifd, ioas, data, ndata, ipa_data);
	ASSERT_OK(lab_ioas_map(ifd, ioas, s1mem, (size_t)ns1 * 4096, ipa_s1, table_prot));
	ASSERT_OK(lab_ioas_map(ifd, ioas, cdmem, 4096, ipa_cd, table_prot));
}

/*
 * A DMA pair of one 4 KiB page at IOVA, with a new seed, lands in page PAGE
 * of the NPAGES data pages at DATA (zeroed first) and in no other one.
 */
static inline void test_pair_lands_in_page(struct __test_metadata *_metadata, struct idev *dev, uint8_t *data,
					   int npages, uint64_t iova, int page, const char *step)
{
	static uint32_t seed = 0x1a4d0000;
	struct lab_dma_result r;

	memset(data, 0, (size_t)npages * 4096);
	seed++;
	test_cmd_dma_pair(dev, iova, 4096, seed, LAB_NO_PASID, &r);
	ASSERT_EQ(LAB_DMA_OK, r.status) TH_LOG("%s: DMA pair at %#llx: %s (fault at %#llx)", step,
					       (unsigned long long)iova, lab_dma_status_name(r.status),
					       (unsigned long long)r.fault_iova);
	for (int i = 0; i < npages; i++) {
		if (i == page) {
			EXPECT_TRUE(lab_labdev_has_pattern(data + i * 4096, 4096, seed))
				TH_LOG("%s: not in data page %d", step, page);
		} else {
			EXPECT_TRUE(lab_mem_is_zero(data + i * 4096, 4096))
				TH_LOG("%s: data page %d written too", step, i);
		}
	}
}

/*
 * The kernel-log record of the fault a DMA pair of one page at IOVA by DEV
 * caused, the pair issued after lab_kmsg_mark(MARK): the IOMMU driver logs
 * from its interrupt or event thread, after the pair returned, and
 * rate-limits its messages, so a record missing while a window of the limit
 * may have dropped it is looked for again after the same pair, in a fresh
 * window (lab_faults_wait_or_retry()); at most three pairs, each of which
 * must be refused. Its index in RECS (MAX of them).
 */
static inline int test_fault_logged(struct __test_metadata *_metadata, struct idev *dev,
				    struct lab_kmsg_mark *mark, uint64_t iova, struct lab_fault_rec *recs, int max)
{
	struct lab_dma_result r;
	int i = lab_faults_wait_or_retry(mark, recs, max, dev->pci.bdf, iova, -1, LAB_FAULT_LOG_WAIT_MS);

	for (int attempt = 1; attempt < 3 && i < 0; attempt++) {
		lab_kmsg_mark(mark);
		test_cmd_dma_pair(dev, iova, 4096, 1, LAB_NO_PASID, &r);
		ASSERT_TRUE(lab_dma_pair_blocked(&dev->eng, &r))
			TH_LOG("repeated at %#llx: %s", (unsigned long long)iova, lab_dma_status_name(r.status));
		i = (attempt < 2 ? lab_faults_wait_or_retry : lab_faults_wait)(mark, recs, max, dev->pci.bdf, iova,
									    -1, LAB_FAULT_LOG_WAIT_MS);
	}
	ASSERT_LE(0, i) TH_LOG("no fault logged for %#llx within %d ms, three times", (unsigned long long)iova,
			       LAB_FAULT_LOG_WAIT_MS);
	return i;
}

/* Every vector of self->irq signals its eventfd (VFIO_DEVICE_SET_IRQS). */
#define test_cmd_msi_enable(_dev) ASSERT_OK(lab_uengine_irqs_enable(&(_dev)->eng, &self->irq))

/*
 * How long to wait for each MSI: one that should arrive ends the wait as
 * soon as it does (the bound only matters on a machine so loaded that
 * delivery takes seconds); one that should not is an absence window, and an
 * MSI later than that is not seen (docs/tests/determinism.md).
 */
#define MSI_WAIT_MS 5000	/* for an MSI that should arrive */
#define MSI_SILENT_MS 100	/* for one that should not */

/* On each vector of self->irq in turn: _count MSIs raised now by self->dev,
 * _want of them delivered on that vector, none on any other. */
#define expect_msis(_count, _want, _state)                                                          \
	do {                                                                                        \
		uint32_t _w = (_want);                                                              \
		for (uint32_t _v = 0; _v < self->irq.n; _v++) {                                     \
			uint32_t _got[LAB_UENGINE_MAX_VECTORS] = { 0 };                             \
			int _r = lab_uengine_msis(&self->dev.eng, &self->irq, _v, _count,           \
						  _w ? MSI_WAIT_MS : MSI_SILENT_MS, _got);          \
			ASSERT_EQ(0, _r) TH_LOG("%s: vector %u: %s %s", _state, _v, strerror(-_r),  \
						self->dev.eng.why);                                 \
			for (uint32_t _i = 0; _i < self->irq.n; _i++) {                             \
				EXPECT_EQ(_i == _v ? _w : 0, _got[_i])                              \
					TH_LOG("%s: %u MSIs raised on vector %u: %u delivered on "  \
					       "vector %u, %u expected", _state, (uint32_t)(_count), \
					       _v, _got[_i], _i, _i == _v ? _w : 0);                \
			}                                                                           \
		}                                                                                   \
	} while (0)

/* For a device that sends an interrupt only by completing a command it
 * fetches by DMA (nvme), nothing can be asked of it where it reaches no
 * memory: such a step is logged, not run. */
#define msis_need_dma(_dev) ((_dev)->eng.ops->msi_needs_dma)
#define TH_LOG_MSIS_NEED_DMA(_dev, _state)                                                          \
	TH_LOG("%s: not checked: %s sends an interrupt only by completing a command it "          \
	       "fetches by DMA, which this state blocks", _state, (_dev)->eng.ops->name)

#endif
