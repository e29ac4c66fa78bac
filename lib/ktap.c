// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "ktap.h"

static const char *const verdict_names[] = {
	[LAB_PASS] = "PASS", [LAB_FAIL] = "FAIL", [LAB_SKIP] = "SKIP",
	[LAB_NOTRUN] = "NOTRUN", [LAB_TIMEOUT] = "TIMEOUT", [LAB_XFAIL] = "XFAIL",
};

const char *lab_verdict_name(enum lab_verdict v)
{
	return (unsigned int)v < sizeof(verdict_names) / sizeof(verdict_names[0]) ?
	       verdict_names[v] : "?";
}

int lab_verdict_parse(const char *s, enum lab_verdict *v)
{
	for (unsigned int i = 0; i < sizeof(verdict_names) / sizeof(verdict_names[0]); i++) {
		if (!strcmp(s, verdict_names[i])) {
			*v = i;
			return 0;
		}
	}
	return -EINVAL;
}

static void indent(struct lab_ktap *k)
{
	for (int i = 0; i < k->level; i++)
		fputs("    ", k->out);
}

void lab_ktap_init(struct lab_ktap *k, FILE *out, int level)
{
	k->out = out;
	k->level = level;
	k->next = 1;
}

void lab_ktap_header(struct lab_ktap *k, const char *name, int planned)
{
	indent(k);
	fputs("KTAP version 1\n", k->out);
	if (name) {
		indent(k);
		fprintf(k->out, "# Subtest: %s\n", name);
	}
	indent(k);
	fprintf(k->out, "1..%d\n", planned);
}

void lab_ktap_diag(struct lab_ktap *k, const char *fmt, ...)
{
	va_list ap;

	indent(k);
	fputs("# ", k->out);
	va_start(ap, fmt);
	vfprintf(k->out, fmt, ap);
	va_end(ap);
	fputc('\n', k->out);
}

/* Result names and reasons must stay on one line and must not open a directive. */
static void put_clean(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s == '#' ? '_' : *s, out);
}

void lab_ktap_result(struct lab_ktap *k, enum lab_verdict v, const char *name, const char *reason)
{
	indent(k);
	fprintf(k->out, "%s %d ", v == LAB_PASS || v == LAB_SKIP || v == LAB_XFAIL ? "ok" : "not ok",
		k->next++);
	put_clean(k->out, name);
	if (v == LAB_SKIP || v == LAB_XFAIL) {
		fprintf(k->out, " # %s", v == LAB_SKIP ? "SKIP" : "XFAIL");
		if (reason && *reason) {
			fputc(' ', k->out);
			put_clean(k->out, reason);
		}
	} else if (v == LAB_NOTRUN || v == LAB_TIMEOUT) {
		fprintf(k->out, " # %s", v == LAB_NOTRUN ? "not run" : "timeout");
		if (reason && *reason) {
			fputs(": ", k->out);
			put_clean(k->out, reason);
		}
	}
	fputc('\n', k->out);
}

static void copy_trim(char *dst, size_t len, const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(dst, s, n);
	dst[n] = 0;
}

enum lab_tap_kind lab_tap_parse(const char *line, struct lab_tap_line *t)
{
	const char *p = line;
	char *end;

	memset(t, 0, sizeof(*t));
	if (!strncmp(p, "TAP version", 11) || !strncmp(p, "KTAP version", 12))
		return t->kind = LAB_TAP_VERSION;
	if (!strncmp(p, "1..", 3)) {
		t->number = (int)strtol(p + 3, &end, 10);
		return t->kind = end != p + 3 ? LAB_TAP_PLAN : LAB_TAP_OTHER;
	}
	if (!strncmp(p, "ok ", 3) || !strncmp(p, "not ok ", 7)) {
		const char *hash;

		t->ok = *p == 'o';
		p += t->ok ? 3 : 7;
		t->number = (int)strtol(p, &end, 10);
		if (end == p)
			return t->kind = LAB_TAP_OTHER;
		p = end;
		hash = strstr(p, " # ");
		copy_trim(t->name, sizeof(t->name), p, hash ? (size_t)(hash - p) : strlen(p));
		if (hash) {
			const char *d = hash + 3;
			size_t dl = strcspn(d, " ");

			copy_trim(t->directive, sizeof(t->directive), d, dl);
			for (char *c = t->directive; *c; c++)
				*c = (char)toupper((unsigned char)*c);
			copy_trim(t->reason, sizeof(t->reason), d + dl, strlen(d + dl));
		}
		return t->kind = LAB_TAP_RESULT;
	}
	if (*p == '#') {
		p++;
		/* The harness announces each test with "#  RUN           name ...". */
		while (*p == ' ')
			p++;
		if (!strncmp(p, "RUN ", 4)) {
			const char *n = p + 4, *dots = strstr(n, " ...");

			copy_trim(t->name, sizeof(t->name), n, dots ? (size_t)(dots - n) : strlen(n));
			return t->kind = LAB_TAP_RUN;
		}
		copy_trim(t->reason, sizeof(t->reason), p, strlen(p));
		return t->kind = LAB_TAP_DIAG;
	}
	return t->kind = LAB_TAP_OTHER;
}
