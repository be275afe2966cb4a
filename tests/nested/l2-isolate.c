// SPDX-License-Identifier: MIT
/*
 * l2-isolate: run in the nested guest (L2), writes descriptors to the
 * virtual DSA's portal itself, as a guest program with /dev/mem could,
 * naming memory L2 does not have, and prints what each one got.
 *
 * Usage: l2-isolate PORTAL RESERVED OUTSIDE
 *   PORTAL    physical address of WQ 0's portal page (BAR2)
 *   RESERVED  64 KiB of L2's memory its kernel leaves alone (memmap=):
 *             completion records at +0, source at +0x1000, destination
 *             at +0x2000
 *   OUTSIDE   an address past the end of L2's memory
 *
 * Each descriptor is a 64-byte MEMMOVE asking for a completion record
 * and no interrupt, written as eight 8-byte stores (a VMM splits
 * MOVDIR64B so anyway).  Lines: "@@ L2 isolate CASE STATUS FAULT-ADDR".
 * The last case puts the record itself outside: nothing can be written,
 * so the device reports SWERR, which upstream idxd logs (the caller reads
 * that from dmesg).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define OP_MEMMOVE	0x03u
#define F_CRAV		0x04u
#define F_RCR		0x08u
#define PATTERN		0x5a5a5a5a00000007ull

static void *map(int fd, uint64_t pa, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, pa);

	if (p == MAP_FAILED) {
		printf("@@ L2 FAIL mmap /dev/mem at %#llx\n", (unsigned long long)pa);
		exit(1);
	}
	return p;
}

static void put_desc(volatile uint64_t *portal, uint64_t cr, uint64_t src,
		     uint64_t dst)
{
	uint64_t d[8] = {
		(uint64_t)(OP_MEMMOVE << 24 | F_CRAV | F_RCR) << 32,
		cr, src, dst, 64,	/* transfer size; no handle */
	};
	int i;

	for (i = 0; i < 8; i++)
		portal[i] = d[i];
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
	base = map(fd, rsv, 0x10000);
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
	/* the record past it: SWERR */
	put_desc(portal, out + 0x2000, rsv + 0x1000, rsv + 0x2000);
	return 0;
}
