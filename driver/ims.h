/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A module-internal IMS irq domain on top of interrupt remapping, for any
 * device that keeps interrupt messages in its own table.  Stock Linux 6.12
 * has no PCI/IMS API (it existed in 6.2-6.9), so this builds the domain
 * itself as a child of the device's interrupt-remapping MSI parent.
 */
#ifndef _IDXD_IMS_DOMAIN_H_
#define _IDXD_IMS_DOMAIN_H_

#include <linux/irq.h>
#include <linux/msi.h>
#include <linux/pci.h>

struct ims_domain;

/**
 * struct ims_slot_ops - how to reach one slot of the device's table
 * @write_msg: store address and data in @slot (called masked)
 * @set_mask: mask or unmask @slot
 *
 * Both run under the irq descriptor's raw spinlock with interrupts off:
 * MMIO only, no sleeping, no device commands.
 */
struct ims_slot_ops {
	void (*write_msg)(void *priv, unsigned int slot, const struct msi_msg *msg);
	void (*set_mask)(void *priv, unsigned int slot, bool masked);
};

struct ims_domain *ims_domain_create(struct pci_dev *pdev, unsigned int nslots,
				     const struct ims_slot_ops *ops, void *priv,
				     const char **why);
void ims_domain_destroy(struct ims_domain *id);
int ims_slot_get(struct ims_domain *id);
void ims_slot_put(struct ims_domain *id, unsigned int slot);
int ims_irq_alloc(struct ims_domain *id, unsigned int slot);
void ims_irq_free(struct ims_domain *id, unsigned int virq);
void ims_restore(struct ims_domain *id);
unsigned int ims_slots_used(struct ims_domain *id);
const char *ims_parent_name(struct ims_domain *id);
int ims_slot_msg(struct ims_domain *id, unsigned int slot, struct msi_msg *msg);
int ims_irq_hierarchy(unsigned int virq, char *buf, size_t len);

#endif /* _IDXD_IMS_DOMAIN_H_ */
