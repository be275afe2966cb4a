/* SPDX-License-Identifier: MIT */
/* libidxdims: what the library's files share about an open WQ. */
#ifndef IMS_WQ_PRIV_H
#define IMS_WQ_PRIV_H

#define IMS_MAX_BUFS 64

struct ims_buf {
	void *p;
	size_t len;
	uint64_t iova;
};

struct ims_wq {
	int fd;
	int efd;			/* -1 without a completion interrupt */
	void *portal;			/* NULL: submit with write() */
	struct idxd_ims_wq_info info;
	struct ims_buf bufs[IMS_MAX_BUFS];
	int nbufs;
	bool lost;			/* a device reset lost what was in flight */
	struct idxd_ims_completion *settle_cr;	/* the library's DRAIN record */
	uint64_t settle_iova;
};

#endif /* IMS_WQ_PRIV_H */
