/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Building blocks for the consistency rules of lib/regs_vtd.c and
 * lib/regs_smmuv3.c (internal to libiommulab). A rule explains itself in a
 * caller-supplied buffer by listing the fields it looked at.
 */
#ifndef LAB_REGS_RULES_H
#define LAB_REGS_RULES_H

#include "regs.h"

/* The explanation being written: appends never overflow, they truncate. */
struct lab_why {
	char *buf;
	size_t len, pos;
};

struct lab_why lab_why_init(char *buf, size_t len);
void lab_why_add(struct lab_why *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Field NAME from whichever register of RS holds it (names are unique within
 * a register set). Aborts on an unknown name: a bug in a rule. */
uint64_t lab_regset_field(const struct lab_regset *rs, const uint64_t *regs, const char *name);
/* Append " NAME=value" for each of the NULL-terminated NAMES; returns how many are non-zero. */
unsigned int lab_why_fields(struct lab_why *w, const struct lab_regset *rs, const uint64_t *regs,
			    const char *const *names);
unsigned int lab_names_count(const char *const *names);

/* "TRIGGER non-zero requires every field in REQ non-zero"; NA while TRIGGER is 0. */
int lab_rule_needs(const struct lab_regset *rs, const uint64_t *regs, char *buf, size_t len,
		   const char *trigger, const char *const *req);
/* "With GATE zero, every field in LIST is zero"; NA while GATE is non-zero. */
int lab_rule_zero_without(const struct lab_regset *rs, const uint64_t *regs, char *buf, size_t len,
			  const char *gate, const char *const *list);
/* An unconditional rule: format the explanation, return HOLDS if OK else VIOLATED. */
int lab_rule_verdict(int ok, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
