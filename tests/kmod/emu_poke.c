// SPDX-License-Identifier: GPL-2.0
/*
 * emu_poke - reach the emulated DSA's test page while a driver owns the
 * device (user space cannot: strict devmem refuses resource0 mmap of a
 * claimed BAR).  Test use only.
 *
 *   echo "BDF pause|resume|halt|halt-flr" > /sys/kernel/debug/emu_poke/ctl
 *   echo "BDF halt-hold" > .../ctl      halt, and complete commands only
 *                                       when CMDSTS is polled (a slow
 *                                       recovery) until "resume"
 *   echo "BDF read OFFSET" > .../ctl; cat .../result
 *   echo "BDF failcmd CODE [CMD]" > .../ctl   the next command (of opcode
 *                                       CMD, if given) fails with CODE
 *   echo "BDF revoke" > .../ctl         revoke every interrupt handle
 *   echo "BDF stamp|nostamp" > .../ctl  successful MEMMOVE/NOOP records
 *                                       carry the TSC of their write and
 *                                       of their interrupt (ims-bench)
 */
#include <linux/debugfs.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>

#define EMU_ID		0x1000
#define EMU_ID_VALUE	0x45415344
#define EMU_CTRL	0x1004

static struct dentry *dir;
static u32 result;

static struct pci_dev *poke_find(const char *bdf)
{
	unsigned int dom, bus, slot, fn;

	if (sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &slot, &fn) != 4)
		return NULL;
	return pci_get_domain_bus_and_slot(dom, bus, PCI_DEVFN(slot, fn));
}

static ssize_t ctl_write(struct file *f, const char __user *ubuf, size_t len,
			 loff_t *ppos)
{
	char buf[64], bdf[32], op[16];
	struct pci_dev *pdev;
	void __iomem *bar;
	unsigned int off = 0, only = 0;
	int n, rc = 0;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	n = sscanf(buf, "%31s %15s %x %x", bdf, op, &off, &only);
	if (n < 2)
		return -EINVAL;
	pdev = poke_find(bdf);
	if (!pdev)
		return -ENODEV;
	bar = ioremap(pci_resource_start(pdev, 0), 0x10000);
	if (!bar) {
		rc = -ENOMEM;
		goto out_put;
	}
	if (readl(bar + EMU_ID) != EMU_ID_VALUE)
		rc = -ENODEV;
	else if (!strcmp(op, "pause"))
		writel(1, bar + EMU_CTRL);
	else if (!strcmp(op, "resume"))
		writel(0, bar + EMU_CTRL);
	else if (!strcmp(op, "halt"))
		writel(2, bar + EMU_CTRL);
	else if (!strcmp(op, "halt-flr"))
		writel(6, bar + EMU_CTRL);
	else if (!strcmp(op, "halt-hold"))
		writel(2 | 0x20, bar + EMU_CTRL);
	else if (!strcmp(op, "stamp"))
		writel(0x40 | (readl(bar + EMU_CTRL) & 0x21), bar + EMU_CTRL);
	else if (!strcmp(op, "nostamp"))
		writel(readl(bar + EMU_CTRL) & 0x21, bar + EMU_CTRL);
	else if (!strcmp(op, "revoke"))
		writel(16 | (readl(bar + EMU_CTRL) & 1), bar + EMU_CTRL);
	else if (!strcmp(op, "failcmd") && n >= 3 && off && off < 0x100 && only < 0x20)
		writel(8 | off << 8 | only << 16 | (readl(bar + EMU_CTRL) & 1),
		       bar + EMU_CTRL);
	else if (!strcmp(op, "read") && n == 3 && off < 0x10000 && !(off & 3))
		result = readl(bar + off);
	else
		rc = -EINVAL;
	iounmap(bar);
out_put:
	pci_dev_put(pdev);
	return rc ?: len;
}

static const struct file_operations ctl_fops = {
	.owner = THIS_MODULE,
	.write = ctl_write,
};

static int result_get(void *data, u64 *val)
{
	*val = result;
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(result_fops, result_get, NULL, "%#llx\n");

static int __init poke_init(void)
{
	dir = debugfs_create_dir("emu_poke", NULL);
	debugfs_create_file("ctl", 0200, dir, NULL, &ctl_fops);
	debugfs_create_file("result", 0400, dir, NULL, &result_fops);
	return 0;
}

static void __exit poke_exit(void)
{
	debugfs_remove_recursive(dir);
}

module_init(poke_init);
module_exit(poke_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test access to the emulated DSA's emulation page");
