// SPDX-License-Identifier: GPL-2.0-only
/*
 * A uAPI fuzzer for iommu_testdev: seeded random sequences of every ioctl of
 * the control node (random sizes, flags, ids, PASIDs, IOVAs, lengths, buffer
 * offsets, malformed command numbers, close and reopen, a second opener) and
 * of the I/O node (read, write, pread, pwrite, preadv, pwritev, and io_uring
 * reads and writes where the headers and the kernel have io_uring, at random
 * offsets and lengths), from several threads on every function handed to
 * iommu_testdev at once.
 *
 * Memory-safe by construction: every user pointer the fuzzer passes is its
 * own scratch memory (or deliberately unmapped: a guard page, NULL, a kernel
 * address), so the kernel may write only memory the fuzzer owns; device DMA
 * reaches only what the module maps (its buffers; the module refuses the
 * rest, docs/testdev.md). Bounded: at most FZ_BUFS buffers of at most
 * FZ_BUF_MAX bytes and FZ_DOMS domains per function, whatever the sequence.
 *
 * The test fails when a call returns an errno outside the module's contract,
 * when a call takes longer than FZ_SLOW_MS, or when, after the fuzz, a fresh
 * open does not find the function back on its default domain doing correct
 * DMA through it. The kernel's own reports (warnings, KASAN, kmemleak) are
 * kernel_log's, which runs after it. The record carries the calls made, the
 * errors by errno, the time and the seed.
 *
 * Each thread's sequence is a function of the seed and its index alone:
 * IOMMU_LAB_FUZZ_SEED=N repeats it; with IOMMU_LAB_FUZZ_THREADS=1 the whole
 * run repeats call for call. On a failure the thread's last FZ_RING calls
 * are printed. (ITD_BUF_DMA_UNMAP is fuzzed where the header has it.)
 * Environment (set by `iommu-lab fuzz`, docs/fuzz.md):
 * IOMMU_LAB_FUZZ_DURATION seconds (default 2: the suite's short run),
 * IOMMU_LAB_FUZZ_SEED (default 1), IOMMU_LAB_FUZZ_THREADS per function
 * (default 2), IOMMU_LAB_STOP_FILE (stop early, report what was done).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "lab_engines.h"
#include "lab_results.h"

/* io_uring through its system calls: the build needs the uAPI header only. */
#if defined(__has_include)
#if __has_include(<linux/io_uring.h>)
#include <linux/io_uring.h>
#include <sys/syscall.h>
#if defined(__NR_io_uring_setup) && defined(__NR_io_uring_enter)
#define FZ_HAVE_URING 1
#endif
#endif
#endif

#define FZ_MAX_DEVS 4
#define FZ_MAX_THREADS 8	/* per function */
#define FZ_BUFS 16		/* buffer ids remembered (and so at most allocated) per function */
#define FZ_DOMS 8
#define FZ_BUF_MAX (256u << 10)
#define FZ_SCRATCH (1u << 20)	/* per thread: what the kernel may read and write */
#define FZ_ARG_PAGE 4096
#define FZ_RING 32
#define FZ_SLOW_MS 30000
#define FZ_IOVA_BASE 0x40000000ull	/* a window of 64 slots of 64 KiB where mappings gather */
#define FZ_IOVA_SLOTS 64
#define FZ_IOVA_SLOT 0x10000ull
#define FZ_ERRNOS 134
#define FZ_MAX_DURATION 86400

struct fz_dev {
	char bdf[32];
	struct itd_info info;
	pthread_rwlock_t open_lock;	/* readers call; a reopen is the writer */
	int fd;				/* the control node; -1 between a close and the reopen */
	int iofd;
	pthread_mutex_t pool_lock;
	uint32_t bufs[FZ_BUFS];		/* ids the module gave (0: free slot) */
	uint64_t buf_len[FZ_BUFS], buf_dma[FZ_BUFS];
	uint32_t doms[FZ_DOMS];
	bool dom_used[FZ_DOMS];
	bool buf_used[FZ_BUFS];
};

struct fz_call {
	char op[16];
	unsigned long long a, b, c;
	int ret;
};

/* One thread's io_uring: a ring of 4, one request at a time. */
struct fz_uring {
	int fd;			/* -errno when there is none */
	void *sq_ring, *cq_ring;
	size_t sq_len, cq_len, sqe_len;
	unsigned int *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
	void *sqes, *cqes;
};

struct fz_thread {
	pthread_t th;
	struct fz_uring uring;
	struct fz_run *run;
	struct fz_dev *dev;
	int index;
	uint64_t rng;
	uint8_t *scratch;	/* FZ_SCRATCH bytes, then a PROT_NONE guard page */
	uint8_t *arg;		/* one page for the ioctl argument, then a guard page */
	uint8_t *guard;
	uint64_t calls;
	uint64_t errnos[FZ_ERRNOS];
	uint64_t unexpected;
	char first_unexpected[160];
	double max_call_ms;
	struct fz_call ring[FZ_RING];
	unsigned int ring_next;
};

struct fz_run {
	struct fz_dev dev[FZ_MAX_DEVS];
	int ndev;
	int threads_per_dev;
	uint64_t seed;
	double deadline;
	const char *stop_file;
	atomic_bool stop;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* splitmix64: small, seedable, and each thread's stream depends on its seed only. */
static uint64_t rnd(struct fz_thread *t)
{
	uint64_t z = (t->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(struct fz_thread *t, uint64_t n) { return n ? rnd(t) % n : 0; }
static bool chance(struct fz_thread *t, unsigned int pct) { return below(t, 100) < pct; }

/* The errnos the module's contract names (docs/testdev.md). ENODEV only
 * follows an unbind, which the fuzzer never does: it is not among them. */
static bool errno_expected(int e)
{
	switch (e) {
	case EINVAL: case EOPNOTSUPP: case E2BIG: case ENOTTY: case ENOENT: case EBUSY:
	case EFAULT: case ENOMEM: case ENOSPC: case EEXIST: case EADDRINUSE: case EPERM:
	case ERANGE: case EROFS: case ENOLINK: case EIO: case ETIMEDOUT: case EOVERFLOW:
	case ENOSYS:
		return true;
	}
	return false;
}

/* Account one call: its result, its time, its place in the ring. */
static void note(struct fz_thread *t, const char *op, uint64_t a, uint64_t b, uint64_t c, int ret,
		 double t0)
{
	struct fz_call *r = &t->ring[t->ring_next++ % FZ_RING];
	double ms = (now_s() - t0) * 1e3;

	snprintf(r->op, sizeof(r->op), "%s", op);
	r->a = a, r->b = b, r->c = c, r->ret = ret;
	t->calls++;
	if (ms > t->max_call_ms)
		t->max_call_ms = ms;
	if (ret >= 0)
		return;
	if (-ret < FZ_ERRNOS)
		t->errnos[-ret]++;
	if (!errno_expected(-ret) && !t->unexpected++)
		snprintf(t->first_unexpected, sizeof(t->first_unexpected), "%s(%#llx, %#llx, %#llx) on %s: %s",
			 op, (unsigned long long)a, (unsigned long long)b, (unsigned long long)c, t->dev->bdf,
			 strerror(-ret));
}

/* A user pointer: mostly inside the thread's scratch (room for len bytes),
 * sometimes one the kernel must refuse with EFAULT. */
static uint64_t user_ptr(struct fz_thread *t, uint64_t len)
{
	switch (below(t, 40)) {
	case 0: return 0;
	case 1: return (uint64_t)(uintptr_t)t->guard;
	case 2: return 0xffff800000000000ull;	/* a kernel address on both architectures */
	case 3: return (uint64_t)(uintptr_t)(t->scratch + FZ_SCRATCH - 8);	/* runs into the guard */
	}
	if (len >= FZ_SCRATCH)
		return (uint64_t)(uintptr_t)t->scratch;
	return (uint64_t)(uintptr_t)(t->scratch + below(t, FZ_SCRATCH - len + 1));
}

/* A length: mostly small, sometimes 0, unaligned, large or absurd. */
static uint64_t a_length(struct fz_thread *t, uint64_t typical)
{
	switch (below(t, 20)) {
	case 0: return 0;
	case 1: return ~0ull - below(t, 4096);
	case 2: return 1ull << below(t, 40);
	case 3: return 1 + below(t, 4095);
	}
	return 4096 * (1 + below(t, typical / 4096));
}

static uint32_t pick_buf(struct fz_thread *t, uint64_t *len, uint64_t *dma)
{
	struct fz_dev *d = t->dev;
	uint32_t id = (uint32_t)rnd(t);
	int i = below(t, FZ_BUFS);

	*len = FZ_BUF_MAX, *dma = 0;
	if (chance(t, 10))
		return chance(t, 50) ? id : id % 64;
	pthread_mutex_lock(&d->pool_lock);
	if (d->buf_used[i])
		id = d->bufs[i], *len = d->buf_len[i], *dma = d->buf_dma[i];
	pthread_mutex_unlock(&d->pool_lock);
	return id;
}

static uint32_t pick_dom(struct fz_thread *t)
{
	struct fz_dev *d = t->dev;
	uint32_t id = (uint32_t)rnd(t);
	int i = below(t, FZ_DOMS);

	if (chance(t, 10))
		return chance(t, 50) ? id : id % 64;
	pthread_mutex_lock(&d->pool_lock);
	if (d->dom_used[i])
		id = d->doms[i];
	pthread_mutex_unlock(&d->pool_lock);
	return id;
}

static uint32_t pick_pasid(struct fz_thread *t)
{
	uint32_t max = t->dev->info.max_pasids;

	switch (below(t, 10)) {
	case 0: return (uint32_t)rnd(t);
	case 1: return 0;
	case 2: return max;
	}
	return 1 + below(t, max > 4 ? 4 : max ? max : 4);
}

/* An IOVA: in the window where mappings gather, at a DMA-API buffer, or anywhere. */
static uint64_t pick_iova(struct fz_thread *t)
{
	uint64_t len, dma;

	switch (below(t, 10)) {
	case 0: return rnd(t);
	case 1: return rnd(t) & ~0xfffull & ((1ull << 48) - 1);
	case 2: case 3:
		pick_buf(t, &len, &dma);
		if (dma)
			return dma + (below(t, len) & ~(uint64_t)(chance(t, 80) ? 0xfff : 0));
	}
	return FZ_IOVA_BASE + below(t, FZ_IOVA_SLOTS) * FZ_IOVA_SLOT +
	       (chance(t, 90) ? 4096 * below(t, 16) : below(t, FZ_IOVA_SLOT));
}

/*
 * One ioctl with the structure *s of size n (first version: first): the
 * size field as the structure has it, or smaller, larger with a zero tail,
 * larger with a non-zero tail, or absurd; the command's encoded size as
 * the header has it, or another. Returns 0 or -errno; *s gets what came back.
 */
static int fz_ioctl(struct fz_thread *t, int fd, unsigned long cmd, void *s, size_t n, size_t first)
{
	uint8_t *a = t->arg;
	uint32_t size = n;
	int r;

	memset(a, 0, FZ_ARG_PAGE);
	memcpy(a, s, n);
	switch (below(t, 25)) {
	case 0: size = below(t, first); break;					/* EINVAL */
	case 1: size = n + 8 * (1 + below(t, 8)); break;			/* zero tail: accepted */
	case 2: size = n + 8; a[n + below(t, 8)] = 1 + below(t, 255); break;	/* E2BIG */
	case 3: size = FZ_ARG_PAGE + below(t, 64); break;			/* into the guard: EFAULT */
	case 4: cmd = (cmd & ~((unsigned long)_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
		      ((unsigned long)below(t, first) << _IOC_SIZESHIFT); break;	/* ENOTTY */
	case 5:	/* any command of the module's type, the argument read as its structure */
		cmd = _IOC(below(t, 4), ITD_TYPE, below(t, 0x20), below(t, 512));
		/* ...but ITD_MSI, whose deadline could then be a minute long. */
		if (_IOC_NR(cmd) == _IOC_NR(ITD_MSI))
			cmd = _IOC(_IOC_DIR(cmd), ITD_TYPE, 0x1f, _IOC_SIZE(cmd));
		break;
	}
	memcpy(a, &size, sizeof(size));
	r = ioctl(fd, cmd, a) ? -errno : 0;
	memcpy(s, a, n);
	return r;
}

#define FZ_IOCTL(t, fd, cmd, s, last) \
	fz_ioctl(t, fd, cmd, &(s), sizeof(s), offsetof(typeof(s), last) + sizeof((s).last))

/* Unknown flag bits, now and then. */
static uint32_t flags(struct fz_thread *t, uint32_t known)
{
	uint32_t f = (uint32_t)rnd(t) & known;

	if (chance(t, 5))
		f |= 1u << below(t, 32);
	return f;
}

static void op_buf_alloc(struct fz_thread *t, int fd)
{
	struct fz_dev *d = t->dev;
	struct itd_buf_alloc a = { .flags = flags(t, ITD_BUF_DMA_API), .length = a_length(t, FZ_BUF_MAX) };
	int i = below(t, FZ_BUFS), r;
	double t0;

	if (chance(t, 85) && a.length > FZ_BUF_MAX)
		a.length = FZ_BUF_MAX;
	a.align = chance(t, 80) ? 0 : 1ull << below(t, 24);
	pthread_mutex_lock(&d->pool_lock);
	if (d->buf_used[i] && a.length && a.length <= FZ_BUF_MAX) {
		/* Bounded: the slot's buffer goes first; one the module keeps
		 * (mapped: EBUSY) keeps its slot, and nothing new is made. */
		struct itd_buf_free f = { .size = sizeof(f), .buf_id = d->bufs[i] };

		t0 = now_s();
		r = ioctl(fd, ITD_BUF_FREE, &f) ? -errno : 0;
		note(t, "buf_free", f.buf_id, 0, 0, r, t0);
		if (r && r != -ENOENT) {
			pthread_mutex_unlock(&d->pool_lock);
			return;
		}
		d->buf_used[i] = false;
	}
	pthread_mutex_unlock(&d->pool_lock);
	t0 = now_s();
	/* An allocation the pool cannot account for is never made well-formed. */
	if (a.length && a.length <= FZ_BUF_MAX) {
		a.size = sizeof(a);
		r = ioctl(fd, ITD_BUF_ALLOC, &a) ? -errno : 0;
	} else {
		r = FZ_IOCTL(t, fd, ITD_BUF_ALLOC, a, dma_addr);
		if (!r) {	/* beyond the bound after all: give it back */
			struct itd_buf_free f = { .size = sizeof(f), .buf_id = a.buf_id };

			ioctl(fd, ITD_BUF_FREE, &f);
		}
	}
	note(t, "buf_alloc", a.length, a.align, a.flags, r, t0);
	if (r || !a.length || a.length > FZ_BUF_MAX)
		return;
	pthread_mutex_lock(&d->pool_lock);
	if (d->buf_used[i]) {	/* another thread filled the slot meanwhile */
		struct itd_buf_free f = { .size = sizeof(f), .buf_id = a.buf_id };

		ioctl(fd, ITD_BUF_FREE, &f);
	} else {
		d->buf_used[i] = true, d->bufs[i] = a.buf_id, d->buf_len[i] = a.length;
		d->buf_dma[i] = a.flags & ITD_BUF_DMA_API ? a.dma_addr : 0;
	}
	pthread_mutex_unlock(&d->pool_lock);
}

static void op_buf_free(struct fz_thread *t, int fd)
{
	struct fz_dev *d = t->dev;
	struct itd_buf_free f = { .flags = flags(t, 0) };
	uint64_t len, dma;
	double t0 = now_s();
	int r;

	f.buf_id = pick_buf(t, &len, &dma);
	r = FZ_IOCTL(t, fd, ITD_BUF_FREE, f, __reserved);
	note(t, "buf_free", f.buf_id, f.flags, 0, r, t0);
	if (r)
		return;
	pthread_mutex_lock(&d->pool_lock);
	for (int i = 0; i < FZ_BUFS; i++)
		if (d->buf_used[i] && d->bufs[i] == f.buf_id)
			d->buf_used[i] = false;
	pthread_mutex_unlock(&d->pool_lock);
}

static void op_buf_rw(struct fz_thread *t, int fd)
{
	struct itd_buf_rw a = { .flags = flags(t, ITD_BUF_WRITE) };
	uint64_t len, dma;
	double t0 = now_s();

	a.buf_id = pick_buf(t, &len, &dma);
	a.offset = chance(t, 85) ? below(t, len) : rnd(t);
	a.length = chance(t, 85) ? below(t, len - (a.offset < len ? a.offset : 0) + 1) : a_length(t, len);
	a.uptr = user_ptr(t, a.length);
	note(t, "buf_rw", a.buf_id, a.offset, a.length, FZ_IOCTL(t, fd, ITD_BUF_RW, a, uptr), t0);
}

#ifdef ITD_BUF_DMA_UNMAP
/* The DMA API unmap of a buffer, the buffer kept: a later transfer at its
 * address faults (strict) or lands in the module's pages (lazy). */
static void op_buf_dma_unmap(struct fz_thread *t, int fd)
{
	struct itd_buf_dma_unmap u = { .flags = flags(t, 0) };
	uint64_t len, dma;
	double t0 = now_s();

	u.buf_id = pick_buf(t, &len, &dma);
	note(t, "buf_dma_unmap", u.buf_id, u.flags, 0, FZ_IOCTL(t, fd, ITD_BUF_DMA_UNMAP, u, __reserved), t0);
}
#else
static void op_buf_dma_unmap(struct fz_thread *t, int fd) { }
#endif

static void op_domain_alloc(struct fz_thread *t, int fd)
{
	struct fz_dev *d = t->dev;
	struct itd_domain_alloc a = { .flags = flags(t, ITD_DOMAIN_PASID) };
	int i = below(t, FZ_DOMS), r;
	double t0;

	pthread_mutex_lock(&d->pool_lock);
	if (d->dom_used[i]) {
		struct itd_domain_free f = { .size = sizeof(f), .domain_id = d->doms[i] };

		t0 = now_s();
		r = ioctl(fd, ITD_DOMAIN_FREE, &f) ? -errno : 0;
		note(t, "domain_free", f.domain_id, 0, 0, r, t0);
		if (r) {	/* attached: bounded, so no new one in this slot */
			pthread_mutex_unlock(&d->pool_lock);
			return;
		}
		d->dom_used[i] = false;
	}
	pthread_mutex_unlock(&d->pool_lock);
	t0 = now_s();
	r = FZ_IOCTL(t, fd, ITD_DOMAIN_ALLOC, a, __reserved);
	note(t, "domain_alloc", a.flags, 0, 0, r, t0);
	if (r)
		return;
	pthread_mutex_lock(&d->pool_lock);
	if (d->dom_used[i]) {
		struct itd_domain_free f = { .size = sizeof(f), .domain_id = a.domain_id };

		ioctl(fd, ITD_DOMAIN_FREE, &f);
	} else {
		d->dom_used[i] = true, d->doms[i] = a.domain_id;
	}
	pthread_mutex_unlock(&d->pool_lock);
}

static void op_domain_free(struct fz_thread *t, int fd)
{
	struct fz_dev *d = t->dev;
	struct itd_domain_free f = { .flags = flags(t, 0), .domain_id = pick_dom(t) };
	double t0 = now_s();
	int r = FZ_IOCTL(t, fd, ITD_DOMAIN_FREE, f, __reserved);

	note(t, "domain_free", f.domain_id, f.flags, 0, r, t0);
	if (r)
		return;
	pthread_mutex_lock(&d->pool_lock);
	for (int i = 0; i < FZ_DOMS; i++)
		if (d->dom_used[i] && d->doms[i] == f.domain_id)
			d->dom_used[i] = false;
	pthread_mutex_unlock(&d->pool_lock);
}

static void op_attach(struct fz_thread *t, int fd, bool detach)
{
	struct itd_attach a = { .flags = flags(t, ITD_ATTACH_PASID), .pasid = pick_pasid(t) };
	double t0 = now_s();

	switch (below(t, 6)) {
	case 0: a.domain_id = ITD_DOMAIN_DEFAULT; break;
	case 1: a.domain_id = ITD_DOMAIN_BLOCKED; break;
	default: a.domain_id = pick_dom(t);
	}
	note(t, detach ? "detach" : "attach", a.domain_id, a.flags, a.pasid,
	     detach ? FZ_IOCTL(t, fd, ITD_DETACH, a, pasid) : FZ_IOCTL(t, fd, ITD_ATTACH, a, pasid), t0);
}

static void op_map(struct fz_thread *t, int fd, bool unmap)
{
	struct itd_map m = { .flags = unmap ? flags(t, 0) : flags(t, ITD_MAP_READ | ITD_MAP_WRITE) };
	uint64_t len, dma;
	double t0 = now_s();

	m.domain_id = pick_dom(t);
	m.iova = pick_iova(t);
	if (!unmap) {
		m.buf_id = pick_buf(t, &len, &dma);
		m.buf_offset = chance(t, 85) ? 4096 * below(t, len / 4096) : rnd(t) % (2 * len);
		m.length = chance(t, 85) ? 4096 * (1 + below(t, (len - (m.buf_offset < len ? m.buf_offset : 0)) / 4096))
					 : a_length(t, len);
	} else {
		m.length = chance(t, 85) ? 4096 * (1 + below(t, 16)) : a_length(t, FZ_BUF_MAX);
	}
	note(t, unmap ? "unmap" : "map", m.domain_id, m.iova, m.length,
	     unmap ? FZ_IOCTL(t, fd, ITD_UNMAP, m, buf_offset) : FZ_IOCTL(t, fd, ITD_MAP, m, buf_offset), t0);
}

static void op_dma(struct fz_thread *t, int fd)
{
	struct itd_dma op = { .flags = flags(t, ITD_DMA_PASID | ITD_DMA_SOFTWARE | ITD_DMA_FROM_DEVICE |
						   ITD_DMA_TO_DEVICE) };
	double t0 = now_s();

	/* One-sided transfers now and then, not most of the time. */
	if (chance(t, 70))
		op.flags &= ~(ITD_DMA_FROM_DEVICE | ITD_DMA_TO_DEVICE);
	op.pasid = pick_pasid(t);
	op.src_iova = pick_iova(t);
	op.dst_iova = pick_iova(t);
	op.length = chance(t, 85) ? 1 + below(t, 64 << 10) : a_length(t, 64 << 10);
	if (chance(t, 50))	/* whole LBAs from aligned addresses: what nvme takes */
		op.length = (op.length + 511) & ~511ull, op.src_iova &= ~3ull, op.dst_iova &= ~3ull;
	note(t, "dma", op.src_iova, op.dst_iova, op.length | (uint64_t)op.flags << 48,
	     FZ_IOCTL(t, fd, ITD_DMA, op, duration_ns), t0);
}

static void op_faults(struct fz_thread *t, int fd)
{
	struct itd_faults f = { .flags = flags(t, 0) };
	double t0 = now_s();

	f.count = chance(t, 85) ? below(t, 64) : (uint32_t)rnd(t);
	f.uptr = user_ptr(t, (uint64_t)f.count * sizeof(struct itd_fault));
	/* A count beyond the scratch would let the kernel write past it: only with a bad pointer. */
	if ((uint64_t)f.count * sizeof(struct itd_fault) > FZ_SCRATCH / 2 && chance(t, 50))
		f.uptr = (uint64_t)(uintptr_t)t->guard;
	else if ((uint64_t)f.count * sizeof(struct itd_fault) > FZ_SCRATCH / 2)
		f.count = FZ_SCRATCH / 2 / sizeof(struct itd_fault), f.uptr = (uint64_t)(uintptr_t)t->scratch;
	note(t, "faults", f.count, f.uptr, f.flags, FZ_IOCTL(t, fd, ITD_FAULTS, f, uptr), t0);
}

static void op_msi(struct fz_thread *t, int fd)
{
	struct itd_msi m = { .flags = flags(t, 0) };
	double t0 = now_s();

	/* Small counts and deadlines: an MSI a domain blocks costs its deadline. */
	m.count = chance(t, 90) ? 1 + below(t, 3) : chance(t, 50) ? 0 : ITD_MSI_MAX + 1 + below(t, 10);
	m.timeout_ms = chance(t, 95) ? 1 + below(t, 20) : 60001;
	m.vector = chance(t, 90) ? below(t, t->dev->info.msi_vectors ? t->dev->info.msi_vectors : 1)
				 : (uint32_t)rnd(t);
	note(t, "msi", m.count, m.timeout_ms, m.vector, FZ_IOCTL(t, fd, ITD_MSI, m, __reserved), t0);
}

static void op_io_stats(struct fz_thread *t, int fd)
{
	struct itd_io_stats s = { .flags = flags(t, ITD_IO_STATS_RESET) };
	double t0 = now_s();
	/* On the control node it is no command of that node: ENOTTY. */
	int node = chance(t, 80) ? t->dev->iofd : fd;

	note(t, "io_stats", node == fd, s.flags, 0, FZ_IOCTL(t, node, ITD_IO_STATS, s, engine_ns), t0);
}

#ifdef FZ_HAVE_URING
static void uring_init(struct fz_uring *u)
{
	struct io_uring_params p;
	char *sq, *cq;

	memset(&p, 0, sizeof(p));
	u->fd = syscall(__NR_io_uring_setup, 4, &p);
	if (u->fd < 0) {
		u->fd = -errno;
		return;
	}
	u->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	u->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	u->sqe_len = p.sq_entries * sizeof(struct io_uring_sqe);
	u->sq_ring = mmap(NULL, u->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd,
			  IORING_OFF_SQ_RING);
	u->cq_ring = mmap(NULL, u->cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd,
			  IORING_OFF_CQ_RING);
	u->sqes = mmap(NULL, u->sqe_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd,
		       IORING_OFF_SQES);
	if (u->sq_ring == MAP_FAILED || u->cq_ring == MAP_FAILED || u->sqes == MAP_FAILED) {
		close(u->fd);
		u->fd = -ENOMEM;
		return;
	}
	sq = u->sq_ring, cq = u->cq_ring;
	u->sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	u->sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	u->sq_array = (unsigned int *)(sq + p.sq_off.array);
	u->cq_head = (unsigned int *)(cq + p.cq_off.head);
	u->cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	u->cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	u->cqes = cq + p.cq_off.cqes;
}

static void uring_exit(struct fz_uring *u)
{
	if (u->fd < 0)
		return;
	munmap(u->sq_ring, u->sq_len);
	munmap(u->cq_ring, u->cq_len);
	munmap(u->sqes, u->sqe_len);
	close(u->fd);
}

/* One read or write through the ring, waited for: 0 or -errno (the request's own result). */
static int uring_rw(struct fz_uring *u, int fd, bool write, void *p, uint32_t len, uint64_t off)
{
	unsigned int tail = *u->sq_tail, idx = tail & *u->sq_mask, head;
	struct io_uring_sqe *e = (struct io_uring_sqe *)u->sqes + idx;
	int res;

	memset(e, 0, sizeof(*e));
	e->opcode = write ? IORING_OP_WRITE : IORING_OP_READ;
	e->fd = fd;
	e->addr = (uint64_t)(uintptr_t)p;
	e->len = len;
	e->off = off;
	u->sq_array[idx] = idx;
	__atomic_store_n(u->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, u->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	head = __atomic_load_n(u->cq_head, __ATOMIC_ACQUIRE);
	if (head == __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE))
		return -EAGAIN;	/* io_uring_enter waited for one completion: never */
	res = ((struct io_uring_cqe *)u->cqes)[head & *u->cq_mask].res;
	__atomic_store_n(u->cq_head, head + 1, __ATOMIC_RELEASE);
	return res < 0 ? res : 0;
}
#else
static void uring_init(struct fz_uring *u) { u->fd = -ENOSYS; }
static void uring_exit(struct fz_uring *u) { }
static int uring_rw(struct fz_uring *u, int fd, bool write, void *p, uint32_t len, uint64_t off)
{
	return -ENOSYS;
}
#endif

/* The I/O node: the device moves bytes between the fuzzer's own memory and its store. */
static void op_io(struct fz_thread *t)
{
	int fd = t->dev->iofd, kind = below(t, t->uring.fd >= 0 ? 8 : 6), r;
	uint64_t len = chance(t, 90) ? below(t, 64 << 10) : below(t, FZ_SCRATCH / 2);
	uint64_t off = chance(t, 90) ? below(t, 8 << 20) : rnd(t) >> 1;
	void *p = (void *)(uintptr_t)user_ptr(t, len);
	struct iovec iov[3];
	double t0 = now_s();
	ssize_t n;

	if (kind >= 6) {	/* io_uring */
		note(t, "uring", kind, off, len, uring_rw(&t->uring, fd, kind == 7, p, len, off), t0);
		return;
	}
	switch (kind) {
	case 0: n = pread(fd, p, len, off); break;
	case 1: n = pwrite(fd, p, len, off); break;
	case 2: n = lseek(fd, off, SEEK_SET) < 0 ? -1 : read(fd, p, len); break;
	case 3: n = lseek(fd, off, SEEK_SET) < 0 ? -1 : write(fd, p, len); break;
	default:
		for (int i = 0; i < 3; i++) {
			uint64_t l = below(t, 16 << 10);

			iov[i].iov_len = l;
			iov[i].iov_base = (void *)(uintptr_t)user_ptr(t, l);
		}
		n = kind == 4 ? preadv(fd, iov, 3, off) : pwritev(fd, iov, 3, off);
	}
	r = n < 0 ? -errno : 0;
	/* lseek beyond the store is EINVAL by the node's rule; a read there returns 0. */
	note(t, "io", kind, off, len, r, t0);
}

/* Close the control node (the module tears the file's state down) and open
 * it again; meanwhile a second opener must be refused. */
static void op_reopen(struct fz_thread *t)
{
	struct fz_dev *d = t->dev;
	double t0;
	int fd2;

	pthread_rwlock_wrlock(&d->open_lock);
	t0 = now_s();
	fd2 = lab_td_open(d->bdf);
	note(t, "open_second", 0, 0, 0, fd2 == -EBUSY ? 0 : fd2 < 0 ? fd2 : -EEXIST, t0);
	if (fd2 >= 0) {
		if (!t->unexpected++)
			snprintf(t->first_unexpected, sizeof(t->first_unexpected),
				 "a second open of %s succeeded (one opener at a time: EBUSY)", d->bdf);
		close(fd2);
	}
	t0 = now_s();
	close(d->fd);
	d->fd = lab_td_open(d->bdf);
	note(t, "reopen", 0, 0, 0, d->fd < 0 ? d->fd : 0, t0);
	if (d->fd < 0 && !t->unexpected++)
		snprintf(t->first_unexpected, sizeof(t->first_unexpected), "reopen %s: %s", d->bdf,
			 strerror(-d->fd));
	pthread_mutex_lock(&d->pool_lock);
	memset(d->buf_used, 0, sizeof(d->buf_used));
	memset(d->dom_used, 0, sizeof(d->dom_used));
	pthread_mutex_unlock(&d->pool_lock);
	pthread_rwlock_unlock(&d->open_lock);
}

static void fz_step(struct fz_thread *t)
{
	struct fz_dev *d = t->dev;
	unsigned int w = below(t, 1000);
	struct itd_info info;
	double t0;
	int fd;

	if (w < 3) {
		op_reopen(t);
		return;
	}
	if (w < 120) {
		op_io(t);
		return;
	}
	pthread_rwlock_rdlock(&d->open_lock);
	fd = d->fd;
	if (fd < 0) {
		pthread_rwlock_unlock(&d->open_lock);
		return;
	}
	if (w < 140) {
		op_io_stats(t, fd);
	} else if (w < 150) {
		op_buf_dma_unmap(t, fd);
	} else if (w < 170) {
		memset(&info, 0, sizeof(info));
		info.flags = flags(t, 0);
		t0 = now_s();
		note(t, "info", info.flags, 0, 0, FZ_IOCTL(t, fd, ITD_INFO, info, aperture_end), t0);
	} else if (w < 260) {
		op_buf_alloc(t, fd);
	} else if (w < 300) {
		op_buf_free(t, fd);
	} else if (w < 380) {
		op_buf_rw(t, fd);
	} else if (w < 430) {
		op_domain_alloc(t, fd);
	} else if (w < 460) {
		op_domain_free(t, fd);
	} else if (w < 560) {
		op_attach(t, fd, false);
	} else if (w < 600) {
		op_attach(t, fd, true);
	} else if (w < 760) {
		op_map(t, fd, false);
	} else if (w < 830) {
		op_map(t, fd, true);
	} else if (w < 960) {
		op_dma(t, fd);
	} else if (w < 985) {
		op_faults(t, fd);
	} else {
		op_msi(t, fd);
	}
	pthread_rwlock_unlock(&d->open_lock);
}

static void *fz_thread_main(void *arg)
{
	struct fz_thread *t = arg;
	struct fz_run *run = t->run;
	unsigned int n = 0;

	uring_init(&t->uring);
	while (!atomic_load(&run->stop)) {
		fz_step(t);
		if (++n % 256)
			continue;
		if (now_s() >= run->deadline || (run->stop_file && !access(run->stop_file, F_OK)))
			atomic_store(&run->stop, true);
	}
	uring_exit(&t->uring);
	return NULL;
}

static void ring_print(struct __test_metadata *_metadata, struct fz_thread *t)
{
	TH_LOG("thread %d (%s, seed %#llx): its last calls, oldest first:", t->index, t->dev->bdf,
	       (unsigned long long)t->run->seed);
	for (unsigned int i = 0; i < FZ_RING; i++) {
		struct fz_call *c = &t->ring[(t->ring_next + i) % FZ_RING];

		if (c->op[0])
			TH_LOG("  %s(%#llx, %#llx, %#llx) = %d", c->op, c->a, c->b, c->c, c->ret);
	}
}

static const char *errno_name(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL"; case EOPNOTSUPP: return "EOPNOTSUPP"; case E2BIG: return "E2BIG";
	case ENOTTY: return "ENOTTY"; case ENOENT: return "ENOENT"; case EBUSY: return "EBUSY";
	case EFAULT: return "EFAULT"; case ENOMEM: return "ENOMEM"; case ENOSPC: return "ENOSPC";
	case EEXIST: return "EEXIST"; case EADDRINUSE: return "EADDRINUSE"; case EPERM: return "EPERM";
	case ERANGE: return "ERANGE"; case EROFS: return "EROFS"; case ENOLINK: return "ENOLINK";
	case EIO: return "EIO"; case ETIMEDOUT: return "ETIMEDOUT"; case EOVERFLOW: return "EOVERFLOW";
	case ENOSYS: return "ENOSYS"; case ENODEV: return "ENODEV";
	}
	return NULL;
}

/* After the fuzz: a fresh open finds the function on its default domain, and
 * its engine copies correctly through it. 0, or what is wrong. */
static const char *still_sound(struct fz_dev *d, char *why, size_t len)
{
	struct itd_info info;
	struct itd_dma op = { 0 };
	uint32_t src, dst;
	uint64_t sdma, ddma;
	uint8_t in[4096], out[4096];
	int fd = lab_td_open(d->bdf), r;

	if (fd < 0)
		return snprintf(why, len, "%s: reopen after the fuzz: %s", d->bdf, strerror(-fd)), why;
	r = lab_td_info(fd, &info);
	if (r || info.state != ITD_STATE_DEFAULT) {
		snprintf(why, len, "%s: after a close the function is %s, not on its default domain", d->bdf,
			 r ? strerror(-r) : lab_td_state_name(info.state));
		goto out;
	}
	why[0] = 0;
	/* Engines that cannot copy here (nvme without a scratch range) are left out. */
	if (!(info.engine_caps & ITD_ENGINE_CAP_COPY))
		goto out;
	for (int i = 0; i < 4096; i++)
		in[i] = (uint8_t)(i * 7 + 3);
	r = lab_td_buf_alloc(fd, 4096, 0, ITD_BUF_DMA_API, &src, &sdma);
	r = r ?: lab_td_buf_alloc(fd, 4096, 0, ITD_BUF_DMA_API, &dst, &ddma);
	r = r ?: lab_td_buf_write(fd, src, 0, in, sizeof(in));
	op.src_iova = sdma, op.dst_iova = ddma, op.length = 4096;
	r = r ?: lab_td_dma(fd, &op);
	if (r == -EROFS)
		goto out;
	r = r ?: lab_td_buf_read(fd, dst, 0, out, sizeof(out));
	if (r || op.status != ITD_DMA_OK || memcmp(in, out, sizeof(in)))
		snprintf(why, len, "%s (%s): a copy through the default domain after the fuzz: %s, status %u, %s",
			 d->bdf, info.engine, r ? strerror(-r) : "done", op.status,
			 memcmp(in, out, sizeof(in)) ? "the bytes differ" : "the bytes match");
out:
	close(fd);
	return why[0] ? why : NULL;
}

FIXTURE(fuzz) {
	struct fz_run run;
	double secs;
};

FIXTURE_SETUP(fuzz)
{
	const char *list = getenv("IOMMU_LAB_TESTDEV"), *dur = getenv("IOMMU_LAB_FUZZ_DURATION");
	const char *seed = getenv("IOMMU_LAB_FUZZ_SEED"), *thr = getenv("IOMMU_LAB_FUZZ_THREADS");
	struct fz_run *run = &self->run;
	char bdf[32], *end;
	int off = 0, n;

	memset(run, 0, sizeof(*run));
	self->secs = 2;
	run->seed = 1;
	run->threads_per_dev = 2;
	if (dur) {
		self->secs = strtol(dur, &end, 10);
		ASSERT_TRUE(*dur && !*end && self->secs > 0 && self->secs <= FZ_MAX_DURATION)
			TH_LOG("IOMMU_LAB_FUZZ_DURATION='%s': seconds, 1..%d", dur, FZ_MAX_DURATION);
	}
	if (seed) {
		run->seed = strtoull(seed, &end, 0);
		/* Below 2^53: the seed metric, a JSON number, holds it exactly. */
		ASSERT_TRUE(*seed && !*end && run->seed < (1ull << 53))
			TH_LOG("IOMMU_LAB_FUZZ_SEED='%s': a number below 2^53", seed);
	}
	if (thr) {
		run->threads_per_dev = strtol(thr, &end, 10);
		ASSERT_TRUE(*thr && !*end && run->threads_per_dev >= 1 && run->threads_per_dev <= FZ_MAX_THREADS)
			TH_LOG("IOMMU_LAB_FUZZ_THREADS='%s': 1..%d", thr, FZ_MAX_THREADS);
	}
	if (!list || !*list)
		SKIP(return, "no device handed to iommu_testdev (iommu-lab run --testdev BDF)");
	while (run->ndev < FZ_MAX_DEVS && sscanf(list + off, " %31s%n", bdf, &n) == 1) {
		struct fz_dev *d = &run->dev[run->ndev];
		int fd;

		off += n;
		fd = lab_td_open(bdf);
		ASSERT_LE(0, fd) TH_LOG("open %s: %s", bdf, strerror(-fd));
		ASSERT_EQ(0, lab_td_info(fd, &d->info));
		d->iofd = lab_td_io_open(bdf);
		ASSERT_LE(0, d->iofd) TH_LOG("open the I/O node of %s: %s", bdf, strerror(-d->iofd));
		d->fd = fd;
		snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
		pthread_rwlock_init(&d->open_lock, NULL);
		pthread_mutex_init(&d->pool_lock, NULL);
		run->ndev++;
	}
	run->stop_file = getenv("IOMMU_LAB_STOP_FILE");
	TH_LOG("%.0f s on %d function(s), %d thread(s) each, seed %#llx (IOMMU_LAB_FUZZ_SEED=%#llx "
	       "repeats each thread's sequence; IOMMU_LAB_FUZZ_THREADS=1 the whole run)", self->secs, run->ndev,
	       run->threads_per_dev, (unsigned long long)run->seed, (unsigned long long)run->seed);
}

FIXTURE_TEARDOWN(fuzz)
{
	for (int i = 0; i < self->run.ndev; i++) {
		if (self->run.dev[i].fd >= 0)
			close(self->run.dev[i].fd);
		close(self->run.dev[i].iofd);
	}
}

TEST_F_TIMEOUT(fuzz, random_calls_get_contract_errnos_and_leave_the_function_sound, FZ_MAX_DURATION + 600)
{
	struct fz_run *run = &self->run;
	int nt = run->ndev * run->threads_per_dev;
	struct fz_thread *th = calloc(nt, sizeof(*th));
	uint64_t calls = 0, unexpected = 0, errnos[FZ_ERRNOS] = { 0 };
	size_t map_len = FZ_SCRATCH + 3 * 4096;
	double t0 = now_s(), secs, slowest = 0;
	char why[256], names[64] = "";
	const char *bad = NULL;
	bool emulated = true;

	ASSERT_NE(NULL, th);
	run->deadline = t0 + self->secs;
	for (int i = 0; i < nt; i++) {
		struct fz_thread *t = &th[i];
		uint8_t *m = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		ASSERT_NE(MAP_FAILED, m);
		/* scratch | guard | argument page | guard */
		t->scratch = m, t->guard = m + FZ_SCRATCH, t->arg = m + FZ_SCRATCH + 4096;
		ASSERT_EQ(0, mprotect(t->guard, 4096, PROT_NONE));
		ASSERT_EQ(0, mprotect(t->arg + FZ_ARG_PAGE, 4096, PROT_NONE));
		t->run = run, t->index = i, t->dev = &run->dev[i % run->ndev];
		t->rng = run->seed ^ (0x9e3779b97f4a7c15ull * (uint64_t)(i + 1));
		ASSERT_EQ(0, pthread_create(&t->th, NULL, fz_thread_main, t));
	}
	for (int i = 0; i < nt; i++)
		pthread_join(th[i].th, NULL);
	secs = now_s() - t0;
	for (int i = 0; i < nt; i++) {
		calls += th[i].calls;
		unexpected += th[i].unexpected;
		if (th[i].max_call_ms > slowest)
			slowest = th[i].max_call_ms;
		for (int e = 0; e < FZ_ERRNOS; e++)
			errnos[e] += th[i].errnos[e];
	}
	for (int i = 0; i < run->ndev; i++) {
		const char *e = run->dev[i].info.engine;

		if (!strstr(names, e) && strlen(names) + strlen(e) + 2 < sizeof(names))
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", names[0] ? "+" : "",
				 e[0] ? e : "none");
		emulated &= run->dev[i].info.engine_kind == ITD_ENGINE_EMULATED;
	}
	lab_record_engine(names, emulated ? LAB_ENGINE_EMULATED : LAB_ENGINE_DEVICE);
	lab_record_metric("calls", (double)calls, "calls");
	lab_record_metric("calls_per_s", calls / secs, "calls/s");
	lab_record_metric("duration", secs, "s");
	lab_record_metric("seed", (double)run->seed, "");
	lab_record_metric("threads", nt, "threads");
	lab_record_metric("slowest_call", slowest, "ms");
	lab_record_metric("unexpected_errnos", (double)unexpected, "calls");
	for (int e = 1; e < FZ_ERRNOS; e++) {
		char name[32];

		if (!errnos[e])
			continue;
		snprintf(name, sizeof(name), "errno_%s", errno_name(e) ?: "other");
		if (!errno_name(e))
			snprintf(name, sizeof(name), "errno_%d", e);
		lab_record_metric(name, (double)errnos[e], "calls");
	}
	TH_LOG("%llu calls in %.1f s (%.0f/s), seed %#llx, slowest call %.0f ms; io_uring: %s",
	       (unsigned long long)calls, secs, calls / secs, (unsigned long long)run->seed, slowest,
	       th[0].uring.fd >= 0 ? "used" : strerror(-th[0].uring.fd));
	lab_record_metric("io_uring", th[0].uring.fd >= 0, "");
	for (int i = 0; i < nt; i++)
		if (th[i].unexpected) {
			TH_LOG("thread %d: %llu call(s) outside the contract, the first: %s", i,
			       (unsigned long long)th[i].unexpected, th[i].first_unexpected);
			ring_print(_metadata, &th[i]);
		}
	/* The files go first: a close tears the state down. */
	for (int i = 0; i < run->ndev; i++) {
		if (run->dev[i].fd >= 0)
			close(run->dev[i].fd);
		run->dev[i].fd = -1;
	}
	for (int i = 0; i < run->ndev && !bad; i++)
		bad = still_sound(&run->dev[i], why, sizeof(why));
	for (int i = 0; i < nt; i++)
		munmap(th[i].scratch, map_len);
	free(th);
	EXPECT_LT(0, calls);
	EXPECT_EQ(0, unexpected) TH_LOG("calls outside the module's errno contract (seed %#llx)",
					(unsigned long long)run->seed);
	EXPECT_GT(FZ_SLOW_MS, slowest) TH_LOG("a call took %.0f ms (seed %#llx)", slowest,
					      (unsigned long long)run->seed);
	EXPECT_EQ(NULL, bad) TH_LOG("%s (seed %#llx)", bad, (unsigned long long)run->seed);
}

TEST_HARNESS_MAIN
