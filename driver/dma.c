// SPDX-License-Identifier: GPL-2.0
/*
 * dmaengine provider: one channel per kernel WQ bound to the "dmaengine"
 * driver.  memcpy becomes MEMMOVE and memset MEMFILL; every descriptor
 * asks for a completion record and a completion interrupt, which arrives
 * through the WQ's IMS slot (or MSI-X vector) and reaps finished
 * descriptors in order.  A full WQ leaves work pending, retried at the
 * next completion, instead of a dropped descriptor.
 */
#include <linux/dmaengine.h>
#include <linux/dma-mapping.h>
#include <linux/slab.h>
#include "../uapi/linux/idxd_ims.h"
#include "idxd_ims.h"

struct idxd_dma_desc {
	struct dma_async_tx_descriptor txd;
	struct list_head node;
	struct idxd_ims_desc hw;
	struct idxd_ims_completion *cr;
	dma_addr_t cr_dma;
};

struct idxd_dma_chan {
	struct dma_device ddev;
	struct dma_chan chan;
	struct idxd_wq *wq;		/* NULL once unregistered */
	struct device *dev;		/* held until release */
	u64 max_xfer;
	int irq;
	struct idxd_user user;		/* the device's resets */
	spinlock_t lock;		/* the lists, stopped, dead */
	struct list_head free;
	struct list_head pending;	/* submitted, not yet in the WQ */
	struct list_head active;	/* in the WQ, oldest first */
	struct list_head lost;		/* in the WQ when it was reset */
	bool stopped;			/* resetting or dead: nothing pushed */
	bool dead;			/* recovery failed: nothing prepared */
	struct idxd_dma_desc *descs;
	unsigned int ndesc;
	void *crs;
	dma_addr_t crs_dma;
	u64 errors;
};

/*
 * Cookie bookkeeping.  drivers/dma/dmaengine.h has these as inlines, but
 * it is not part of the installed headers an out-of-tree module sees.
 */
static void idxd_cookie_init(struct dma_chan *c)
{
	c->cookie = DMA_MIN_COOKIE;
	c->completed_cookie = DMA_MIN_COOKIE;
}

static dma_cookie_t idxd_cookie_assign(struct dma_async_tx_descriptor *tx)
{
	struct dma_chan *c = tx->chan;
	dma_cookie_t cookie = c->cookie + 1;

	if (cookie < DMA_MIN_COOKIE)
		cookie = DMA_MIN_COOKIE;
	tx->cookie = cookie;
	c->cookie = cookie;
	return cookie;
}

static void idxd_cookie_complete(struct dma_async_tx_descriptor *tx)
{
	tx->chan->completed_cookie = tx->cookie;
	tx->cookie = 0;
}

static enum dma_status idxd_cookie_status(struct dma_chan *c,
					  dma_cookie_t cookie,
					  struct dma_tx_state *state)
{
	dma_cookie_t used = READ_ONCE(c->cookie);
	dma_cookie_t complete = READ_ONCE(c->completed_cookie);

	if (state) {
		state->last = complete;
		state->used = used;
		state->residue = 0;
		state->in_flight_bytes = 0;
	}
	return dma_async_is_complete(cookie, complete, used);
}

struct idxd_dma_cb {
	dma_async_tx_callback cb;
	dma_async_tx_callback_result cb_result;
	void *param;
};

static struct idxd_dma_chan *to_idc(struct dma_chan *c)
{
	return container_of(c, struct idxd_dma_chan, chan);
}

static struct idxd_dma_desc *to_idd(struct dma_async_tx_descriptor *t)
{
	return container_of(t, struct idxd_dma_desc, txd);
}

static dma_cookie_t idxd_dma_tx_submit(struct dma_async_tx_descriptor *txd)
{
	struct idxd_dma_chan *idc = to_idc(txd->chan);
	struct idxd_dma_desc *d = to_idd(txd);
	unsigned long flags;
	dma_cookie_t cookie;

	spin_lock_irqsave(&idc->lock, flags);
	cookie = idxd_cookie_assign(txd);
	list_move_tail(&d->node, &idc->pending);
	spin_unlock_irqrestore(&idc->lock, flags);
	return cookie;
}

static struct idxd_dma_desc *idxd_dma_get(struct idxd_dma_chan *idc, u8 op,
					  unsigned long flags)
{
	struct idxd_dma_desc *d;
	unsigned long lflags;

	spin_lock_irqsave(&idc->lock, lflags);
	d = idc->wq && !idc->dead ?
	    list_first_entry_or_null(&idc->free, struct idxd_dma_desc, node) : NULL;
	if (d)
		list_del_init(&d->node);
	spin_unlock_irqrestore(&idc->lock, lflags);
	if (!d)
		return NULL;
	memset(&d->hw, 0, sizeof(d->hw));
	memset(d->cr, 0, sizeof(*d->cr));
	/* Kernel WQs are privileged (WQCFG): the descriptor's bit is unused. */
	d->hw.flags_opcode = ((u32)op << 24) | IDXD_IMS_F_CRAV | IDXD_IMS_F_RCR |
			     IDXD_IMS_F_RCI;
	d->hw.completion_addr = d->cr_dma;
	d->txd.flags = flags;
	return d;
}

static struct dma_async_tx_descriptor *
idxd_dma_prep_memcpy(struct dma_chan *c, dma_addr_t dst, dma_addr_t src,
		     size_t len, unsigned long flags)
{
	struct idxd_dma_chan *idc = to_idc(c);
	struct idxd_dma_desc *d;

	if (!len || len > idc->max_xfer)
		return NULL;
	d = idxd_dma_get(idc, IDXD_IMS_OP_MEMMOVE, flags);
	if (!d)
		return NULL;
	d->hw.src = src;
	d->hw.dst = dst;
	d->hw.size = len;
	return &d->txd;
}

static struct dma_async_tx_descriptor *
idxd_dma_prep_memset(struct dma_chan *c, dma_addr_t dst, int value, size_t len,
		     unsigned long flags)
{
	struct idxd_dma_chan *idc = to_idc(c);
	struct idxd_dma_desc *d;

	if (!len || len > idc->max_xfer)
		return NULL;
	d = idxd_dma_get(idc, IDXD_IMS_OP_MEMFILL, flags);
	if (!d)
		return NULL;
	d->hw.src = 0x0101010101010101ULL * (u8)value;	/* the pattern */
	d->hw.dst = dst;
	d->hw.size = len;
	return &d->txd;
}

/* Move pending descriptors into the WQ while it has room. */
static void idxd_dma_push(struct idxd_dma_chan *idc)
{
	struct idxd_dma_desc *d, *tmp;

	lockdep_assert_held(&idc->lock);
	if (!idc->wq || idc->stopped)
		return;
	list_for_each_entry_safe(d, tmp, &idc->pending, node) {
		/* the handle now: a reset may have brought another */
		d->hw.int_handle = idxd_wq_handle(idc->wq);
		if (idxd_submit(idc->wq, &d->hw))
			break;		/* full (or disabled): retry later */
		list_move_tail(&d->node, &idc->active);
	}
}

static void idxd_dma_issue_pending(struct dma_chan *c)
{
	struct idxd_dma_chan *idc = to_idc(c);
	unsigned long flags;

	spin_lock_irqsave(&idc->lock, flags);
	idxd_dma_push(idc);
	spin_unlock_irqrestore(&idc->lock, flags);
}

/* Complete finished descriptors, oldest first; callbacks run unlocked. */
static void idxd_dma_reap(struct idxd_dma_chan *idc)
{
	struct idxd_dma_desc *d;
	struct dmaengine_result res;
	struct idxd_dma_cb cb;
	unsigned long flags;
	u8 st;

	for (;;) {
		spin_lock_irqsave(&idc->lock, flags);
		if (!idc->wq) {			/* unregistered */
			spin_unlock_irqrestore(&idc->lock, flags);
			return;
		}
		d = list_first_entry_or_null(&idc->active, struct idxd_dma_desc,
					     node);
		st = d ? READ_ONCE(d->cr->status) : 0;
		if (!st) {
			idxd_dma_push(idc);
			spin_unlock_irqrestore(&idc->lock, flags);
			return;
		}
		dma_rmb();	/* the record's other fields after its status */
		res.result = (st & IDXD_IMS_ST_MASK) == IDXD_IMS_ST_SUCCESS ?
			     DMA_TRANS_NOERROR : DMA_TRANS_ABORTED;
		res.residue = 0;
		if (res.result != DMA_TRANS_NOERROR) {
			idc->errors++;
			dev_err_ratelimited(&idc->wq->conf_dev,
					    "dmaengine descriptor failed: status %#x at %#llx\n",
					    st, d->cr->fault_addr);
		}
		idxd_cookie_complete(&d->txd);
		cb.cb = d->txd.callback;
		cb.cb_result = d->txd.callback_result;
		cb.param = d->txd.callback_param;
		list_move_tail(&d->node, &idc->free);
		idxd_dma_push(idc);
		spin_unlock_irqrestore(&idc->lock, flags);
		if (cb.cb_result)
			cb.cb_result(cb.param, &res);
		else if (cb.cb)
			cb.cb(cb.param);
	}
}

/**
 * idxd_dma_irq() - the WQ's completion interrupt, for its channel
 * @wq: a kernel WQ with a channel
 */
void idxd_dma_irq(struct idxd_wq *wq)
{
	idxd_dma_reap(wq->dma);
}

/*
 * Finish every descriptor on @list (idc->active or idc->pending), oldest
 * first: with its result if the device wrote its record, else aborted.
 */
static void idxd_dma_fail_list(struct idxd_dma_chan *idc, struct list_head *list)
{
	struct idxd_dma_desc *d;
	struct dmaengine_result res = { };
	struct idxd_dma_cb cb;
	unsigned long flags;
	u8 st;

	for (;;) {
		spin_lock_irqsave(&idc->lock, flags);
		d = list_first_entry_or_null(list, struct idxd_dma_desc, node);
		if (!d) {
			spin_unlock_irqrestore(&idc->lock, flags);
			return;
		}
		st = READ_ONCE(d->cr->status);
		res.result = (st & IDXD_IMS_ST_MASK) == IDXD_IMS_ST_SUCCESS ?
			     DMA_TRANS_NOERROR : DMA_TRANS_ABORTED;
		idxd_cookie_complete(&d->txd);
		cb.cb = d->txd.callback;
		cb.cb_result = d->txd.callback_result;
		cb.param = d->txd.callback_param;
		list_move_tail(&d->node, &idc->free);
		spin_unlock_irqrestore(&idc->lock, flags);
		if (cb.cb_result)
			cb.cb_result(cb.param, &res);
		else if (cb.cb)
			cb.cb(cb.param);
	}
}

/* Fail every descriptor the device holds or will never get. */
static void idxd_dma_abort_chan(struct idxd_dma_chan *idc)
{
	idxd_dma_fail_list(idc, &idc->lost);
	idxd_dma_fail_list(idc, &idc->active);
	idxd_dma_fail_list(idc, &idc->pending);
}

/*
 * A reset is coming: what the WQ holds will be lost.  It is set aside,
 * so that nothing pushed once the WQ is back (by a client, or by a
 * completion) can be taken for it, and nothing is pushed until then.
 */
static void idxd_dma_quiesce(struct idxd_user *u)
{
	struct idxd_dma_chan *idc = container_of(u, struct idxd_dma_chan, user);
	unsigned long flags;

	spin_lock_irqsave(&idc->lock, flags);
	idc->stopped = true;
	list_splice_tail_init(&idc->active, &idc->lost);
	spin_unlock_irqrestore(&idc->lock, flags);
}

/*
 * After the reset: what the device held completes as aborted (but for
 * records it wrote before the halt); what it never got goes in now.  If
 * the device is dead, what it never got is failed, nothing new is
 * prepared, and what it held stays set aside: it may still write those
 * records, until the channel goes.
 */
static void idxd_dma_resume(struct idxd_user *u, enum idxd_health now)
{
	struct idxd_dma_chan *idc = container_of(u, struct idxd_dma_chan, user);
	unsigned long flags;

	if (now != IDXD_LIVE) {
		spin_lock_irqsave(&idc->lock, flags);
		idc->dead = true;
		spin_unlock_irqrestore(&idc->lock, flags);
		idxd_dma_fail_list(idc, &idc->pending);
		return;
	}
	idxd_dma_fail_list(idc, &idc->lost);
	spin_lock_irqsave(&idc->lock, flags);
	idc->stopped = false;
	idc->dead = false;
	idxd_dma_push(idc);
	spin_unlock_irqrestore(&idc->lock, flags);
}

static const struct idxd_user_ops idxd_dma_user_ops = {
	.quiesce = idxd_dma_quiesce,
	.resume = idxd_dma_resume,
};

static enum dma_status idxd_dma_tx_status(struct dma_chan *c,
					  dma_cookie_t cookie,
					  struct dma_tx_state *state)
{
	/* Completion comes from the interrupt; callbacks never run here. */
	return idxd_cookie_status(c, cookie, state);
}

/* Drop what is not yet in the WQ; what is in it completes silently. */
static int idxd_dma_terminate_all(struct dma_chan *c)
{
	struct idxd_dma_chan *idc = to_idc(c);
	struct idxd_dma_desc *d;
	unsigned long flags;

	spin_lock_irqsave(&idc->lock, flags);
	list_for_each_entry(d, &idc->active, node) {
		d->txd.callback = NULL;
		d->txd.callback_result = NULL;
	}
	list_for_each_entry(d, &idc->lost, node) {
		d->txd.callback = NULL;
		d->txd.callback_result = NULL;
	}
	list_splice_tail_init(&idc->pending, &idc->free);
	spin_unlock_irqrestore(&idc->lock, flags);
	return 0;
}

/* After terminate_all: no callback is running or will run. */
static void idxd_dma_synchronize(struct dma_chan *c)
{
	struct idxd_dma_chan *idc = to_idc(c);

	if (idc->irq >= 0)
		synchronize_irq(idc->irq);
}

static int idxd_dma_alloc_chan(struct dma_chan *c)
{
	idxd_cookie_init(c);
	return to_idc(c)->ndesc;
}

static void idxd_dma_free_chan(struct dma_chan *c)
{
	struct idxd_dma_chan *idc = to_idc(c);
	unsigned long flags;

	/* Clients terminate before freeing; whatever is left is dropped. */
	spin_lock_irqsave(&idc->lock, flags);
	list_splice_tail_init(&idc->pending, &idc->free);
	spin_unlock_irqrestore(&idc->lock, flags);
}

static void idxd_dma_release(struct dma_device *ddev)
{
	struct idxd_dma_chan *idc = container_of(ddev, struct idxd_dma_chan, ddev);

	if (idc->crs)
		dma_free_coherent(idc->dev, idc->ndesc * IDXD_IMS_COMPLETION_SIZE,
				  idc->crs, idc->crs_dma);
	put_device(idc->dev);
	kfree(idc->descs);
	kfree(idc);
}

static int idxd_dma_alloc_descs(struct idxd_dma_chan *idc, struct device *dev)
{
	unsigned int i;

	idc->descs = kcalloc(idc->ndesc, sizeof(*idc->descs), GFP_KERNEL);
	if (!idc->descs)
		return -ENOMEM;
	idc->crs = dma_alloc_coherent(dev, idc->ndesc * IDXD_IMS_COMPLETION_SIZE,
				      &idc->crs_dma, GFP_KERNEL);
	if (!idc->crs) {
		kfree(idc->descs);
		idc->descs = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < idc->ndesc; i++) {
		struct idxd_dma_desc *d = &idc->descs[i];

		d->cr = idc->crs + i * IDXD_IMS_COMPLETION_SIZE;
		d->cr_dma = idc->crs_dma + i * IDXD_IMS_COMPLETION_SIZE;
		dma_async_tx_descriptor_init(&d->txd, &idc->chan);
		d->txd.tx_submit = idxd_dma_tx_submit;
		list_add_tail(&d->node, &idc->free);
	}
	return 0;
}

/**
 * idxd_dma_register() - a dmaengine channel for an enabled kernel WQ
 * @wq: the work queue; caller holds idev->lock
 *
 * Return: 0 or a negative errno with nothing registered.
 */
int idxd_dma_register(struct idxd_wq *wq)
{
	struct device *dev = idev_dev(wq->idev);
	struct idxd_dma_chan *idc;
	struct dma_device *dd;
	int rc;

	lockdep_assert_held(&wq->idev->lock);
	idc = kzalloc(sizeof(*idc), GFP_KERNEL);
	if (!idc)
		return -ENOMEM;
	idc->wq = wq;
	idc->ndesc = wq->size;
	idc->max_xfer = wq->max_xfer_bytes;
	idc->irq = wq->irq;
	spin_lock_init(&idc->lock);
	INIT_LIST_HEAD(&idc->free);
	INIT_LIST_HEAD(&idc->pending);
	INIT_LIST_HEAD(&idc->active);
	INIT_LIST_HEAD(&idc->lost);
	dd = &idc->ddev;
	dd->dev = dev;
	INIT_LIST_HEAD(&dd->channels);
	idc->chan.device = dd;
	list_add_tail(&idc->chan.device_node, &dd->channels);
	rc = idxd_dma_alloc_descs(idc, dev);
	if (rc) {
		kfree(idc);
		return rc;
	}
	dma_cap_set(DMA_MEMCPY, dd->cap_mask);
	dma_cap_set(DMA_MEMSET, dd->cap_mask);
	dd->device_alloc_chan_resources = idxd_dma_alloc_chan;
	dd->device_free_chan_resources = idxd_dma_free_chan;
	dd->device_prep_dma_memcpy = idxd_dma_prep_memcpy;
	dd->device_prep_dma_memset = idxd_dma_prep_memset;
	dd->device_issue_pending = idxd_dma_issue_pending;
	dd->device_tx_status = idxd_dma_tx_status;
	dd->device_release = idxd_dma_release;
	dd->device_terminate_all = idxd_dma_terminate_all;
	dd->device_synchronize = idxd_dma_synchronize;
	dd->copy_align = DMAENGINE_ALIGN_1_BYTE;
	dd->fill_align = DMAENGINE_ALIGN_1_BYTE;
	idc->dev = get_device(dev);
	rc = dma_async_device_register(dd);
	if (rc) {
		put_device(dev);
		dev_err(&wq->conf_dev, "dmaengine registration failed: %d\n", rc);
		dma_free_coherent(dev, idc->ndesc * IDXD_IMS_COMPLETION_SIZE,
				  idc->crs, idc->crs_dma);
		kfree(idc->descs);
		kfree(idc);
		return rc;
	}
	wq->dma = idc;
	idxd_user_add(wq->idev, &idc->user, &idxd_dma_user_ops);
	dev_info(&wq->conf_dev, "dmaengine channel %s (memcpy, memset)\n",
		 dma_chan_name(&idc->chan));
	return 0;
}

/**
 * idxd_dma_unregister() - remove the channel of a WQ already disabled
 * @wq: the work queue, drained by DISABLE_WQ; caller holds idev->lock
 *
 * Clients still holding the channel get no new descriptors; the channel
 * and its records are freed when the last of them lets go.
 */
void idxd_dma_unregister(struct idxd_wq *wq)
{
	struct idxd_dma_chan *idc = wq->dma;
	unsigned long flags;

	lockdep_assert_held(&wq->idev->lock);
	if (!idc)
		return;
	idxd_user_del(wq->idev, &idc->user);
	/* Finish what the drain completed, fail the rest, then go. */
	idxd_dma_reap(idc);
	spin_lock_irqsave(&idc->lock, flags);
	idc->wq = NULL;
	spin_unlock_irqrestore(&idc->lock, flags);
	idxd_dma_abort_chan(idc);
	/*
	 * Not live (a reset under way, or dead): the device may still write
	 * the records; they stay with it until it is reset or removed.
	 */
	if (!idxd_live(wq->idev)) {
		idxd_dma_orphan(wq->idev, idc->ndesc * IDXD_IMS_COMPLETION_SIZE,
				idc->crs, idc->crs_dma);
		idc->crs = NULL;
	}
	WRITE_ONCE(wq->dma, NULL);
	dma_async_device_unregister(&idc->ddev);
	/* records and idc go in idxd_dma_release(), after the last user */
}
