// SPDX-License-Identifier: GPL-2.0-only
/*
 * Paging domains and their mappings onto module buffers (ITD_DOMAIN_*,
 * ITD_MAP, ITD_UNMAP), as iommufd's hw_pagetable.c and io_pagetable.c.
 * Called with testdev->lock held; the errno of every rejected request is
 * part of the uAPI (docs/testdev.md). State layer: calls buf.c and the
 * bottom layer only.
 */
#include <linux/slab.h>
#include "testdev.h"

#ifdef HAVE_IOMMU_SET_FAULT_HANDLER
static int td_fault_handler(struct iommu_domain *domain, struct device *dev, unsigned long iova,
			    int flags, void *token)
{
	td_fault_record(token, iova, flags & IOMMU_FAULT_WRITE ? ITD_FAULT_WRITE : 0, 0, ITD_FAULT_SOURCE_IOMMU);
	return -ENOSYS;	/* not handled: the IOMMU driver still reports it its way */
}
#endif

static struct iommu_domain *paging_domain_alloc(struct device *dev, bool pasid)
{
#if defined(HAVE_IOMMU_PAGING_DOMAIN_ALLOC_FLAGS)
	return iommu_paging_domain_alloc_flags(dev, pasid ? IOMMU_HWPT_ALLOC_PASID : 0);
#elif defined(HAVE_IOMMU_PAGING_DOMAIN_ALLOC)
	return iommu_paging_domain_alloc(dev);
#elif defined(HAVE_IOMMU_DOMAIN_ALLOC_BUS)
	struct iommu_domain *d = iommu_domain_alloc(dev->bus);

	return d ? d : ERR_PTR(-ENOMEM);
#else
#error "no paging domain allocator: configure refuses such a kernel"
#endif
}

/*
 * Before device-aware allocation (iommu_paging_domain_alloc, 6.11) a domain
 * came from the bus, and some drivers (SMMUv3 in 6.1) build its page tables
 * and aperture only at its first attach: until then iommu_map() returns
 * -ENODEV and the geometry is empty (force_aperture clear, which every
 * driver sets once the domain is usable). ITD_DOMAIN_ALLOC promises a domain
 * that can be mapped before it is attached, as later kernels give it, so
 * such a domain is attached to this function once and the function goes
 * back to the domain that translated it (the default domain, or the test
 * domain at the RID, re-attached). The function is idle: every DMA runs
 * under testdev->lock, held here. The kernel log says it happened.
 */
static int finalise_by_attach(struct testdev *td, struct iommu_domain *domain)
{
#if !defined(HAVE_IOMMU_PAGING_DOMAIN_ALLOC_FLAGS) && !defined(HAVE_IOMMU_PAGING_DOMAIN_ALLOC)
	struct td_domain *cur = td->state == ITD_STATE_DOMAIN ? td->rid_domain : NULL;
	int ret, back;

	if (domain->geometry.force_aperture)
		return 0;
	if (cur)
		iommu_detach_device(cur->domain, td_dev(td));
	ret = iommu_attach_device(domain, td_dev(td));
	if (!ret)
		iommu_detach_device(domain, td_dev(td));
	if (cur) {
		back = iommu_attach_device(cur->domain, td_dev(td));
		if (back) {
			/* Say where the function is: blocked or default, as after ITD_DETACH. */
			pci_warn(td->pdev, "test domain not re-attached at the RID: %d\n", back);
			cur->attached--;
			td->rid_domain = NULL;
			td->state = td->owned ? ITD_STATE_BLOCKED : ITD_STATE_DEFAULT;
		}
	}
	if (ret)
		return ret;
	dev_info_once(&td->pdev->dev, "this kernel sets a paging domain up at its first attach: each new domain is attached once at allocation\n");
	if (!domain->geometry.force_aperture)
		dev_warn_once(&td->pdev->dev, "a paging domain still has no aperture after an attach\n");
#endif
	return 0;
}

static int map_pages(struct iommu_domain *domain, u64 iova, phys_addr_t phys, u64 len, int prot)
{
#ifdef HAVE_IOMMU_MAP_GFP
	return iommu_map(domain, iova, phys, len, prot, GFP_KERNEL);
#else
	return iommu_map(domain, iova, phys, len, prot);
#endif
}

/*
 * The engine's own memory (nvme: its queues) at the IOVA it has in the
 * default domain, before any test mapping, so the engine works in this
 * domain without being told about it (td->engine_window). A domain that
 * cannot map it (its IOVA outside the domain's aperture) is still a domain:
 * the engine refuses to run in it (ENOLINK), and the kernel log says why.
 * Out of memory is the allocation's failure instead (-ENOMEM): a domain
 * that looks whole but that the engine cannot use would hide it.
 */
static int map_engine_window(struct testdev *td, struct td_domain *d)
{
	const struct td_engine_window *w = &td->engine_window;
	int ret;

	if (!w->length)
		return 0;
	ret = map_pages(d->domain, w->iova, w->phys, w->length, w->prot);
	if (ret == -ENOMEM)
		return ret;
	if (ret) {
		pci_warn_once(td->pdev, "engine memory not mapped at IOVA %#llx in a test domain: %d\n",
			      w->iova, ret);
		return 0;
	}
	d->engine_window = true;
	return 0;
}

int td_domain_alloc(struct testdev *td, struct itd_domain_alloc *a)
{
	struct td_domain *d;
	int ret;

	if (a->flags & ~ITD_DOMAIN_PASID)
		return -EOPNOTSUPP;
	if (!td_dev(td)->iommu_group)
		return -ENODEV;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	INIT_LIST_HEAD(&d->maps);
	d->pasid_capable = a->flags & ITD_DOMAIN_PASID;
	d->domain = paging_domain_alloc(td_dev(td), d->pasid_capable);
	if (IS_ERR(d->domain)) {
		ret = PTR_ERR(d->domain);
		kfree(d);
		return ret;
	}
	ret = finalise_by_attach(td, d->domain);
	if (!ret)
		ret = map_engine_window(td, d);
	if (ret) {
		iommu_domain_free(d->domain);
		kfree(d);
		return ret;
	}
	/*
	 * A domain holds one cookie: since 6.15 the fault handler and the MSI
	 * cookie share it. Where MSIs need the doorbell mapped (a software MSI
	 * window: Arm) the cookie wins; the SMMUv3 driver reports no faults
	 * through the handler anyway. Elsewhere the handler records faults.
	 */
	if (td->sw_msi) {
		/* Without the cookie the domain's MSIs would fault: no domain
		 * rather than half of one (its allocation failed). */
		ret = iommu_get_msi_cookie(d->domain, td->sw_msi_base);
		if (ret) {
			iommu_domain_free(d->domain);
			kfree(d);
			return ret;
		}
	} else {
#ifdef HAVE_IOMMU_SET_FAULT_HANDLER
		iommu_set_fault_handler(d->domain, td_fault_handler, td);
#endif
	}
	ret = xa_alloc(&td->domains, &d->id, d, TD_ID_LIMIT, GFP_KERNEL);
	if (ret) {
		iommu_domain_free(d->domain);
		kfree(d);
		return ret;
	}
	a->domain_id = d->id;
	return 0;
}

/* Returns false if the IOMMU driver unmapped less than was mapped. */
static bool unmap_one(struct td_domain *d, struct td_map *m)
{
	bool whole = iommu_unmap(d->domain, m->iova, m->length) == m->length;

	m->buf->maps--;
	list_del(&m->node);
	kfree(m);
	return whole;
}

static void domain_destroy(struct testdev *td, void *obj)
{
	struct td_domain *d = obj;
	struct td_map *m, *tmp;

	list_for_each_entry_safe(m, tmp, &d->maps, node)
		unmap_one(d, m);
	if (d->engine_window)
		iommu_unmap(d->domain, td->engine_window.iova, td->engine_window.length);
	iommu_domain_free(d->domain);
	kfree(d);
}

/* A domain stays while it is attached, at the RID or at a PASID. */
static bool domain_busy(const void *obj)
{
	const struct td_domain *d = obj;

	return d->attached;
}

const struct td_obj_ops td_domain_ops = { .busy = domain_busy, .destroy = domain_destroy };

static int range_check(struct td_domain *d, u64 iova, u64 length)
{
	unsigned long pgsizes = d->domain->pgsize_bitmap;
	u64 min_page = pgsizes ? 1ULL << __ffs(pgsizes) : PAGE_SIZE;
	struct iommu_domain_geometry *g = &d->domain->geometry;

	if (!length || !IS_ALIGNED(iova, min_page) || !IS_ALIGNED(length, min_page))
		return -EINVAL;
	if (iova + length - 1 < iova)
		return -EOVERFLOW;
	/* The aperture ITD_INFO reports; an IOMMU that reports none is not checked. */
	if ((g->force_aperture || g->aperture_end) &&
	    (iova < g->aperture_start || iova + length - 1 > g->aperture_end))
		return -ERANGE;
	return 0;
}

/*
 * The group's reserved regions, read once at probe (ITD_MAP checks them on
 * every call): the ranges ITD_MAP refuses, and the software-managed MSI
 * window (Arm), where the module's own domains get an MSI cookie so the
 * doorbell is mapped in them as in the default domain. The group's regions
 * are what sysfs reserved_regions shows; the per-device getter is not
 * exported by every kernel we build for.
 */
/*
 * The device's reserved regions (the MSI window, firmware-reserved memory,
 * ...) must not become ordinary IOVAs: mapping memory there would shadow the
 * doorbell or the firmware's ranges. iommufd refuses them too (EINVAL for a
 * map, EADDRINUSE for an attach over a mapping). EADDRINUSE says which rule
 * it was.
 */
static int resv_check(struct testdev *td, u64 iova, u64 length)
{
	const struct td_engine_window *w = &td->engine_window;

	for (unsigned int i = 0; i < td->nresv; i++)
		if (iova <= td->resv[i].last && td->resv[i].start <= iova + length - 1)
			return -EADDRINUSE;
	/* The engine's own memory (ITD_INFO engine_iova_*) is taken the same way. */
	if (w->length && iova <= w->iova + w->length - 1 && w->iova <= iova + length - 1)
		return -EADDRINUSE;
	return 0;
}

int td_map(struct testdev *td, struct itd_map *m)
{
	struct td_domain *d = xa_load(&td->domains, m->domain_id);
	struct td_buf *b = xa_load(&td->bufs, m->buf_id);
	struct td_map *nm, *pos;
	int prot = 0, ret;

	if (m->flags & ~(ITD_MAP_READ | ITD_MAP_WRITE))
		return -EOPNOTSUPP;
	if (!(m->flags & (ITD_MAP_READ | ITD_MAP_WRITE)))
		return -EINVAL;		/* a mapping nobody may access is a missing mapping */
	if (!d || !b)
		return -ENOENT;
	ret = range_check(d, m->iova, m->length);
	if (!ret)
		ret = resv_check(td, m->iova, m->length);
	if (ret)
		return ret;
	if (!IS_ALIGNED(m->buf_offset, PAGE_SIZE) || m->buf_offset > b->length ||
	    m->length > b->length - m->buf_offset)
		return -EINVAL;
	list_for_each_entry(pos, &d->maps, node)
		if (m->iova < pos->iova + pos->length && pos->iova < m->iova + m->length)
			return -EEXIST;
	nm = kzalloc(sizeof(*nm), GFP_KERNEL);
	if (!nm)
		return -ENOMEM;
	if (m->flags & ITD_MAP_READ)
		prot |= IOMMU_READ;
	if (m->flags & ITD_MAP_WRITE)
		prot |= IOMMU_WRITE;
	ret = map_pages(d->domain, m->iova, page_to_phys(b->pages) + m->buf_offset, m->length, prot);
	if (ret) {
		kfree(nm);
		return ret;
	}
	*nm = (struct td_map){ .iova = m->iova, .length = m->length, .buf_offset = m->buf_offset,
			       .buf = b, .prot = m->flags };
	b->maps++;
	/* Keep the list sorted by IOVA. */
	list_for_each_entry(pos, &d->maps, node)
		if (pos->iova > nm->iova)
			break;
	list_add_tail(&nm->node, &pos->node);
	return 0;
}

/* The range must be exactly a run of whole mappings: no gaps, no partial cuts. */
int td_unmap(struct testdev *td, struct itd_map *m)
{
	struct td_domain *d = xa_load(&td->domains, m->domain_id);
	struct td_map *pos, *tmp, *first = NULL;
	u64 next, end;
	int ret;

	if (m->flags)
		return -EOPNOTSUPP;
	if (!d)
		return -ENOENT;
	ret = range_check(d, m->iova, m->length);
	if (ret)
		return ret;
	end = m->iova + m->length;
	next = m->iova;
	list_for_each_entry(pos, &d->maps, node) {
		if (pos->iova + pos->length <= m->iova)
			continue;
		if (pos->iova >= end)
			break;
		if (pos->iova < m->iova || pos->iova + pos->length > end)
			return -EINVAL;		/* would cut a mapping */
		if (pos->iova != next)
			return -ENOENT;		/* a hole: part of the range is not mapped */
		if (!first)
			first = pos;
		next = pos->iova + pos->length;
	}
	if (!first || next != end)
		return -ENOENT;
	pos = first;
	list_for_each_entry_safe_from(pos, tmp, &d->maps, node) {
		if (pos->iova >= end)
			break;
		if (!unmap_one(d, pos))
			ret = -EIO;	/* the IOMMU driver unmapped less than it mapped */
	}
	return ret;
}
