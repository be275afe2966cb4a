/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qtest for the emulated Intel DSA 1.0 of idxd-ims (QOM type "intel-dsa",
 * hw/misc/intel-dsa.c): capability registers and the properties that
 * change them, property checks at realize, device and WQ commands,
 * descriptors through the portals, and completion interrupts through
 * MSI-X and IMS.
 *
 * No guest code runs: the test drives config space, BAR0, BAR2 and guest
 * RAM directly.  Without an IOMMU an interrupt message is a plain memory
 * write, so MSI-X and IMS entries point at RAM and the test watches the
 * data arrive there.  Commands and descriptors complete in bottom halves
 * of the QEMU main loop; every qtest round trip lets that loop run, so
 * the test polls with reads and a wall-clock timeout.
 *
 * The definitions below are written from the DSA architecture
 * specification, not taken from the model's header, so that the test
 * checks the model against the specification.  The emulation-only page
 * (BAR0 + 0x1000) has no silicon counterpart; its layout is the model's.
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "libqos/malloc-pc.h"
#include "hw/pci/pci_regs.h"

#define DSA_ADDR                "04.0"
#define DSA_ARGS                "-machine q35 -nodefaults " \
                                "-device intel-dsa,addr=" DSA_ADDR
#define DSA_DEVFN               QPCI_DEVFN(4, 0)
#define DSA_VENDOR_ID           0x8086
#define DSA_DEVICE_ID           0x0b25

#define DSA_TIMEOUT_US          (10 * G_USEC_PER_SEC)

/* BAR0 registers */
#define REG_VERSION             0x00
#define REG_GENCAP              0x10
#define REG_WQCAP               0x20
#define REG_GRPCAP              0x30
#define REG_ENGCAP              0x38
#define REG_OPCAP               0x40
#define REG_TABLE_OFFSET        0x60
#define REG_GENCFG              0x80
#define GENCFG_USER_INT_EN      (1u << 12)
#define REG_GENCTRL             0x88
#define REG_GENSTS              0x90
#define REG_INTCAUSE            0x98
#define REG_CMD                 0xa0
#define REG_CMDSTS              0xa8
#define REG_CMDCAP              0xb0
#define REG_SWERR               0xc0
#define REG_EVLCFG              0xe0
#define REG_EVLSTATUS           0xf0
#define GENCAP_EVL              (1ull << 13)
#define GENCFG_EVL_EN           (1u << 13)
#define GENCTRL_EVL_INT_EN      (1u << 2)
#define INTC_EVL                0x20
#define EVLSTS_INT_PENDING      (1ull << 62)

#define GENCAP_BOF              (1ull << 0)
#define GENCAP_OVERLAP_COPY     (1ull << 1)
#define GENCAP_CACHE_MEM        (1ull << 2)
#define GENCAP_CACHE_CACHE      (1ull << 3)
#define GENCAP_CMD_CAP          (1ull << 4)
#define GENCAP_CONFIG_EN        (1ull << 31)
#define GENCAP_XFER_SHIFT(v)    (((v) >> 16) & 0x1f)
#define GENCAP_BATCH_SHIFT(v)   (((v) >> 21) & 0xf)
#define GENCAP_IMS_MULT(v)      (((v) >> 25) & 0x3f)

#define WQCAP_TOTAL(v)          ((v) & 0xffff)
#define WQCAP_NUM_WQS(v)        (((v) >> 16) & 0xff)
#define WQCAP_CFG_SIZE(v)       (((v) >> 24) & 0xf)
#define WQCAP_SHARED            (1ull << 48)
#define WQCAP_DEDICATED         (1ull << 49)
#define WQCAP_PRIORITY          (1ull << 51)
#define WQCAP_OCCUPANCY         (1ull << 52)

#define GENSTS_STATE(v)         ((v) & 3)
#define STATE_DISABLED          0
#define STATE_ENABLED           1

#define INTC_CMD                0x2

/* CMD: operand[19:0], cmd[24:20], b31 int_req; CMDSTS: err, result */
#define CMD_ENABLE_DEVICE       1
#define CMD_DISABLE_DEVICE      2
#define CMD_DRAIN_ALL           3
#define CMD_RESET_DEVICE        5
#define CMD_ENABLE_WQ           6
#define CMD_DISABLE_WQ          7
#define CMD_RESET_WQ            10
#define CMD_REQUEST_INT_HANDLE  13
#define CMD_RELEASE_INT_HANDLE  14
#define CMD_INT_REQ             (1u << 31)
#define CMD_HANDLE_IMS          (1u << 16)
#define CMDSTS_ACTIVE           (1u << 31)
#define CMDSTS_ERR(v)           ((v) & 0xff)
#define CMDSTS_RESULT(v)        (((v) >> 8) & 0xffff)

#define ERR_OK                  0x00
#define ERR_INVAL_CMD           0x01
#define ERR_INVAL_WQIDX         0x02
#define ERR_DEV_ENABLED         0x10
#define ERR_CONFIG              0x11
#define ERR_BUSMASTER           0x12
#define ERR_WQ_SIZE_ERANGE      0x14
#define ERR_GRP_CONFIG          0x15
#define ERR_GRP_CONFIG2         0x16
#define ERR_GRP_CONFIG3         0x17
#define ERR_GRP_CONFIG4         0x18
#define ERR_WQ_DEV_NOTEN        0x20
#define ERR_WQ_ENABLED          0x21
#define ERR_WQ_SIZE             0x22
#define ERR_WQ_PRIOR            0x23
#define ERR_WQ_MODE             0x24
#define ERR_WQ_BOF              0x25
#define ERR_WQ_PASID            0x26
#define ERR_WQ_BATCH            0x27
#define ERR_WQ_XFER             0x28
#define ERR_DIS_DEV             0x31
#define ERR_DEV_NOT_EN          0x32
#define ERR_INT_IDX             0x41

/* GRPCFG entry (64 B) and WQCFG entry (32 B, wqcfg_size 0) */
#define GRPCFG_ENTRY            64
#define GRPCFG_WQS              0
#define GRPCFG_ENGINES          32
#define GRPCFG_FLAGS            40
#define WQCFG_ENTRY             32
#define WQCFG_DEDICATED         (1u << 0)
#define WQCFG_BOF               (1u << 1)
#define WQCFG_PRIO(p)           ((p) << 4)
#define WQCFG_PASID_EN          (1u << 28)
#define WQCFG_STATE(v)          ((v) >> 30)
#define WQCFG_OCCUPANCY(v)      ((v) & 0xffff)

/* Emulation-only page of the model (BAR0 + 0x1000) */
#define EMU_ID                  0x1000
#define EMU_ID_VALUE            0x45415344      /* "DSAE" */
#define EMU_CTRL                0x1004
#define EMU_CTRL_PAUSE          0x1
#define EMU_CTRL_HOLD_CMD       0x20
#define EMU_CTRL_STAMP          0x40
#define EMU_MSIX_SENT           0x1010
#define EMU_IMS_SENT            0x1018
#define EMU_IMS_LATCHED         0x1020
#define EMU_BAD_HANDLE          0x1028
#define EMU_DESC_DONE           0x1030
#define EMU_WQ_SUBMITTED(wq)    (0x1100 + 0x20 * (wq))
#define EMU_WQ_COMPLETED(wq)    (0x1108 + 0x20 * (wq))
#define EMU_WQ_DROPPED(wq)      (0x1110 + 0x20 * (wq))
#define EMU_WQ_TORN(wq)         (0x1118 + 0x20 * (wq))
#define EMU_IMS_PENDING         0x1800

/* Portals: four 4 KiB pages per WQ */
#define PORTAL_PAGE             0x1000
#define PORTALS_PER_WQ          4
#define PORTAL_MSIX             0
#define PORTAL_IMS              2

/* Descriptors and completion records */
#define OP_NOOP                 0x00
#define OP_MEMMOVE              0x03
#define OP_MEMFILL              0x04
#define OP_CR_DELTA             0x07
#define OP_CRCGEN               0x10
#define OP_DIF_CHECK            0x12
#define F_CRAV                  0x0004
#define F_RCR                   0x0008
#define F_RCI                   0x0010
#define CR_SIZE                 32
#define ST_SUCCESS              0x01
#define ST_INVALID_FLAGS        0x11
#define ST_BAD_OPCODE           0x10
#define ST_INT_HANDLE_INVAL     0x19

typedef struct Dsa {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *dev;
    QPCIBar bar0;
    QPCIBar bar2;
    uint64_t bar0_size;
    uint64_t bar2_size;
    QGuestAllocator alloc;
    /* from TABLE_OFFSET and GENCAP, as a driver would find them */
    uint64_t grpcfg;
    uint64_t wqcfg;
    uint64_t ims;
    uint32_t xfer_shift;
    uint32_t batch_shift;
} Dsa;

/* ---- harness ------------------------------------------------------------- */

static uint32_t rd32(Dsa *d, uint64_t off)
{
    return qpci_io_readl(d->dev, d->bar0, off);
}

static uint64_t rd64(Dsa *d, uint64_t off)
{
    return qpci_io_readq(d->dev, d->bar0, off);
}

static void wr32(Dsa *d, uint64_t off, uint32_t val)
{
    qpci_io_writel(d->dev, d->bar0, off, val);
}

static void wr64(Dsa *d, uint64_t off, uint64_t val)
{
    qpci_io_writeq(d->dev, d->bar0, off, val);
}

static void dsa_start(Dsa *d, const char *props)
{
    uint64_t t, gencap;

    memset(d, 0, sizeof(*d));
    d->qts = qtest_initf(DSA_ARGS "%s%s", props ? "," : "",
                         props ? props : "");
    d->bus = qpci_new_pc(d->qts, NULL);
    d->dev = qpci_device_find(d->bus, DSA_DEVFN);
    g_assert(d->dev);
    g_assert_cmphex(qpci_config_readw(d->dev, PCI_VENDOR_ID), ==,
                    DSA_VENDOR_ID);
    g_assert_cmphex(qpci_config_readw(d->dev, PCI_DEVICE_ID), ==,
                    DSA_DEVICE_ID);
    qpci_device_enable(d->dev);
    d->bar0 = qpci_iomap(d->dev, 0, &d->bar0_size);
    d->bar2 = qpci_iomap(d->dev, 2, &d->bar2_size);
    pc_alloc_init(&d->alloc, d->qts, ALLOC_NO_FLAGS);

    t = rd64(d, REG_TABLE_OFFSET);
    d->grpcfg = (t & 0xffff) * 0x100;
    d->wqcfg = ((t >> 16) & 0xffff) * 0x100;
    d->ims = ((t >> 48) & 0xffff) * 0x100;
    gencap = rd64(d, REG_GENCAP);
    d->xfer_shift = GENCAP_XFER_SHIFT(gencap);
    d->batch_shift = GENCAP_BATCH_SHIFT(gencap);
}

static void dsa_stop(Dsa *d)
{
    alloc_destroy(&d->alloc);
    g_free(d->dev);
    qpci_free_pc(d->bus);
    qtest_quit(d->qts);
}

/* Write CMD, wait for CMDSTS.active to clear, return CMDSTS. */
static uint32_t dsa_cmd_raw(Dsa *d, uint32_t val)
{
    gint64 end = g_get_monotonic_time() + DSA_TIMEOUT_US;
    uint32_t sts;

    wr32(d, REG_CMD, val);
    for (;;) {
        sts = rd32(d, REG_CMDSTS);
        if (!(sts & CMDSTS_ACTIVE)) {
            return sts;
        }
        if (g_get_monotonic_time() > end) {
            g_test_message("command 0x%08x still active after %d s",
                           val, (int)(DSA_TIMEOUT_US / G_USEC_PER_SEC));
            g_assert_not_reached();
        }
    }
}

static uint32_t dsa_cmd(Dsa *d, uint32_t cmd, uint32_t operand)
{
    return dsa_cmd_raw(d, (cmd << 20) | operand);
}

static uint32_t dsa_state(Dsa *d)
{
    return GENSTS_STATE(rd32(d, REG_GENSTS));
}

static uint64_t wqcfg_off(Dsa *d, unsigned int wq, unsigned int dw)
{
    return d->wqcfg + wq * WQCFG_ENTRY + dw * 4;
}

static uint32_t dsa_wq_state(Dsa *d, unsigned int wq)
{
    return WQCFG_STATE(rd32(d, wqcfg_off(d, wq, 6)));
}

/* A dedicated WQ of @size entries at priority 1 with the device limits. */
static void dsa_wq_config(Dsa *d, unsigned int wq, uint32_t size)
{
    wr32(d, wqcfg_off(d, wq, 0), size);
    wr32(d, wqcfg_off(d, wq, 1), 0);
    wr32(d, wqcfg_off(d, wq, 2), WQCFG_DEDICATED | WQCFG_PRIO(1));
    wr32(d, wqcfg_off(d, wq, 3), d->xfer_shift | (d->batch_shift << 5));
}

static void dsa_group(Dsa *d, unsigned int g, uint64_t wqs, uint64_t engines,
                      uint64_t flags)
{
    uint64_t base = d->grpcfg + g * GRPCFG_ENTRY;

    wr64(d, base + GRPCFG_WQS, wqs);
    wr64(d, base + GRPCFG_ENGINES, engines);
    wr64(d, base + GRPCFG_FLAGS, flags);
}

/* WQ 0 (16 entries) with engine 0 in group 0; device and WQ enabled. */
static void dsa_ready(Dsa *d)
{
    wr32(d, REG_GENCFG, GENCFG_USER_INT_EN);            /* RCI from user WQs */
    dsa_wq_config(d, 0, 16);
    dsa_group(d, 0, 1, 1, 0);
    g_assert_cmphex(dsa_cmd(d, CMD_ENABLE_DEVICE, 0), ==, ERR_OK);
    g_assert_cmphex(dsa_cmd(d, CMD_ENABLE_WQ, 0), ==, ERR_OK);
    g_assert_cmpuint(dsa_state(d), ==, STATE_ENABLED);
    g_assert_cmpuint(dsa_wq_state(d, 0), ==, 1);
}

/* REQUEST_INT_HANDLE: the handle the descriptor must carry. */
static uint16_t dsa_request_handle(Dsa *d, bool ims, uint16_t index)
{
    uint32_t sts = dsa_cmd(d, CMD_REQUEST_INT_HANDLE,
                           index | (ims ? CMD_HANDLE_IMS : 0));

    g_assert_cmphex(CMDSTS_ERR(sts), ==, ERR_OK);
    return CMDSTS_RESULT(sts);
}

static void desc_fill(uint8_t *desc, uint8_t opcode, uint32_t flags,
                      uint64_t cr, uint64_t src, uint64_t dst, uint32_t size,
                      uint16_t handle)
{
    memset(desc, 0, 64);
    stl_le_p(desc + 4, flags | ((uint32_t)opcode << 24));
    stq_le_p(desc + 8, cr);
    stq_le_p(desc + 16, src);
    stq_le_p(desc + 24, dst);
    stl_le_p(desc + 32, size);
    stw_le_p(desc + 36, handle);
}

/* A descriptor as eight 8-byte stores to one portal page of @wq. */
static void dsa_submit(Dsa *d, unsigned int wq, unsigned int page,
                       const uint8_t *desc)
{
    uint64_t base = (wq * PORTALS_PER_WQ + page) * PORTAL_PAGE;
    int i;

    for (i = 0; i < 8; i++) {
        qpci_io_writeq(d->dev, d->bar2, base + i * 8, ldq_le_p(desc + i * 8));
    }
}

/* Poll a completion record's status byte; 0 on timeout. */
static uint8_t dsa_wait_cr(Dsa *d, uint64_t cr)
{
    gint64 end = g_get_monotonic_time() + DSA_TIMEOUT_US;
    uint8_t st;

    do {
        st = qtest_readb(d->qts, cr);
    } while (!st && g_get_monotonic_time() < end);
    return st;
}

/* Poll a 32-bit RAM location until it is non-zero; 0 on timeout. */
static uint32_t dsa_wait_l(Dsa *d, uint64_t addr)
{
    gint64 end = g_get_monotonic_time() + DSA_TIMEOUT_US;
    uint32_t v;

    do {
        v = qtest_readl(d->qts, addr);
    } while (!v && g_get_monotonic_time() < end);
    return v;
}

/* Submit a descriptor and return its completion status. */
static uint8_t dsa_run(Dsa *d, unsigned int page, uint8_t opcode,
                       uint32_t flags, uint64_t cr, uint64_t src, uint64_t dst,
                       uint32_t size, uint16_t handle)
{
    uint8_t desc[64];

    qtest_memset(d->qts, cr, 0, CR_SIZE);
    desc_fill(desc, opcode, flags | F_CRAV | F_RCR, cr, src, dst, size,
              handle);
    dsa_submit(d, 0, page, desc);
    return dsa_wait_cr(d, cr);
}

static uint64_t dsa_alloc(Dsa *d, size_t size)
{
    uint64_t addr = guest_alloc(&d->alloc, size);

    g_assert(addr);
    qtest_memset(d->qts, addr, 0, size);
    return addr;
}

static void dsa_ims_set(Dsa *d, unsigned int i, uint64_t addr, uint32_t data,
                        uint32_t ctrl)
{
    uint64_t e = d->ims + i * 16;

    wr32(d, e + 0, addr);
    wr32(d, e + 4, addr >> 32);
    wr32(d, e + 8, data);
    wr32(d, e + 12, ctrl);
}

static bool dsa_ims_pending(Dsa *d, unsigned int i)
{
    return rd32(d, EMU_IMS_PENDING + i / 32 * 4) & (1u << (i % 32));
}

/* MSI-X on, function unmasked; return the table's BAR0 offset. */
static uint64_t dsa_msix_enable(Dsa *d)
{
    uint8_t cap = qpci_find_capability(d->dev, PCI_CAP_ID_MSIX, 0);
    uint16_t flags;
    uint32_t table;

    g_assert(cap);
    table = qpci_config_readl(d->dev, cap + PCI_MSIX_TABLE);
    g_assert_cmpuint(table & PCI_MSIX_TABLE_BIR, ==, 0);
    flags = qpci_config_readw(d->dev, cap + PCI_MSIX_FLAGS);
    flags = (flags | PCI_MSIX_FLAGS_ENABLE) & ~PCI_MSIX_FLAGS_MASKALL;
    qpci_config_writew(d->dev, cap + PCI_MSIX_FLAGS, flags);
    return table & PCI_MSIX_TABLE_OFFSET;
}

static void dsa_msix_set(Dsa *d, uint64_t table, unsigned int vec,
                         uint64_t addr, uint32_t data)
{
    uint64_t e = table + vec * PCI_MSIX_ENTRY_SIZE;

    wr32(d, e + PCI_MSIX_ENTRY_LOWER_ADDR, addr);
    wr32(d, e + PCI_MSIX_ENTRY_UPPER_ADDR, addr >> 32);
    wr32(d, e + PCI_MSIX_ENTRY_DATA, data);
    wr32(d, e + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
}

/* ---- PCI function and capability registers ------------------------------- */

static void test_pci_identity(void)
{
    Dsa d;
    uint8_t cap;
    uint32_t v;

    dsa_start(&d, NULL);
    g_assert_cmphex(qpci_config_readw(d.dev, PCI_SUBSYSTEM_VENDOR_ID), ==,
                    0x1af4);
    g_assert_cmphex(qpci_config_readw(d.dev, PCI_SUBSYSTEM_ID), ==, 0x1100);
    g_assert_cmphex(qpci_config_readw(d.dev, PCI_CLASS_DEVICE), ==, 0x0880);
    g_assert_cmphex(qpci_config_readb(d.dev, PCI_REVISION_ID), ==, 0x01);
    v = qpci_config_readl(d.dev, PCI_BASE_ADDRESS_0);
    g_assert_cmphex(v & PCI_BASE_ADDRESS_MEM_TYPE_MASK, ==,
                    PCI_BASE_ADDRESS_MEM_TYPE_64);
    g_assert_cmphex(d.bar0_size, ==, 0x10000);
    /* 8 WQs x 4 portal pages */
    g_assert_cmphex(d.bar2_size, ==, 8 * PORTALS_PER_WQ * PORTAL_PAGE);
    g_assert(qpci_find_capability(d.dev, PCI_CAP_ID_EXP, 0));

    cap = qpci_find_capability(d.dev, PCI_CAP_ID_MSIX, 0);
    g_assert(cap);
    /* vector 0 (misc) + one per WQ */
    g_assert_cmpuint(qpci_msix_table_size(d.dev), ==, 9);
    g_assert_cmphex(qpci_config_readl(d.dev, cap + PCI_MSIX_TABLE), ==,
                    0x2000);
    g_assert_cmphex(qpci_config_readl(d.dev, cap + PCI_MSIX_PBA), ==,
                    0x3000);

    g_assert_cmphex(rd32(&d, EMU_ID), ==, EMU_ID_VALUE);
    dsa_stop(&d);
}

/*
 * emulation-id=off: the model passes for silicon.  Intel's subsystem
 * pair, no marker, and the test page is reserved space (reads 0, writes
 * do nothing: no pause, no halt).
 */
static void test_pci_silicon_identity(void)
{
    Dsa d;

    dsa_start(&d, "emulation-id=off");
    g_assert_cmphex(qpci_config_readw(d.dev, PCI_SUBSYSTEM_VENDOR_ID), ==,
                    0x8086);
    g_assert_cmphex(qpci_config_readw(d.dev, PCI_SUBSYSTEM_ID), ==, 0);
    g_assert_cmphex(rd32(&d, EMU_ID), ==, 0);
    wr32(&d, EMU_CTRL, 2);                              /* halt: ignored */
    g_assert_cmphex(rd32(&d, REG_GENSTS), ==, STATE_DISABLED);
    dsa_ready(&d);
    g_assert_cmpuint(rd64(&d, EMU_DESC_DONE), ==, 0);
    dsa_stop(&d);
}

static void test_caps_defaults(void)
{
    Dsa d;
    uint64_t gencap, wqcap, grpcap, t;

    dsa_start(&d, NULL);
    g_assert_cmphex(rd32(&d, REG_VERSION), ==, 0x100);

    gencap = rd64(&d, REG_GENCAP);
    g_assert_cmphex(gencap & GENCAP_BOF, ==, 0);
    g_assert_cmphex(gencap & GENCAP_OVERLAP_COPY, ==, GENCAP_OVERLAP_COPY);
    g_assert_cmphex(gencap & GENCAP_CACHE_MEM, ==, GENCAP_CACHE_MEM);
    g_assert_cmphex(gencap & GENCAP_CACHE_CACHE, ==, GENCAP_CACHE_CACHE);
    /* bare-metal SPR: no command capability, the handle is the index */
    g_assert_cmphex(gencap & GENCAP_CMD_CAP, ==, 0);
    g_assert_cmpuint(GENCAP_XFER_SHIFT(gencap), ==, 21);
    g_assert_cmpuint(GENCAP_BATCH_SHIFT(gencap), ==, 10);
    g_assert_cmpuint(GENCAP_IMS_MULT(gencap), ==, 2048 / 256);
    g_assert_cmphex(gencap & GENCAP_CONFIG_EN, ==, GENCAP_CONFIG_EN);
    g_assert_cmphex(gencap, ==, 0x9155000eull);

    wqcap = rd64(&d, REG_WQCAP);
    g_assert_cmpuint(WQCAP_TOTAL(wqcap), ==, 128);
    g_assert_cmpuint(WQCAP_NUM_WQS(wqcap), ==, 8);
    g_assert_cmpuint(WQCAP_CFG_SIZE(wqcap), ==, 0);
    g_assert_cmphex(wqcap & WQCAP_SHARED, ==, 0);
    g_assert_cmphex(wqcap & WQCAP_DEDICATED, ==, WQCAP_DEDICATED);
    g_assert_cmphex(wqcap & WQCAP_PRIORITY, ==, WQCAP_PRIORITY);
    g_assert_cmphex(wqcap & WQCAP_OCCUPANCY, ==, WQCAP_OCCUPANCY);
    g_assert_cmphex(wqcap, ==, 0x001a000000080080ull);

    grpcap = rd64(&d, REG_GRPCAP);
    g_assert_cmpuint(grpcap & 0xff, ==, 4);             /* groups */
    g_assert_cmpuint((grpcap >> 8) & 0xff, ==, 96);     /* read buffers */
    g_assert_cmphex(grpcap, ==, 0x36004);
    g_assert_cmphex(rd64(&d, REG_ENGCAP), ==, 4);

    /*
     * NOOP BATCH DRAIN MEMMOVE MEMFILL COMPARE COMPVAL DUALCAST CRCGEN
     * COPY_CRC CFLUSH; no CR/AP delta, no DIF
     */
    g_assert_cmphex(rd64(&d, REG_OPCAP), ==, 0x10003027full);
    g_assert_cmphex(rd64(&d, REG_OPCAP + 8), ==, 0);
    g_assert_cmphex(rd64(&d, REG_OPCAP + 16), ==, 0);
    g_assert_cmphex(rd64(&d, REG_OPCAP + 24), ==, 0);

    t = rd64(&d, REG_TABLE_OFFSET);
    g_assert_cmphex(t & 0xffff, ==, 0x4);               /* GRPCFG 0x400 */
    g_assert_cmphex((t >> 16) & 0xffff, ==, 0x6);       /* WQCFG 0x600 */
    g_assert_cmphex((t >> 32) & 0xffff, ==, 0x3);       /* MSIX_PERM 0x300 */
    g_assert_cmphex((t >> 48) & 0xffff, ==, 0x80);      /* IMS 0x8000 */
    /* perfmon at 0x4000, with no counters: PERFCAP reads 0 */
    g_assert_cmphex(rd64(&d, REG_TABLE_OFFSET + 8), ==, 0x40);
    g_assert_cmphex(rd64(&d, 0x4000), ==, 0);
    wr64(&d, 0x4000 + 0x10, ~0ull);                     /* PERFRST: ignored */
    g_assert_cmphex(rd64(&d, 0x4000 + 0x10), ==, 0);

    g_assert_cmphex(rd32(&d, REG_CMDCAP), ==, 0);

    g_assert_cmphex(rd32(&d, REG_GENSTS), ==, 0);
    g_assert_cmphex(rd32(&d, REG_CMDSTS), ==, 0);
    g_assert_cmphex(rd32(&d, REG_INTCAUSE), ==, 0);
    g_assert_cmphex(rd64(&d, REG_SWERR), ==, 0);
    /* IMS entries come out of reset masked */
    g_assert_cmphex(rd32(&d, d.ims + 12), ==, 1);
    g_assert_cmphex(rd32(&d, d.ims + 2047 * 16 + 12), ==, 1);
    /* Without command capability there is no interrupt handle command. */
    g_assert_cmphex(dsa_cmd(&d, CMD_REQUEST_INT_HANDLE, CMD_HANDLE_IMS), ==,
                    ERR_INVAL_CMD);
    g_assert_cmphex(dsa_cmd(&d, CMD_RELEASE_INT_HANDLE, CMD_HANDLE_IMS), ==,
                    ERR_INVAL_CMD);
    dsa_stop(&d);
}

static void test_caps_wqs4_handles(void)
{
    Dsa d;
    uint64_t gencap;

    dsa_start(&d, "wqs=4,int-handles=on");
    g_assert_cmpuint(WQCAP_NUM_WQS(rd64(&d, REG_WQCAP)), ==, 4);
    g_assert_cmpuint(WQCAP_TOTAL(rd64(&d, REG_WQCAP)), ==, 128);
    g_assert_cmpuint(qpci_msix_table_size(d.dev), ==, 5);
    g_assert_cmphex(d.bar2_size, ==, 4 * PORTALS_PER_WQ * PORTAL_PAGE);
    /* a virtualized DSA: CMDCAP valid, ENABLE_DEVICE .. RELEASE_INT_HANDLE */
    gencap = rd64(&d, REG_GENCAP);
    g_assert_cmphex(gencap & GENCAP_CMD_CAP, ==, GENCAP_CMD_CAP);
    g_assert_cmphex(gencap, ==, 0x9155001eull);
    g_assert_cmphex(rd32(&d, REG_CMDCAP), ==, 0x7ffe);
    /* WQCFG of a WQ beyond num_wqs reads as zero and ignores writes */
    wr32(&d, wqcfg_off(&d, 4, 0), 8);
    g_assert_cmphex(rd32(&d, wqcfg_off(&d, 4, 0)), ==, 0);
    dsa_stop(&d);
}

static void test_caps_props(void)
{
    Dsa d;
    uint64_t gencap, wqcap;

    dsa_start(&d, "wqs=3,groups=2,engines=8,wq-size=256,ims-entries=512,"
              "max-xfer-shift=16,max-batch-shift=5,shared-mode=on,"
              "version=0x200,int-handles=on");
    g_assert_cmphex(rd32(&d, REG_VERSION), ==, 0x200);
    gencap = rd64(&d, REG_GENCAP);
    g_assert_cmpuint(GENCAP_XFER_SHIFT(gencap), ==, 16);
    g_assert_cmpuint(GENCAP_BATCH_SHIFT(gencap), ==, 5);
    g_assert_cmpuint(GENCAP_IMS_MULT(gencap), ==, 2);
    wqcap = rd64(&d, REG_WQCAP);
    g_assert_cmpuint(WQCAP_TOTAL(wqcap), ==, 256);
    g_assert_cmpuint(WQCAP_NUM_WQS(wqcap), ==, 3);
    g_assert_cmphex(wqcap & WQCAP_SHARED, ==, WQCAP_SHARED);
    g_assert_cmpuint(rd64(&d, REG_GRPCAP) & 0xff, ==, 2);
    g_assert_cmphex(rd64(&d, REG_ENGCAP), ==, 8);
    g_assert_cmpuint(qpci_msix_table_size(d.dev), ==, 4);
    /* 3 x 16 KiB of portals, rounded up to a power of two */
    g_assert_cmphex(d.bar2_size, ==, 0x10000);
    /* IMS entries beyond ims-entries do not exist */
    dsa_ims_set(&d, 511, 0x1000, 0x5, 0);
    g_assert_cmphex(rd32(&d, d.ims + 511 * 16 + 8), ==, 0x5);
    dsa_ims_set(&d, 512, 0x1000, 0x5, 0);
    g_assert_cmphex(rd32(&d, d.ims + 512 * 16 + 8), ==, 0);
    g_assert_cmphex(CMDSTS_ERR(dsa_cmd(&d, CMD_REQUEST_INT_HANDLE,
                                       512 | CMD_HANDLE_IMS)), ==,
                    ERR_INT_IDX);
    dsa_stop(&d);
}

/* ---- properties QEMU must refuse ----------------------------------------- */

typedef struct BadProp {
    const char *name;
    const char *props;
    const char *error;
} BadProp;

static const BadProp bad_props[] = {
    { "wqs-0", "wqs=0", "*wqs must be 1..16*" },
    { "wqs-17", "wqs=17", "*wqs must be 1..16*" },
    { "ims-entries-100", "ims-entries=100",
      "*ims-entries must be a multiple of 256*" },
    { "ims-entries-2304", "ims-entries=2304",
      "*ims-entries must be a multiple of 256*" },
    { "groups-9", "groups=9", "*groups must be 1..8*" },
    { "engines-0", "engines=0", "*engines must be 1..16*" },
    { "wq-size-0", "wq-size=0", "*wq-size must be 1..1024*" },
    { "max-xfer-shift-11", "max-xfer-shift=11",
      "*max-xfer-shift must be 12..24*" },
    { "max-batch-shift-11", "max-batch-shift=11",
      "*max-batch-shift must be 1..10*" },
    /* the qtest machine has no intel-iommu: PASID DMA has nowhere to go */
    { "pasid-without-iommu", "pasid=on",
      "*pasid=on needs -device intel-iommu*" },
};

/*
 * QEMU must exit with status 1 and say why.  The child process starts
 * QEMU without connecting to it and waits for the exit; the parent checks
 * the child passed and that QEMU's stderr (inherited by the child) names
 * the property.
 */
static void test_bad_prop(const void *data)
{
    const BadProp *p = data;

    if (g_test_subprocess()) {
        g_autofree char *args = g_strdup_printf(DSA_ARGS ",%s", p->props);
        g_autofree char *sock = g_strdup_printf("%s/qtest-%d.sock",
                                                g_get_tmp_dir(), getpid());
        g_autofree char *qmp = g_strdup_printf("%s/qtest-%d.qmp",
                                               g_get_tmp_dir(), getpid());
        QTestState *qts = qtest_init_with_env_and_capabilities(NULL, args,
                                                               NULL, false);

        qtest_set_expected_status(qts, 1);
        qtest_wait_qemu(qts);
        qtest_quit(qts);
        unlink(sock);
        unlink(qmp);
        return;
    }
    g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr(p->error);
}

/* ---- commands ------------------------------------------------------------ */

/* Try ENABLE_DEVICE with a bad configuration: @err, and still disabled. */
static void enable_device_fails(Dsa *d, uint32_t err)
{
    g_assert_cmphex(dsa_cmd(d, CMD_ENABLE_DEVICE, 0), ==, err);
    g_assert_cmpuint(rd32(d, REG_GENSTS), ==, STATE_DISABLED);
}

static void test_cmd_enable_device(void)
{
    Dsa d;
    uint16_t pcicmd;

    dsa_start(&d, NULL);

    /* unknown commands */
    g_assert_cmphex(dsa_cmd(&d, 0, 0), ==, ERR_INVAL_CMD);
    g_assert_cmphex(dsa_cmd(&d, 15, 0), ==, ERR_INVAL_CMD);
    g_assert_cmphex(dsa_cmd(&d, 31, 0), ==, ERR_INVAL_CMD);
    g_assert_cmpuint(rd32(&d, REG_GENSTS), ==, STATE_DISABLED);

    /* bus mastering off */
    pcicmd = qpci_config_readw(d.dev, PCI_COMMAND);
    qpci_config_writew(d.dev, PCI_COMMAND, pcicmd & ~PCI_COMMAND_MASTER);
    enable_device_fails(&d, ERR_BUSMASTER);
    qpci_config_writew(d.dev, PCI_COMMAND, pcicmd);

    /* GENCFG read-buffer limit above GRPCAP.total_rdbufs (96) */
    wr32(&d, REG_GENCFG, 97);
    enable_device_fails(&d, ERR_CONFIG);
    wr32(&d, REG_GENCFG, 0);

    /* WQ sizes adding up beyond WQCAP.total_wq_size (128) */
    dsa_wq_config(&d, 0, 100);
    dsa_wq_config(&d, 1, 29);
    dsa_group(&d, 0, 0x3, 0x1, 0);
    enable_device_fails(&d, ERR_WQ_SIZE_ERANGE);
    dsa_wq_config(&d, 1, 0);
    dsa_wq_config(&d, 0, 16);

    /* a WQ with entries in no group */
    dsa_group(&d, 0, 0, 0, 0);
    enable_device_fails(&d, ERR_GRP_CONFIG);
    /* a WQ in two groups */
    dsa_group(&d, 0, 0x1, 0x1, 0);
    dsa_group(&d, 1, 0x1, 0x2, 0);
    enable_device_fails(&d, ERR_GRP_CONFIG);
    dsa_group(&d, 1, 0, 0, 0);
    /* a WQ beyond WQCAP.num_wqs */
    dsa_group(&d, 0, 0x101, 0x1, 0);
    enable_device_fails(&d, ERR_GRP_CONFIG);
    /* an engine in two groups */
    dsa_group(&d, 0, 0x1, 0x1, 0);
    dsa_group(&d, 1, 0, 0x1, 0);
    enable_device_fails(&d, ERR_GRP_CONFIG2);
    /* an engine beyond ENGCAP (4) */
    dsa_group(&d, 1, 0, 0x10, 0);
    enable_device_fails(&d, ERR_GRP_CONFIG2);
    dsa_group(&d, 1, 0, 0, 0);
    /* a group with WQs but no engine */
    dsa_group(&d, 0, 0x1, 0, 0);
    enable_device_fails(&d, ERR_GRP_CONFIG3);
    /* read buffers reserved (10) above those allowed (5) */
    dsa_group(&d, 0, 0x1, 0x1, (10ull << 8) | (5ull << 20));
    enable_device_fails(&d, ERR_GRP_CONFIG4);

    /* a good configuration, then enabling twice */
    dsa_group(&d, 0, 0x1, 0x1, 0);
    g_assert_cmphex(dsa_cmd(&d, CMD_ENABLE_DEVICE, 0), ==, ERR_OK);
    g_assert_cmpuint(rd32(&d, REG_GENSTS), ==, STATE_ENABLED);
    g_assert_cmphex(dsa_cmd(&d, CMD_ENABLE_DEVICE, 0), ==, ERR_DEV_ENABLED);
    g_assert_cmpuint(rd32(&d, REG_GENSTS), ==, STATE_ENABLED);
    g_assert_cmphex(dsa_cmd(&d, 15, 0), ==, ERR_INVAL_CMD);
    g_assert_cmpuint(rd32(&d, REG_GENSTS), ==, STATE_ENABLED);
    /* GRPCFG and GENCFG are locked while the device is enabled */
    wr64(&d, d.grpcfg + GRPCFG_ENGINES, 0x3);
    g_assert_cmphex(rd64(&d, d.grpcfg + GRPCFG_ENGINES), ==, 0x1);
    wr32(&d, REG_GENCFG, 5);
    g_assert_cmphex(rd32(&d, REG_GENCFG), ==, 0);

    g_assert_cmphex(dsa_cmd(&d, CMD_DISABLE_DEVICE, 0), ==, ERR_OK);
    g_assert_cmpuint(rd32(&d, REG_GENSTS), ==, STATE_DISABLED);
    g_assert_cmphex(dsa_cmd(&d, CMD_DISABLE_DEVICE, 0), ==, ERR_DIS_DEV);
    g_assert_cmphex(dsa_cmd(&d, CMD_DISABLE_WQ, 0x1), ==, ERR_DEV_NOT_EN);
    g_assert_cmpuint(rd32(&d, REG_GENSTS), ==, STATE_DISABLED);
    dsa_stop(&d);
}

/* Try ENABLE_WQ 0 with a bad WQCFG: @err, WQ disabled, device enabled. */
static void enable_wq_fails(Dsa *d, uint32_t err)
{
    g_assert_cmphex(dsa_cmd(d, CMD_ENABLE_WQ, 0), ==, err);
    g_assert_cmpuint(dsa_wq_state(d, 0), ==, 0);
    g_assert_cmpuint(rd32(d, REG_GENSTS), ==, STATE_ENABLED);
}

static void test_cmd_enable_wq(void)
{
    Dsa d;
    uint32_t dw2 = WQCFG_DEDICATED | WQCFG_PRIO(1);

    dsa_start(&d, NULL);
    dsa_wq_config(&d, 0, 16);
    dsa_group(&d, 0, 0x1, 0x1, 0);

    g_assert_cmphex(dsa_cmd(&d, CMD_ENABLE_WQ, 0), ==, ERR_WQ_DEV_NOTEN);
    g_assert_cmpuint(dsa_wq_state(&d, 0), ==, 0);
    g_assert_cmpuint(rd32(&d, REG_GENSTS), ==, STATE_DISABLED);

    g_assert_cmphex(dsa_cmd(&d, CMD_ENABLE_DEVICE, 0), ==, ERR_OK);
    g_assert_cmphex(dsa_cmd(&d, CMD_ENABLE_WQ, 8), ==, ERR_INVAL_WQIDX);
    g_assert_cmpuint(rd32(&d, REG_GENSTS), ==, STATE_ENABLED);

    /* sizes are fixed while the device is enabled */
    wr32(&d, wqcfg_off(&d, 0, 0), 0);
    g_assert_cmphex(rd32(&d, wqcfg_off(&d, 0, 0)), ==, 16);
    wr32(&d, wqcfg_off(&d, 1, 0), 4);                   /* WQ1: no entries */
    g_assert_cmphex(rd32(&d, wqcfg_off(&d, 1, 0)), ==, 0);
    g_assert_cmphex(dsa_cmd(&d, CMD_ENABLE_WQ, 1), ==, ERR_WQ_SIZE);
    wr32(&d, wqcfg_off(&d, 0, 1), 17);                  /* threshold > size */
    enable_wq_fails(&d, ERR_WQ_SIZE);
    wr32(&d, wqcfg_off(&d, 0, 1), 0);

    wr32(&d, wqcfg_off(&d, 0, 2), WQCFG_DEDICATED);     /* priority 0 */
    enable_wq_fails(&d, ERR_WQ_PRIOR);
    wr32(&d, wqcfg_off(&d, 0, 2), WQCFG_PRIO(1));       /* shared, no cap */
    enable_wq_fails(&d, ERR_WQ_MODE);
    wr32(&d, wqcfg_off(&d, 0, 2), dw2 | WQCFG_BOF);     /* GENCAP.bof 0 */
    enable_wq_fails(&d, ERR_WQ_BOF);
    wr32(&d, wqcfg_off(&d, 0, 2), dw2 | WQCFG_PASID_EN);
    enable_wq_fails(&d, ERR_WQ_PASID);
    wr32(&d, wqcfg_off(&d, 0, 2), dw2);

    wr32(&d, wqcfg_off(&d, 0, 3), d.xfer_shift);        /* batch shift 0 */
    enable_wq_fails(&d, ERR_WQ_BATCH);
    wr32(&d, wqcfg_off(&d, 0, 3), d.xfer_shift | ((d.batch_shift + 1) << 5));
    enable_wq_fails(&d, ERR_WQ_BATCH);
    wr32(&d, wqcfg_off(&d, 0, 3), 4 | (d.batch_shift << 5));
    enable_wq_fails(&d, ERR_WQ_XFER);
    wr32(&d, wqcfg_off(&d, 0, 3), (d.xfer_shift + 1) | (d.batch_shift << 5));
    enable_wq_fails(&d, ERR_WQ_XFER);
    wr32(&d, wqcfg_off(&d, 0, 3), d.xfer_shift | (d.batch_shift << 5));

    g_assert_cmphex(dsa_cmd(&d, CMD_ENABLE_WQ, 0), ==, ERR_OK);
    g_assert_cmpuint(dsa_wq_state(&d, 0), ==, 1);
    g_assert_cmphex(dsa_cmd(&d, CMD_ENABLE_WQ, 0), ==, ERR_WQ_ENABLED);
    g_assert_cmpuint(dsa_wq_state(&d, 0), ==, 1);
    /* WQCFG is locked while the WQ is enabled */
    wr32(&d, wqcfg_off(&d, 0, 0), 5);
    g_assert_cmphex(rd32(&d, wqcfg_off(&d, 0, 0)), ==, 16);

    /* WQ bitmap commands: empty mask, WQ beyond num_wqs */
    g_assert_cmphex(dsa_cmd(&d, CMD_DISABLE_WQ, 0), ==, ERR_INVAL_WQIDX);
    g_assert_cmphex(dsa_cmd(&d, CMD_DISABLE_WQ, 0x100), ==, ERR_INVAL_WQIDX);
    g_assert_cmpuint(dsa_wq_state(&d, 0), ==, 1);
    g_assert_cmphex(dsa_cmd(&d, CMD_DISABLE_WQ, 0x1), ==, ERR_OK);
    g_assert_cmpuint(dsa_wq_state(&d, 0), ==, 0);
    g_assert_cmpuint(rd32(&d, REG_GENSTS), ==, STATE_ENABLED);
    dsa_stop(&d);
}

/*
 * A command completes within a bounded number of CMDSTS polls even when
 * the host never gets round to the model's bottom half (HOLD_CMD stands
 * for that host): DPDK's dma_idxd gives up after 1000 polls.  Released,
 * a held command completes on its own.
 */
static void test_cmd_completes_when_polled(void)
{
    Dsa d;
    uint64_t table, msg;
    int i;

    dsa_start(&d, NULL);
    dsa_ready(&d);
    msg = dsa_alloc(&d, 4096);
    table = dsa_msix_enable(&d);
    dsa_msix_set(&d, table, 0, msg, 0xc0de0000);

    wr32(&d, EMU_CTRL, EMU_CTRL_HOLD_CMD);
    wr32(&d, REG_CMD, CMD_INT_REQ | (CMD_DRAIN_ALL << 20));
    for (i = 0; i < 3; i++) {       /* active is seen first */
        g_assert_cmphex(rd32(&d, REG_CMDSTS), ==, CMDSTS_ACTIVE);
    }
    g_assert_cmphex(rd32(&d, REG_INTCAUSE), ==, 0);
    g_assert_cmphex(rd32(&d, REG_CMDSTS), ==, ERR_OK);  /* 4th poll */
    g_assert_cmphex(rd32(&d, REG_INTCAUSE), ==, INTC_CMD);
    g_assert_cmphex(rd64(&d, EMU_MSIX_SENT), ==, 1);
    wr32(&d, REG_INTCAUSE, INTC_CMD);

    /* a refusal is polled out the same way */
    wr32(&d, REG_CMD, CMD_ENABLE_WQ << 20 | 8);
    for (i = 0; i < 3; i++) {
        g_assert_cmphex(rd32(&d, REG_CMDSTS), ==, CMDSTS_ACTIVE);
    }
    g_assert_cmphex(rd32(&d, REG_CMDSTS), ==, ERR_INVAL_WQIDX);

    /* held and not polled: the release completes it */
    wr32(&d, REG_CMD, CMD_DRAIN_ALL << 20);
    g_assert_cmphex(rd32(&d, REG_CMDSTS), ==, CMDSTS_ACTIVE);
    wr32(&d, EMU_CTRL, 0);
    for (i = 0; i < 3; i++) {       /* main-loop turns for the bottom half */
        rd32(&d, REG_GENSTS);
    }
    g_assert_cmphex(rd32(&d, REG_CMDSTS), ==, ERR_OK);  /* 2nd poll */
    g_assert_cmphex(rd64(&d, EMU_MSIX_SENT), ==, 1);
    dsa_stop(&d);
}

static void test_cmd_int_req(void)
{
    Dsa d;
    uint64_t table, msg;

    dsa_start(&d, NULL);
    dsa_ready(&d);
    msg = dsa_alloc(&d, 4096);
    table = dsa_msix_enable(&d);
    g_assert_cmphex(table, ==, 0x2000);
    dsa_msix_set(&d, table, 0, msg, 0xc0de0000);

    /* no int_req: no interrupt */
    g_assert_cmphex(dsa_cmd(&d, CMD_DRAIN_ALL, 0), ==, ERR_OK);
    g_assert_cmphex(rd32(&d, REG_INTCAUSE), ==, 0);
    g_assert_cmphex(rd64(&d, EMU_MSIX_SENT), ==, 0);

    g_assert_cmphex(dsa_cmd_raw(&d, CMD_INT_REQ | (CMD_DRAIN_ALL << 20)), ==,
                    ERR_OK);
    g_assert_cmphex(rd32(&d, REG_INTCAUSE), ==, INTC_CMD);
    g_assert_cmphex(qtest_readl(d.qts, msg), ==, 0xc0de0000);
    g_assert_cmphex(rd64(&d, EMU_MSIX_SENT), ==, 1);
    /* INTCAUSE is write-1-to-clear */
    wr32(&d, REG_INTCAUSE, 0);
    g_assert_cmphex(rd32(&d, REG_INTCAUSE), ==, INTC_CMD);
    wr32(&d, REG_INTCAUSE, INTC_CMD);
    g_assert_cmphex(rd32(&d, REG_INTCAUSE), ==, 0);
    dsa_stop(&d);
}

static void test_cmd_int_handles(void)
{
    Dsa d;
    uint16_t h;

    dsa_start(&d, "int-handles=on");
    h = dsa_request_handle(&d, true, 5);
    g_assert_cmphex(h, !=, 5);              /* a handle, not the index */
    g_assert_cmphex(dsa_request_handle(&d, false, 1), !=, h);
    g_assert_cmphex(CMDSTS_ERR(dsa_cmd(&d, CMD_REQUEST_INT_HANDLE,
                                       2048 | CMD_HANDLE_IMS)), ==,
                    ERR_INT_IDX);
    g_assert_cmphex(CMDSTS_ERR(dsa_cmd(&d, CMD_REQUEST_INT_HANDLE, 9)), ==,
                    ERR_INT_IDX);
    g_assert_cmphex(dsa_cmd(&d, CMD_RELEASE_INT_HANDLE, h | CMD_HANDLE_IMS),
                    ==, ERR_OK);
    g_assert_cmphex(dsa_cmd(&d, CMD_RELEASE_INT_HANDLE, h | CMD_HANDLE_IMS),
                    ==, ERR_INT_IDX);
    dsa_stop(&d);
}

/*
 * With handle-rotate=on a reset makes the device grant other handles:
 * the old one is no longer valid and the new one differs.  Off (the
 * default), the same index gets the same handle again.
 */
static void test_cmd_handles_after_reset(void)
{
    Dsa d;
    uint16_t h0, h1;

    dsa_start(&d, "int-handles=on,handle-rotate=on");
    h0 = dsa_request_handle(&d, true, 5);
    g_assert_cmphex(dsa_cmd(&d, CMD_RESET_DEVICE, 0), ==, ERR_OK);
    g_assert_cmphex(dsa_cmd(&d, CMD_RELEASE_INT_HANDLE, h0 | CMD_HANDLE_IMS),
                    ==, ERR_INT_IDX);
    h1 = dsa_request_handle(&d, true, 5);
    g_assert_cmphex(h1, !=, h0);
    dsa_stop(&d);

    dsa_start(&d, "int-handles=on");
    h0 = dsa_request_handle(&d, true, 5);
    g_assert_cmphex(dsa_cmd(&d, CMD_RESET_DEVICE, 0), ==, ERR_OK);
    g_assert_cmphex(dsa_request_handle(&d, true, 5), ==, h0);
    dsa_stop(&d);
}

/*
 * The test page's revocation: every handle invalid, INTCAUSE bit 31 set,
 * and a new request grants a different handle.
 */
static void test_cmd_handles_revoked(void)
{
    Dsa d;
    uint16_t h0, h1;

    dsa_start(&d, "int-handles=on");
    h0 = dsa_request_handle(&d, true, 3);
    wr32(&d, REG_INTCAUSE, rd32(&d, REG_INTCAUSE));
    wr32(&d, EMU_CTRL, 1u << 4);                       /* revoke */
    g_assert_cmphex(rd32(&d, REG_INTCAUSE) & 0x80000000u, ==, 0x80000000u);
    g_assert_cmphex(dsa_cmd(&d, CMD_RELEASE_INT_HANDLE, h0 | CMD_HANDLE_IMS),
                    ==, ERR_INT_IDX);
    h1 = dsa_request_handle(&d, true, 3);
    g_assert_cmphex(h1, !=, h0);
    dsa_stop(&d);
}

/*
 * RESET_WQ returns the WQ to its defaults but keeps its size, which is
 * fixed while the device is enabled: Linux's idxd resets a WQ on disable
 * and later enables it with the same size.  RESET_DEVICE clears it.
 */
static void test_cmd_reset_wq(void)
{
    Dsa d;

    dsa_start(&d, NULL);
    dsa_ready(&d);
    g_assert_cmphex(dsa_cmd(&d, CMD_RESET_WQ, 1), ==, ERR_OK);
    g_assert_cmpuint(dsa_wq_state(&d, 0), ==, 0);
    g_assert_cmphex(rd32(&d, wqcfg_off(&d, 0, 0)), ==, 16);
    g_assert_cmphex(rd32(&d, wqcfg_off(&d, 0, 2)), ==, 0);
    g_assert_cmphex(rd32(&d, wqcfg_off(&d, 0, 3)), ==, 0);
    /* as idxd does it: the whole WQCFG again, then ENABLE_WQ */
    dsa_wq_config(&d, 0, 16);
    g_assert_cmphex(dsa_cmd(&d, CMD_ENABLE_WQ, 0), ==, ERR_OK);
    g_assert_cmpuint(dsa_wq_state(&d, 0), ==, 1);
    g_assert_cmphex(dsa_cmd(&d, CMD_RESET_DEVICE, 0), ==, ERR_OK);
    g_assert_cmphex(rd32(&d, wqcfg_off(&d, 0, 0)), ==, 0);
    dsa_stop(&d);
}

/*
 * A user-privilege WQ (WQCFG.priv 0) may ask for a completion interrupt
 * only with GENCFG.user_int_en: without it RCI is an invalid flag (0x11,
 * named in invalid_flags) and nothing interrupts.  With it, it does.
 */
static void test_desc_rci_refused(void)
{
    Dsa d;
    uint64_t cr, msg;

    dsa_start(&d, NULL);
    dsa_ready(&d);
    g_assert_cmphex(dsa_cmd(&d, CMD_DISABLE_DEVICE, 0), ==, ERR_OK);
    wr32(&d, REG_GENCFG, 0);                    /* only while disabled */
    g_assert_cmphex(rd32(&d, REG_GENCFG), ==, 0);
    g_assert_cmphex(dsa_cmd(&d, CMD_ENABLE_DEVICE, 0), ==, ERR_OK);
    g_assert_cmphex(dsa_cmd(&d, CMD_ENABLE_WQ, 0), ==, ERR_OK);
    cr = dsa_alloc(&d, 4096);
    msg = dsa_alloc(&d, 4096);
    dsa_ims_set(&d, 7, msg, 0x7007, 0);
    g_assert_cmphex(dsa_run(&d, PORTAL_IMS, OP_NOOP, F_RCI, cr, 0, 0, 0, 7),
                    ==, ST_INVALID_FLAGS);
    g_assert_cmphex(qtest_readl(d.qts, cr + 16), ==, F_RCI);
    g_assert_cmpuint(rd64(&d, EMU_IMS_SENT), ==, 0);
    g_assert_cmphex(qtest_readl(d.qts, msg), ==, 0);

    g_assert_cmphex(dsa_cmd(&d, CMD_DISABLE_DEVICE, 0), ==, ERR_OK);
    wr32(&d, REG_GENCFG, GENCFG_USER_INT_EN);
    g_assert_cmphex(dsa_cmd(&d, CMD_ENABLE_DEVICE, 0), ==, ERR_OK);
    g_assert_cmphex(dsa_cmd(&d, CMD_ENABLE_WQ, 0), ==, ERR_OK);
    g_assert_cmphex(dsa_run(&d, PORTAL_IMS, OP_NOOP, F_RCI, cr, 0, 0, 0, 7),
                    ==, ST_SUCCESS);
    g_assert_cmphex(dsa_wait_l(&d, msg), ==, 0x7007);
    g_assert_cmpuint(rd64(&d, EMU_IMS_SENT), ==, 1);
    dsa_stop(&d);
}

static void test_cmd_reset_device(void)
{
    Dsa d;

    dsa_start(&d, NULL);
    dsa_ready(&d);
    wr32(&d, REG_GENCTRL, 0x3);
    dsa_ims_set(&d, 7, 0x1000, 0x77, 0);
    g_assert_cmphex(dsa_cmd(&d, CMD_RESET_DEVICE, 0), ==, ERR_OK);
    g_assert_cmphex(rd32(&d, REG_GENSTS), ==, 0);
    g_assert_cmphex(rd32(&d, REG_GENCTRL), ==, 0);
    g_assert_cmphex(rd32(&d, wqcfg_off(&d, 0, 0)), ==, 0);
    g_assert_cmphex(rd32(&d, wqcfg_off(&d, 0, 2)), ==, 0);
    g_assert_cmphex(rd32(&d, wqcfg_off(&d, 0, 6)), ==, 0);
    g_assert_cmphex(rd64(&d, d.grpcfg + GRPCFG_WQS), ==, 0);
    g_assert_cmphex(rd64(&d, d.grpcfg + GRPCFG_ENGINES), ==, 0);
    g_assert_cmphex(rd32(&d, d.ims + 7 * 16 + 8), ==, 0);
    g_assert_cmphex(rd32(&d, d.ims + 7 * 16 + 12), ==, 1);
    dsa_stop(&d);
}

/* ---- descriptors --------------------------------------------------------- */

/*
 * The descriptor as one 64-byte write (what MOVDIR64B issues), not eight
 * stores: the memory core hands it to the portal in pieces, which must
 * assemble into one descriptor, untorn.
 */
static void test_desc_one_write(void)
{
    Dsa d;
    uint8_t desc[64], pat[256], out[256];
    uint64_t src, dst, cr;
    int i;

    dsa_start(&d, NULL);
    dsa_ready(&d);
    src = dsa_alloc(&d, 4096);
    dst = dsa_alloc(&d, 4096);
    cr = dsa_alloc(&d, 4096);
    for (i = 0; i < 256; i++) {
        pat[i] = 255 - i;
    }
    qtest_memwrite(d.qts, src, pat, sizeof(pat));
    desc_fill(desc, OP_MEMMOVE, F_CRAV | F_RCR, cr, src, dst, sizeof(pat), 0);
    qtest_memwrite(d.qts, d.bar2.addr + PORTAL_MSIX * PORTAL_PAGE, desc, 64);
    g_assert_cmphex(dsa_wait_cr(&d, cr), ==, ST_SUCCESS);
    qtest_memread(d.qts, dst, out, sizeof(out));
    g_assert(memcmp(out, pat, sizeof(pat)) == 0);
    g_assert_cmpuint(rd64(&d, EMU_WQ_SUBMITTED(0)), ==, 1);
    g_assert_cmpuint(rd64(&d, EMU_WQ_TORN(0)), ==, 0);
    dsa_stop(&d);
}

static void test_desc_memmove(void)
{
    Dsa d;
    const uint32_t len = 5000;              /* crosses page boundaries */
    g_autofree uint8_t *pat = g_malloc(len);
    g_autofree uint8_t *out = g_malloc(len + 64);
    uint64_t src, dst, cr;
    uint8_t desc[64];
    uint32_t i;

    dsa_start(&d, NULL);
    dsa_ready(&d);
    src = dsa_alloc(&d, 3 * 4096) + 3;
    dst = dsa_alloc(&d, 3 * 4096) + 37;
    cr = dsa_alloc(&d, 4096);
    for (i = 0; i < len; i++) {
        pat[i] = i * 7 + 1;
    }
    qtest_memwrite(d.qts, src, pat, len);
    qtest_memset(d.qts, dst - 32, 0x5a, len + 64);

    desc_fill(desc, OP_MEMMOVE, F_CRAV | F_RCR, cr, src, dst, len, 0);
    dsa_submit(&d, 0, PORTAL_MSIX, desc);
    g_assert_cmphex(dsa_wait_cr(&d, cr), ==, ST_SUCCESS);
    g_assert_cmpuint(qtest_readl(d.qts, cr + 4), ==, len);  /* bytes done */

    qtest_memread(d.qts, dst - 32, out, len + 64);
    for (i = 0; i < 32; i++) {
        g_assert_cmphex(out[i], ==, 0x5a);
        g_assert_cmphex(out[32 + len + i], ==, 0x5a);
    }
    g_assert(memcmp(out + 32, pat, len) == 0);

    g_assert_cmpuint(rd64(&d, EMU_WQ_SUBMITTED(0)), ==, 1);
    g_assert_cmpuint(rd64(&d, EMU_WQ_COMPLETED(0)), ==, 1);
    g_assert_cmpuint(rd64(&d, EMU_DESC_DONE), ==, 1);
    g_assert_cmpuint(WQCFG_OCCUPANCY(rd32(&d, wqcfg_off(&d, 0, 6))), ==, 0);
    g_assert_cmphex(rd64(&d, REG_SWERR), ==, 0);
    dsa_stop(&d);
}

static void test_desc_memfill(void)
{
    Dsa d;
    uint8_t out[104];
    uint8_t desc[64];
    uint64_t dst, cr;
    int i;

    dsa_start(&d, NULL);
    dsa_ready(&d);
    dst = dsa_alloc(&d, 4096);
    cr = dsa_alloc(&d, 4096);
    desc_fill(desc, OP_MEMFILL, F_CRAV | F_RCR, cr, 0, dst + 2, 100, 0);
    stq_le_p(desc + 16, 0x8877665544332211ull);         /* pattern */
    dsa_submit(&d, 0, PORTAL_MSIX, desc);
    g_assert_cmphex(dsa_wait_cr(&d, cr), ==, ST_SUCCESS);
    qtest_memread(d.qts, dst, out, sizeof(out));
    g_assert_cmphex(out[0], ==, 0);
    g_assert_cmphex(out[1], ==, 0);
    for (i = 0; i < 100; i++) {
        g_assert_cmphex(out[2 + i], ==, 0x11 * ((i % 8) + 1));
    }
    g_assert_cmphex(out[102], ==, 0);
    dsa_stop(&d);
}

/*
 * CRC-32C of "123456789": DSA inverts the seed on input and the result on
 * output, so seed 0 gives the catalogue check value 0xe3069283.
 */
static void test_desc_crcgen(void)
{
    Dsa d;
    uint8_t desc[64];
    uint64_t src, cr;

    dsa_start(&d, NULL);
    dsa_ready(&d);
    src = dsa_alloc(&d, 4096);
    cr = dsa_alloc(&d, 4096);
    qtest_memwrite(d.qts, src, "123456789", 9);
    desc_fill(desc, OP_CRCGEN, F_CRAV | F_RCR, cr, src, 0, 9, 0);
    stl_le_p(desc + 40, 0);                             /* seed */
    dsa_submit(&d, 0, PORTAL_MSIX, desc);
    g_assert_cmphex(dsa_wait_cr(&d, cr), ==, ST_SUCCESS);
    g_assert_cmphex(qtest_readl(d.qts, cr + 16), ==, 0xe3069283u);

    /* a previous result as seed continues the CRC: "12345" then "6789" */
    qtest_writel(d.qts, cr, 0);
    desc_fill(desc, OP_CRCGEN, F_CRAV | F_RCR, cr, src, 0, 5, 0);
    dsa_submit(&d, 0, PORTAL_MSIX, desc);
    g_assert_cmphex(dsa_wait_cr(&d, cr), ==, ST_SUCCESS);
    desc_fill(desc, OP_CRCGEN, F_CRAV | F_RCR, cr, src + 5, 0, 4, 0);
    stl_le_p(desc + 40, qtest_readl(d.qts, cr + 16));
    qtest_writel(d.qts, cr, 0);
    dsa_submit(&d, 0, PORTAL_MSIX, desc);
    g_assert_cmphex(dsa_wait_cr(&d, cr), ==, ST_SUCCESS);
    g_assert_cmphex(qtest_readl(d.qts, cr + 16), ==, 0xe3069283u);
    dsa_stop(&d);
}

/* Without event-log: no evl_support, EVLCFG and evl_en stay 0. */
static void test_evl_absent(void)
{
    Dsa d;

    dsa_start(&d, NULL);
    g_assert_cmphex(rd64(&d, REG_GENCAP) & GENCAP_EVL, ==, 0);
    wr64(&d, REG_EVLCFG, 0x1000);
    wr64(&d, REG_EVLCFG + 8, 64);
    g_assert_cmphex(rd64(&d, REG_EVLCFG), ==, 0);
    g_assert_cmphex(rd64(&d, REG_EVLCFG + 8), ==, 0);
    wr32(&d, REG_GENCFG, GENCFG_EVL_EN);
    g_assert_cmphex(rd32(&d, REG_GENCFG) & GENCFG_EVL_EN, ==, 0);
    dsa_stop(&d);
}

/* A NOOP with no record and a bad flag: an error nothing else reports. */
static void evl_bad_desc(Dsa *d)
{
    uint8_t desc[64];

    desc_fill(desc, OP_NOOP, 0x400000, 0, 0, 0, 0, 0);    /* reserved flag */
    dsa_submit(d, 0, PORTAL_MSIX, desc);
}

/*
 * event-log=on (DSA 2.0's): errors without a record go to the log as a
 * 64-byte entry (SWERR's words, then the record), the tail moves, the
 * interrupt is pending and INTCAUSE says EVL; software moves the head.
 * A full log (one slot kept empty) falls back to SWERR.
 */
static void test_evl_log(void)
{
    Dsa d;
    uint64_t log, e0, sts;
    unsigned int i;

    dsa_start(&d, "event-log=on");
    g_assert_cmphex(rd64(&d, REG_GENCAP) & GENCAP_EVL, ==, GENCAP_EVL);
    log = dsa_alloc(&d, 64 * 64);
    wr64(&d, REG_EVLCFG, log);
    wr64(&d, REG_EVLCFG + 8, 64);
    g_assert_cmphex(rd64(&d, REG_EVLCFG), ==, log);
    dsa_ready(&d);      /* GENCFG written again: evl_en now */
    g_assert_cmphex(dsa_cmd(&d, CMD_DISABLE_DEVICE, 0), ==, ERR_OK);
    wr32(&d, REG_GENCFG, GENCFG_USER_INT_EN | GENCFG_EVL_EN);
    wr32(&d, REG_GENCTRL, GENCTRL_EVL_INT_EN);
    g_assert_cmphex(dsa_cmd(&d, CMD_ENABLE_DEVICE, 0), ==, ERR_OK);
    g_assert_cmphex(dsa_cmd(&d, CMD_ENABLE_WQ, 0), ==, ERR_OK);
    wr64(&d, REG_EVLCFG, 0);            /* fixed while enabled */
    g_assert_cmphex(rd64(&d, REG_EVLCFG), ==, log);

    evl_bad_desc(&d);
    e0 = dsa_wait_l(&d, log) ? qtest_readq(d.qts, log) : 0;
    g_assert_cmphex((e0 >> 8) & 0xff, ==, 0x11);        /* invalid flags */
    g_assert_cmphex(e0 & 0xc, ==, 0xc);                 /* desc, wq valid */
    g_assert_cmphex(e0 & 3, ==, 0);                     /* no valid/ovfl */
    g_assert_cmphex(qtest_readl(d.qts, log + 12), ==, 0x400000);
    g_assert_cmphex(qtest_readb(d.qts, log + 32), ==, 0x11);   /* record */
    sts = rd64(&d, REG_EVLSTATUS);
    g_assert_cmphex(sts & 0xffff, ==, 0);
    g_assert_cmphex((sts >> 32) & 0xffff, ==, 1);
    g_assert_cmphex(sts & EVLSTS_INT_PENDING, ==, EVLSTS_INT_PENDING);
    g_assert_cmphex(rd32(&d, REG_INTCAUSE) & INTC_EVL, ==, INTC_EVL);
    g_assert_cmphex(rd64(&d, REG_SWERR), ==, 0);
    /* software took it: head 1, pending cleared */
    wr32(&d, REG_EVLSTATUS + 4, EVLSTS_INT_PENDING >> 32);
    wr32(&d, REG_EVLSTATUS, 1);
    wr32(&d, REG_INTCAUSE, INTC_EVL);
    sts = rd64(&d, REG_EVLSTATUS);
    g_assert_cmphex(sts, ==, 1 | (1ull << 32));

    /* 63 more fill it (63 of 64 slots in use); the next goes to SWERR */
    for (i = 0; i < 63; i++) {
        evl_bad_desc(&d);
    }
    for (i = 0; i < 100 && ((rd64(&d, REG_EVLSTATUS) >> 32) & 0xffff) != 0; i++) {
        g_usleep(10000);
    }
    g_assert_cmphex((rd64(&d, REG_EVLSTATUS) >> 32) & 0xffff, ==, 0);
    g_assert_cmphex(rd64(&d, REG_SWERR) & 1, ==, 0);
    evl_bad_desc(&d);
    for (i = 0; i < 100 && !(rd64(&d, REG_SWERR) & 1); i++) {
        g_usleep(10000);
    }
    g_assert_cmphex((rd64(&d, REG_SWERR) >> 8) & 0xff, ==, 0x11);
    g_assert_cmphex((rd64(&d, REG_EVLSTATUS) >> 32) & 0xffff, ==, 0);
    /* a device reset empties and forgets the log */
    g_assert_cmphex(dsa_cmd(&d, CMD_RESET_DEVICE, 0), ==, ERR_OK);
    g_assert_cmphex(rd64(&d, REG_EVLCFG), ==, 0);
    g_assert_cmphex(rd64(&d, REG_EVLSTATUS), ==, 0);
    dsa_stop(&d);
}

static void test_desc_bad_opcode(void)
{
    static const uint8_t ops[] = { OP_CR_DELTA, OP_DIF_CHECK, 0x30, 0xff };
    Dsa d;
    uint64_t cr;
    size_t i;

    dsa_start(&d, NULL);
    dsa_ready(&d);
    cr = dsa_alloc(&d, 4096);
    for (i = 0; i < ARRAY_SIZE(ops); i++) {
        g_test_message("opcode 0x%02x", ops[i]);
        g_assert_cmphex(dsa_run(&d, PORTAL_MSIX, ops[i], 0, cr, 0, 0, 0, 0),
                        ==, ST_BAD_OPCODE);
    }
    /* reported in the completion record, so not through SWERR */
    g_assert_cmphex(rd64(&d, REG_SWERR), ==, 0);
    g_assert_cmpuint(rd64(&d, EMU_WQ_COMPLETED(0)), ==, ARRAY_SIZE(ops));
    dsa_stop(&d);
}

/* Descriptors queue while execution is paused (emulation control). */
static void test_desc_async(void)
{
    Dsa d;
    uint8_t desc[64];
    uint64_t cr;
    int i;

    dsa_start(&d, NULL);
    dsa_ready(&d);
    cr = dsa_alloc(&d, 4096);
    wr32(&d, EMU_CTRL, EMU_CTRL_PAUSE);
    desc_fill(desc, OP_NOOP, F_CRAV | F_RCR, cr, 0, 0, 0, 0);
    dsa_submit(&d, 0, PORTAL_MSIX, desc);
    for (i = 0; i < 100; i++) {
        g_assert_cmphex(qtest_readb(d.qts, cr), ==, 0);
    }
    g_assert_cmpuint(WQCFG_OCCUPANCY(rd32(&d, wqcfg_off(&d, 0, 6))), ==, 1);
    g_assert_cmpuint(rd64(&d, EMU_WQ_SUBMITTED(0)), ==, 1);
    g_assert_cmpuint(rd64(&d, EMU_WQ_COMPLETED(0)), ==, 0);
    wr32(&d, EMU_CTRL, 0);
    g_assert_cmphex(dsa_wait_cr(&d, cr), ==, ST_SUCCESS);
    g_assert_cmpuint(WQCFG_OCCUPANCY(rd32(&d, wqcfg_off(&d, 0, 6))), ==, 0);
    dsa_stop(&d);
}

/* ---- completion interrupts ----------------------------------------------- */

static void test_ims_fire(void)
{
    Dsa d;
    uint64_t cr, msg;
    uint16_t h;

    dsa_start(&d, "int-handles=on");
    dsa_ready(&d);
    cr = dsa_alloc(&d, 4096);
    msg = dsa_alloc(&d, 4096);
    h = dsa_request_handle(&d, true, 3);
    dsa_ims_set(&d, 3, msg + 0x40, 0xcafe0003, 0);
    g_assert_cmphex(rd32(&d, d.ims + 3 * 16 + 0), ==, msg + 0x40);
    g_assert_cmphex(rd32(&d, d.ims + 3 * 16 + 4), ==, 0);
    g_assert_cmphex(rd32(&d, d.ims + 3 * 16 + 8), ==, 0xcafe0003);
    g_assert_cmphex(rd32(&d, d.ims + 3 * 16 + 12), ==, 0);

    g_assert_cmphex(dsa_run(&d, PORTAL_IMS, OP_NOOP, F_RCI, cr, 0, 0, 0, h),
                    ==, ST_SUCCESS);
    g_assert_cmphex(dsa_wait_l(&d, msg + 0x40), ==, 0xcafe0003);
    g_assert_cmphex(qtest_readl(d.qts, msg + 0x3c), ==, 0);
    g_assert_cmphex(qtest_readl(d.qts, msg + 0x44), ==, 0);
    g_assert_cmpuint(rd64(&d, EMU_IMS_SENT), ==, 1);
    g_assert_cmpuint(rd64(&d, EMU_MSIX_SENT), ==, 0);
    g_assert_cmpuint(rd64(&d, EMU_BAD_HANDLE), ==, 0);
    dsa_stop(&d);
}

/*
 * The benchmark's stamps: off, a record's bytes 16-31 stay zero as on
 * silicon; on, a successful MEMMOVE or NOOP record carries the TSC of
 * its write and, before the interrupt, of the interrupt; a failed
 * operation, a record without interrupt and a CRC result keep their own.
 */
static void test_desc_stamps(void)
{
    Dsa d;
    uint64_t cr, msg, buf, rec, irq;
    uint16_t h;

    dsa_start(&d, "int-handles=on");
    dsa_ready(&d);
    cr = dsa_alloc(&d, 4096);
    msg = dsa_alloc(&d, 4096);
    buf = dsa_alloc(&d, 4096);
    h = dsa_request_handle(&d, true, 3);
    dsa_ims_set(&d, 3, msg + 0x40, 0xcafe0003, 0);

    g_assert_cmphex(dsa_run(&d, PORTAL_IMS, OP_MEMMOVE, F_RCI, cr, buf, buf + 2048,
                            64, h), ==, ST_SUCCESS);
    g_assert_cmphex(qtest_readq(d.qts, cr + 16), ==, 0);
    g_assert_cmphex(qtest_readq(d.qts, cr + 24), ==, 0);

    wr32(&d, EMU_CTRL, EMU_CTRL_STAMP);
    g_assert_cmphex(rd32(&d, EMU_CTRL), ==, EMU_CTRL_STAMP);
    g_assert_cmphex(dsa_run(&d, PORTAL_IMS, OP_MEMMOVE, F_RCI, cr, buf, buf + 2048,
                            64, h), ==, ST_SUCCESS);
    g_assert_cmphex(dsa_wait_l(&d, msg + 0x40), ==, 0xcafe0003);
    rec = qtest_readq(d.qts, cr + 16);
    irq = qtest_readq(d.qts, cr + 24);
    g_assert_cmpuint(rec, !=, 0);
    g_assert_cmpuint(rec, <=, irq);

    g_assert_cmphex(dsa_run(&d, PORTAL_IMS, OP_NOOP, 0, cr, 0, 0, 0, 0), ==,
                    ST_SUCCESS);
    g_assert_cmpuint(qtest_readq(d.qts, cr + 16), >=, irq);
    g_assert_cmphex(qtest_readq(d.qts, cr + 24), ==, 0);   /* no interrupt */

    g_assert_cmphex(dsa_run(&d, PORTAL_IMS, 0xff, 0, cr, 0, 0, 0, 0), ==,
                    ST_BAD_OPCODE);
    g_assert_cmphex(qtest_readq(d.qts, cr + 16), ==, 0);
    g_assert_cmphex(qtest_readq(d.qts, cr + 24), ==, 0);

    wr32(&d, EMU_CTRL, 0);
    g_assert_cmphex(dsa_run(&d, PORTAL_IMS, OP_NOOP, 0, cr, 0, 0, 0, 0), ==,
                    ST_SUCCESS);
    g_assert_cmphex(qtest_readq(d.qts, cr + 16), ==, 0);
    dsa_stop(&d);
}

static void test_ims_masked_latch(void)
{
    Dsa d;
    uint64_t cr, msg;
    uint16_t h;

    dsa_start(&d, "int-handles=on");
    dsa_ready(&d);
    cr = dsa_alloc(&d, 4096);
    msg = dsa_alloc(&d, 4096);
    h = dsa_request_handle(&d, true, 37);
    dsa_ims_set(&d, 37, msg, 0x12345678, 1);            /* masked */
    g_assert_false(dsa_ims_pending(&d, 37));

    g_assert_cmphex(dsa_run(&d, PORTAL_IMS, OP_NOOP, F_RCI, cr, 0, 0, 0, h),
                    ==, ST_SUCCESS);
    /* the interrupt is raised with the completion: latched, not sent */
    g_assert_cmphex(qtest_readl(d.qts, msg), ==, 0);
    g_assert_true(dsa_ims_pending(&d, 37));
    g_assert_false(dsa_ims_pending(&d, 36));
    g_assert_cmpuint(rd64(&d, EMU_IMS_LATCHED), ==, 1);
    g_assert_cmpuint(rd64(&d, EMU_IMS_SENT), ==, 0);

    /* rewriting the entry masked keeps it pending */
    wr32(&d, d.ims + 37 * 16 + 12, 1);
    g_assert_true(dsa_ims_pending(&d, 37));
    g_assert_cmphex(qtest_readl(d.qts, msg), ==, 0);

    /* unmask: the latched interrupt fires once */
    wr32(&d, d.ims + 37 * 16 + 12, 0);
    g_assert_cmphex(dsa_wait_l(&d, msg), ==, 0x12345678);
    g_assert_false(dsa_ims_pending(&d, 37));
    g_assert_cmpuint(rd64(&d, EMU_IMS_SENT), ==, 1);
    qtest_writel(d.qts, msg, 0);
    wr32(&d, d.ims + 37 * 16 + 12, 1);
    wr32(&d, d.ims + 37 * 16 + 12, 0);
    g_assert_cmphex(qtest_readl(d.qts, msg), ==, 0);
    g_assert_cmpuint(rd64(&d, EMU_IMS_SENT), ==, 1);
    dsa_stop(&d);
}

static void test_ims_bad_handle(void)
{
    Dsa d;
    uint64_t cr, msg;
    uint16_t h3, h4, hx;

    dsa_start(&d, "int-handles=on");
    dsa_ready(&d);
    cr = dsa_alloc(&d, 4096);
    msg = dsa_alloc(&d, 4096);
    h3 = dsa_request_handle(&d, true, 3);
    h4 = dsa_request_handle(&d, true, 4);
    hx = dsa_request_handle(&d, false, 1);
    g_assert_cmphex(dsa_cmd(&d, CMD_RELEASE_INT_HANDLE, h4 | CMD_HANDLE_IMS),
                    ==, ERR_OK);
    dsa_ims_set(&d, 3, msg, 0x33, 0);
    dsa_ims_set(&d, 4, msg + 4, 0x44, 0);

    /* the bare table index is not a handle */
    g_assert_cmphex(dsa_run(&d, PORTAL_IMS, OP_NOOP, F_RCI, cr, 0, 0, 0, 3),
                    ==, ST_INT_HANDLE_INVAL);
    /* a released handle */
    g_assert_cmphex(dsa_run(&d, PORTAL_IMS, OP_NOOP, F_RCI, cr, 0, 0, 0, h4),
                    ==, ST_INT_HANDLE_INVAL);
    /* an MSI-X handle through an IMS portal */
    g_assert_cmphex(dsa_run(&d, PORTAL_IMS, OP_NOOP, F_RCI, cr, 0, 0, 0, hx),
                    ==, ST_INT_HANDLE_INVAL);
    /* the IMS handle through the MSI-X portal */
    g_assert_cmphex(dsa_run(&d, PORTAL_MSIX, OP_NOOP, F_RCI, cr, 0, 0, 0, h3),
                    ==, ST_INT_HANDLE_INVAL);
    g_assert_cmpuint(rd64(&d, EMU_BAD_HANDLE), ==, 4);
    g_assert_cmpuint(rd64(&d, EMU_IMS_SENT), ==, 0);
    g_assert_cmpuint(rd64(&d, EMU_IMS_LATCHED), ==, 0);
    g_assert_cmphex(qtest_readl(d.qts, msg), ==, 0);
    g_assert_cmphex(qtest_readl(d.qts, msg + 4), ==, 0);
    /* the good handle still works */
    g_assert_cmphex(dsa_run(&d, PORTAL_IMS, OP_NOOP, F_RCI, cr, 0, 0, 0, h3),
                    ==, ST_SUCCESS);
    g_assert_cmphex(dsa_wait_l(&d, msg), ==, 0x33);
    dsa_stop(&d);
}

/* Without REQUEST_INT_HANDLE the handle is the table index (as on SPR). */
static void test_ims_index_handles(void)
{
    Dsa d;
    uint64_t cr, msg;

    dsa_start(&d, "int-handles=off,ims-entries=256");
    dsa_ready(&d);
    cr = dsa_alloc(&d, 4096);
    msg = dsa_alloc(&d, 4096);
    dsa_ims_set(&d, 255, msg, 0xff00ff, 0);
    g_assert_cmphex(dsa_run(&d, PORTAL_IMS, OP_NOOP, F_RCI, cr, 0, 0, 0, 255),
                    ==, ST_SUCCESS);
    g_assert_cmphex(dsa_wait_l(&d, msg), ==, 0xff00ff);
    g_assert_cmphex(dsa_run(&d, PORTAL_IMS, OP_NOOP, F_RCI, cr, 0, 0, 0, 256),
                    ==, ST_INT_HANDLE_INVAL);
    g_assert_cmpuint(rd64(&d, EMU_IMS_SENT), ==, 1);
    g_assert_cmpuint(rd64(&d, EMU_BAD_HANDLE), ==, 1);
    dsa_stop(&d);
}

static void test_msix_fire(void)
{
    Dsa d;
    uint64_t cr, msg, table;
    uint16_t h;

    dsa_start(&d, "int-handles=on");
    dsa_ready(&d);
    cr = dsa_alloc(&d, 4096);
    msg = dsa_alloc(&d, 4096);
    table = dsa_msix_enable(&d);
    dsa_msix_set(&d, table, 1, msg + 8, 0x4d535831);
    h = dsa_request_handle(&d, false, 1);
    g_assert_cmphex(dsa_run(&d, PORTAL_MSIX, OP_NOOP, F_RCI, cr, 0, 0, 0, h),
                    ==, ST_SUCCESS);
    g_assert_cmphex(dsa_wait_l(&d, msg + 8), ==, 0x4d535831);
    g_assert_cmpuint(rd64(&d, EMU_MSIX_SENT), ==, 1);
    g_assert_cmpuint(rd64(&d, EMU_IMS_SENT), ==, 0);
    dsa_stop(&d);
}

int main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);

    qtest_add_func("intel-dsa/pci/identity", test_pci_identity);
    qtest_add_func("intel-dsa/pci/silicon-identity", test_pci_silicon_identity);
    qtest_add_func("intel-dsa/caps/defaults", test_caps_defaults);
    qtest_add_func("intel-dsa/caps/wqs4-handles",
                   test_caps_wqs4_handles);
    qtest_add_func("intel-dsa/caps/props", test_caps_props);
    for (i = 0; i < ARRAY_SIZE(bad_props); i++) {
        g_autofree char *path = g_strdup_printf("intel-dsa/bad-prop/%s",
                                                bad_props[i].name);

        qtest_add_data_func(path, &bad_props[i], test_bad_prop);
    }
    qtest_add_func("intel-dsa/cmd/enable-device", test_cmd_enable_device);
    qtest_add_func("intel-dsa/cmd/enable-wq", test_cmd_enable_wq);
    qtest_add_func("intel-dsa/cmd/int-req", test_cmd_int_req);
    qtest_add_func("intel-dsa/cmd/completes-when-polled",
                   test_cmd_completes_when_polled);
    qtest_add_func("intel-dsa/cmd/int-handles", test_cmd_int_handles);
    qtest_add_func("intel-dsa/cmd/handles-after-reset",
                   test_cmd_handles_after_reset);
    qtest_add_func("intel-dsa/cmd/handles-revoked", test_cmd_handles_revoked);
    qtest_add_func("intel-dsa/cmd/reset-device", test_cmd_reset_device);
    qtest_add_func("intel-dsa/cmd/reset-wq", test_cmd_reset_wq);
    qtest_add_func("intel-dsa/desc/rci-refused", test_desc_rci_refused);
    qtest_add_func("intel-dsa/desc/memmove", test_desc_memmove);
    qtest_add_func("intel-dsa/desc/one-64-byte-write", test_desc_one_write);
    qtest_add_func("intel-dsa/desc/memfill", test_desc_memfill);
    qtest_add_func("intel-dsa/desc/crcgen", test_desc_crcgen);
    qtest_add_func("intel-dsa/desc/bad-opcode", test_desc_bad_opcode);
    qtest_add_func("intel-dsa/desc/stamps", test_desc_stamps);
    qtest_add_func("intel-dsa/evl/absent", test_evl_absent);
    qtest_add_func("intel-dsa/evl/log", test_evl_log);
    qtest_add_func("intel-dsa/desc/async", test_desc_async);
    qtest_add_func("intel-dsa/ims/fire", test_ims_fire);
    qtest_add_func("intel-dsa/ims/masked-latch", test_ims_masked_latch);
    qtest_add_func("intel-dsa/ims/bad-handle", test_ims_bad_handle);
    qtest_add_func("intel-dsa/ims/index-handles", test_ims_index_handles);
    qtest_add_func("intel-dsa/msix/fire", test_msix_fire);

    return g_test_run();
}
