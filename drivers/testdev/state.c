// SPDX-License-Identifier: GPL-2.0-only
/*
 * Buffers, paging domains, attachments (requester ID and PASID) and mappings.
 * All called with testdev->lock held. The errno of every rejected request is
 * part of the uAPI (docs/testdev.md).
 */
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "testdev.h"

#ifndef HAVE_IOMMU_NO_PASID
#define IOMMU_NO_PASID 0U
#endif

/* Domain ids stay clear of ITD_DOMAIN_DEFAULT/BLOCKED. */
#define TD_ID_LIMIT XA_LIMIT(1, 0xfffff)

static struct device *td_dev(struct testdev *td)
{
	return &td->pdev->dev;
}

/* --- buffers --------------------------------------------------------------- */

int td_buf_alloc(struct testdev *td, struct itd_buf_alloc *a)
{
	u64 align = a->align ? a->align : PAGE_SIZE;
	struct td_buf *b;
	int ret;

	if (a->flags & ~ITD_BUF_DMA_API)
		return -EOPNOTSUPP;
	if (!a->length || !IS_ALIGNED(a->length, PAGE_SIZE) || !is_power_of_2(align) ||
	    align < PAGE_SIZE)
		return -EINVAL;
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	/* A power-of-two allocation is naturally aligned to its size. */
	b->order = get_order(max(a->length, align));
	b->length = a->length;
	b->pages = alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, b->order);
	if (!b->pages) {
		kfree(b);
		return -ENOMEM;
	}
	if (a->flags & ITD_BUF_DMA_API) {
		b->dma_addr = dma_map_page(td_dev(td), b->pages, 0, b->length, DMA_BIDIRECTIONAL);
		if (dma_mapping_error(td_dev(td), b->dma_addr)) {
			ret = -ENOMEM;
			goto err;
		}
		b->dma_mapped = true;
		a->dma_addr = b->dma_addr;
	}
	ret = xa_alloc(&td->bufs, &b->id, b, TD_ID_LIMIT, GFP_KERNEL);
	if (ret)
		goto err;
	a->buf_id = b->id;
	return 0;
err:
	if (b->dma_mapped)
		dma_unmap_page(td_dev(td), b->dma_addr, b->length, DMA_BIDIRECTIONAL);
	__free_pages(b->pages, b->order);
	kfree(b);
	return ret;
}

static void buf_destroy(struct testdev *td, struct td_buf *b)
{
	if (b->dma_mapped)
		dma_unmap_page(td_dev(td), b->dma_addr, b->length, DMA_BIDIRECTIONAL);
	__free_pages(b->pages, b->order);
	kfree(b);
}

int td_buf_free(struct testdev *td, u32 id)
{
	struct td_buf *b = xa_load(&td->bufs, id);

	if (!b)
		return -ENOENT;
	if (b->maps)
		return -EBUSY;
	xa_erase(&td->bufs, id);
	buf_destroy(td, b);
	return 0;
}

int td_buf_rw(struct testdev *td, struct itd_buf_rw *rw)
{
	struct td_buf *b = xa_load(&td->bufs, rw->buf_id);
	void __user *u = u64_to_user_ptr(rw->uptr);
	void *va;

	if (rw->flags & ~ITD_BUF_WRITE)
		return -EOPNOTSUPP;
	if (!b)
		return -ENOENT;
	if (!rw->length || rw->offset > b->length || rw->length > b->length - rw->offset)
		return -EINVAL;
	va = page_address(b->pages) + rw->offset;
	if (rw->flags & ITD_BUF_WRITE)
		return copy_from_user(va, u, rw->length) ? -EFAULT : 0;
	return copy_to_user(u, va, rw->length) ? -EFAULT : 0;
}

/* Does [phys, phys+len) lie inside one module buffer? */
bool td_phys_owned(struct testdev *td, phys_addr_t phys, u64 len)
{
	struct td_buf *b;
	unsigned long i;

	xa_for_each(&td->bufs, i, b) {
		phys_addr_t start = page_to_phys(b->pages);

		if (phys >= start && len <= b->length && phys - start <= b->length - len)
			return true;
	}
	return false;
}

/* Does [addr, addr+len) lie inside one module buffer's DMA API mapping? */
bool td_dma_addr_owned(struct testdev *td, u64 addr, u64 len)
{
	struct td_buf *b;
	unsigned long i;

	xa_for_each(&td->bufs, i, b) {
		if (b->dma_mapped && addr >= b->dma_addr && len <= b->length &&
		    addr - b->dma_addr <= b->length - len)
			return true;
	}
	return false;
}

/* --- domains --------------------------------------------------------------- */

static int td_fault_handler(struct iommu_domain *domain, struct device *dev, unsigned long iova,
			    int flags, void *token)
{
	td_fault_record(token, iova, flags & IOMMU_FAULT_WRITE ? ITD_FAULT_WRITE : 0, 0, 0);
	return -ENOSYS;	/* not handled: the IOMMU driver still reports it its way */
}

static struct iommu_domain *paging_domain_alloc(struct device *dev, bool pasid)
{
#if defined(HAVE_IOMMU_PAGING_DOMAIN_ALLOC_FLAGS)
	return iommu_paging_domain_alloc_flags(dev, pasid ? IOMMU_HWPT_ALLOC_PASID : 0);
#elif defined(HAVE_IOMMU_PAGING_DOMAIN_ALLOC)
	return iommu_paging_domain_alloc(dev);
#else
	struct iommu_domain *d = iommu_domain_alloc(dev->bus);

	return d ? d : ERR_PTR(-ENOMEM);
#endif
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
	/*
	 * A domain holds one cookie: since 6.15 the fault handler and the MSI
	 * cookie share it. Where MSIs need the doorbell mapped (a software MSI
	 * window: Arm) the cookie wins; the SMMUv3 driver reports no faults
	 * through the handler anyway. Elsewhere the handler records faults.
	 */
	if (td->sw_msi) {
		ret = iommu_get_msi_cookie(d->domain, td->sw_msi_base);
		if (ret)
			pci_warn(td->pdev, "no MSI cookie for domain: %d (MSIs in it will fault)\n", ret);
	} else {
		iommu_set_fault_handler(d->domain, td_fault_handler, td);
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

static void domain_destroy(struct td_domain *d)
{
	struct td_map *m, *tmp;

	list_for_each_entry_safe(m, tmp, &d->maps, node)
		unmap_one(d, m);
	iommu_domain_free(d->domain);
	kfree(d);
}

int td_domain_free(struct testdev *td, u32 id)
{
	struct td_domain *d = xa_load(&td->domains, id);

	if (!d)
		return -ENOENT;
	if (d->attached)
		return -EBUSY;
	xa_erase(&td->domains, id);
	domain_destroy(d);
	return 0;
}

/* --- attachments ------------------------------------------------------------ */

static int claim(struct testdev *td)
{
#ifdef HAVE_IOMMU_DEVICE_CLAIM_DMA_OWNER
	int ret;

	if (td->owned)
		return 0;
	ret = iommu_device_claim_dma_owner(td_dev(td), td);
	if (!ret)
		td->owned = true;
	return ret;
#else
	return 0;	/* before 6.2 a single-device group is attached directly */
#endif
}

static void release(struct testdev *td)
{
#ifdef HAVE_IOMMU_DEVICE_CLAIM_DMA_OWNER
	if (td->owned)
		iommu_device_release_dma_owner(td_dev(td));
#endif
	td->owned = false;
}

static void rid_detach(struct testdev *td)
{
	iommu_detach_device(td->rid_domain->domain, td_dev(td));
	td->rid_domain->attached--;
	td->rid_domain = NULL;
	td->state = ITD_STATE_BLOCKED;
}

int td_pasid_check(struct testdev *td, u32 pasid)
{
	u32 max = td_max_pasids(td);

	if (!max)
		return -EOPNOTSUPP;	/* the device or its IOMMU has no PASIDs */
	if (pasid == IOMMU_NO_PASID)
		return -EINVAL;		/* PASID 0 stands for "no PASID" */
	if (pasid >= max)
		return -ERANGE;
	return 0;
}

/* The kernel's PASID attach API: 4 arguments since 6.11, 3 from 6.2, none before. */
static int kernel_pasid_attach(struct iommu_domain *domain, struct device *dev, u32 pasid)
{
#if defined(HAVE_IOMMU_ATTACH_DEVICE_PASID_HANDLE)
	return iommu_attach_device_pasid(domain, dev, pasid, NULL);
#elif defined(HAVE_IOMMU_ATTACH_DEVICE_PASID_3)
	return iommu_attach_device_pasid(domain, dev, pasid);
#else
	return -EOPNOTSUPP;
#endif
}

static void kernel_pasid_detach(struct iommu_domain *domain, struct device *dev, u32 pasid)
{
#if defined(HAVE_IOMMU_ATTACH_DEVICE_PASID_HANDLE) || defined(HAVE_IOMMU_ATTACH_DEVICE_PASID_3)
	iommu_detach_device_pasid(domain, dev, pasid);
#endif
}

static int pasid_attach(struct testdev *td, struct td_domain *d, u32 pasid)
{
	int ret = td_pasid_check(td, pasid);

	if (ret)
		return ret;
	if (!d->pasid_capable)
		return -EINVAL;		/* allocate it with ITD_DOMAIN_PASID */
	if (xa_load(&td->pasids, pasid))
		return -EBUSY;
	ret = kernel_pasid_attach(d->domain, td_dev(td), pasid);
	if (ret)
		return ret;
	ret = xa_err(xa_store(&td->pasids, pasid, d, GFP_KERNEL));
	if (ret) {
		kernel_pasid_detach(d->domain, td_dev(td), pasid);
		return ret;
	}
	d->attached++;
	return 0;
}

static void pasid_detach(struct testdev *td, u32 pasid, struct td_domain *d)
{
	kernel_pasid_detach(d->domain, td_dev(td), pasid);
	xa_erase(&td->pasids, pasid);
	d->attached--;
}

int td_attach(struct testdev *td, struct itd_attach *a)
{
	struct td_domain *d;
	int ret;

	if (a->flags & ~ITD_ATTACH_PASID)
		return -EOPNOTSUPP;
	if (a->flags & ITD_ATTACH_PASID) {
		d = xa_load(&td->domains, a->domain_id);
		return d ? pasid_attach(td, d, a->pasid) : -ENOENT;
	}

	switch (a->domain_id) {
	case ITD_DOMAIN_DEFAULT:
		if (td->state == ITD_STATE_DEFAULT)
			return -EBUSY;
		if (!xa_empty(&td->pasids))
			return -EBUSY;	/* ownership cannot change under attached PASIDs */
		if (td->state == ITD_STATE_DOMAIN)
			rid_detach(td);
		release(td);
		td->state = ITD_STATE_DEFAULT;
		td_msi_rearm(td);
		return 0;
	case ITD_DOMAIN_BLOCKED:
#ifndef HAVE_IOMMU_DEVICE_CLAIM_DMA_OWNER
		return -EOPNOTSUPP;	/* no blocking domain before 6.2 */
#endif
		if (td->state == ITD_STATE_BLOCKED)
			return -EBUSY;
		if (td->state == ITD_STATE_DOMAIN) {
			rid_detach(td);
			return 0;
		}
		if (!xa_empty(&td->pasids))
			return -EBUSY;	/* claiming ownership needs no PASID attached */
		ret = claim(td);
		if (!ret)
			td->state = ITD_STATE_BLOCKED;
		return ret;
	}

	d = xa_load(&td->domains, a->domain_id);
	if (!d)
		return -ENOENT;
	if (td->state == ITD_STATE_DOMAIN)
		return -EBUSY;	/* detach first */
	if (td->state == ITD_STATE_DEFAULT && !xa_empty(&td->pasids))
		return -EBUSY;	/* claiming ownership needs no PASID attached */
	ret = claim(td);
	if (ret)
		return ret;
	ret = iommu_attach_device(d->domain, td_dev(td));
	if (ret) {
		/* Leave the device as it was: blocked stays blocked, default goes back. */
		if (td->state == ITD_STATE_DEFAULT)
			release(td);
		return ret;
	}
	d->attached++;
	td->rid_domain = d;
	td->state = ITD_STATE_DOMAIN;
	td_msi_rearm(td);
	return 0;
}

int td_detach(struct testdev *td, struct itd_attach *a)
{
	struct td_domain *d;
	int ret;

	if (a->flags & ~ITD_ATTACH_PASID)
		return -EOPNOTSUPP;
	if (a->flags & ITD_ATTACH_PASID) {
		ret = td_pasid_check(td, a->pasid);
		if (ret)
			return ret;
		d = xa_load(&td->pasids, a->pasid);
		if (!d)
			return -ENOENT;
		pasid_detach(td, a->pasid, d);
		return 0;
	}
	if (td->state != ITD_STATE_DOMAIN)
		return -ENOENT;
	rid_detach(td);
	return 0;
}

/* The domain translating the device's RID, or its PASID; NULL if none (blocked). */
struct iommu_domain *td_domain_for(struct testdev *td, bool with_pasid, u32 pasid)
{
	struct td_domain *d;

	if (with_pasid) {
		d = xa_load(&td->pasids, pasid);
		return d ? d->domain : NULL;
	}
	switch (td->state) {
	case ITD_STATE_DOMAIN:
		return td->rid_domain->domain;
	case ITD_STATE_DEFAULT:
		return iommu_get_domain_for_dev(td_dev(td));
	default:
		return NULL;
	}
}

/* --- mappings ---------------------------------------------------------------- */

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
int td_read_resv(struct testdev *td)
{
	struct iommu_group *group = iommu_group_get(&td->pdev->dev);
	struct iommu_resv_region *r, *next;
	LIST_HEAD(regions);
	unsigned int n = 0;
	int ret;

	td->nresv = 0;
	td->sw_msi = false;
	if (!group)
		return 0;
	ret = iommu_get_group_resv_regions(group, &regions);
	list_for_each_entry(r, &regions, list)
		n++;
	td->resv = ret || !n ? NULL : kcalloc(n, sizeof(*td->resv), GFP_KERNEL);
	if (!ret && n && !td->resv)
		ret = -ENOMEM;
	list_for_each_entry_safe(r, next, &regions, list) {
		/* Like iommufd, leave the relaxable direct-mapped regions free. */
		if (td->resv && r->length && r->type != IOMMU_RESV_DIRECT_RELAXABLE)
			td->resv[td->nresv++] = (struct td_resv){ r->start, r->start + r->length - 1 };
		if (r->type == IOMMU_RESV_SW_MSI) {
			td->sw_msi = true;
			td->sw_msi_base = r->start;
		}
		list_del(&r->list);
		kfree(r);	/* copies made for the caller */
	}
	iommu_group_put(group);
	return ret;
}

/*
 * The device's reserved regions (the MSI window, firmware-reserved memory,
 * ...) must not become ordinary IOVAs: mapping memory there would shadow the
 * doorbell or the firmware's ranges. iommufd refuses them too (EINVAL for a
 * map, EADDRINUSE for an attach over a mapping). EADDRINUSE says which rule
 * it was.
 */
static int resv_check(struct testdev *td, u64 iova, u64 length)
{
	for (unsigned int i = 0; i < td->nresv; i++)
		if (iova <= td->resv[i].last && td->resv[i].start <= iova + length - 1)
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
#ifdef HAVE_IOMMU_MAP_GFP
	ret = iommu_map(d->domain, m->iova, page_to_phys(b->pages) + m->buf_offset, m->length, prot,
			GFP_KERNEL);
#else
	ret = iommu_map(d->domain, m->iova, page_to_phys(b->pages) + m->buf_offset, m->length, prot);
#endif
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

/* --- teardown ------------------------------------------------------------------ */

/* Everything the open file built, undone; the device back on its default domain. */
void td_teardown(struct testdev *td)
{
	bool moved = td->state != ITD_STATE_DEFAULT;
	struct td_domain *d;
	struct td_buf *b;
	unsigned long i;

	xa_for_each(&td->pasids, i, d)
		pasid_detach(td, i, d);
	if (td->state == ITD_STATE_DOMAIN)
		rid_detach(td);
	release(td);
	td->state = ITD_STATE_DEFAULT;
	if (moved)
		td_msi_rearm(td);	/* before the domains it may have used go */
	xa_for_each(&td->domains, i, d) {
		xa_erase(&td->domains, i);
		domain_destroy(d);
	}
	xa_for_each(&td->bufs, i, b) {
		xa_erase(&td->bufs, i);
		buf_destroy(td, b);
	}
	td->fault_head = td->fault_count = td->fault_lost = 0;
}
