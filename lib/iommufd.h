/* SPDX-License-Identifier: GPL-2.0-only */
/* iommufd and VFIO cdev helpers. */
#ifndef LAB_IOMMUFD_H
#define LAB_IOMMUFD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* True when built with iommufd uAPI headers (configure --with-uapi). */
int lab_iommufd_built(void);
/* True when those headers also have PASID HWPTs and VFIO attach at a PASID. */
int lab_iommufd_pasid_built(void);

/* Open /dev/iommu. fd or -errno. */
/* What a test needs of iommufd. */
enum lab_iommufd_need { LAB_NEED_IOMMUFD, LAB_NEED_PASID, LAB_NEED_VIOMMU };
/*
 * Why iommufd cannot serve a test that needs `need`, or NULL when it can:
 * the running kernel first (no /dev/iommu: iommufd not built in, a module
 * not loaded, with what the kernel shows of it), then this build's uAPI
 * headers. A static buffer, for a SKIP reason.
 */
const char *lab_iommufd_unusable(enum lab_iommufd_need need);
/* In a kselftest-harness test: SKIP with that reason when there is one
 * (the reason is looked up once). */
#define LAB_SKIP_UNLESS_IOMMUFD(_need)                                                       \
	do {                                                                                 \
		const char *_lab_why = lab_iommufd_unusable(_need);                          \
		if (_lab_why)                                                                \
			SKIP(return, "%s", _lab_why);                                        \
	} while (0)
int lab_iommufd_open(void);
/* One read() of an fd iommufd or VFIO signals on (a vEVENTQ, an MSI
 * eventfd) once it is readable within timeout_ms: the bytes read, -EAGAIN
 * when it did not become readable, or -errno. */
ssize_t lab_fd_read_within(int fd, void *buf, size_t len, int timeout_ms);
/* Open the VFIO cdev of PCI function BDF and bind it to IOMMUFD; returns the
 * device fd and stores the iommufd device id. -ENODEV: not bound to vfio-pci
 * with a cdev. */
int lab_vfio_cdev_bind(int iommufd, const char *bdf, uint32_t *dev_id);

struct lab_hw_info {
	uint32_t type;		/* IOMMU_HW_INFO_TYPE_* */
	int nregs;
	uint64_t regs[6];	/* VT-d: CAP, ECAP; SMMUv3: IDR0..5 */
	uint32_t flags;
	uint64_t out_capabilities;
	uint8_t max_pasid_log2;	/* valid when has_max_pasid */
	int has_max_pasid;	/* this build's headers know out_max_pasid_log2 */
};
/* IOMMU_GET_HW_INFO for BDF (bound to vfio-pci with a cdev). 0 or -errno;
 * -EOPNOTSUPP when built without the uAPI. */
int lab_iommufd_hw_info(const char *bdf, struct lab_hw_info *info);
/* The same for a device already bound to iommufd as dev_id. */
int lab_iommufd_hw_info_dev(int iommufd, uint32_t dev_id, struct lab_hw_info *info);
/* VT-d registers (CAP, ECAP) with ECAP.NEST (VT-d 11.4.3, bit 26): nested
 * translation. */
static inline bool lab_hw_info_vtd_nests(const struct lab_hw_info *info)
{
	return info->nregs == 2 && (info->regs[1] >> 26) & 1;
}

/*
 * IOAS, HWPT and VFIO-cdev attachment. Each returns 0 or -errno, and
 * -EOPNOTSUPP when this build's uAPI headers lack the command.
 */
#define LAB_NO_PASID 0xffffffffu	/* attach/detach at the RID */
#define LAB_IOAS_READ (1u << 0)
#define LAB_IOAS_WRITE (1u << 1)
#define LAB_HWPT_PASID (1u << 0)	/* the HWPT may be attached at PASIDs */
#define LAB_HWPT_NEST_PARENT (1u << 1)	/* a stage-2 HWPT that nested HWPTs and vIOMMUs build on */

int lab_ioas_alloc(int iommufd, uint32_t *ioas_id);
/* Map len bytes of the caller's memory at va to the fixed IOVA iova. */
int lab_ioas_map(int iommufd, uint32_t ioas_id, void *va, uint64_t len, uint64_t iova, uint32_t prot);
int lab_ioas_unmap(int iommufd, uint32_t ioas_id, uint64_t iova, uint64_t len);
/* IOMMU_HWPT_ALLOC of a paging HWPT on an IOAS for dev_id; flags LAB_HWPT_*. */
int lab_hwpt_alloc(int iommufd, uint32_t dev_id, uint32_t ioas_id, uint32_t flags, uint32_t *hwpt_id);
int lab_iommufd_destroy(int iommufd, uint32_t id);
/* VFIO_DEVICE_ATTACH_IOMMUFD_PT at the RID (pasid LAB_NO_PASID) or at a
 * PASID; attaching where something is attached replaces it. */
int lab_vfio_attach_pt(int devfd, uint32_t pasid, uint32_t pt_id);
int lab_vfio_detach_pt(int devfd, uint32_t pasid);

/*
 * Nesting: a vIOMMU on a nest-parent (stage-2) HWPT, a vDEVICE giving a
 * device its virtual ID (e.g. the vSID a guest's stage 1 names it by), nested
 * HWPTs from vendor data (SMMUv3: a vSTE), vIOMMU invalidation (vendor
 * commands) and vEVENTQ. 0 or -errno; -EOPNOTSUPP when the uAPI headers lack
 * them (lab_iommufd_viommu_built()).
 */
int lab_iommufd_viommu_built(void);
enum lab_viommu_type { LAB_VIOMMU_ARM_SMMUV3 = 1 };
int lab_viommu_alloc(int iommufd, uint32_t dev_id, uint32_t parent_hwpt_id, enum lab_viommu_type type,
		     uint32_t *viommu_id);
int lab_vdevice_alloc(int iommufd, uint32_t viommu_id, uint32_t dev_id, uint64_t virt_id, uint32_t *vdevice_id);
/* A nested HWPT on viommu_id (or a nest parent) from an SMMUv3 vSTE (two
 * little-endian qwords, IHI 0070 5.2 words 0-1). */
int lab_hwpt_alloc_smmuv3_nested(int iommufd, uint32_t dev_id, uint32_t viommu_id, const uint64_t ste[2],
				 uint32_t *hwpt_id);
/* A nested HWPT on a nest-parent HWPT from VT-d first-stage data
 * (IOMMU_HWPT_DATA_VTD_S1): the first-stage table at pgtbl_gpa, 48 or 57-bit
 * input, flags IOMMU_VTD_S1_* (0: user requests, no extended access);
 * hwpt_flags LAB_HWPT_PASID for one that may be attached at PASIDs. */
int lab_hwpt_alloc_vtd_nested_flags(int iommufd, uint32_t dev_id, uint32_t parent_hwpt_id, uint32_t hwpt_flags,
				    uint64_t pgtbl_gpa, uint32_t addr_width, uint64_t flags, uint32_t *hwpt_id);
static inline int lab_hwpt_alloc_vtd_nested(int iommufd, uint32_t dev_id, uint32_t parent_hwpt_id,
					    uint64_t pgtbl_gpa, uint32_t addr_width, uint64_t flags,
					    uint32_t *hwpt_id)
{
	return lab_hwpt_alloc_vtd_nested_flags(iommufd, dev_id, parent_hwpt_id, 0, pgtbl_gpa, addr_width, flags,
					       hwpt_id);
}
/* IOMMU_HWPT_INVALIDATE of a VT-d nested HWPT's first-stage translations for
 * [addr, addr + npages * 4 KiB) (npages UINT64_MAX: all). */
int lab_hwpt_invalidate_vtd_s1(int iommufd, uint32_t hwpt_id, uint64_t addr, uint64_t npages);
/* One VT-d first-stage invalidation entry as the uAPI has it (flags
 * IOMMU_VTD_INV_FLAGS_*; reserved must be 0: a test sets it as bad input). */
struct lab_vtd_s1_inv {
	uint64_t addr, npages;
	uint32_t flags, reserved;
};
/* n entries in one IOMMU_HWPT_INVALIDATE; *done (may be NULL): how many the
 * kernel handled, on failure the index of the entry it refused. */
int lab_hwpt_invalidate_vtd_s1_n(int iommufd, uint32_t hwpt_id, const struct lab_vtd_s1_inv *e, uint32_t n,
				 uint32_t *done);
/* IOMMU_HWPT_INVALIDATE of SMMUv3 commands (two qwords each) through the
 * vIOMMU; *done (may be NULL) is how many the kernel handled. */
int lab_viommu_invalidate_smmuv3(int iommufd, uint32_t viommu_id, const uint64_t (*cmds)[2], uint32_t n,
				 uint32_t *done);
/* A vEVENTQ: *fd is read() for events; depth is the queue length. */
int lab_veventq_alloc_smmuv3(int iommufd, uint32_t viommu_id, uint32_t depth, uint32_t *veventq_id, int *fd);
/* The next SMMUv3 event record (4 words, host-endian; word 0 carries the
 * vSID) within timeout_ms: 0, -EAGAIN (none came), or -errno. */
int lab_veventq_read_smmuv3(int fd, uint64_t evt[4], uint32_t *sequence, int timeout_ms);

#endif
