// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attachments: the function's DMA ownership and what translates its
 * requester ID (default domain, blocked, a test domain) and each PASID
 * (ITD_ATTACH, ITD_DETACH), as iommufd's device.c; and the teardown of an
 * open file's whole state. Called with testdev->lock held; the errno of
 * every rejected request is part of the uAPI (docs/testdev.md). State layer,
 * top part: calls domain.c, buf.c and the bottom layer.
 */
#include "testdev.h"

#ifndef HAVE_IOMMU_NO_PASID
#define IOMMU_NO_PASID 0U
#endif

/*
 * DMA ownership: the kernel detaches its default domain and blocks the RID
 * until a domain is attached. Per device since 6.2; before, per group, which
 * is the same for the single-function groups the module attaches (the IOMMU
 * core refuses an attach in a larger group anyway).
 */
#if defined(HAVE_IOMMU_DEVICE_CLAIM_DMA_OWNER) || defined(HAVE_IOMMU_GROUP_CLAIM_DMA_OWNER)
#define TD_DMA_OWNER 1
#endif

static int claim(struct testdev *td)
{
#ifdef TD_DMA_OWNER
	int ret;

	if (td->owned)
		return 0;
#ifdef HAVE_IOMMU_DEVICE_CLAIM_DMA_OWNER
	ret = iommu_device_claim_dma_owner(td_dev(td), td);
#else
	ret = iommu_group_claim_dma_owner(td_dev(td)->iommu_group, td);
#endif
	if (!ret)
		td->owned = true;
	return ret;
#else
	return 0;	/* no ownership at all: a single-device group is attached directly */
#endif
}

static void release(struct testdev *td)
{
#ifdef HAVE_IOMMU_DEVICE_CLAIM_DMA_OWNER
	if (td->owned)
		iommu_device_release_dma_owner(td_dev(td));
#elif defined(HAVE_IOMMU_GROUP_CLAIM_DMA_OWNER)
	if (td->owned)
		iommu_group_release_dma_owner(td_dev(td)->iommu_group);
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

static int pasid_attach(struct testdev *td, u32 domain_id, u32 pasid)
{
	struct td_domain *d = xa_load(&td->domains, domain_id);
	int ret;

	if (!d)
		return -ENOENT;
	ret = td_pasid_check(td, pasid);
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

/* ITD_DETACH at a PASID: the domain id is not looked at. */
static int pasid_detach_cmd(struct testdev *td, u32 domain_id, u32 pasid)
{
	struct td_domain *d;
	int ret = td_pasid_check(td, pasid);

	if (ret)
		return ret;
	d = xa_load(&td->pasids, pasid);
	if (!d)
		return -ENOENT;
	pasid_detach(td, pasid, d);
	return 0;
}

/* The RID to the default domain, blocked, or a test domain. */
static int rid_attach(struct testdev *td, u32 domain_id)
{
	struct td_domain *d;
	int ret;

	switch (domain_id) {
	case ITD_DOMAIN_DEFAULT:
		if (td->state == ITD_STATE_DEFAULT)
			return -EBUSY;
		if (!xa_empty(&td->pasids))
			return -EBUSY;	/* ownership cannot change under attached PASIDs */
		if (td->state == ITD_STATE_DOMAIN)
			rid_detach(td);
		release(td);
		td->state = ITD_STATE_DEFAULT;
		/* On the default domain now whatever this says: an error means
		 * its vectors could not be allocated again (the next domain
		 * change tries again), and the caller is told. */
		return td_msi_rearm(td);
	case ITD_DOMAIN_BLOCKED:
#ifndef TD_DMA_OWNER
		return -EOPNOTSUPP;	/* no DMA ownership, no blocking domain */
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

	d = xa_load(&td->domains, domain_id);
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
	/* The vectors again, for the doorbell in the new domain (Arm). Without
	 * them the function would be attached but deaf: the attach fails and is
	 * undone, with the vectors allocated again for the default domain it
	 * goes back to (none while blocked: there they cannot be). */
	ret = td_msi_rearm(td);
	if (ret) {
		iommu_detach_device(d->domain, td_dev(td));
		if (td->state == ITD_STATE_DEFAULT) {
			release(td);
			td_msi_rearm(td);
		}
		return ret;
	}
	d->attached++;
	td->rid_domain = d;
	td->state = ITD_STATE_DOMAIN;
	return 0;
}

/* ITD_DETACH at the RID: whatever test domain is there (the id is not looked at). */
static int rid_detach_cmd(struct testdev *td, u32 domain_id)
{
	if (td->state != ITD_STATE_DOMAIN)
		return -ENOENT;
	rid_detach(td);
	return 0;
}

/* ITD_ATTACH and ITD_DETACH: at a PASID with ITD_ATTACH_PASID, else at the RID. */
static int attach_cmd(struct testdev *td, const struct itd_attach *a,
		      int (*at_rid)(struct testdev *td, u32 domain_id),
		      int (*at_pasid)(struct testdev *td, u32 domain_id, u32 pasid))
{
	if (a->flags & ~ITD_ATTACH_PASID)
		return -EOPNOTSUPP;
	if (a->flags & ITD_ATTACH_PASID)
		return at_pasid(td, a->domain_id, a->pasid);
	return at_rid(td, a->domain_id);
}

int td_attach(struct testdev *td, struct itd_attach *a)
{
	return attach_cmd(td, a, rid_attach, pasid_attach);
}

int td_detach(struct testdev *td, struct itd_attach *a)
{
	return attach_cmd(td, a, rid_detach_cmd, pasid_detach_cmd);
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

/* Everything the open file built, undone; the device back on its default domain. */
void td_teardown(struct testdev *td)
{
	bool moved = td->state != ITD_STATE_DEFAULT;
	struct td_domain *d;
	unsigned long i;

	xa_for_each(&td->pasids, i, d)
		pasid_detach(td, i, d);
	if (td->state == ITD_STATE_DOMAIN)
		rid_detach(td);
	release(td);
	td->state = ITD_STATE_DEFAULT;
	if (moved)
		td_msi_rearm(td);	/* before the domains it may have used go */
	/* The domains first: their mappings use the buffers. */
	td_objs_destroy(td, &td->domains, &td_domain_ops);
	td_objs_destroy(td, &td->bufs, &td_buf_ops);
	td_faults_reset(td);
}
