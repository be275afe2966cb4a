// SPDX-License-Identifier: GPL-2.0
/*
 * An interrupt-remapping-backed IMS irq domain, built inside the module.
 *
 *   VECTOR  <-  INTEL-IR / AMD-IR (the device's MSI parent)  <-  IMS
 *
 * Each Linux irq of the domain stands for one slot of the device's table.
 * Allocation asks the remapping domain for an IRTE tagged with the
 * device's requester ID (through a private msi_desc naming the device);
 * activation (request_irq) composes the remappable message once and the
 * slot stores it.  An affinity change then rewrites only the IRTE: the
 * device's slot never changes, so no torn message can lose an interrupt.
 * That is why IMS is refused without interrupt remapping.
 *
 * Nothing here knows the device: it reaches its table through
 * struct ims_slot_ops.  The x86 internals it relies on (irq_alloc_info
 * for PCI MSI-X, the remapping allocators reading desc->dev) are pinned
 * down by the in-guest tests; if PCI/IMS returns upstream, switch to it.
 */
#include <linux/interrupt.h>
#include <linux/irqdomain.h>
#include <linux/slab.h>
#include <asm/irqdomain.h>
#include "ims.h"

struct ims_slot {
	struct ims_domain *dom;
	unsigned int index;
	struct msi_msg msg;		/* as written, for restore */
	bool active;
	bool masked;
};

struct ims_domain {
	struct pci_dev *pdev;
	unsigned int nslots;
	const struct ims_slot_ops *ops;
	void *priv;
	struct irq_domain *parent;
	struct irq_domain *domain;
	struct fwnode_handle *fwnode;
	struct msi_desc ir_desc;	/* only ->dev is read by the IR parents */
	struct irq_chip chip;
	struct mutex lock;		/* slot bitmap */
	raw_spinlock_t hw_lock;		/* slot writes: chip callbacks vs restore */
	unsigned long *used;
	unsigned int nused;
	struct ims_slot slots[];
};

static void ims_slot_write(struct ims_slot *s, const struct msi_msg *msg)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&s->dom->hw_lock, flags);
	s->msg = *msg;
	s->dom->ops->write_msg(s->dom->priv, s->index, msg);
	raw_spin_unlock_irqrestore(&s->dom->hw_lock, flags);
}

static void ims_slot_mask(struct ims_slot *s, bool masked)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&s->dom->hw_lock, flags);
	s->masked = masked;
	s->dom->ops->set_mask(s->dom->priv, s->index, masked);
	raw_spin_unlock_irqrestore(&s->dom->hw_lock, flags);
}

/* irq_chip_compose_msi_msg() is not exported: ask the first parent that can. */
static int ims_compose(struct irq_data *d, struct msi_msg *msg)
{
	struct irq_data *p;

	for (p = d->parent_data; p; p = p->parent_data) {
		if (p->chip && p->chip->irq_compose_msi_msg) {
			p->chip->irq_compose_msi_msg(p, msg);
			return 0;
		}
	}
	return -ENODEV;
}

static void ims_irq_mask(struct irq_data *d)
{
	ims_slot_mask(irq_data_get_irq_chip_data(d), true);
}

static void ims_irq_unmask(struct irq_data *d)
{
	ims_slot_mask(irq_data_get_irq_chip_data(d), false);
}

static void ims_irq_write_msi_msg(struct irq_data *d, struct msi_msg *msg)
{
	ims_slot_write(irq_data_get_irq_chip_data(d), msg);
}

static int ims_irq_set_affinity(struct irq_data *d, const struct cpumask *mask,
				bool force)
{
	int ret = irq_chip_set_affinity_parent(d, mask, force);
	struct msi_msg msg = { };

	/* Remapping answers OK_DONE: the IRTE moved, the slot stays. */
	if (ret >= 0 && ret != IRQ_SET_MASK_OK_DONE && !ims_compose(d, &msg))
		ims_slot_write(irq_data_get_irq_chip_data(d), &msg);
	return ret;
}

static int ims_dom_alloc(struct irq_domain *dom, unsigned int virq,
			 unsigned int nr_irqs, void *arg)
{
	struct ims_domain *id = dom->host_data;
	struct irq_alloc_info *info = arg;
	irq_hw_number_t slot = info->hwirq;
	int ret;

	if (nr_irqs != 1 || slot >= id->nslots)
		return -EINVAL;
	if (irq_find_mapping(dom, slot))
		return -EEXIST;
	ret = irq_domain_alloc_irqs_parent(dom, virq, 1, info);
	if (ret)
		return ret;
	irq_domain_set_info(dom, virq, slot, &id->chip, &id->slots[slot],
			    handle_edge_irq, NULL, "edge");
	return 0;
}

/* irq_domain_free_irqs_top() is not exported; this is what it does. */
static void ims_dom_free(struct irq_domain *dom, unsigned int virq,
			 unsigned int nr_irqs)
{
	irq_set_handler_data(virq, NULL);
	irq_set_handler(virq, NULL);
	irq_domain_free_irqs_common(dom, virq, nr_irqs);
}

/* request_irq() activates vector and IRTE first, then us: write the slot. */
static int ims_dom_activate(struct irq_domain *dom, struct irq_data *d,
			    bool reserve)
{
	struct ims_slot *s = irq_data_get_irq_chip_data(d);
	struct msi_msg msg = { };

	if (ims_compose(d, &msg))
		return -ENODEV;
	ims_slot_write(s, &msg);
	s->active = true;
	return 0;
}

static void ims_dom_deactivate(struct irq_domain *dom, struct irq_data *d)
{
	struct ims_slot *s = irq_data_get_irq_chip_data(d);
	struct msi_msg zero = { };

	ims_slot_mask(s, true);
	ims_slot_write(s, &zero);
	s->active = false;
}

static const struct irq_domain_ops ims_domain_ops = {
	.alloc = ims_dom_alloc,
	.free = ims_dom_free,
	.activate = ims_dom_activate,
	.deactivate = ims_dom_deactivate,
};

/* The device's MSI parent, if it is an interrupt-remapping domain. */
static struct irq_domain *ims_ir_parent(struct pci_dev *pdev, const char **why)
{
	struct irq_domain *p = dev_get_msi_domain(&pdev->dev);

	if (!p || !irq_domain_is_msi_parent(p)) {
		*why = "the device has no MSI parent domain";
		return NULL;
	}
	if (p->bus_token != DOMAIN_BUS_DMAR && p->bus_token != DOMAIN_BUS_AMDVI) {
		*why = "no interrupt remapping (no IOMMU, intremap=off or another parent)";
		return NULL;
	}
	if (!msi_device_has_isolated_msi(&pdev->dev)) {
		*why = "the platform does not isolate this device's MSIs";
		return NULL;
	}
	return p;
}

/**
 * ims_domain_create() - an IMS domain for @pdev's table of @nslots slots
 * @pdev: the PCI function that sends the messages (its requester ID is
 *        what the IRTEs check)
 * @nslots: slots in the device's table
 * @ops: slot accessors
 * @priv: passed to @ops
 * @why: on -EOPNOTSUPP, why IMS cannot be used here (for the log)
 *
 * All slots are masked here; they stay masked until their irq is started.
 *
 * Return: the domain, or ERR_PTR(-EOPNOTSUPP) without interrupt remapping,
 * or another ERR_PTR.
 */
struct ims_domain *ims_domain_create(struct pci_dev *pdev, unsigned int nslots,
				     const struct ims_slot_ops *ops, void *priv,
				     const char **why)
{
	struct irq_domain *parent = ims_ir_parent(pdev, why);
	struct ims_domain *id;
	unsigned int i;
	char *name;

	if (!parent)
		return ERR_PTR(-EOPNOTSUPP);
	if (!nslots) {
		*why = "the device has no IMS table";
		return ERR_PTR(-EOPNOTSUPP);
	}
	id = kzalloc(struct_size(id, slots, nslots), GFP_KERNEL);
	if (!id)
		return ERR_PTR(-ENOMEM);
	id->used = bitmap_zalloc(nslots, GFP_KERNEL);
	if (!id->used)
		goto err_free;
	id->pdev = pdev;
	id->nslots = nslots;
	id->ops = ops;
	id->priv = priv;
	id->parent = parent;
	mutex_init(&id->lock);
	raw_spin_lock_init(&id->hw_lock);
	/* The remapping parents read only ->dev: requester ID / device table. */
	id->ir_desc.dev = &pdev->dev;
	id->ir_desc.nvec_used = 1;
	for (i = 0; i < nslots; i++) {
		id->slots[i].dom = id;
		id->slots[i].index = i;
		ims_slot_mask(&id->slots[i], true);
	}
	id->chip = (struct irq_chip) {
		.name = "IR-IMS",
		.irq_mask = ims_irq_mask,
		.irq_unmask = ims_irq_unmask,
		.irq_ack = irq_chip_ack_parent,
		.irq_retrigger = irq_chip_retrigger_hierarchy,
		.irq_set_affinity = ims_irq_set_affinity,
		.irq_set_vcpu_affinity = irq_chip_set_vcpu_affinity_parent,
		.irq_write_msi_msg = ims_irq_write_msi_msg,
		.flags = IRQCHIP_SKIP_SET_WAKE | IRQCHIP_ONESHOT_SAFE |
			 IRQCHIP_AFFINITY_PRE_STARTUP,
	};
	name = kasprintf(GFP_KERNEL, "IMS-%s", pci_name(pdev));
	if (name)
		id->fwnode = irq_domain_alloc_named_fwnode(name);
	kfree(name);
	if (!id->fwnode)
		goto err_bitmap;
	id->domain = irq_domain_create_hierarchy(parent, 0, nslots, id->fwnode,
						 &ims_domain_ops, id);
	if (!id->domain)
		goto err_fwnode;
	return id;

err_fwnode:
	irq_domain_free_fwnode(id->fwnode);
err_bitmap:
	bitmap_free(id->used);
err_free:
	kfree(id);
	return ERR_PTR(-ENOMEM);
}

/**
 * ims_domain_destroy() - remove the domain; every irq must be freed first
 * @id: the domain (NULL or an ERR_PTR are ignored)
 */
void ims_domain_destroy(struct ims_domain *id)
{
	if (IS_ERR_OR_NULL(id))
		return;
	WARN_ON(id->nused);
	irq_domain_remove(id->domain);
	irq_domain_free_fwnode(id->fwnode);
	bitmap_free(id->used);
	kfree(id);
}

/**
 * ims_slot_get() - reserve a free slot
 * @id: the domain
 *
 * Return: the slot index, or -ENOSPC when the table is full.
 */
int ims_slot_get(struct ims_domain *id)
{
	unsigned int slot;

	mutex_lock(&id->lock);
	slot = find_first_zero_bit(id->used, id->nslots);
	if (slot < id->nslots) {
		__set_bit(slot, id->used);
		id->nused++;
	}
	mutex_unlock(&id->lock);
	return slot < id->nslots ? slot : -ENOSPC;
}

void ims_slot_put(struct ims_domain *id, unsigned int slot)
{
	mutex_lock(&id->lock);
	if (!WARN_ON(slot >= id->nslots || !test_bit(slot, id->used))) {
		__clear_bit(slot, id->used);
		id->nused--;
	}
	mutex_unlock(&id->lock);
}

unsigned int ims_slots_used(struct ims_domain *id)
{
	return id->nused;
}

/**
 * ims_irq_alloc() - a Linux irq for a reserved slot
 * @id: the domain
 * @slot: from ims_slot_get()
 *
 * This allocates the IRTE (and reserves a vector); request_irq() then
 * activates it and writes the slot.  That request can fail with -ENOSPC
 * when the CPUs have no vector left.
 *
 * Return: the Linux irq number or a negative errno.
 */
int ims_irq_alloc(struct ims_domain *id, unsigned int slot)
{
	struct irq_alloc_info info = { };

	if (slot >= id->nslots)
		return -EINVAL;
	info.type = X86_IRQ_ALLOC_TYPE_PCI_MSIX;	/* what the IR parents accept */
	info.desc = &id->ir_desc;
	info.hwirq = slot;
	info.mask = NULL;				/* reserve, assign at activation */
	return __irq_domain_alloc_irqs(id->domain, -1, 1,
				       dev_to_node(&id->pdev->dev), &info,
				       false, NULL);
}

/* After free_irq(): the IRTE and the vector reservation go too. */
void ims_irq_free(struct ims_domain *id, unsigned int virq)
{
	irq_dispose_mapping(virq);
}

/**
 * ims_restore() - write every active slot again after the device lost it
 * @id: the domain
 *
 * The PCI core restores MSI-X after an FLR or resume but knows nothing of
 * IMS; a device reset may clear the table too.  Slots come back with their
 * cached message and mask state; inactive slots stay masked.
 */
void ims_restore(struct ims_domain *id)
{
	unsigned int i;

	for (i = 0; i < id->nslots; i++) {
		struct ims_slot *s = &id->slots[i];
		unsigned long flags;

		raw_spin_lock_irqsave(&id->hw_lock, flags);
		id->ops->set_mask(id->priv, i, true);
		if (s->active) {
			id->ops->write_msg(id->priv, i, &s->msg);
			if (!s->masked)
				id->ops->set_mask(id->priv, i, false);
		}
		raw_spin_unlock_irqrestore(&id->hw_lock, flags);
	}
}

const char *ims_parent_name(struct ims_domain *id)
{
	return id->parent->bus_token == DOMAIN_BUS_DMAR ? "INTEL-IR" : "AMD-IR";
}

/* The message a slot holds (as written by the domain). */
int ims_slot_msg(struct ims_domain *id, unsigned int slot, struct msi_msg *msg)
{
	if (slot >= id->nslots)
		return -EINVAL;
	*msg = id->slots[slot].msg;
	return 0;
}

/**
 * ims_irq_hierarchy() - "IMS-... -> INTEL-IR-... -> VECTOR" for an irq
 * @virq: a Linux irq
 * @buf: where to write the domain names, outermost first
 * @len: size of @buf
 *
 * Return: the length written, or -EINVAL for an irq without domain data.
 */
int ims_irq_hierarchy(unsigned int virq, char *buf, size_t len)
{
	struct irq_data *d = irq_get_irq_data(virq);
	size_t n = 0;

	if (!d || !len)
		return -EINVAL;
	buf[0] = '\0';
	for (; d && n < len; d = d->parent_data)
		n += scnprintf(buf + n, len - n, "%s%s", n ? " -> " : "",
			       d->domain ? d->domain->name : "?");
	return n;
}
