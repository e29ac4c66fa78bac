/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IOMMU capability registers, described field by field with the names the
 * specifications use, plus consistency rules the specifications state between
 * fields. Register descriptions are data, so one printer/JSON writer serves
 * every IOMMU type.
 */
#ifndef LAB_REGS_H
#define LAB_REGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct lab_field {
	const char *name;	/* specification field name, e.g. "SAGAW" */
	uint8_t lo, hi;		/* inclusive bit range */
	const char *desc;	/* short meaning, e.g. "Supported Adjusted Guest Address Widths" */
};

/* The most fields one register has; a register's field list ends at an empty entry. */
#define LAB_REG_FIELDS_MAX 32

struct lab_reg {
	const char *name;	/* specification register name, e.g. "CAP_REG" */
	const char *spec;	/* where it is defined, e.g. "Intel VT-d rev 4.1, 11.4.2" */
	unsigned int width;	/* 32 or 64 */
	const struct lab_field *fields;	/* in bit order, up to an entry without a name */
};

#define lab_reg_for_each_field(f, r) for ((f) = (r)->fields; (f)->name; (f)++)

/* A register file: the registers one IOMMU type reports, in a fixed order. */
struct lab_regset {
	const char *iommu;	/* "vtd", "smmuv3" */
	const struct lab_reg *const *regs;
	size_t nregs;
};

uint64_t lab_field_get(uint64_t value, const struct lab_field *f);
size_t lab_reg_nfields(const struct lab_reg *r);
const struct lab_field *lab_reg_field(const struct lab_reg *r, const char *name);
/* Value of field NAME of register R holding VALUE. Aborts on an unknown name (a programming error). */
uint64_t lab_reg_get(const struct lab_reg *r, uint64_t value, const char *name);
/* Human table: one line per field, "  NAME [hi:lo] = 0x.. desc". */
void lab_reg_print(FILE *out, const struct lab_reg *r, uint64_t value);

/* Intel VT-d: regs[0] = CAP_REG, regs[1] = ECAP_REG. */
extern const struct lab_reg lab_vtd_cap_reg, lab_vtd_ecap_reg;
extern const struct lab_regset lab_vtd_regset;
/* Arm SMMUv3: regs[0..5] = SMMU_IDR0..SMMU_IDR5. */
extern const struct lab_reg lab_smmu_idr_reg[6];
extern const struct lab_regset lab_smmuv3_regset;

/* Derived quantities (the encodings the specifications define). */
unsigned int lab_vtd_pasid_bits(uint64_t ecap);		/* PSS+1 when ECAP.PASID, else 0 */
unsigned int lab_vtd_mgaw_bits(uint64_t cap);		/* MGAW+1 */
unsigned int lab_vtd_domains(uint64_t cap);		/* 2^(4+2*ND) */
unsigned int lab_smmu_oas_bits(uint32_t idr5);		/* OAS encoding -> bits, 0 if reserved */
unsigned int lab_smmu_ssid_bits(uint32_t idr1);		/* SSIDSIZE */
unsigned int lab_smmu_sid_bits(uint32_t idr1);		/* SIDSIZE */

/*
 * A consistency rule the specification states between fields ("hardware
 * reporting X as Clear also reports Y as Clear").
 * check() returns LAB_RULE_HOLDS, LAB_RULE_VIOLATED or LAB_RULE_NA, and writes a
 * one-line explanation with the field values it looked at into why.
 */
enum { LAB_RULE_VIOLATED = 0, LAB_RULE_HOLDS = 1, LAB_RULE_NA = -1 };
struct lab_rule {
	const char *id;		/* stable id, e.g. "ecap_nest_needs_flts_slts" */
	const char *spec;	/* section the rule comes from */
	const char *text;	/* the rule, in one sentence */
	int (*check)(const uint64_t *regs, char *why, size_t len);
};
extern const struct lab_rule lab_vtd_rules[];
extern const size_t lab_vtd_nrules;
extern const struct lab_rule lab_smmuv3_rules[];
extern const size_t lab_smmuv3_nrules;

#endif
