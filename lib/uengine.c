// SPDX-License-Identifier: GPL-2.0-only
/* The generic half of the userspace DMA engines: uengine.h. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include "discover.h"
#include "iommufd.h"
#include "sysfs.h"
#include "uengine.h"

static const struct lab_uengine_ops *const engines[] = { &lab_uengine_edu, &lab_uengine_labdev, &lab_uengine_nvme };

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
		uint64_t class_code = 0;

		if (lab_pci_ids(bdf, &vendor, &device))
			continue;
		/* sysfs "class" is base << 16 | sub << 8 | prog-if, as the descriptions want. */
		if (ops->dev.class_code && lab_read_hex(&class_code, "/sys/bus/pci/devices/%s/class", bdf))
			continue;
		if (!lab_device_desc_matches(&ops->dev, vendor, device, (uint32_t)class_code))
			continue;
		if (need_pasid && lab_pci_pasid_width(bdf) <= 0)
			continue;
		if (skip-- == 0)
			return 0;
	}
	return -ENOENT;
}

int lab_uengine_find_pairs(const char *list, int skip, char *bdf, const struct lab_uengine_ops **ops)
{
	const char *spec = getenv(LAB_NVME_SCRATCH_ENV);
	uint64_t lba, count;
	uint32_t nsid;
	char err[8];

	for (int i = 0; !lab_uengine_find(list, &lab_uengine_labdev, false, i, bdf); i++) {
		if (skip-- == 0) {
			*ops = &lab_uengine_labdev;
			return 0;
		}
	}
	for (int i = 0; !lab_uengine_find(list, &lab_uengine_nvme, false, i, bdf); i++) {
		/* None for it: not usable. A bad spec is: opening it says what is wrong. */
		if (lab_nvme_scratch_parse(spec, bdf, &nsid, &lba, &count, err, sizeof(err)) == 0)
			continue;
		if (skip-- == 0) {
			*ops = &lab_uengine_nvme;
			return 0;
		}
	}
	return -ENOENT;
}

int lab_uengine_open(struct lab_vfio_pci *pci, struct lab_uengine *e)
{
	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++) {
		const struct lab_uengine_ops *ops = engines[i];
		int ret;

		if (!lab_device_desc_matches(&ops->dev, pci->vendor, pci->device, pci->class_code))
			continue;
		if (!is_device(pci, &ops->dev)) {
			snprintf(e->why, sizeof(e->why), "%s: BAR 0 (%zu bytes) is not a %s", pci->bdf,
				 pci->bar0_size, ops->name);
			return -ENODEV;
		}
		if (ops->ctrl_size > LAB_UENGINE_CTRL_MAX)
			return -EINVAL;
		e->ops = ops;
		e->pci = pci;
		e->emulated = ops->emulated;
		e->ctrl_iova = LAB_UENGINE_CTRL_IOVA;
		if (ops->priv_size && !(e->priv = calloc(1, ops->priv_size)))
			goto nomem;
		if (ops->ctrl_size) {
			/* Page aligned and zeroed; pinned by each IOAS that maps it. */
			e->ctrl = mmap(NULL, ops->ctrl_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				       -1, 0);
			if (e->ctrl == MAP_FAILED) {
				e->ctrl = NULL;
				goto nomem;
			}
		}
		ret = ops->open ? ops->open(e) : 0;
		if (ret) {
			/* Nothing was set up, nothing to stop; why stays for the caller. */
			free(e->priv);
			if (e->ctrl)
				munmap(e->ctrl, ops->ctrl_size);
			e->ops = NULL;
			e->pci = NULL;
			e->priv = e->ctrl = NULL;
			return ret;
		}
		return 0;
	}
	snprintf(e->why, sizeof(e->why), "%s (%04x:%04x, class %06x): no userspace engine drives it", pci->bdf,
		 pci->vendor, pci->device, pci->class_code);
	return -ENODEV;
nomem:
	free(e->priv);
	memset(e, 0, sizeof(*e));
	return -ENOMEM;
}

void lab_uengine_close(struct lab_uengine *e)
{
	if (e->ops && e->ops->stop)
		e->ops->stop(e);
	free(e->priv);
	if (e->ctrl)
		munmap(e->ctrl, e->ops->ctrl_size);
	memset(e, 0, sizeof(*e));
}

int lab_uengine_send_msi(struct lab_uengine *e, uint32_t vector)
{
	if (vector)
		return -EINVAL;
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

int lab_uengine_read(struct lab_uengine *e, uint64_t dst, uint32_t len, uint32_t pasid, struct lab_dma_result *r)
{
	int ret;

	if (!e->ops->read_start)
		return -EOPNOTSUPP;
	ret = e->ops->read_start(e, dst, len, pasid);
	return ret ? ret : e->ops->wait(e, r);
}

int lab_uengine_compare(struct lab_uengine *e, uint64_t src, uint32_t len, uint32_t pasid,
			struct lab_dma_result *r)
{
	int ret;

	if (!e->ops->compare_start)
		return -EOPNOTSUPP;
	ret = e->ops->compare_start(e, src, len, pasid);
	return ret ? ret : e->ops->wait(e, r);
}

const char *lab_dma_status_name(enum lab_dma_status s)
{
	static const char *const names[] = { "OK", "FAULT", "MISMATCH", "BAD_REQUEST", "ERROR" };

	return (unsigned int)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

bool lab_dma_pair_blocked(const struct lab_uengine *e, const struct lab_dma_result *r)
{
	return r->status == LAB_DMA_FAULT || (e->ops->blind_writes && r->status == LAB_DMA_MISMATCH);
}

int lab_uengine_limits(struct lab_uengine *e, struct lab_uengine_limits *l)
{
	*l = (struct lab_uengine_limits){ .granule = 1, .max_write = e->ops->max_len,
					  .max_read = e->ops->read_start ? e->ops->max_len : 0 };
	return e->ops->limits ? e->ops->limits(e, l) : 0;
}

int lab_uengine_granule(struct lab_uengine *e, uint32_t *bytes)
{
	struct lab_uengine_limits l;
	int ret = lab_uengine_limits(e, &l);

	*bytes = l.granule;
	return ret;
}

bool lab_uengine_can_write(const struct lab_uengine *e)
{
	return !e->ops->can_write || e->ops->can_write(e);
}

int lab_uengine_prepare(struct lab_uengine *e)
{
	return e->ops->prepare ? e->ops->prepare(e) : 0;
}

bool lab_uengine_ctrl(const struct lab_uengine *e, void **cpu, uint64_t *iova, size_t *len)
{
	if (!e->ctrl)
		return false;
	if (cpu)
		*cpu = e->ctrl;
	if (iova)
		*iova = e->ctrl_iova;
	if (len)
		*len = e->ops->ctrl_size;
	return true;
}

int lab_uengine_ctrl_map(struct lab_uengine *e, int iommufd, uint32_t ioas)
{
	if (!e->ctrl)
		return 0;
	return lab_ioas_map(iommufd, ioas, e->ctrl, e->ops->ctrl_size, e->ctrl_iova, LAB_IOAS_READ | LAB_IOAS_WRITE);
}

int lab_uengine_ctrl_move(struct lab_uengine *e, uint64_t iova)
{
	if (!e->ctrl || (iova & 0xfff))
		return -EINVAL;
	if (e->ops->stop)
		e->ops->stop(e);
	e->ctrl_iova = iova;
	return 0;
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

int lab_uengine_irqs_open(struct lab_uengine *e, struct lab_uengine_irqs *q)
{
	uint32_t want = e->ops->msix_vectors;

	memset(q, 0, sizeof(*q));
	q->n = 1;
	if (want) {
		int have = lab_vfio_pci_msix_count(e->pci);

		if (have < 0)
			return have;
		if ((uint32_t)have < want) {
			snprintf(e->why, sizeof(e->why), "%s: %d MSI-X vectors, the %s engine needs %u", e->pci->bdf,
				 have, e->ops->name, want);
			return -EOPNOTSUPP;
		}
		q->msix = true;
		q->n = want > LAB_UENGINE_MAX_VECTORS ? LAB_UENGINE_MAX_VECTORS : want;
	}
	for (uint32_t i = 0; i < q->n; i++) {
		q->efd[i] = eventfd(0, EFD_CLOEXEC);
		if (q->efd[i] < 0) {
			int ret = -errno;

			q->n = i;
			lab_uengine_irqs_close(q);
			return ret;
		}
	}
	return 0;
}

int lab_uengine_irqs_enable(struct lab_uengine *e, struct lab_uengine_irqs *q)
{
	/* Where the device cannot be reached yet (blocked) this fails, and it
	 * is set up at its first use instead. */
	lab_uengine_prepare(e);
	return q->msix ? lab_vfio_pci_msix_enable(e->pci, q->efd, q->n) : lab_vfio_pci_msi_enable(e->pci, q->efd[0]);
}

int lab_uengine_irqs_disable(struct lab_uengine *e, struct lab_uengine_irqs *q)
{
	return q->msix ? lab_vfio_pci_msix_disable(e->pci) : lab_vfio_pci_msi_disable(e->pci);
}

void lab_uengine_irqs_close(struct lab_uengine_irqs *q)
{
	for (uint32_t i = 0; i < q->n; i++)
		if (q->efd[i] >= 0)
			close(q->efd[i]);
	q->n = 0;
}

/* Add what every eventfd of q counted within wait_ms of vector's (the others
 * are only read, not waited for) to delivered[]. */
static int take_all(const struct lab_uengine_irqs *q, uint32_t vector, int wait_ms, uint64_t *delivered)
{
	for (uint32_t i = 0; i < q->n; i++) {
		int64_t got = lab_eventfd_take(q->efd[i], i == vector ? wait_ms : 0);

		if (got < 0)
			return (int)got;
		delivered[i] += (uint64_t)got;
	}
	return 0;
}

int lab_uengine_msis(struct lab_uengine *e, const struct lab_uengine_irqs *q, uint32_t vector, uint32_t count,
		     int wait_ms, uint32_t delivered[LAB_UENGINE_MAX_VECTORS])
{
	uint64_t total[LAB_UENGINE_MAX_VECTORS] = { 0 };
	bool settle, quiet;
	int ret;

	if (vector >= q->n)
		return -EINVAL;
	ret = lab_uengine_prepare(e);
	if (ret < 0)
		return ret;
	/* Whatever an earlier step left behind is not ours. A setup just now
	 * may still be signalling: take until the vectors are quiet for 100 ms. */
	settle = ret > 0;
	do {
		uint64_t got[LAB_UENGINE_MAX_VECTORS] = { 0 };

		if (settle)
			usleep(100000);
		ret = take_all(q, vector, 0, got);
		if (ret)
			return ret;
		quiet = true;
		for (uint32_t i = 0; i < q->n; i++)
			quiet &= !got[i];
	} while (settle && !quiet);
	for (uint32_t i = 0; i < count; i++) {
		ret = e->ops->send_msi(e, vector);
		if (!ret)
			ret = take_all(q, vector, wait_ms, total);
		if (ret)
			return ret;
	}
	/* Extras, on this vector or another: a short window for all. */
	usleep(20000);
	ret = take_all(q, vector, 0, total);
	if (ret)
		return ret;
	for (uint32_t i = 0; i < LAB_UENGINE_MAX_VECTORS; i++)
		delivered[i] = total[i] > UINT32_MAX ? UINT32_MAX : (uint32_t)total[i];
	return 0;
}
