// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "faultlog.h"

/* /dev/kmsg returns one record per read and fails with EINVAL when the buffer
 * is smaller than the record: the kernel caps a record well below this. */
#define KMSG_BUF 16384

enum line_kind {
	LINE_OTHER,
	LINE_COMPLETE,		/* a whole fault (VT-d) */
	LINE_EVENT,		/* SMMUv3 decoded event, awaiting its access line */
	LINE_ACCESS,		/* SMMUv3 access line */
	LINE_RAW_START,		/* SMMUv3 "event 0xNN received:" */
	LINE_RAW_WORD,		/* SMMUv3 one 64-bit word of the raw event */
};

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

/* The text after prefix when s starts with it, or NULL. */
static const char *skip(const char *s, const char *prefix)
{
	return starts(s, prefix) ? s + strlen(prefix) : NULL;
}

/* The text after the first needle in s, or NULL (also for s NULL). */
static const char *after(const char *s, const char *needle)
{
	const char *p = s ? strstr(s, needle) : NULL;

	return p ? p + strlen(needle) : NULL;
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
 * The stage a VT-d scalable-mode fault reason names (VT-d 7.1.3), 0 where it
 * names none: first-stage entries (SFS.1-4, SGN.1-2: 0x70-0x73, 0x80, 0x81)
 * are stage 1; in nested translation the second stage denying or failing a
 * first-stage table access (SFS.5-8: 0x74-0x77), the second-stage walk itself
 * (SSS.1-5: 0x78-0x7c) and an output beyond the second stage (SGN.4-5: 0x83,
 * 0x84) are stage 2, as SMMUv3 reports a stage-1 table walk that stage 2
 * faulted. Permission faults (0x85, 0x86) do not say which stage denied.
 */
static int vtd_reason_stage(unsigned long code)
{
	if ((code >= 0x70 && code <= 0x73) || code == 0x80 || code == 0x81)
		return 1;
	if ((code >= 0x74 && code <= 0x7c) || code == 0x83 || code == 0x84)
		return 2;
	return 0;
}

/*
 * VT-d, one line per fault:
 * "DMAR: [DMA Write NO_PASID] Request device [0000:00:10.0] fault addr 0x12345000
 *  [fault reason 0x05] PTE Write access is not set", or "[DMA Read PASID 0x5]".
 * Interrupt-remapping faults say "fault index" and are not ours.
 */
static enum line_kind parse_vtd(const char *msg, struct lab_fault_rec *r)
{
	const char *p = after(msg, "DMAR: ["), *end = p ? strchr(p, ']') : NULL, *rd, *wr, *pasid;
	size_t n;

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

	p = skip(end + 1, " Request device [");
	end = p ? strchr(p, ']') : NULL;
	if (!end || parse_bdf(p, end - p, r->bdf))
		return LINE_OTHER;

	p = skip(end + 1, " fault addr ");
	if (!p || parse_hex(p, &r->iova))
		return LINE_OTHER;

	p = after(p, "[fault reason ");
	end = p ? strchr(p, ']') : NULL;
	if (end) {
		const char *text = end[1] == ' ' ? end + 2 : end + 1;
		int hex = starts(p, "0x");

		snprintf(r->reason, sizeof(r->reason), "%s%.*s %s", hex ? "" : "0x",
			 (int)(end - p), p, text);
		r->stage = vtd_reason_stage(strtoul(r->reason, NULL, 16));
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
 * The SMMUv3 event record (IHI 0070, "Event records"), as Linux 6.1 and 6.12
 * print it: "event 0x13 received:" and its four 64-bit words. Only the
 * translation fault family carries an input address: F_TRANSLATION (0x10),
 * F_ADDR_SIZE, F_ACCESS, F_PERMISSION (0x13). Word 0: type [7:0], SSV [11],
 * SubstreamID [31:12], StreamID [63:32]; word 1: RnW [35], S2 [39];
 * word 2: the input address. The record names the StreamID, not the device:
 * lab_faults_since() resolves it (bdf stays "" when it cannot).
 */
static int smmu_raw_decode(const uint64_t w[4], struct lab_fault_rec *r)
{
	static const char *const names[] = { "F_TRANSLATION", "F_ADDR_SIZE", "F_ACCESS", "F_PERMISSION" };
	unsigned int type = w[0] & 0xff;

	if (type < 0x10 || type > 0x13)
		return 0;
	memset(r, 0, sizeof(*r));
	strcpy(r->iommu, "smmuv3");
	strcpy(r->reason, names[type - 0x10]);
	r->has_sid = 1;
	r->sid = w[0] >> 32;
	r->has_pasid = (w[0] >> 11) & 1;
	r->pasid = r->has_pasid ? (w[0] >> 12) & 0xfffff : 0;
	r->write = !((w[1] >> 35) & 1);
	r->stage = (w[1] >> 39) & 1 ? 2 : 1;
	r->iova = w[2];
	return 1;
}

/*
 * SMMUv3, after "arm-smmu-v3 <smmu>: ", Linux 6.13 and later add to the raw
 * dump (above) a decoded event and its access line:
 * "event: F_TRANSLATION client: 0000:00:10.0 sid: 0x80 ssid: 0x0 iova: 0x12345000 ipa: 0x0"
 * "unpriv data write s1 \"Input address caused fault\" stag: 0x0"
 * Events without an input address (STE/CD fetch faults, ...) are ignored.
 */
static enum line_kind parse_smmuv3(const char *msg, struct lab_fault_rec *r, char *dev, size_t devlen)
{
	static const char *const fields[][2] = {
		{ "priv", "unpriv" }, { "inst", "data" }, { "read", "write" }, { "s1", "s2" },
	};
	const char *p = after(msg, "arm-smmu-v3 "), *q = p ? strstr(p, ": ") : NULL;
	uint64_t v;
	size_t n;
	int i, f, val[4];

	if (!q)
		return LINE_OTHER;
	copy_str(dev, devlen, p, q - p);
	p = q + 2;

	if (skip(p, "event 0x") && strstr(p, " received:"))
		return parse_hex(p + 6, &v) || v > 0xff ? LINE_OTHER : LINE_RAW_START;
	if (p[0] == '\t' && skip(p + 1, "0x") && !parse_hex(p + 1, &r->iova))
		return LINE_RAW_WORD;	/* the word, parked in iova */

	q = skip(p, "event: ");
	if (q) {
		memset(r, 0, sizeof(*r));
		strcpy(r->iommu, "smmuv3");
		r->write = -1;
		copy_str(r->reason, sizeof(r->reason), q, strcspn(q, " "));
		q = after(q, " client: ");
		if (!q)
			return LINE_OTHER;
		smmu_client(q, r->bdf);
		q = after(q, " ssid: ");
		if (!q || parse_hex(q, &v) || v > UINT32_MAX)
			return LINE_OTHER;
		r->has_pasid = v != 0;
		r->pasid = v;
		q = after(q, " iova: ");
		if (!q || parse_hex(q, &r->iova))
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

	if (kind == LINE_ACCESS && ctx->has_pend && !ctx->pend_raw && !strcmp(dev, ctx->pend_dev)) {
		*r = ctx->pend;
		r->write = cur.write;
		r->stage = cur.stage;
		ctx->has_pend = 0;
		return 1;
	}
	if (kind == LINE_RAW_WORD) {
		if (!ctx->raw_on || strcmp(dev, ctx->raw_dev))
			return 0;
		ctx->raw[ctx->raw_n++] = cur.iova;
		if (ctx->raw_n < 4)
			return 0;
		ctx->raw_on = 0;
		/* Held like a decoded event: the decoded lines that newer
		 * kernels print next describe the same fault and replace it. */
		if (smmu_raw_decode(ctx->raw, &ctx->pend)) {
			memcpy(ctx->pend_dev, dev, sizeof(ctx->pend_dev));
			ctx->has_pend = 1;
			ctx->pend_raw = 1;
		}
		return 0;
	}
	if (kind == LINE_EVENT && ctx->has_pend && ctx->pend_raw && !strcmp(dev, ctx->pend_dev) &&
	    ctx->pend.iova == cur.iova)
		ctx->has_pend = 0;

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
		ctx->pend_raw = 0;
	} else if (kind == LINE_RAW_START) {
		memcpy(ctx->raw_dev, dev, sizeof(ctx->raw_dev));
		ctx->raw_on = 1;
		ctx->raw_n = 0;
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
 * sequence number, time (us, the kernel's local clock) and message, 0 at the
 * end of the log, or -errno. */
static int kmsg_next(int fd, char *buf, uint64_t *seq, uint64_t *usec, char **msg)
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
		*seq = strtoull(p + 1, &p, 10);
		*usec = *p == ',' ? strtoull(p + 1, NULL, 10) : 0;
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
	uint64_t seq, usec;
	char *buf, *msg;
	int fd, ret;

	/* lseek(SEEK_END) would skip to the end without telling the sequence
	 * number there: read through the log instead and keep the last one. */
	fd = kmsg_open(&buf);
	if (fd < 0)
		return fd;
	m->seq = 0;
	while ((ret = kmsg_next(fd, buf, &seq, &usec, &msg)) > 0)
		m->seq = seq + 1;
	free(buf);
	close(fd);
	return ret;
}

bool lab_kmsg_is_report(const char *msg)
{
	static const char *const reports[] = {
		/* lockdep's reports are WARNINGs; KASAN's and "sleeping function
		 * called from invalid context" are BUGs */
		"WARNING:", "BUG:", "Oops", "general protection fault", "Kernel panic",
		"UBSAN:", "KASAN:", "list_add corruption", "list_del corruption", "refcount_t:",
		/* page_poison=1: a freed page was written before its next
		 * allocation, which is what DMA into memory its owner gave back
		 * looks like */
		"pagealloc: ",
	};

	for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++)
		if (strstr(msg, reports[i]))
			return true;
	return false;
}

/* The reports after mark m, the first one's text in first[len]; each one's
 * sequence number written to claims (when not NULL) as "SEQ BY". */
static int kmsg_reports(const struct lab_kmsg_mark *m, char *first, size_t len, FILE *claims, const char *by)
{
	uint64_t seq, usec;
	char *buf, *msg;
	int fd, ret, found = 0;

	if (first && len)
		first[0] = 0;
	fd = kmsg_open(&buf);
	if (fd < 0)
		return fd;
	while ((ret = kmsg_next(fd, buf, &seq, &usec, &msg)) > 0) {
		if (seq < m->seq || !lab_kmsg_is_report(msg))
			continue;
		if (!found++ && first && len)
			snprintf(first, len, "%s", msg);
		if (claims)
			fprintf(claims, "%llu %s\n", (unsigned long long)seq, by);
	}
	free(buf);
	close(fd);
	return ret < 0 ? ret : found;
}

int lab_kmsg_reports_since(const struct lab_kmsg_mark *m, char *first, size_t len)
{
	return kmsg_reports(m, first, len, NULL, NULL);
}

int lab_kmsg_claim_reports(const struct lab_kmsg_mark *m, const char *by, char *first, size_t len)
{
	const char *path = getenv("IOMMU_LAB_KMSG_CLAIMS");
	FILE *claims = path && *path ? fopen(path, "a") : NULL;
	int n = kmsg_reports(m, first, len, claims, by);

	if (claims)
		fclose(claims);
	return n;
}

bool lab_kmsg_claimed(uint64_t seq, char *by, size_t len)
{
	const char *path = getenv("IOMMU_LAB_KMSG_CLAIMS");
	FILE *claims = path && *path ? fopen(path, "r") : NULL;
	unsigned long long s;
	char line[512];
	int at;
	bool found = false;

	if (!claims)
		return false;
	while (!found && fgets(line, sizeof(line), claims)) {
		if (sscanf(line, "%llu %n", &s, &at) < 1 || s != seq)
			continue;
		found = true;
		if (by && len)
			snprintf(by, len, "%.*s", (int)strcspn(line + at, "\n"), line + at);
	}
	fclose(claims);
	return found;
}

/* A big-endian 32-bit cell of a device-tree property. */
static uint32_t dt_cell(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/*
 * The StreamID of PCI function bdf, from the "iommu-map" (and
 * "iommu-map-mask") of its host bridge's device-tree node: entries of
 * (rid-base, iommu, iommu-base, length), so the firmware's mapping is read,
 * not assumed. 0, or -ENOENT (no device-tree mapping: ACPI hosts).
 */
static int pci_stream_id(const char *bdf, uint32_t *sid)
{
	unsigned int dom, bus, dev, fn;
	unsigned char map[1024], mask[4];
	char path[4096], file[4200], *real, *slash;
	uint32_t rid;
	ssize_t n = -1;
	int fd;

	if (sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4)
		return -ENOENT;
	rid = bus << 8 | dev << 3 | fn;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	real = realpath(path, NULL);
	if (!real)
		return -ENOENT;
	while ((slash = strrchr(real, '/')) && slash != real) {
		*slash = 0;
		snprintf(file, sizeof(file), "%s/of_node/iommu-map", real);
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, map, sizeof(map));
		close(fd);
		snprintf(file, sizeof(file), "%s/of_node/iommu-map-mask", real);
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (read(fd, mask, 4) == 4)
				rid &= dt_cell(mask);
			close(fd);
		}
		break;
	}
	free(real);
	for (ssize_t i = 0; i + 16 <= n; i += 16) {
		uint32_t base = dt_cell(map + i), out = dt_cell(map + i + 8), len = dt_cell(map + i + 12);

		if (rid >= base && rid - base < len) {
			*sid = out + (rid - base);
			return 0;
		}
	}
	return -ENOENT;
}

/* Raw SMMUv3 events name a StreamID: give them the PCI function it maps to. */
static void resolve_stream_ids(struct lab_fault_rec *recs, int n)
{
	char bdfs[64][16];
	uint32_t sids[64];
	int nf = -1;

	for (int i = 0; i < n; i++) {
		if (!recs[i].has_sid || recs[i].bdf[0])
			continue;
		if (nf < 0) {
			struct dirent *e;
			DIR *d = opendir("/sys/bus/pci/devices");

			nf = 0;
			while (d && (e = readdir(d)) && nf < 64)
				if (e->d_name[0] != '.' && strlen(e->d_name) < 16 &&
				    !pci_stream_id(e->d_name, &sids[nf]))
					strcpy(bdfs[nf++], e->d_name);
			if (d)
				closedir(d);
		}
		for (int f = 0; f < nf; f++)
			if (sids[f] == recs[i].sid)
				strcpy(recs[i].bdf, bdfs[f]);
	}
}

/*
 * Whether MSG is one the IOMMU drivers print under their fault rate limit:
 * VT-d's fault lines ("DMAR: [DMA Read ...", "DMAR: DRHD: handling fault
 * status") and SMMUv3's event dumps (any line of arm-smmu-v3), and the
 * "callbacks suppressed" line the limit prints when a window opens.
 */
static bool under_fault_limit(const char *msg)
{
	return strstr(msg, "DMAR: [") || strstr(msg, "DRHD: handling fault") || strstr(msg, "arm-smmu-v3") ||
	       strstr(msg, "callbacks suppressed");
}

/*
 * lab_faults_since(), and in *window_us the log time at which the latest
 * window of the drivers' fault rate limit opened (0: no such message). The
 * limit (the kernel's ___ratelimit()) opens a window at the first call more
 * than a window after the last opening, and that call is always let through:
 * so a window opens at a printed message, the first one a window or more
 * after the previous opening. Rebuilt from the messages' times that way.
 */
static int faults_since(const struct lab_kmsg_mark *m, struct lab_fault_rec *recs, int max,
			uint64_t *window_us)
{
	struct lab_fault_ctx ctx = { 0 };
	struct lab_fault_rec r;
	uint64_t seq, usec;
	char *buf, *msg;
	int fd, ret, n = 0;

	*window_us = 0;
	fd = kmsg_open(&buf);
	if (fd < 0)
		return fd;
	while ((ret = kmsg_next(fd, buf, &seq, &usec, &msg)) > 0) {
		if (under_fault_limit(msg) && (!*window_us || usec >= *window_us + LAB_FAULT_LIMIT_WINDOW_MS * 1000ull))
			*window_us = usec;
		if (seq < m->seq)
			continue;
		if (lab_fault_parse_line(msg, &r, &ctx) && n < max)
			recs[n++] = r;
	}
	while (lab_fault_flush(&ctx, &r))
		if (n < max)
			recs[n++] = r;
	resolve_stream_ids(recs, n);
	free(buf);
	close(fd);
	return ret < 0 ? ret : n;
}

int lab_faults_since(const struct lab_kmsg_mark *m, struct lab_fault_rec *recs, int max)
{
	uint64_t window;

	return faults_since(m, recs, max, &window);
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

/* CLOCK_MONOTONIC in us: the clock the kernel stamps its log with, up to
 * the few milliseconds between their starts at boot (1.4 ms apart on the
 * project's machine; LAB_FAULT_LIMIT_MARGIN_MS covers more). */
static uint64_t now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static int faults_wait(const struct lab_kmsg_mark *m, struct lab_fault_rec *recs, int max, const char *bdf,
		       uint64_t iova_page, int write, int timeout_ms, bool retry)
{
	const uint64_t window = LAB_FAULT_LIMIT_WINDOW_MS * 1000ull, margin = LAB_FAULT_LIMIT_MARGIN_MS * 1000ull;
	uint64_t start = now_us(), retry_at = 0, opened;

	/* Poll every 50 ms: the record comes from the driver's interrupt thread. */
	for (int waited = 0;; waited += 50) {
		int n = faults_since(m, recs, max, &opened);
		int i = n > 0 ? lab_faults_find(recs, n, bdf, iova_page, write) : -1;

		if (i >= 0)
			return i;
		/*
		 * At the first look: if the limit's latest window was still
		 * open at the transfer, the record may have been dropped. Give
		 * it the time a delayed record takes, then repeat the access as
		 * soon as that window is surely over (a margin for the clocks).
		 */
		if (retry && waited == 0 && n >= 0 && opened && opened + window + margin > start) {
			retry_at = opened + window + margin;
			if (retry_at < start + LAB_FAULT_LOG_DELAY_MS * 1000ull)
				retry_at = start + LAB_FAULT_LOG_DELAY_MS * 1000ull;
		}
		if (retry_at && now_us() >= retry_at)
			return -EAGAIN;
		if (waited >= timeout_ms)
			return n < 0 ? n : -ENOENT;
		usleep(50 * 1000);
	}
}

int lab_faults_wait(const struct lab_kmsg_mark *m, struct lab_fault_rec *recs, int max, const char *bdf,
		    uint64_t iova_page, int write, int timeout_ms)
{
	return faults_wait(m, recs, max, bdf, iova_page, write, timeout_ms, false);
}

int lab_faults_wait_or_retry(const struct lab_kmsg_mark *m, struct lab_fault_rec *recs, int max,
			     const char *bdf, uint64_t iova_page, int write, int timeout_ms)
{
	return faults_wait(m, recs, max, bdf, iova_page, write, timeout_ms, true);
}
