/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The JSON reader beside json.h's writer: iommu-lab-results reads runs with
 * it, iommu-lab-collect checks with it the records tests hand over.
 */
#ifndef LAB_JSON_READ_H
#define LAB_JSON_READ_H

#include <stdbool.h>

enum lab_jtype { LAB_J_NULL, LAB_J_BOOL, LAB_J_NUM, LAB_J_STR, LAB_J_ARR, LAB_J_OBJ };

/* A parsed value; containers hold their members as a list of children. */
struct lab_jv {
	enum lab_jtype type;
	char *key;		/* member name inside an object */
	char *text;		/* LAB_J_STR: decoded; LAB_J_NUM: as written; LAB_J_BOOL: "true"/"false" */
	struct lab_jv *child, *next;
};

/* The JSON value TEXT starts with (after white space), or NULL. *END: where
 * parsing stopped (past trailing white space after a value); *ERR: what is
 * wrong (NULL on success). Either may be NULL. */
struct lab_jv *lab_json_parse(const char *text, const char **end, const char **err);
void lab_jv_free(struct lab_jv *v);
/* OBJ's member KEY, NULL if absent (or OBJ is NULL). */
const struct lab_jv *lab_jv_member(const struct lab_jv *obj, const char *key);
/* Whether TEXT is exactly one JSON object (white space around allowed). */
bool lab_json_is_object(const char *text);

#endif
