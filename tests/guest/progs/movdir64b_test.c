// SPDX-License-Identifier: MIT
/*
 * movdir64b_test: the emulated CPU's MOVDIR64B and MOVDIRI as a guest
 * program sees them (emu/patches/0001-*.patch).
 *
 *   movdir64b_test cpu                  CPUID, RAM, alignment, faults, forms
 *   movdir64b_test absent               the model without MOVDIR64B:
 *                                       CPUID bit clear and #UD (SIGILL)
 *   movdir64b_test portal WQDEV N       N NOOPs per CPU through the WQ's
 *                                       portal from every CPU at once
 *   movdir64b_test portal-pieces WQDEV N  the same as eight 8-byte stores
 *                                       each: the control, which tears
 *   movdir64b_test mmio-source WQDEV    a source running from RAM into the
 *                                       WQ's portal page
 *
 * The portal run prints how many it sent; the shell compares that with
 * the device model's own counters (submitted, dropped, torn).
 *
 * Prints "@@ TEST name PASS|FAIL detail" lines; exits 1 on any failure.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../../../uapi/linux/idxd_ims.h"
#include "result.h"

#define PAGE 4096
#define GUARD 0xee

static sigjmp_buf trap_env;
static volatile sig_atomic_t trap_sig;
static void *volatile trap_addr;

static void on_trap(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	trap_sig = sig;
	trap_addr = si->si_addr;
	siglongjmp(trap_env, 1);
}

static void traps_on(void)
{
	struct sigaction sa = { .sa_sigaction = on_trap, .sa_flags = SA_SIGINFO };
	int sigs[] = { SIGSEGV, SIGBUS, SIGILL };
	unsigned int i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* movdir64b (%rdx), %rax */
static void movdir64b(void *dst, const void *src)
{
	__asm__ volatile(".byte 0x66, 0x0f, 0x38, 0xf8, 0x02"
			 : : "a" (dst), "d" (src) : "memory");
}

/* movdir64b (%edx), %eax: the address-size prefix, 32-bit registers */
static void movdir64b_addr32(uint64_t dst, uint64_t src)
{
	__asm__ volatile(".byte 0x67, 0x66, 0x0f, 0x38, 0xf8, 0x02"
			 : : "a" (dst), "d" (src) : "memory");
}

/* movdir64b %rax, %rax: the register form, which is #UD */
static void movdir64b_regform(void)
{
	__asm__ volatile(".byte 0x66, 0x0f, 0x38, 0xf8, 0xc0" ::: "memory");
}

/* lock movdir64b (%rdx), %rax: LOCK is #UD */
static void movdir64b_lock(void *dst, const void *src)
{
	__asm__ volatile(".byte 0xf0, 0x66, 0x0f, 0x38, 0xf8, 0x02"
			 : : "a" (dst), "d" (src) : "memory");
}

/* 66 0f 38 f9: MOVDIRI has no 66 form, #UD */
static void movdiri_66(void *dst, uint32_t v)
{
	__asm__ volatile(".byte 0x66, 0x0f, 0x38, 0xf9, 0x02"
			 : : "a" (v), "d" (dst) : "memory");
}

/*
 * enqcmd (%rdx), %rax: the PASID comes from IA32_PASID, which the
 * emulated CPU does not model (not valid): #GP, and Linux, finding no
 * PASID for the process (no SVA), sends SIGSEGV
 */
static void enqcmd(void *dst, const void *src)
{
	__asm__ volatile(".byte 0xf2, 0x0f, 0x38, 0xf8, 0x02"
			 : : "a" (dst), "d" (src) : "memory", "cc");
}

/* enqcmds (%rdx), %rax: supervisor only, #GP from user space */
static void enqcmds(void *dst, const void *src)
{
	__asm__ volatile(".byte 0xf3, 0x0f, 0x38, 0xf8, 0x02"
			 : : "a" (dst), "d" (src) : "memory", "cc");
}

/* movdiri %eax, (%rdx) and movdiri %rax, (%rdx) */
static void movdiri32(void *dst, uint32_t v)
{
	__asm__ volatile(".byte 0x0f, 0x38, 0xf9, 0x02"
			 : : "a" (v), "d" (dst) : "memory");
}

static void movdiri64(void *dst, uint64_t v)
{
	__asm__ volatile(".byte 0x48, 0x0f, 0x38, 0xf9, 0x02"
			 : : "a" (v), "d" (dst) : "memory");
}

static void movdiri_regform(void)
{
	__asm__ volatile(".byte 0x0f, 0x38, 0xf9, 0xc0" ::: "memory");
}

/*
 * Run one instruction under the trap handler: 0 if it completed, else
 * the signal it raised.  Each TRY has a small function of its own, so
 * no caller's locals live across the sigsetjmp.
 */
#define TRY(stmt) ({							\
	trap_sig = 0;							\
	if (!sigsetjmp(trap_env, 1)) {					\
		stmt;							\
	}								\
	(int)trap_sig;							\
})

static int try_movdir64b(void *dst, const void *src)
{
	return TRY(movdir64b(dst, src));
}

static int try_movdir64b_addr32(uint64_t dst, uint64_t src)
{
	return TRY(movdir64b_addr32(dst, src));
}

static int try_movdir64b_regform(void)
{
	return TRY(movdir64b_regform());
}

static int try_movdir64b_lock(void *dst, const void *src)
{
	return TRY(movdir64b_lock(dst, src));
}

static int try_movdiri_66(void *dst, uint32_t v)
{
	return TRY(movdiri_66(dst, v));
}

static int try_enqcmds(void *dst, const void *src)
{
	return TRY(enqcmds(dst, src));
}

static int try_enqcmd(void *dst, const void *src)
{
	return TRY(enqcmd(dst, src));
}

static int try_movdiri32(void *dst, uint32_t v)
{
	return TRY(movdiri32(dst, v));
}

static int try_movdiri64(void *dst, uint64_t v)
{
	return TRY(movdiri64(dst, v));
}

static int try_movdiri_regform(void)
{
	return TRY(movdiri_regform());
}

static uint8_t *map(size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return p;
}

static void fill_src(uint8_t *src, unsigned int seed)
{
	int i;

	for (i = 0; i < 64; i++)
		src[i] = (uint8_t)(seed * 131 + i * 7 + 1);
}

/* 64 bytes at dst equal src and the guard bytes around them are intact */
static int stored_exactly(const uint8_t *area, size_t len, size_t off,
			  const uint8_t *src)
{
	size_t i;

	if (memcmp(area + off, src, 64))
		return 0;
	for (i = 0; i < len; i++)
		if ((i < off || i >= off + 64) && area[i] != GUARD)
			return 0;
	return 1;
}

static int untouched(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != GUARD)
			return 0;
	return 1;
}

static int cpuinfo_has(const char *flag)
{
	char line[8192], word[64];
	FILE *f = fopen("/proc/cpuinfo", "r");
	int found = 0;

	if (!f)
		return 0;
	snprintf(word, sizeof(word), " %s", flag);
	while (!found && fgets(line, sizeof(line), f)) {
		char *p;

		if (strncmp(line, "flags", 5))
			continue;
		for (p = strstr(line, word); p; p = strstr(p + 1, word))
			if (p[strlen(word)] == ' ' || p[strlen(word)] == '\n')
				found = 1;
		break;
	}
	fclose(f);
	return found;
}

static uint32_t cpuid7_ecx(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return c;
}

static void t_cpuid(int present)
{
	uint32_t ecx = cpuid7_ecx();

	result("cpuid-movdir64b", !!(ecx & (1u << 28)) == present,
	       "CPUID.(7,0):ECX = %#x, bit 28 %s", ecx, present ? "wanted" : "unwanted");
	result("cpuid-movdiri", !!(ecx & (1u << 27)), "CPUID.(7,0):ECX = %#x", ecx);
	result("cpuid-enqcmd", !!(ecx & (1u << 29)), "CPUID.(7,0):ECX = %#x (ENQCMD/ENQCMDS)", ecx);
	result("cpuinfo-movdir64b", cpuinfo_has("movdir64b") == present,
	       "the kernel's view in /proc/cpuinfo");
	result("cpuinfo-movdiri", cpuinfo_has("movdiri"), "the kernel's view in /proc/cpuinfo");
}

static void t_ram(void)
{
	static const size_t dst_offs[] = { 0, 64, PAGE - 64 };
	static const size_t src_offs[] = { 0, 1, 7, 8, 33, 63 };
	uint8_t *dst = map(PAGE, PROT_READ | PROT_WRITE, 0);
	uint8_t *src = map(2 * PAGE, PROT_READ | PROT_WRITE, 0);
	unsigned int i, j, bad = 0, n = 0;

	for (i = 0; i < sizeof(dst_offs) / sizeof(dst_offs[0]); i++) {
		for (j = 0; j < sizeof(src_offs) / sizeof(src_offs[0]); j++) {
			uint8_t *s = src + src_offs[j];

			memset(dst, GUARD, PAGE);
			fill_src(s, n++);
			if (try_movdir64b(dst + dst_offs[i], s) ||
			    !stored_exactly(dst, PAGE, dst_offs[i], s))
				bad++;
		}
	}
	result("ram-stores-64", !bad, "%u of %u placements wrong", bad, n);

	/* A source that crosses a page boundary. */
	memset(dst, GUARD, PAGE);
	fill_src(src + PAGE - 24, 99);
	result("ram-source-across-pages",
	       !try_movdir64b(dst + 128, src + PAGE - 24) &&
	       stored_exactly(dst, PAGE, 128, src + PAGE - 24), NULL);
	munmap(dst, PAGE);

	/* A destination page not yet faulted in: the kernel maps it, the
	 * instruction restarts and completes. */
	dst = map(PAGE, PROT_READ | PROT_WRITE, 0);
	fill_src(src, 5);
	result("ram-demand-paged-destination",
	       !try_movdir64b(dst + 192, src) && !memcmp(dst + 192, src, 64), NULL);
	munmap(dst, PAGE);
	munmap(src, 2 * PAGE);
}

static void t_misaligned(void)
{
	static const size_t offs[] = { 1, 8, 16, 32, 63 };
	uint8_t *dst = map(PAGE, PROT_READ | PROT_WRITE, 0);
	uint8_t src[64];
	unsigned int i, bad = 0;

	fill_src(src, 3);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		int sig;

		memset(dst, GUARD, PAGE);
		sig = try_movdir64b(dst + 64 + offs[i], src);
		/* #GP(0) reaches user space as SIGSEGV with no fault address */
		if (sig != SIGSEGV || !untouched(dst, PAGE)) {
			printf("offset %zu: signal %d\n", offs[i], sig);
			bad++;
		}
	}
	result("misaligned-destination-gp", !bad,
	       "%u of 5 misaligned destinations stored or did not fault", bad);
	munmap(dst, PAGE);
}

static void t_faults(void)
{
	uint8_t *dst = map(PAGE, PROT_READ | PROT_WRITE, 0);
	uint8_t *two = map(2 * PAGE, PROT_READ | PROT_WRITE, 0);
	uint8_t *ro = map(PAGE, PROT_READ | PROT_WRITE, 0);
	uint8_t src[64];
	int sig;

	/* The source's second half is in a page that cannot be read. */
	memset(two, 0x11, PAGE);
	mprotect(two + PAGE, PAGE, PROT_NONE);
	memset(dst, GUARD, PAGE);
	sig = try_movdir64b(dst, two + PAGE - 32);
	result("source-fault-stores-nothing",
	       sig == SIGSEGV && trap_addr == two + PAGE && untouched(dst, PAGE),
	       "signal %d at %p (want SIGSEGV at %p)", sig, trap_addr, two + PAGE);

	/* The destination cannot be written: read-only, then absent. */
	memset(ro, GUARD, PAGE);
	mprotect(ro, PAGE, PROT_READ);
	fill_src(src, 7);
	sig = try_movdir64b(ro + 256, src);
	result("readonly-destination-faults",
	       sig == SIGSEGV && trap_addr == ro + 256 && untouched(ro, PAGE),
	       "signal %d at %p", sig, trap_addr);
	sig = try_movdir64b(two + PAGE, src);
	result("absent-destination-faults",
	       sig == SIGSEGV && trap_addr == two + PAGE, "signal %d at %p", sig, trap_addr);
	munmap(dst, PAGE);
	munmap(two, 2 * PAGE);
	munmap(ro, PAGE);
}

static void t_forms(void)
{
	uint8_t *lo = map(PAGE, PROT_READ | PROT_WRITE, MAP_32BIT);
	uint64_t junk = 0xdead00000000ull;
	uint8_t *src = lo + 1024;
	uint8_t q[24];
	int sig;

	/* 67h: the registers are used as 32-bit addresses. */
	memset(lo, GUARD, 1024);
	fill_src(src, 11);
	sig = try_movdir64b_addr32(junk | (uintptr_t)(lo + 512), junk | (uintptr_t)src);
	result("address-size-prefix", !sig && stored_exactly(lo, 1024, 512, src),
	       "signal %d", sig);

	sig = try_movdir64b_regform();
	result("register-form-ud", sig == SIGILL, "signal %d", sig);
	memset(lo, GUARD, 1024);
	sig = try_enqcmd(lo + 512, src);
	result("enqcmd-no-pasid-gp", sig == SIGSEGV && untouched(lo, 1024), "signal %d", sig);
	sig = try_enqcmds(lo + 512, src);
	result("enqcmds-user-gp", sig == SIGSEGV && untouched(lo, 1024), "signal %d", sig);
	memset(lo, GUARD, 1024);
	sig = try_movdir64b_lock(lo + 512, src);
	result("lock-prefix-ud", sig == SIGILL && untouched(lo, 1024), "signal %d", sig);
	sig = try_movdiri_66(lo, 1);
	result("movdiri-66-ud", sig == SIGILL && untouched(lo, 1024), "signal %d", sig);

	memset(q, GUARD, sizeof(q));
	sig = try_movdiri32(q + 4, 0x12345678);
	result("movdiri-32", !sig && !memcmp(q + 4, "\x78\x56\x34\x12", 4) &&
	       untouched(q, 4) && untouched(q + 8, 16), "signal %d", sig);
	memset(q, GUARD, sizeof(q));
	sig = try_movdiri64(q + 8, 0x1122334455667788ull);
	result("movdiri-64", !sig && !memcmp(q + 8, "\x88\x77\x66\x55\x44\x33\x22\x11", 8) &&
	       untouched(q, 8) && untouched(q + 16, 8), "signal %d", sig);
	sig = try_movdiri_regform();
	result("movdiri-register-form-ud", sig == SIGILL, "signal %d", sig);
	munmap(lo, PAGE);
}

static void t_absent(void)
{
	uint8_t *dst = map(PAGE, PROT_READ | PROT_WRITE, 0);
	uint8_t src[64];
	int sig;

	t_cpuid(0);
	memset(dst, GUARD, PAGE);
	fill_src(src, 1);
	sig = try_movdir64b(dst, src);
	result("absent-is-ud", sig == SIGILL && untouched(dst, PAGE), "signal %d", sig);
	memset(dst, GUARD, 8);
	sig = try_movdiri64(dst, 42);
	result("movdiri-without-movdir64b", !sig && *(uint64_t *)dst == 42, "signal %d", sig);
	munmap(dst, PAGE);
}

struct portal_run {
	void *portal;
	int cpu;
	long n;
	int pieces;		/* eight 8-byte stores instead (a control) */
};

static void *portal_thread(void *arg)
{
	struct portal_run *r = arg;
	struct idxd_ims_desc d;
	cpu_set_t set;
	long i;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	/* A NOOP with no record: a torn one still counts in the model. */
	memset(&d, 0, sizeof(d));
	d.flags_opcode = (uint32_t)IDXD_IMS_OP_NOOP << 24;
	for (i = 0; i < r->n; i++) {
		if (r->pieces) {
			volatile uint64_t *p = r->portal;
			const uint64_t *q = (const uint64_t *)&d;
			int k;

			for (k = 0; k < 8; k++)
				p[k] = q[k];
		} else {
			movdir64b(r->portal, &d);
		}
	}
	return NULL;
}

/*
 * Every CPU fires NOOPs at one portal page at once.  A dedicated WQ drops
 * what does not fit (counted by the model); none may arrive torn.
 */
static int t_portal(const char *path, long n, int pieces)
{
	struct portal_run runs[64];
	pthread_t th[64];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	void *portal;
	int fd, i;

	/* The portal is the first page of the WQ file (CAP_SYS_RAWIO). */
	fd = open(path, O_RDWR);
	portal = fd < 0 ? MAP_FAILED : mmap(NULL, PAGE, PROT_WRITE, MAP_SHARED, fd, 0);
	result(pieces ? "portal-pieces-mapped" : "portal-mapped", portal != MAP_FAILED,
	       "%s: %m", path);
	if (portal == MAP_FAILED)
		return 1;
	if (cpus > 64)
		cpus = 64;
	for (i = 0; i < cpus; i++) {
		runs[i] = (struct portal_run){ portal, i, n, pieces };
		pthread_create(&th[i], NULL, portal_thread, &runs[i]);
	}
	for (i = 0; i < cpus; i++)
		pthread_join(th[i], NULL);
	printf("portal-sent %ld\n", cpus * n);
	munmap(portal, PAGE);
	close(fd);
	return 0;
}

/*
 * A source that runs from RAM into a device page (the WQ's portal mapped
 * right after it): the first bytes come from RAM, the rest are the
 * device's reads; the emulator must neither crash nor take the wrong
 * bytes.
 */
static int t_mmio_source(const char *path)
{
	uint8_t *two = map(2 * PAGE, PROT_READ | PROT_WRITE, 0);
	uint8_t *dst = map(PAGE, PROT_READ | PROT_WRITE, 0);
	uint8_t *src = two + PAGE - 24;
	void *portal;
	int fd, sig;

	fd = open(path, O_RDWR);
	portal = fd < 0 ? MAP_FAILED :
		 mmap(two + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	result("mmio-source-mapped", portal == two + PAGE, "%s: %m", path);
	if (portal != two + PAGE)
		return 1;
	fill_src(src, 21);
	memset(dst, GUARD, PAGE);
	sig = try_movdir64b(dst, src);
	result("mmio-source-stores", !sig && !memcmp(dst, src, 24) && untouched(dst + 64, PAGE - 64),
	       "signal %d", sig);
	munmap(two, 2 * PAGE);
	munmap(dst, PAGE);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	result_prefix = "movdir64b:";
	traps_on();
	if (!strcmp(mode, "cpu")) {
		t_cpuid(1);
		t_ram();
		t_misaligned();
		t_faults();
		t_forms();
	} else if (!strcmp(mode, "absent")) {
		t_absent();
	} else if (!strcmp(mode, "portal") && argc == 4) {
		if (t_portal(argv[2], atol(argv[3]), 0))
			return 1;
	} else if (!strcmp(mode, "mmio-source") && argc == 3) {
		if (t_mmio_source(argv[2]))
			return 1;
	} else if (!strcmp(mode, "portal-pieces") && argc == 4) {
		if (t_portal(argv[2], atol(argv[3]), 1))
			return 1;
	} else {
		fprintf(stderr, "usage: movdir64b_test cpu | absent | portal[-pieces] WQDEV N | mmio-source WQDEV\n");
		return 2;
	}
	return failures != 0;
}
