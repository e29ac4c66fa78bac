/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Thin wrappers around the iommu_testdev ioctls (drivers/testdev/uapi): each
 * fills the size field, issues one ioctl and returns 0 or -errno. Nothing is
 * printed; the errno contract is the module's (docs/testdev.md).
 */
#ifndef LAB_TESTDEV_H
#define LAB_TESTDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "iommu_testdev.h"

#define LAB_TD_DEV_DIR "/dev/iommu-testdev"
#define LAB_TD_IO_DIR LAB_TD_DEV_DIR "/io"

/* Open /dev/iommu-testdev/<bdf> read-write. fd or -errno (-ENOENT: the
 * function is not bound to iommu_testdev or the module is not loaded). */
int lab_td_open(const char *bdf);

/*
 * Open the function in LIST (space-separated BDFs, as in $IOMMU_LAB_TESTDEV)
 * whose device DMA engine is ENGINE ("edu", "labdev", ...). ENGINE NULL picks
 * the function with the most usable PASIDs (the first on a tie), for work any
 * function can do, such as the software engine's. On success the fd is
 * returned, the BDF copied to bdf[bdf_len] and ITD_INFO to *info. -ENOENT: no
 * function in LIST has that engine; another -errno: a function failed to open.
 */
int lab_td_open_engine(const char *list, const char *engine, char *bdf, size_t bdf_len,
		       struct itd_info *info);

/* Any ioctl on a testdev fd, arg passed untouched (size included), for tests
 * that send malformed structures. The ioctl's return value (0 for every
 * iommu_testdev command) or -errno. */
int lab_td_ioctl(int fd, unsigned long cmd, void *arg);

/* ITD_INFO: *info is cleared, then filled by the module. */
int lab_td_info(int fd, struct itd_info *info);

/* ITD_BUF_ALLOC. flags: ITD_BUF_DMA_API; dma_addr may be NULL. */
int lab_td_buf_alloc(int fd, uint64_t length, uint64_t align, uint32_t flags,
		     uint32_t *buf_id, uint64_t *dma_addr);
int lab_td_buf_free(int fd, uint32_t buf_id);
/* ITD_BUF_RW: copy len bytes into / out of a module buffer at off. */
int lab_td_buf_write(int fd, uint32_t buf_id, uint64_t off, const void *p, size_t len);
int lab_td_buf_read(int fd, uint32_t buf_id, uint64_t off, void *p, size_t len);

/* ITD_DOMAIN_ALLOC. flags: ITD_DOMAIN_PASID. */
int lab_td_domain_alloc(int fd, uint32_t flags, uint32_t *domain_id);
int lab_td_domain_free(int fd, uint32_t domain_id);

/* ITD_ATTACH at the RID: a domain id, ITD_DOMAIN_DEFAULT or ITD_DOMAIN_BLOCKED. */
int lab_td_attach(int fd, uint32_t domain_id);
int lab_td_attach_pasid(int fd, uint32_t domain_id, uint32_t pasid);
/* ITD_DETACH at the RID, or at a PASID. */
int lab_td_detach(int fd);
int lab_td_detach_pasid(int fd, uint32_t pasid);

/* ITD_MAP. prot_flags: ITD_MAP_READ | ITD_MAP_WRITE. */
int lab_td_map(int fd, uint32_t domain_id, uint64_t iova, uint32_t buf_id,
	       uint64_t buf_offset, uint64_t length, uint32_t prot_flags);
int lab_td_unmap(int fd, uint32_t domain_id, uint64_t iova, uint64_t length);

/* ITD_DMA: the caller fills flags, pasid, src_iova, dst_iova and length; the
 * wrapper sets size. status, engine_kind and duration_ns come back in *op. */
int lab_td_dma(int fd, struct itd_dma *op);

/* ITD_FAULTS: *count is the capacity of recs on entry and the number of
 * records written on return. lost may be NULL. */
int lab_td_faults(int fd, struct itd_fault *recs, uint32_t *count, uint32_t *lost);

/* ITD_MSI: raise count MSIs through the device engine; *delivered is what the
 * module's handler saw (timeout_ms 0: the module's default). */
int lab_td_msi(int fd, uint32_t count, uint32_t timeout_ms, uint32_t *delivered);

/* The I/O node, /dev/iommu-testdev/io/<bdf> (read/write/io_uring through the
 * DMA API): fd or -errno as lab_td_open. It can be open many times. */
int lab_td_io_open(const char *bdf);
/* ITD_IO_STATS on an I/O node fd; reset: zero the counters after reading. */
int lab_td_io_stats(int fd, bool reset, struct itd_io_stats *st);

/* "hardware", "emulated", "software", "device"; "unknown" for anything else. */
const char *lab_td_engine_kind_name(uint32_t kind);
/* "default", "blocked", "domain"; "unknown" for anything else. */
const char *lab_td_state_name(uint32_t state);

#endif
