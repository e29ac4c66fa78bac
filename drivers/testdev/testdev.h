/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommu_testdev internals. One struct testdev per bound PCI function; its
 * state (domains, attachments, buffers) belongs to the one open file and is
 * torn down when that file is closed or the function is unbound, so a test
 * that crashes never leaves the device attached to a stale domain.
 */
#ifndef TESTDEV_H
#define TESTDEV_H

#include <linux/interrupt.h>
#include <linux/iommu.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>
#include "kcompat.h"
#include "uapi/iommu_testdev.h"

struct testdev;

/*
 * A DMA engine: one ops table per engine, one file each (docs/testdev.md, "Engines").
 * Calls are serialised by testdev->lock.
 */
struct td_engine_ops {
	const char *name;
	enum itd_engine_kind kind;
	u32 max_len;			/* largest memcpy */
	bool pasid;			/* can tag transfers with a PASID */
	/* Does this engine drive PDEV? Called before init. */
	bool (*match)(struct pci_dev *pdev);
	/* Map registers, enable the function; may set td->engine_priv. */
	int (*init)(struct testdev *td);
	/* Start copying LEN bytes src -> dst (IOVAs); with_pasid: tag with PASID. */
	int (*memcpy_start)(struct testdev *td, u64 src, u64 dst, u32 len, bool with_pasid, u32 pasid);
	/* Wait for the transfer started last: ITD_DMA_OK/FAULT/TIMEOUT/ERROR or -errno. */
	int (*memcpy_wait)(struct testdev *td);
	/* Raise one MSI from the device. */
	int (*send_msi)(struct testdev *td);
	void (*remove)(struct testdev *td);
};

/* engine_pci.c: what every PCI device engine sets up and tears down. */
struct td_pci {
	void __iomem *regs;	/* BAR 0 */
	int irq;		/* the MSI vector */
	irq_handler_t handler;
};
int td_pci_setup(struct testdev *td, struct td_pci *p, irq_handler_t handler);
void td_pci_teardown(struct testdev *td, struct td_pci *p);
void td_msi_rearm(struct testdev *td);
int td_read_resv(struct testdev *td);

extern const struct td_engine_ops td_engine_edu;
extern const struct td_engine_ops td_engine_labdev;

struct td_buf {
	u32 id;
	struct page *pages;
	unsigned int order;
	u64 length;
	dma_addr_t dma_addr;		/* with ITD_BUF_DMA_API */
	bool dma_mapped;
	unsigned int maps;		/* IOMMU mappings onto this buffer */
};

struct td_map {
	struct list_head node;
	u64 iova, length, buf_offset;
	struct td_buf *buf;
	u32 prot;
};

struct td_domain {
	u32 id;
	struct iommu_domain *domain;
	bool pasid_capable;
	unsigned int attached;		/* RID + PASID attachments */
	struct list_head maps;		/* struct td_map, sorted by iova */
};

#define TD_FAULT_RING 64

/* What the I/O node measured (ITD_IO_STATS): successful requests only. */
struct td_io_stats {
	u64 ios, bytes, segments;
	u64 map_ns, map_ns_sq, unmap_ns, unmap_ns_sq, engine_ns;
};

struct testdev {
	struct pci_dev *pdev;
	struct miscdevice misc;
	struct miscdevice io_misc;	/* the I/O node (io.c) */
	struct kref ref;
	struct mutex lock;		/* everything below */
	bool dead;			/* unbound: ioctls fail with -ENODEV */
	bool open;			/* one opener at a time */

	const struct td_engine_ops *engine;	/* NULL: no device engine */
	void *engine_priv;
	struct td_pci *pci;		/* the engine's PCI plumbing, NULL without engine */
	atomic_t msi_count;
	struct td_resv {		/* the group's reserved regions (not relaxable), from probe */
		u64 start, last;
	} *resv;
	unsigned int nresv;
	bool sw_msi;			/* the group has a software-managed MSI window (Arm) */
	u64 sw_msi_base;

	/* Per-open state. */
	struct xarray bufs;		/* id -> struct td_buf */
	struct xarray domains;		/* id -> struct td_domain */
	struct xarray pasids;		/* pasid -> struct td_domain */
	enum itd_attach_state state;
	struct td_domain *rid_domain;	/* ITD_STATE_DOMAIN */
	bool owned;			/* DMA ownership claimed */

	/* The I/O node's store: from its first open until unbind. */
	void *io_store;
	dma_addr_t io_store_dma;
	struct rw_semaphore io_rwsem;	/* read: an I/O step in flight; write: unbind */
	spinlock_t io_stats_lock;
	struct td_io_stats io_stats;

	spinlock_t fault_lock;
	struct itd_fault faults[TD_FAULT_RING];
	unsigned int fault_head, fault_count, fault_lost;
};

/* main.c */
void td_fault_record(struct testdev *td, u64 iova, u32 flags, u32 pasid, u32 source);
u32 td_max_pasids(struct testdev *td);
void td_teardown(struct testdev *td);
void td_free(struct kref *ref);

/* state.c: buffers, domains, attachments, mappings */
int td_buf_alloc(struct testdev *td, struct itd_buf_alloc *a);
int td_buf_free(struct testdev *td, u32 id);
int td_buf_rw(struct testdev *td, struct itd_buf_rw *rw);
int td_domain_alloc(struct testdev *td, struct itd_domain_alloc *a);
int td_domain_free(struct testdev *td, u32 id);
int td_attach(struct testdev *td, struct itd_attach *a);
int td_detach(struct testdev *td, struct itd_attach *a);
int td_map(struct testdev *td, struct itd_map *m);
int td_unmap(struct testdev *td, struct itd_map *m);
/* 0, or the errno for a PASID this device cannot use (EOPNOTSUPP, EINVAL, ERANGE). */
int td_pasid_check(struct testdev *td, u32 pasid);
struct iommu_domain *td_domain_for(struct testdev *td, bool with_pasid, u32 pasid);
bool td_phys_owned(struct testdev *td, phys_addr_t phys, u64 len);
bool td_dma_addr_owned(struct testdev *td, u64 addr, u64 len);

/* ioctl.c */
long td_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
/* Copy in an argument whose first version is MINSZ bytes; copy out no more than the caller's size. */
int td_get_arg(void *karg, size_t ksize, size_t minsz, void __user *uarg);
int td_put_arg(void __user *uarg, const void *karg, size_t ksize);

/* io.c: the I/O node */
int td_io_register(struct testdev *td);
void td_io_free_store(struct testdev *td);
/* The default domain's type as ITD_INFO names it; "" unless on the default domain. */
const char *td_default_domain_name(struct testdev *td);

/* dma.c */
int td_dma(struct testdev *td, struct itd_dma *op);

#endif
