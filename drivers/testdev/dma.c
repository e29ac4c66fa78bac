// SPDX-License-Identifier: GPL-2.0-only
/*
 * ITD_DMA: one transfer through the device's engine, or through the software
 * ("mock") engine, which resolves each page of the source and destination
 * through the IOMMU domain the device uses for that RID/PASID
 * (iommu_iova_to_phys) and copies with the CPU. The software engine sees
 * translations, not permissions: it never reports a permission fault, and its
 * results are labelled ITD_ENGINE_SOFTWARE. One-sided transfers
 * (ITD_DMA_FROM_DEVICE, ITD_DMA_TO_DEVICE) are a device engine's only.
 */
#include <linux/iommu.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/string.h>
#include "testdev.h"

/* Translate one IOVA through DOM; 0 and records a fault if nothing is mapped there. */
static phys_addr_t mock_translate(struct testdev *td, struct iommu_domain *dom, u64 iova, bool write,
				  bool with_pasid, u32 pasid)
{
	phys_addr_t p = dom ? iommu_iova_to_phys(dom, iova) : 0;

	if (!p)
		td_fault_record(td, iova, (write ? ITD_FAULT_WRITE : 0) | (with_pasid ? ITD_FAULT_PASID : 0),
				pasid, ITD_FAULT_SOURCE_SOFTWARE);
	return p;
}

/* Copy in pieces that stay inside one page on both sides, so scattered
 * mappings are followed exactly as a device's page walks would follow them. */
static int mock_copy(struct testdev *td, struct itd_dma *op)
{
	bool with_pasid = op->flags & ITD_DMA_PASID;
	struct iommu_domain *dom = td_domain_for(td, with_pasid, op->pasid);

	for (u64 off = 0; off < op->length;) {
		u64 s = op->src_iova + off, d = op->dst_iova + off;
		u64 chunk = min3(op->length - off, PAGE_SIZE - (s & ~PAGE_MASK), PAGE_SIZE - (d & ~PAGE_MASK));
		phys_addr_t ps, pd;

		ps = mock_translate(td, dom, s, false, with_pasid, op->pasid);
		if (!ps)
			return ITD_DMA_FAULT;
		pd = mock_translate(td, dom, d, true, with_pasid, op->pasid);
		if (!pd)
			return ITD_DMA_FAULT;
		/* The CPU touches only memory the module owns. */
		if (!td_phys_owned(td, ps, chunk) || !td_phys_owned(td, pd, chunk))
			return -EPERM;
		memmove(phys_to_virt(pd), phys_to_virt(ps), chunk);
		off += chunk;
	}
	return ITD_DMA_OK;
}

/* A device DMA on the kernel's default domain: an identity (passthrough)
 * default domain would let the engine reach any memory, so there the
 * transfer must stay inside the module's own DMA API buffers (on the sides
 * it uses: a one-sided transfer has one). */
static bool default_domain_dma_safe(struct testdev *td, struct itd_dma *op)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(&td->pdev->dev);

	if (dom && dom->type != IOMMU_DOMAIN_IDENTITY)
		return true;
	return (op->flags & ITD_DMA_FROM_DEVICE || td_dma_addr_owned(td, op->src_iova, op->length)) &&
	       (op->flags & ITD_DMA_TO_DEVICE || td_dma_addr_owned(td, op->dst_iova, op->length));
}

/* The device engine's transfer: a copy, or one side of one. */
static int device_dma(struct testdev *td, struct itd_dma *op, bool with_pasid)
{
	const struct td_engine_ops *e = td->engine;
	bool to_device = op->flags & ITD_DMA_TO_DEVICE;
	u64 addrs = (op->flags & ITD_DMA_FROM_DEVICE ? 0 : op->src_iova) |
		    (to_device ? 0 : op->dst_iova);
	int ret;

	/* A block device moves whole blocks from aligned addresses (ITD_INFO). */
	if (op->length % td->dma_granule || addrs % td->dma_align)
		return -EINVAL;
	if (!(op->flags & (ITD_DMA_FROM_DEVICE | ITD_DMA_TO_DEVICE)))
		ret = e->memcpy_start(td, op->src_iova, op->dst_iova, op->length, with_pasid, op->pasid);
	else if (!e->oneway_start || !(td->engine_caps & (to_device ? ITD_ENGINE_CAP_TO_DEVICE :
									ITD_ENGINE_CAP_FROM_DEVICE)))
		return -EOPNOTSUPP;
	else if (with_pasid)
		return -EOPNOTSUPP;	/* no engine tags a one-sided transfer */
	else
		ret = e->oneway_start(td, to_device, to_device ? op->src_iova : op->dst_iova, op->length);
	return ret ? ret : e->memcpy_wait(td);
}

int td_dma(struct testdev *td, struct itd_dma *op)
{
	bool software = op->flags & ITD_DMA_SOFTWARE, with_pasid = op->flags & ITD_DMA_PASID;
	u32 oneway = op->flags & (ITD_DMA_FROM_DEVICE | ITD_DMA_TO_DEVICE);
	const struct td_engine_ops *e = td->engine;
	ktime_t t0;
	int ret;

	if (op->flags & ~(ITD_DMA_PASID | ITD_DMA_SOFTWARE | ITD_DMA_FROM_DEVICE | ITD_DMA_TO_DEVICE))
		return -EOPNOTSUPP;
	if (oneway == (ITD_DMA_FROM_DEVICE | ITD_DMA_TO_DEVICE))
		return -EINVAL;		/* one side or the other */
	if (software && oneway)
		return -EOPNOTSUPP;	/* the CPU has no data of its own to move */
	if (!op->length)
		return -EINVAL;
	if (op->src_iova + op->length - 1 < op->src_iova || op->dst_iova + op->length - 1 < op->dst_iova)
		return -EOVERFLOW;
	if (with_pasid) {
		ret = td_pasid_check(td, op->pasid);
		if (ret)
			return ret;
	}
	t0 = ktime_get();
	if (software) {
		if (op->length > ITD_SOFTWARE_MAX_LEN)
			return -E2BIG;
		ret = mock_copy(td, op);
		op->engine_kind = ITD_ENGINE_SOFTWARE;
	} else {
		if (!e)
			return -EOPNOTSUPP;	/* no device engine: only ITD_DMA_SOFTWARE */
		if (with_pasid && !e->pasid)
			return -EOPNOTSUPP;
		if (op->length > td->dma_max_len)
			return -E2BIG;
		if (td->state == ITD_STATE_DEFAULT && !default_domain_dma_safe(td, op))
			return -EPERM;
		ret = device_dma(td, op, with_pasid);
		op->engine_kind = e->kind;
	}
	op->duration_ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	if (ret < 0)
		return ret;
	op->status = ret;
	return 0;
}
