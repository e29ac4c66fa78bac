/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Building blocks for the consistency rules of lib/regs_vtd.c and
 * lib/regs_smmuv3.c (internal to libiommulab). A rule explains itself in a
 * caller-supplied buffer by listing the fields it looked at.
 */
#ifndef LAB_REGS_RULES_H
#define LAB_REGS_RULES_H

#include <stdbool.h>

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

/* Append "GATE=v"; false, with ": rule not exercised", unless GATE is non-zero
 * (or, for !OPEN_WHEN_SET, zero). */
bool lab_why_gate(struct lab_why *w, const struct lab_regset *rs, const uint64_t *regs,
		  const char *gate, bool open_when_set);

/* What a rule over a list of fields wants of them once its gate opens it. */
enum lab_fields_want {
	LAB_NEEDS_ALL,		/* "GATE non-zero requires every field non-zero" */
	LAB_NEEDS_ANY,		/* "GATE non-zero requires a field non-zero" */
	LAB_ZERO_WITHOUT,	/* "with GATE zero, every field is zero" */
};

/* The rule WANT over NAMES (NULL-terminated); NA while GATE keeps it closed. */
int lab_rule_fields(const struct lab_regset *rs, const uint64_t *regs, char *buf, size_t len,
		    const char *gate, enum lab_fields_want want, const char *const *names);

/*
 * Rule function FN over register set RS: lab_rule_fields() with the fields
 * that follow, e.g. LAB_RULE_FIELDS(&lab_vtd_regset, ecap_dt_needs_qi, "DT",
 * LAB_NEEDS_ALL, "QI").
 */
#define LAB_RULE_FIELDS(rs, fn, gate, want, ...)				\
static int fn(const uint64_t *regs, char *why, size_t len)			\
{										\
	static const char *const names[] = { __VA_ARGS__, NULL };		\
										\
	return lab_rule_fields(rs, regs, why, len, gate, want, names);		\
}

/* An unconditional rule: format the explanation, return HOLDS if OK else VIOLATED. */
int lab_rule_verdict(int ok, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
