/* SPDX-License-Identifier: MIT */
/*
 * dma_idxd_ims: a DPDK dmadev driver (vdev) for an idxd_ims user WQ.
 *
 *   --vdev dma_idxd_ims0,wq=wq0.1[,mem=8][,intr=1][,batch=1]
 *
 *   wq     the WQ: a name under /dev/dsa or a path (required)
 *   mem    MiB of DMA memory for the application's buffers, 1..64
 *          (default 8), offered as a DPDK malloc heap named after the
 *          device (see rte_pmd_idxd_ims_socket())
 *   intr   1: every submission unit (a BATCH, or one descriptor) asks for
 *          a completion interrupt, which signals the WQ's eventfd
 *          (rte_pmd_idxd_ims_eventfd()); 0 (default): none
 *   batch  1 (default): a burst of 2 or more operations goes to the
 *          device as one BATCH descriptor; 0: one descriptor each
 *
 * The device has no PASID here, so it reaches only memory the driver gave
 * the WQ: allocate buffers from the device's heap and pass the addresses
 * rte_malloc_virt2iova() gives.  Any other address is refused (-EINVAL)
 * when the operation is enqueued.
 */
#ifndef RTE_PMD_IDXD_IMS_H
#define RTE_PMD_IDXD_IMS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * rte_pmd_idxd_ims_socket() - the socket id of the device's malloc heap
 * @dev_id: a dma_idxd_ims dmadev
 *
 * Return: the id to pass to rte_malloc_socket()/rte_zmalloc_socket(), or
 * -ENODEV if @dev_id is not a dma_idxd_ims device.
 */
int rte_pmd_idxd_ims_socket(int16_t dev_id);

/**
 * rte_pmd_idxd_ims_eventfd() - the WQ's completion-interrupt eventfd
 * @dev_id: a dma_idxd_ims dmadev
 *
 * Readable after a completion interrupt; for rte_epoll or poll().
 *
 * Return: a file descriptor, -ENODEV if @dev_id is not ours, -ENXIO if
 * the device does not ask for interrupts (intr=0).
 */
int rte_pmd_idxd_ims_eventfd(int16_t dev_id);

/**
 * rte_pmd_idxd_ims_interrupts() - completion interrupts requested so far
 * @dev_id: a dma_idxd_ims dmadev
 *
 * Return: the count of submission units sent with an interrupt request,
 * or 0 if @dev_id is not ours.
 */
uint64_t rte_pmd_idxd_ims_interrupts(int16_t dev_id);

/**
 * rte_pmd_idxd_ims_submission() - how descriptors reach the device
 * @dev_id: a dma_idxd_ims dmadev
 *
 * Return: "movdir64b" (straight to the mapped portal: the CPU has the
 * instruction and the process CAP_SYS_RAWIO), "write" (through the
 * kernel, which checks each descriptor), or NULL if @dev_id is not ours.
 */
const char *rte_pmd_idxd_ims_submission(int16_t dev_id);

#ifdef __cplusplus
}
#endif

#endif
