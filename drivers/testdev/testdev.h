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
#include "device_desc.h"	/* lib/drivers/ */

struct testdev;
struct td_pci;

/*
 * A DMA engine: one ops table per engine, one file each (docs/testdev.md,
 * "Engines"), for a device described in lib/drivers/<dev>/ (registers, limits,
 * and the struct lab_device_desc engine_pci.c works from). Calls are
 * serialised by testdev->lock. The contract, the same for every engine and for
 * the userspace engines (lib/uengine.h):
 *
 * memcpy_start() checks the request and hands it to the device: on return 0
 * the device has accepted it and the transfer is in flight or already done.
 * It does not wait for completion. It fails, with nothing issued, with
 * -EINVAL (length 0 or above max_len, or not a multiple of td->dma_granule,
 * or an address not a multiple of td->dma_align), -EOPNOTSUPP (a PASID this
 * function cannot tag with), -EBUSY (the device is still busy with an
 * earlier, timed-out transfer), -EROFS (the engine may not copy: nvme
 * without a scratch range) or -ENOLINK (the engine fetches its commands by
 * DMA and the RID is blocked: it cannot reach them). Every successful
 * memcpy_start() (or oneway_start()) is followed by one memcpy_wait()
 * before the next call.
 *
 * memcpy_wait() returns when the transfer is complete (every DMA the device
 * issued for it has finished) or has timed out, and says how it ended:
 * ITD_DMA_OK, ITD_DMA_FAULT (the device reported a failed access, recorded
 * with td_fault_record() as ITD_FAULT_SOURCE_ENGINE), ITD_DMA_TIMEOUT (not
 * done within the engine's limit, a few seconds), ITD_DMA_MISMATCH (a
 * one-sided ITD_DMA_TO_DEVICE check found other bytes), ITD_DMA_ERROR, or
 * -errno.
 * A device that cannot see faults returns ITD_DMA_OK for a faulting transfer;
 * the IOMMU's fault log and the data tell. It polls: completion must not
 * depend on an interrupt, as a test domain may leave the MSI doorbell
 * unmapped.
 *
 * send_msi() makes the device send an MSI once on a vector (below
 * td->msi_vectors) and returns without waiting for the interrupt; the
 * handler counts it in td->msi_count[vector]. -ENOLINK as memcpy_start().
 *
 * The interrupts: with msix_vectors 0, one MSI vector whose handler
 * (engine_pci.c) acknowledges through the description's irq_status/irq_ack
 * registers; otherwise up to msix_vectors MSI-X (else MSI) vectors, each
 * counted when the engine's irq() says the interrupt was the device's.
 */
#define TD_MSI_VECTORS 8		/* most vectors an engine may ask for */
struct td_engine_ops {
	const char *name;
	enum itd_engine_kind kind;
	u32 max_len;			/* largest memcpy (probe may lower td->dma_max_len) */
	bool pasid;			/* can tag transfers with a PASID */
	struct lab_device_desc dev;	/* the function it drives (lib/drivers/device_desc.h) */
	size_t priv_size;		/* td->engine_priv, zeroed at probe, freed at unbind */
	u32 msix_vectors;		/* 0: one MSI; else MSI-X vectors wanted (see above) */
	/* Optional: the device's own set-up, once BAR 0, bus mastering and the
	 * interrupts are on; it may set td->dma_max_len, dma_granule, dma_align,
	 * engine_caps, msi_vectors and engine_window. 0 or -errno (no engine). */
	int (*probe)(struct testdev *td);
	/* Optional: after quiesce at unbind, undo probe. */
	void (*remove)(struct testdev *td);
	int (*memcpy_start)(struct testdev *td, u64 src, u64 dst, u32 len, bool with_pasid, u32 pasid);
	/* Optional (ITD_ENGINE_CAP_FROM/TO_DEVICE): a one-sided transfer of len
	 * bytes at iova, started as memcpy_start() is, ended by memcpy_wait(). */
	int (*oneway_start)(struct testdev *td, bool to_device, u64 iova, u32 len);
	int (*memcpy_wait)(struct testdev *td);
	int (*send_msi)(struct testdev *td, u32 vector);
	/* Optional, with msix_vectors: whether the interrupt on vector was the
	 * device's (hard interrupt context); NULL: every one counts. */
	bool (*irq)(struct testdev *td, unsigned int vector);
	/* Optional: no DMA in flight on return; before the function is disabled at unbind. */
	void (*quiesce)(struct testdev *td);
};

/*
 * The fields of an engine for one of the testbed's emulated PCI devices,
 * taken from its header (lib/drivers/<dev>/<dev>_hw.h, prefix D); the PCI
 * plumbing sends the MSI.
 */
#define TD_EMULATED_PCI_ENGINE(D)						\
	.name = D##_NAME, .kind = ITD_ENGINE_EMULATED, .max_len = D##_LEN_MAX,	\
	.dev = LAB_DEVICE_DESC(D), .send_msi = td_pci_send_msi

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
	bool engine_window;		/* td->engine_window is mapped in it */
	unsigned int attached;		/* RID + PASID attachments */
	struct list_head maps;		/* struct td_map, sorted by iova */
};

#define TD_FAULT_RING 64

/* Buffer and domain ids: from 1, clear of ITD_DOMAIN_DEFAULT/BLOCKED. */
#define TD_ID_LIMIT XA_LIMIT(1, 0xfffff)

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
	atomic_t msi_count[TD_MSI_VECTORS];	/* interrupts per vector, counted by the handler */
	/* What the engine reports (ITD_INFO), set at probe. */
	u32 dma_max_len, dma_granule, dma_align, engine_caps;	/* ITD_ENGINE_CAP_* */
	unsigned int msi_vectors;	/* vectors send_msi can raise */
	/*
	 * Memory the engine itself reaches by DMA (nvme: its queues), at one IOVA
	 * in every domain: the default domain's (the DMA API's), and domain.c
	 * maps it at the same IOVA in each test domain it allocates, before any
	 * test mapping, and ITD_MAP refuses it. length 0: none.
	 */
	struct td_engine_window {
		u64 iova, length;
		phys_addr_t phys;
		int prot;		/* IOMMU_READ | IOMMU_WRITE (| IOMMU_CACHE) */
	} engine_window;
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

static inline struct device *td_dev(struct testdev *td)
{
	return &td->pdev->dev;
}

/*
 * The module's files in layers; a file calls only into files below it
 * (tests/unit/test_module_layers.sh checks it; docs/architecture.md):
 *   top     main.c (the PCI driver), ioctl.c (the control node)
 *   DMA     dma.c (ITD_DMA), io.c (the I/O node)
 *   state   attach.c -> domain.c -> buf.c
 *   bottom  engine_edu.c, engine_labdev.c, engine_nvme.c -> engine_pci.c, nvme_core.c;
 *           device.c, fault.c, ucmd.c
 */

/* --- top ------------------------------------------------------------------------------------- */

/* ioctl.c: the control node's file operations */
extern const struct file_operations td_fops;

/* --- DMA and I/O ----------------------------------------------------------------------------- */

/* dma.c */
int td_dma(struct testdev *td, struct itd_dma *op);

/* io.c: the I/O node */
int td_io_register(struct testdev *td);
void td_io_free_store(struct testdev *td);

/* --- state: buffers, domains, attachments (called with testdev->lock held) ------------------- */

/* attach.c: DMA ownership, the RID's and the PASIDs' domains, teardown */
int td_attach(struct testdev *td, struct itd_attach *a);
int td_detach(struct testdev *td, struct itd_attach *a);
/* 0, or the errno for a PASID this device cannot use (EOPNOTSUPP, EINVAL, ERANGE). */
int td_pasid_check(struct testdev *td, u32 pasid);
/* The domain translating the device's RID, or its PASID; NULL if none (blocked). */
struct iommu_domain *td_domain_for(struct testdev *td, bool with_pasid, u32 pasid);
/* Everything the open file built, undone; the device back on its default domain. */
void td_teardown(struct testdev *td);

/* domain.c: paging domains and their mappings */
int td_domain_alloc(struct testdev *td, struct itd_domain_alloc *a);
extern const struct td_obj_ops td_domain_ops;	/* td->domains; busy while attached */
int td_map(struct testdev *td, struct itd_map *m);
int td_unmap(struct testdev *td, struct itd_map *m);

/* buf.c: module buffers */
int td_buf_alloc(struct testdev *td, struct itd_buf_alloc *a);
extern const struct td_obj_ops td_buf_ops;	/* td->bufs; busy while mapped */
int td_buf_rw(struct testdev *td, struct itd_buf_rw *rw);
int td_buf_dma_unmap(struct testdev *td, struct itd_buf_dma_unmap *u);
bool td_phys_owned(struct testdev *td, phys_addr_t phys, u64 len);
bool td_dma_addr_owned(struct testdev *td, u64 addr, u64 len);

/* --- bottom: engines, PCI plumbing, the device object, fault records, ioctl tables ----------- */

/* engine_pci.c: what every PCI device engine sets up and tears down */
struct td_pci {
	void __iomem *regs;		/* BAR 0 */
	const struct lab_device_desc *dev;
	const struct td_engine_ops *eng;
	unsigned int nvec;		/* interrupt vectors allocated (0: none now) */
	unsigned int irq_types;		/* PCI_IRQ_* they were asked as */
	struct td_pci_vec {		/* one per vector: the handler's cookie */
		struct testdev *td;
		unsigned int index;
		int irq;
	} vec[TD_MSI_VECTORS];
	u8 priv[] __aligned(8);		/* td->engine_priv: the engine's priv_size bytes */
};
/* Enable the function, map and check BAR 0, bus mastering, the interrupts,
 * then the engine's probe; td->pci and td->engine_priv set. 0, -ENODEV (not
 * the device eng describes) or -errno. */
int td_pci_setup(struct testdev *td, const struct td_engine_ops *eng);
/* The engine quiesced and removed, everything td_pci_setup() took released. */
void td_pci_teardown(struct testdev *td);
/* send_msi of the emulated devices: one MSI through irq_raise (vector 0). */
int td_pci_send_msi(struct testdev *td, u32 vector);
int td_msi_rearm(struct testdev *td);

static inline void __iomem *td_regs(struct testdev *td)
{
	return td->pci->regs;
}

/* engine_edu.c, engine_labdev.c, engine_nvme.c */
extern const struct td_engine_ops td_engine_edu;
extern const struct td_engine_ops td_engine_labdev;
extern const struct td_engine_ops td_engine_nvme;

/* device.c: the object and what the IOMMU layer says of its function */
void td_free(struct kref *ref);
int td_read_resv(struct testdev *td);
u32 td_max_pasids(struct testdev *td);
/* The default domain's type as ITD_INFO names it; "" unless on the default domain. */
const char *td_default_domain_name(struct testdev *td);

/* fault.c: the fault ring */
void td_fault_record(struct testdev *td, u64 iova, u32 flags, u32 pasid, enum itd_fault_source source);
/* Up to max records, oldest first, removed from the ring; how many. */
u32 td_faults_take(struct testdev *td, struct itd_fault *recs, u32 max);
/* Records dropped since the last call (the ring was full); the count restarts. */
u32 td_faults_lost(struct testdev *td);
void td_faults_reset(struct testdev *td);

/* ucmd.c: ioctl tables, a node's open, objects by id */
/* Room for any command's argument, as the module knows it. */
union td_ucmd_buffer {
	struct itd_info info;
	struct itd_buf_alloc buf_alloc;
	struct itd_buf_free buf_free;
	struct itd_buf_rw buf_rw;
	struct itd_domain_alloc domain_alloc;
	struct itd_domain_free domain_free;
	struct itd_attach attach;
	struct itd_map map;
	struct itd_dma dma;
	struct itd_faults faults;
	struct itd_msi msi;
	struct itd_io_stats io_stats;
};

/* One command of a node's table, indexed by its number. */
struct td_ioctl_op {
	unsigned int cmd;	/* as the uAPI header defines it */
	unsigned int size;	/* the module's structure */
	unsigned int min_size;	/* its first version */
	bool copy_out;		/* the structure goes back to the caller */
	int (*execute)(struct testdev *td, void *arg);	/* arg: the structure; td->lock held */
};
/* _last: the last field of the structure's first version (it never changes). */
#define TD_IOCTL_OP(_ioctl, _fn, _struct, _last, _out)                                           \
	[_IOC_NR(_ioctl)] = {                                                                    \
		.cmd = (_ioctl),                                                                 \
		.size = sizeof(_struct) + BUILD_BUG_ON_ZERO(sizeof(_struct) > sizeof(union td_ucmd_buffer)), \
		.min_size = offsetofend(_struct, _last),                                          \
		.copy_out = (_out),                                                              \
		.execute = (_fn),                                                                \
	}
long td_ioctl_dispatch(struct testdev *td, const struct td_ioctl_op *ops, size_t nops, unsigned int cmd,
		       void __user *uarg);
/*
 * A node's open: -EPERM without CAP_SYS_RAWIO, -ENODEV once unbound, else
 * claim(td)'s answer (called with td->lock held; 0 lets the open through).
 * An open file holds a reference on td, put at its release.
 */
int td_node_open(struct file *file, struct testdev *td, int (*claim)(struct testdev *td));

/* A kind of object the commands name by id, kept in one of td's xarrays. */
struct td_obj_ops {
	bool (*busy)(const void *obj);			/* in use: not freed by id */
	void (*destroy)(struct testdev *td, void *obj);	/* already erased from the xarray */
};
/* Free object id of xa: 0, -ENOENT if there is none, -EBUSY while it is in use. */
int td_obj_free(struct testdev *td, struct xarray *xa, u32 id, const struct td_obj_ops *ops);
/* Free every object of xa, in use or not: at teardown their users went first. */
void td_objs_destroy(struct testdev *td, struct xarray *xa, const struct td_obj_ops *ops);

#endif
