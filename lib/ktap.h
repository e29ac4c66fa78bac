/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KTAP output (Documentation/dev-tools/ktap.rst): a top-level test plan whose
 * results can each carry a nested, indented subtest block. Also a parser for
 * single TAP lines as the kselftest harness prints them.
 */
#ifndef LAB_KTAP_H
#define LAB_KTAP_H

#include <stdbool.h>
#include <stdio.h>

enum lab_verdict { LAB_PASS, LAB_FAIL, LAB_SKIP, LAB_NOTRUN, LAB_TIMEOUT, LAB_XFAIL };
const char *lab_verdict_name(enum lab_verdict v);	/* "PASS", "FAIL", ... */
int lab_verdict_parse(const char *s, enum lab_verdict *v);	/* 0 or -EINVAL */

struct lab_ktap {
	FILE *out;
	int level;	/* nesting level: 0 top, 1 subtest */
	int next;	/* number of the next result at this level */
};

void lab_ktap_init(struct lab_ktap *k, FILE *out, int level);
void lab_ktap_header(struct lab_ktap *k, const char *name, int planned);	/* "KTAP version 1", "# Subtest", "1..N" */
void lab_ktap_diag(struct lab_ktap *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One result line; reason goes after "# SKIP" for skips, after "#" otherwise (may be NULL). */
void lab_ktap_result(struct lab_ktap *k, enum lab_verdict v, const char *name, const char *reason);

/* One parsed TAP line from a kselftest harness program. */
enum lab_tap_kind { LAB_TAP_OTHER, LAB_TAP_VERSION, LAB_TAP_PLAN, LAB_TAP_RESULT, LAB_TAP_DIAG,
		    LAB_TAP_RUN };
struct lab_tap_line {
	enum lab_tap_kind kind;
	bool ok;
	int number;		/* result number, or plan count */
	char name[256];		/* result or RUN test name */
	char directive[16];	/* "SKIP", "TODO", "XFAIL" or "" */
	char reason[512];	/* directive text, or the diagnostic text */
};
/* Parse LINE (no trailing newline). Returns the kind; fills *t. */
enum lab_tap_kind lab_tap_parse(const char *line, struct lab_tap_line *t);

#endif
