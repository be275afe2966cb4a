/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Emulated Intel DSA 1.0 (QOM type "intel-dsa") for idxd-ims: the PCI
 * function, its registers and configuration tables, commands, portals,
 * the MSI-X and IMS interrupt tables.  Descriptor execution lives in
 * intel-dsa-ops.c.
 *
 * Interrupts: completion interrupts through an IMS entry are posted
 * writes of the entry's address/data sent with msi_send_message(), i.e.
 * through the device's bus-master address space, so an emulated IOMMU
 * with interrupt remapping sees them exactly like MSI-X writes from this
 * requester ID.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qemu/bitmap.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pcie.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "system/dma.h"
#include "hw/i386/intel_iommu.h"
#include "hw/i386/x86-iommu.h"
#include "intel-dsa.h"

#define DSA_PORTAL_PAGE         0x1000
#define DSA_PORTALS_PER_WQ      4

/* Extended capabilities with pasid=on */
#define DSA_ATS_CAP_OFFSET      0x100
#define DSA_PASID_CAP_OFFSET    0x110
#define DSA_PASID_WIDTH         20

#define dsa_guest_error(fmt, ...) \
    qemu_log_mask(LOG_GUEST_ERROR, "intel-dsa: " fmt "\n", ##__VA_ARGS__)

/*
 * Vector 0 for the device, one per WQ, and msix-spare entries the device
 * never signals itself: room for a driver's dynamic MSI-X allocations
 * (pci_msix_alloc_irq_at()), which the benchmark compares IMS against.
 * Silicon has none spare.
 */
uint32_t dsa_msix_vectors(const IntelDsaState *s)
{
    return s->num_wqs + 1 + s->msix_spare;
}

static uint32_t dsa_state(const IntelDsaState *s)
{
    return s->gensts & 3;
}

static bool dsa_bus_master(IntelDsaState *s)
{
    return pci_get_word(PCI_DEVICE(s)->config + PCI_COMMAND) &
           PCI_COMMAND_MASTER;
}

/* ---- PASID and ATS ---------------------------------------------------- */

static bool dsa_pasid_cap_enabled(IntelDsaState *s)
{
    return s->pasid &&
           (pci_get_word(PCI_DEVICE(s)->config + DSA_PASID_CAP_OFFSET +
                         PCI_PASID_CTRL) & PCI_PASID_CTRL_ENABLE);
}

static bool dsa_ats_enabled(IntelDsaState *s)
{
    return s->pasid &&
           (pci_get_word(PCI_DEVICE(s)->config + DSA_ATS_CAP_OFFSET +
                         PCI_ATS_CTRL) & PCI_ATS_CTRL_ENABLE);
}

/*
 * The PASID a WQ's descriptor's accesses carry, or PCI_NO_PASID: a
 * dedicated WQ's from its WQCFG, a shared WQ's from the descriptor
 * itself (ENQCMD/ENQCMDS put it there); none while the WQ has PASID off.
 */
static uint32_t dsa_desc_pasid(const IntelDsaState *s, unsigned int i,
                               const uint8_t *desc)
{
    const DsaWq *wq = &s->wq[i];

    if (!(wq->cfg[2] & DSA_WQCFG_PASID_EN)) {
        return PCI_NO_PASID;
    }
    if (wq->cfg[2] & DSA_WQCFG_MODE_DEDICATED) {
        return (wq->cfg[2] >> DSA_WQCFG_PASID_SHIFT) & DSA_WQCFG_PASID_MASK;
    }
    return ldl_le_p(desc) & DSA_WQCFG_PASID_MASK;
}

/*
 * Where a descriptor's DMA goes.  Without PASID: the bus-master address
 * space, as any PCI device's.  With one: intel-iommu's address space for
 * this requester and PASID, whose translation applies that PASID's entry
 * (first stage for a process's page tables).  NULL (every access fails)
 * for PASID DMA with bus mastering off.  With ATS enabled the device
 * asks for translations, so failed walks are its own to report (see the
 * QEMU patch that adds ats_requests).
 */
AddressSpace *dsa_dma_as(IntelDsaState *s, unsigned int i, const uint8_t *desc)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    uint32_t pasid = dsa_desc_pasid(s, i, desc);
    VTDAddressSpace *vas;

    if (!s->vtd) {
        return pci_get_address_space(pdev);
    }
    vas = vtd_find_add_as(INTEL_IOMMU_DEVICE(s->vtd), pci_get_bus(pdev),
                          pdev->devfn, pasid);
    vas->ats_requests = dsa_ats_enabled(s);
    if (pasid == PCI_NO_PASID) {
        return pci_get_address_space(pdev);
    }
    return dsa_bus_master(s) ? &vas->as : NULL;
}

/* ---- capability registers ---------------------------------------------- */

static uint64_t dsa_gencap(const IntelDsaState *s)
{
    uint64_t v = 0;

    v |= 1ull << 1;                         /* overlap_copy */
    v |= 1ull << 2;                         /* cache_control_mem */
    v |= 1ull << 3;                         /* cache_control_cache */
    if (s->int_handles) {
        v |= 1ull << 4;                     /* cmd_cap: CMDCAP is valid */
    }
    v |= (uint64_t)s->max_xfer_shift << 16;
    v |= (uint64_t)s->max_batch_shift << 21;
    v |= (uint64_t)(s->ims_entries / 256) << 25;
    if (s->event_log) {
        v |= 1ull << 13;                    /* evl_support */
    }
    v |= 1ull << 31;                        /* config_en */
    return v;
}

static uint64_t dsa_wqcap(const IntelDsaState *s)
{
    uint64_t v = s->total_wq_size;

    v |= (uint64_t)s->num_wqs << 16;
    /* wqcfg_size 0: 32-byte entries (no op_config) */
    if (s->shared_mode) {
        v |= 1ull << 48;
    }
    v |= 1ull << 49;                        /* dedicated mode */
    v |= 1ull << 51;                        /* priority */
    v |= 1ull << 52;                        /* occupancy */
    return v;
}

static uint64_t dsa_grpcap(const IntelDsaState *s)
{
    return s->num_groups | (96ull << 8) | (1ull << 16) | (1ull << 17);
}

static uint64_t dsa_opcap_word0(void)
{
    return (1ull << DSA_OP_NOOP) | (1ull << DSA_OP_BATCH) |
           (1ull << DSA_OP_DRAIN) | (1ull << DSA_OP_MEMMOVE) |
           (1ull << DSA_OP_MEMFILL) | (1ull << DSA_OP_COMPARE) |
           (1ull << DSA_OP_COMPVAL) | (1ull << DSA_OP_DUALCAST) |
           (1ull << DSA_OP_CRCGEN) | (1ull << DSA_OP_COPY_CRC) |
           (1ull << DSA_OP_CFLUSH);
}

static uint32_t dsa_cmdcap(const IntelDsaState *s)
{
    uint32_t v = 0;
    int c;

    if (!s->int_handles) {
        return 0;
    }
    for (c = DSA_CMD_ENABLE_DEVICE; c <= DSA_CMD_MAX; c++) {
        v |= 1u << c;
    }
    return v;
}

static uint64_t dsa_table_offsets(int qword)
{
    if (qword == 0) {
        return (DSA_GRPCFG_OFFSET >> 8) |
               ((uint64_t)(DSA_WQCFG_OFFSET >> 8) << 16) |
               ((uint64_t)(DSA_MSIX_PERM_OFFSET >> 8) << 32) |
               ((uint64_t)(DSA_IMS_OFFSET >> 8) << 48);
    }
    return DSA_PERFMON_OFFSET >> 8;         /* perfmon, with no counters */
}

/* ---- interrupts -------------------------------------------------------- */

static void dsa_misc_irq(IntelDsaState *s, uint32_t cause, bool enabled)
{
    s->intcause |= cause;
    if (enabled) {
        s->msix_sent++;
        msix_notify(PCI_DEVICE(s), 0);
    }
}

static void dsa_ims_send(IntelDsaState *s, unsigned int idx)
{
    DsaImsEntry *e = &s->ims[idx];
    MSIMessage msg = {
        .address = ((uint64_t)e->addr_hi << 32) | e->addr_lo,
        .data = e->data,
    };

    s->ims_sent++;
    msi_send_message(PCI_DEVICE(s), msg);
}

/*
 * Decode a descriptor's int_handle for the table its portal selects.
 * With REQUEST_INT_HANDLE support only granted handles are valid, and a
 * handle is never the bare table index; without it the handle is the
 * index (as on Sapphire Rapids).
 */
static int dsa_handle_index(IntelDsaState *s, bool ims, uint16_t handle)
{
    uint32_t n = ims ? s->ims_entries : dsa_msix_vectors(s);
    uint32_t idx = handle;

    if (s->int_handles) {
        uint16_t base = ims ? DSA_HANDLE_IMS_BASE : DSA_HANDLE_MSIX_BASE;

        if ((handle & DSA_HANDLE_BASE_MASK) != base ||
            (handle & DSA_HANDLE_GEN_MASK) >> DSA_HANDLE_GEN_SHIFT != s->handle_gen) {
            return -1;
        }
        idx = handle & DSA_HANDLE_IDX_MASK;
        if (idx >= n ||
            !test_bit(idx, ims ? s->ims_granted : s->msix_granted)) {
            return -1;
        }
        return idx;
    }
    return idx < n ? (int)idx : -1;
}

bool dsa_irq_handle_valid(IntelDsaState *s, bool ims, uint16_t handle)
{
    if (dsa_handle_index(s, ims, handle) < 0) {
        s->bad_handle++;
        return false;
    }
    return true;
}

void dsa_irq_fire(IntelDsaState *s, bool ims, uint16_t handle)
{
    int idx = dsa_handle_index(s, ims, handle);

    if (idx < 0) {
        return;
    }
    if (ims) {
        if (s->ims[idx].ctrl & 1) {
            set_bit(idx, s->ims_pending);
            s->ims_latched++;
            return;
        }
        dsa_ims_send(s, idx);
        return;
    }
    if (s->msix_perm[idx] & (1u << 2)) {    /* "ignore" */
        return;
    }
    s->msix_sent++;
    msix_notify(PCI_DEVICE(s), idx);
}

static void dsa_report_swerr(IntelDsaState *s, const uint64_t swerr[4])
{
    if (s->swerr[0] & 1) {
        s->swerr[0] |= 2;                   /* overflow: keep the first */
    } else {
        memcpy(s->swerr, swerr, sizeof(s->swerr));
        s->swerr[0] |= 1;
    }
    dsa_misc_irq(s, DSA_INTC_ERR, s->genctrl & DSA_GENCTRL_SOFTERR_EN);
}

static uint16_t dsa_evl_size(const IntelDsaState *s)
{
    return s->evlcfg[1] & 0xffff;
}

/*
 * Write one event log entry: the SWERR words with the valid and overflow
 * bits clear (the layouts agree), then the completion record the
 * descriptor could not have written.  Returns false when the log is off,
 * full (one slot stays empty) or cannot be written; the error then goes
 * to SWERR as without a log.
 */
static bool dsa_evl_write(IntelDsaState *s, const uint64_t swerr[4],
                          const uint8_t cr[32])
{
    uint16_t size = dsa_evl_size(s);
    uint8_t e[DSA_EVL_ENTRY] = { 0 };
    uint64_t base = s->evlcfg[0] & ~0xfffull;
    int i;

    if (!(s->gencfg & DSA_GENCFG_EVL_EN) || size < DSA_EVL_SIZE_MIN ||
        (s->evl_tail + 1) % size == s->evl_head % size) {
        return false;
    }
    for (i = 0; i < 4; i++) {
        stq_le_p(e + i * 8, swerr[i] & (i ? ~0ull : ~3ull));
    }
    memcpy(e + 32, cr, 32);
    if (pci_dma_write(PCI_DEVICE(s), base + (uint64_t)s->evl_tail * DSA_EVL_ENTRY,
                      e, sizeof(e)) != MEMTX_OK) {
        dsa_guest_error("event log entry %u at 0x%" PRIx64 " not writable",
                        s->evl_tail, base);
        return false;
    }
    s->evl_tail = (s->evl_tail + 1) % size;
    s->evl_int_pending = true;
    dsa_misc_irq(s, DSA_INTC_EVL, s->genctrl & DSA_GENCTRL_EVL_EN);
    return true;
}

/* An error no completion record reports: the event log, else SWERR. */
void dsa_report_error(IntelDsaState *s, const uint64_t swerr[4],
                      const uint8_t cr[32])
{
    if (!dsa_evl_write(s, swerr, cr)) {
        dsa_report_swerr(s, swerr);
    }
}

/* ---- work queues -------------------------------------------------------- */

static void dsa_wq_update_status(DsaWq *wq)
{
    wq->cfg[6] = (wq->cfg[6] & ~(0xffffu | (3u << DSA_WQCFG_STATE_SHIFT))) |
                 (wq->count & 0xffff) |
                 ((wq->enabled ? 1u : 0u) << DSA_WQCFG_STATE_SHIFT);
}

static void dsa_wq_discard(DsaWq *wq)
{
    wq->head = 0;
    wq->count = 0;
    memset(wq->asm_mask, 0, sizeof(wq->asm_mask));
    dsa_wq_update_status(wq);
}

static void dsa_wq_disable(DsaWq *wq)
{
    dsa_wq_discard(wq);
    wq->enabled = false;
    g_free(wq->ring);
    wq->ring = NULL;
    wq->ring_size = 0;
    dsa_wq_update_status(wq);
}

static bool dsa_wq_pop_run(IntelDsaState *s, unsigned int i)
{
    DsaWq *wq = &s->wq[i];
    DsaQueued q;

    if (!wq->count) {
        return false;
    }
    q = wq->ring[wq->head];
    wq->head = (wq->head + 1) % wq->ring_size;
    /*
     * The slot frees when an engine takes the descriptor, before its
     * completion is written, as on silicon: software that sees the
     * record may count the slot free and submit again at once (a vCPU
     * runs beside this bottom half), and a dedicated WQ drops what
     * does not fit.
     */
    wq->count--;
    dsa_wq_update_status(wq);
    dsa_execute(s, i, &q);
    wq->completed++;
    s->desc_done++;
    return true;
}

/* Run everything queued on one WQ now (drain, disable). */
static void dsa_wq_drain(IntelDsaState *s, unsigned int i)
{
    while (s->wq[i].enabled && dsa_wq_pop_run(s, i)) {
        ;
    }
}

/* Per pass: this many descriptors or bytes, then let vCPUs run. */
#define DSA_BH_BUDGET 32
#define DSA_BH_BYTES (4 * MiB)

static void dsa_work_bh(void *opaque)
{
    IntelDsaState *s = opaque;
    unsigned int done = 0, idle = 0;

    if (s->emu_ctrl & DSA_EMU_CTRL_PAUSE || dsa_state(s) != DSA_STATE_ENABLED) {
        return;
    }
    s->bytes_this_pass = 0;
    while (done < DSA_BH_BUDGET && s->bytes_this_pass < DSA_BH_BYTES &&
           idle < s->num_wqs) {
        unsigned int i = s->rr;

        s->rr = (s->rr + 1) % s->num_wqs;
        if (s->wq[i].enabled && dsa_wq_pop_run(s, i)) {
            done++;
            idle = 0;
        } else {
            idle++;
        }
    }
    if (idle < s->num_wqs) {
        qemu_bh_schedule(s->work_bh);       /* more work: yield first */
    }
}

/*
 * Queue the descriptor assembled on a portal page.  False when it was not
 * accepted: a shared WQ's portal then answers the write with an error,
 * which ENQCMD/ENQCMDS (emu/patches) turn into "retry" (ZF=1).
 */
static bool dsa_wq_submit(IntelDsaState *s, unsigned int i, unsigned int page)
{
    DsaWq *wq = &s->wq[i];
    bool limited = page & 1;
    DsaQueued *q;

    if (dsa_state(s) != DSA_STATE_ENABLED || !wq->enabled) {
        wq->dropped++;
        dsa_guest_error("wq%u: descriptor to a disabled WQ dropped", i);
        return false;
    }
    if (wq->count >= wq->ring_size ||
        (limited && !(wq->cfg[2] & DSA_WQCFG_MODE_DEDICATED) &&
         wq->count >= (wq->cfg[1] & 0xffff))) {
        /* A posted write to a full dedicated WQ is silently dropped. */
        wq->dropped++;
        return false;
    }
    q = &wq->ring[(wq->head + wq->count) % wq->ring_size];
    memcpy(q->desc, wq->asm_buf[page], 64);
    q->ims = page >= 2;
    wq->count++;
    wq->submitted++;
    dsa_wq_update_status(wq);
    qemu_bh_schedule(s->work_bh);
    return true;
}

/* ---- commands ------------------------------------------------------------ */

/*
 * DRAIN_PASID runs, ABORT_PASID drops, every queued descriptor whose
 * accesses carry this PASID: a dedicated WQ's whole queue when the WQ
 * has the PASID, a shared WQ's entries that name it.  Descriptors run in
 * order per WQ, so on a shared WQ a drain runs up to the last match.
 */
static void dsa_pasid_cmd(IntelDsaState *s, bool abort, uint32_t pasid)
{
    unsigned int i, k;

    for (i = 0; i < s->num_wqs; i++) {
        DsaWq *wq = &s->wq[i];
        uint32_t kept = 0, last = 0;

        if (!wq->enabled) {
            continue;
        }
        for (k = 0; k < wq->count; k++) {
            DsaQueued *q = &wq->ring[(wq->head + k) % wq->ring_size];

            if (dsa_desc_pasid(s, i, q->desc) != pasid) {
                if (abort) {
                    wq->ring[(wq->head + kept) % wq->ring_size] = *q;
                }
                kept++;
            } else {
                last = k + 1;
            }
        }
        if (abort) {
            wq->count = kept;
            dsa_wq_update_status(wq);
        } else {
            while (last-- && dsa_wq_pop_run(s, i)) {
                ;
            }
        }
    }
}

/*
 * RESET_WQ returns a WQ's configuration to its defaults but for its size:
 * the size is fixed while the device is enabled, and Linux's idxd resets
 * a WQ on disable and enables it again later with the same size.  A
 * device reset clears the size too (keep_size false).
 */
static void dsa_reset_wq_cfg(DsaWq *wq, bool keep_size)
{
    uint32_t size = wq->cfg[0];

    dsa_wq_disable(wq);
    memset(wq->cfg, 0, sizeof(wq->cfg));
    if (keep_size) {
        wq->cfg[0] = size;
    }
    dsa_wq_update_status(wq);
}

static uint64_t dsa_grp_u64(const IntelDsaState *s, unsigned int g, int off)
{
    return ldq_le_p(&s->grpcfg[g][off]);
}

static uint32_t dsa_check_groups(IntelDsaState *s)
{
    uint32_t wq_groups[DSA_MAX_WQS] = { 0 };
    uint64_t engines_seen = 0;
    uint32_t rdbuf_reserved = 0;
    unsigned int g, i;

    for (g = 0; g < s->num_groups; g++) {
        uint64_t wqs = dsa_grp_u64(s, g, 0);
        uint64_t eng = dsa_grp_u64(s, g, 32);
        uint64_t flags = dsa_grp_u64(s, g, 40);
        uint32_t reserved = (flags >> 8) & 0xff;
        uint32_t allowed = (flags >> 20) & 0xff;

        if ((s->num_wqs < 64 && wqs >> s->num_wqs) ||
            dsa_grp_u64(s, g, 8) || dsa_grp_u64(s, g, 16) ||
            dsa_grp_u64(s, g, 24)) {
            return DSA_CMDERR_GRP_WQ;
        }
        for (i = 0; i < s->num_wqs; i++) {
            if (wqs & (1ull << i)) {
                wq_groups[i]++;
            }
        }
        if ((eng >> s->num_engines) || (eng & engines_seen)) {
            return DSA_CMDERR_GRP_ENGINE;
        }
        engines_seen |= eng;
        if (wqs && !eng) {
            return DSA_CMDERR_GRP_NO_ENGINE;
        }
        if (allowed && reserved > allowed) {
            return DSA_CMDERR_GRP_RDBUF;
        }
        rdbuf_reserved += reserved;
    }
    if (rdbuf_reserved > 96) {
        return DSA_CMDERR_GRP_RDBUF;
    }
    for (i = 0; i < s->num_wqs; i++) {
        if (wq_groups[i] > 1 || (dsa_wq_size(&s->wq[i]) && !wq_groups[i])) {
            return DSA_CMDERR_GRP_WQ;
        }
    }
    return DSA_CMDERR_OK;
}

static uint32_t dsa_cmd_enable_device(IntelDsaState *s)
{
    uint32_t total = 0, err;
    unsigned int i;

    if (dsa_state(s) != DSA_STATE_DISABLED) {
        return DSA_CMDERR_DEV_ENABLED;
    }
    if (!dsa_bus_master(s)) {
        return DSA_CMDERR_BUSMASTER;
    }
    if ((s->gencfg & 0xff) > 96) {
        return DSA_CMDERR_CONFIG;
    }
    for (i = 0; i < s->num_wqs; i++) {
        total += dsa_wq_size(&s->wq[i]);
    }
    if (total > s->total_wq_size) {
        return DSA_CMDERR_WQ_SIZE_ERANGE;
    }
    err = dsa_check_groups(s);
    if (err) {
        return err;
    }
    s->gensts = DSA_STATE_ENABLED;
    return DSA_CMDERR_OK;
}

static void dsa_disable_all(IntelDsaState *s, bool drain)
{
    unsigned int i;

    for (i = 0; i < s->num_wqs; i++) {
        if (drain) {
            dsa_wq_drain(s, i);
        }
        dsa_wq_disable(&s->wq[i]);
    }
}

static uint32_t dsa_cmd_enable_wq(IntelDsaState *s, uint32_t operand)
{
    DsaWq *wq;
    uint32_t size, mode;

    if (operand >= s->num_wqs) {
        return DSA_CMDERR_INVAL_WQIDX;
    }
    if (dsa_state(s) != DSA_STATE_ENABLED) {
        return DSA_CMDERR_WQ_DEV_NOTEN;
    }
    wq = &s->wq[operand];
    if (wq->enabled) {
        return DSA_CMDERR_WQ_ENABLED;
    }
    size = dsa_wq_size(wq);
    if (!size || (wq->cfg[1] & 0xffff) > size) {
        return DSA_CMDERR_WQ_SIZE;
    }
    if (!((wq->cfg[2] >> DSA_WQCFG_PRIO_SHIFT) & 0xf)) {
        return DSA_CMDERR_WQ_PRIOR;
    }
    mode = wq->cfg[2] & DSA_WQCFG_MODE_DEDICATED;
    if (!mode && !s->shared_mode) {
        return DSA_CMDERR_WQ_MODE;
    }
    if (wq->cfg[2] & DSA_WQCFG_BOF) {
        return DSA_CMDERR_WQ_BOF;
    }
    if ((wq->cfg[2] & DSA_WQCFG_PASID_EN) && !dsa_pasid_cap_enabled(s)) {
        return DSA_CMDERR_WQ_PASID;         /* PASID capability off */
    }
    if (!mode && !(wq->cfg[2] & DSA_WQCFG_PASID_EN)) {
        return DSA_CMDERR_WQ_PASID;         /* ENQCMD needs PASID */
    }
    if (dsa_wq_max_batch_shift(wq) > s->max_batch_shift ||
        dsa_wq_max_batch_shift(wq) < 1) {
        return DSA_CMDERR_WQ_BATCH;
    }
    if (dsa_wq_max_xfer_shift(wq) > s->max_xfer_shift ||
        dsa_wq_max_xfer_shift(wq) < 5) {
        return DSA_CMDERR_WQ_XFER;
    }
    wq->ring = g_new0(DsaQueued, size);
    wq->ring_size = size;
    wq->head = 0;
    wq->count = 0;
    wq->enabled = true;
    memset(wq->asm_mask, 0, sizeof(wq->asm_mask));
    dsa_wq_update_status(wq);
    return DSA_CMDERR_OK;
}

/* WQ bitmap operand: bits 15:0 select WQs within block bits 19:16. */
static uint32_t dsa_cmd_wq_op(IntelDsaState *s, uint32_t cmd, uint32_t operand)
{
    uint32_t block = (operand >> 16) & 0xf;
    uint32_t mask = operand & 0xffff;
    unsigned int b, i;

    if (!mask) {
        return DSA_CMDERR_INVAL_WQIDX;
    }
    for (b = 0; b < 16; b++) {
        if ((mask & (1u << b)) && block * 16 + b >= s->num_wqs) {
            return DSA_CMDERR_INVAL_WQIDX;
        }
    }
    if (dsa_state(s) != DSA_STATE_ENABLED && cmd != DSA_CMD_RESET_WQ) {
        return DSA_CMDERR_DEV_NOT_EN;
    }
    for (b = 0; b < 16; b++) {
        if (!(mask & (1u << b))) {
            continue;
        }
        i = block * 16 + b;
        switch (cmd) {
        case DSA_CMD_DISABLE_WQ:
            dsa_wq_drain(s, i);
            dsa_wq_disable(&s->wq[i]);
            break;
        case DSA_CMD_DRAIN_WQ:
            dsa_wq_drain(s, i);
            break;
        case DSA_CMD_ABORT_WQ:
            dsa_wq_discard(&s->wq[i]);
            break;
        case DSA_CMD_RESET_WQ:
            dsa_reset_wq_cfg(&s->wq[i], true);
            break;
        }
    }
    return DSA_CMDERR_OK;
}

static uint32_t dsa_cmd_int_handle(IntelDsaState *s, uint32_t cmd,
                                   uint32_t operand, uint32_t *result)
{
    bool ims = operand & DSA_CMD_HANDLE_IMS;
    uint32_t n = ims ? s->ims_entries : dsa_msix_vectors(s);
    unsigned long *granted = ims ? s->ims_granted : s->msix_granted;
    uint32_t idx;

    if (cmd == DSA_CMD_REQUEST_INT_HANDLE) {
        idx = operand & 0xffff;
        if (idx >= n) {
            return DSA_CMDERR_INT_IDX;
        }
        set_bit(idx, granted);
        *result = (ims ? DSA_HANDLE_IMS_BASE : DSA_HANDLE_MSIX_BASE) |
                  s->handle_gen << DSA_HANDLE_GEN_SHIFT | idx;
        return DSA_CMDERR_OK;
    }
    if (dsa_handle_index(s, ims, operand & 0xffff) < 0) {
        return DSA_CMDERR_INT_IDX;
    }
    clear_bit(operand & DSA_HANDLE_IDX_MASK, granted);
    return DSA_CMDERR_OK;
}

static void dsa_clear_ims(IntelDsaState *s)
{
    unsigned int i;

    for (i = 0; i < DSA_MAX_IMS; i++) {
        s->ims[i] = (DsaImsEntry) { .ctrl = 1 };
    }
    bitmap_zero(s->ims_pending, DSA_MAX_IMS);
}

/* RESET_DEVICE and PCI reset: everything but the PCI/MSI-X state. */
static void dsa_reset_state(IntelDsaState *s)
{
    unsigned int i;

    for (i = 0; i < DSA_MAX_WQS; i++) {
        dsa_reset_wq_cfg(&s->wq[i], false);
    }
    memset(s->grpcfg, 0, sizeof(s->grpcfg));
    memset(s->msix_perm, 0, sizeof(s->msix_perm));
    memset(s->swerr, 0, sizeof(s->swerr));
    memset(s->evlcfg, 0, sizeof(s->evlcfg));
    s->evl_head = s->evl_tail = 0;
    s->evl_int_pending = false;
    dsa_clear_ims(s);
    bitmap_zero(s->ims_granted, DSA_MAX_IMS);
    bitmap_zero(s->msix_granted, DSA_MAX_WQS + 1);
    if (s->handle_rotate) {
        s->handle_gen = (s->handle_gen + 1) & 7;
    }
    s->gencfg = 0;
    s->genctrl = 0;
    s->gensts = DSA_STATE_DISABLED;
    s->intcause = 0;
}

static uint32_t dsa_run_cmd(IntelDsaState *s, uint32_t cmd, uint32_t operand,
                            uint32_t *result)
{
    if (cmd < DSA_CMD_ENABLE_DEVICE || cmd > DSA_CMD_MAX ||
        (cmd >= DSA_CMD_REQUEST_INT_HANDLE && !s->int_handles)) {
        return DSA_CMDERR_INVAL_CMD;
    }
    if (dsa_state(s) == DSA_STATE_HALT && cmd != DSA_CMD_RESET_DEVICE) {
        return DSA_CMDERR_HW;
    }
    switch (cmd) {
    case DSA_CMD_ENABLE_DEVICE:
        return dsa_cmd_enable_device(s);
    case DSA_CMD_DISABLE_DEVICE:
        if (dsa_state(s) != DSA_STATE_ENABLED) {
            return DSA_CMDERR_DIS_DEV;
        }
        dsa_disable_all(s, true);
        s->gensts = DSA_STATE_DISABLED;
        return DSA_CMDERR_OK;
    case DSA_CMD_DRAIN_PASID:
    case DSA_CMD_ABORT_PASID:
        dsa_pasid_cmd(s, cmd == DSA_CMD_ABORT_PASID,
                      operand & DSA_WQCFG_PASID_MASK);
        return DSA_CMDERR_OK;
    case DSA_CMD_DRAIN_ALL:
        for (unsigned int i = 0; i < s->num_wqs; i++) {
            dsa_wq_drain(s, i);
        }
        return DSA_CMDERR_OK;
    case DSA_CMD_ABORT_ALL:
        for (unsigned int i = 0; i < s->num_wqs; i++) {
            dsa_wq_discard(&s->wq[i]);
        }
        return DSA_CMDERR_OK;
    case DSA_CMD_RESET_DEVICE:
        dsa_reset_state(s);
        return DSA_CMDERR_OK;
    case DSA_CMD_ENABLE_WQ:
        return dsa_cmd_enable_wq(s, operand);
    case DSA_CMD_REQUEST_INT_HANDLE:
    case DSA_CMD_RELEASE_INT_HANDLE:
        return dsa_cmd_int_handle(s, cmd, operand, result);
    default:
        return dsa_cmd_wq_op(s, cmd, operand);
    }
}

/*
 * Commands complete in a bottom half, so CMDSTS.active is visible
 * meanwhile; but a bottom half runs when the host schedules QEMU's main
 * loop, which on a loaded host can be milliseconds away, while silicon
 * completes a command in microseconds.  Drivers poll on that assumption
 * (DPDK's dma_idxd gives up after 1000 reads of CMDSTS), so a command
 * still pending when CMDSTS has been read DSA_CMD_POLLS_MAX times as
 * active completes at that read, whatever the host is doing.
 */
#define DSA_CMD_POLLS_MAX 3

static void dsa_cmd_complete(IntelDsaState *s)
{
    uint32_t cmd = (s->cmd >> 20) & 0x1f;
    uint32_t operand = s->cmd & 0xfffff;
    uint32_t result = 0, err;

    if (!(s->cmdsts & DSA_CMDSTS_ACTIVE)) {
        return;     /* polled to completion before the bottom half ran */
    }

    if (s->fail_next_cmd && (!s->fail_only_cmd || s->fail_only_cmd == cmd)) {
        /* test control: refuse this command as the device could, untouched */
        err = s->fail_next_cmd;
        s->fail_next_cmd = 0;
    } else {
        err = dsa_run_cmd(s, cmd, operand, &result);
    }
    if (err) {
        dsa_guest_error("command %u operand 0x%x failed: 0x%02x",
                        cmd, operand, err);
    }
    s->cmdsts = err | ((result & 0xffff) << 8);
    if (s->cmd & DSA_CMD_INT_REQ) {
        dsa_misc_irq(s, DSA_INTC_CMD, true);
    }
    if (dsa_state(s) == DSA_STATE_ENABLED) {
        qemu_bh_schedule(s->work_bh);
    }
}

static void dsa_cmd_bh(void *opaque)
{
    IntelDsaState *s = opaque;

    if (!(s->emu_ctrl & DSA_EMU_CTRL_HOLD_CMD)) {
        dsa_cmd_complete(s);
    }
}

/* A read of CMDSTS: see DSA_CMD_POLLS_MAX. */
static uint32_t dsa_cmdsts_read(IntelDsaState *s)
{
    if ((s->cmdsts & DSA_CMDSTS_ACTIVE) && ++s->cmd_polls > DSA_CMD_POLLS_MAX) {
        qemu_bh_cancel(s->cmd_bh);
        dsa_cmd_complete(s);
    }
    return s->cmdsts;
}

static void dsa_halt(IntelDsaState *s, bool flr)
{
    dsa_disable_all(s, false);
    s->gensts = DSA_STATE_HALT | ((flr ? 1u : 0u) << 2);
    dsa_misc_irq(s, DSA_INTC_HALT, s->genctrl & DSA_GENCTRL_HALT_EN);
}

/* ---- BAR0: registers and config tables ----------------------------------- */

static uint64_t dsa_wqcfg_read(IntelDsaState *s, hwaddr off)
{
    unsigned int i = off / DSA_WQCFG_ENTRY;

    if (i >= s->num_wqs) {
        return 0;
    }
    return s->wq[i].cfg[(off % DSA_WQCFG_ENTRY) / 4];
}

static const uint32_t dsa_wqcfg_wmask[8] = {
    0xffff, 0xffff, 0x3fffffff, 0x1ff, 0x1ffff, 0x1ffff, 0, 0,
};

static void dsa_wqcfg_write(IntelDsaState *s, hwaddr off, uint32_t val)
{
    unsigned int i = off / DSA_WQCFG_ENTRY, dw = (off % DSA_WQCFG_ENTRY) / 4;
    DsaWq *wq;

    if (i >= s->num_wqs) {
        return;
    }
    wq = &s->wq[i];
    if (wq->enabled || dsa_state(s) == DSA_STATE_HALT) {
        dsa_guest_error("WQCFG%u write while the WQ is enabled ignored", i);
        return;
    }
    if (dw == 0 && dsa_state(s) != DSA_STATE_DISABLED) {
        /* Sizes were checked against the total at ENABLE_DEVICE. */
        dsa_guest_error("WQCFG%u size write while the device is enabled ignored",
                        i);
        return;
    }
    wq->cfg[dw] = (wq->cfg[dw] & ~dsa_wqcfg_wmask[dw]) |
                  (val & dsa_wqcfg_wmask[dw]);
}

static uint64_t dsa_reg_read32(IntelDsaState *s, hwaddr addr)
{
    hwaddr q = addr & ~7ull;
    int hi = (addr & 4) ? 32 : 0;
    uint64_t v;

    if (addr >= DSA_WQCFG_OFFSET &&
        addr < DSA_WQCFG_OFFSET + DSA_MAX_WQS * DSA_WQCFG_ENTRY) {
        return dsa_wqcfg_read(s, addr - DSA_WQCFG_OFFSET);
    }
    if (addr >= DSA_GRPCFG_OFFSET &&
        addr < DSA_GRPCFG_OFFSET + DSA_MAX_GROUPS * DSA_GRPCFG_ENTRY) {
        hwaddr o = addr - DSA_GRPCFG_OFFSET;

        if (o / DSA_GRPCFG_ENTRY >= s->num_groups) {
            return 0;
        }
        return ldl_le_p(&s->grpcfg[o / DSA_GRPCFG_ENTRY][o % DSA_GRPCFG_ENTRY]);
    }
    if (addr >= DSA_MSIX_PERM_OFFSET &&
        addr < DSA_MSIX_PERM_OFFSET + (DSA_MAX_WQS + 1) * DSA_MSIX_PERM_STRIDE) {
        hwaddr o = addr - DSA_MSIX_PERM_OFFSET;

        if (o % DSA_MSIX_PERM_STRIDE || o / 8 >= dsa_msix_vectors(s)) {
            return 0;
        }
        return s->msix_perm[o / 8];
    }

    switch (q) {
    case DSA_REG_VERSION:
        v = s->version;
        break;
    case DSA_REG_GENCAP:
        v = dsa_gencap(s);
        break;
    case DSA_REG_WQCAP:
        v = dsa_wqcap(s);
        break;
    case DSA_REG_GRPCAP:
        v = dsa_grpcap(s);
        break;
    case DSA_REG_ENGCAP:
        v = s->num_engines;
        break;
    case DSA_REG_OPCAP:
        v = dsa_opcap_word0();
        break;
    case DSA_REG_TABLE_OFFSET:
    case DSA_REG_TABLE_OFFSET + 8:
        v = dsa_table_offsets((q - DSA_REG_TABLE_OFFSET) / 8);
        break;
    case DSA_REG_GENCFG:
        v = s->gencfg;
        break;
    case DSA_REG_GENCTRL:
        v = s->genctrl;
        break;
    case DSA_REG_GENSTS:
        v = s->gensts;
        break;
    case DSA_REG_INTCAUSE:
        v = s->intcause;
        break;
    case DSA_REG_CMD:
        v = s->cmd;
        break;
    case DSA_REG_CMDSTS:
        v = dsa_cmdsts_read(s);
        break;
    case DSA_REG_CMDCAP:
        v = dsa_cmdcap(s);
        break;
    case DSA_REG_SWERR ... DSA_REG_SWERR + 24:
        v = s->swerr[(q - DSA_REG_SWERR) / 8];
        break;
    case DSA_REG_EVLCFG:
    case DSA_REG_EVLCFG + 8:
        v = s->event_log ? s->evlcfg[(q - DSA_REG_EVLCFG) / 8] : 0;
        break;
    case DSA_REG_EVLSTATUS:
        v = !s->event_log ? 0 : s->evl_head | ((uint64_t)s->evl_tail << 32) |
            (s->evl_int_pending ? DSA_EVLSTS_INT_PENDING : 0);
        break;
    default:
        v = 0;
        break;
    }
    return (uint32_t)(v >> hi);
}

static uint64_t dsa_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    IntelDsaState *s = opaque;
    uint64_t v = dsa_reg_read32(s, addr);

    if (size == 8) {
        v |= (uint64_t)dsa_reg_read32(s, addr + 4) << 32;
    }
    return v;
}

static void dsa_write_cmd(IntelDsaState *s, uint32_t val)
{
    if (s->cmdsts & DSA_CMDSTS_ACTIVE) {
        dsa_guest_error("CMD written while a command is active: ignored");
        return;
    }
    s->cmd = val;
    s->cmdsts = DSA_CMDSTS_ACTIVE;
    s->cmd_polls = 0;
    qemu_bh_schedule(s->cmd_bh);
}

/* EVLCFG (written while the device is disabled) and EVLSTATUS. */
static void dsa_evl_reg_write(IntelDsaState *s, hwaddr addr, uint32_t val)
{
    unsigned int q = (addr - DSA_REG_EVLCFG) / 8;

    if (!s->event_log) {
        dsa_guest_error("write 0x%x to reserved register 0x%" HWADDR_PRIx,
                        val, addr);
    } else if (addr < DSA_REG_EVLSTATUS) {
        if (dsa_state(s) != DSA_STATE_DISABLED) {
            dsa_guest_error("EVLCFG write while the device is enabled ignored");
            return;
        }
        s->evlcfg[q] = deposit64(s->evlcfg[q], (addr & 4) ? 32 : 0, 32, val);
        s->evl_head = s->evl_tail = 0;      /* a new ring starts empty */
        s->evl_int_pending = false;
    } else if (addr == DSA_REG_EVLSTATUS) {
        if (dsa_evl_size(s)) {              /* head: what software has read */
            s->evl_head = (val & 0xffff) % dsa_evl_size(s);
        }
    } else if (val & (uint32_t)(DSA_EVLSTS_INT_PENDING >> 32)) {
        s->evl_int_pending = false;         /* write 1 to clear */
    }
}

static void dsa_mmio_write32(IntelDsaState *s, hwaddr addr, uint32_t val)
{
    if (addr >= DSA_WQCFG_OFFSET &&
        addr < DSA_WQCFG_OFFSET + DSA_MAX_WQS * DSA_WQCFG_ENTRY) {
        dsa_wqcfg_write(s, addr - DSA_WQCFG_OFFSET, val);
        return;
    }
    if (addr >= DSA_GRPCFG_OFFSET &&
        addr < DSA_GRPCFG_OFFSET + DSA_MAX_GROUPS * DSA_GRPCFG_ENTRY) {
        hwaddr o = addr - DSA_GRPCFG_OFFSET;

        if (dsa_state(s) != DSA_STATE_DISABLED) {
            dsa_guest_error("GRPCFG write while the device is enabled ignored");
            return;
        }
        if (o / DSA_GRPCFG_ENTRY < s->num_groups) {
            stl_le_p(&s->grpcfg[o / DSA_GRPCFG_ENTRY][o % DSA_GRPCFG_ENTRY],
                     val);
        }
        return;
    }
    if (addr >= DSA_MSIX_PERM_OFFSET &&
        addr < DSA_MSIX_PERM_OFFSET + (DSA_MAX_WQS + 1) * DSA_MSIX_PERM_STRIDE) {
        hwaddr o = addr - DSA_MSIX_PERM_OFFSET;

        if (!(o % DSA_MSIX_PERM_STRIDE) && o / 8 < dsa_msix_vectors(s)) {
            s->msix_perm[o / 8] = val & 0xfffff00c;
        }
        return;
    }

    switch (addr) {
    case DSA_REG_GENCFG:
        if (dsa_state(s) != DSA_STATE_DISABLED) {
            dsa_guest_error("GENCFG write while the device is enabled ignored");
            return;
        }
        /* rdbuf_limit, user_int_en, evl_en where there is a log */
        s->gencfg = val & (0x10ff | (s->event_log ? DSA_GENCFG_EVL_EN : 0));
        if (!(s->gencfg & DSA_GENCFG_EVL_EN)) {
            s->evl_head = s->evl_tail = 0;  /* a log starts empty */
            s->evl_int_pending = false;
        }
        break;
    case DSA_REG_GENCTRL:
        s->genctrl = val & (3 | (s->event_log ? DSA_GENCTRL_EVL_EN : 0));
        break;
    case DSA_REG_EVLCFG ... DSA_REG_EVLSTATUS + 4:
        dsa_evl_reg_write(s, addr, val);
        break;
    case DSA_REG_INTCAUSE:
        s->intcause &= ~val;
        break;
    case DSA_REG_CMD:
        dsa_write_cmd(s, val);
        break;
    case DSA_REG_SWERR:
        s->swerr[0] &= ~(uint64_t)(val & 3);
        if (!(s->swerr[0] & 1)) {
            memset(s->swerr, 0, sizeof(s->swerr));
        }
        break;
    case DSA_REG_SWERR + 4 ... DSA_REG_SWERR + 0x1c:
        break;                      /* rest of SWERR: read-only, ack writes */
    default:
        dsa_guest_error("write 0x%x to read-only/reserved register 0x%"
                        HWADDR_PRIx, val, addr);
        break;
    }
}

static void dsa_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    IntelDsaState *s = opaque;

    dsa_mmio_write32(s, addr, (uint32_t)val);
    if (size == 8) {
        dsa_mmio_write32(s, addr + 4, (uint32_t)(val >> 32));
    }
}

static const MemoryRegionOps dsa_mmio_ops = {
    .read = dsa_mmio_read,
    .write = dsa_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

/* ---- BAR0: emulation-only page --------------------------------------------- */

static uint64_t dsa_emu_read(void *opaque, hwaddr addr, unsigned size)
{
    IntelDsaState *s = opaque;
    uint64_t v = 0;

    if (!s->emulation_id) {
        return 0;                           /* reserved space on silicon */
    }
    if (addr >= DSA_EMU_IMS_PENDING &&
        addr < DSA_EMU_IMS_PENDING + DSA_MAX_IMS / 8) {
        hwaddr bit = (addr - DSA_EMU_IMS_PENDING) * 8;
        unsigned int i;

        for (i = 0; i < size * 8; i++) {
            v |= (uint64_t)test_bit(bit + i, s->ims_pending) << i;
        }
        return v;
    }
    if (addr >= DSA_EMU_WQ_STATS && addr < DSA_EMU_WQ_STATS + 0x20 * DSA_MAX_WQS) {
        DsaWq *wq = &s->wq[(addr - DSA_EMU_WQ_STATS) / 0x20];

        switch ((addr - DSA_EMU_WQ_STATS) % 0x20 & ~7) {
        case DSA_EMU_WQ_SUBMITTED:
            v = wq->submitted;
            break;
        case DSA_EMU_WQ_COMPLETED:
            v = wq->completed;
            break;
        case DSA_EMU_WQ_DROPPED:
            v = wq->dropped;
            break;
        case DSA_EMU_WQ_TORN:
            v = wq->torn;
            break;
        }
        return (addr & 4) ? v >> 32 : v;
    }
    switch (addr & ~7ull) {
    case DSA_EMU_ID:
        v = DSA_EMU_ID_VALUE | ((uint64_t)s->emu_ctrl << 32);
        break;
    case DSA_EMU_MSIX_SENT:
        v = s->msix_sent;
        break;
    case DSA_EMU_IMS_SENT:
        v = s->ims_sent;
        break;
    case DSA_EMU_IMS_LATCHED:
        v = s->ims_latched;
        break;
    case DSA_EMU_BAD_HANDLE:
        v = s->bad_handle;
        break;
    case DSA_EMU_DESC_DONE:
        v = s->desc_done;
        break;
    }
    return (addr & 4) && size == 4 ? v >> 32 : v;
}

static void dsa_emu_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    IntelDsaState *s = opaque;

    if (addr != DSA_EMU_CTRL || !s->emulation_id) {
        return;
    }
    s->emu_ctrl = val & (DSA_EMU_CTRL_PAUSE | DSA_EMU_CTRL_HOLD_CMD |
                         DSA_EMU_CTRL_STAMP);
    if (val & DSA_EMU_CTRL_FAIL_CMD) {
        s->fail_next_cmd = DSA_EMU_CTRL_FAIL_CODE(val);
        s->fail_only_cmd = DSA_EMU_CTRL_FAIL_ONLY(val);
    }
    if (val & DSA_EMU_CTRL_HALT) {
        dsa_halt(s, val & DSA_EMU_CTRL_HALT_FLR);
    }
    if ((val & DSA_EMU_CTRL_REVOKE) && s->int_handles) {
        /* as a VMM revokes them: every handle, and software is told */
        bitmap_zero(s->ims_granted, DSA_MAX_IMS);
        bitmap_zero(s->msix_granted, DSA_MAX_WQS + 1);
        s->handle_gen = (s->handle_gen + 1) & 7;
        dsa_misc_irq(s, DSA_INTC_HANDLE_REVOKED, true);
    }
    if (s->cmdsts & DSA_CMDSTS_ACTIVE) {
        qemu_bh_schedule(s->cmd_bh);    /* released from HOLD_CMD */
    }
    qemu_bh_schedule(s->work_bh);
}

static const MemoryRegionOps dsa_emu_ops = {
    .read = dsa_emu_read,
    .write = dsa_emu_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

/* ---- BAR0: IMS table ------------------------------------------------------- */

static uint64_t dsa_ims_read(void *opaque, hwaddr addr, unsigned size)
{
    IntelDsaState *s = opaque;
    unsigned int i = addr / 16;
    DsaImsEntry *e;

    if (i >= s->ims_entries) {
        return 0;
    }
    e = &s->ims[i];
    switch (addr % 16) {
    case 0:
        return e->addr_lo;
    case 4:
        return e->addr_hi;
    case 8:
        return e->data;
    default:
        return e->ctrl;
    }
}

static void dsa_ims_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    IntelDsaState *s = opaque;
    unsigned int i = addr / 16;
    DsaImsEntry *e;

    if (i >= s->ims_entries) {
        return;
    }
    e = &s->ims[i];
    switch (addr % 16) {
    case 0:
        e->addr_lo = val & ~3u;
        break;
    case 4:
        e->addr_hi = val;
        break;
    case 8:
        e->data = val;
        break;
    default:
        e->ctrl = val & 0xfffff009u;
        /* An interrupt latched while masked fires on unmask. */
        if (!(e->ctrl & 1) && test_and_clear_bit(i, s->ims_pending)) {
            dsa_ims_send(s, i);
        }
        break;
    }
}

/*
 * The perfmon table: PERFCAP (offset 0) reads 0, so no counters and no
 * events; every other register reads 0 and ignores writes.  Drivers that
 * look for perfmon (Linux's idxd) find it and stop there quietly.
 */
static uint64_t dsa_perfmon_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void dsa_perfmon_write(void *opaque, hwaddr addr, uint64_t val,
                              unsigned size)
{
}

static const MemoryRegionOps dsa_perfmon_ops = {
    .read = dsa_perfmon_read,
    .write = dsa_perfmon_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

static const MemoryRegionOps dsa_ims_ops = {
    .read = dsa_ims_read,
    .write = dsa_ims_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* ---- BAR2: portals ------------------------------------------------------------ */

static uint64_t dsa_portal_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

/*
 * The emulated CPU has no MOVDIR64B: a descriptor arrives as 8- (or 4-)
 * byte stores, which are assembled per portal page and submitted when all
 * 64 bytes are present.  Writers must not interleave on one page (the
 * driver serialises); a store that overlaps bytes already held starts a
 * new descriptor and counts the old one as torn.
 */
static MemTxResult dsa_portal_write(void *opaque, hwaddr addr, uint64_t val,
                                    unsigned size, MemTxAttrs attrs)
{
    IntelDsaState *s = opaque;
    unsigned int wqi = addr / (DSA_PORTAL_PAGE * DSA_PORTALS_PER_WQ);
    unsigned int page = (addr / DSA_PORTAL_PAGE) % DSA_PORTALS_PER_WQ;
    unsigned int pos = addr & 63;
    uint64_t bits = ((size == 8) ? 0xffull : 0xfull) << pos;
    DsaWq *wq;

    if (wqi >= s->num_wqs || pos + size > 64) {
        return MEMTX_OK;
    }
    wq = &s->wq[wqi];
    if (wq->asm_mask[page] & bits) {
        wq->torn++;
        wq->asm_mask[page] = 0;
    }
    if (size == 8) {
        stq_le_p(&wq->asm_buf[page][pos], val);
    } else {
        stl_le_p(&wq->asm_buf[page][pos], val);
    }
    wq->asm_mask[page] |= bits;
    if (wq->asm_mask[page] == UINT64_MAX) {
        wq->asm_mask[page] = 0;
        if (!dsa_wq_submit(s, wqi, page) &&
            !(wq->cfg[2] & DSA_WQCFG_MODE_DEDICATED)) {
            return MEMTX_ERROR;
        }
    }
    return MEMTX_OK;
}

static const MemoryRegionOps dsa_portal_ops = {
    .read = dsa_portal_read,
    .write_with_attrs = dsa_portal_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

/* ---- PCI glue ---------------------------------------------------------------- */

static void dsa_write_config(PCIDevice *pdev, uint32_t addr, uint32_t val,
                             int len)
{
    pci_default_write_config(pdev, addr, val, len);
    pcie_cap_flr_write_config(pdev, addr, val, len);
}

static bool dsa_check_props(IntelDsaState *s, Error **errp)
{
    if (s->num_wqs < 1 || s->num_wqs > DSA_MAX_WQS) {
        error_setg(errp, "wqs must be 1..%d", DSA_MAX_WQS);
    } else if (s->num_wqs + s->msix_spare > DSA_MAX_WQS) {
        /* the MSI-X permission table and grant bitmap hold 1 + 16 */
        error_setg(errp, "wqs + msix-spare must be <= %d", DSA_MAX_WQS);
    } else if (s->num_groups < 1 || s->num_groups > DSA_MAX_GROUPS) {
        error_setg(errp, "groups must be 1..%d", DSA_MAX_GROUPS);
    } else if (s->num_engines < 1 || s->num_engines > DSA_MAX_ENGINES) {
        error_setg(errp, "engines must be 1..%d", DSA_MAX_ENGINES);
    } else if (s->total_wq_size < 1 ||
               s->total_wq_size > DSA_MAX_TOTAL_WQ_SIZE) {
        error_setg(errp, "wq-size must be 1..%d", DSA_MAX_TOTAL_WQ_SIZE);
    } else if (s->ims_entries > DSA_MAX_IMS || s->ims_entries % 256) {
        error_setg(errp, "ims-entries must be a multiple of 256, <= %d",
                   DSA_MAX_IMS);
    } else if (s->max_xfer_shift < 12 ||
               s->max_xfer_shift > DSA_MAX_XFER_SHIFT_CAP) {
        error_setg(errp, "max-xfer-shift must be 12..%d",
                   DSA_MAX_XFER_SHIFT_CAP);
    } else if (s->max_batch_shift < 1 ||
               s->max_batch_shift > DSA_MAX_BATCH_SHIFT_CAP) {
        error_setg(errp, "max-batch-shift must be 1..%d",
                   DSA_MAX_BATCH_SHIFT_CAP);
    } else {
        return true;
    }
    return false;
}

/*
 * pasid=on: ATS (page-aligned requests) and PASID (20 bits, privileged
 * mode) capabilities, as on Sapphire Rapids; PASID-tagged DMA needs
 * intel-iommu with x-pasid-mode=on, given before this device.
 */
static bool dsa_init_pasid(IntelDsaState *s, Error **errp)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    X86IOMMUState *iommu = x86_iommu_get_default();
    uint8_t *cap = pdev->config + DSA_PASID_CAP_OFFSET;

    if (!iommu || !object_dynamic_cast(OBJECT(iommu), TYPE_INTEL_IOMMU_DEVICE) ||
        !object_property_get_bool(OBJECT(iommu), "x-pasid-mode", NULL)) {
        error_setg(errp, "intel-dsa: pasid=on needs -device intel-iommu,"
                   "x-scalable-mode=on,x-pasid-mode=on before the DSA");
        return false;
    }
    s->vtd = OBJECT(iommu);
    pcie_ats_init(pdev, DSA_ATS_CAP_OFFSET, true);
    pcie_add_capability(pdev, PCI_EXT_CAP_ID_PASID, 1, DSA_PASID_CAP_OFFSET,
                        PCI_EXT_CAP_PASID_SIZEOF);
    pci_set_word(cap + PCI_PASID_CAP,
                 PCI_PASID_CAP_PRIV | (DSA_PASID_WIDTH << 8));
    pci_set_word(pdev->wmask + DSA_PASID_CAP_OFFSET + PCI_PASID_CTRL,
                 PCI_PASID_CTRL_ENABLE | PCI_PASID_CTRL_PRIV);
    return true;
}

static void dsa_realize(PCIDevice *pdev, Error **errp)
{
    IntelDsaState *s = INTEL_DSA(pdev);
    uint64_t portal_size;
    unsigned int v;

    if (!dsa_check_props(s, errp)) {
        return;
    }
    pci_config_set_interrupt_pin(pdev->config, 1);
    if (!s->emulation_id) {
        pci_set_word(pdev->config + PCI_SUBSYSTEM_VENDOR_ID, PCI_VENDOR_ID_INTEL);
        pci_set_word(pdev->config + PCI_SUBSYSTEM_ID, DSA_SILICON_SUBSYS_ID);
    }

    memory_region_init(&s->bar0, OBJECT(s), "intel-dsa-bar0", DSA_BAR0_SIZE);
    memory_region_init_io(&s->mmio, OBJECT(s), &dsa_mmio_ops, s,
                          "intel-dsa-regs", DSA_MMIO_SIZE);
    memory_region_init_io(&s->emu, OBJECT(s), &dsa_emu_ops, s,
                          "intel-dsa-emu", DSA_EMU_SIZE);
    memory_region_init_io(&s->ims_mr, OBJECT(s), &dsa_ims_ops, s,
                          "intel-dsa-ims", DSA_MAX_IMS * 16);
    memory_region_add_subregion(&s->bar0, 0, &s->mmio);
    memory_region_add_subregion(&s->bar0, DSA_EMU_OFFSET, &s->emu);
    memory_region_init_io(&s->perfmon, OBJECT(s), &dsa_perfmon_ops, s,
                          "intel-dsa-perfmon", DSA_PERFMON_SIZE);
    memory_region_add_subregion(&s->bar0, DSA_IMS_OFFSET, &s->ims_mr);
    memory_region_add_subregion(&s->bar0, DSA_PERFMON_OFFSET, &s->perfmon);
    pci_register_bar(pdev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->bar0);

    portal_size = pow2ceil((uint64_t)s->num_wqs * DSA_PORTALS_PER_WQ *
                           DSA_PORTAL_PAGE);
    memory_region_init_io(&s->portals, OBJECT(s), &dsa_portal_ops, s,
                          "intel-dsa-portals", portal_size);
    pci_register_bar(pdev, 2, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->portals);

    if (pcie_endpoint_cap_init(pdev, 0x40) < 0) {
        error_setg(errp, "intel-dsa: PCIe capability init failed");
        return;
    }
    pcie_cap_flr_init(pdev);
    if (s->pasid && !dsa_init_pasid(s, errp)) {
        pcie_cap_exit(pdev);
        return;
    }
    if (msix_init(pdev, dsa_msix_vectors(s), &s->bar0, 0,
                  DSA_MSIX_TABLE_OFFSET, &s->bar0, 0, DSA_MSIX_PBA_OFFSET,
                  0x90, errp)) {
        pcie_cap_exit(pdev);
        return;
    }
    for (v = 0; v < dsa_msix_vectors(s); v++) {
        msix_vector_use(pdev, v);
    }

    s->ims_pending = bitmap_new(DSA_MAX_IMS);
    s->ims_granted = bitmap_new(DSA_MAX_IMS);
    s->msix_granted = bitmap_new(DSA_MAX_WQS + 1);
    s->scratch[0] = g_malloc(1ull << s->max_xfer_shift);
    s->scratch[1] = g_malloc(1ull << s->max_xfer_shift);
    s->work_bh = qemu_bh_new_guarded(dsa_work_bh, s,
                                     &DEVICE(pdev)->mem_reentrancy_guard);
    s->cmd_bh = qemu_bh_new_guarded(dsa_cmd_bh, s,
                                    &DEVICE(pdev)->mem_reentrancy_guard);
    dsa_reset_state(s);
}

static void dsa_exit(PCIDevice *pdev)
{
    IntelDsaState *s = INTEL_DSA(pdev);
    unsigned int i;

    qemu_bh_delete(s->work_bh);
    qemu_bh_delete(s->cmd_bh);
    for (i = 0; i < DSA_MAX_WQS; i++) {
        dsa_wq_disable(&s->wq[i]);
    }
    g_free(s->scratch[0]);
    g_free(s->scratch[1]);
    g_free(s->ims_pending);
    g_free(s->ims_granted);
    g_free(s->msix_granted);
    msix_unuse_all_vectors(pdev);
    msix_uninit(pdev, &s->bar0, &s->bar0);
    pcie_cap_exit(pdev);
}

/* PCI reset, including FLR: all device state goes back to power-on. */
static void dsa_reset_hold(Object *obj, ResetType type)
{
    IntelDsaState *s = INTEL_DSA(obj);
    unsigned int v;

    qemu_bh_cancel(s->cmd_bh);
    qemu_bh_cancel(s->work_bh);
    dsa_reset_state(s);
    s->cmd = 0;
    s->cmdsts = 0;
    s->fail_next_cmd = 0;
    s->emu_ctrl = 0;
    s->fail_only_cmd = 0;
    s->msix_sent = s->ims_sent = s->ims_latched = 0;
    s->bad_handle = s->desc_done = 0;
    for (v = 0; v < DSA_MAX_WQS; v++) {
        s->wq[v].submitted = s->wq[v].completed = 0;
        s->wq[v].dropped = s->wq[v].torn = 0;
    }
    for (v = 0; v < dsa_msix_vectors(s); v++) {
        msix_vector_use(PCI_DEVICE(s), v);
    }
}

static const Property dsa_properties[] = {
    DEFINE_PROP_UINT32("wqs", IntelDsaState, num_wqs, 8),
    DEFINE_PROP_UINT32("groups", IntelDsaState, num_groups, 4),
    DEFINE_PROP_UINT32("engines", IntelDsaState, num_engines, 4),
    DEFINE_PROP_UINT32("wq-size", IntelDsaState, total_wq_size, 128),
    DEFINE_PROP_UINT32("ims-entries", IntelDsaState, ims_entries, 2048),
    DEFINE_PROP_UINT32("msix-spare", IntelDsaState, msix_spare, 0),
    DEFINE_PROP_UINT32("max-xfer-shift", IntelDsaState, max_xfer_shift, 21),
    DEFINE_PROP_UINT32("max-batch-shift", IntelDsaState, max_batch_shift, 10),
    DEFINE_PROP_UINT32("version", IntelDsaState, version, 0x100),
    /* off as on bare-metal SPR; on as a virtualized DSA offers it */
    DEFINE_PROP_BOOL("int-handles", IntelDsaState, int_handles, false),
    DEFINE_PROP_BOOL("handle-rotate", IntelDsaState, handle_rotate, false),
    DEFINE_PROP_BOOL("shared-mode", IntelDsaState, shared_mode, false),
    DEFINE_PROP_BOOL("emulation-id", IntelDsaState, emulation_id, true),
    /* DSA 2.0's event log; off as on SPR (DSA 1.0) */
    DEFINE_PROP_BOOL("event-log", IntelDsaState, event_log, false),
    /* PASID and ATS capabilities: shared virtual addressing */
    DEFINE_PROP_BOOL("pasid", IntelDsaState, pasid, false),
};

static const VMStateDescription dsa_vmstate = {
    .name = "intel-dsa",
    .unmigratable = 1,
};

static void dsa_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);

    k->realize = dsa_realize;
    k->exit = dsa_exit;
    k->config_write = dsa_write_config;
    k->vendor_id = PCI_VENDOR_ID_INTEL;
    k->device_id = DSA_PCI_DEVICE_ID;
    k->subsystem_vendor_id = DSA_SUBSYS_VENDOR_ID;
    k->subsystem_id = DSA_SUBSYS_ID;
    k->revision = 0x01;
    k->class_id = 0x0880;                   /* system peripheral, other */
    rc->phases.hold = dsa_reset_hold;
    dc->desc = "Intel DSA 1.0 (emulated, idxd-ims)";
    dc->vmsd = &dsa_vmstate;
    device_class_set_props(dc, dsa_properties);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo dsa_info = {
    .name = TYPE_INTEL_DSA,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(IntelDsaState),
    .class_init = dsa_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { },
    },
};

static void dsa_register_types(void)
{
    type_register_static(&dsa_info);
}

type_init(dsa_register_types)
