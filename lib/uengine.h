/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace DMA engines: a device's own DMA driven through its BAR from a
 * test, over VFIO, one file per device (lib/uengine_<dev>.c) for a device
 * described in lib/drivers/<dev>/. DMA goes through whatever the caller
 * attached to the device's RID or PASID via iommufd. The contract is the
 * module's (drivers/testdev/testdev.h, struct td_engine_ops):
 *
 * memcpy_start() / pair_start() check the request and hand it to the device:
 * on return 0 the device has accepted it and the transfer is in flight or
 * already done; they do not wait for completion. They fail, with nothing
 * issued, with -EINVAL (length 0 or above max_len), -EOPNOTSUPP (a PASID the
 * engine cannot tag with) or -ERANGE (a PASID beyond the device's width).
 * Each successful start is followed by one wait() before the next call.
 *
 * wait() returns when the transfer is complete (every DMA the device issued
 * for it has finished) or has timed out (a few seconds), and fills the result:
 * LAB_DMA_OK, LAB_DMA_FAULT with the failed access (fault_*), LAB_DMA_MISMATCH
 * (a pair read back other data), LAB_DMA_BAD_REQUEST (the device refused it
 * before any DMA) or LAB_DMA_ERROR (a timeout, or a status the engine does not
 * know). A device that cannot see faults reports LAB_DMA_OK for a faulting
 * transfer; the IOMMU's fault reporting and the data tell. It returns 0, or
 * -errno if it could not find out.
 *
 * send_msi() makes the device send its MSI once (first clearing the last
 * event, which nobody acknowledges in userspace) and does not wait for it.
 */
#ifndef LAB_UENGINE_H
#define LAB_UENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/device_desc.h"
#include "vfio_pci.h"

enum lab_dma_status { LAB_DMA_OK, LAB_DMA_FAULT, LAB_DMA_MISMATCH, LAB_DMA_BAD_REQUEST, LAB_DMA_ERROR };

struct lab_dma_result {
	enum lab_dma_status status;
	uint64_t fault_iova;		/* LAB_DMA_FAULT: the access that failed */
	bool fault_write, fault_pasid;
	uint64_t mismatch_offset;	/* LAB_DMA_MISMATCH */
};

struct lab_uengine;

struct lab_uengine_ops {
	const char *name;
	uint32_t max_len;		/* largest transfer, bytes */
	struct lab_device_desc dev;	/* the function it drives (lib/drivers/device_desc.h) */
	size_t priv_size;		/* e->priv: zeroed at open, freed at close */
	/* Copy len bytes from src to dst (IOVAs); pasid LAB_NO_PASID: untagged. */
	int (*memcpy_start)(struct lab_uengine *e, uint64_t src, uint64_t dst, uint32_t len, uint32_t pasid);
	/* Optional: a DMA pair: write the pattern for seed at dst, read it back
	 * and compare, all by the device. NULL when the device cannot. */
	int (*pair_start)(struct lab_uengine *e, uint64_t dst, uint32_t len, uint32_t seed, uint32_t pasid);
	int (*wait)(struct lab_uengine *e, struct lab_dma_result *r);
	int (*send_msi)(struct lab_uengine *e);
};

/* The fields of an engine for device D, from its header (lib/drivers/<dev>/,
 * prefix D); lab_uengine_send_msi() raises the MSI. */
#define LAB_UENGINE_PCI(D)							\
	.name = D##_NAME, .max_len = D##_LEN_MAX, .dev = LAB_DEVICE_DESC(D),	\
	.send_msi = lab_uengine_send_msi

struct lab_uengine {
	const struct lab_uengine_ops *ops;
	struct lab_vfio_pci *pci;
	void *priv;
};

/* The function in list (space-separated BDFs, as $IOMMU_LAB_VFIO) that ops
 * drives, with need_pasid one that also has a PASID capability, after
 * skipping `skip` such functions; into bdf[32]. 0 or -ENOENT. */
int lab_uengine_find(const char *list, const struct lab_uengine_ops *ops, bool need_pasid, int skip,
		     char *bdf);
/* Find the engine for the opened function and check that BAR 0 is its
 * device. 0, -ENODEV (no engine for this device, or not the device) or
 * -ENOMEM. */
int lab_uengine_open(struct lab_vfio_pci *pci, struct lab_uengine *e);
void lab_uengine_close(struct lab_uengine *e);
/* One transfer, started and waited for. */
int lab_uengine_copy(struct lab_uengine *e, uint64_t src, uint64_t dst, uint32_t len, uint32_t pasid,
		     struct lab_dma_result *r);
int lab_uengine_pair(struct lab_uengine *e, uint64_t dst, uint32_t len, uint32_t seed, uint32_t pasid,
		     struct lab_dma_result *r);
const char *lab_dma_status_name(enum lab_dma_status s);

/* What eventfd efd counted within wait_ms (0 if nothing; its counter is
 * reset), or -errno. */
int64_t lab_eventfd_take(int efd, int wait_ms);
/* Raise count MSIs one at a time through the engine, each after the last
 * one arrived on efd (the eventfd given to lab_vfio_pci_msi_enable) or
 * wait_ms passed without it; then 20 ms more for extras. *delivered: how
 * many efd counted in all. A device merges MSIs raised before the last one
 * was taken, so back-to-back raises would undercount. 0 or -errno. */
int lab_uengine_msis(struct lab_uengine *e, int efd, uint32_t count, int wait_ms, uint32_t *delivered);

/* The generic send_msi: ack, then raise, through the device's interrupt
 * registers (ops->dev). */
int lab_uengine_send_msi(struct lab_uengine *e);

/* Whether buf holds labdev's test pattern for seed (docs/labdev.md), as a
 * WRITE or PAIR of len bytes leaves it. */
bool lab_labdev_has_pattern(const void *buf, size_t len, uint32_t seed);

extern const struct lab_uengine_ops lab_uengine_edu, lab_uengine_labdev;

#endif
