/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iommu-lab-dev: a PCI Express DMA test endpoint for the iommu-lab suite.
 *
 * The function moves data between guest IOVAs, either untagged (at its
 * requester ID, through the bus-master address space) or tagged with a PASID
 * (through the per-PASID IOMMU address space), and reports for every
 * operation whether it completed, which access faulted, or whether the
 * request was refused before any DMA was issued. It exposes a PCIe PASID
 * extended capability, which no stock QEMU device has. Registers, limits and
 * the test pattern: labdev_hw.h (iommu-lab's lib/drivers/labdev/, which its
 * module and library include too); semantics: docs/labdev.md in iommu-lab.
 *
 * Test use only: vendor 0x1234 is the ID QEMU uses for its test devices.
 *
 * Built into QEMU by iommu-lab's scripts/testbed/build-qemu.sh (which copies
 * labdev_hw.h next to this file), with
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
#include "labdev_hw.h"      /* copied from iommu-lab's lib/drivers/labdev/ */

#define TYPE_IOMMU_LAB_DEV "iommu-lab-dev"
OBJECT_DECLARE_SIMPLE_TYPE(IommuLabDevState, IOMMU_LAB_DEV)

/* Config space layout: the PASID extended capability */
#define LAB_PASID_CAP_OFFSET    0x100
#define LAB_PASID_CAP_VERSION   1
#define LAB_PASID_CAP_SIZE      8       /* header, capability, control */
#define LAB_PASID_REG_CAP       0x04    /* 16 bits */
#define LAB_PASID_REG_CTRL      0x06    /* 16 bits */
#define LAB_PASID_CTRL_ENABLE   0x0001
#define LAB_PASID_WIDTH_SHIFT   8
#define LAB_PASID_BITS_DEFAULT  20

/* DMA is split so that no single access crosses this IOVA boundary. */
#define LAB_DMA_CHUNK           (4 * KiB)

/* BAR 0 register NAME (LABDEV_REG_NAME) of S, as an lvalue. */
#define LAB_REG(s, name)        ((s)->reg[LABDEV_REG_##name / 4])

struct IommuLabDevState {
    PCIDevice parent_obj;

    MemoryRegion mmio;
    uint8_t *bounce;            /* LABDEV_LEN_MAX bytes */

    /* properties */
    uint8_t pasid_bits;

    /*
     * The BAR 0 registers, by offset / 4, as the guest reads them. ID and
     * CAPS are set at realize, IRQ_ACK and IRQ_RAISE stay 0 (a write acts
     * on IRQ_STATUS), the others are zeroed by reset.
     */
    uint32_t reg[LABDEV_REG_END / 4];
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

/* The 64-bit value of the LO/HI register pair at LO. */
static uint64_t lab_reg64(IommuLabDevState *s, hwaddr lo)
{
    return deposit64(s->reg[lo / 4], 32, 32, s->reg[lo / 4 + 1]);
}

/* The test pattern (labdev_hw.h; docs/labdev.md) for seed SEED. */
static void lab_fill_pattern(uint8_t *buf, uint32_t len, uint32_t seed)
{
    for (uint32_t i = 0; i < len; i++) {
        buf[i] = labdev_pattern_byte(seed, i);
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
            LAB_REG(s, STATUS) = LABDEV_STATUS_FAULT;
            LAB_REG(s, FAULT_LO) = extract64(addr, 0, 32);
            LAB_REG(s, FAULT_HI) = extract64(addr, 32, 32);
            LAB_REG(s, FAULT_INFO) =
                (to_memory ? LABDEV_FAULT_INFO_WRITE : 0) |
                (path->tagged ? LABDEV_FAULT_INFO_PASID : 0);
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
    uint32_t len = LAB_REG(s, LEN);
    uint32_t pasid = LAB_REG(s, PASID);

    switch (LAB_REG(s, OP)) {
    case LABDEV_OP_WRITE:
    case LABDEV_OP_READ:
    case LABDEV_OP_COPY:
    case LABDEV_OP_PAIR:
        break;
    default:
        return false;
    }

    if (len == 0 || len > LABDEV_LEN_MAX) {
        return false;
    }

    if (!(pasid & LABDEV_PASID_VALID)) {
        path->as = pci_get_address_space(pdev);
        path->tagged = false;
        return true;
    }

    /* PCIe Base 6.20 / 7.8.8: no PASID TLP prefix unless PASID Enable is set */
    if (!lab_pasid_enabled(s)) {
        return false;
    }
    pasid &= LABDEV_PASID_VALUE_MASK;
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
    uint32_t len = LAB_REG(s, LEN);
    uint32_t seed = LAB_REG(s, SEED);
    uint64_t src = lab_reg64(s, LABDEV_REG_SRC_LO);
    uint64_t dst = lab_reg64(s, LABDEV_REG_DST_LO);
    uint8_t *buf = s->bounce;
    size_t first_diff;

    LAB_REG(s, STATUS) = LABDEV_STATUS_OK;
    LAB_REG(s, RESULT) = 0;
    LAB_REG(s, FAULT_LO) = 0;
    LAB_REG(s, FAULT_HI) = 0;
    LAB_REG(s, FAULT_INFO) = 0;

    if (!lab_prepare(s, &path)) {
        LAB_REG(s, STATUS) = LABDEV_STATUS_BAD_REQUEST;
        goto done;
    }

    switch (LAB_REG(s, OP)) {
    case LABDEV_OP_WRITE:
        lab_fill_pattern(buf, len, seed);
        lab_dma(s, &path, dst, buf, len, true);
        break;

    case LABDEV_OP_READ:
        if (lab_dma(s, &path, src, buf, len, false)) {
            uint32_t differ = 0;

            for (uint32_t i = 0; i < len; i++) {
                if (buf[i] != labdev_pattern_byte(seed, i)) {
                    differ++;
                }
            }
            LAB_REG(s, RESULT) = differ;
        }
        break;

    case LABDEV_OP_COPY:
        /* Whole source first, then the destination: overlap acts as memmove */
        if (lab_dma(s, &path, src, buf, len, false)) {
            lab_dma(s, &path, dst, buf, len, true);
        }
        break;

    case LABDEV_OP_PAIR:
        lab_fill_pattern(buf, len, seed);
        if (!lab_dma(s, &path, dst, buf, len, true)) {
            break;
        }
        memset(buf, 0, len);
        if (!lab_dma(s, &path, dst, buf, len, false)) {
            break;
        }
        first_diff = labdev_pattern_first_diff(buf, len, seed);
        if (first_diff < len) {
            LAB_REG(s, STATUS) = LABDEV_STATUS_MISMATCH;
            LAB_REG(s, RESULT) = first_diff;
        }
        break;

    default:
        g_assert_not_reached();
    }

done:
    LAB_REG(s, COUNT)++;
    LAB_REG(s, IRQ_STATUS) |= LABDEV_IRQ_DONE;
    if (LAB_REG(s, CTRL) & LABDEV_CTRL_IRQ_ON_DONE) {
        lab_raise_msi(s);
    }
}

/*
 * The bits of register ADDR a write stores: 0 for the read-only ones (and for
 * IRQ_ACK and IRQ_RAISE, which act on IRQ_STATUS instead).
 */
static uint32_t lab_reg_wmask(hwaddr addr)
{
    switch (addr) {
    case LABDEV_REG_SRC_LO ... LABDEV_REG_LEN:
    case LABDEV_REG_SEED:
    case LABDEV_REG_OP:
        return UINT32_MAX;
    case LABDEV_REG_PASID:
        return LABDEV_PASID_VALID | LABDEV_PASID_VALUE_MASK;
    case LABDEV_REG_CTRL:
        return LABDEV_CTRL_IRQ_ON_DONE;
    default:
        return 0;
    }
}

static uint64_t lab_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    IommuLabDevState *s = opaque;

    if (addr >= LABDEV_REG_END) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      TYPE_IOMMU_LAB_DEV ": read of unknown register 0x%"
                      HWADDR_PRIx "\n", addr);
        return 0;
    }
    return s->reg[addr / 4];
}

static void lab_mmio_write(void *opaque, hwaddr addr, uint64_t data,
                           unsigned size)
{
    IommuLabDevState *s = opaque;
    uint32_t val = data;
    uint32_t wmask = lab_reg_wmask(addr);

    if (addr >= LABDEV_REG_END) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      TYPE_IOMMU_LAB_DEV ": write to unknown register 0x%"
                      HWADDR_PRIx "\n", addr);
        return;
    }
    if (addr == LABDEV_REG_IRQ_ACK) {
        LAB_REG(s, IRQ_STATUS) &= ~val;
    } else if (addr == LABDEV_REG_IRQ_RAISE) {
        LAB_REG(s, IRQ_STATUS) |= val;
        lab_raise_msi(s);
    } else if (!wmask) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      TYPE_IOMMU_LAB_DEV ": write to read-only register 0x%"
                      HWADDR_PRIx "\n", addr);
    } else {
        s->reg[addr / 4] = val & wmask;
        if (addr == LABDEV_REG_OP) {
            lab_run_op(s);
        }
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

    if (s->pasid_bits > LABDEV_PASID_BITS_MAX) {
        error_setg(errp, "pasid-bits must be between 0 and %d (0: no PASID "
                   "capability)", LABDEV_PASID_BITS_MAX);
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
        LAB_REG(s, CAPS) = LABDEV_CAPS_PASID |
            ((uint32_t)s->pasid_bits << LABDEV_CAPS_WIDTH_SHIFT);
    } else {
        LAB_REG(s, CAPS) = 0;
    }
    LAB_REG(s, ID) = LABDEV_ID_VALUE;

    s->bounce = g_malloc(LABDEV_LEN_MAX);

    memory_region_init_io(&s->mmio, OBJECT(s), &lab_mmio_ops, s,
                          "iommu-lab-dev-mmio", LABDEV_BAR_SIZE);
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

    /* Every register but ID and CAPS, the first two. */
    QEMU_BUILD_BUG_ON(LABDEV_REG_ID != 0 || LABDEV_REG_CAPS != 4);
    memset(&s->reg[2], 0, sizeof(s->reg) - 2 * sizeof(s->reg[0]));

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
    k->vendor_id = LABDEV_VENDOR_ID;
    k->device_id = LABDEV_DEVICE_ID;
    k->revision = LABDEV_REVISION;
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
