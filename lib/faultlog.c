// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "faultlog.h"

/* /dev/kmsg returns one record per read and fails with EINVAL when the buffer
 * is smaller than the record: the kernel caps a record well below this. */
#define KMSG_BUF 16384

enum line_kind { LINE_OTHER, LINE_COMPLETE, LINE_EVENT, LINE_ACCESS };

static void copy_str(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = 0;
}

static int starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hexadecimal number at s, "0x" optional; 0 or -EINVAL. */
static int parse_hex(const char *s, uint64_t *val)
{
	char *end;

	if (hexval(*s) < 0)
		return -EINVAL;
	errno = 0;
	*val = strtoull(s, &end, 16);
	return errno || end == s ? -EINVAL : 0;
}

/* "DDDD:BB:DD.F" or, as Linux 6.1 VT-d prints it, "BB:DD.F" (segment 0), of
 * len bytes; normalised into out[16]. 0 or -EINVAL. */
static int parse_bdf(const char *s, size_t len, char *out)
{
	unsigned int dom = 0, bus, dev, fn;
	char tmp[24];
	int n = -1;

	if (len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, len);
	tmp[len] = 0;
	if (sscanf(tmp, "%x:%x:%x.%x%n", &dom, &bus, &dev, &fn, &n) != 4 || n != (int)len) {
		dom = 0;
		n = -1;
		if (sscanf(tmp, "%x:%x.%x%n", &bus, &dev, &fn, &n) != 3 || n != (int)len)
			return -EINVAL;
	}
	if (dom > 0xfffff || bus > 0xff || dev > 0x1f || fn > 7)
		return -EINVAL;
	return snprintf(out, 16, "%04x:%02x:%02x.%x", dom, bus, dev, fn) < 16 ? 0 : -EINVAL;
}

/*
 * VT-d, one line per fault:
 * "DMAR: [DMA Write NO_PASID] Request device [0000:00:10.0] fault addr 0x12345000
 *  [fault reason 0x05] PTE Write access is not set", or "[DMA Read PASID 0x5]".
 * Interrupt-remapping faults say "fault index" and are not ours.
 */
static enum line_kind parse_vtd(const char *msg, struct lab_fault_rec *r)
{
	const char *p = strstr(msg, "DMAR: ["), *end, *rd, *wr, *pasid;
	size_t n;

	if (!p)
		return LINE_OTHER;
	p += strlen("DMAR: [");
	end = strchr(p, ']');
	if (!end)
		return LINE_OTHER;
	memset(r, 0, sizeof(*r));
	strcpy(r->iommu, "vtd");

	/* The type bracket: direction, then the PASID if any ("NO_PASID" has none). */
	n = end - p;
	rd = memmem(p, n, "Read", 4);
	wr = memmem(p, n, "Write", 5);
	r->write = wr && !rd ? 1 : rd && !wr ? 0 : -1;
	pasid = memmem(p, n, " PASID ", 7);
	if (pasid) {
		uint64_t v;

		if (parse_hex(pasid + 7, &v) || v > UINT32_MAX)
			return LINE_OTHER;
		r->has_pasid = 1;
		r->pasid = v;
	}

	p = end + 1;
	if (!starts(p, " Request device ["))
		return LINE_OTHER;
	p += strlen(" Request device [");
	end = strchr(p, ']');
	if (!end || parse_bdf(p, end - p, r->bdf))
		return LINE_OTHER;

	p = end + 1;
	if (!starts(p, " fault addr ") || parse_hex(p + strlen(" fault addr "), &r->iova))
		return LINE_OTHER;

	p = strstr(p, "[fault reason ");
	if (p) {
		p += strlen("[fault reason ");
		end = strchr(p, ']');
		if (end) {
			const char *text = end[1] == ' ' ? end + 2 : end + 1;
			int hex = starts(p, "0x");

			snprintf(r->reason, sizeof(r->reason), "%s%.*s %s", hex ? "" : "0x",
				 (int)(end - p), p, text);
		}
	}
	return LINE_COMPLETE;
}

/* "client: <dev name>" of an SMMUv3 event: a PCI function's name is its BDF. */
static void smmu_client(const char *p, char *bdf)
{
	size_t n = strcspn(p, " ");

	bdf[0] = 0;
	if (starts(p, "(unassigned sid)") || parse_bdf(p, n, bdf) == 0)
		return;
	/* Another bus's device: keep its name only when it fits whole. */
	if (n < 16)
		copy_str(bdf, 16, p, n);
}

/*
 * SMMUv3, after "arm-smmu-v3 <smmu>: ":
 * "event: F_TRANSLATION client: 0000:00:10.0 sid: 0x80 ssid: 0x0 iova: 0x12345000 ipa: 0x0"
 * "unpriv data write s1 \"Input address caused fault\" stag: 0x0"
 * The raw dump before them ("event 0x10 received:", "\t0x...") is ignored,
 * as are events without an input address (STE/CD fetch faults, ...).
 */
static enum line_kind parse_smmuv3(const char *msg, struct lab_fault_rec *r, char *dev, size_t devlen)
{
	static const char *const fields[][2] = {
		{ "priv", "unpriv" }, { "inst", "data" }, { "read", "write" }, { "s1", "s2" },
	};
	const char *p = strstr(msg, "arm-smmu-v3 "), *q;
	uint64_t v;
	size_t n;
	int i, f, val[4];

	if (!p)
		return LINE_OTHER;
	p += strlen("arm-smmu-v3 ");
	q = strstr(p, ": ");
	if (!q)
		return LINE_OTHER;
	copy_str(dev, devlen, p, q - p);
	p = q + 2;

	if (starts(p, "event: ")) {
		memset(r, 0, sizeof(*r));
		strcpy(r->iommu, "smmuv3");
		r->write = -1;
		p += strlen("event: ");
		n = strcspn(p, " ");
		copy_str(r->reason, sizeof(r->reason), p, n);
		q = strstr(p, " client: ");
		if (!q)
			return LINE_OTHER;
		smmu_client(q + strlen(" client: "), r->bdf);
		q = strstr(q, " ssid: ");
		if (!q || parse_hex(q + strlen(" ssid: "), &v) || v > UINT32_MAX)
			return LINE_OTHER;
		r->has_pasid = v != 0;
		r->pasid = v;
		q = strstr(q, " iova: ");
		if (!q || parse_hex(q + strlen(" iova: "), &r->iova))
			return LINE_OTHER;
		return LINE_EVENT;
	}

	/* The access line: four words, each one of two values, then the quoted class. */
	for (i = 0; i < 4; i++) {
		n = strcspn(p, " ");
		val[i] = -1;
		for (f = 0; f < 2; f++)
			if (n == strlen(fields[i][f]) && !strncmp(p, fields[i][f], n))
				val[i] = f;
		if (val[i] < 0 || p[n] != ' ')
			return LINE_OTHER;
		p += n + 1;
	}
	if (*p != '"')
		return LINE_OTHER;
	r->write = val[2];
	r->stage = val[3] + 1;
	return LINE_ACCESS;
}

int lab_fault_flush(struct lab_fault_ctx *ctx, struct lab_fault_rec *r)
{
	if (ctx->has_ready) {
		*r = ctx->ready;
		ctx->has_ready = 0;
		return 1;
	}
	if (ctx->has_pend) {
		*r = ctx->pend;		/* write stays -1: the access line never came */
		ctx->has_pend = 0;
		return 1;
	}
	return 0;
}

int lab_fault_parse_line(const char *msg, struct lab_fault_rec *r, struct lab_fault_ctx *ctx)
{
	struct lab_fault_rec cur = { 0 };
	char dev[64] = "";
	enum line_kind kind = LINE_OTHER;
	int out;

	if (msg) {
		kind = parse_vtd(msg, &cur);
		if (kind == LINE_OTHER)
			kind = parse_smmuv3(msg, &cur, dev, sizeof(dev));
	}

	if (kind == LINE_ACCESS && ctx->has_pend && !strcmp(dev, ctx->pend_dev)) {
		*r = ctx->pend;
		r->write = cur.write;
		r->stage = cur.stage;
		ctx->has_pend = 0;
		return 1;
	}

	/* Anything else ends a pending event; at most one record is held, so
	 * each call hands out at most one and keeps at most one. */
	out = lab_fault_flush(ctx, r);
	if (kind == LINE_COMPLETE) {
		if (!out) {
			*r = cur;
			return 1;
		}
		ctx->ready = cur;
		ctx->has_ready = 1;
	} else if (kind == LINE_EVENT) {
		ctx->pend = cur;
		memcpy(ctx->pend_dev, dev, sizeof(ctx->pend_dev));
		ctx->has_pend = 1;
	}
	return out;
}

/* /dev/kmsg escapes unprintable bytes and '\' as "\xNN": undo it in place. */
static void kmsg_unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] == 'x' && hexval(s[2]) >= 0 && hexval(s[3]) >= 0) {
			*d++ = hexval(s[2]) << 4 | hexval(s[3]);
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = 0;
}

/* Next record "prio,seq,usec,flags;message\n[ KEY=value\n...]": 1 with its
 * sequence number and message, 0 at the end of the log, or -errno. */
static int kmsg_next(int fd, char *buf, uint64_t *seq, char **msg)
{
	for (;;) {
		ssize_t n = read(fd, buf, KMSG_BUF - 1);
		char *p, *end;

		if (n < 0) {
			if (errno == EAGAIN)
				return 0;
			/* EPIPE: records were overwritten under us; the next read
			 * continues at the oldest one left. */
			if (errno == EINTR || errno == EPIPE)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		buf[n] = 0;
		p = strchr(buf, ',');
		end = strchr(buf, ';');
		if (!p || !end || p > end)
			continue;
		*seq = strtoull(p + 1, NULL, 10);
		*msg = end + 1;
		end = strchr(*msg, '\n');
		if (end)
			*end = 0;
		kmsg_unescape(*msg);
		return 1;
	}
}

static int kmsg_open(char **buf)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	*buf = malloc(KMSG_BUF);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	return fd;
}

int lab_kmsg_mark(struct lab_kmsg_mark *m)
{
	uint64_t seq;
	char *buf, *msg;
	int fd, ret;

	/* lseek(SEEK_END) would skip to the end without telling the sequence
	 * number there: read through the log instead and keep the last one. */
	fd = kmsg_open(&buf);
	if (fd < 0)
		return fd;
	m->seq = 0;
	while ((ret = kmsg_next(fd, buf, &seq, &msg)) > 0)
		m->seq = seq + 1;
	free(buf);
	close(fd);
	return ret;
}

int lab_faults_since(const struct lab_kmsg_mark *m, struct lab_fault_rec *recs, int max)
{
	struct lab_fault_ctx ctx = { 0 };
	struct lab_fault_rec r;
	uint64_t seq;
	char *buf, *msg;
	int fd, ret, n = 0;

	fd = kmsg_open(&buf);
	if (fd < 0)
		return fd;
	while ((ret = kmsg_next(fd, buf, &seq, &msg)) > 0) {
		if (seq < m->seq)
			continue;
		if (lab_fault_parse_line(msg, &r, &ctx) && n < max)
			recs[n++] = r;
	}
	while (lab_fault_flush(&ctx, &r))
		if (n < max)
			recs[n++] = r;
	free(buf);
	close(fd);
	return ret < 0 ? ret : n;
}

int lab_faults_find(const struct lab_fault_rec *recs, int n, const char *bdf,
		    uint64_t iova_page, int write)
{
	int i;

	iova_page &= ~0xfffull;
	for (i = 0; i < n; i++) {
		if (bdf && strcasecmp(recs[i].bdf, bdf))
			continue;
		if ((recs[i].iova & ~0xfffull) != iova_page)
			continue;
		if (write != -1 && recs[i].write != write)
			continue;
		return i;
	}
	return -1;
}

int lab_faults_wait(const struct lab_kmsg_mark *m, struct lab_fault_rec *recs, int max, const char *bdf,
		    uint64_t iova_page, int write, int timeout_ms)
{
	/* Poll every 50 ms: the record comes from the driver's interrupt thread. */
	for (int waited = 0;; waited += 50) {
		int n = lab_faults_since(m, recs, max);
		int i = n > 0 ? lab_faults_find(recs, n, bdf, iova_page, write) : -1;

		if (i >= 0)
			return i;
		if (waited >= timeout_ms)
			return n < 0 ? n : -ENOENT;
		usleep(50 * 1000);
	}
}
