/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A PCI function driven from userspace through its VFIO cdev bound to an
 * iommufd: config space, BAR 0 mapped, bus mastering on. The IOMMU side
 * (IOAS, HWPT, attach at the RID or a PASID) is lib/iommufd.h's.
 */
#ifndef LAB_VFIO_PCI_H
#define LAB_VFIO_PCI_H

#include <stddef.h>
#include <stdint.h>

#define LAB_VFIO_MAX_VECTORS 32	/* MSI-X vectors one lab_vfio_pci_msix_enable() sets */

struct lab_vfio_pci {
	int fd;			/* the VFIO device (cdev) */
	uint32_t dev_id;	/* its iommufd device id */
	char bdf[16];
	uint16_t vendor, device;
	uint32_t class_code;	/* base << 16 | sub << 8 | prog-if */
	volatile void *bar0;	/* BAR 0, mapped */
	size_t bar0_size;
	uint64_t cfg_offset;	/* config space region, in the device fd */
	unsigned int msix_on;	/* MSI-X vectors enabled through VFIO (0: MSI-X off) */
};

/* Bind BDF's VFIO cdev to iommufd, map BAR 0 and set Bus Master Enable.
 * 0 or -errno (-ENODEV: BDF is not bound to vfio-pci with a cdev). */
int lab_vfio_pci_open(int iommufd, const char *bdf, struct lab_vfio_pci *p);
void lab_vfio_pci_close(struct lab_vfio_pci *p);
int lab_vfio_pci_cfg_read(struct lab_vfio_pci *p, unsigned int off, void *buf, size_t len);
int lab_vfio_pci_cfg_write(struct lab_vfio_pci *p, unsigned int off, const void *buf, size_t len);
/* VFIO_DEVICE_SET_IRQS: MSI vector 0 signals the eventfd efd (the host
 * allocates the vector, and on Arm maps the doorbell into the attached
 * domain, now). 0 or -errno. */
int lab_vfio_pci_msi_enable(struct lab_vfio_pci *p, int efd);
/* Release the MSI vector (MSI off in the device). 0 or -errno. */
int lab_vfio_pci_msi_disable(struct lab_vfio_pci *p);
/* How many MSI-X vectors VFIO offers for the function (0: no MSI-X), or -errno. */
int lab_vfio_pci_msix_count(struct lab_vfio_pci *p);
/* VFIO_DEVICE_SET_IRQS: MSI-X vectors 0 .. n-1 signal eventfds efds[0 .. n-1]
 * (allocated by the host now, as for MSI). 0 or -errno. */
int lab_vfio_pci_msix_enable(struct lab_vfio_pci *p, const int *efds, unsigned int n);
/* Release every MSI-X vector (MSI-X off in the device). 0 or -errno. */
int lab_vfio_pci_msix_disable(struct lab_vfio_pci *p);
/* The message address MSI-X vector v's table entry holds: what the device
 * writes to signal it, as the host programmed it, read from the table in
 * the BAR (mapped through VFIO). 0; -ENOENT without MSI-X; -ENODATA while
 * the entry is not programmed; -errno. */
int lab_vfio_pci_msix_address(struct lab_vfio_pci *p, unsigned int v, uint64_t *addr);

static inline uint32_t lab_mmio_read32(const struct lab_vfio_pci *p, unsigned int off)
{
	return *(const volatile uint32_t *)((const volatile char *)p->bar0 + off);
}

static inline void lab_mmio_write32(const struct lab_vfio_pci *p, unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)((volatile char *)p->bar0 + off) = v;
}

/* One 8-byte access (for registers that take nothing narrower). */
static inline void lab_mmio_write64(const struct lab_vfio_pci *p, unsigned int off, uint64_t v)
{
	*(volatile uint64_t *)((volatile char *)p->bar0 + off) = v;
}

#endif
