// SPDX-License-Identifier: GPL-2.0-only
/*
 * The platform report of `iommu-lab discover`: the discovered platform as
 * text or JSON. Only the discover tool prints it; what tests use of the
 * discovery stays in lib/discover.c.
 */
#include <stdio.h>
#include <string.h>
#include "lab_platform.h"
#include "discover_report.h"
#include "lab_results.h"

static const struct lab_regset *regset_of(enum lab_iommu_type t)
{
	return t == LAB_IOMMU_VTD ? &lab_vtd_regset : t == LAB_IOMMU_SMMUV3 ? &lab_smmuv3_regset : NULL;
}

static const char *dma_mode(const char *group_type)
{
	if (!strcmp(group_type, "DMA"))
		return "strict";
	if (!strcmp(group_type, "DMA-FQ"))
		return "lazy";
	return "-";
}

/* The uses of one namespace, collected for the report. */
struct ns_uses {
	char text[1024];
	int n;
};

static void collect_use(void *ctx, const char *use)
{
	struct ns_uses *u = ctx;
	size_t len = strlen(u->text);

	snprintf(u->text + len, sizeof(u->text) - len, "%s%s", u->n++ ? "; " : "", use);
}

static void json_use(void *ctx, const char *use)
{
	lab_json_str(ctx, NULL, use);
}

static void print_nvme(FILE *out, const struct lab_platform *p)
{
	int n = 0;

	for (int i = 0; i < p->ndevs; i++)
		n += p->devs[i].class == LAB_PCI_CLASS_NVME;
	fprintf(out, "\nNVMe functions (engines of the nvme DMA tests, docs/nvme.md): %d\n", n);
	for (int i = 0; i < p->ndevs; i++) {
		const struct lab_pci_dev *d = &p->devs[i];
		struct lab_nvme_ns ns[16];
		char model[64] = "", grp[48] = "no IOMMU group", msix[24] = "?";
		int nns;

		if (d->class != LAB_PCI_CLASS_NVME)
			continue;
		lab_nvme_model(d->bdf, model, sizeof(model));
		if (d->group >= 0)
			snprintf(grp, sizeof(grp), d->group_devices > 1 ? "group %d (%d functions)" :
				 "group %d (alone)", d->group, d->group_devices);
		if (p->ext_caps_readable)
			snprintf(msix, sizeof(msix), "%d", d->msix_vectors);
		fprintf(out, "  %-12s %s, driver %s, %s, PASID %s, ATS %s, MSI-X vectors %s\n", d->bdf,
			model[0] ? model : "(model unknown: not on the nvme driver)",
			d->driver[0] ? d->driver : "none", grp,
			!p->ext_caps_readable ? "?" : d->has_pasid ? "yes" : "no",
			!p->ext_caps_readable ? "?" : d->has_ats ? "yes" : "no", msix);
		nns = lab_nvme_namespaces(d->bdf, ns, 16);
		for (int k = 0; k < nns; k++) {
			struct ns_uses u = { "", 0 };

			lab_blockdev_uses(ns[k].name, collect_use, &u);
			fprintf(out, "  %-12s %s: nsid %u, %llu LBAs of %u bytes, %s%s\n", "", ns[k].name,
				ns[k].nsid, (unsigned long long)ns[k].lbas, ns[k].lba_size,
				u.n ? "in use: " : "not in use", u.text);
		}
		if (nns <= 0)
			fprintf(out, "  %-12s no namespace shown (the kernel's nvme driver does not hold it)\n", "");
	}
}

static void nvme_json(struct lab_json *j, const struct lab_platform *p)
{
	lab_json_arr(j, "nvme");
	for (int i = 0; i < p->ndevs; i++) {
		const struct lab_pci_dev *d = &p->devs[i];
		struct lab_nvme_ns ns[16];
		char model[64] = "";
		int nns;

		if (d->class != LAB_PCI_CLASS_NVME)
			continue;
		lab_json_obj(j, NULL);
		lab_json_str(j, "bdf", d->bdf);
		lab_json_str(j, "model", lab_nvme_model(d->bdf, model, sizeof(model)) ? NULL : model);
		lab_json_str(j, "driver", d->driver[0] ? d->driver : NULL);
		if (d->group >= 0) {
			lab_json_int(j, "iommu_group", d->group);
			lab_json_int(j, "group_devices", d->group_devices);
		} else {
			lab_json_null(j, "iommu_group");
			lab_json_null(j, "group_devices");
		}
		if (p->ext_caps_readable) {
			lab_json_bool(j, "pasid", d->has_pasid);
			lab_json_bool(j, "ats", d->has_ats);
			lab_json_int(j, "msix_vectors", d->msix_vectors);
		} else {
			lab_json_null(j, "pasid");
			lab_json_null(j, "ats");
			lab_json_null(j, "msix_vectors");
		}
		lab_json_arr(j, "namespaces");
		nns = lab_nvme_namespaces(d->bdf, ns, 16);
		for (int k = 0; k < nns; k++) {
			lab_json_obj(j, NULL);
			lab_json_str(j, "name", ns[k].name);
			lab_json_uint(j, "nsid", ns[k].nsid);
			lab_json_uint(j, "lba_size", ns[k].lba_size);
			lab_json_uint(j, "lbas", ns[k].lbas);
			lab_json_arr(j, "in_use");
			lab_blockdev_uses(ns[k].name, json_use, j);
			lab_json_end(j);
			lab_json_end(j);
		}
		lab_json_end(j);
		lab_json_end(j);
	}
	lab_json_end(j);
}

void lab_platform_print(FILE *out, const struct lab_platform *p)
{
	fprintf(out, "platform %s, kernel %s, iommufd %s\n\n", p->id, p->kernel, p->iommufd ? "yes" : "no");
	fprintf(out, "IOMMU instances: %d\n", p->niommus);
	for (int i = 0; i < p->niommus; i++) {
		const struct lab_iommu *m = &p->iommus[i];
		const struct lab_regset *rs = regset_of(m->type);

		fprintf(out, "  %s  type %s, %d devices\n", m->name, lab_iommu_type_name(m->type),
			m->ndevices);
		if (!m->nregs) {
			fprintf(out, "    registers unavailable: %s\n", m->regs_why[0] ? m->regs_why :
				"not exposed for this IOMMU type");
			continue;
		}
		fprintf(out, "    registers from %s\n", m->regs_source);
		for (int r = 0; rs && r < m->nregs && r < (int)rs->nregs; r++)
			lab_reg_print(out, rs->regs[r], m->regs[r]);
	}
	fprintf(out, "\nPCI functions: %d%s\n", p->ndevs, p->ext_caps_readable ? "" :
		" (not root: PASID/ATS/PRI/ACS capabilities not readable)");
	fprintf(out, "  %-12s %-9s %-6s %-10s %-5s %-8s %-6s %-14s %s\n", "BDF", "ID", "class", "driver",
		"group", "domain", "dma", "iommu", "capabilities");
	for (int i = 0; i < p->ndevs; i++) {
		const struct lab_pci_dev *d = &p->devs[i];
		char id[16], grp[8], caps[128] = "";

		snprintf(id, sizeof(id), "%04x:%04x", d->vendor, d->device);
		snprintf(grp, sizeof(grp), d->group < 0 ? "-" : "%d", d->group);
		if (d->has_pasid)
			snprintf(caps + strlen(caps), sizeof(caps) - strlen(caps), "PASID(%u%s%s%s) ",
				 d->pasid_width, d->pasid_exec ? ",exec" : "", d->pasid_priv ? ",priv" : "",
				 d->pasid_enabled ? ",on" : "");
		if (d->has_ats)
			snprintf(caps + strlen(caps), sizeof(caps) - strlen(caps), "ATS%s ",
				 d->ats_enabled ? "(on)" : "");
		if (d->has_pri)
			snprintf(caps + strlen(caps), sizeof(caps) - strlen(caps), "PRI%s ",
				 d->pri_enabled ? "(on)" : "");
		if (d->has_acs)
			snprintf(caps + strlen(caps), sizeof(caps) - strlen(caps), "ACS(%#x) ", d->acs_cap);
		if (d->vfio_cdev[0])
			snprintf(caps + strlen(caps), sizeof(caps) - strlen(caps), "cdev:%s ", d->vfio_cdev);
		fprintf(out, "  %-12s %-9s %06x %-10s %-5s %-8s %-6s %-14.14s %s\n", d->bdf, id, d->class,
			d->driver[0] ? d->driver : "-", grp, d->group_type[0] ? d->group_type : "-",
			dma_mode(d->group_type), d->iommu[0] ? d->iommu : "-", caps);
		for (int r = 0; r < d->nresv; r++)
			fprintf(out, "  %-12s reserved region %#010lx-%#010lx %s\n", "", d->resv[r].start,
				d->resv[r].end, d->resv[r].type);
	}	print_nvme(out, p);
}

static void regs_json(struct lab_json *j, const struct lab_iommu *m)
{
	const struct lab_regset *rs = regset_of(m->type);

	lab_json_obj(j, "registers");
	for (int r = 0; rs && r < m->nregs && r < (int)rs->nregs; r++) {
		const struct lab_reg *reg = rs->regs[r];
		const struct lab_field *f;

		lab_json_obj(j, reg->name);
		lab_json_hex(j, "value", m->regs[r]);
		lab_json_str(j, "spec", reg->spec);
		lab_json_obj(j, "fields");
		lab_reg_for_each_field(f, reg)
			lab_json_uint(j, f->name, lab_field_get(m->regs[r], f));
		lab_json_end(j);
		lab_json_end(j);
	}
	lab_json_end(j);
}

/* A member of a PCIe capability's JSON object. */
struct cap_member {
	const char *key;
	void (*put)(struct lab_json *j, const char *key, uint64_t val);
	uint64_t val;
};

static void put_bool(struct lab_json *j, const char *key, uint64_t val)
{
	lab_json_bool(j, key, val);
}

/* "NAME": { MEMBERS } when the function HAS the capability. */
static void cap_json(struct lab_json *j, bool has, const char *name, const struct cap_member *m)
{
	if (!has)
		return;
	lab_json_obj(j, name);
	for (; m->key; m++)
		m->put(j, m->key, m->val);
	lab_json_end(j);
}

/* The PCIe capabilities of D (PCIe Base 6.0: PASID 7.8.8, ATS 10.5.1, PRI 10.5.2, ACS 7.7.8). */
static void pci_caps_json(struct lab_json *j, const struct lab_pci_dev *d)
{
	const struct cap_member pasid[] = {
		{ "max_width", lab_json_uint, d->pasid_width }, { "exec", put_bool, d->pasid_exec },
		{ "priv", put_bool, d->pasid_priv }, { "enabled", put_bool, d->pasid_enabled },
		{ NULL },
	};
	const struct cap_member ats[] = {
		{ "enabled", put_bool, d->ats_enabled }, { "stu", lab_json_uint, d->ats_stu }, { NULL },
	};
	const struct cap_member pri[] = { { "enabled", put_bool, d->pri_enabled }, { NULL } };
	const struct cap_member acs[] = {
		{ "cap", lab_json_hex, d->acs_cap }, { "ctrl", lab_json_hex, d->acs_ctrl }, { NULL },
	};

	cap_json(j, d->has_pasid, "pasid", pasid);
	cap_json(j, d->has_ats, "ats", ats);
	cap_json(j, d->has_pri, "pri", pri);
	cap_json(j, d->has_acs, "acs", acs);
}

void lab_platform_json(FILE *out, const struct lab_platform *p)
{
	struct lab_json j;

	lab_json_init(&j, out, true);
	lab_json_obj(&j, NULL);
	lab_json_str(&j, "platform", p->id);
	lab_json_str(&j, "arch", p->arch);
	lab_json_str(&j, "kernel", p->kernel);
	lab_json_bool(&j, "iommufd", p->iommufd);
	lab_json_bool(&j, "ext_caps_readable", p->ext_caps_readable);
	lab_json_arr(&j, "iommus");
	for (int i = 0; i < p->niommus; i++) {
		const struct lab_iommu *m = &p->iommus[i];

		lab_json_obj(&j, NULL);
		lab_json_str(&j, "name", m->name);
		lab_json_str(&j, "type", lab_iommu_type_name(m->type));
		lab_json_int(&j, "devices", m->ndevices);
		if (m->nregs) {
			lab_json_str(&j, "registers_source", m->regs_source);
			regs_json(&j, m);
		} else {
			lab_json_str(&j, "registers_unavailable", m->regs_why[0] ? m->regs_why :
				     "not exposed for this IOMMU type");
		}
		lab_json_end(&j);
	}
	lab_json_end(&j);
	lab_json_arr(&j, "pci");
	for (int i = 0; i < p->ndevs; i++) {
		const struct lab_pci_dev *d = &p->devs[i];

		lab_json_obj(&j, NULL);
		lab_json_str(&j, "bdf", d->bdf);
		lab_json_hex(&j, "vendor", d->vendor);
		lab_json_hex(&j, "device", d->device);
		lab_json_hex(&j, "class", d->class);
		lab_json_str(&j, "driver", d->driver[0] ? d->driver : NULL);
		if (d->group >= 0)
			lab_json_int(&j, "iommu_group", d->group);
		else
			lab_json_null(&j, "iommu_group");
		lab_json_str(&j, "default_domain", d->group_type[0] ? d->group_type : NULL);
		lab_json_str(&j, "dma_mode", d->group_type[0] ? dma_mode(d->group_type) : NULL);
		lab_json_str(&j, "iommu", d->iommu[0] ? d->iommu : NULL);
		lab_json_str(&j, "vfio_cdev", d->vfio_cdev[0] ? d->vfio_cdev : NULL);
		pci_caps_json(&j, d);
		lab_json_arr(&j, "reserved_regions");
		for (int r = 0; r < d->nresv; r++) {
			lab_json_obj(&j, NULL);
			lab_json_hex(&j, "start", d->resv[r].start);
			lab_json_hex(&j, "end", d->resv[r].end);
			lab_json_str(&j, "type", d->resv[r].type);
			lab_json_end(&j);
		}
		lab_json_end(&j);
		lab_json_end(&j);
	}
	lab_json_end(&j);
	nvme_json(&j, p);
	lab_json_end(&j);
	fputc('\n', out);
}
