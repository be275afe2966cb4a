// SPDX-License-Identifier: MIT
/* In-guest: libidxdims against the real driver (links libidxdims.a). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../../userspace/lib/idxd_ims_lib.h"

static int failures;

static void res(const char *n, int ok, const char *why)
{
	printf("@@ TEST lib:%s %s%s%s\n", n, ok ? "PASS" : "FAIL", ok ? "" : " ", ok ? "" : why);
	failures += !ok;
}

int main(int argc, char **argv)
{
	struct ims_wq *wq;
	struct idxd_ims_desc d;
	struct idxd_ims_completion *cr;
	uint64_t iova, crv;
	uint8_t *buf, *a, *b;
	int rc, i;

	rc = ims_wq_open(argc > 1 ? argv[1] : "/dev/dsa/wq0.0", &wq);
	if (rc) {
		res("open", 0, ims_strerror(rc));
		return 1;
	}
	res("open", 1, "");
	buf = ims_buf_alloc(wq, 1 << 20, &iova);
	res("buffer", buf != NULL, "mmap failed");
	if (!buf)
		return 1;
	cr = (struct idxd_ims_completion *)buf;
	crv = iova;
	a = buf + 4096;
	b = buf + 4096 + 65536;
	for (i = 0; i < 65536; i++)
		a[i] = rand();
	ims_desc_memmove(&d, iova + 4096 + 65536, iova + 4096, 65536, crv, IMS_INTERRUPT);
	rc = ims_submit(wq, &d) ?: ims_wait(wq, cr, 5000);
	res("memmove-interrupt", !rc && ims_status(cr) == 1 && !memcmp(a, b, 65536),
	    rc ? ims_strerror(rc) : ims_status_str(cr->status));
	memset(cr, 0, 32);
	ims_desc_crcgen(&d, iova + 4096, 65536, 0, crv, IMS_INTERRUPT);
	rc = ims_submit(wq, &d) ?: ims_wait(wq, cr, 5000);
	res("crc-matches-library", !rc && (uint32_t)cr->op[0] == ims_crc32c(0, a, 65536),
	    "crc differs");
	memset(cr, 0, 32);
	ims_desc_memfill(&d, iova + 4096, 0x5a5a5a5a5a5a5a5aull, 1000, crv, 0);
	rc = ims_submit(wq, &d) ?: ims_poll(cr, 5000);
	res("memfill-poll", !rc && a[999] == 0x5a, rc ? ims_strerror(rc) : "data");
	/*
	 * An address outside the buffers: write() refuses it; the portal
	 * hands it to the device, whose DMA faults where the IOMMU
	 * translates (argv[2] "translated": elsewhere it would reach
	 * physical memory, so it is not tried).
	 */
	memset(cr, 0, 32);
	ims_desc_memmove(&d, 0x1000, iova + 4096, 64, crv, 0);
	if (!ims_wq_uses_movdir64b(wq)) {
		rc = ims_submit(wq, &d);
		res("refusal-explained", rc == -14 && strstr(ims_strerror(rc), "DMA buffers"),
		    ims_strerror(rc));
	} else if (argc > 2 && !strcmp(argv[2], "translated")) {
		rc = ims_submit(wq, &d) ?: ims_poll(cr, 5000);
		res("portal-fault-reported",
		    !rc && (ims_status(cr) & 0x7f) == IDXD_IMS_ST_PAGE_FAULT &&
		    cr->fault_addr == 0x1000,
		    rc ? ims_strerror(rc) : ims_status_str(cr->status));
	}
	printf("submission: %s\n", ims_wq_uses_movdir64b(wq) ? "MOVDIR64B" : "write()");
	ims_wq_close(wq);
	return failures != 0;
}
