/* SPDX-License-Identifier: GPL-2.0-only */
/* A small streaming JSON writer: objects and arrays nest, commas are automatic. */
#ifndef LAB_JSON_H
#define LAB_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define LAB_JSON_MAX_DEPTH 16

struct lab_json {
	FILE *out;
	int depth;
	bool first[LAB_JSON_MAX_DEPTH];	/* no member written yet at this depth */
	char close[LAB_JSON_MAX_DEPTH];	/* '}' or ']' for the container open at this depth */
	bool pretty;			/* newline + indent per member */
};

void lab_json_init(struct lab_json *j, FILE *out, bool pretty);
/* key is NULL inside arrays and at the top level. */
void lab_json_obj(struct lab_json *j, const char *key);
void lab_json_arr(struct lab_json *j, const char *key);
void lab_json_end(struct lab_json *j);		/* closes the innermost object or array */
void lab_json_str(struct lab_json *j, const char *key, const char *val);	/* NULL -> null */
void lab_json_int(struct lab_json *j, const char *key, int64_t val);
void lab_json_uint(struct lab_json *j, const char *key, uint64_t val);
void lab_json_hex(struct lab_json *j, const char *key, uint64_t val);	/* "0x..." string */
void lab_json_double(struct lab_json *j, const char *key, double val);	/* non-finite -> null */
void lab_json_bool(struct lab_json *j, const char *key, bool val);
void lab_json_null(struct lab_json *j, const char *key);
/* Write already-encoded JSON text as a member value (trusted input). */
void lab_json_raw(struct lab_json *j, const char *key, const char *json);
/* Write S as a quoted, escaped JSON string. */
void lab_json_quote(FILE *out, const char *s);
/* The end of the JSON number S starts with, NULL if it starts with none. */
const char *lab_json_number_end(const char *s);

/*
 * One object from command-line members (iommu-lab-collect --record):
 *   KEY=TEXT          a string
 *   KEY:=VALUE        a number, true, false or null (checked)
 *   KEY:{ ... }       an object member; KEY:[ ... ] an array member, whose
 *                     elements are objects: { ... }
 * Returns NULL, or what is wrong with argument *bad (argc: the end).
 */
const char *lab_json_args(struct lab_json *j, int argc, char *const argv[], int *bad);

#endif
