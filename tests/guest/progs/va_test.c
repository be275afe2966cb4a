// SPDX-License-Identifier: MIT
/*
 * In-guest: a user WQ in virtual-address mode (a PASID per file that
 * mirrors the process's memory), through libidxdims and raw ioctls.
 *
 *   va_test /dev/dsa/wqN.M
 *   va_test /dev/dsa/wqN.M shared BDF
 *   IMS_FORCE_WRITE=1 va_test /dev/dsa/wqN.M reg
 *
 * Copies into and out of ordinary malloc'ed memory, page faults
 * reported and handled (map, resubmit the rest), hugetlb memory seen
 * without a map, munmap dropping a mirrored range (the device then
 * reads the new page, never the old one), another process's memory
 * never reached, one file per dedicated WQ, and the ioctls' refusals.
 *
 * "shared": a shared WQ (ENQCMDS from the kernel's write(), each
 * descriptor naming its file's PASID): two files at once, each seeing
 * only what its own PASID maps, no portal mapping, and a WQ full up to
 * its threshold answering "retry" (-EAGAIN) while the device (BDF, the
 * emulator's test page) is paused.
 *
 * "reg", on a WQ without the mode: memory registered with
 * IDXD_IMS_IOC_MAP gets a device address that write() accepts (as a
 * destination only if the caller may write it) until IDXD_IMS_IOC_UNMAP,
 * and the registrations' refusals.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../../userspace/lib/idxd_ims_lib.h"
#include "result.h"

#define PG 4096u

static struct ims_wq *wq;
static struct idxd_ims_completion *cr;	/* mapped once, used by all */

static void *pages(size_t n)
{
	void *p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed);
}

/* One MEMMOVE, no fault handling: the record's status. */
static int copy_raw(void *dst, const void *src, uint32_t len)
{
	struct idxd_ims_desc d;
	int rc;

	memset(cr, 0, sizeof(*cr));
	ims_desc_memmove(&d, (uintptr_t)dst, (uintptr_t)src, len, (uintptr_t)cr, 0);
	rc = ims_submit(wq, &d) ?: ims_poll(cr, 5000);
	return rc ? rc : cr->status;
}

static int map_ioctl(unsigned long cmd, uint32_t argsz, uint32_t flags,
		     uint64_t addr, uint64_t len, int fd)
{
	struct idxd_ims_map m = { .argsz = argsz, .flags = flags, .addr = addr, .len = len };

	/* the kernel reads argsz bytes at most as far as it knows them */

	return ioctl(fd, cmd, &m) ? errno : 0;
}

static void t_malloc_copy(void)
{
	uint8_t *src = malloc(3 * PG + 100), *dst = malloc(3 * PG + 100);
	struct idxd_ims_desc d;
	unsigned int faults = 0;
	int rc, st;

	fill(src, 3 * PG + 100, 1);
	memset(dst, 0, 3 * PG + 100);
	/* nothing mapped yet: the device faults on the source's first page */
	st = copy_raw(dst, src, 3 * PG + 100);
	result("fault-unmapped-source", st == IDXD_IMS_ST_PAGE_FAULT &&
	       cr->fault_addr == ((uintptr_t)src & ~(uintptr_t)(PG - 1)) &&
	       cr->bytes_completed == 0,
	       "status %#x fault %#llx (source %p) done %u", st,
	       (unsigned long long)cr->fault_addr, (void *)src, cr->bytes_completed);
	/* the library maps what faulted and resubmits the rest */
	ims_desc_memmove(&d, (uintptr_t)dst, (uintptr_t)src, 3 * PG + 100, (uintptr_t)cr, 0);
	rc = ims_run(wq, &d, cr, 5000, &faults);
	result("malloc-copy-faults-handled", !rc && ims_status(cr) == IDXD_IMS_ST_SUCCESS &&
	       !memcmp(src, dst, 3 * PG + 100) && faults == 2,
	       "rc %d status %#x faults %u (a read fault, then a write fault)",
	       rc, cr->status, faults);
	/* mapped now: a second copy runs with no fault */
	memset(dst, 0, 3 * PG + 100);
	st = copy_raw(dst, src, 3 * PG + 100);
	result("malloc-copy-mapped", st == IDXD_IMS_ST_SUCCESS && !memcmp(src, dst, 3 * PG + 100),
	       "status %#x", st);
	free(src);
	free(dst);
}

/* A write fault part way: bytes done before it, the rest resubmitted. */
static void t_partial(void)
{
	uint8_t *src = pages(4), *dst = pages(4);
	struct idxd_ims_desc d;
	unsigned int faults;
	int st, rc;

	fill(src, 4 * PG, 2);
	ims_map(wq, src, 4 * PG, NULL);
	ims_map(wq, dst, PG, NULL);		/* only the destination's first page */
	st = copy_raw(dst + 512, src, 2 * PG);
	result("write-fault-partial", st == (IDXD_IMS_ST_PAGE_FAULT | IDXD_IMS_ST_WRITE_FAULT) &&
	       cr->fault_addr == (uintptr_t)dst + PG && cr->bytes_completed == PG - 512 &&
	       !memcmp(dst + 512, src, PG - 512),
	       "status %#x fault %#llx done %u", st, (unsigned long long)cr->fault_addr,
	       cr->bytes_completed);
	ims_desc_memmove(&d, (uintptr_t)dst + 512, (uintptr_t)src, 2 * PG, (uintptr_t)cr, 0);
	rc = ims_run(wq, &d, cr, 5000, &faults);
	result("write-fault-rest-resubmitted", !rc && ims_status(cr) == IDXD_IMS_ST_SUCCESS &&
	       faults == 1 && !memcmp(dst + 512, src, 2 * PG),
	       "rc %d status %#x faults %u", rc, cr->status, faults);
	munmap(src, 4 * PG);
	munmap(dst, 4 * PG);
}

/*
 * munmap drops the mirrored range: the page mapped again at the same
 * address is a new one, and the device must read it, not the old.
 */
static void t_munmap(void)
{
	uint8_t *src = pages(1), *dst = pages(1), *again;
	int st;

	memset(src, 0x11, PG);
	ims_map(wq, src, PG, NULL);
	ims_map(wq, dst, PG, NULL);
	st = copy_raw(dst, src, PG);
	result("munmap-before", st == IDXD_IMS_ST_SUCCESS && dst[100] == 0x11, "status %#x", st);
	munmap(src, PG);
	again = mmap(src, PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	memset(again, 0x22, PG);
	st = copy_raw(dst, src, PG);
	result("munmap-drops-mirror", st == IDXD_IMS_ST_PAGE_FAULT &&
	       cr->fault_addr == (uintptr_t)src,
	       "status %#x fault %#llx", st, (unsigned long long)cr->fault_addr);
	ims_map(wq, src, PG, NULL);
	st = copy_raw(dst, src, PG);
	result("munmap-new-page-read", st == IDXD_IMS_ST_SUCCESS && dst[100] == 0x22,
	       "status %#x byte %#x", st, dst[100]);
	ims_unmap(wq, src, PG);
	st = copy_raw(dst, src, PG);
	result("unmap-ioctl-drops", st == IDXD_IMS_ST_PAGE_FAULT, "status %#x", st);
	munmap(src, PG);
	munmap(dst, PG);
}

/* Another process's memory at the same address is never reached. */
static void t_other_process(void)
{
	uint8_t *probe = pages(1), *dst = pages(1);
	int p[2], st;
	pid_t pid;
	char c;

	munmap(probe, PG);		/* an address this process does not have */
	ims_map(wq, dst, PG, NULL);
	memset(dst, 0, PG);
	if (pipe(p))
		return;
	pid = fork();
	if (!pid) {			/* the child puts a secret there */
		uint8_t *s = mmap(probe, PG, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

		memset(s, 0x5e, PG);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	if (read(p[0], &c, 1) != 1)
		c = 0;
	/* fork write-protects the parent for copy-on-write: no change here */
	memset(dst, 0x33, 8);
	st = copy_raw(dst + 8, dst, 8);
	result("fork-keeps-mirror", st == IDXD_IMS_ST_SUCCESS && dst[8] == 0x33,
	       "status %#x", st);
	memset(dst, 0, PG);
	st = copy_raw(dst, probe, PG);
	result("other-process-memory-faults", c == 'r' && st == IDXD_IMS_ST_PAGE_FAULT &&
	       dst[0] == 0, "status %#x byte %#x", st, dst[0]);
	result("map-unmapped-efault", ims_map(wq, probe, PG, NULL) == -EFAULT, NULL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(p[0]);
	close(p[1]);
	munmap(dst, PG);
}

/* hugetlb memory mapped before the open: seen without a map */
static void t_hugetlb(const char *path, uint8_t *huge)
{
	int st;

	if (!huge) {
		result("hugetlb-mirrored-at-open", 0, "no hugetlb page (nr_hugepages?)");
		return;
	}
	fill(huge, 64 * 1024, 3);
	st = copy_raw(huge + (1 << 20), huge, 64 * 1024);
	result("hugetlb-mirrored-at-open", st == IDXD_IMS_ST_SUCCESS &&
	       !memcmp(huge, huge + (1 << 20), 64 * 1024), "status %#x (%s)", st, path);
}

static void t_refusals(const char *path)
{
	int fd = ims_wq_fd(wq), fd2, err;
	uint8_t *p = pages(1);

	fd2 = open(path, O_RDWR);
	err = errno;
	result("second-open-ebusy", fd2 < 0 && err == EBUSY,
	       "a dedicated WQ holds one PASID: errno %d", err);
	if (fd2 >= 0)
		close(fd2);
	result("va-flag", ims_wq_va(wq), NULL);
	result("map-len-0-einval", map_ioctl(IDXD_IMS_IOC_MAP, 32, 0, (uintptr_t)p, 0, fd) == EINVAL, NULL);
	result("map-flags-einval", map_ioctl(IDXD_IMS_IOC_MAP, 32, 1, (uintptr_t)p, PG, fd) == EINVAL, NULL);
	result("map-argsz-einval", map_ioctl(IDXD_IMS_IOC_MAP, 24, 0, (uintptr_t)p, PG, fd) == EINVAL, NULL);
	result("map-wrap-einval", map_ioctl(IDXD_IMS_IOC_MAP, 32, 0, ~0ull - 100, PG, fd) == EINVAL, NULL);
	result("map-kernel-einval", map_ioctl(IDXD_IMS_IOC_MAP, 32, 0, 0xffffffff81000000ull, PG, fd) == EINVAL, NULL);
	result("map-null-efault", map_ioctl(IDXD_IMS_IOC_MAP, 32, 0, 0, PG, fd) == EFAULT, NULL);
	result("unmap-nothing-ok", map_ioctl(IDXD_IMS_IOC_UNMAP, 32, 0, (uintptr_t)p, PG, fd) == 0, NULL);
	result("unmap-len-0-einval", map_ioctl(IDXD_IMS_IOC_UNMAP, 32, 0, (uintptr_t)p, 0, fd) == EINVAL, NULL);
	/* read-only memory maps read-only: the device may read it, not write it */
	mprotect(p, PG, PROT_READ);
	result("map-readonly-ok", map_ioctl(IDXD_IMS_IOC_MAP, 32, 0, (uintptr_t)p, PG, fd) == 0, NULL);
	{
		uint8_t *dst = pages(1);
		int st;

		ims_map(wq, dst, PG, NULL);
		st = copy_raw(dst, p, PG);
		result("readonly-source-read", st == IDXD_IMS_ST_SUCCESS, "status %#x", st);
		st = copy_raw(p, dst, PG);
		result("readonly-destination-faults", st == (IDXD_IMS_ST_PAGE_FAULT | IDXD_IMS_ST_WRITE_FAULT),
		       "status %#x", st);
		munmap(dst, PG);
	}
	munmap(p, PG);
}

static int emu_ctl(const char *bdf, const char *what)
{
	FILE *f = fopen("/sys/kernel/debug/emu_poke/ctl", "w");
	int ok = f && fprintf(f, "%s %s\n", bdf, what) > 0;

	return (f && !fclose(f) && ok) ? 0 : -1;
}

static int copy_on(struct ims_wq *w, struct idxd_ims_completion *c, void *dst,
		   const void *src, uint32_t len)
{
	struct idxd_ims_desc d;
	int rc;

	memset(c, 0, sizeof(*c));
	ims_desc_memmove(&d, (uintptr_t)dst, (uintptr_t)src, len, (uintptr_t)c, 0);
	rc = ims_submit(w, &d) ?: ims_poll(c, 5000);
	return rc ? rc : c->status;
}

static int shared_main(const char *path, const char *bdf)
{
	struct ims_wq *a, *b;
	struct idxd_ims_completion *ca, *cb;
	uint8_t *x = pages(2), *y = pages(2);
	struct idxd_ims_desc d;
	unsigned int thr = 0, n;
	char tpath[128];
	FILE *f;
	int rc, st;

	rc = ims_wq_open(path, &a) ?: ims_wq_open(path, &b);
	result("shared-two-files", !rc, "%s", rc ? ims_strerror(rc) : "");
	if (rc)
		return 1;
	result("shared-va-mode", ims_wq_va(a) && ims_wq_va(b) && !ims_wq_info(a)->dedicated, NULL);
	result("shared-write-path", !ims_wq_uses_movdir64b(a),
	       "a shared WQ takes ENQCMD, not MOVDIR64B: write()");
	result("shared-portal-mmap-refused",
	       mmap(NULL, PG, PROT_WRITE, MAP_SHARED, ims_wq_fd(a), 0) == MAP_FAILED &&
	       errno == EOPNOTSUPP, "errno %d", errno);
	ca = pages(1);
	cb = pages(1);
	ims_map(a, ca, PG, NULL);
	ims_map(b, cb, PG, NULL);
	fill(x, PG, 7);
	ims_map(a, x, 2 * PG, NULL);
	ims_map(a, y, 2 * PG, NULL);
	st = copy_on(a, ca, y, x, PG);
	result("shared-copy-file-a", st == IDXD_IMS_ST_SUCCESS && !memcmp(x, y, PG),
	       "status %#x", st);
	/* file b's PASID maps neither: its descriptor faults, a's still works */
	memset(y, 0, PG);
	st = copy_on(b, cb, y, x, PG);
	result("shared-pasid-per-file", st == IDXD_IMS_ST_PAGE_FAULT && y[0] == 0,
	       "status %#x", st);
	ims_map(b, x, 2 * PG, NULL);
	ims_map(b, y, 2 * PG, NULL);
	st = copy_on(b, cb, y, x, PG);
	result("shared-copy-file-b", st == IDXD_IMS_ST_SUCCESS && !memcmp(x, y, PG),
	       "status %#x", st);

	/* paused device: the WQ fills to its threshold, then "retry" */
	snprintf(tpath, sizeof(tpath), "/sys/bus/dsa/devices/wq%u.%u/threshold",
		 ims_wq_info(a)->dev_id, ims_wq_info(a)->wq_id);
	f = fopen(tpath, "r");
	if (!f || fscanf(f, "%u", &thr) != 1)
		thr = 0;
	if (f)
		fclose(f);
	rc = emu_ctl(bdf, "pause");
	memset(ca, 0, sizeof(*ca));
	ims_desc_noop(&d, 0, 0);
	d.flags_opcode &= ~(uint32_t)(IDXD_IMS_F_CRAV | IDXD_IMS_F_RCR);
	for (n = 0; !rc && n < thr + 4; n++) {
		rc = ims_submit(a, &d);
		if (rc)
			break;
	}
	result("shared-full-retry-eagain", rc == -EAGAIN && thr && n == thr,
	       "threshold %u: %u accepted, then %s", thr, n, ims_strerror(rc));
	emu_ctl(bdf, "resume");
	usleep(200000);
	st = copy_on(a, ca, y + PG, x + PG, 64);
	result("shared-after-resume", st == IDXD_IMS_ST_SUCCESS, "status %#x", st);
	ims_wq_close(b);
	ims_wq_close(a);
	return failures != 0;
}

/* write() one MEMMOVE of device addresses; its record at rec (device rec_iova) */
static int reg_copy(uint64_t dst, uint64_t src, uint32_t len,
		    struct idxd_ims_completion *rec, uint64_t rec_iova)
{
	struct idxd_ims_desc d;
	int rc;

	memset(rec, 0, sizeof(*rec));
	ims_desc_memmove(&d, dst, src, len, rec_iova, 0);
	rc = ims_submit(wq, &d);
	if (rc)
		return rc;
	rc = ims_poll(rec, 5000);
	return rc ? rc : rec->status;
}

static int reg_main(const char *path)
{
	uint8_t *m = pages(4), *ro = pages(1), *big;
	uint64_t mi = 0, ri = 0, x;
	struct idxd_ims_completion *rec;
	int fd, rc, st;

	rc = ims_wq_open(path, &wq);
	result("reg-open", !rc, "%s", rc ? ims_strerror(rc) : "");
	if (rc)
		return 1;
	fd = ims_wq_fd(wq);
	result("reg-no-va", !ims_wq_va(wq) && !ims_wq_uses_movdir64b(wq),
	       "run on a WQ without PASID, with IMS_FORCE_WRITE=1");
	rc = ims_map(wq, m, 4 * PG, &mi);
	result("reg-map", !rc && mi, "%s iova %#llx", ims_strerror(rc), (unsigned long long)mi);
	if (rc)
		return 1;
	rec = (void *)(m + 3 * PG);
	fill(m, PG, 9);
	memset(m + PG, 0, PG);
	st = reg_copy(mi + PG, mi, PG, rec, mi + 3 * PG);
	result("reg-copy", st == IDXD_IMS_ST_SUCCESS && !memcmp(m, m + PG, PG), "status %d", st);
	/* an unaligned start: the device address keeps the offset */
	rc = ims_map(wq, m + 100, 200, &x);
	result("reg-offset-kept", !rc && (x & (PG - 1)) == 100, "iova %#llx", (unsigned long long)x);
	st = reg_copy(mi + 2 * PG, mi + 4 * PG, 64, rec, mi + 3 * PG);
	result("reg-outside-efault", st == -EFAULT, "%s", ims_strerror(st));
	/* read-only memory: a source, never a destination */
	memset(ro, 0x42, PG);
	mprotect(ro, PG, PROT_READ);
	rc = ims_map(wq, ro, PG, &ri);
	result("reg-readonly-map", !rc, "%s", ims_strerror(rc));
	st = reg_copy(mi + 2 * PG, ri, 64, rec, mi + 3 * PG);
	result("reg-readonly-source", st == IDXD_IMS_ST_SUCCESS && m[2 * PG + 10] == 0x42,
	       "status %d", st);
	st = reg_copy(ri, mi, 64, rec, mi + 3 * PG);
	result("reg-readonly-destination-efault", st == -EFAULT, "%s", ims_strerror(st));
	/* unmapped: the WQ drains, the device address is refused from then on */
	rc = ims_unmap(wq, ro, PG);
	st = reg_copy(mi + 2 * PG, ri, 64, rec, mi + 3 * PG);
	result("reg-unmap-refused-after", !rc && st == -EFAULT, "%s / %s",
	       ims_strerror(rc), ims_strerror(st));
	result("reg-len-0-einval", map_ioctl(IDXD_IMS_IOC_MAP, 32, 0, (uintptr_t)m, 0, fd) == EINVAL, NULL);
	result("reg-flags-einval", map_ioctl(IDXD_IMS_IOC_MAP, 32, 2, (uintptr_t)m, PG, fd) == EINVAL, NULL);
	result("reg-wrap-einval", map_ioctl(IDXD_IMS_IOC_MAP, 32, 0, ~0ull - 8, PG, fd) == EINVAL, NULL);
	result("reg-null-efault", map_ioctl(IDXD_IMS_IOC_MAP, 32, 0, 0, PG, fd) == EFAULT, NULL);
	big = pages(3);
	munmap(big + PG, PG);	/* a hole in the middle */
	result("reg-hole-efault", ims_map(wq, big, 3 * PG, NULL) == -EFAULT, NULL);
	/* the registration outlives munmap (pinned, as VFIO's), until unmap */
	munmap(m, 4 * PG);
	result("reg-after-munmap-until-unmap", ims_unmap(wq, m, 4 * PG) == 0, NULL);
	ims_wq_close(wq);
	return failures != 0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/dsa/wq0.0";
	uint8_t *huge;
	int rc;

	result_prefix = "va:";
	if (argc > 3 && !strcmp(argv[2], "shared"))
		return shared_main(path, argv[3]);
	if (argc > 2 && !strcmp(argv[2], "reg"))
		return reg_main(path);
	/* hugetlb memory first: the open mirrors what exists then */
	huge = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (huge == MAP_FAILED)
		huge = NULL;
	else
		memset(huge, 0, 2 << 20);	/* fault the page in */
	rc = ims_wq_open(path, &wq);
	result("open", !rc, "%s", rc ? ims_strerror(rc) : "");
	if (rc)
		return 1;
	cr = pages(1);
	rc = ims_map(wq, cr, PG, NULL);
	result("map-record", !rc, "%s", rc ? ims_strerror(rc) : "");
	if (rc)
		return 1;
	t_hugetlb(path, huge);
	t_malloc_copy();
	t_partial();
	t_munmap();
	t_other_process();
	t_refusals(path);
	ims_wq_close(wq);
	/* closed: the WQ takes a new file (and its PASID) */
	rc = ims_wq_open(path, &wq);
	result("reopen-after-close", !rc, "%s", rc ? ims_strerror(rc) : "");
	if (!rc)
		ims_wq_close(wq);
	return failures != 0;
}
