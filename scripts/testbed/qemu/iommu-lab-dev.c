/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommu-lab-dev: a PCI Express DMA test endpoint for the iommu-lab suite.
 *
 * The function moves data between guest IOVAs, either untagged (at its
 * requester ID, through the bus-master address space) or tagged with a PASID
 * (through the per-PASID IOMMU address space), and reports for every
 * operation whether it completed, which access faulted, or whether the
 * request was refused before any DMA was issued. It exposes a PCIe PASID
 * extended capability, which no stock QEMU device has. Register map and
 * semantics: docs/labdev.md in iommu-lab.
 *
 * Test use only: vendor 0x1234 is the ID QEMU uses for its test devices.
 *
 * Built into QEMU by iommu-lab's scripts/testbed/build-qemu.sh, with
 * patches/0001 (pci_device_iommu_address_space_pasid(), used below for
 * PASID-tagged DMA) and patches/0003 (the CONFIG_IOMMU_LAB_DEV build entry).
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "qom/object.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/pcie.h"
#include "hw/pci/msi.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"

#define TYPE_IOMMU_LAB_DEV "iommu-lab-dev"
OBJECT_DECLARE_SIMPLE_TYPE(IommuLabDevState, IOMMU_LAB_DEV)

/* Identity */
#define LAB_VENDOR_ID           0x1234
#define LAB_DEVICE_ID           0x1ab0
#define LAB_REVISION            0x01
#define LAB_ID_VALUE            0x1ab00001u

/* Config space layout */
#define LAB_PASID_CAP_OFFSET    0x100
#define LAB_PASID_CAP_VERSION   1
#define LAB_PASID_CAP_SIZE      8       /* header, capability, control */
#define LAB_PASID_REG_CAP       0x04    /* 16 bits */
#define LAB_PASID_REG_CTRL      0x06    /* 16 bits */
#define LAB_PASID_CTRL_ENABLE   0x0001
#define LAB_PASID_WIDTH_SHIFT   8
#define LAB_PASID_BITS_MAX      20
#define LAB_PASID_BITS_DEFAULT  20

/* BAR 0 */
#define LAB_MMIO_SIZE           (4 * KiB)

#define LAB_REG_ID              0x00
#define LAB_REG_CAPS            0x04
#define LAB_REG_SRC_LO          0x08
#define LAB_REG_SRC_HI          0x0c
#define LAB_REG_DST_LO          0x10
#define LAB_REG_DST_HI          0x14
#define LAB_REG_LEN             0x18
#define LAB_REG_PASID           0x1c
#define LAB_REG_SEED            0x20
#define LAB_REG_OP              0x24
#define LAB_REG_STATUS          0x28
#define LAB_REG_RESULT          0x2c
#define LAB_REG_FAULT_LO        0x30
#define LAB_REG_FAULT_HI        0x34
#define LAB_REG_FAULT_INFO      0x38
#define LAB_REG_CTRL            0x3c
#define LAB_REG_IRQ_STATUS      0x40
#define LAB_REG_IRQ_ACK         0x44
#define LAB_REG_IRQ_RAISE       0x48
#define LAB_REG_COUNT           0x4c

#define LAB_CAPS_PASID          BIT(0)
#define LAB_CAPS_WIDTH_SHIFT    8

#define LAB_LEN_MAX             0x200000u

#define LAB_PASID_VALUE_MASK    0x000fffffu
#define LAB_PASID_VALID         BIT(31)

#define LAB_OP_WRITE            1
#define LAB_OP_READ             2
#define LAB_OP_COPY             3
#define LAB_OP_PAIR             4

#define LAB_STATUS_OK           0
#define LAB_STATUS_FAULT        1
#define LAB_STATUS_MISMATCH     2
#define LAB_STATUS_BAD_REQUEST  3

#define LAB_FAULT_INFO_WRITE    BIT(0)
#define LAB_FAULT_INFO_PASID    BIT(1)

#define LAB_CTRL_IRQ_ON_DONE    BIT(0)

#define LAB_IRQ_DONE            BIT(0)

/* DMA is split so that no single access crosses this IOVA boundary. */
#define LAB_DMA_CHUNK           (4 * KiB)

struct IommuLabDevState {
    PCIDevice parent_obj;

    MemoryRegion mmio;
    uint8_t *bounce;            /* LAB_LEN_MAX bytes */

    /* properties */
    uint8_t pasid_bits;

    /* fixed at realize */
    uint32_t caps;

    /* guest-visible registers */
    uint64_t src;
    uint64_t dst;
    uint32_t len;
    uint32_t pasid;
    uint32_t seed;
    uint32_t op;
    uint32_t status;
    uint32_t result;
    uint64_t fault_addr;
    uint32_t fault_info;
    uint32_t ctrl;
    uint32_t irq_status;
    uint32_t count;
};

/*
 * One DMA stream of an operation: the address space it goes through and
 * whether it is PASID-tagged (only used for fault reporting and the Bus
 * Master Enable check that the per-PASID address space does not do).
 */
typedef struct LabDmaPath {
    AddressSpace *as;
    bool tagged;
} LabDmaPath;

/*
 * The test pattern: byte I (offset from the start of the transfer) for seed
 * SEED. Documented in docs/labdev.md so the guest can compute it as well.
 */
static inline uint8_t lab_pattern_byte(uint32_t seed, uint32_t i)
{
    uint32_t mix = seed * 0x9E3779B1u + i * 0x85EBCA77u;

    return (uint8_t)(mix >> 24) ^ (uint8_t)i;
}

static void lab_fill_pattern(uint8_t *buf, uint32_t len, uint32_t seed)
{
    for (uint32_t i = 0; i < len; i++) {
        buf[i] = lab_pattern_byte(seed, i);
    }
}

static bool lab_pasid_cap_present(const IommuLabDevState *s)
{
    return s->pasid_bits != 0;
}

static bool lab_pasid_enabled(IommuLabDevState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    uint16_t ctrl;

    if (!lab_pasid_cap_present(s)) {
        return false;
    }
    ctrl = pci_get_word(pdev->config + LAB_PASID_CAP_OFFSET +
                        LAB_PASID_REG_CTRL);
    return ctrl & LAB_PASID_CTRL_ENABLE;
}

static bool lab_bus_master_enabled(IommuLabDevState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    return pci_get_word(pdev->config + PCI_COMMAND) & PCI_COMMAND_MASTER;
}

static void lab_raise_msi(IommuLabDevState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    if (msi_enabled(pdev)) {
        msi_notify(pdev, 0);
    }
}

/*
 * Move LEN bytes between BUF and IOVA through PATH, one piece per 4 KiB IOVA
 * page. The first piece that does not complete is recorded in the FAULT
 * registers and ends the transfer; returns false in that case. Each piece is
 * checked first (one translation): QEMU's memory core would otherwise retry
 * a failing piece access by access, and the IOMMU model would record one
 * fault per 4 bytes instead of one per transfer.
 */
static bool lab_dma(IommuLabDevState *s, const LabDmaPath *path,
                    uint64_t iova, uint8_t *buf, uint32_t len, bool to_memory)
{
    uint32_t done = 0;

    while (done < len) {
        uint64_t addr = iova + done;
        uint32_t room = LAB_DMA_CHUNK - (uint32_t)(addr & (LAB_DMA_CHUNK - 1));
        uint32_t n = MIN(len - done, room);
        MemTxResult res;

        if (path->tagged && !lab_bus_master_enabled(s)) {
            /*
             * The per-PASID address space bypasses the bus-master gate of
             * the RID address space: with Bus Master Enable clear the
             * function must not issue the request at all.
             */
            res = MEMTX_ERROR;
        } else if (!address_space_access_valid(path->as, addr, n, to_memory,
                                               MEMTXATTRS_UNSPECIFIED)) {
            res = MEMTX_ERROR;
        } else if (path->tagged) {
            res = address_space_rw(path->as, addr, MEMTXATTRS_UNSPECIFIED,
                                   buf + done, n, to_memory);
        } else {
            res = dma_memory_rw(path->as, addr, buf + done, n,
                                to_memory ? DMA_DIRECTION_FROM_DEVICE
                                          : DMA_DIRECTION_TO_DEVICE,
                                MEMTXATTRS_UNSPECIFIED);
        }

        if (res != MEMTX_OK) {
            s->status = LAB_STATUS_FAULT;
            s->fault_addr = addr;
            s->fault_info = (to_memory ? LAB_FAULT_INFO_WRITE : 0) |
                            (path->tagged ? LAB_FAULT_INFO_PASID : 0);
            return false;
        }
        done += n;
    }
    return true;
}

/*
 * Check the request and pick the address space. Returns false (and the
 * caller reports BAD_REQUEST) when the operation must not be started.
 */
static bool lab_prepare(IommuLabDevState *s, LabDmaPath *path)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    uint32_t pasid;

    switch (s->op) {
    case LAB_OP_WRITE:
    case LAB_OP_READ:
    case LAB_OP_COPY:
    case LAB_OP_PAIR:
        break;
    default:
        return false;
    }

    if (s->len == 0 || s->len > LAB_LEN_MAX) {
        return false;
    }

    if (!(s->pasid & LAB_PASID_VALID)) {
        path->as = pci_get_address_space(pdev);
        path->tagged = false;
        return true;
    }

    /* PCIe Base 6.20 / 7.8.8: no PASID TLP prefix unless PASID Enable is set */
    if (!lab_pasid_enabled(s)) {
        return false;
    }
    pasid = s->pasid & LAB_PASID_VALUE_MASK;
    if (pasid >> s->pasid_bits) {
        return false;
    }
    path->as = pci_device_iommu_address_space_pasid(pdev, pasid);
    if (!path->as) {
        return false;
    }
    path->tagged = true;
    return true;
}

static void lab_run_op(IommuLabDevState *s)
{
    LabDmaPath path;
    uint32_t len = s->len;
    uint8_t *buf = s->bounce;

    s->status = LAB_STATUS_OK;
    s->result = 0;
    s->fault_addr = 0;
    s->fault_info = 0;

    if (!lab_prepare(s, &path)) {
        s->status = LAB_STATUS_BAD_REQUEST;
        goto done;
    }

    switch (s->op) {
    case LAB_OP_WRITE:
        lab_fill_pattern(buf, len, s->seed);
        lab_dma(s, &path, s->dst, buf, len, true);
        break;

    case LAB_OP_READ:
        if (lab_dma(s, &path, s->src, buf, len, false)) {
            uint32_t differ = 0;

            for (uint32_t i = 0; i < len; i++) {
                if (buf[i] != lab_pattern_byte(s->seed, i)) {
                    differ++;
                }
            }
            s->result = differ;
        }
        break;

    case LAB_OP_COPY:
        /* Whole source first, then the destination: overlap acts as memmove */
        if (lab_dma(s, &path, s->src, buf, len, false)) {
            lab_dma(s, &path, s->dst, buf, len, true);
        }
        break;

    case LAB_OP_PAIR:
        lab_fill_pattern(buf, len, s->seed);
        if (!lab_dma(s, &path, s->dst, buf, len, true)) {
            break;
        }
        memset(buf, 0, len);
        if (!lab_dma(s, &path, s->dst, buf, len, false)) {
            break;
        }
        for (uint32_t i = 0; i < len; i++) {
            if (buf[i] != lab_pattern_byte(s->seed, i)) {
                s->status = LAB_STATUS_MISMATCH;
                s->result = i;
                break;
            }
        }
        break;

    default:
        g_assert_not_reached();
    }

done:
    s->count++;
    s->irq_status |= LAB_IRQ_DONE;
    if (s->ctrl & LAB_CTRL_IRQ_ON_DONE) {
        lab_raise_msi(s);
    }
}

static uint64_t lab_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    IommuLabDevState *s = opaque;

    switch (addr) {
    case LAB_REG_ID:
        return LAB_ID_VALUE;
    case LAB_REG_CAPS:
        return s->caps;
    case LAB_REG_SRC_LO:
        return extract64(s->src, 0, 32);
    case LAB_REG_SRC_HI:
        return extract64(s->src, 32, 32);
    case LAB_REG_DST_LO:
        return extract64(s->dst, 0, 32);
    case LAB_REG_DST_HI:
        return extract64(s->dst, 32, 32);
    case LAB_REG_LEN:
        return s->len;
    case LAB_REG_PASID:
        return s->pasid;
    case LAB_REG_SEED:
        return s->seed;
    case LAB_REG_OP:
        return s->op;
    case LAB_REG_STATUS:
        return s->status;
    case LAB_REG_RESULT:
        return s->result;
    case LAB_REG_FAULT_LO:
        return extract64(s->fault_addr, 0, 32);
    case LAB_REG_FAULT_HI:
        return extract64(s->fault_addr, 32, 32);
    case LAB_REG_FAULT_INFO:
        return s->fault_info;
    case LAB_REG_CTRL:
        return s->ctrl;
    case LAB_REG_IRQ_STATUS:
        return s->irq_status;
    case LAB_REG_IRQ_ACK:
    case LAB_REG_IRQ_RAISE:
        return 0;
    case LAB_REG_COUNT:
        return s->count;
    default:
        qemu_log_mask(LOG_GUEST_ERROR,
                      TYPE_IOMMU_LAB_DEV ": read of unknown register 0x%"
                      HWADDR_PRIx "\n", addr);
        return 0;
    }
}

static void lab_mmio_write(void *opaque, hwaddr addr, uint64_t data,
                           unsigned size)
{
    IommuLabDevState *s = opaque;
    uint32_t val = data;

    switch (addr) {
    case LAB_REG_SRC_LO:
        s->src = deposit64(s->src, 0, 32, val);
        break;
    case LAB_REG_SRC_HI:
        s->src = deposit64(s->src, 32, 32, val);
        break;
    case LAB_REG_DST_LO:
        s->dst = deposit64(s->dst, 0, 32, val);
        break;
    case LAB_REG_DST_HI:
        s->dst = deposit64(s->dst, 32, 32, val);
        break;
    case LAB_REG_LEN:
        s->len = val;
        break;
    case LAB_REG_PASID:
        s->pasid = val & (LAB_PASID_VALID | LAB_PASID_VALUE_MASK);
        break;
    case LAB_REG_SEED:
        s->seed = val;
        break;
    case LAB_REG_OP:
        s->op = val;
        lab_run_op(s);
        break;
    case LAB_REG_CTRL:
        s->ctrl = val & LAB_CTRL_IRQ_ON_DONE;
        break;
    case LAB_REG_IRQ_ACK:
        s->irq_status &= ~val;
        break;
    case LAB_REG_IRQ_RAISE:
        s->irq_status |= val;
        lab_raise_msi(s);
        break;
    case LAB_REG_ID:
    case LAB_REG_CAPS:
    case LAB_REG_STATUS:
    case LAB_REG_RESULT:
    case LAB_REG_FAULT_LO:
    case LAB_REG_FAULT_HI:
    case LAB_REG_FAULT_INFO:
    case LAB_REG_IRQ_STATUS:
    case LAB_REG_COUNT:
        qemu_log_mask(LOG_GUEST_ERROR,
                      TYPE_IOMMU_LAB_DEV ": write to read-only register 0x%"
                      HWADDR_PRIx "\n", addr);
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR,
                      TYPE_IOMMU_LAB_DEV ": write to unknown register 0x%"
                      HWADDR_PRIx "\n", addr);
        break;
    }
}

static const MemoryRegionOps lab_mmio_ops = {
    .read = lab_mmio_read,
    .write = lab_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    /* Only aligned 32-bit accesses reach the handlers. */
    .valid = {
        .min_access_size = 4,
        .max_access_size = 4,
        .unaligned = false,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
};

/*
 * PASID extended capability (PCIe Base 7.8.8): no Execute or Privileged mode
 * support, Max PASID Width from the property; in the Control register only
 * PASID Enable is writable, the rest is RsvdP.
 */
static void lab_init_pasid_cap(IommuLabDevState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    uint16_t pos = LAB_PASID_CAP_OFFSET;

    pcie_add_capability(pdev, PCI_EXT_CAP_ID_PASID, LAB_PASID_CAP_VERSION,
                        pos, LAB_PASID_CAP_SIZE);
    pci_set_word(pdev->config + pos + LAB_PASID_REG_CAP,
                 (uint16_t)s->pasid_bits << LAB_PASID_WIDTH_SHIFT);
    pci_set_word(pdev->config + pos + LAB_PASID_REG_CTRL, 0);
    pci_set_word(pdev->wmask + pos + LAB_PASID_REG_CTRL,
                 LAB_PASID_CTRL_ENABLE);
}

static void lab_realize(PCIDevice *pdev, Error **errp)
{
    IommuLabDevState *s = IOMMU_LAB_DEV(pdev);

    if (s->pasid_bits > LAB_PASID_BITS_MAX) {
        error_setg(errp, "pasid-bits must be between 0 and %d (0: no PASID "
                   "capability)", LAB_PASID_BITS_MAX);
        return;
    }

    pci_config_set_interrupt_pin(pdev->config, 0);

    if (pcie_endpoint_cap_init(pdev, 0) < 0) {
        error_setg(errp, "cannot add the PCI Express capability");
        return;
    }

    if (msi_init(pdev, 0, 1, true, false, errp)) {
        pcie_cap_exit(pdev);
        return;
    }

    if (lab_pasid_cap_present(s)) {
        lab_init_pasid_cap(s);
        s->caps = LAB_CAPS_PASID |
                  ((uint32_t)s->pasid_bits << LAB_CAPS_WIDTH_SHIFT);
    } else {
        s->caps = 0;
    }

    s->bounce = g_malloc(LAB_LEN_MAX);

    memory_region_init_io(&s->mmio, OBJECT(s), &lab_mmio_ops, s,
                          "iommu-lab-dev-mmio", LAB_MMIO_SIZE);
    pci_register_bar(pdev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, &s->mmio);
}

static void lab_exit(PCIDevice *pdev)
{
    IommuLabDevState *s = IOMMU_LAB_DEV(pdev);

    g_free(s->bounce);
    s->bounce = NULL;
    msi_uninit(pdev);
    pcie_cap_exit(pdev);
}

static void lab_reset_hold(Object *obj, ResetType type)
{
    IommuLabDevState *s = IOMMU_LAB_DEV(obj);
    PCIDevice *pdev = PCI_DEVICE(obj);

    s->src = 0;
    s->dst = 0;
    s->len = 0;
    s->pasid = 0;
    s->seed = 0;
    s->op = 0;
    s->status = 0;
    s->result = 0;
    s->fault_addr = 0;
    s->fault_info = 0;
    s->ctrl = 0;
    s->irq_status = 0;
    s->count = 0;

    /* The generic PCI reset leaves extended capabilities alone. */
    if (lab_pasid_cap_present(s)) {
        pci_set_word(pdev->config + LAB_PASID_CAP_OFFSET + LAB_PASID_REG_CTRL,
                     0);
    }
}

static const Property lab_properties[] = {
    DEFINE_PROP_UINT8("pasid-bits", IommuLabDevState, pasid_bits,
                      LAB_PASID_BITS_DEFAULT),
};

/* A test device: refuse migration rather than describe its state. */
static const VMStateDescription lab_vmstate = {
    .name = TYPE_IOMMU_LAB_DEV,
    .unmigratable = 1,
};

static void lab_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);

    k->realize = lab_realize;
    k->exit = lab_exit;
    k->vendor_id = LAB_VENDOR_ID;
    k->device_id = LAB_DEVICE_ID;
    k->revision = LAB_REVISION;
    k->class_id = PCI_CLASS_OTHERS << 8;

    rc->phases.hold = lab_reset_hold;
    dc->desc = "iommu-lab DMA test endpoint with PASID (test use only)";
    dc->vmsd = &lab_vmstate;
    device_class_set_props(dc, lab_properties);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo lab_type_info = {
    .name = TYPE_IOMMU_LAB_DEV,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(IommuLabDevState),
    .class_init = lab_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void lab_register_types(void)
{
    type_register_static(&lab_type_info);
}

type_init(lab_register_types)
