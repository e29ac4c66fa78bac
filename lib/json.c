// SPDX-License-Identifier: GPL-2.0-only
#include <math.h>
#include <inttypes.h>
#include "json.h"

void lab_json_init(struct lab_json *j, FILE *out, bool pretty)
{
	j->out = out;
	j->depth = 0;
	j->first[0] = true;
	j->pretty = pretty;
}

void lab_json_quote(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	for (; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

/* Separator, indentation and "key": before a member. */
static void member(struct lab_json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = false;
	if (j->pretty && j->depth > 0) {
		fputc('\n', j->out);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->out);
	}
	if (key) {
		lab_json_quote(j->out, key);
		fputs(j->pretty ? ": " : ":", j->out);
	}
}

static void open_(struct lab_json *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->out);
	if (j->depth + 1 < LAB_JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
	j->close[j->depth] = c == '{' ? '}' : ']';
}

void lab_json_obj(struct lab_json *j, const char *key) { open_(j, key, '{'); }
void lab_json_arr(struct lab_json *j, const char *key) { open_(j, key, '['); }

void lab_json_end(struct lab_json *j)
{
	bool empty = j->first[j->depth];
	char close = j->close[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (j->pretty && !empty) {
		fputc('\n', j->out);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->out);
	}
	fputc(close, j->out);
}

void lab_json_str(struct lab_json *j, const char *key, const char *val)
{
	member(j, key);
	if (val)
		lab_json_quote(j->out, val);
	else
		fputs("null", j->out);
}

void lab_json_int(struct lab_json *j, const char *key, int64_t val)
{
	member(j, key);
	fprintf(j->out, "%" PRId64, val);
}

void lab_json_uint(struct lab_json *j, const char *key, uint64_t val)
{
	member(j, key);
	fprintf(j->out, "%" PRIu64, val);
}

void lab_json_hex(struct lab_json *j, const char *key, uint64_t val)
{
	member(j, key);
	fprintf(j->out, "\"0x%" PRIx64 "\"", val);
}

void lab_json_double(struct lab_json *j, const char *key, double val)
{
	member(j, key);
	if (isfinite(val))
		fprintf(j->out, "%.6g", val);
	else
		fputs("null", j->out);
}

void lab_json_bool(struct lab_json *j, const char *key, bool val)
{
	member(j, key);
	fputs(val ? "true" : "false", j->out);
}

void lab_json_null(struct lab_json *j, const char *key)
{
	member(j, key);
	fputs("null", j->out);
}

void lab_json_raw(struct lab_json *j, const char *key, const char *json)
{
	member(j, key);
	fputs(json, j->out);
}
