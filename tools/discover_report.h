/* SPDX-License-Identifier: GPL-2.0-only */
/* The platform report of `iommu-lab discover` (tools/discover_report.c). */
#ifndef LAB_DISCOVER_REPORT_H
#define LAB_DISCOVER_REPORT_H

#include <stdio.h>
#include "lab_platform.h"

/* Human-readable report: IOMMUs with decoded registers, PCI functions, groups. */
void lab_platform_print(FILE *out, const struct lab_platform *p);
/* The same as one JSON document. */
void lab_platform_json(FILE *out, const struct lab_platform *p);

#endif
