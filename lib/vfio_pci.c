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
	    lab_vfio_pci_cfg_read(p, PCI_DEVICE_ID, &p->device, 2)) {
		ret = -EIO;
		goto err;
	}
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

static int set_irqs(struct lab_vfio_pci *p, uint32_t flags, uint32_t count, const int32_t *fds)
{
	struct {
		struct vfio_irq_set set;
		int32_t fd[1];
	} req;

	memset(&req, 0, sizeof(req));
	req.set.argsz = sizeof(req.set) + count * sizeof(int32_t);
	req.set.flags = flags;
	req.set.index = VFIO_PCI_MSI_IRQ_INDEX;
	req.set.start = 0;
	req.set.count = count;
	if (count)
		req.fd[0] = fds[0];
	return ioctl(p->fd, VFIO_DEVICE_SET_IRQS, &req) ? -errno : 0;
}

int lab_vfio_pci_msi_enable(struct lab_vfio_pci *p, int efd)
{
	int32_t fd = efd;

	return set_irqs(p, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 1, &fd);
}

int lab_vfio_pci_msi_disable(struct lab_vfio_pci *p)
{
	return set_irqs(p, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, NULL);
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
