// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommu-lab-discover: the platform report (IOMMU instances with decoded
 * capability registers, PCI functions with groups, domains and PASID/ATS/PRI/
 * ACS), or the decoding of register values given on the command line, e.g.
 * from a datasheet during silicon bring-up.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lab_platform.h"
#include "iommulab.h"
#include "discover_report.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: iommu-lab-discover [--json]           platform report\n"
		"       iommu-lab-discover --platform-id      print the platform id (e.g. x86_64-vtd)\n"
		"       iommu-lab-discover --kmsg-seq         print the sequence number the next kernel log record gets\n"
		"       iommu-lab-discover --kmsg-reports SEQ the kernel reports (warning, BUG, KASAN, ...) logged\n"
		"                                  from record SEQ on: their number, then the first; exit 1 if any\n"
		"       iommu-lab-discover --decode vtd CAP ECAP\n"
		"       iommu-lab-discover --decode smmuv3 IDR0 IDR1 IDR2 IDR3 IDR4 IDR5\n"
		"       iommu-lab-discover --nvme-namespaces BDF   the namespaces the nvme driver shows,\n"
		"                                  one a line: NAME NSID LBA_SIZE LBAS MAJOR:MINOR (tabs)\n"
		"       iommu-lab-discover --nvme-uses BDF         who uses those namespaces, one a line;\n"
		"                                  exit 1 when any is in use\n");
}

static void print_use(void *ctx, const char *use)
{
	printf("%s%s\n", (const char *)ctx, use);
}

/* --nvme-namespaces and --nvme-uses, for the runner (scripts/lib/nvme.sh). */
static int nvme(const char *bdf, bool uses)
{
	struct lab_nvme_ns ns[64];
	char prefix[48];
	int n, busy = 0;

	if (!lab_path_exists("/sys/bus/pci/devices/%s", bdf)) {
		fprintf(stderr, "iommu-lab-discover: no PCI function %s\n", bdf);
		return 2;
	}
	if (!lab_pci_is_nvme(bdf)) {
		fprintf(stderr, "iommu-lab-discover: %s is not an NVMe function (class %06x)\n", bdf,
			LAB_PCI_CLASS_NVME);
		return 2;
	}
	n = lab_nvme_namespaces(bdf, ns, 64);
	if (n < 0) {
		fprintf(stderr, "iommu-lab-discover: %s: reading its namespaces: %s\n", bdf, strerror(-n));
		return 2;
	}
	snprintf(prefix, sizeof(prefix), "%s: ", bdf);
	for (int i = 0; i < n; i++) {
		int u;

		if (!uses) {
			printf("%s\t%u\t%u\t%llu\t%s\n", ns[i].name, ns[i].nsid, ns[i].lba_size,
			       (unsigned long long)ns[i].lbas, ns[i].dev);
			continue;
		}
		u = lab_blockdev_uses(ns[i].name, print_use, prefix);
		if (u < 0) {
			fprintf(stderr, "iommu-lab-discover: %s: %s\n", ns[i].name, strerror(-u));
			return 2;
		}
		busy += u;
	}
	return busy ? 1 : 0;
}

static int decode(int argc, char **argv)
{
	const struct lab_regset *rs;
	const struct lab_rule *rules;
	uint64_t regs[LAB_MAX_REGS] = { 0 };
	size_t nrules;
	int bad = 0;

	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[0], "vtd")) {
		rs = &lab_vtd_regset, rules = lab_vtd_rules, nrules = lab_vtd_nrules;
	} else if (!strcmp(argv[0], "smmuv3")) {
		rs = &lab_smmuv3_regset, rules = lab_smmuv3_rules, nrules = lab_smmuv3_nrules;
	} else {
		fprintf(stderr, "iommu-lab-discover: unknown register set '%s' (vtd or smmuv3)\n", argv[0]);
		return 2;
	}
	if ((size_t)argc - 1 != rs->nregs) {
		fprintf(stderr, "iommu-lab-discover: %s needs %zu register values, got %d\n", argv[0],
			rs->nregs, argc - 1);
		return 2;
	}
	for (size_t i = 0; i < rs->nregs; i++) {
		char *end;

		errno = 0;
		regs[i] = strtoull(argv[i + 1], &end, 0);
		if (errno || *end || end == argv[i + 1] ||
		    (rs->regs[i]->width == 32 && regs[i] > 0xffffffffull)) {
			fprintf(stderr, "iommu-lab-discover: %s: '%s' is not a %u-bit value\n",
				rs->regs[i]->name, argv[i + 1], rs->regs[i]->width);
			return 2;
		}
		lab_reg_print(stdout, rs->regs[i], regs[i]);
	}
	printf("\nconsistency rules:\n");
	for (size_t i = 0; i < nrules; i++) {
		char why[256] = "";
		int r = rules[i].check(regs, why, sizeof(why));

		printf("  %-8s %-40s %s\n", r == LAB_RULE_HOLDS ? "holds" : r == LAB_RULE_NA ? "n/a" : "VIOLATED",
		       rules[i].id, why);
		bad += r == LAB_RULE_VIOLATED;
	}
	return bad ? 1 : 0;
}

/* --kmsg-reports SEQ: for the runner's checks after the tests (the module's
 * unload), with the list kernel_log uses. */
static int kmsg_reports(const char *from)
{
	struct lab_kmsg_mark m;
	char first[512], *end;
	int n;

	errno = 0;
	m.seq = strtoull(from, &end, 10);
	if (errno || end == from || *end) {
		fprintf(stderr, "iommu-lab-discover: --kmsg-reports needs a sequence number, not '%s'\n", from);
		return 2;
	}
	n = lab_kmsg_reports_since(&m, first, sizeof(first));
	if (n < 0) {
		fprintf(stderr, "iommu-lab-discover: /dev/kmsg: %s\n", strerror(-n));
		return 2;
	}
	printf("%d\n", n);
	if (n)
		printf("%s\n", first);
	return n ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", 0, 0, 'j' }, { "platform-id", 0, 0, 'p' }, { "decode", 0, 0, 'd' },
		{ "kmsg-seq", 0, 0, 'k' }, { "kmsg-reports", 1, 0, 'r' }, { "help", 0, 0, 'h' },
		{ "nvme-namespaces", 1, 0, 'n' }, { "nvme-uses", 1, 0, 'u' }, { 0 }
	};
	struct lab_platform p;
	int c, json = 0, id = 0, ret;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'p': id = 1; break;
		case 'd': return decode(argc - optind, argv + optind);
		case 'k': {
			struct lab_kmsg_mark m;
			int err = lab_kmsg_mark(&m);

			if (err) {
				fprintf(stderr, "iommu-lab-discover: /dev/kmsg: %s\n", strerror(-err));
				return 2;
			}
			printf("%llu\n", (unsigned long long)m.seq);
			return 0;
		}
		case 'r': return kmsg_reports(optarg);
		case 'n': return nvme(optarg, false);
		case 'u': return nvme(optarg, true);
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	ret = lab_discover(&p);
	if (ret) {
		fprintf(stderr, "iommu-lab-discover: discovery failed: %s\n", strerror(-ret));
		lab_platform_free(&p);
		return 2;
	}
	if (id)
		printf("%s\n", p.id);
	else if (json)
		lab_platform_json(stdout, &p);
	else
		lab_platform_print(stdout, &p);
	lab_platform_free(&p);
	return 0;
}
