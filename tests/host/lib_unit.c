// SPDX-License-Identifier: MIT
/* Host unit tests of libidxdims: everything that needs no device. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "../../userspace/lib/idxd_ims_lib.h"

static int failures;

#define T(name, cond) do {						\
	printf("@@ TEST lib:%s %s\n", name, (cond) ? "PASS" : "FAIL");	\
	failures += !(cond);						\
} while (0)

int main(void)
{
	struct idxd_ims_desc d;
	struct idxd_ims_completion c = { 0 };
	struct ims_wq *wq = NULL;
	uint64_t dst2;
	uint32_t seed;

	ims_desc_memmove(&d, 0x2000, 0x1000, 4096, 0x3000, IMS_INTERRUPT);
	T("memmove", d.flags_opcode == (0x03u << 24 | 0x4 | 0x8 | 0x10) &&
	  d.src == 0x1000 && d.dst == 0x2000 && d.size == 4096 &&
	  d.completion_addr == 0x3000 && !d.pasid_priv && !d.int_handle);
	ims_desc_memfill(&d, 0x2000, 0x1122334455667788ull, 100, 0x3000, 0);
	T("memfill", d.flags_opcode == (0x04u << 24 | 0xc) && d.src == 0x1122334455667788ull);
	ims_desc_compare(&d, 1, 2, 3, 0x40, IMS_FENCE);
	T("compare", d.flags_opcode == (0x05u << 24 | 0xd) && d.src == 1 && d.dst == 2);
	ims_desc_compval(&d, 1, 0xabcd, 8, 0x40, 0);
	T("compval", (d.flags_opcode >> 24) == 0x06 && d.dst == 0xabcd);
	ims_desc_dualcast(&d, 0x1000, 0x5000, 0x9000, 64, 0x40, 0);
	memcpy(&dst2, d.op, 8);
	T("dualcast", (d.flags_opcode >> 24) == 0x09 && d.dst == 0x1000 &&
	  dst2 == 0x5000 && d.src == 0x9000);
	ims_desc_crcgen(&d, 0x1000, 9, 0x1234, 0x40, 0);
	memcpy(&seed, d.op, 4);
	T("crcgen", (d.flags_opcode >> 24) == 0x10 && seed == 0x1234 && d.size == 9);
	ims_desc_copy_crc(&d, 0x2000, 0x1000, 9, 7, 0x40, 0);
	T("copy_crc", (d.flags_opcode >> 24) == 0x11 && d.dst == 0x2000);
	ims_desc_cflush(&d, 0x2000, 64, 0x40, 0);
	T("cflush", (d.flags_opcode >> 24) == 0x20 && d.dst == 0x2000 && !d.src);
	ims_desc_batch(&d, 0x4000, 3, 0x40, 0);
	T("batch", (d.flags_opcode >> 24) == 0x01 && d.size == 3 && d.src == 0x4000);
	ims_desc_noop(&d, 0x40, 0);
	T("noop", d.flags_opcode == 0xc && !d.size);
	ims_desc_drain(&d, 0x40, 0);
	T("drain", d.flags_opcode == (0x02u << 24 | 0xc));
	T("crc32c-check-value", ims_crc32c(0, "123456789", 9) == 0xe3069283u);
	T("crc32c-continues", ims_crc32c(ims_crc32c(0, "12345", 5), "6789", 4) == 0xe3069283u);
	c.status = 0x83;
	T("status-write-fault", ims_status(&c) == 3 &&
	  strstr(ims_status_str(c.status), "writing"));
	T("status-handle", strstr(ims_status_str(0x19), "interrupt handle") != NULL);
	T("strerror-efault", strstr(ims_strerror(-EFAULT), "DMA buffers") != NULL);
	T("strerror-eagain", strstr(ims_strerror(-EAGAIN), "full") != NULL);
	T("open-missing", ims_wq_open("/nonexistent/wq9.9", &wq) == -ENOENT && !wq);
	T("open-not-a-wq", ims_wq_open("/dev/null", &wq) == -ENOTTY && !wq);
	T("poll-timeout", ims_poll(&(struct idxd_ims_completion){ 0 }, 10) == -ETIMEDOUT);
	c.status = 1;
	T("poll-done", ims_poll(&c, 10) == 0);
	printf("movdir64b on this CPU: %s\n", ims_cpu_has_movdir64b() ? "yes" : "no");
	return failures != 0;
}
