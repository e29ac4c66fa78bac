// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include "json.h"
#include "lab_test.h"

static const char *const kind_names[] = {
	[LAB_ENGINE_HARDWARE] = "hardware",
	[LAB_ENGINE_EMULATED] = "emulated",
	[LAB_ENGINE_SOFTWARE] = "software",
	[LAB_ENGINE_DEVICE] = "device",
};

void lab_test_init_output(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

__attribute__((constructor)) static void init(void)
{
	lab_test_init_output();
}

void lab_record_engine(const char *name, enum lab_engine_kind kind)
{
	fputs("# lab-record engine {\"name\":", stdout);
	lab_json_quote(stdout, name);
	fprintf(stdout, ",\"kind\":\"%s\"}\n", kind_names[kind]);
	fflush(stdout);
}

static void record_metric(const char *name, double value, const double *range, const char *unit)
{
	fputs("# lab-record metric {\"name\":", stdout);
	lab_json_quote(stdout, name);
	fprintf(stdout, ",\"value\":%.6g,\"unit\":", value);
	lab_json_quote(stdout, unit ? unit : "");
	if (range)
		fprintf(stdout, ",\"lo\":%.6g,\"hi\":%.6g", range[0], range[1]);
	fputs("}\n", stdout);
	fflush(stdout);
}

void lab_record_metric(const char *name, double value, const char *unit)
{
	record_metric(name, value, NULL, unit);
}

void lab_record_metric_range(const char *name, double value, double lo, double hi, const char *unit)
{
	double range[2] = { lo, hi };

	record_metric(name, value, range, unit);
}

bool lab_mem_is_zero(const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}
