/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Platform discovery: IOMMU instances (sysfs class "iommu"), their capability
 * registers where the kernel exposes them, PCI functions (libpci) with their
 * driver, IOMMU group, default domain type and PASID/ATS/PRI/ACS capabilities.
 */
#ifndef LAB_DISCOVER_H
#define LAB_DISCOVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum lab_iommu_type { LAB_IOMMU_UNKNOWN, LAB_IOMMU_VTD, LAB_IOMMU_SMMUV3, LAB_IOMMU_AMDVI,
		      LAB_IOMMU_VIRTIO, LAB_IOMMU_MOCK /* iommufd selftest (IOMMUFD_TEST) */ };
const char *lab_iommu_type_name(enum lab_iommu_type t);	/* "vtd", "smmuv3", ... */
/* The type of the IOMMU instance /sys/class/iommu/NAME. */
enum lab_iommu_type lab_iommu_type_of(const char *name);
/* The type of the IOMMU PCI function BDF sits behind; LAB_IOMMU_UNKNOWN if none. */
enum lab_iommu_type lab_pci_iommu_type(const char *bdf);
/* The Max PASID Width of BDF's PCIe PASID capability, read from its sysfs
 * config space (needs root); 0 without the capability; -errno. */
int lab_pci_pasid_width(const char *bdf);
/* The address BDF's MSI capability holds now (what the device writes to
 * signal vector 0), read from its sysfs config space (needs root; under VFIO
 * this is the host's programming, not the user's virtual view). 0, -ENOENT
 * without an MSI capability, -ENODATA while MSI is disabled, or -errno. */
int lab_pci_msi_address(const char *bdf, uint64_t *addr);
/* The irq chip of BDF's first MSI vector (/sys/kernel/irq/N/chip_name, e.g.
 * "IR-PCI-MSI-0000:00:13.0" behind interrupt remapping) into buf. 0 or -errno
 * (-ENOENT: no MSI vector allocated). */
int lab_pci_msi_chip(const char *bdf, char *buf, size_t len);
/* Where a DMA aimed at BDF's interrupt side goes (docs/msi.md): behind
 * VT-d, 0xFEEFFFF0, the top of the interrupt range in remappable format with
 * IRTE indexes 0x7fff and 0xffff, which Linux leaves unused (so interrupt
 * remapping faults writes there); behind SMMUv3, the page of the device's
 * MSI address (the doorbell mapping; MSI must be enabled). 0, -ENODATA (MSI
 * disabled), -EOPNOTSUPP behind any other IOMMU, or -errno. */
int lab_pci_interrupt_side(const char *bdf, uint64_t *addr);

#define LAB_MAX_REGS 6

struct lab_iommu {
	char name[96];			/* /sys/class/iommu/<name> */
	enum lab_iommu_type type;
	int nregs;			/* 0: registers unavailable */
	uint64_t regs[LAB_MAX_REGS];	/* VT-d: CAP, ECAP; SMMUv3: IDR0..5 */
	char regs_source[32];		/* "sysfs", "iommufd GET_HW_INFO via BDF" */
	char regs_why[192];		/* why nregs == 0 */
	int ndevices;
};

struct lab_resv_region {
	uint64_t start, end;
	char type[24];			/* "msi", "direct", "reserved", ... */
};

/* Walk a space-separated list of PCI addresses ($IOMMU_LAB_VFIO,
 * $IOMMU_LAB_TESTDEV): for (const char *p = list; lab_bdf_next(&p, bdf);).
 * *pos may be NULL (an unset variable): no entries. */
bool lab_bdf_next(const char **pos, char bdf[32]);
/* BDF's vendor and device ID, from sysfs. 0 or -errno. */
int lab_pci_ids(const char *bdf, uint16_t *vendor, uint16_t *device);
/* The reserved regions of BDF's IOMMU group (at most max): how many, or
 * -ENOENT when it has no group. */
int lab_pci_resv_regions(const char *bdf, struct lab_resv_region *r, int max);

struct lab_pci_dev {
	char bdf[16];
	uint16_t vendor, device;
	uint32_t class;
	char driver[48];		/* "" when unbound */
	int group;			/* -1: no IOMMU group */
	int group_devices;		/* functions in that group, this one included */
	char group_type[24];		/* default domain: DMA, DMA-FQ, identity, ... */
	char iommu[96];			/* IOMMU instance name, "" if none */
	char vfio_cdev[32];		/* "vfio0" when bound to vfio-pci with a cdev */
	bool has_pasid, pasid_exec, pasid_priv, pasid_enabled;
	unsigned int pasid_width;	/* Max PASID Width, bits */
	bool has_ats, ats_enabled;
	unsigned int ats_stu;
	bool has_pri, pri_enabled;
	bool has_acs;
	uint16_t acs_cap, acs_ctrl;
	int msix_vectors;		/* MSI-X Table Size + 1; 0: no MSI-X (or not root) */
	int nresv;
	struct lab_resv_region resv[8];	/* the group's reserved regions */
};

struct lab_platform {
	char arch[16];
	char kernel[64];
	char id[48];			/* "<arch>-<iommu type>", e.g. "x86_64-vtd" */
	bool iommufd;			/* /dev/iommu exists */
	bool ext_caps_readable;		/* root: PCIe extended capabilities could be read */
	int niommus;
	struct lab_iommu *iommus;
	int ndevs;
	struct lab_pci_dev *devs;
};

/* 0 or -errno. lab_platform_free() in every case. */
int lab_discover(struct lab_platform *p);
void lab_platform_free(struct lab_platform *p);
struct lab_pci_dev *lab_find_dev(struct lab_platform *p, const char *bdf);
struct lab_iommu *lab_find_iommu(struct lab_platform *p, const char *name);
/* The platform's IOMMU type: the first instance that is not the iommufd
 * selftest mock; LAB_IOMMU_UNKNOWN if none. */
enum lab_iommu_type lab_platform_iommu_type(const struct lab_platform *p);
/* (The report `iommu-lab discover` prints is tools/discover_report.h.) */

/*
 * NVMe functions (lib/discover_nvme.c): what the kernel's nvme driver shows of
 * a function's namespaces, and who uses them. The runner refuses to take a
 * function whose namespaces are in use (scripts/lib/nvme.sh, docs/nvme.md).
 */
#define LAB_PCI_CLASS_NVME 0x010802	/* mass storage, NVM, NVM Express I/O */

struct lab_nvme_ns {
	char name[32];			/* block device: nvme0n1 (the multipath head where there is one) */
	uint32_t nsid;
	uint32_t lba_size;		/* bytes (queue/logical_block_size) */
	uint64_t lbas;			/* the namespace's size in LBAs */
	char dev[16];			/* "major:minor" */
};

/* Whether BDF's class code is NVMe's. */
bool lab_pci_is_nvme(const char *bdf);
/* The namespaces the nvme driver shows for BDF, by NSID (at most max): how
 * many; 0 when it shows none (no driver bound, or another driver); -errno. */
int lab_nvme_namespaces(const char *bdf, struct lab_nvme_ns *ns, int max);
/* The model the nvme driver read from BDF's Identify Controller data into
 * buf. 0, or -errno (-ENOENT: the nvme driver does not hold BDF). */
int lab_nvme_model(const char *bdf, char *buf, size_t len);
/*
 * Every use of block device NAME (e.g. nvme0n1) and of its partitions that
 * taking the device away would break, each as a sentence naming the user
 * ("nvme0n1p1 is mounted on /mnt (ext4)", "nvme0n1 is open by pid 812
 * (fio)"), passed to fn: mounts (/proc/self/mountinfo, by major:minor or
 * source), holders (device-mapper, RAID, LVM: /sys/class/block/X/holders),
 * active swap (/proc/swaps), loop devices backed by it, members of a mounted
 * btrfs, open file descriptors of any process (/proc/PID/fd), and on the
 * real root any exclusive claim by the kernel (an O_EXCL open fails). The
 * number of uses, or -errno.
 */
int lab_blockdev_uses(const char *name, void (*fn)(void *ctx, const char *use), void *ctx);

/* A register of VT-d unit IOMMU as the intel-iommu debugfs file
 * iommu/intel/iommu_regset shows it (NAME as printed there, e.g. "GSTS").
 * 0, -ENOENT (debugfs or CONFIG_INTEL_IOMMU_DEBUGFS missing, or no such
 * register), -EACCES (not root) or another -errno. */
int lab_vtd_debugfs_reg(const char *iommu, const char *name, uint64_t *val);
/* The scalable-mode PASID-table entry (val[0] is bits 63:0) that VT-d uses for
 * BDF's DMA tagged with PASID, from debugfs dmar_translation_struct (present
 * entries only). -ENOENT: no present entry. */
int lab_vtd_debugfs_pasid_entry(const char *bdf, uint32_t pasid, uint64_t val[3]);
/* VT-d scalable-mode PASID-entry PGTT (VT-d 3.x, 9.6): bits 8:6 of val[0]. */
enum lab_vtd_pgtt { LAB_VTD_PGTT_FIRST = 1, LAB_VTD_PGTT_SECOND = 2, LAB_VTD_PGTT_NESTED = 3,
		    LAB_VTD_PGTT_PASSTHROUGH = 4 };
#define LAB_VTD_PE_PGTT(val0) ((unsigned int)(((val0) >> 6) & 0x7))
#endif
