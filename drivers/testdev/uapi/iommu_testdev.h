/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommu_testdev uAPI: one root-only character device per PCI function bound
 * to iommu_testdev, /dev/iommu-testdev/<BDF>.
 *
 * Every argument structure starts with __u32 size (sizeof as the caller knows
 * it) and __u32 flags. A shorter size than the first version of the structure
 * is -EINVAL; a longer one is accepted when the bytes the module does not know
 * are zero (-E2BIG otherwise), so structures grow by appending. Unknown flags
 * are -EOPNOTSUPP. The full errno contract is in docs/testdev.md.
 *
 * The command numbers below encode the structure's size as this header has
 * it; the module matches type, number and direction, and takes any encoded
 * size from the first version's on (smaller: -ENOTTY), so a program built
 * against an older or newer header keeps its commands when a structure grows.
 *
 * A second node per function, /dev/iommu-testdev/io/<BDF>, is an I/O path for
 * stock tools such as fio: read/write/io_uring requests map the caller's
 * buffer with the DMA API and the device's engine moves the bytes between it
 * and a store of the module's (docs/testdev.md, "The I/O node").
 */
#ifndef _UAPI_IOMMU_TESTDEV_H
#define _UAPI_IOMMU_TESTDEV_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define ITD_API_VERSION 1
#define ITD_TYPE 'T'

/* Special domain ids for ITD_ATTACH at the requester ID. */
#define ITD_DOMAIN_DEFAULT 0xffffffffu	/* release DMA ownership: the kernel's default domain */
#define ITD_DOMAIN_BLOCKED 0xfffffffeu	/* claim DMA ownership, no domain: all DMA blocked */

enum itd_engine_kind {
	ITD_ENGINE_HARDWARE = 0,	/* a physical DMA engine */
	ITD_ENGINE_EMULATED = 1,	/* a device model in an emulator, DMA through the emulated IOMMU */
	ITD_ENGINE_SOFTWARE = 2,	/* the CPU resolves translations and copies: not device DMA */
	ITD_ENGINE_DEVICE = 3,		/* a standard device (NVMe) driven as an engine, on a lab
					 * host or as an emulator's own model: device DMA either way */
};

/* ITD_INFO engine_caps: what the device engine can do. */
#define ITD_ENGINE_CAP_COPY	(1u << 0)	/* ITD_DMA copies src -> dst */
#define ITD_ENGINE_CAP_FROM_DEVICE (1u << 1)	/* ITD_DMA_FROM_DEVICE */
#define ITD_ENGINE_CAP_TO_DEVICE (1u << 2)	/* ITD_DMA_TO_DEVICE */
#define ITD_ENGINE_CAP_QUEUES	(1u << 3)	/* it fetches its commands from memory by DMA: with
						 * the RID blocked it can issue nothing (ENOLINK) */

enum itd_attach_state {
	ITD_STATE_DEFAULT = 0,		/* kernel default domain (DMA API) */
	ITD_STATE_BLOCKED = 1,		/* owned by the module, blocking domain */
	ITD_STATE_DOMAIN = 2,		/* owned by the module, a test domain at the RID */
};

/* ITD_INFO: what the device, its engine and the IOMMU layer report. */
struct itd_info {
	__u32 size;
	__u32 flags;			/* in: 0 */
	__u32 api_version;		/* out: ITD_API_VERSION */
	__u32 engine_kind;		/* out: enum itd_engine_kind */
	char engine[16];		/* out: the device's DMA engine, e.g. "edu"; "" if none */
	char iommu_domain_type[16];	/* out: in ITD_STATE_DEFAULT, the default domain's type ("DMA", "DMA-FQ", "identity"); else "" */
	__u32 state;			/* out: enum itd_attach_state */
	__u32 rid_domain;		/* out: domain id attached at the RID (ITD_STATE_DOMAIN) */
	__u32 max_pasids;		/* out: PASIDs usable with this device (0: none) */
	__u32 dma_max_len;		/* out: the device engine's largest transfer, bytes (0: no engine) */
	__aligned_u64 pgsize_bitmap;	/* out: page sizes of a paging domain for this device */
	__aligned_u64 aperture_start;	/* out: IOVA aperture of a paging domain */
	__aligned_u64 aperture_end;
	/* Added with the nvme engine; zero from a module that predates them. */
	__u32 msi_vectors;		/* out: vectors ITD_MSI can raise (0: no device engine) */
	__u32 dma_granule;		/* out: device transfers are a multiple of this many bytes
					 * (nvme: the LBA size; 1: any length; 0: no engine) */
	__u32 dma_align;		/* out: device transfer addresses are multiples of this
					 * (nvme: 4, the PRP rule; 1: any) */
	__u32 engine_caps;		/* out: ITD_ENGINE_CAP_* */
	__aligned_u64 engine_iova_start;	/* out: IOVAs the engine itself uses (nvme: its */
	__aligned_u64 engine_iova_length;	/* queues), mapped in every domain: ITD_MAP
						 * refuses them (EADDRINUSE); length 0: none */
};

/* ITD_BUF_ALLOC: module-owned, physically contiguous, zeroed memory. */
#define ITD_BUF_DMA_API (1u << 0)	/* also map it with the DMA API: dma_addr is its IOVA in the default domain */
struct itd_buf_alloc {
	__u32 size;
	__u32 flags;
	__aligned_u64 length;		/* in: bytes, a multiple of 4 KiB */
	__aligned_u64 align;		/* in: physical alignment (power of two >= 4 KiB, 0 = 4 KiB) */
	__u32 buf_id;			/* out */
	__u32 __reserved;
	__aligned_u64 dma_addr;		/* out: with ITD_BUF_DMA_API */
};

/* ITD_BUF_FREE */
struct itd_buf_free {
	__u32 size;
	__u32 flags;
	__u32 buf_id;
	__u32 __reserved;
};

/*
 * ITD_BUF_DMA_UNMAP: dma_unmap_page() of a buffer allocated with
 * ITD_BUF_DMA_API, the buffer itself kept (its pages, and its dma_addr as
 * ITD_BUF_ALLOC reported it): a device transfer to that IOVA afterwards shows
 * whether the unmap took effect (a strict default domain: a fault). Only the
 * module's own DMA API buffers: an unknown buf_id is ENOENT, a buffer not (or
 * no longer) DMA API mapped EINVAL. While the module runs device DMA on the
 * default domain (no test domain at the RID) under an identity default domain,
 * the unmapped IOVA is no longer one the engine may use (EPERM).
 */
struct itd_buf_dma_unmap {
	__u32 size;
	__u32 flags;			/* in: 0 */
	__u32 buf_id;
	__u32 __reserved;
};

/* ITD_BUF_RW: copy between a module buffer and user memory. */
#define ITD_BUF_WRITE (1u << 0)		/* user -> buffer; without it buffer -> user */
struct itd_buf_rw {
	__u32 size;
	__u32 flags;
	__u32 buf_id;
	__u32 __reserved;
	__aligned_u64 offset;
	__aligned_u64 length;
	__aligned_u64 uptr;
};

/* ITD_DOMAIN_ALLOC: a paging domain for this device. */
#define ITD_DOMAIN_PASID (1u << 0)	/* must be attachable at PASIDs too */
struct itd_domain_alloc {
	__u32 size;
	__u32 flags;
	__u32 domain_id;		/* out */
	__u32 __reserved;
};

/* ITD_DOMAIN_FREE: the domain must not be attached (-EBUSY). */
struct itd_domain_free {
	__u32 size;
	__u32 flags;
	__u32 domain_id;
	__u32 __reserved;
};

/* ITD_ATTACH / ITD_DETACH at the requester ID, or at a PASID. */
#define ITD_ATTACH_PASID (1u << 0)
struct itd_attach {
	__u32 size;
	__u32 flags;
	__u32 domain_id;		/* ATTACH: a domain id or ITD_DOMAIN_DEFAULT/BLOCKED; DETACH: ignored */
	__u32 pasid;			/* with ITD_ATTACH_PASID */
};

/* ITD_MAP / ITD_UNMAP: IOVA ranges of a domain onto module buffers (ITD_UNMAP takes no flags). */
#define ITD_MAP_READ (1u << 0)		/* the device may read */
#define ITD_MAP_WRITE (1u << 1)		/* the device may write */
struct itd_map {
	__u32 size;
	__u32 flags;
	__u32 domain_id;
	__u32 buf_id;			/* ITD_MAP only */
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 buf_offset;	/* ITD_MAP only */
};

/*
 * ITD_DMA: one synchronous transfer src_iova -> dst_iova through the IOMMU
 * configuration the device has now (RID: its current state; with
 * ITD_DMA_PASID: the domain attached at pasid). By the device's engine, or with
 * ITD_DMA_SOFTWARE by the "mock" engine: the CPU resolves every page through
 * the domain's page tables (iommu_iova_to_phys) and copies. engine_kind says
 * which produced the result.
 */
#define ITD_DMA_PASID (1u << 0)		/* tag the transfer with pasid */
#define ITD_DMA_SOFTWARE (1u << 1)	/* the software engine, not the device */
/* One-sided transfers (engines with ITD_ENGINE_CAP_FROM/TO_DEVICE; nvme):
 * the device writes length bytes of its own at dst_iova (src_iova unused),
 * or reads length bytes at src_iova and checks them (dst_iova unused). */
#define ITD_DMA_FROM_DEVICE (1u << 2)	/* nvme: a Read of the reference range (LBAs from
					 * 0), or Identify Controller data without a namespace */
#define ITD_DMA_TO_DEVICE (1u << 3)	/* nvme: a Compare against the reference range:
					 * ITD_DMA_MISMATCH when the bytes differ */
#define ITD_SOFTWARE_MAX_LEN (2u << 20)	/* the software engine's largest transfer */
enum itd_dma_status {
	ITD_DMA_OK = 0,
	ITD_DMA_FAULT = 1,		/* the engine saw a translation fault (software engine; or a device that reports it) */
	ITD_DMA_TIMEOUT = 2,
	ITD_DMA_ERROR = 3,		/* the engine reported another error */
	ITD_DMA_MISMATCH = 4,		/* ITD_DMA_TO_DEVICE: the device read the buffer, and it
					 * differs from the reference data */
};
struct itd_dma {
	__u32 size;
	__u32 flags;
	__u32 pasid;
	__u32 status;			/* out: enum itd_dma_status */
	__u32 engine_kind;		/* out: enum itd_engine_kind of the engine that ran it */
	__u32 __reserved;
	__aligned_u64 src_iova;
	__aligned_u64 dst_iova;
	__aligned_u64 length;
	__aligned_u64 duration_ns;	/* out: engine time, start to completion */
};

/* ITD_FAULTS: fault records captured since the last call (oldest first). */
#define ITD_FAULT_WRITE (1u << 0)
#define ITD_FAULT_PASID (1u << 1)	/* pasid is valid; without it the fault was at the RID */
enum itd_fault_source {
	ITD_FAULT_SOURCE_IOMMU = 0,	/* the IOMMU driver's fault handler (iommu_set_fault_handler) */
	ITD_FAULT_SOURCE_SOFTWARE = 1,	/* the software engine found no translation */
	ITD_FAULT_SOURCE_ENGINE = 2,	/* the device engine reported a faulted transfer */
};
struct itd_fault {
	__aligned_u64 iova;
	__u32 flags;
	__u32 pasid;
	__u32 source;			/* enum itd_fault_source */
	__u32 __reserved;
};
struct itd_faults {
	__u32 size;
	__u32 flags;
	__u32 count;			/* in: capacity of uptr; out: records written */
	__u32 lost;			/* out: records dropped since the last call */
	__aligned_u64 uptr;		/* struct itd_fault[count] */
};

/*
 * ITD_MSI: the device engine raises `count` MSIs (1..ITD_MSI_MAX) on
 * `vector` (below ITD_INFO msi_vectors), one at a time, each after the
 * previous one was delivered (or the deadline passed), so none merge; the
 * call gives them timeout_ms in all (0: 1000), then ITD_MSI_SETTLE_MS more
 * for any extra. delivered: interrupts the handler saw on that vector from
 * the first raise to the return (more than count: spurious or duplicated);
 * others: those it saw on the other vectors meanwhile. A device without
 * engine or a software-only request: EOPNOTSUPP.
 */
#define ITD_MSI_MAX 1000
#define ITD_MSI_SETTLE_MS 20
struct itd_msi {
	__u32 size;
	__u32 flags;			/* in: 0 */
	__u32 count;			/* in */
	__u32 timeout_ms;		/* in */
	__u32 delivered;		/* out */
	__u32 __reserved;
	/* Added with MSI-X (nvme); zero from an older caller: vector 0. */
	__u32 vector;			/* in: the MSI(-X) vector to raise */
	__u32 others;			/* out: interrupts on the other vectors meanwhile */
};

/*
 * ITD_IO_STATS, on the I/O node: what its requests cost since the last reset,
 * summed over the requests that completed (a request of more than 256 pages
 * counts once per 256-page step). Times in ns: map = dma_map_sgtable of the
 * caller's pinned pages, unmap = dma_unmap_sgtable, engine = the transfers.
 */
#define ITD_IO_STATS_RESET (1u << 0)	/* zero the counters after reading them */
struct itd_io_stats {
	__u32 size;
	__u32 flags;
	char engine[16];		/* out: the engine that moved the bytes */
	__u32 engine_kind;		/* out: enum itd_engine_kind */
	__u32 __reserved;
	char iommu_domain_type[16];	/* out: the default domain ("DMA", "DMA-FQ", "identity", "none"), "" while a test domain holds the RID */
	__aligned_u64 store_len;	/* out: bytes of the store (reads and writes beyond it end there) */
	__aligned_u64 ios;		/* out: completed steps */
	__aligned_u64 bytes;
	__aligned_u64 segments;		/* out: scatterlist entries mapped (physically contiguous pages merge) */
	__aligned_u64 map_ns, map_ns_sq;	/* out: sum and sum of squares */
	__aligned_u64 unmap_ns, unmap_ns_sq;
	__aligned_u64 engine_ns;
};

#define ITD_INFO		_IOWR(ITD_TYPE, 0x00, struct itd_info)
#define ITD_BUF_ALLOC		_IOWR(ITD_TYPE, 0x01, struct itd_buf_alloc)
#define ITD_BUF_FREE		_IOW(ITD_TYPE, 0x02, struct itd_buf_free)
#define ITD_BUF_RW		_IOW(ITD_TYPE, 0x03, struct itd_buf_rw)
#define ITD_DOMAIN_ALLOC	_IOWR(ITD_TYPE, 0x04, struct itd_domain_alloc)
#define ITD_DOMAIN_FREE		_IOW(ITD_TYPE, 0x05, struct itd_domain_free)
#define ITD_ATTACH		_IOW(ITD_TYPE, 0x06, struct itd_attach)
#define ITD_DETACH		_IOW(ITD_TYPE, 0x07, struct itd_attach)
#define ITD_MAP			_IOW(ITD_TYPE, 0x08, struct itd_map)
#define ITD_UNMAP		_IOW(ITD_TYPE, 0x09, struct itd_map)
#define ITD_DMA			_IOWR(ITD_TYPE, 0x0a, struct itd_dma)
#define ITD_FAULTS		_IOWR(ITD_TYPE, 0x0b, struct itd_faults)
#define ITD_MSI			_IOWR(ITD_TYPE, 0x0c, struct itd_msi)
#define ITD_IO_STATS		_IOWR(ITD_TYPE, 0x0d, struct itd_io_stats)
#define ITD_BUF_DMA_UNMAP	_IOW(ITD_TYPE, 0x0e, struct itd_buf_dma_unmap)

#endif
