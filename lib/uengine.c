// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "discover.h"
#include "iommufd.h"
#include "uengine.h"

static const struct lab_uengine_ops *const engines[] = { &lab_uengine_edu, &lab_uengine_labdev };

static bool drives(const struct lab_uengine_ops *ops, uint16_t vendor, uint16_t device)
{
	return ops->dev.vendor == vendor && ops->dev.device == device;
}

/* BAR 0 spans the registers, and its ID register says it is the device. */
static bool is_device(const struct lab_vfio_pci *pci, const struct lab_device_desc *dev)
{
	return pci->bar0_size >= dev->regs_end &&
	       (lab_mmio_read32(pci, dev->id_reg) & dev->id_mask) == dev->id_value;
}

int lab_uengine_find(const char *list, const struct lab_uengine_ops *ops, bool need_pasid, int skip,
		     char *bdf)
{
	for (const char *p = list; lab_bdf_next(&p, bdf);) {
		uint16_t vendor, device;

		if (lab_pci_ids(bdf, &vendor, &device) || !drives(ops, vendor, device))
			continue;
		if (need_pasid && lab_pci_pasid_width(bdf) <= 0)
			continue;
		if (skip-- == 0)
			return 0;
	}
	return -ENOENT;
}

int lab_uengine_open(struct lab_vfio_pci *pci, struct lab_uengine *e)
{
	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
		const struct lab_uengine_ops *ops = engines[i];

		if (!drives(ops, pci->vendor, pci->device))
			continue;
		if (!is_device(pci, &ops->dev))
			return -ENODEV;
		if (ops->priv_size && !(e->priv = calloc(1, ops->priv_size)))
			return -ENOMEM;
		e->ops = ops;
		e->pci = pci;
		return 0;
	}
	return -ENODEV;
}

void lab_uengine_close(struct lab_uengine *e)
{
	free(e->priv);
	memset(e, 0, sizeof(*e));
}

int lab_uengine_send_msi(struct lab_uengine *e)
{
	lab_mmio_write32(e->pci, e->ops->dev.irq_ack, 1);
	lab_mmio_write32(e->pci, e->ops->dev.irq_raise, 1);
	return 0;
}

int lab_uengine_copy(struct lab_uengine *e, uint64_t src, uint64_t dst, uint32_t len, uint32_t pasid,
		     struct lab_dma_result *r)
{
	int ret = e->ops->memcpy_start(e, src, dst, len, pasid);

	return ret ? ret : e->ops->wait(e, r);
}

int lab_uengine_pair(struct lab_uengine *e, uint64_t dst, uint32_t len, uint32_t seed, uint32_t pasid,
		     struct lab_dma_result *r)
{
	int ret;

	if (!e->ops->pair_start)
		return -EOPNOTSUPP;
	ret = e->ops->pair_start(e, dst, len, seed, pasid);
	return ret ? ret : e->ops->wait(e, r);
}

const char *lab_dma_status_name(enum lab_dma_status s)
{
	static const char *const names[] = { "OK", "FAULT", "MISMATCH", "BAD_REQUEST", "ERROR" };

	return (unsigned int)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

int64_t lab_eventfd_take(int efd, int wait_ms)
{
	uint64_t v;
	ssize_t n = lab_fd_read_within(efd, &v, sizeof(v), wait_ms);

	if (n == -EAGAIN)
		return 0;
	if (n < 0)
		return n;
	return n == sizeof(v) ? (int64_t)v : -EIO;
}

int lab_uengine_msis(struct lab_uengine *e, int efd, uint32_t count, int wait_ms, uint32_t *delivered)
{
	int64_t got;
	uint64_t total = 0;
	int ret;

	/* Whatever an earlier step left behind is not ours. */
	got = lab_eventfd_take(efd, 0);
	if (got < 0)
		return (int)got;
	for (uint32_t i = 0; i < count; i++) {
		ret = e->ops->send_msi(e);
		if (ret)
			return ret;
		got = lab_eventfd_take(efd, wait_ms);
		if (got < 0)
			return (int)got;
		total += (uint64_t)got;
	}
	got = lab_eventfd_take(efd, 20);
	if (got < 0)
		return (int)got;
	total += (uint64_t)got;
	*delivered = total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
	return 0;
}
