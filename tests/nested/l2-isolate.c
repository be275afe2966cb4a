// SPDX-License-Identifier: MIT
/*
 * l2-isolate: run in the nested guest (L2), writes descriptors to the
 * virtual DSA's portal itself, as a guest program with /dev/mem could,
 * naming memory L2 does not have, and prints what each one got.
 *
 * Usage: l2-isolate PORTAL RESERVED OUTSIDE
 *   PORTAL    physical address of WQ 0's portal page (BAR2)
 *   RESERVED  1 MiB of L2's memory its kernel leaves alone (memmap=):
 *             completion records at +0 (64 bytes apart), source at
 *             +0x1000, destination at +0x2000, a batch list at +0x3000,
 *             a second destination at +0x8000, 128 KiB at +0x10000 and
 *             its copy at +0x40000
 *   OUTSIDE   an address past the end of L2's memory
 *
 * The descriptors ask for a completion record and no interrupt and are
 * written as eight 8-byte stores (a VMM splits MOVDIR64B so anyway).
 * Lines: "@@ L2 isolate CASE STATUS FAULT-ADDR [more]".  MEMMOVEs of 64
 * bytes naming L2's own memory and memory outside it; then what only a
 * virtual DSA on a PASID runs (without one: BAD_OPCODE or XFER_ERANGE):
 * a 128 KiB MEMMOVE, a CFLUSH, and a BATCH whose members are a copy, a
 * copy from outside and a NOOP asking for an interrupt on a vector L2
 * does not have (each member's status follows "m").  The last case puts
 * the record itself outside: nothing can be written, so the device
 * reports SWERR, which upstream idxd logs (the caller reads that from
 * dmesg).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define OP_NOOP		0x00u
#define OP_BATCH	0x01u
#define OP_MEMMOVE	0x03u
#define OP_CFLUSH	0x20u
#define F_CRAV		0x04u
#define F_RCR		0x08u
#define F_RCI		0x10u
#define PATTERN		0x5a5a5a5a00000007ull
#define BIG		0x20000u

static void *map(int fd, uint64_t pa, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, pa);

	if (p == MAP_FAILED) {
		printf("@@ L2 FAIL mmap /dev/mem at %#llx\n", (unsigned long long)pa);
		exit(1);
	}
	return p;
}

/* A descriptor's eight quadwords: flags and opcode, record, src, dst, size and handle. */
static void make_desc(uint64_t *d, uint32_t op, uint32_t flags, uint64_t cr,
		      uint64_t src, uint64_t dst, uint32_t size, uint16_t handle)
{
	int i;

	for (i = 0; i < 8; i++)
		d[i] = 0;
	d[0] = (uint64_t)(op << 24 | F_CRAV | F_RCR | flags) << 32;
	d[1] = cr;
	d[2] = src;
	d[3] = dst;
	d[4] = size | (uint64_t)handle << 32;
}

static void put(volatile uint64_t *portal, const uint64_t *d)
{
	int i;

	for (i = 0; i < 8; i++)
		portal[i] = d[i];
}

static void put_desc(volatile uint64_t *portal, uint64_t cr, uint64_t src,
		     uint64_t dst)
{
	uint64_t d[8];

	make_desc(d, OP_MEMMOVE, 0, cr, src, dst, 64, 0);
	put(portal, d);
}

/* Wait (5 s at most) for the record's status byte; print the record. */
static void report(const char *what, volatile uint8_t *rec, volatile uint64_t *dst)
{
	struct timespec ms = { 0, 1000000 };
	int i;

	for (i = 0; i < 5000 && !rec[0]; i++)
		nanosleep(&ms, NULL);
	printf("@@ L2 isolate %s 0x%02x 0x%016llx", what, rec[0],
	       (unsigned long long)*(volatile uint64_t *)(rec + 8));
	if (dst)
		printf(" copied 0x%016llx", (unsigned long long)dst[7]);
	printf("\n");
}

/* Wait for a record like report(), quietly; its status. */
static uint8_t wait_rec(volatile uint8_t *rec)
{
	struct timespec ms = { 0, 1000000 };
	int i;

	for (i = 0; i < 5000 && !rec[0]; i++)
		nanosleep(&ms, NULL);
	return rec[0];
}

/* What a virtual DSA runs only with the guest's memory on a PASID. */
static void pasid_cases(volatile uint64_t *portal, uint64_t rsv, uint64_t out,
			uint8_t *base)
{
	volatile uint64_t *big = (volatile uint64_t *)(base + 0x10000);
	volatile uint64_t *copy = (volatile uint64_t *)(base + 0x40000);
	volatile uint8_t *rec = base;
	uint64_t d[8], *list = (uint64_t *)(base + 0x3000);
	uint8_t st;

	big[BIG / 8 - 1] = PATTERN;
	make_desc(d, OP_MEMMOVE, 0, rsv + 192, rsv + 0x10000, rsv + 0x40000, BIG, 0);
	put(portal, d);
	st = wait_rec(rec + 192);
	printf("@@ L2 isolate big 0x%02x copied 0x%016llx\n", st,
	       (unsigned long long)copy[BIG / 8 - 1]);

	make_desc(d, OP_CFLUSH, 0, rsv + 256, 0, rsv + 0x2000, 4096, 0);
	put(portal, d);
	report("cflush", rec + 256, NULL);

	/* members: a copy of L2's own, one from outside, a NOOP with RCI
	 * on vector 7 (L2's virtual DSA has 2)
	 */
	make_desc(list, OP_MEMMOVE, 0, rsv + 384, rsv + 0x1000, rsv + 0x8000, 64, 0);
	make_desc(list + 8, OP_MEMMOVE, 0, rsv + 448, out, rsv + 0x8000, 64, 0);
	make_desc(list + 16, OP_NOOP, F_RCI, rsv + 512, 0, 0, 0, 7);
	make_desc(d, OP_BATCH, 0, rsv + 320, rsv + 0x3000, 0, 3, 0);
	put(portal, d);
	st = wait_rec(rec + 320);
	if (st == 0x01 || st == 0x05)	/* it ran: members wrote theirs */
		wait_rec(rec + 512);
	printf("@@ L2 isolate batch 0x%02x m 0x%02x 0x%02x 0x%02x fault 0x%016llx copied 0x%016llx\n",
	       st, rec[384], rec[448], rec[512],
	       (unsigned long long)*(volatile uint64_t *)(rec + 448 + 8),
	       (unsigned long long)*(volatile uint64_t *)(base + 0x8000 + 56));
}

int main(int argc, char **argv)
{
	uint64_t portal_pa, rsv, out;
	volatile uint64_t *portal, *src, *dst;
	volatile uint8_t *rec;
	uint8_t *base;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: %s PORTAL RESERVED OUTSIDE\n", argv[0]);
		return 2;
	}
	portal_pa = strtoull(argv[1], NULL, 0);
	rsv = strtoull(argv[2], NULL, 0);
	out = strtoull(argv[3], NULL, 0);
	fd = open("/dev/mem", O_RDWR | O_SYNC);
	if (fd < 0) {
		printf("@@ L2 FAIL open /dev/mem\n");
		return 1;
	}
	portal = map(fd, portal_pa, 4096);
	base = map(fd, rsv, 0x100000);
	rec = base;
	src = (volatile uint64_t *)(base + 0x1000);
	dst = (volatile uint64_t *)(base + 0x2000);
	src[7] = PATTERN;

	/* control: all of it L2's own: copied, success */
	put_desc(portal, rsv, rsv + 0x1000, rsv + 0x2000);
	report("own", rec, dst);
	/* the source past the end of L2's memory: a read page fault */
	put_desc(portal, rsv + 64, out, rsv + 0x2000);
	report("src-outside", rec + 64, NULL);
	/* the destination past it: a write page fault */
	put_desc(portal, rsv + 128, rsv + 0x1000, out + 0x1000);
	report("dst-outside", rec + 128, NULL);
	pasid_cases(portal, rsv, out, base);
	/* the record past it: SWERR */
	put_desc(portal, out + 0x2000, rsv + 0x1000, rsv + 0x2000);
	return 0;
}
