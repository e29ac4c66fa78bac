// SPDX-License-Identifier: GPL-2.0-only
/*
 * Buffers: module-owned, physically contiguous, zeroed memory that test
 * domains map and engines DMA into (ITD_BUF_*). Called with testdev->lock
 * held; the errno of every rejected request is part of the uAPI
 * (docs/testdev.md). State layer, lowest part: calls nothing above it.
 */
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "testdev.h"

static void buf_destroy(struct testdev *td, void *obj)
{
	struct td_buf *b = obj;

	if (b->dma_mapped)
		dma_unmap_page(td_dev(td), b->dma_addr, b->length, DMA_BIDIRECTIONAL);
	__free_pages(b->pages, b->order);
	kfree(b);
}

/* A buffer stays while a mapping uses it. */
static bool buf_busy(const void *obj)
{
	const struct td_buf *b = obj;

	return b->maps;
}

const struct td_obj_ops td_buf_ops = { .busy = buf_busy, .destroy = buf_destroy };

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
	buf_destroy(td, b);
	return ret;
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

/*
 * ITD_BUF_DMA_UNMAP: the DMA API unmap of one of the module's DMA API
 * buffers, the buffer kept. Its pages stay allocated and owned by the module
 * until ITD_BUF_FREE, so a device transfer that still reaches the old IOVA
 * (a lazy default domain before its flush queue drains, or a broken strict
 * one) lands in module memory and nowhere else. dma_addr stays as it was,
 * for the record; td_dma_addr_owned() no longer counts it.
 */
int td_buf_dma_unmap(struct testdev *td, struct itd_buf_dma_unmap *u)
{
	struct td_buf *b;

	if (u->flags)
		return -EOPNOTSUPP;
	b = xa_load(&td->bufs, u->buf_id);
	if (!b)
		return -ENOENT;
	if (!b->dma_mapped)
		return -EINVAL;
	dma_unmap_page(td_dev(td), b->dma_addr, b->length, DMA_BIDIRECTIONAL);
	b->dma_mapped = false;
	return 0;
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
