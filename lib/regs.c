// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generic part of the register descriptions: field extraction, lookup by
 * name and the human-readable table. Nothing here knows about a particular
 * IOMMU; the per-architecture files only provide data and rules.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "regs_rules.h"

uint64_t lab_field_get(uint64_t value, const struct lab_field *f)
{
	unsigned int width = f->hi - f->lo + 1;
	/* A 64-bit wide field would make the mask shift undefined. */
	uint64_t mask = width >= 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1;

	return (value >> f->lo) & mask;
}

/*
 * ASCII case-insensitive compare: the specifications spell a few names in
 * mixed case (SMMU_IDR0.Hyp) while code and documents often upper-case them.
 * No register has two fields that differ only in case.
 */
static int name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char ca = *a >= 'a' && *a <= 'z' ? *a - 'a' + 'A' : *a;
		char cb = *b >= 'a' && *b <= 'z' ? *b - 'a' + 'A' : *b;

		if (ca != cb)
			return 0;
	}
	return *a == *b;
}

size_t lab_reg_nfields(const struct lab_reg *r)
{
	const struct lab_field *f;
	size_t n = 0;

	lab_reg_for_each_field(f, r)
		n++;
	return n;
}

const struct lab_field *lab_reg_field(const struct lab_reg *r, const char *name)
{
	const struct lab_field *f;

	if (!name)
		return NULL;
	lab_reg_for_each_field(f, r)
		if (name_eq(f->name, name))
			return f;
	return NULL;
}

uint64_t lab_reg_get(const struct lab_reg *r, uint64_t value, const char *name)
{
	const struct lab_field *f = lab_reg_field(r, name);

	if (!f) {
		fprintf(stderr, "lab_reg_get: %s has no field \"%s\"\n", r->name,
			name ? name : "(null)");
		abort();
	}
	return lab_field_get(value, f);
}

static unsigned int hex_digits(unsigned int bits)
{
	return (bits + 3) / 4;
}

void lab_reg_print(FILE *out, const struct lab_reg *r, uint64_t value)
{
	unsigned int name_w = 4, val_w = 1;
	const struct lab_field *f;

	/* Size the columns from the register's own fields. */
	lab_reg_for_each_field(f, r) {
		size_t n = strlen(f->name);

		if (n > name_w)
			name_w = n;
		if (hex_digits(f->hi - f->lo + 1) > val_w)
			val_w = hex_digits(f->hi - f->lo + 1);
	}

	if (r->width < 64)
		value &= (UINT64_C(1) << r->width) - 1;
	fprintf(out, "%s = 0x%0*" PRIx64 "  (%s)\n", r->name, (int)hex_digits(r->width),
		value, r->spec);

	lab_reg_for_each_field(f, r) {
		char bits[12];

		if (f->hi == f->lo)
			snprintf(bits, sizeof(bits), "[%u]", f->lo);
		else
			snprintf(bits, sizeof(bits), "[%u:%u]", f->hi, f->lo);
		fprintf(out, "  %-*s %-7s = 0x%-*" PRIx64 "  %s\n", (int)name_w, f->name, bits,
			(int)val_w, lab_field_get(value, f), f->desc);
	}
}

/* --- rule building blocks (regs_rules.h) ------------------------------------ */

struct lab_why lab_why_init(char *buf, size_t len)
{
	struct lab_why w = { buf, len, 0 };

	if (buf && len)
		buf[0] = '\0';
	return w;
}

void lab_why_add(struct lab_why *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!w->buf || w->pos + 1 >= w->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->buf + w->pos, w->len - w->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		w->pos += (size_t)n < w->len - w->pos ? (size_t)n : w->len - w->pos - 1;
}

uint64_t lab_regset_field(const struct lab_regset *rs, const uint64_t *regs, const char *name)
{
	for (size_t i = 0; i < rs->nregs; i++) {
		const struct lab_field *f = lab_reg_field(rs->regs[i], name);

		if (f)
			return lab_field_get(regs[i], f);
	}
	fprintf(stderr, "regs: no %s register field \"%s\"\n", rs->iommu, name);
	abort();
}

unsigned int lab_why_fields(struct lab_why *w, const struct lab_regset *rs, const uint64_t *regs,
			    const char *const *names)
{
	unsigned int set = 0;

	for (; *names; names++) {
		uint64_t v = lab_regset_field(rs, regs, *names);

		lab_why_add(w, " %s=%llu", *names, (unsigned long long)v);
		set += v != 0;
	}
	return set;
}

unsigned int lab_names_count(const char *const *names)
{
	unsigned int n = 0;

	while (names[n])
		n++;
	return n;
}

bool lab_why_gate(struct lab_why *w, const struct lab_regset *rs, const uint64_t *regs,
		  const char *gate, bool open_when_set)
{
	uint64_t g = lab_regset_field(rs, regs, gate);

	lab_why_add(w, "%s=%llu", gate, (unsigned long long)g);
	if (!!g != open_when_set) {
		lab_why_add(w, ": rule not exercised");
		return false;
	}
	return true;
}

int lab_rule_fields(const struct lab_regset *rs, const uint64_t *regs, char *buf, size_t len,
		    const char *gate, enum lab_fields_want want, const char *const *names)
{
	static const char *const verb[] = {
		[LAB_NEEDS_ALL] = " needs",
		[LAB_NEEDS_ANY] = "",
		[LAB_ZERO_WITHOUT] = " requires 0:",
	};
	struct lab_why w = lab_why_init(buf, len);
	unsigned int set;
	bool ok;

	if (!lab_why_gate(&w, rs, regs, gate, want != LAB_ZERO_WITHOUT))
		return LAB_RULE_NA;
	lab_why_add(&w, "%s", verb[want]);
	set = lab_why_fields(&w, rs, regs, names);
	if (want == LAB_NEEDS_ALL)
		ok = set == lab_names_count(names);
	else
		ok = want == LAB_NEEDS_ANY ? set > 0 : set == 0;
	return ok ? LAB_RULE_HOLDS : LAB_RULE_VIOLATED;
}

int lab_rule_verdict(int ok, char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf && len) {
		va_start(ap, fmt);
		vsnprintf(buf, len, fmt, ap);
		va_end(ap);
	}
	return ok ? LAB_RULE_HOLDS : LAB_RULE_VIOLATED;
}
