// SPDX-License-Identifier: GPL-2.0-only
#include "config.h"
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "iommufd.h"
#include "sysfs.h"

#ifdef HAVE_IOMMUFD_UAPI
#include <linux/iommufd.h>
#include <linux/vfio.h>
#endif

/* What this build's uAPI headers have (configure --with-uapi). */
enum { BUILT_IOMMUFD = 1 << 0, BUILT_PASID = 1 << 1, BUILT_VIOMMU = 1 << 2 };
static const unsigned int built = 0
#if defined(HAVE_IOMMUFD_UAPI) && defined(HAVE_VFIO_CDEV_UAPI)
	| BUILT_IOMMUFD
#endif
#if defined(HAVE_IOMMUFD_PASID_UAPI) && defined(HAVE_VFIO_CDEV_UAPI)
	| BUILT_PASID
#endif
#ifdef HAVE_IOMMUFD_VIOMMU_UAPI
	| BUILT_VIOMMU
#endif
	;

int lab_iommufd_built(void) { return !!(built & BUILT_IOMMUFD); }
int lab_iommufd_pasid_built(void) { return !!(built & BUILT_PASID); }
int lab_iommufd_viommu_built(void) { return !!(built & BUILT_VIOMMU); }

/* Whether file holds a line starting with text. */
static bool file_has_line(const char *file, const char *text)
{
	char line[512];
	bool found = false;
	FILE *f = fopen(file, "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = !strncmp(line, text, strlen(text));
	if (f)
		fclose(f);
	return found;
}

/*
 * Why the running kernel offers no /dev/iommu, from what it shows: iommufd
 * loaded, iommufd a module in its modules.dep, else its configuration where
 * one is readable (built in, it would have made /dev/iommu). Never a guess
 * stated as read.
 */
static const char *kernel_iommufd_absent(char *buf, size_t len)
{
	char mod[300], cfg[300];
	struct utsname u;

	if (uname(&u))
		return "no /dev/iommu";
	snprintf(mod, sizeof(mod), "/lib/modules/%s/modules.dep", u.release);
	snprintf(cfg, sizeof(cfg), "/boot/config-%s", u.release);
	if (!access("/sys/module/iommufd", F_OK))
		snprintf(buf, len, "kernel %s: iommufd is loaded but there is no /dev/iommu", u.release);
	else if (file_has_line(mod, "kernel/drivers/iommu/iommufd/iommufd.ko"))
		snprintf(buf, len, "kernel %s: iommufd is a module that is not loaded (modprobe iommufd)",
			 u.release);
	else if (!access(cfg, R_OK))
		snprintf(buf, len, "kernel %s without CONFIG_IOMMUFD (%s: %s)", u.release, cfg,
			 file_has_line(cfg, "# CONFIG_IOMMUFD is not set") ? "is not set" : "absent");
	else
		snprintf(buf, len, "kernel %s without CONFIG_IOMMUFD: no /dev/iommu, iommufd neither "
			 "loaded nor in its modules.dep (its configuration is not readable here)", u.release);
	return buf;
}

const char *lab_iommufd_unusable(enum lab_iommufd_need need)
{
	static const struct { unsigned int bit; const char *what; } needs[] = {
		[LAB_NEED_IOMMUFD] = { BUILT_IOMMUFD, "iommufd and the VFIO cdev" },
		[LAB_NEED_PASID] = { BUILT_PASID, "PASID HWPTs and VFIO attach at a PASID" },
		[LAB_NEED_VIOMMU] = { BUILT_VIOMMU, "vIOMMU and nested HWPTs" },
	};
	static char why[400];

	if (access("/dev/iommu", F_OK))
		return kernel_iommufd_absent(why, sizeof(why));
	if (!(built & needs[need].bit)) {
		snprintf(why, sizeof(why), "built without uAPI headers for %s (configure --with-uapi)",
			 needs[need].what);
		return why;
	}
	return NULL;
}

int lab_iommufd_open(void)
{
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

ssize_t lab_fd_read_within(int fd, void *buf, size_t len, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n = poll(&pfd, 1, timeout_ms);

	if (n == 0)
		return -EAGAIN;
	if (n > 0)
		n = read(fd, buf, len);
	return n < 0 ? -errno : n;
}

/* The vfio-dev/vfioN entry of a function bound to vfio-pci with VFIO_DEVICE_CDEV. */
static int vfio_cdev_name(const char *bdf, char *name, size_t len)
{
	int ret = lab_read_dir_entry(name, len, "vfio", "/sys/bus/pci/devices/%s/vfio-dev", bdf);

	return ret == -ENOENT ? -ENODEV : ret;
}

int lab_vfio_cdev_bind(int iommufd, const char *bdf, uint32_t *dev_id)
{
#if defined(HAVE_IOMMUFD_UAPI) && defined(HAVE_VFIO_CDEV_UAPI)
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind), .iommufd = iommufd };
	char name[32], path[64];
	int fd, ret;

	ret = vfio_cdev_name(bdf, name, sizeof(name));
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	*dev_id = bind.out_devid;
	return fd;
#else
	(void)iommufd; (void)bdf; (void)dev_id; (void)vfio_cdev_name;
	return -EOPNOTSUPP;
#endif
}

int lab_iommufd_hw_info_dev(int iommufd, uint32_t dev_id, struct lab_hw_info *info)
{
#if defined(HAVE_IOMMUFD_UAPI) && defined(HAVE_VFIO_CDEV_UAPI)
	union {
#ifdef HAVE_IOMMU_HW_INFO_VTD
		struct iommu_hw_info_vtd vtd;
#endif
#ifdef HAVE_IOMMU_HW_INFO_ARM_SMMUV3
		struct iommu_hw_info_arm_smmuv3 smmu;
#endif
		uint8_t raw[256];
	} data;
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.dev_id = dev_id,
		.data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data,
	};

	memset(info, 0, sizeof(*info));
	memset(&data, 0, sizeof(data));
	if (ioctl(iommufd, IOMMU_GET_HW_INFO, &cmd))
		return -errno;
	info->type = cmd.out_data_type;
	info->out_capabilities = cmd.out_capabilities;
#ifdef HAVE_IOMMU_HW_INFO_MAX_PASID
	info->max_pasid_log2 = cmd.out_max_pasid_log2;
	info->has_max_pasid = 1;
#endif
	switch (cmd.out_data_type) {
#ifdef HAVE_IOMMU_HW_INFO_VTD
	case IOMMU_HW_INFO_TYPE_INTEL_VTD:
		info->nregs = 2;
		info->regs[0] = data.vtd.cap_reg;
		info->regs[1] = data.vtd.ecap_reg;
		info->flags = data.vtd.flags;
		break;
#endif
#ifdef HAVE_IOMMU_HW_INFO_ARM_SMMUV3
	case IOMMU_HW_INFO_TYPE_ARM_SMMUV3:
		info->nregs = 6;
		for (int i = 0; i < 6; i++)
			info->regs[i] = data.smmu.idr[i];
		info->flags = data.smmu.flags;
		break;
#endif
	default:
		break;
	}
	return 0;
#else
	(void)iommufd; (void)dev_id;
	memset(info, 0, sizeof(*info));
	return -EOPNOTSUPP;
#endif
}

int lab_iommufd_hw_info(const char *bdf, struct lab_hw_info *info)
{
	uint32_t dev_id;
	int ifd, dfd, ret;

	memset(info, 0, sizeof(*info));
	if (!lab_iommufd_built())
		return -EOPNOTSUPP;
	ifd = lab_iommufd_open();
	if (ifd < 0)
		return ifd;
	dfd = lab_vfio_cdev_bind(ifd, bdf, &dev_id);
	if (dfd < 0) {
		close(ifd);
		return dfd;
	}
	ret = lab_iommufd_hw_info_dev(ifd, dev_id, info);
	close(dfd);
	close(ifd);
	return ret;
}

#ifdef HAVE_IOMMUFD_UAPI
static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int lab_ioas_alloc(int iommufd, uint32_t *ioas_id)
{
	struct iommu_ioas_alloc c = { .size = sizeof(c) };
	int ret = xioctl(iommufd, IOMMU_IOAS_ALLOC, &c);

	if (!ret)
		*ioas_id = c.out_ioas_id;
	return ret;
}

int lab_ioas_map(int iommufd, uint32_t ioas_id, void *va, uint64_t len, uint64_t iova, uint32_t prot)
{
	struct iommu_ioas_map c = {
		.size = sizeof(c),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | (prot & LAB_IOAS_READ ? IOMMU_IOAS_MAP_READABLE : 0) |
			 (prot & LAB_IOAS_WRITE ? IOMMU_IOAS_MAP_WRITEABLE : 0),
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = iova,
	};

	return xioctl(iommufd, IOMMU_IOAS_MAP, &c);
}

int lab_ioas_unmap(int iommufd, uint32_t ioas_id, uint64_t iova, uint64_t len)
{
	struct iommu_ioas_unmap c = { .size = sizeof(c), .ioas_id = ioas_id, .iova = iova, .length = len };

	return xioctl(iommufd, IOMMU_IOAS_UNMAP, &c);
}

int lab_iommufd_destroy(int iommufd, uint32_t id)
{
	struct iommu_destroy c = { .size = sizeof(c), .id = id };

	return xioctl(iommufd, IOMMU_DESTROY, &c);
}
#else
int lab_ioas_alloc(int iommufd, uint32_t *ioas_id) { (void)iommufd; (void)ioas_id; return -EOPNOTSUPP; }
int lab_ioas_map(int iommufd, uint32_t ioas_id, void *va, uint64_t len, uint64_t iova, uint32_t prot)
{
	(void)iommufd; (void)ioas_id; (void)va; (void)len; (void)iova; (void)prot;
	return -EOPNOTSUPP;
}
int lab_ioas_unmap(int iommufd, uint32_t ioas_id, uint64_t iova, uint64_t len)
{
	(void)iommufd; (void)ioas_id; (void)iova; (void)len;
	return -EOPNOTSUPP;
}
int lab_iommufd_destroy(int iommufd, uint32_t id) { (void)iommufd; (void)id; return -EOPNOTSUPP; }
#endif

#if defined(HAVE_IOMMUFD_PASID_UAPI) && defined(HAVE_VFIO_CDEV_UAPI)
int lab_hwpt_alloc(int iommufd, uint32_t dev_id, uint32_t ioas_id, uint32_t flags, uint32_t *hwpt_id)
{
	struct iommu_hwpt_alloc c = {
		.size = sizeof(c),
		.flags = (flags & LAB_HWPT_PASID ? IOMMU_HWPT_ALLOC_PASID : 0) |
			 (flags & LAB_HWPT_NEST_PARENT ? IOMMU_HWPT_ALLOC_NEST_PARENT : 0),
		.dev_id = dev_id,
		.pt_id = ioas_id,
	};
	int ret;

	if (flags & ~(LAB_HWPT_PASID | LAB_HWPT_NEST_PARENT))
		return -EINVAL;
	ret = xioctl(iommufd, IOMMU_HWPT_ALLOC, &c);
	if (!ret)
		*hwpt_id = c.out_hwpt_id;
	return ret;
}

int lab_vfio_attach_pt(int devfd, uint32_t pasid, uint32_t pt_id)
{
	struct vfio_device_attach_iommufd_pt c = {
		.argsz = sizeof(c),
		.flags = pasid == LAB_NO_PASID ? 0 : VFIO_DEVICE_ATTACH_PASID,
		.pt_id = pt_id,
		.pasid = pasid == LAB_NO_PASID ? 0 : pasid,
	};

	return xioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &c);
}

int lab_vfio_detach_pt(int devfd, uint32_t pasid)
{
	struct vfio_device_detach_iommufd_pt c = {
		.argsz = sizeof(c),
		.flags = pasid == LAB_NO_PASID ? 0 : VFIO_DEVICE_DETACH_PASID,
		.pasid = pasid == LAB_NO_PASID ? 0 : pasid,
	};

	return xioctl(devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &c);
}
#else
int lab_hwpt_alloc(int iommufd, uint32_t dev_id, uint32_t ioas_id, uint32_t flags, uint32_t *hwpt_id)
{
	(void)iommufd; (void)dev_id; (void)ioas_id; (void)flags; (void)hwpt_id;
	return -EOPNOTSUPP;
}
int lab_vfio_attach_pt(int devfd, uint32_t pasid, uint32_t pt_id)
{
	(void)devfd; (void)pasid; (void)pt_id;
	return -EOPNOTSUPP;
}
int lab_vfio_detach_pt(int devfd, uint32_t pasid) { (void)devfd; (void)pasid; return -EOPNOTSUPP; }
#endif

#ifdef HAVE_IOMMUFD_VIOMMU_UAPI
int lab_viommu_alloc(int iommufd, uint32_t dev_id, uint32_t parent_hwpt_id, enum lab_viommu_type type,
		     uint32_t *viommu_id)
{
	struct iommu_viommu_alloc c = { .size = sizeof(c), .dev_id = dev_id, .hwpt_id = parent_hwpt_id };
	int ret;

	if (type != LAB_VIOMMU_ARM_SMMUV3)
		return -EINVAL;
	c.type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3;
	ret = xioctl(iommufd, IOMMU_VIOMMU_ALLOC, &c);
	if (!ret)
		*viommu_id = c.out_viommu_id;
	return ret;
}

int lab_vdevice_alloc(int iommufd, uint32_t viommu_id, uint32_t dev_id, uint64_t virt_id, uint32_t *vdevice_id)
{
	struct iommu_vdevice_alloc c = { .size = sizeof(c), .viommu_id = viommu_id, .dev_id = dev_id,
					 .virt_id = virt_id };
	int ret = xioctl(iommufd, IOMMU_VDEVICE_ALLOC, &c);

	if (!ret)
		*vdevice_id = c.out_vdevice_id;
	return ret;
}

/* IOMMU_HWPT_ALLOC of a nested HWPT on pt_id (a vIOMMU or a nest parent)
 * from the vendor's stage-1 data. */
static int hwpt_alloc_nested(int iommufd, uint32_t dev_id, uint32_t pt_id, uint32_t hwpt_flags,
			     uint32_t data_type, const void *data, uint32_t data_len, uint32_t *hwpt_id)
{
	struct iommu_hwpt_alloc c = {
		.size = sizeof(c),
		.flags = hwpt_flags,
		.dev_id = dev_id,
		.pt_id = pt_id,
		.data_type = data_type,
		.data_len = data_len,
		.data_uptr = (uintptr_t)data,
	};
	int ret = xioctl(iommufd, IOMMU_HWPT_ALLOC, &c);

	if (!ret)
		*hwpt_id = c.out_hwpt_id;
	return ret;
}

int lab_hwpt_alloc_smmuv3_nested(int iommufd, uint32_t dev_id, uint32_t viommu_id, const uint64_t ste[2],
				 uint32_t *hwpt_id)
{
	struct iommu_hwpt_arm_smmuv3 data = { .ste = { htole64(ste[0]), htole64(ste[1]) } };

	return hwpt_alloc_nested(iommufd, dev_id, viommu_id, 0, IOMMU_HWPT_DATA_ARM_SMMUV3, &data, sizeof(data),
				 hwpt_id);
}

int lab_hwpt_alloc_vtd_nested_flags(int iommufd, uint32_t dev_id, uint32_t parent_hwpt_id, uint32_t hwpt_flags,
				    uint64_t pgtbl_gpa, uint32_t addr_width, uint64_t flags, uint32_t *hwpt_id)
{
	struct iommu_hwpt_vtd_s1 data = { .flags = flags, .pgtbl_addr = pgtbl_gpa, .addr_width = addr_width };
	uint32_t uapi_flags = 0;

	if (hwpt_flags & ~LAB_HWPT_PASID)
		return -EINVAL;
	if (hwpt_flags & LAB_HWPT_PASID) {
#ifdef HAVE_IOMMUFD_PASID_UAPI
		uapi_flags = IOMMU_HWPT_ALLOC_PASID;
#else
		return -EOPNOTSUPP;	/* headers older than the PASID uAPI */
#endif
	}
	return hwpt_alloc_nested(iommufd, dev_id, parent_hwpt_id, uapi_flags, IOMMU_HWPT_DATA_VTD_S1, &data,
				 sizeof(data), hwpt_id);
}

/* IOMMU_HWPT_INVALIDATE of n entries of the vendor's data_type on id (a
 * nested HWPT or a vIOMMU); *done (may be NULL): how many the kernel handled. */
static int hwpt_invalidate(int iommufd, uint32_t id, uint32_t data_type, const void *entries,
			   uint32_t entry_len, uint32_t n, uint32_t *done)
{
	struct iommu_hwpt_invalidate c = {
		.size = sizeof(c),
		.hwpt_id = id,
		.data_uptr = (uintptr_t)entries,
		.data_type = data_type,
		.entry_len = entry_len,
		.entry_num = n,
	};
	int ret = xioctl(iommufd, IOMMU_HWPT_INVALIDATE, &c);

	if (done)
		*done = c.entry_num;
	return ret;
}

int lab_hwpt_invalidate_vtd_s1_n(int iommufd, uint32_t hwpt_id, const struct lab_vtd_s1_inv *e, uint32_t n,
				 uint32_t *done)
{
	struct iommu_hwpt_vtd_s1_invalidate ent[16];

	if (n > 16)
		return -E2BIG;
	for (uint32_t i = 0; i < n; i++)
		ent[i] = (struct iommu_hwpt_vtd_s1_invalidate){ .addr = e[i].addr, .npages = e[i].npages,
								 .flags = e[i].flags, .__reserved = e[i].reserved };
	return hwpt_invalidate(iommufd, hwpt_id, IOMMU_HWPT_INVALIDATE_DATA_VTD_S1, ent, sizeof(ent[0]), n, done);
}

int lab_hwpt_invalidate_vtd_s1(int iommufd, uint32_t hwpt_id, uint64_t addr, uint64_t npages)
{
	struct lab_vtd_s1_inv e = { .addr = addr, .npages = npages };

	return lab_hwpt_invalidate_vtd_s1_n(iommufd, hwpt_id, &e, 1, NULL);
}

int lab_viommu_invalidate_smmuv3(int iommufd, uint32_t viommu_id, const uint64_t (*cmds)[2], uint32_t n,
				 uint32_t *done)
{
	struct iommu_viommu_arm_smmuv3_invalidate ent[64];

	if (n > 64)
		return -E2BIG;
	for (uint32_t i = 0; i < n; i++) {
		ent[i].cmd[0] = htole64(cmds[i][0]);
		ent[i].cmd[1] = htole64(cmds[i][1]);
	}
	return hwpt_invalidate(iommufd, viommu_id, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, ent, sizeof(ent[0]),
			       n, done);
}

int lab_veventq_alloc_smmuv3(int iommufd, uint32_t viommu_id, uint32_t depth, uint32_t *veventq_id, int *fd)
{
	struct iommu_veventq_alloc c = { .size = sizeof(c), .viommu_id = viommu_id,
					 .type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, .veventq_depth = depth };
	int ret = xioctl(iommufd, IOMMU_VEVENTQ_ALLOC, &c);

	if (!ret) {
		*veventq_id = c.out_veventq_id;
		*fd = (int)c.out_veventq_fd;
	}
	return ret;
}
int lab_veventq_read_smmuv3(int fd, uint64_t evt[4], uint32_t *sequence, int timeout_ms)
{
	struct {
		struct iommufd_vevent_header hdr;
		struct iommu_vevent_arm_smmuv3 ev;
	} rec;
	ssize_t n = lab_fd_read_within(fd, &rec, sizeof(rec), timeout_ms);

	if (n < 0)
		return n;
	if (n != sizeof(rec))
		return -EIO;
	for (int i = 0; i < 4; i++)
		evt[i] = le64toh(rec.ev.evt[i]);
	if (sequence)
		*sequence = rec.hdr.sequence;
	return 0;
}
#else
int lab_veventq_read_smmuv3(int fd, uint64_t evt[4], uint32_t *sequence, int timeout_ms)
{
	(void)fd; (void)evt; (void)sequence; (void)timeout_ms;
	return -EOPNOTSUPP;
}
int lab_viommu_alloc(int iommufd, uint32_t dev_id, uint32_t parent_hwpt_id, enum lab_viommu_type type,
		     uint32_t *viommu_id)
{
	(void)iommufd; (void)dev_id; (void)parent_hwpt_id; (void)type; (void)viommu_id;
	return -EOPNOTSUPP;
}
int lab_vdevice_alloc(int iommufd, uint32_t viommu_id, uint32_t dev_id, uint64_t virt_id, uint32_t *vdevice_id)
{
	(void)iommufd; (void)viommu_id; (void)dev_id; (void)virt_id; (void)vdevice_id;
	return -EOPNOTSUPP;
}
int lab_hwpt_alloc_smmuv3_nested(int iommufd, uint32_t dev_id, uint32_t viommu_id, const uint64_t ste[2],
				 uint32_t *hwpt_id)
{
	(void)iommufd; (void)dev_id; (void)viommu_id; (void)ste; (void)hwpt_id;
	return -EOPNOTSUPP;
}
int lab_hwpt_alloc_vtd_nested_flags(int iommufd, uint32_t dev_id, uint32_t parent_hwpt_id, uint32_t hwpt_flags,
				    uint64_t pgtbl_gpa, uint32_t addr_width, uint64_t flags, uint32_t *hwpt_id)
{
	(void)iommufd; (void)dev_id; (void)parent_hwpt_id; (void)hwpt_flags; (void)pgtbl_gpa; (void)addr_width;
	(void)flags; (void)hwpt_id;
	return -EOPNOTSUPP;
}
int lab_hwpt_invalidate_vtd_s1(int iommufd, uint32_t hwpt_id, uint64_t addr, uint64_t npages)
{
	(void)iommufd; (void)hwpt_id; (void)addr; (void)npages;
	return -EOPNOTSUPP;
}
int lab_hwpt_invalidate_vtd_s1_n(int iommufd, uint32_t hwpt_id, const struct lab_vtd_s1_inv *e, uint32_t n,
				 uint32_t *done)
{
	(void)iommufd; (void)hwpt_id; (void)e; (void)n; (void)done;
	return -EOPNOTSUPP;
}
int lab_viommu_invalidate_smmuv3(int iommufd, uint32_t viommu_id, const uint64_t (*cmds)[2], uint32_t n,
				 uint32_t *done)
{
	(void)iommufd; (void)viommu_id; (void)cmds; (void)n; (void)done;
	return -EOPNOTSUPP;
}
int lab_veventq_alloc_smmuv3(int iommufd, uint32_t viommu_id, uint32_t depth, uint32_t *veventq_id, int *fd)
{
	(void)iommufd; (void)viommu_id; (void)depth; (void)veventq_id; (void)fd;
	return -EOPNOTSUPP;
}
#endif
