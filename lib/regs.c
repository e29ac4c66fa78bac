// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generic part of the register descriptions: field extraction, lookup by
 * name and the human-readable table. Nothing here knows about a particular
 * IOMMU; the per-architecture files only provide data and rules.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "regs.h"

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

const struct lab_field *lab_reg_field(const struct lab_reg *r, const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < r->nfields; i++)
		if (name_eq(r->fields[i].name, name))
			return &r->fields[i];
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
	size_t i;

	/* Size the columns from the register's own fields. */
	for (i = 0; i < r->nfields; i++) {
		const struct lab_field *f = &r->fields[i];
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

	for (i = 0; i < r->nfields; i++) {
		const struct lab_field *f = &r->fields[i];
		char bits[12];

		if (f->hi == f->lo)
			snprintf(bits, sizeof(bits), "[%u]", f->lo);
		else
			snprintf(bits, sizeof(bits), "[%u:%u]", f->hi, f->lo);
		fprintf(out, "  %-*s %-7s = 0x%-*" PRIx64 "  %s\n", (int)name_w, f->name, bits,
			(int)val_w, lab_field_get(value, f), f->desc);
	}
}
