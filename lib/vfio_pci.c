// SPDX-License-Identifier: GPL-2.0-only
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "iommufd.h"
#include "vfio_pci.h"

#if defined(HAVE_IOMMUFD_UAPI) && defined(HAVE_VFIO_CDEV_UAPI)
#include <linux/pci_regs.h>
#include <linux/vfio.h>

static int region_info(int fd, uint32_t index, struct vfio_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->argsz = sizeof(*ri);
	ri->index = index;
	return ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, ri) ? -errno : 0;
}

int lab_vfio_pci_open(int iommufd, const char *bdf, struct lab_vfio_pci *p)
{
	struct vfio_region_info cfg, bar;
	uint16_t cmd;
	void *m;
	int ret;

	memset(p, 0, sizeof(*p));
	p->fd = lab_vfio_cdev_bind(iommufd, bdf, &p->dev_id);
	if (p->fd < 0)
		return p->fd;
	snprintf(p->bdf, sizeof(p->bdf), "%s", bdf);
	ret = region_info(p->fd, VFIO_PCI_CONFIG_REGION_INDEX, &cfg);
	if (!ret)
		ret = region_info(p->fd, VFIO_PCI_BAR0_REGION_INDEX, &bar);
	if (ret)
		goto err;
	p->cfg_offset = cfg.offset;
	if (lab_vfio_pci_cfg_read(p, PCI_VENDOR_ID, &p->vendor, 2) ||
	    lab_vfio_pci_cfg_read(p, PCI_DEVICE_ID, &p->device, 2) ||
	    lab_vfio_pci_cfg_read(p, PCI_CLASS_REVISION, &p->class_code, 4)) {
		ret = -EIO;
		goto err;
	}
	p->class_code >>= 8;	/* the revision ID is the low byte */
	if (!bar.size || !(bar.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		ret = -ENXIO;	/* no BAR 0, or it cannot be mapped */
		goto err;
	}
	m = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, (off_t)bar.offset);
	if (m == MAP_FAILED) {
		ret = -errno;
		goto err;
	}
	p->bar0 = m;
	p->bar0_size = bar.size;
	/* The device issues DMA only with Bus Master Enable set. */
	if (lab_vfio_pci_cfg_read(p, PCI_COMMAND, &cmd, 2)) {
		ret = -EIO;
		goto err;
	}
	cmd |= PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY;
	if (lab_vfio_pci_cfg_write(p, PCI_COMMAND, &cmd, 2)) {
		ret = -EIO;
		goto err;
	}
	return 0;
err:
	lab_vfio_pci_close(p);
	return ret;
}

void lab_vfio_pci_close(struct lab_vfio_pci *p)
{
	if (p->bar0)
		munmap((void *)p->bar0, p->bar0_size);
	if (p->fd >= 0)
		close(p->fd);	/* unbinds from iommufd: every attachment goes */
	memset(p, 0, sizeof(*p));
	p->fd = -1;
}

int lab_vfio_pci_cfg_read(struct lab_vfio_pci *p, unsigned int off, void *buf, size_t len)
{
	ssize_t n = pread(p->fd, buf, len, (off_t)(p->cfg_offset + off));

	return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
}

int lab_vfio_pci_cfg_write(struct lab_vfio_pci *p, unsigned int off, const void *buf, size_t len)
{
	ssize_t n = pwrite(p->fd, buf, len, (off_t)(p->cfg_offset + off));

	return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
}

static int set_irqs(struct lab_vfio_pci *p, uint32_t index, uint32_t flags, uint32_t count, const int *fds)
{
	struct {
		struct vfio_irq_set set;
		int32_t fd[LAB_VFIO_MAX_VECTORS];
	} req;

	if (count > LAB_VFIO_MAX_VECTORS)
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	req.set.argsz = sizeof(req.set) + count * sizeof(int32_t);
	req.set.flags = flags;
	req.set.index = index;
	req.set.start = 0;
	req.set.count = count;
	for (uint32_t i = 0; i < count; i++)
		req.fd[i] = fds[i];
	return ioctl(p->fd, VFIO_DEVICE_SET_IRQS, &req) ? -errno : 0;
}

int lab_vfio_pci_msi_enable(struct lab_vfio_pci *p, int efd)
{
	return set_irqs(p, VFIO_PCI_MSI_IRQ_INDEX, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 1,
			&efd);
}

int lab_vfio_pci_msi_disable(struct lab_vfio_pci *p)
{
	return set_irqs(p, VFIO_PCI_MSI_IRQ_INDEX, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0,
			NULL);
}

int lab_vfio_pci_msix_count(struct lab_vfio_pci *p)
{
	struct vfio_irq_info info = { .argsz = sizeof(info), .index = VFIO_PCI_MSIX_IRQ_INDEX };

	if (ioctl(p->fd, VFIO_DEVICE_GET_IRQ_INFO, &info))
		return -errno;
	return (int)info.count;
}

int lab_vfio_pci_msix_enable(struct lab_vfio_pci *p, const int *efds, unsigned int n)
{
	int ret;

	if (!n)
		return -EINVAL;
	ret = set_irqs(p, VFIO_PCI_MSIX_IRQ_INDEX, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, n,
		       efds);
	if (!ret)
		p->msix_on = n;
	return ret;
}

int lab_vfio_pci_msix_disable(struct lab_vfio_pci *p)
{
	int ret = set_irqs(p, VFIO_PCI_MSIX_IRQ_INDEX, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0,
			   NULL);

	if (!ret)
		p->msix_on = 0;
	return ret;
}

/* The offset of capability `id` in the config space cfg (256 bytes), 0 if none. */
static unsigned int find_cap(const uint8_t *cfg, uint8_t id)
{
	unsigned int off, hops = 0;

	if (!(cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return 0;
	for (off = cfg[PCI_CAPABILITY_LIST] & ~3u; off >= 0x40 && off < 0x100 && hops++ < 48;
	     off = cfg[off + 1] & ~3u)
		if (cfg[off] == id)
			return off;
	return 0;
}

/* A 32-bit word of BAR bir at off: through BAR 0's mapping, or a read-only
 * mapping of the page made for it (VFIO offers the MSI-X table to mmap only
 * where interrupts are isolated, which is where it is worth reading). */
static int bar_read32(struct lab_vfio_pci *p, unsigned int bir, uint64_t off, uint32_t *val)
{
	struct vfio_region_info ri;
	long pg = sysconf(_SC_PAGESIZE);
	uint64_t base = off & ~(uint64_t)(pg - 1);
	void *m;
	int ret;

	if (bir == 0 && p->bar0 && off + 4 <= p->bar0_size) {
		*val = lab_mmio_read32(p, (unsigned int)off);
		return 0;
	}
	ret = region_info(p->fd, VFIO_PCI_BAR0_REGION_INDEX + bir, &ri);
	if (ret)
		return ret;
	if (off + 4 > ri.size || !(ri.flags & VFIO_REGION_INFO_FLAG_MMAP))
		return -EOPNOTSUPP;
	m = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, p->fd, (off_t)(ri.offset + base));
	if (m == MAP_FAILED)
		return -errno;
	*val = *(volatile uint32_t *)((char *)m + (off - base));
	munmap(m, (size_t)pg);
	return 0;
}

int lab_vfio_pci_msix_address(struct lab_vfio_pci *p, unsigned int v, uint64_t *addr)
{
	uint8_t cfg[256];
	uint32_t table, lo, hi;
	uint16_t flags;
	unsigned int cap;
	uint64_t entry;
	int ret;

	ret = lab_vfio_pci_cfg_read(p, 0, cfg, sizeof(cfg));
	if (ret)
		return ret;
	cap = find_cap(cfg, PCI_CAP_ID_MSIX);
	if (!cap)
		return -ENOENT;
	memcpy(&flags, cfg + cap + PCI_MSIX_FLAGS, 2);
	memcpy(&table, cfg + cap + PCI_MSIX_TABLE, 4);
	if (v > (flags & PCI_MSIX_FLAGS_QSIZE))
		return -EINVAL;
	/* PCI Local Bus 3.0, 6.8.2: 16-byte entries, address low and high first. */
	entry = (table & PCI_MSIX_TABLE_OFFSET) + 16ull * v;
	ret = bar_read32(p, table & PCI_MSIX_TABLE_BIR, entry, &lo);
	if (!ret)
		ret = bar_read32(p, table & PCI_MSIX_TABLE_BIR, entry + 4, &hi);
	if (ret)
		return ret;
	*addr = (uint64_t)hi << 32 | lo;
	return *addr ? 0 : -ENODATA;
}
#else
int lab_vfio_pci_msi_enable(struct lab_vfio_pci *p, int efd)
{
	(void)p; (void)efd;
	return -EOPNOTSUPP;
}
int lab_vfio_pci_msi_disable(struct lab_vfio_pci *p)
{
	(void)p;
	return -EOPNOTSUPP;
}
int lab_vfio_pci_msix_count(struct lab_vfio_pci *p)
{
	(void)p;
	return -EOPNOTSUPP;
}
int lab_vfio_pci_msix_enable(struct lab_vfio_pci *p, const int *efds, unsigned int n)
{
	(void)p; (void)efds; (void)n;
	return -EOPNOTSUPP;
}
int lab_vfio_pci_msix_disable(struct lab_vfio_pci *p)
{
	(void)p;
	return -EOPNOTSUPP;
}
int lab_vfio_pci_msix_address(struct lab_vfio_pci *p, unsigned int v, uint64_t *addr)
{
	(void)p; (void)v; (void)addr;
	return -EOPNOTSUPP;
}
int lab_vfio_pci_open(int iommufd, const char *bdf, struct lab_vfio_pci *p)
{
	(void)iommufd; (void)bdf;
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	return -EOPNOTSUPP;
}
void lab_vfio_pci_close(struct lab_vfio_pci *p) { (void)p; }
int lab_vfio_pci_cfg_read(struct lab_vfio_pci *p, unsigned int off, void *buf, size_t len)
{
	(void)p; (void)off; (void)buf; (void)len;
	return -EOPNOTSUPP;
}
int lab_vfio_pci_cfg_write(struct lab_vfio_pci *p, unsigned int off, const void *buf, size_t len)
{
	(void)p; (void)off; (void)buf; (void)len;
	return -EOPNOTSUPP;
}
#endif
