/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Emulated Intel DSA 1.0 for idxd-ims: descriptor validation and
 * execution.  All data moves with pci_dma_read/pci_dma_write through the
 * device's bus-master address space, so an emulated IOMMU translates (and
 * faults) every access.  Accesses are split at 4 KiB boundaries so that a
 * fault is reported with its page address and the bytes done before it.
 *
 * Order of checks (first failure wins): opcode, flags, reserved fields,
 * completion record alignment, interrupt handle, operation fields, then
 * execution faults.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/crc32c.h"
#include "system/cpu-timers.h"
#include "system/dma.h"
#include "hw/pci/pci_device.h"
#include "intel-dsa.h"

#define DSA_PAGE 4096ull

typedef struct DsaDescView {
    uint32_t pasid_word;
    uint32_t flags;
    uint8_t opcode;
    uint64_t cr_addr;
    uint64_t addr1;             /* src / pattern / descriptor list */
    uint64_t addr2;             /* dst / src2 / compare pattern */
    uint32_t size;              /* transfer size / descriptor count */
    uint16_t int_handle;
    uint16_t rsvd1;
    const uint8_t *raw;
} DsaDescView;

typedef struct DsaRes {
    uint8_t status;
    uint8_t result;
    uint32_t bytes;
    uint64_t fault_addr;
    bool write_fault;
    uint32_t invalid_flags;
    uint32_t crc;
    bool has_crc;
} DsaRes;

typedef struct DsaCtx {
    IntelDsaState *s;
    AddressSpace *as;           /* the descriptor's DMA: dsa_dma_as() */
    unsigned int wq;
    bool ims;
    bool in_batch;
    uint16_t batch_idx;
} DsaCtx;

static void dsa_view(DsaDescView *d, const uint8_t *raw)
{
    uint32_t w1 = ldl_le_p(raw + 4);

    d->pasid_word = ldl_le_p(raw);
    d->flags = w1 & 0xffffff;
    d->opcode = w1 >> 24;
    d->cr_addr = ldq_le_p(raw + 8);
    d->addr1 = ldq_le_p(raw + 16);
    d->addr2 = ldq_le_p(raw + 24);
    d->size = ldl_le_p(raw + 32);
    d->int_handle = lduw_le_p(raw + 36);
    d->rsvd1 = lduw_le_p(raw + 38);
    d->raw = raw;
}

static bool dsa_zero(const uint8_t *p, size_t from, size_t to)
{
    size_t i;

    for (i = from; i < to; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

/* ---- DMA helpers ------------------------------------------------------------ */

static MemTxResult dsa_dma(DsaCtx *c, uint64_t addr, void *buf, uint32_t len,
                           DMADirection dir)
{
    if (!c->as) {
        return MEMTX_ERROR;
    }
    return dma_memory_rw(c->as, addr, buf, len, dir, MEMTXATTRS_UNSPECIFIED);
}

static uint32_t dsa_chunk(uint64_t addr, uint32_t left)
{
    uint64_t room = DSA_PAGE - (addr & (DSA_PAGE - 1));

    return left < room ? left : (uint32_t)room;
}

/* Read len bytes; on a fault set r and return the bytes read before it. */
static uint32_t dsa_read(DsaCtx *c, uint64_t addr, void *buf, uint32_t len,
                         DsaRes *r)
{
    uint32_t done = 0;

    while (done < len) {
        uint32_t n = dsa_chunk(addr + done, len - done);

        if (addr + done < addr ||       /* wrapped past 2^64 */
            dsa_dma(c, addr + done, (uint8_t *)buf + done, n,
                    DMA_DIRECTION_TO_DEVICE) !=
            MEMTX_OK) {
            r->status = DSA_COMP_PAGE_FAULT;
            r->fault_addr = (addr + done) & ~(DSA_PAGE - 1);
            r->write_fault = false;
            break;
        }
        done += n;
    }
    return done;
}

static uint32_t dsa_write(DsaCtx *c, uint64_t addr, const void *buf,
                          uint32_t len, DsaRes *r)
{
    uint32_t done = 0;

    while (done < len) {
        uint32_t n = dsa_chunk(addr + done, len - done);

        if (addr + done < addr ||
            dsa_dma(c, addr + done, (uint8_t *)buf + done, n,
                    DMA_DIRECTION_FROM_DEVICE) !=
            MEMTX_OK) {
            r->status = DSA_COMP_PAGE_FAULT;
            r->fault_addr = (addr + done) & ~(DSA_PAGE - 1);
            r->write_fault = true;
            break;
        }
        done += n;
    }
    return done;
}

static bool dsa_overlap(uint64_t a, uint64_t b, uint32_t len)
{
    /* a - b in unsigned arithmetic: no overflow near 2^64 */
    return a >= b ? a - b < len : b - a < len;
}

/* ---- operations -------------------------------------------------------------- */

static void dsa_op_memmove(DsaCtx *c, const DsaDescView *d, DsaRes *r)
{
    uint8_t *buf = c->s->scratch[0];
    uint32_t got = dsa_read(c, d->addr1, buf, d->size, r);

    /* Whole-source buffering gives memmove semantics for overlaps. */
    r->bytes = dsa_write(c, d->addr2, buf, got, r);
}

static void dsa_op_memfill(DsaCtx *c, const DsaDescView *d, DsaRes *r)
{
    uint8_t *buf = c->s->scratch[0];
    uint32_t i;

    for (i = 0; i < d->size; i++) {
        buf[i] = d->raw[16 + (i & 7)];
    }
    r->bytes = dsa_write(c, d->addr2, buf, d->size, r);
}

static void dsa_check_predicate(const DsaDescView *d, DsaRes *r)
{
    if ((d->flags & DSA_F_CR) && (r->result & 1) != (d->raw[40] & 1)) {
        r->status = DSA_COMP_SUCCESS_PRED;
    }
}

static void dsa_compare_bufs(const uint8_t *a, const uint8_t *b, uint32_t len,
                             DsaRes *r)
{
    uint32_t i;

    for (i = 0; i < len; i++) {
        if (a[i] != b[i]) {
            r->result = 1;
            r->bytes = i;           /* offset of the first difference */
            return;
        }
    }
    r->result = 0;
    r->bytes = len;
}

static void dsa_op_compare(DsaCtx *c, const DsaDescView *d, DsaRes *r)
{
    uint8_t *a = c->s->scratch[0], *b = c->s->scratch[1];
    uint32_t got = dsa_read(c, d->addr1, a, d->size, r);

    if (got < d->size) {
        r->bytes = got;
        return;
    }
    got = dsa_read(c, d->addr2, b, d->size, r);
    if (got < d->size) {
        r->bytes = got;
        return;
    }
    dsa_compare_bufs(a, b, d->size, r);
    dsa_check_predicate(d, r);
}

static void dsa_op_compval(DsaCtx *c, const DsaDescView *d, DsaRes *r)
{
    uint8_t *a = c->s->scratch[0], *b = c->s->scratch[1];
    uint32_t got = dsa_read(c, d->addr1, a, d->size, r), i;

    if (got < d->size) {
        r->bytes = got;
        return;
    }
    for (i = 0; i < d->size; i++) {
        b[i] = d->raw[24 + (i & 7)];
    }
    dsa_compare_bufs(a, b, d->size, r);
    dsa_check_predicate(d, r);
}

static void dsa_op_dualcast(DsaCtx *c, const DsaDescView *d, DsaRes *r)
{
    uint8_t *buf = c->s->scratch[0];
    uint64_t dst2 = ldq_le_p(d->raw + 40);
    uint32_t got = dsa_read(c, d->addr1, buf, d->size, r);
    uint32_t w1, w2;

    w1 = dsa_write(c, d->addr2, buf, got, r);
    w2 = dsa_write(c, dst2, buf, w1, r);
    r->bytes = w2;
}

/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) as DSA computes
 * it: the seed is inverted on the way in and the result on the way out,
 * so seed 0 gives the standard CRC-32C (0xe3069283 for "123456789") and a
 * previous crc_val as seed continues a running CRC.
 */
static uint32_t dsa_crc(uint32_t seed, const uint8_t *buf, uint32_t len)
{
    /* QEMU's crc32c() updates from its argument and inverts the result. */
    return crc32c(~seed, buf, len);
}

static void dsa_op_crcgen(DsaCtx *c, const DsaDescView *d, DsaRes *r)
{
    uint8_t *buf = c->s->scratch[0];
    uint32_t got = dsa_read(c, d->addr1, buf, d->size, r);

    r->bytes = got;
    if (got == d->size) {
        r->crc = dsa_crc(ldl_le_p(d->raw + 40), buf, got);
        r->has_crc = true;
    }
}

static void dsa_op_copy_crc(DsaCtx *c, const DsaDescView *d, DsaRes *r)
{
    uint8_t *buf = c->s->scratch[0];
    uint32_t got = dsa_read(c, d->addr1, buf, d->size, r);

    r->bytes = dsa_write(c, d->addr2, buf, got, r);
    if (r->bytes == d->size) {
        r->crc = dsa_crc(ldl_le_p(d->raw + 40), buf, got);
        r->has_crc = true;
    }
}

static void dsa_op_cflush(DsaCtx *c, const DsaDescView *d, DsaRes *r)
{
    /* Nothing is cached in the model; still translate every page. */
    r->bytes = dsa_read(c, d->addr2, c->s->scratch[0], d->size, r);
}

/* ---- validation ------------------------------------------------------------- */

static bool dsa_op_supported(uint8_t op)
{
    switch (op) {
    case DSA_OP_NOOP:
    case DSA_OP_BATCH:
    case DSA_OP_DRAIN:
    case DSA_OP_MEMMOVE:
    case DSA_OP_MEMFILL:
    case DSA_OP_COMPARE:
    case DSA_OP_COMPVAL:
    case DSA_OP_DUALCAST:
    case DSA_OP_CRCGEN:
    case DSA_OP_COPY_CRC:
    case DSA_OP_CFLUSH:
        return true;
    default:
        return false;           /* incl. CR_DELTA, AP_DELTA, DIF */
    }
}

static uint32_t dsa_bad_flags(DsaCtx *c, const DsaDescView *d)
{
    uint32_t bad = DSA_F_RSVD_HI | DSA_F_RSVD6 | DSA_F_BOF | DSA_F_DRDBK;

    /*
     * A user-privilege WQ may interrupt only when GENCFG allows it.  For
     * a dedicated WQ the privilege is WQCFG.priv (Linux's idxd leaves it
     * 0 for kernel WQs and sets GENCFG.user_int_en instead).
     */
    if (!(c->s->wq[c->wq].cfg[2] & DSA_WQCFG_PRIV) &&
        !(c->s->gencfg & DSA_GENCFG_USER_INT_EN)) {
        bad |= DSA_F_RCI;
    }

    if (d->opcode != DSA_OP_COMPARE && d->opcode != DSA_OP_COMPVAL) {
        bad |= DSA_F_CR;
    }
    return d->flags & bad;
}

/* First byte of the operation-specific area (40..63) that must be zero. */
static size_t dsa_op_used_tail(uint8_t op)
{
    switch (op) {
    case DSA_OP_COMPARE:
    case DSA_OP_COMPVAL:
        return 41;              /* expected_res */
    case DSA_OP_DUALCAST:
        return 48;              /* dest2 */
    case DSA_OP_CRCGEN:
    case DSA_OP_COPY_CRC:
        return 44;              /* crc_seed */
    default:
        return 40;
    }
}

/* Address and size fields an operation does not use must be zero. */
static bool dsa_unused_fields_set(const DsaDescView *d)
{
    switch (d->opcode) {
    case DSA_OP_NOOP:
    case DSA_OP_DRAIN:
        return d->addr1 || d->addr2 || d->size;
    case DSA_OP_BATCH:
    case DSA_OP_CRCGEN:
        return d->addr2;
    case DSA_OP_CFLUSH:
        return d->addr1;
    default:
        return false;
    }
}

static uint8_t dsa_check_fields(DsaCtx *c, const DsaDescView *d)
{
    DsaWq *wq = &c->s->wq[c->wq];
    uint32_t max_xfer = 1u << dsa_wq_max_xfer_shift(wq);
    uint32_t max_batch = 1u << dsa_wq_max_batch_shift(wq);

    switch (d->opcode) {
    case DSA_OP_NOOP:
    case DSA_OP_DRAIN:
        return DSA_COMP_SUCCESS;
    case DSA_OP_BATCH:
        if (d->size < 2 || d->size > max_batch) {
            return DSA_COMP_DESC_CNT_ERANGE;
        }
        if (d->addr1 & 63) {
            return DSA_COMP_DESCLIST_ALIGN;
        }
        return DSA_COMP_SUCCESS;
    default:
        break;
    }
    if (!d->size || d->size > max_xfer) {
        return DSA_COMP_XFER_ERANGE;
    }
    if (d->opcode == DSA_OP_DUALCAST) {
        uint64_t dst2 = ldq_le_p(d->raw + 40);

        if ((d->addr2 & 0xfff) != (dst2 & 0xfff)) {
            return DSA_COMP_DCAST_ERR;
        }
        if (dsa_overlap(d->addr1, d->addr2, d->size) ||
            dsa_overlap(d->addr1, dst2, d->size) ||
            dsa_overlap(d->addr2, dst2, d->size)) {
            return DSA_COMP_OVERLAP;
        }
    }
    if (d->opcode == DSA_OP_COPY_CRC &&
        dsa_overlap(d->addr1, d->addr2, d->size)) {
        return DSA_COMP_OVERLAP;
    }
    return DSA_COMP_SUCCESS;
}

/* ---- completion ------------------------------------------------------------- */

/* The 32-byte completion record of a result. */
static void dsa_fill_cr(const DsaRes *r, uint8_t cr[32])
{
    memset(cr, 0, 32);
    cr[0] = r->status | (r->write_fault && r->status == DSA_COMP_PAGE_FAULT ?
                         DSA_COMP_WRITE_FAULT : 0);
    cr[1] = r->result;
    stl_le_p(cr + 4, r->bytes);
    stq_le_p(cr + 8, r->fault_addr);
    if (r->status == DSA_COMP_INVALID_FLAGS) {
        stl_le_p(cr + 16, r->invalid_flags);
    } else if (r->has_crc) {
        stq_le_p(cr + 16, r->crc);
    }
}

/* An error with no completion record to tell it: event log or SWERR. */
static void dsa_swerr(DsaCtx *c, const DsaDescView *d, const DsaRes *r,
                      uint8_t error)
{
    uint64_t e[4] = { 0 };
    uint8_t cr[32];

    e[0] = (1ull << 2) | (1ull << 3) |              /* desc, wq_idx valid */
           ((uint64_t)(c->in_batch ? 1 : 0) << 4) |
           ((uint64_t)(r->write_fault ? 1 : 0) << 5) |
           ((uint64_t)((d->pasid_word >> 31) & 1) << 6) |
           ((uint64_t)error << 8) |
           ((uint64_t)c->wq << 16) |
           ((uint64_t)d->opcode << 32) |
           ((uint64_t)(d->pasid_word & 0xfffff) << 40);
    e[1] = c->batch_idx | ((uint64_t)r->invalid_flags << 32);
    e[2] = r->fault_addr;
    dsa_fill_cr(r, cr);         /* the record it could not write */
    dsa_report_error(c->s, e, cr);
}

static bool dsa_status_ok(uint8_t status)
{
    return status == DSA_COMP_SUCCESS || status == DSA_COMP_SUCCESS_PRED;
}

/*
 * DSA_EMU_CTRL_STAMP: does this record get the benchmark's TSC stamps?
 * Only successful operations whose record leaves bytes 16-31 reserved.
 */
static bool dsa_stamped(DsaCtx *c, const DsaDescView *d, const DsaRes *r)
{
    return (c->s->emu_ctrl & DSA_EMU_CTRL_STAMP) && !c->in_batch &&
           r->status == DSA_COMP_SUCCESS &&
           (d->opcode == DSA_OP_MEMMOVE || d->opcode == DSA_OP_NOOP);
}

/*
 * The guest's TSC now: under TCG, RDTSC reads cpus_get_elapsed_ticks()
 * plus a per-CPU offset that only nested SVM sets.
 */
static uint64_t dsa_guest_tsc(void)
{
    return cpus_get_elapsed_ticks();
}

/*
 * Write the 32-byte completion record, status byte last so a poller never
 * sees a status ahead of the rest.  Returns false when it could not be
 * written (the caller then reports through SWERR).
 */
static bool dsa_write_cr(DsaCtx *c, const DsaDescView *d, const DsaRes *r)
{
    uint8_t cr[32];

    dsa_fill_cr(r, cr);
    if (dsa_stamped(c, d, r)) {
        stq_le_p(cr + 16, dsa_guest_tsc());
    }
    if (dsa_dma(c, d->cr_addr + 1, cr + 1, 31, DMA_DIRECTION_FROM_DEVICE) !=
        MEMTX_OK ||
        dsa_dma(c, d->cr_addr, cr, 1, DMA_DIRECTION_FROM_DEVICE) != MEMTX_OK) {
        return false;
    }
    return true;
}

static void dsa_complete(DsaCtx *c, const DsaDescView *d, DsaRes *r,
                         bool irq_ok)
{
    bool failed = !dsa_status_ok(r->status);
    bool cr_written = false;

    if ((d->flags & DSA_F_CRAV) && !(d->cr_addr & 31) &&
        ((d->flags & DSA_F_RCR) || failed)) {
        cr_written = dsa_write_cr(c, d, r);
        if (!cr_written) {
            DsaRes x = *r;

            x.fault_addr = d->cr_addr;
            dsa_swerr(c, d, &x, DSA_COMP_CRA_XLAT);
        }
    } else if ((d->flags & DSA_F_CRAV) && (d->cr_addr & 31)) {
        DsaRes x = *r;

        x.fault_addr = d->cr_addr;
        dsa_swerr(c, d, &x, DSA_COMP_CRA_ALIGN);
    } else if (failed) {
        dsa_swerr(c, d, r, r->status);
    }
    if ((d->flags & DSA_F_RCI) && irq_ok) {
        if (cr_written && dsa_stamped(c, d, r)) {
            uint64_t t = cpu_to_le64(dsa_guest_tsc());

            dsa_dma(c, d->cr_addr + 24, &t, 8, DMA_DIRECTION_FROM_DEVICE);
        }
        dsa_irq_fire(c->s, c->ims, d->int_handle);
    }
}

static void dsa_run_one(DsaCtx *c, const DsaDescView *d, DsaRes *r);

static void dsa_op_batch(DsaCtx *c, const DsaDescView *d, DsaRes *r)
{
    uint32_t n = d->size, i, ok = 0, got;
    g_autofree uint8_t *list = g_malloc(n * 64);
    DsaCtx sub = *c;
    bool any_failed = false;

    got = dsa_read(c, d->addr1, list, n * 64, r);
    if (got < n * 64) {
        r->status = DSA_COMP_BATCH_PAGE_FAULT;
        r->bytes = 0;
        return;
    }
    sub.in_batch = true;
    for (i = 0; i < n; i++) {
        DsaDescView sd;
        DsaRes sr = { 0 };

        dsa_view(&sd, list + i * 64);
        if ((sd.flags & DSA_F_FENCE) && any_failed) {
            break;              /* a fence after a failure ends the batch */
        }
        sub.batch_idx = i;
        dsa_run_one(&sub, &sd, &sr);
        if (dsa_status_ok(sr.status)) {
            ok++;
        } else {
            any_failed = true;
        }
    }
    r->bytes = i;               /* descriptors processed */
    r->status = (ok == n) ? DSA_COMP_SUCCESS : DSA_COMP_BATCH_FAIL;
}

/* Validate, execute and complete one descriptor (also batch members). */
static void dsa_run_one(DsaCtx *c, const DsaDescView *d, DsaRes *r)
{
    bool irq_ok = true;

    c->s->bytes_this_pass += d->opcode == DSA_OP_BATCH ? 0 : d->size;
    r->status = DSA_COMP_SUCCESS;
    if (!dsa_op_supported(d->opcode) ||
        (c->in_batch && (d->opcode == DSA_OP_BATCH ||
                         d->opcode == DSA_OP_DRAIN))) {
        r->status = DSA_COMP_BAD_OPCODE;
    } else if (dsa_bad_flags(c, d)) {
        r->status = DSA_COMP_INVALID_FLAGS;
        r->invalid_flags = dsa_bad_flags(c, d);
        irq_ok = !(r->invalid_flags & DSA_F_RCI);   /* a refused RCI stays quiet */
    } else if ((d->pasid_word & 0x7ff00000) || d->rsvd1 ||
               !dsa_zero(d->raw, dsa_op_used_tail(d->opcode), 64) ||
               dsa_unused_fields_set(d)) {
        r->status = DSA_COMP_NONZERO_RESERVED;
    } else if ((d->flags & DSA_F_CRAV) && (d->cr_addr & 31)) {
        r->status = DSA_COMP_CRA_ALIGN;
    }
    if (r->status == DSA_COMP_SUCCESS && (d->flags & DSA_F_RCI) &&
        !dsa_irq_handle_valid(c->s, c->ims, d->int_handle)) {
        r->status = DSA_COMP_INT_HANDLE_INVAL;
        irq_ok = false;
    }
    if (r->status == DSA_COMP_SUCCESS) {
        r->status = dsa_check_fields(c, d);
    }
    if (r->status == DSA_COMP_SUCCESS) {
        switch (d->opcode) {
        case DSA_OP_BATCH:
            dsa_op_batch(c, d, r);
            break;
        case DSA_OP_MEMMOVE:
            dsa_op_memmove(c, d, r);
            break;
        case DSA_OP_MEMFILL:
            dsa_op_memfill(c, d, r);
            break;
        case DSA_OP_COMPARE:
            dsa_op_compare(c, d, r);
            break;
        case DSA_OP_COMPVAL:
            dsa_op_compval(c, d, r);
            break;
        case DSA_OP_DUALCAST:
            dsa_op_dualcast(c, d, r);
            break;
        case DSA_OP_CRCGEN:
            dsa_op_crcgen(c, d, r);
            break;
        case DSA_OP_COPY_CRC:
            dsa_op_copy_crc(c, d, r);
            break;
        case DSA_OP_CFLUSH:
            dsa_op_cflush(c, d, r);
            break;
        default:                /* NOOP, DRAIN: in-order queue is drained */
            break;
        }
    }
    dsa_complete(c, d, r, irq_ok);
}

void dsa_execute(IntelDsaState *s, unsigned int wq, const DsaQueued *q)
{
    DsaCtx c = { .s = s, .wq = wq, .ims = q->ims,
                 .as = dsa_dma_as(s, wq, q->desc) };
    DsaDescView d;
    DsaRes r = { 0 };

    dsa_view(&d, q->desc);
    dsa_run_one(&c, &d, &r);
    /* Batches count their members' bytes through dsa_run_one(). */
    s->bytes_this_pass += 64;
}
