// SPDX-License-Identifier: GPL-2.0-only
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <pci/pci.h>
#include "discover.h"
#include "iommufd.h"
#include "regs.h"
#include "sysfs.h"

static const char *const type_names[] = {
	[LAB_IOMMU_UNKNOWN] = "unknown", [LAB_IOMMU_VTD] = "vtd", [LAB_IOMMU_SMMUV3] = "smmuv3",
	[LAB_IOMMU_AMDVI] = "amdvi", [LAB_IOMMU_VIRTIO] = "virtio-iommu",
	[LAB_IOMMU_MOCK] = "iommufd-mock",
};

const char *lab_iommu_type_name(enum lab_iommu_type t)
{
	return type_names[t];
}

/* The IOMMU type of /sys/class/iommu/NAME: VT-d and AMD-Vi expose their own
 * attribute groups; SMMUv3 and virtio-iommu are told by the bound driver. */
enum lab_iommu_type lab_iommu_type_of(const char *name)
{
	char drv[64];

	if (lab_path_exists("/sys/class/iommu/%s/intel-iommu", name))
		return LAB_IOMMU_VTD;
	if (lab_path_exists("/sys/class/iommu/%s/amd-iommu", name))
		return LAB_IOMMU_AMDVI;
	if (!lab_read_link_base(drv, sizeof(drv), "/sys/class/iommu/%s/device/driver", name)) {
		if (!strcmp(drv, "arm-smmu-v3"))
			return LAB_IOMMU_SMMUV3;
		if (!strcmp(drv, "virtio_iommu") || !strcmp(drv, "virtio-iommu"))
			return LAB_IOMMU_VIRTIO;
	}
	if (!strncmp(name, "smmu3.", 6))
		return LAB_IOMMU_SMMUV3;
	if (!strncmp(name, "iommufd_selftest", 16))
		return LAB_IOMMU_MOCK;
	return LAB_IOMMU_UNKNOWN;
}

enum lab_iommu_type lab_pci_iommu_type(const char *bdf)
{
	char name[96];

	if (lab_read_link_base(name, sizeof(name), "/sys/bus/pci/devices/%s/iommu", bdf))
		return LAB_IOMMU_UNKNOWN;
	return lab_iommu_type_of(name);
}

int lab_pci_pasid_width(const char *bdf)
{
	char path[512];
	uint32_t hdr;
	unsigned int off = 0x100, hops = 0;
	uint16_t cap;
	struct stat st;
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/config", lab_sysfs_root(), bdf);
	f = fopen(path, "rb");
	if (!f)
		return -errno;
	/* Conventional PCI functions have 256 bytes of config space: no extended capabilities. */
	if (fstat(fileno(f), &st) == 0 && st.st_size <= 0x100) {
		fclose(f);
		return 0;
	}
	/* PCIe Base 6.0, 7.6.3: extended capabilities from 0x100, each header is
	 * ID (15:0), version (19:16), next offset (31:20). */
	while (off >= 0x100 && off < 0x1000 && hops++ < 64) {
		if (fseek(f, off, SEEK_SET) || fread(&hdr, 4, 1, f) != 1) {
			ret = -EACCES;	/* unprivileged reads stop at 64 bytes */
			break;
		}
		if ((hdr & 0xffff) == PCI_EXT_CAP_ID_PASID) {
			/* 7.8.8.2: PASID Capability register, Max PASID Width bits 12:8 */
			ret = fseek(f, off + 4, SEEK_SET) || fread(&cap, 2, 1, f) != 1 ? -EIO : (cap >> 8) & 0x1f;
			break;
		}
		off = hdr >> 20;
	}
	fclose(f);
	return ret;
}

int lab_pci_msi_address(const char *bdf, uint64_t *addr)
{
	char path[512];
	uint8_t cfg[256], off;
	int fd, hops = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/config", lab_sysfs_root(), bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = pread(fd, cfg, sizeof(cfg), 0);
	close(fd);
	if (n < (ssize_t)sizeof(cfg))
		return n < 0 ? -errno : -EACCES;	/* unprivileged reads stop at 64 bytes */
	if (!(cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return -ENOENT;
	/* PCI Local Bus 3.0, 6.8.1: the MSI capability is control (bit 0
	 * enable, bit 7 64-bit) at +2, address at +4, upper address at +8. */
	for (off = cfg[PCI_CAPABILITY_LIST] & ~3; off >= 0x40 && hops++ < 48; off = cfg[off + 1] & ~3) {
		uint16_t ctrl;
		uint32_t lo, hi = 0;

		if (cfg[off] != PCI_CAP_ID_MSI)
			continue;
		memcpy(&ctrl, cfg + off + 2, 2);
		if (!(ctrl & PCI_MSI_FLAGS_ENABLE))
			return -ENODATA;
		memcpy(&lo, cfg + off + 4, 4);
		if (ctrl & PCI_MSI_FLAGS_64BIT)
			memcpy(&hi, cfg + off + 8, 4);
		*addr = (uint64_t)hi << 32 | lo;
		return 0;
	}
	return -ENOENT;
}

int lab_pci_msi_chip(const char *bdf, char *buf, size_t len)
{
	char path[512];
	struct dirent *e;
	DIR *d;
	long irq = -1;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/msi_irqs", lab_sysfs_root(), bdf);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ENOENT : -errno;
	while ((e = readdir(d))) {
		char *end;
		long v = strtol(e->d_name, &end, 10);

		if (e->d_name[0] != '.' && !*end && (irq < 0 || v < irq))
			irq = v;
	}
	closedir(d);
	if (irq < 0)
		return -ENOENT;
	return lab_read_str(buf, len, "/sys/kernel/irq/%ld/chip_name", irq);
}

int lab_pci_interrupt_side(const char *bdf, uint64_t *addr)
{
	uint64_t msi;
	int ret;

	switch (lab_pci_iommu_type(bdf)) {
	case LAB_IOMMU_VTD:
		*addr = 0xfeeffff0;
		return 0;
	case LAB_IOMMU_SMMUV3:
		ret = lab_pci_msi_address(bdf, &msi);
		if (!ret)
			*addr = msi & ~(uint64_t)0xfff;
		return ret;
	default:
		return -EOPNOTSUPP;
	}
}

static int count_dir(const char *fmt, const char *arg)
{
	char path[512];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s", lab_sysfs_root());
	snprintf(path + strlen(path), sizeof(path) - strlen(path), fmt, arg);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static int not_dot(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

static void init_iommu(struct lab_iommu *m, const char *name)
{
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->type = lab_iommu_type_of(m->name);
	m->ndevices = count_dir("/sys/class/iommu/%s/devices", m->name);
}

static int scan_iommus(struct lab_platform *p)
{
	char path[512];
	struct dirent **names;
	int n;

	snprintf(path, sizeof(path), "%s/sys/class/iommu", lab_sysfs_root());
	n = scandir(path, &names, not_dot, NULL);
	if (n < 0)
		return 0;	/* no IOMMU at all is a platform fact, not an error */
	p->iommus = calloc(n ? (size_t)n : 1, sizeof(*p->iommus));
	for (int i = 0; i < n; i++) {
		if (p->iommus)
			init_iommu(&p->iommus[p->niommus++], names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return p->iommus ? 0 : -ENOMEM;
}

/* The "start end type" lines of an IOMMU group's reserved_regions. */
static int parse_resv_regions(int group, struct lab_resv_region *r, int max)
{
	char buf[1024], *line, *save;
	int n = 0;

	if (group < 0 || lab_read_str(buf, sizeof(buf), "/sys/kernel/iommu_groups/%d/reserved_regions", group))
		return 0;
	for (line = strtok_r(buf, "\n", &save); line && n < max; line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%lx %lx %23s", &r[n].start, &r[n].end, r[n].type) == 3)
			n++;
	return n;
}

static void read_resv_regions(struct lab_pci_dev *dv)
{
	dv->nresv = parse_resv_regions(dv->group, dv->resv, 8);
}

bool lab_bdf_next(const char **pos, char bdf[32])
{
	int n;

	if (!*pos || sscanf(*pos, " %31s%n", bdf, &n) != 1)
		return false;
	*pos += n;
	return true;
}

int lab_pci_ids(const char *bdf, uint16_t *vendor, uint16_t *device)
{
	uint64_t v, d;
	int ret = lab_read_hex(&v, "/sys/bus/pci/devices/%s/vendor", bdf);

	if (!ret)
		ret = lab_read_hex(&d, "/sys/bus/pci/devices/%s/device", bdf);
	if (ret)
		return ret;
	*vendor = (uint16_t)v;
	*device = (uint16_t)d;
	return 0;
}

int lab_pci_resv_regions(const char *bdf, struct lab_resv_region *r, int max)
{
	char name[32];
	int group;

	if (lab_read_link_base(name, sizeof(name), "/sys/bus/pci/devices/%s/iommu_group", bdf))
		return -ENOENT;
	group = atoi(name);
	return parse_resv_regions(group, r, max);
}

/* Extended capabilities of interest, read from config space (needs root). */
static void read_ext_caps(struct pci_dev *pd, struct lab_pci_dev *dv)
{
	struct pci_cap *c;

	c = pci_find_cap(pd, PCI_EXT_CAP_ID_PASID, PCI_CAP_EXTENDED);
	if (c) {
		/* PCIe Base 6.0, 7.8.8: PASID Capability (+4) and Control (+6) registers */
		uint16_t cap = pci_read_word(pd, c->addr + 4), ctl = pci_read_word(pd, c->addr + 6);

		dv->has_pasid = true;
		dv->pasid_exec = cap & 0x2;
		dv->pasid_priv = cap & 0x4;
		dv->pasid_width = (cap >> 8) & 0x1f;
		dv->pasid_enabled = ctl & 0x1;
	}
	c = pci_find_cap(pd, PCI_EXT_CAP_ID_ATS, PCI_CAP_EXTENDED);
	if (c) {
		/* PCIe Base 6.0, 10.5.1: ATS Control (+6): Enable bit 15, STU bits 4:0 */
		uint16_t ctl = pci_read_word(pd, c->addr + 6);

		dv->has_ats = true;
		dv->ats_enabled = ctl & 0x8000;
		dv->ats_stu = ctl & 0x1f;
	}
	c = pci_find_cap(pd, PCI_EXT_CAP_ID_PRI, PCI_CAP_EXTENDED);
	if (c) {
		/* PCIe Base 6.0, 10.5.2: Page Request Control (+4): Enable bit 0 */
		dv->has_pri = true;
		dv->pri_enabled = pci_read_word(pd, c->addr + 4) & 0x1;
	}
	c = pci_find_cap(pd, PCI_CAP_ID_MSIX, PCI_CAP_NORMAL);
	if (c)	/* PCI Local Bus 3.0, 6.8.2.3: Message Control (+2), Table Size bits 10:0, N - 1 */
		dv->msix_vectors = (pci_read_word(pd, c->addr + 2) & PCI_MSIX_TABSIZE) + 1;
	c = pci_find_cap(pd, PCI_EXT_CAP_ID_ACS, PCI_CAP_EXTENDED);
	if (c) {
		/* PCIe Base 6.0, 7.7.8: ACS Capability (+4) and Control (+6) registers */
		dv->has_acs = true;
		dv->acs_cap = pci_read_word(pd, c->addr + 4);
		dv->acs_ctrl = pci_read_word(pd, c->addr + 6);
	}
}

static void read_sysfs_dev(struct lab_pci_dev *dv)
{
	char buf[32];
	uint64_t g;

	lab_read_link_base(dv->driver, sizeof(dv->driver), "/sys/bus/pci/devices/%s/driver", dv->bdf);
	dv->group = -1;
	if (!lab_read_link_base(buf, sizeof(buf), "/sys/bus/pci/devices/%s/iommu_group", dv->bdf)) {
		g = strtoull(buf, NULL, 10);
		dv->group = (int)g;
		lab_read_str(dv->group_type, sizeof(dv->group_type), "/sys/kernel/iommu_groups/%d/type",
			     dv->group);
		dv->group_devices = count_dir("/sys/kernel/iommu_groups/%s/devices", buf);
	}
	lab_read_link_base(dv->iommu, sizeof(dv->iommu), "/sys/bus/pci/devices/%s/iommu", dv->bdf);
	if (!count_dir("/sys/bus/pci/devices/%s/vfio-dev", dv->bdf))
		dv->vfio_cdev[0] = 0;
	else {
		char path[512];
		struct dirent *e;
		DIR *d;

		snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/vfio-dev", lab_sysfs_root(), dv->bdf);
		d = opendir(path);
		while (d && (e = readdir(d)))
			if (!strncmp(e->d_name, "vfio", 4))
				snprintf(dv->vfio_cdev, sizeof(dv->vfio_cdev), "%s", e->d_name);
		if (d)
			closedir(d);
	}
	read_resv_regions(dv);
}

static int scan_pci(struct lab_platform *p)
{
	struct pci_access *pacc = pci_alloc();
	struct pci_dev *pd;
	size_t n = 0;

	if (!pacc)
		return -ENOMEM;
	pci_init(pacc);
	pci_scan_bus(pacc);
	for (pd = pacc->devices; pd; pd = pd->next)
		n++;
	p->devs = calloc(n ? n : 1, sizeof(*p->devs));
	if (!p->devs) {
		pci_cleanup(pacc);
		return -ENOMEM;
	}
	for (pd = pacc->devices; pd; pd = pd->next) {
		struct lab_pci_dev *dv = &p->devs[p->ndevs++];

		pci_fill_info(pd, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_EXT_CAPS | PCI_FILL_CAPS);
		snprintf(dv->bdf, sizeof(dv->bdf), "%04x:%02x:%02x.%d", pd->domain, pd->bus, pd->dev, pd->func);
		dv->vendor = pd->vendor_id;
		dv->device = pd->device_id;
		dv->class = pci_read_long(pd, PCI_CLASS_REVISION) >> 8;
		read_sysfs_dev(dv);
		read_ext_caps(pd, dv);
	}
	pci_cleanup(pacc);
	return 0;
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct lab_pci_dev *)a)->bdf, ((const struct lab_pci_dev *)b)->bdf);
}

static int cmp_iommu(const void *a, const void *b)
{
	return strcmp(((const struct lab_iommu *)a)->name, ((const struct lab_iommu *)b)->name);
}

/* Capability registers: VT-d from sysfs; others through iommufd GET_HW_INFO on
 * a function behind this IOMMU that is bound to vfio-pci with a cdev. */
static void read_iommu_regs(struct lab_platform *p, struct lab_iommu *m)
{
	const struct lab_pci_dev *via = NULL;
	struct lab_hw_info info;
	const char *why;
	int ret;

	if (m->type == LAB_IOMMU_MOCK) {
		snprintf(m->regs_why, sizeof(m->regs_why), "software mock IOMMU: no registers");
		return;
	}
	if (m->type == LAB_IOMMU_VTD &&
	    !lab_read_hex(&m->regs[0], "/sys/class/iommu/%s/intel-iommu/cap", m->name) &&
	    !lab_read_hex(&m->regs[1], "/sys/class/iommu/%s/intel-iommu/ecap", m->name)) {
		m->nregs = 2;
		snprintf(m->regs_source, sizeof(m->regs_source), "sysfs");
		return;
	}
	for (int i = 0; i < p->ndevs && !via; i++)
		if (!strcmp(p->devs[i].iommu, m->name) && p->devs[i].vfio_cdev[0])
			via = &p->devs[i];
	why = lab_iommufd_unusable(LAB_NEED_IOMMUFD);
	if (why) {
		snprintf(m->regs_why, sizeof(m->regs_why), "%s", why);
		return;
	}
	if (!p->iommufd) {
		snprintf(m->regs_why, sizeof(m->regs_why), "kernel has no iommufd (/dev/iommu missing)");
		return;
	}
	if (!via) {
		snprintf(m->regs_why, sizeof(m->regs_why),
			 "no PCI function behind %s is bound to vfio-pci with a cdev", m->name);
		return;
	}
	ret = lab_iommufd_hw_info(via->bdf, &info);
	if (ret) {
		snprintf(m->regs_why, sizeof(m->regs_why), "IOMMU_GET_HW_INFO on %s failed: %s",
			 via->bdf, strerror(-ret));
		return;
	}
	if (!info.nregs) {
		snprintf(m->regs_why, sizeof(m->regs_why), "IOMMU_GET_HW_INFO type %u not decoded",
			 info.type);
		return;
	}
	m->nregs = info.nregs;
	memcpy(m->regs, info.regs, sizeof(m->regs));
	snprintf(m->regs_source, sizeof(m->regs_source), "iommufd via %s", via->bdf);
}

int lab_discover(struct lab_platform *p)
{
	struct utsname u;
	int ret;

	memset(p, 0, sizeof(*p));
	uname(&u);
	snprintf(p->arch, sizeof(p->arch), "%s", !strcmp(u.machine, "aarch64") ? "arm64" : u.machine);
	snprintf(p->kernel, sizeof(p->kernel), "%s", u.release);
	p->iommufd = lab_path_exists("/dev/iommu");
	/* Non-root readers see only the first 64 bytes of config space. */
	p->ext_caps_readable = geteuid() == 0;
	ret = scan_iommus(p);
	if (!ret)
		ret = scan_pci(p);
	if (ret)
		return ret;
	qsort(p->iommus, (size_t)p->niommus, sizeof(*p->iommus), cmp_iommu);
	qsort(p->devs, (size_t)p->ndevs, sizeof(*p->devs), cmp_dev);
	for (int i = 0; i < p->niommus; i++)
		read_iommu_regs(p, &p->iommus[i]);
	snprintf(p->id, sizeof(p->id), "%s-%s", p->arch,
		 lab_platform_iommu_type(p) != LAB_IOMMU_UNKNOWN ?
		 lab_iommu_type_name(lab_platform_iommu_type(p)) : "none");
	return 0;
}

void lab_platform_free(struct lab_platform *p)
{
	free(p->iommus);
	free(p->devs);
	p->iommus = NULL;
	p->devs = NULL;
	p->niommus = p->ndevs = 0;
}

struct lab_pci_dev *lab_find_dev(struct lab_platform *p, const char *bdf)
{
	for (int i = 0; i < p->ndevs; i++)
		if (!strcmp(p->devs[i].bdf, bdf))
			return &p->devs[i];
	return NULL;
}

struct lab_iommu *lab_find_iommu(struct lab_platform *p, const char *name)
{
	for (int i = 0; i < p->niommus; i++)
		if (!strcmp(p->iommus[i].name, name))
			return &p->iommus[i];
	return NULL;
}

enum lab_iommu_type lab_platform_iommu_type(const struct lab_platform *p)
{
	for (int i = 0; i < p->niommus; i++)
		if (p->iommus[i].type != LAB_IOMMU_MOCK)
			return p->iommus[i].type;
	return LAB_IOMMU_UNKNOWN;
}

int lab_vtd_debugfs_reg(const char *iommu, const char *name, uint64_t *val)
{
	char path[256], line[256], unit[96] = "";
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/kernel/debug/iommu/intel/iommu_regset", lab_sysfs_root());
	f = fopen(path, "r");
	if (!f)
		return -errno;
	/* "IOMMU: dmar0 Register Base Address: ..." opens each unit's block,
	 * then "NAME<tab>0xOFFSET<tab><tab>0xVALUE" lines. */
	while (fgets(line, sizeof(line), f)) {
		char reg[32];
		unsigned int off;
		unsigned long long v;

		if (sscanf(line, "IOMMU: %95s Register", unit) == 1)
			continue;
		if (strcmp(unit, iommu) || sscanf(line, "%31s 0x%x 0x%llx", reg, &off, &v) != 3)
			continue;
		if (!strcmp(reg, name)) {
			*val = v;
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

int lab_vtd_debugfs_pasid_entry(const char *bdf, uint32_t pasid, uint64_t val[3])
{
	char path[256], line[512], want[16];
	unsigned int dom, bus, dev, fn;
	int ret = -ENOENT;
	FILE *f;

	if (sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4)
		return -EINVAL;
	snprintf(want, sizeof(want), "%02x:%02x.%x", bus, dev, fn);
	snprintf(path, sizeof(path), "%s/sys/kernel/debug/iommu/intel/dmar_translation_struct",
		 lab_sysfs_root());
	f = fopen(path, "r");
	if (!f)
		return -errno;
	/* One line per present entry: "BB:DD.F<tab>0xROOT:0xROOT<tab>0xCTX:0xCTX<tab>PASID<tab>
	 * 0xVAL2:0xVAL1:0xVAL0" (PASID -1 in legacy mode). A segment other than 0
	 * has its own "IOMMU" block; the testbeds and most hosts have one segment. */
	while (fgets(line, sizeof(line), f)) {
		char id[16];
		unsigned long long rh, rl, ch, cl, v2, v1, v0;
		int p;

		if (sscanf(line, "%15s 0x%llx:0x%llx 0x%llx:0x%llx %d 0x%llx:0x%llx:0x%llx", id, &rh, &rl,
			   &ch, &cl, &p, &v2, &v1, &v0) != 9)
			continue;
		if (strcmp(id, want) || p < 0 || (uint32_t)p != pasid)
			continue;
		val[0] = v0, val[1] = v1, val[2] = v2;
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}
