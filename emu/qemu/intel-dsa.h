/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Emulated Intel Data Streaming Accelerator (DSA 1.0, Sapphire Rapids
 * flavour) for the idxd-ims project: shared definitions of the device
 * model.  Register layout follows the public DSA architecture
 * specification; see docs/emulated-dsa.md in idxd-ims for what is
 * emulated and where the model deliberately differs from silicon.
 */
#ifndef HW_MISC_INTEL_DSA_H
#define HW_MISC_INTEL_DSA_H

#include "hw/pci/pci_device.h"
#include "qom/object.h"
#include "exec/memory.h"

#define TYPE_INTEL_DSA "intel-dsa"
OBJECT_DECLARE_SIMPLE_TYPE(IntelDsaState, INTEL_DSA)

/* PCI identity; the subsystem pair is QEMU's "emulated device" marker. */
#define DSA_PCI_DEVICE_ID       0x0b25
#define DSA_SUBSYS_VENDOR_ID    0x1af4
#define DSA_SUBSYS_ID           0x1100
/* With emulation-id=off: Intel's own subsystem pair, as on silicon. */
#define DSA_SILICON_SUBSYS_ID   0x0000

/* Model limits (properties are checked against these at realize). */
#define DSA_MAX_WQS             16
#define DSA_MAX_GROUPS          8
#define DSA_MAX_ENGINES         16
#define DSA_MAX_IMS             2048
#define DSA_MAX_TOTAL_WQ_SIZE   1024
#define DSA_MAX_XFER_SHIFT_CAP  24
#define DSA_MAX_BATCH_SHIFT_CAP 10

/* BAR0 layout */
#define DSA_BAR0_SIZE           0x10000
#define DSA_MMIO_SIZE           0x1000      /* registers + config tables */
#define DSA_EMU_OFFSET          0x1000      /* emulation-only page */
#define DSA_EMU_SIZE            0x1000
#define DSA_MSIX_TABLE_OFFSET   0x2000
#define DSA_MSIX_PBA_OFFSET     0x3000
#define DSA_IMS_OFFSET          0x8000      /* 2048 x 16 B = 32 KiB */
/* Perfmon: the table exists, with no counters (PERFCAP reads 0). */
#define DSA_PERFMON_OFFSET      0x4000
#define DSA_PERFMON_SIZE        0x1000

/* Table offsets as the TABLE_OFFSET register reports them (x 0x100). */
#define DSA_MSIX_PERM_OFFSET    0x300
#define DSA_GRPCFG_OFFSET       0x400
#define DSA_WQCFG_OFFSET        0x600
#define DSA_GRPCFG_ENTRY        64
#define DSA_WQCFG_ENTRY         32
#define DSA_MSIX_PERM_STRIDE    8

/* BAR0 registers */
#define DSA_REG_VERSION         0x00
#define DSA_REG_GENCAP          0x10
#define DSA_REG_WQCAP           0x20
#define DSA_REG_GRPCAP          0x30
#define DSA_REG_ENGCAP          0x38
#define DSA_REG_OPCAP           0x40
#define DSA_REG_TABLE_OFFSET    0x60
#define DSA_REG_GENCFG          0x80
#define DSA_REG_GENCTRL         0x88
#define DSA_REG_GENSTS          0x90
#define DSA_REG_INTCAUSE        0x98
#define DSA_REG_CMD             0xa0
#define DSA_REG_CMDSTS          0xa8
#define DSA_REG_CMDCAP          0xb0
#define DSA_REG_SWERR           0xc0
#define DSA_REG_EVLCFG          0xe0        /* 2 x 64: base, size */
#define DSA_REG_EVLSTATUS       0xf0

/* GENSTS.state */
#define DSA_STATE_DISABLED      0
#define DSA_STATE_ENABLED       1
#define DSA_STATE_HALT          3

/* INTCAUSE */
#define DSA_INTC_ERR            0x1u
#define DSA_INTC_CMD            0x2u
#define DSA_INTC_HALT           0x10u
#define DSA_INTC_EVL            0x20u
#define DSA_INTC_HANDLE_REVOKED 0x80000000u
#define DSA_INTC_MASK           0x8000003fu

/* GENCTRL */
#define DSA_GENCTRL_SOFTERR_EN  0x1u
#define DSA_GENCTRL_HALT_EN     0x2u
#define DSA_GENCTRL_EVL_EN      0x4u

/* Commands and their status codes (CMDSTS.err) */
enum {
    DSA_CMD_ENABLE_DEVICE = 1,
    DSA_CMD_DISABLE_DEVICE,
    DSA_CMD_DRAIN_ALL,
    DSA_CMD_ABORT_ALL,
    DSA_CMD_RESET_DEVICE,
    DSA_CMD_ENABLE_WQ,
    DSA_CMD_DISABLE_WQ,
    DSA_CMD_DRAIN_WQ,
    DSA_CMD_ABORT_WQ,
    DSA_CMD_RESET_WQ,
    DSA_CMD_DRAIN_PASID,
    DSA_CMD_ABORT_PASID,
    DSA_CMD_REQUEST_INT_HANDLE,
    DSA_CMD_RELEASE_INT_HANDLE,
    DSA_CMD_MAX = DSA_CMD_RELEASE_INT_HANDLE,
};

#define DSA_CMD_INT_REQ         (1u << 31)
#define DSA_CMD_HANDLE_IMS      (1u << 16)
#define DSA_CMDSTS_ACTIVE       (1u << 31)

enum {
    DSA_CMDERR_OK = 0,
    DSA_CMDERR_INVAL_CMD = 0x01,
    DSA_CMDERR_INVAL_WQIDX = 0x02,
    DSA_CMDERR_HW = 0x03,
    DSA_CMDERR_DEV_ENABLED = 0x10,
    DSA_CMDERR_CONFIG = 0x11,
    DSA_CMDERR_BUSMASTER = 0x12,
    DSA_CMDERR_PASID_INVAL = 0x13,
    DSA_CMDERR_WQ_SIZE_ERANGE = 0x14,
    DSA_CMDERR_GRP_WQ = 0x15,           /* WQ in no group / two groups */
    DSA_CMDERR_GRP_ENGINE = 0x16,       /* engine in two groups / bad index */
    DSA_CMDERR_GRP_NO_ENGINE = 0x17,    /* group with WQs but no engine */
    DSA_CMDERR_GRP_RDBUF = 0x18,        /* read-buffer reservations */
    DSA_CMDERR_WQ_DEV_NOTEN = 0x20,
    DSA_CMDERR_WQ_ENABLED = 0x21,
    DSA_CMDERR_WQ_SIZE = 0x22,
    DSA_CMDERR_WQ_PRIOR = 0x23,
    DSA_CMDERR_WQ_MODE = 0x24,
    DSA_CMDERR_WQ_BOF = 0x25,
    DSA_CMDERR_WQ_PASID = 0x26,
    DSA_CMDERR_WQ_BATCH = 0x27,
    DSA_CMDERR_WQ_XFER = 0x28,
    DSA_CMDERR_DIS_DEV = 0x31,          /* device already disabled */
    DSA_CMDERR_DEV_NOT_EN = 0x32,       /* WQ command, device disabled */
    DSA_CMDERR_INT_IDX = 0x41,
    DSA_CMDERR_NO_HANDLE = 0x42,
};

/* Interrupt handles granted by REQUEST_INT_HANDLE: not the table index. */
#define DSA_HANDLE_MSIX_BASE    0x4000
#define DSA_HANDLE_IMS_BASE     0x8000
#define DSA_HANDLE_BASE_MASK    0xc000
/*
 * Granted handles: base | generation << 11 | table index.  The
 * generation changes at each revocation, and at each reset with
 * handle-rotate=on, so a handle from before is no longer valid and the
 * new one differs, as hardware (or a VMM) may make it.
 */
#define DSA_HANDLE_GEN_SHIFT    11
#define DSA_HANDLE_GEN_MASK     0x3800
#define DSA_HANDLE_IDX_MASK     0x07ff

/* WQCFG dwords */
#define DSA_WQCFG_MODE_DEDICATED (1u << 0)
#define DSA_WQCFG_BOF           (1u << 1)
#define DSA_WQCFG_PRIO_SHIFT    4
#define DSA_WQCFG_PASID_SHIFT   8           /* bits 27:8 */
#define DSA_WQCFG_PASID_MASK    0xfffffu
#define DSA_WQCFG_PASID_EN      (1u << 28)
#define DSA_WQCFG_PRIV          (1u << 29)
#define DSA_GENCFG_USER_INT_EN  (1u << 12)
#define DSA_GENCFG_EVL_EN       (1u << 13)

/*
 * Event log (DSA 2.0; property event-log): errors that SWERR would hold
 * are written as 64-byte entries to a ring in memory instead.  EVLCFG
 * qword 0 bits 63:12 the base, qword 1 bits 15:0 the size in entries;
 * EVLSTATUS bits 15:0 head (software's), 47:32 tail (the device's),
 * bit 62 interrupt pending (write 1 to clear).
 */
#define DSA_EVL_ENTRY           64
#define DSA_EVL_SIZE_MIN        64
#define DSA_EVLSTS_INT_PENDING  (1ull << 62)
#define DSA_WQCFG_STATE_SHIFT   30

/* Descriptor flags */
#define DSA_F_FENCE             0x0001u
#define DSA_F_BOF               0x0002u
#define DSA_F_CRAV              0x0004u
#define DSA_F_RCR               0x0008u
#define DSA_F_RCI               0x0010u
#define DSA_F_CRSTS             0x0020u
#define DSA_F_RSVD6             0x0040u
#define DSA_F_CR                0x0080u
#define DSA_F_CC                0x0100u
#define DSA_F_DRDBK             0x4000u
#define DSA_F_RSVD_HI           0xff0000u

/* Opcodes */
enum {
    DSA_OP_NOOP = 0x00,
    DSA_OP_BATCH = 0x01,
    DSA_OP_DRAIN = 0x02,
    DSA_OP_MEMMOVE = 0x03,
    DSA_OP_MEMFILL = 0x04,
    DSA_OP_COMPARE = 0x05,
    DSA_OP_COMPVAL = 0x06,
    DSA_OP_CR_DELTA = 0x07,
    DSA_OP_AP_DELTA = 0x08,
    DSA_OP_DUALCAST = 0x09,
    DSA_OP_CRCGEN = 0x10,
    DSA_OP_COPY_CRC = 0x11,
    DSA_OP_CFLUSH = 0x20,
};

/* Completion status codes */
enum {
    DSA_COMP_NONE = 0x00,
    DSA_COMP_SUCCESS = 0x01,
    DSA_COMP_SUCCESS_PRED = 0x02,
    DSA_COMP_PAGE_FAULT = 0x03,
    DSA_COMP_BATCH_FAIL = 0x05,
    DSA_COMP_BATCH_PAGE_FAULT = 0x06,
    DSA_COMP_BAD_OPCODE = 0x10,
    DSA_COMP_INVALID_FLAGS = 0x11,
    DSA_COMP_NONZERO_RESERVED = 0x12,
    DSA_COMP_XFER_ERANGE = 0x13,
    DSA_COMP_DESC_CNT_ERANGE = 0x14,
    DSA_COMP_OVERLAP = 0x16,
    DSA_COMP_DCAST_ERR = 0x17,
    DSA_COMP_DESCLIST_ALIGN = 0x18,
    DSA_COMP_INT_HANDLE_INVAL = 0x19,
    DSA_COMP_CRA_XLAT = 0x1a,
    DSA_COMP_CRA_ALIGN = 0x1b,
};
#define DSA_COMP_WRITE_FAULT    0x80        /* status bit 7: fault on write */

/*
 * Emulation-only page at BAR0 + 0x1000: identification, test controls
 * and counters.  Silicon has nothing here; the idxd-ims driver only reads
 * DSA_EMU_ID to confirm it talks to this model.
 */
#define DSA_EMU_ID              0x000       /* RO "DSAE" */
#define DSA_EMU_ID_VALUE        0x45415344u
#define DSA_EMU_CTRL            0x004       /* RW, see DSA_EMU_CTRL_* */
#define DSA_EMU_CTRL_PAUSE      (1u << 0)   /* queue but do not execute */
#define DSA_EMU_CTRL_HALT       (1u << 1)   /* W: halt the device now */
#define DSA_EMU_CTRL_HALT_FLR   (1u << 2)   /* with HALT: reset_type FLR */
#define DSA_EMU_CTRL_FAIL_CMD   (1u << 3)   /* W: the next command fails */
#define DSA_EMU_CTRL_FAIL_CODE(v) (((v) >> 8) & 0xff)  /* ... with this */
#define DSA_EMU_CTRL_FAIL_ONLY(v) (((v) >> 16) & 0x1f) /* ... if this command */
#define DSA_EMU_CTRL_REVOKE     (1u << 4)   /* W: revoke every handle */
#define DSA_EMU_CTRL_HOLD_CMD   (1u << 5)   /* commands finish only when polled */
/*
 * Benchmark stamps: a successful MEMMOVE or NOOP record carries the
 * guest's TSC when the record was written (bytes 16-23) and when its
 * interrupt was sent (24-31, written before the interrupt), so that a
 * guest can take an interrupt's latency apart in one clock.  Bytes 16-31
 * are reserved for these operations; silicon writes zeros there.
 */
#define DSA_EMU_CTRL_STAMP      (1u << 6)
#define DSA_EMU_MSIX_SENT       0x010       /* u64 counters from here */
#define DSA_EMU_IMS_SENT        0x018
#define DSA_EMU_IMS_LATCHED     0x020
#define DSA_EMU_BAD_HANDLE      0x028
#define DSA_EMU_DESC_DONE       0x030
#define DSA_EMU_WQ_STATS        0x100       /* + 0x20 * wq */
#define DSA_EMU_WQ_SUBMITTED    0x00
#define DSA_EMU_WQ_COMPLETED    0x08
#define DSA_EMU_WQ_DROPPED      0x10
#define DSA_EMU_WQ_TORN         0x18
#define DSA_EMU_IMS_PENDING     0x800       /* RO bitmap, 1 bit per slot */

typedef struct DsaQueued {
    uint8_t desc[64];
    bool ims;                   /* arrived through an IMS portal page */
} DsaQueued;

typedef struct DsaWq {
    uint32_t cfg[8];            /* WQCFG, guest view */
    bool enabled;
    DsaQueued *ring;            /* wq_size entries while enabled */
    uint32_t ring_size;
    uint32_t head;
    uint32_t count;
    uint8_t asm_buf[4][64];     /* descriptor assembly per portal page */
    uint64_t asm_mask[4];       /* bytes received, one bit each */
    uint64_t submitted, completed, dropped, torn;
} DsaWq;

typedef struct DsaImsEntry {
    uint32_t addr_lo;
    uint32_t addr_hi;
    uint32_t data;
    uint32_t ctrl;              /* b0 mask, b3 pasid_en, b31:12 pasid */
} DsaImsEntry;

struct IntelDsaState {
    PCIDevice parent_obj;

    MemoryRegion bar0;
    MemoryRegion mmio;
    MemoryRegion emu;
    MemoryRegion ims_mr;
    MemoryRegion perfmon;
    MemoryRegion portals;

    /* properties */
    uint32_t num_wqs;
    uint32_t num_groups;
    uint32_t num_engines;
    uint32_t total_wq_size;
    uint32_t ims_entries;
    uint32_t msix_spare;      /* MSI-X entries past 1 + num_wqs */
    uint32_t max_xfer_shift;
    uint32_t max_batch_shift;
    uint32_t version;
    bool int_handles;
    bool handle_rotate;         /* a reset grants other handles */
    bool shared_mode;
    bool emulation_id;          /* off: look like silicon (no marker, 8086 subsystem) */
    bool event_log;             /* GENCAP.evl_support and the event log */
    bool pasid;                 /* PASID and ATS capabilities, shared WQs */

    /* registers */
    uint64_t gencfg;
    uint64_t genctrl;
    uint32_t gensts;
    uint32_t intcause;
    uint32_t cmd;
    uint32_t cmdsts;
    uint64_t swerr[4];
    uint64_t evlcfg[2];
    uint16_t evl_head, evl_tail;
    bool evl_int_pending;
    uint8_t grpcfg[DSA_MAX_GROUPS][DSA_GRPCFG_ENTRY];
    uint32_t msix_perm[DSA_MAX_WQS + 1];
    DsaWq wq[DSA_MAX_WQS];
    DsaImsEntry ims[DSA_MAX_IMS];
    unsigned long *ims_pending;
    unsigned long *ims_granted;
    unsigned long *msix_granted;
    uint8_t handle_gen;         /* see DSA_HANDLE_GEN_SHIFT */

    /* emulation-only state */
    uint32_t emu_ctrl;
    uint8_t fail_next_cmd;      /* test control: CMDSTS error to inject */
    uint8_t fail_only_cmd;      /* ... into this command only (0: any) */
    uint8_t cmd_polls;          /* CMDSTS reads that found this command active */
    uint64_t msix_sent, ims_sent, ims_latched, bad_handle, desc_done;

    QEMUBH *work_bh;
    QEMUBH *cmd_bh;
    uint32_t rr;                /* round-robin cursor over WQs */
    uint64_t bytes_this_pass;   /* bytes moved in this bottom-half pass */
    uint8_t *scratch[2];        /* 1 << max_xfer_shift bytes each */
    Object *vtd;                /* intel-iommu for PASID DMA (pasid=on) */
};

/* intel-dsa.c: services the executor needs */
uint32_t dsa_msix_vectors(const IntelDsaState *s);
bool dsa_irq_handle_valid(IntelDsaState *s, bool ims, uint16_t handle);
void dsa_irq_fire(IntelDsaState *s, bool ims, uint16_t handle);
void dsa_report_error(IntelDsaState *s, const uint64_t swerr[4],
                      const uint8_t cr[32]);

/* intel-dsa.c: the address space a WQ's descriptor's DMA goes through */
AddressSpace *dsa_dma_as(IntelDsaState *s, unsigned int wq,
                         const uint8_t *desc);

/* intel-dsa-ops.c: run one descriptor taken from a WQ */
void dsa_execute(IntelDsaState *s, unsigned int wq, const DsaQueued *q);

static inline uint32_t dsa_wq_size(const DsaWq *wq)
{
    return wq->cfg[0] & 0xffff;
}

static inline uint32_t dsa_wq_max_xfer_shift(const DsaWq *wq)
{
    return wq->cfg[3] & 0x1f;
}

static inline uint32_t dsa_wq_max_batch_shift(const DsaWq *wq)
{
    return (wq->cfg[3] >> 5) & 0xf;
}

#endif
