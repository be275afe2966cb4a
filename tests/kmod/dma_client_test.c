// SPDX-License-Identifier: GPL-2.0
/*
 * dma_client_test - a dmaengine client for idxd_ims's channels (the stock
 * kernel has no dmatest).  At load: take a memcpy channel, run `count`
 * memcpys of random sizes and offsets, up to `depth` in flight, verify
 * every byte, then some memsets.  Loading fails (-EIO) if anything is
 * wrong; dmesg says what.  Unload afterwards.
 *
 * With reset=1 it issues half of `depth` memcpys (the test holds them
 * on the device and halts it), waits for the test to write 1 to the `go`
 * parameter (while the device is being reset), issues the other half,
 * waits for each, and says how many were aborted and how many completed
 * verified.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dmaengine.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>

static unsigned int count = 10000;
module_param(count, uint, 0444);
static unsigned int max_size = 65536;
module_param(max_size, uint, 0444);
static unsigned int depth = 8;
module_param(depth, uint, 0444);
static bool reset;
module_param(reset, bool, 0444);
static int go;
module_param(go, int, 0644);

#define MAX_DEPTH 64

struct xfer {
	struct completion done;
	enum dmaengine_tx_result result;
	u8 *src, *dst;			/* buffer bases */
	dma_addr_t src_dma, dst_dma;
	size_t off_s, off_d, len;	/* this transfer */
	bool busy;
};

static void xfer_done(void *arg, const struct dmaengine_result *res)
{
	struct xfer *x = arg;

	x->result = res->result;
	complete(&x->done);
}

static int xfer_start(struct dma_chan *chan, struct xfer *x)
{
	struct dma_async_tx_descriptor *tx;

	x->off_s = get_random_u32_below(64);
	x->off_d = get_random_u32_below(64);
	x->len = 1 + get_random_u32_below(max_size);
	get_random_bytes(x->src + x->off_s, x->len);
	memset(x->dst + x->off_d, 0, x->len);
	tx = dmaengine_prep_dma_memcpy(chan, x->dst_dma + x->off_d,
				       x->src_dma + x->off_s, x->len,
				       DMA_PREP_INTERRUPT | DMA_CTRL_ACK);
	if (!tx)
		return -ENOMEM;
	reinit_completion(&x->done);
	tx->callback_result = xfer_done;
	tx->callback_param = x;
	if (dma_submit_error(dmaengine_submit(tx)))
		return -EIO;
	x->busy = true;
	return 0;
}

static int xfer_finish(struct xfer *x, unsigned int n)
{
	x->busy = false;
	if (!wait_for_completion_timeout(&x->done, 5 * HZ)) {
		pr_err("dma_client_test: memcpy %u (%zu bytes) timed out\n", n, x->len);
		return -ETIMEDOUT;
	}
	if (x->result != DMA_TRANS_NOERROR) {
		pr_err("dma_client_test: memcpy %u failed (%d)\n", n, x->result);
		return -EIO;
	}
	if (memcmp(x->src + x->off_s, x->dst + x->off_d, x->len)) {
		pr_err("dma_client_test: memcpy %u (%zu bytes): data differs\n", n, x->len);
		return -EIO;
	}
	return 0;
}

static int run_memsets(struct dma_chan *chan, struct device *dev)
{
	struct xfer x = { };
	struct dma_async_tx_descriptor *tx;
	u8 *buf;
	dma_addr_t dma;
	int i, rc = 0;

	buf = dma_alloc_coherent(dev, 8192, &dma, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	init_completion(&x.done);
	for (i = 0; i < 16 && !rc; i++) {
		size_t len = 1 + get_random_u32_below(8000);
		int v = get_random_u32_below(256);

		memset(buf, ~v, 8192);
		tx = dmaengine_prep_dma_memset(chan, dma, v, len, DMA_PREP_INTERRUPT);
		if (!tx) {
			rc = -ENOMEM;
			break;
		}
		reinit_completion(&x.done);
		tx->callback_result = xfer_done;
		tx->callback_param = &x;
		dmaengine_submit(tx);
		dma_async_issue_pending(chan);
		if (!wait_for_completion_timeout(&x.done, 5 * HZ) ||
		    x.result != DMA_TRANS_NOERROR ||
		    memchr_inv(buf, v, len) || buf[len] != (u8)~v) {
			pr_err("dma_client_test: memset %d (%zu bytes of %#x) wrong\n",
			       i, len, v);
			rc = -EIO;
		}
	}
	dma_free_coherent(dev, 8192, buf, dma);
	return rc;
}

/* reset=1: everything issued at once, each waited for, then tallied */
static int run_reset(struct dma_chan *chan, struct xfer *xs)
{
	unsigned int i, aborted = 0, good = 0, wrong = 0, late = 0;
	int rc = 0, ms;

	for (i = 0; i < depth && !rc; i++) {
		if (i == depth / 2) {
			dma_async_issue_pending(chan);
			pr_info("dma_client_test: %u memcpys issued, held for a reset\n", i);
			for (ms = 0; !READ_ONCE(go) && ms < 60000; ms += 20)
				msleep(20);
		}
		rc = xfer_start(chan, &xs[i]);
	}
	if (rc) {
		pr_err("dma_client_test: cannot prepare memcpy %u: %d\n", i - 1, rc);
		return rc;
	}
	dma_async_issue_pending(chan);
	pr_info("dma_client_test: %u more issued\n", depth - depth / 2);
	for (i = 0; i < depth; i++) {
		xs[i].busy = false;
		if (!wait_for_completion_timeout(&xs[i].done, 60 * HZ))
			late++;
		else if (xs[i].result != DMA_TRANS_NOERROR)
			aborted++;
		else if (memcmp(xs[i].src + xs[i].off_s, xs[i].dst + xs[i].off_d,
				xs[i].len))
			wrong++;
		else
			good++;
	}
	pr_info("dma_client_test: reset: %u aborted, %u completed and verified, %u wrong, %u timed out\n",
		aborted, good, wrong, late);
	return wrong || late ? -EIO : 0;
}

static int __init dct_init(void)
{
	static struct xfer xs[MAX_DEPTH];
	size_t bufsz = max_size + 64;
	struct dma_chan *chan;
	struct device *dev;
	dma_cap_mask_t mask;
	unsigned int i, n = 0, done = 0;
	int rc = 0;

	if (!count || !max_size || !depth || depth > MAX_DEPTH)
		return -EINVAL;
	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	chan = dma_request_chan_by_mask(&mask);
	if (IS_ERR(chan)) {
		pr_err("dma_client_test: no memcpy channel: %ld\n", PTR_ERR(chan));
		return PTR_ERR(chan);
	}
	dev = chan->device->dev;
	pr_info("dma_client_test: channel %s of %s\n", dma_chan_name(chan), dev_name(dev));
	for (i = 0; i < depth; i++) {
		init_completion(&xs[i].done);
		xs[i].src = dma_alloc_coherent(dev, bufsz, &xs[i].src_dma, GFP_KERNEL);
		xs[i].dst = dma_alloc_coherent(dev, bufsz, &xs[i].dst_dma, GFP_KERNEL);
		if (!xs[i].src || !xs[i].dst) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (reset) {
		rc = run_reset(chan, xs);
		goto out;
	}
	while (done < count && !rc) {
		/* fill the pipeline, then reap the oldest */
		for (i = 0; i < depth && n < count; i++) {
			if (xs[i].busy)
				continue;
			rc = xfer_start(chan, &xs[i]);
			if (rc) {
				pr_err("dma_client_test: cannot prepare memcpy %u: %d\n", n, rc);
				break;
			}
			n++;
		}
		dma_async_issue_pending(chan);
		for (i = 0; i < depth && !rc; i++) {
			if (!xs[i].busy)
				continue;
			rc = xfer_finish(&xs[i], done);
			done++;
		}
	}
	if (!rc)
		rc = run_memsets(chan, dev);
	if (!rc)
		pr_info("dma_client_test: %u memcpys of 1..%u bytes and 16 memsets verified\n",
			done, max_size);
out:
	dmaengine_terminate_sync(chan);
	for (i = 0; i < depth; i++) {
		if (xs[i].src)
			dma_free_coherent(dev, bufsz, xs[i].src, xs[i].src_dma);
		if (xs[i].dst)
			dma_free_coherent(dev, bufsz, xs[i].dst, xs[i].dst_dma);
	}
	dma_release_channel(chan);
	return rc ? -EIO : 0;
}

static void __exit dct_exit(void)
{
}

module_init(dct_init);
module_exit(dct_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dmaengine client test for idxd_ims");
