/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IOMMU fault records from the kernel log, for IOMMU drivers that only print
 * their faults: Intel VT-d ("DMAR: [DMA Write ...] Request device [...] fault
 * addr ...") and Arm SMMUv3 (the raw event record, "event 0x10 received:" and
 * four words, then since 6.13 an "event: ..." line and the access line).
 *
 * Usage: lab_kmsg_mark() before the DMA, lab_faults_wait() (or
 * lab_faults_since()) after it. Fault handlers print from their interrupt
 * thread, so a record may land well after the DMA returned.
 */
#ifndef LAB_FAULTLOG_H
#define LAB_FAULTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A position in the kernel log. */
struct lab_kmsg_mark {
	uint64_t seq;		/* sequence number of the first record after the mark */
};

struct lab_fault_rec {
	char bdf[16];		/* "0000:00:10.0"; "" when the IOMMU did not know the device */
	uint64_t iova;
	int write;		/* 1 write, 0 read, -1 unknown */
	int has_pasid;
	uint32_t pasid;
	int has_sid;		/* SMMUv3 raw event: the StreamID it names */
	uint32_t sid;
	char iommu[16];		/* "vtd" or "smmuv3" */
	int stage;		/* 1 or 2, the stage that faulted; 0 unknown (VT-d: by the reason) */
	char reason[128];	/* VT-d: "0x05 PTE Write access is not set"; SMMUv3: "F_TRANSLATION" */
};

/*
 * Parser state across lines: an SMMUv3 event is a raw dump of five lines
 * (Linux 6.1 to 6.12) and, since 6.13, a decoded event line and an access
 * line with the direction. Zero-initialise it before the first line.
 */
struct lab_fault_ctx {
	int has_pend;			/* pend holds an event awaiting its next line */
	int pend_raw;			/* pend came from a raw dump (complete; a decoded
					 * event of the same fault replaces it) */
	struct lab_fault_rec pend;
	char pend_dev[64];		/* the SMMU that printed it */
	int raw_on, raw_n;		/* collecting a raw dump: words so far */
	uint64_t raw[4];
	char raw_dev[64];
	int has_ready;			/* ready is complete, returned by the next call */
	struct lab_fault_rec ready;
};

/* Remember the current end of the kernel log (/dev/kmsg). 0 or -errno. */
int lab_kmsg_mark(struct lab_kmsg_mark *m);

/*
 * Is this log message (the text after a /dev/kmsg record's ';') a kernel
 * report: a warning (lockdep's included), a BUG (KASAN's, a sleep in atomic
 * context), an oops, UBSAN, list or refcount corruption, a poisoned page
 * written after it was freed? The one list kernel_log, the fail-nth tests
 * and the runner's module-unload check use.
 */
bool lab_kmsg_is_report(const char *msg);

/* The kernel reports logged after mark m: how many (or -errno); the first
 * one's text in first[len] (may be NULL). */
int lab_kmsg_reports_since(const struct lab_kmsg_mark *m, char *first, size_t len);

/*
 * For a test that FAILs on the kernel reports logged after mark m (their
 * number, or -errno, is returned; the first one's text in first[len]):
 * their sequence numbers are added, with BY (who FAILed for them), to the
 * file IOMMU_LAB_KMSG_CLAIMS names (`iommu-lab run` sets it). kernel_log then
 * names them as BY's instead of FAILing for them a second time: one verdict
 * per behaviour, and kernel_log still FAILs on every report no test claimed.
 * Only a test that FAILs when this returns more than 0 may call it.
 */
int lab_kmsg_claim_reports(const struct lab_kmsg_mark *m, const char *by, char *first, size_t len);

/* Did a test claim the report with sequence number seq? Its name in by[len]. */
bool lab_kmsg_claimed(uint64_t seq, char *by, size_t len);

/* Fault records logged after mark m, oldest first, at most max of them.
 * The number stored (may be 0) or -errno. */
int lab_faults_since(const struct lab_kmsg_mark *m, struct lab_fault_rec *recs, int max);

/*
 * Feed one log message (the text after the ';' of a /dev/kmsg record, or a
 * line as printed, without its newline). Returns 1 when a complete record was
 * stored in *r, 0 otherwise. An SMMUv3 event line not followed by its access
 * line is still reported, with write = -1; since a line may thus both finish
 * one record and produce another, the second one is held in ctx and returned
 * by the next call. Interrupt-remapping faults and other lines are ignored.
 */
int lab_fault_parse_line(const char *msg, struct lab_fault_rec *r, struct lab_fault_ctx *ctx);
/* At the end of the input: return a record still held in ctx (1) or 0. */
int lab_fault_flush(struct lab_fault_ctx *ctx, struct lab_fault_rec *r);

/*
 * Index of the first record for device bdf (NULL: any) whose iova lies in the
 * 4 KiB page iova_page, with direction write (-1: any; a record of unknown
 * direction only matches -1). -1 if none.
 */
int lab_faults_find(const struct lab_fault_rec *recs, int n, const char *bdf,
		    uint64_t iova_page, int write);

/*
 * How long to wait for a fault the test caused to appear in the log. The
 * record comes from the driver's interrupt or event-queue thread, after the
 * DMA returned, and a loaded machine delays that thread by seconds; the
 * drivers also rate-limit their fault messages (10 per 5 s): a wait past
 * that window also says a retried access will print in a fresh one.
 */
#define LAB_FAULT_LOG_WAIT_MS 6000
/* The drivers' rate limit on fault messages (the kernel's default
 * ratelimit: 10 messages per 5 s window; VT-d spends 3 per fault interrupt). */
#define LAB_FAULT_LIMIT_WINDOW_MS 5000
#define LAB_FAULT_LIMIT_MARGIN_MS 300	/* log clock vs CLOCK_MONOTONIC, and slack */
#define LAB_FAULT_LOG_DELAY_MS 1000	/* what a record is given before a retry */

/*
 * Wait up to timeout_ms for a record lab_faults_find() would match to be
 * logged after mark m; recs (max of them) holds what was read. Its index, or
 * -ENOENT when none came in time, or -errno when the log is unreadable.
 * Returns as soon as it is there: the bound only costs time when it is not.
 */
int lab_faults_wait(const struct lab_kmsg_mark *m, struct lab_fault_rec *recs, int max, const char *bdf,
		    uint64_t iova_page, int write, int timeout_ms);

/*
 * The same, for a caller that can repeat the access: -EAGAIN as soon as the
 * record is missing and the rate-limit window that may have dropped it has
 * ended (its latest fault message was under a window before the transfer;
 * the window opened at or before it), so the repeat prints in a fresh one.
 * This replaces a full timeout_ms wait by the rest of that window. A record
 * missing when no window was in force is waited for the whole timeout_ms.
 */
int lab_faults_wait_or_retry(const struct lab_kmsg_mark *m, struct lab_fault_rec *recs, int max,
			     const char *bdf, uint64_t iova_page, int write, int timeout_ms);

#endif
