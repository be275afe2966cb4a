// SPDX-License-Identifier: MIT
/*
 * imsctl run: submit work to a user WQ, wait by interrupt or by polling,
 * verify every result, and report rate, latency and interrupts taken.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "idxd_ims_lib.h"
#include "imsctl.h"

#define MAX_SAMPLES	(1u << 20)
#define MAX_DEPTH	32	/* one DMA buffer each, plus one: the library keeps 64 */
#define CR_SIZE		IDXD_IMS_COMPLETION_SIZE

enum op { OP_MEMMOVE, OP_FILL, OP_COMPARE, OP_CRC, OP_BATCH };
static const char *const op_names[] = { "memmove", "fill", "compare", "crc", "batch" };

enum wait_mode { WAIT_AUTO, WAIT_INTERRUPT, WAIT_POLL };

struct run_cfg {
	enum op op;
	const char *wq_arg;
	uint32_t size;
	long count;
	uint32_t batch;
	int depth;
	enum wait_mode wait;
	bool verify;
	int progress;		/* 0 off, 1 asked for, 2 on a terminal */
	bool json;
	int timeout_ms;
};

/* One descriptor (or batch) in flight and the memory it works on. */
struct slot {
	uint8_t *src, *src2, *dst;	/* batch: members' areas side by side */
	uint64_t src_iova, src2_iova, dst_iova;
	struct idxd_ims_completion *cr;	/* batch: [0] batch, [1..] members */
	uint64_t cr_iova;
	struct idxd_ims_desc *list;	/* batch members */
	uint64_t list_iova;
	long seq;			/* which operation it carries */
	uint32_t expect;		/* crc: the value; compare: difference at */
	struct timespec t0;
};

struct run_state {
	struct run_cfg cfg;
	struct wq_view view;
	struct ims_wq *wq;
	struct slot slots[MAX_DEPTH];
	unsigned int flags;		/* IMS_INTERRUPT or 0 */
	long done, mismatches;
	char first_mismatch[160];
	double *lat_us;
	long nlat;
	bool progress_shown;
	struct timespec start, last_progress;
};

void help_run(FILE *f)
{
	fprintf(f,
"Usage: %s run OP WQ [OPTIONS]\n"
"\n"
"Run COUNT operations on a user work queue and check every result.  OP is\n"
"one of:\n"
"  memmove   copy SIZE bytes\n"
"  fill      fill SIZE bytes with a 64-bit pattern\n"
"  compare   compare two SIZE-byte buffers (every other one differs in one\n"
"            byte, whose offset must be found)\n"
"  crc       CRC-32C of SIZE bytes, checked against a software CRC\n"
"  batch     one BATCH of --batch memmoves of SIZE bytes each\n"
"\n"
"Options:\n"
"  -s, --size BYTES     bytes per operation, K/M/G suffixes (default 4K)\n"
"  -n, --count N        operations (batches for 'batch'; default 1000)\n"
"  -b, --batch N        descriptors per batch (default 8)\n"
"  -d, --depth N        operations in flight (default 1, at most the WQ size\n"
"                       and %d)\n"
"  -i, --interrupt      wait for the completion interrupt (the default when\n"
"                       the WQ has one): each operation requests one\n"
"  -p, --poll           spin on the completion record; no interrupts\n"
"      --no-verify      do not check results\n"
"  -t, --timeout MS     give up on an operation after MS (default 5000)\n"
"      --progress       a progress line each second (default: on a terminal)\n"
"  -q, --quiet          no progress line\n"
"  -j, --json           the result as one JSON object\n"
"  -h, --help           this text\n"
"\n"
"Reports operations and bytes done, the rate, latency from submission to\n"
"completion seen (p50, p99, max), and the WQ's interrupts: those the\n"
"driver's handler took and the change in /proc/interrupts.  With one\n"
"operation in flight and --interrupt, each takes exactly one interrupt.\n"
"\n"
"Exit status: 0 all verified, 1 a device error, mismatch, timeout or\n"
"system error, 2 bad usage.\n", prog, MAX_DEPTH);
}

/* "4096", "4K", "64k", "1M", "1G": 0 or -EINVAL. */
static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (v >> (40 - shift))
		return -EINVAL;
	v <<= shift;
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B')
		end++;
	if (*end || v >> 40)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_op(const char *s, enum op *op)
{
	size_t i;

	for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (!strcmp(s, op_names[i])) {
			*op = (enum op)i;
			return 0;
		}
	return -EINVAL;
}

static int parse_args(int argc, char **argv, struct run_cfg *c)
{
	enum { OPT_NO_VERIFY = 256, OPT_PROGRESS };
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "depth", required_argument, NULL, 'd' },
		{ "interrupt", no_argument, NULL, 'i' },
		{ "poll", no_argument, NULL, 'p' },
		{ "no-verify", no_argument, NULL, OPT_NO_VERIFY },
		{ "timeout", required_argument, NULL, 't' },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	uint64_t size;
	long v;
	int o;

	*c = (struct run_cfg){ .size = 4096, .count = 1000, .batch = 8,
			       .depth = 1, .verify = true, .progress = -1,
			       .timeout_ms = 5000 };
	optind = 1;
	while ((o = getopt_long(argc, argv, ":s:n:b:d:ipt:qjh", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			if (parse_size(optarg, &size) || !size || size > UINT32_MAX)
				return usage_error("run", "bad size '%s' (1 to 4G-1 bytes, e.g. 4096, 64K, 1M)",
						   optarg);
			c->size = size;
			break;
		case 'n':
			if (parse_long(optarg, 1, 1000000000, &c->count))
				return usage_error("run", "bad count '%s' (1 to 1000000000)", optarg);
			break;
		case 'b':
			if (parse_long(optarg, 2, 1 << 20, &v))
				return usage_error("run", "bad batch size '%s' (2 or more)", optarg);
			c->batch = v;
			break;
		case 'd':
			if (parse_long(optarg, 1, MAX_DEPTH, &v))
				return usage_error("run", "bad depth '%s' (1 to %d)", optarg, MAX_DEPTH);
			c->depth = v;
			break;
		case 'i':
		case 'p':
			if (c->wait != WAIT_AUTO)
				return usage_error("run", "--interrupt and --poll exclude each other");
			c->wait = o == 'i' ? WAIT_INTERRUPT : WAIT_POLL;
			break;
		case OPT_NO_VERIFY:
			c->verify = false;
			break;
		case 't':
			if (parse_long(optarg, 1, 3600000, &v))
				return usage_error("run", "bad timeout '%s' (1 to 3600000 ms)", optarg);
			c->timeout_ms = v;
			break;
		case OPT_PROGRESS:
			c->progress = 1;
			break;
		case 'q':
			c->progress = 0;
			break;
		case 'j':
			c->json = true;
			break;
		case 'h':
			help_run(stdout);
			return -1;
		default:
			return option_error("run", o, argv);
		}
	}
	if (argc - optind != 2)
		return usage_error("run", "run needs OP and WQ, e.g. '%s run memmove wq0.0'",
				   prog);
	if (parse_op(argv[optind], &c->op))
		return usage_error("run", "no operation '%s' (memmove, fill, compare, crc, batch)",
				   argv[optind]);
	c->wq_arg = argv[optind + 1];
	return 0;
}

/* Data buffers an operation needs: sources, then a destination. */
static unsigned int data_bufs(enum op op)
{
	return op == OP_FILL || op == OP_CRC ? 1 : 2;
}

/* Bytes of one slot's data buffer: at most one driver buffer. */
static size_t slot_bytes(const struct run_cfg *c)
{
	size_t data = (size_t)c->size * (c->op == OP_BATCH ? c->batch : 1);

	return data_bufs(c->op) * ((data + 63) & ~(size_t)63);
}

/* Can this WQ run it?  Says why not; 0 or an exit code. */
static int check_wq(struct run_state *s)
{
	const struct wq_view *w = &s->view;

	if (strcmp(w->state, "enabled")) {
		err_msg("%s is %s: enable it first (accel-config enable-device dsa%d; accel-config enable-wq dsa%d/%s)",
			w->name, w->state, w->dev, w->dev, w->name);
		return EXIT_FAIL;
	}
	if (strcmp(w->type, "user")) {
		err_msg("%s is a %s work queue: 'run' needs a user WQ (/dev/dsa/%s)",
			w->name, w->type, w->name);
		return EXIT_FAIL;
	}
	if (s->cfg.wait == WAIT_INTERRUPT && w->irq < 0) {
		err_msg("%s has no completion interrupt: use --poll", w->name);
		return EXIT_FAIL;
	}
	return 0;
}

/* Limits only the open WQ knows; usage errors. */
static int check_limits(struct run_state *s)
{
	const struct idxd_ims_wq_info *info = ims_wq_info(s->wq);
	struct run_cfg *c = &s->cfg;

	if (c->size > info->max_xfer)
		return usage_error("run", "size %u is over %s's largest transfer, %u bytes",
				   c->size, s->view.name, info->max_xfer);
	if (c->op == OP_BATCH && c->batch > info->max_batch)
		return usage_error("run", "batch of %u is over %s's largest batch, %u",
				   c->batch, s->view.name, info->max_batch);
	if (slot_bytes(c) > IDXD_IMS_BUFFER_MAX)
		return usage_error("run", "%zu bytes per operation is over the driver's %u-byte DMA buffer: use a smaller --size%s",
				   slot_bytes(c), IDXD_IMS_BUFFER_MAX,
				   c->op == OP_BATCH ? " or --batch" : "");
	if ((uint32_t)c->depth > info->wq_size)
		return usage_error("run", "depth %d is over %s's size, %u", c->depth,
				   s->view.name, info->wq_size);
	return 0;
}

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void fill_random(uint8_t *p, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = mix64(seed + i / 8) >> (8 * (i % 8));
}

static uint64_t carve(uint8_t *base, uint64_t iova, size_t *off, size_t len,
		      uint8_t **p)
{
	*p = base + *off;
	*off += (len + 63) & ~(size_t)63;
	return iova + (*p - base);
}

/*
 * A DMA buffer per slot for its data (the driver's buffers are at most
 * IDXD_IMS_BUFFER_MAX each), and one for every slot's records and list.
 */
static int alloc_slots(struct run_state *s)
{
	struct run_cfg *c = &s->cfg;
	uint32_t members = c->op == OP_BATCH ? c->batch : 1;
	size_t data = (size_t)c->size * members, per, off = 0;
	uint8_t *meta, *base, *p;
	uint64_t miova, iova;
	int i;

	per = (members + 1) * CR_SIZE + members * sizeof(struct idxd_ims_desc);
	meta = ims_buf_alloc(s->wq, per * c->depth, &miova);
	for (i = 0; meta && i < c->depth; i++) {
		struct slot *sl = &s->slots[i];
		size_t doff = 0;

		base = ims_buf_alloc(s->wq, slot_bytes(c), &iova);
		if (!base)
			break;
		sl->src_iova = carve(base, iova, &doff, data, &sl->src);
		if (c->op == OP_COMPARE)
			sl->src2_iova = carve(base, iova, &doff, data, &sl->src2);
		else if (data_bufs(c->op) == 2)
			sl->dst_iova = carve(base, iova, &doff, data, &sl->dst);
		else
			sl->dst_iova = sl->src_iova, sl->dst = sl->src;
		sl->cr_iova = carve(meta, miova, &off, (members + 1) * CR_SIZE, &p);
		sl->cr = (void *)p;
		sl->list_iova = carve(meta, miova, &off,
				      members * sizeof(struct idxd_ims_desc), &p);
		sl->list = (void *)p;
		fill_random(sl->src, data, i);
		if (sl->src2)
			memcpy(sl->src2, sl->src, data);
	}
	if (!meta || i < c->depth) {
		err_msg("cannot get DMA buffers for %d x %zu bytes: %s (the driver's buffer_limit_mb caps one open WQ file; try a smaller --size or --depth)",
			c->depth, slot_bytes(c), ims_strerror(-errno));
		return EXIT_FAIL;
	}
	return 0;
}

/*
 * Make operation @seq's source differ from the last one's at its start,
 * middle and end, and poison the same places in its destination: a
 * device that skipped any part of the work cannot pass verification.
 */
static void stamp(uint8_t *src, uint8_t *dst, uint32_t len, long seq)
{
	uint32_t at[3] = { 0, len / 2, len > 8 ? len - 8 : 0 };
	uint64_t v;
	int k;

	for (k = 0; k < 3; k++) {
		uint32_t n = len - at[k] < 8 ? len - at[k] : 8;

		v = mix64(seq * 3 + k);
		memcpy(src + at[k], &v, n);
		if (dst) {
			v = ~v;
			memcpy(dst + at[k], &v, n);
		}
	}
}

/* Set up operation @seq in @sl and build its descriptor in @d. */
static void prepare(struct run_state *s, struct slot *sl, long seq,
		    struct idxd_ims_desc *d)
{
	struct run_cfg *c = &s->cfg;
	uint32_t i, n = c->batch;

	sl->seq = seq;
	memset(sl->cr, 0, CR_SIZE * (c->op == OP_BATCH ? n + 1 : 1));
	switch (c->op) {
	case OP_MEMMOVE:
		stamp(sl->src, c->verify ? sl->dst : NULL, c->size, seq);
		ims_desc_memmove(d, sl->dst_iova, sl->src_iova, c->size,
				 sl->cr_iova, s->flags);
		break;
	case OP_FILL:
		if (c->verify)
			stamp(sl->dst, NULL, c->size, ~seq);	/* not the pattern */
		ims_desc_memfill(d, sl->dst_iova, mix64(seq), c->size,
				 sl->cr_iova, s->flags);
		break;
	case OP_COMPARE:
		/* odd operations differ in one byte the device must find */
		sl->expect = seq & 1 ? mix64(seq) % c->size : c->size;
		if (sl->expect < c->size)
			sl->src2[sl->expect] ^= 0x5a;
		ims_desc_compare(d, sl->src_iova, sl->src2_iova, c->size,
				 sl->cr_iova, s->flags);
		break;
	case OP_CRC:
		stamp(sl->src, NULL, c->size, seq);
		if (c->verify)
			sl->expect = ims_crc32c((uint32_t)seq, sl->src, c->size);
		ims_desc_crcgen(d, sl->src_iova, c->size, (uint32_t)seq,
				sl->cr_iova, s->flags);
		break;
	case OP_BATCH:
		for (i = 0; i < n; i++) {
			stamp(sl->src + (size_t)i * c->size,
			      c->verify ? sl->dst + (size_t)i * c->size : NULL,
			      c->size, seq * n + i);
			ims_desc_memmove(&sl->list[i],
					 sl->dst_iova + (uint64_t)i * c->size,
					 sl->src_iova + (uint64_t)i * c->size,
					 c->size, sl->cr_iova + (i + 1) * CR_SIZE, 0);
		}
		ims_desc_batch(d, sl->list_iova, n, sl->cr_iova, s->flags);
		break;
	}
}

static void mismatch(struct run_state *s, const char *fmt, long seq, long a,
		     long b)
{
	if (!s->mismatches++)
		snprintf(s->first_mismatch, sizeof(s->first_mismatch), fmt,
			 seq, a, b);
}

static void verify_fill(struct run_state *s, struct slot *sl)
{
	uint64_t pat = mix64(sl->seq);
	uint32_t i;

	for (i = 0; i < s->cfg.size; i++)
		if (sl->dst[i] != (uint8_t)(pat >> (8 * (i % 8)))) {
			mismatch(s, "operation %ld: byte %ld is %#lx, not the pattern",
				 sl->seq, i, sl->dst[i]);
			return;
		}
}

/* Check the result of the operation in @sl (its record says success). */
static void verify(struct run_state *s, struct slot *sl)
{
	struct run_cfg *c = &s->cfg;
	const struct idxd_ims_completion *cr = sl->cr;
	size_t len = (size_t)c->size * (c->op == OP_BATCH ? c->batch : 1);
	uint32_t i;

	switch (c->op) {
	case OP_MEMMOVE:
	case OP_BATCH:
		if (memcmp(sl->dst, sl->src, len))
			mismatch(s, "operation %ld: destination differs from source (%ld bytes, %ld)",
				 sl->seq, (long)len, 0);
		for (i = 0; c->op == OP_BATCH && i < c->batch; i++)
			if (ims_status(&sl->cr[i + 1]) != IDXD_IMS_ST_SUCCESS)
				mismatch(s, "batch %ld: member %ld status %#lx",
					 sl->seq, i, sl->cr[i + 1].status);
		break;
	case OP_FILL:
		verify_fill(s, sl);
		break;
	case OP_COMPARE:
		if (sl->expect < c->size ?
		    cr->result != 1 || cr->bytes_completed != sl->expect :
		    cr->result != 0)
			mismatch(s, "operation %ld: compare found %ld, expected %ld (the buffer size: equal)",
				 sl->seq, cr->result ? cr->bytes_completed : c->size,
				 sl->expect);
		break;
	case OP_CRC:
		if ((uint32_t)cr->op[0] != sl->expect)
			mismatch(s, "operation %ld: CRC %#lx, software says %#lx",
				 sl->seq, (uint32_t)cr->op[0], sl->expect);
		break;
	}
	if (c->op == OP_COMPARE && sl->expect < c->size)
		sl->src2[sl->expect] ^= 0x5a;	/* equal again */
}

static double elapsed_s(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress(struct run_state *s, bool last)
{
	struct timespec now;
	double t;

	if (!s->cfg.progress)
		return;
	/* a run too short for a progress line gets none on a terminal */
	if (last && s->cfg.progress == 2 && !s->progress_shown)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!last && elapsed_s(&s->last_progress, &now) < 1.0)
		return;
	s->progress_shown = true;
	s->last_progress = now;
	t = elapsed_s(&s->start, &now);
	fprintf(stderr, "%s%s: %s %ld/%ld (%ld%%), %.1f ops/s%s",
		isatty(2) ? "\r" : "", prog, op_names[s->cfg.op], s->done,
		s->cfg.count, s->done * 100 / s->cfg.count,
		t > 0 ? s->done / t : 0.0, isatty(2) && !last ? "" : "\n");
}

static int submit(struct run_state *s, const struct idxd_ims_desc *d)
{
	struct timespec t = { 0, 20000 };
	int rc, tries = 0;

	/* a full WQ frees up as earlier work completes */
	while ((rc = ims_submit(s->wq, d)) == -EAGAIN && tries++ < 250000)
		nanosleep(&t, NULL);
	if (rc)
		err_msg("%s: submission refused: %s", s->view.name, ims_strerror(rc));
	return rc;
}

/* Wait for @sl, check it, record its latency; 0 or an exit code. */
static int reap(struct run_state *s, struct slot *sl)
{
	struct timespec t1;
	uint8_t st;
	int rc;

	/*
	 * One in flight: wait for the interrupt itself, so that each one is
	 * serviced before the next operation can raise another (two pending
	 * messages to one vector merge in the APIC).  Deeper: any wake-up.
	 */
	if (s->flags && s->cfg.depth == 1) {
		rc = ims_wait_irq(s->wq, s->cfg.timeout_ms);
		rc = rc < 0 ? rc : ims_poll(sl->cr, s->cfg.timeout_ms);
	} else if (s->flags) {
		rc = ims_wait(s->wq, sl->cr, s->cfg.timeout_ms);
	} else {
		rc = ims_poll(sl->cr, s->cfg.timeout_ms);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc) {
		err_msg("operation %ld on %s: %s after %d ms (%s; see dmesg and '%s list')",
			sl->seq, s->view.name, ims_strerror(rc), s->cfg.timeout_ms,
			ims_status(sl->cr) ? "its record was written, its interrupt never came" :
			"no completion record", prog);
		return EXIT_FAIL;
	}
	st = ims_status(sl->cr);
	if (st != IDXD_IMS_ST_SUCCESS) {
		err_msg("operation %ld on %s: device status %#x (%s)", sl->seq,
			s->view.name, st, ims_status_str(st));
		return EXIT_FAIL;
	}
	if (s->cfg.verify)
		verify(s, sl);
	if (s->nlat < MAX_SAMPLES)
		s->lat_us[s->nlat++] = elapsed_s(&sl->t0, &t1) * 1e6;
	s->done++;
	progress(s, false);
	return 0;
}

/* Keep up to depth operations in flight, reaping them in order. */
static int run_loop(struct run_state *s)
{
	struct idxd_ims_desc d;
	long next = 0, i;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &s->start);
	s->last_progress = s->start;
	for (i = 0; i < s->cfg.count; i++) {
		struct slot *sl = &s->slots[i % s->cfg.depth];

		while (next < s->cfg.count && next < i + s->cfg.depth) {
			struct slot *ns = &s->slots[next % s->cfg.depth];

			prepare(s, ns, next, &d);
			clock_gettime(CLOCK_MONOTONIC, &ns->t0);
			rc = submit(s, &d);
			if (rc)
				return EXIT_FAIL;
			next++;
		}
		rc = reap(s, sl);
		if (rc)
			return rc;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(const double *v, long n, double p)
{
	long k = (long)(p * (n - 1) + 0.5);

	return n ? v[k] : 0;
}

static void report(struct run_state *s, const struct wq_view *after,
		   double secs)
{
	struct run_cfg *c = &s->cfg;
	uint32_t members = c->op == OP_BATCH ? c->batch : 1;
	double bytes = (double)s->done * members * c->size, *l = s->lat_us;
	long long irqs = after->irq_count - s->view.irq_count;
	long long proc = after->proc_count - s->view.proc_count;
	long expected = s->flags ? s->done : 0;
	const char *submission = ims_wq_uses_movdir64b(s->wq) ? "movdir64b" : "write";

	qsort(l, s->nlat, sizeof(*l), cmp_double);
	if (c->json) {
		printf("{\"op\":\"%s\",\"wq\":\"%s\",\"size\":%u,\"count\":%ld,\"batch\":%u,\"depth\":%d,",
		       op_names[c->op], s->view.name, c->size, c->count,
		       c->op == OP_BATCH ? c->batch : 0, c->depth);
		printf("\"completion\":\"%s\",\"irq_mode\":\"%s\",",
		       s->flags ? "interrupt" : "poll", wq_irq_mode(&s->view));
		/* absent values are null, as in 'list --json' */
		if (s->view.irq >= 0)
			printf("\"irq\":%d,", s->view.irq);
		else
			printf("\"irq\":null,");
		if (s->view.ims_slot >= 0)
			printf("\"ims_slot\":%d,", s->view.ims_slot);
		else
			printf("\"ims_slot\":null,");
		printf("\"submission\":\"%s\",", submission);
		printf("\"done\":%ld,\"bytes\":%.0f,\"seconds\":%.6f,\"verified\":%s,\"mismatches\":%ld,",
		       s->done, bytes, secs, c->verify ? "true" : "false",
		       s->mismatches);
		printf("\"latency_us\":{\"samples\":%ld,\"p50\":%.2f,\"p99\":%.2f,\"max\":%.2f},",
		       s->nlat, pct(l, s->nlat, 0.5), pct(l, s->nlat, 0.99),
		       s->nlat ? l[s->nlat - 1] : 0.0);
		printf("\"interrupts\":%lld,\"interrupts_expected\":%ld,\"proc_interrupts\":%lld}\n",
		       irqs, expected, proc);
		return;
	}
	printf("%s on %s: %ld x %u bytes%s, %d in flight, %s completion, %s submission\n",
	       op_names[c->op], s->view.name, c->count, c->size,
	       c->op == OP_BATCH ? " per member" : "", c->depth,
	       s->flags ? "interrupt" : "polled", submission);
	if (s->view.ims_slot >= 0)
		printf("  interrupt:   IMS slot %d, irq %d, handle %#lx\n",
		       s->view.ims_slot, s->view.irq, s->view.handle);
	else if (s->view.irq >= 0)
		printf("  interrupt:   MSI-X, irq %d, handle %#lx\n", s->view.irq,
		       s->view.handle);
	printf("  done:        %ld operations, %.1f KiB in %.3f s (%.1f ops/s, %.2f MiB/s)\n",
	       s->done, bytes / 1024, secs, secs > 0 ? s->done / secs : 0.0,
	       secs > 0 ? bytes / secs / 1048576 : 0.0);
	if (c->verify)
		printf("  verified:    %ld ok, %ld mismatched\n",
		       s->done - s->mismatches, s->mismatches);
	printf("  latency:     p50 %.1f us, p99 %.1f us, max %.1f us (%ld samples)\n",
	       pct(l, s->nlat, 0.5), pct(l, s->nlat, 0.99),
	       s->nlat ? l[s->nlat - 1] : 0.0, s->nlat);
	printf("  interrupts:  %lld taken (%ld requested), /proc/interrupts +%lld\n",
	       irqs, expected, proc);
	if (s->mismatches)
		printf("  first mismatch: %s\n", s->first_mismatch);
}

/*
 * A completion record can be seen before its interrupt has been handled:
 * give the last interrupts a moment to land before counting them.
 */
static void settle_irqs(struct run_state *s, struct wq_view *after)
{
	struct timespec t = { 0, 1000000 };
	int i;

	wq_view_load(s->view.dev, s->view.id, after);
	for (i = 0; s->flags && i < 500 &&
	     after->irq_count - s->view.irq_count < s->done; i++) {
		nanosleep(&t, NULL);
		wq_view_load(s->view.dev, s->view.id, after);
	}
}

static int open_wq(struct run_state *s)
{
	char path[64];
	int rc;

	snprintf(path, sizeof(path), "/dev/dsa/%s", s->view.name);
	rc = ims_wq_open(path, &s->wq);
	if (rc == -EACCES || rc == -EPERM) {
		err_msg("cannot open %s: permission denied (it is root's; run as root or give your group access)",
			path);
		return EXIT_FAIL;
	}
	if (rc) {
		err_msg("cannot open %s: %s", path, ims_strerror(rc));
		return EXIT_FAIL;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_state *s;
	struct wq_view after;
	struct timespec t1;
	int rc;

	s = calloc(1, sizeof(*s));
	if (!s)
		return EXIT_FAIL;
	rc = parse_args(argc, argv, &s->cfg);
	if (rc) {
		free(s);
		return rc < 0 ? EXIT_OK : rc;
	}
	if (s->cfg.progress < 0)
		s->cfg.progress = isatty(2) ? 2 : 0;
	rc = wq_lookup(s->cfg.wq_arg, &s->view) ?: check_wq(s) ?: open_wq(s);
	if (rc)
		goto out;
	rc = check_limits(s);
	if (rc)
		goto out;
	if (s->cfg.wait != WAIT_POLL && s->view.irq >= 0)
		s->flags = IMS_INTERRUPT;
	s->lat_us = malloc(sizeof(double) * MAX_SAMPLES);
	rc = s->lat_us ? alloc_slots(s) : EXIT_FAIL;
	if (rc)
		goto out;
	wq_view_load(s->view.dev, s->view.id, &s->view);	/* counts before */
	rc = run_loop(s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	progress(s, true);
	settle_irqs(s, &after);
	report(s, &after, elapsed_s(&s->start, &t1));
	if (!rc && s->mismatches)
		rc = EXIT_FAIL;
out:
	ims_wq_close(s->wq);
	free(s->lat_us);
	free(s);
	return rc;
}
