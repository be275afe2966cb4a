// SPDX-License-Identifier: GPL-2.0
/*
 * irte_read - show the Intel VT-d interrupt remapping table entry (IRTE)
 * that a remappable MSI message points at, for kernels built without
 * CONFIG_IOMMU_DEBUGFS.  Test use only.
 *
 * The table is the one of the first DRHD unit in the ACPI DMAR table,
 * found through that unit's IRTA register and mapped read-only.
 *
 *   echo "ADDR_LO DATA" > /sys/kernel/debug/irte_read/msg   (hex)
 *   echo "INDEX" > /sys/kernel/debug/irte_read/index        (decimal)
 *   cat /sys/kernel/debug/irte_read/entry
 *
 * entry reads the IRTE afresh on every open and prints one line:
 *   index=N present=P fpd=F dm=D rh=R tm=T dlm=L avail=A vector=0xVV
 *   dest=0xDDDDDDDD sid=0xSSSS sq=Q svt=V raw=0x<hi>:0x<lo>
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/acpi.h>
#include <linux/bitfield.h>
#include <linux/debugfs.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#define DRHD_REG_SIZE		0x1000
#define DMAR_GSTS_REG		0x1c
#define DMAR_GSTS_IRES		BIT(25)
#define DMAR_IRTA_REG		0xb8
#define IRTA_ADDR_MASK		GENMASK_ULL(63, 12)
#define IRTA_EIME		BIT_ULL(11)
#define IRTA_S_MASK		GENMASK_ULL(3, 0)
#define IRTE_SIZE		16

/* Remappable-format MSI address (VT-d spec 5.1.5.2) */
#define MSI_ADDR_BASE_MASK	GENMASK(31, 20)
#define MSI_ADDR_BASE		0xfee00000
#define MSI_ADDR_HANDLE_LO	GENMASK(19, 5)
#define MSI_ADDR_IF		BIT(4)
#define MSI_ADDR_SHV		BIT(3)
#define MSI_ADDR_HANDLE_HI	BIT(2)
#define MSI_DATA_SUBHANDLE	GENMASK(15, 0)

/* IRTE, low qword */
#define IRTE_P			BIT_ULL(0)
#define IRTE_FPD		BIT_ULL(1)
#define IRTE_DM			BIT_ULL(2)
#define IRTE_RH			BIT_ULL(3)
#define IRTE_TM			BIT_ULL(4)
#define IRTE_DLM		GENMASK_ULL(7, 5)
#define IRTE_AVAIL		GENMASK_ULL(11, 8)
#define IRTE_VECTOR		GENMASK_ULL(23, 16)
#define IRTE_DEST		GENMASK_ULL(63, 32)
/* IRTE, high qword */
#define IRTE_SID		GENMASK_ULL(15, 0)
#define IRTE_SQ			GENMASK_ULL(17, 16)
#define IRTE_SVT		GENMASK_ULL(19, 18)

static void __iomem *regs;
static u64 *table;
static u32 nr_entries;
static struct dentry *dir;
static DEFINE_MUTEX(cur_lock);
static long cur_index = -1;

/* Register base of the first DRHD unit in the DMAR table, or 0 */
static u64 first_drhd_base(void)
{
	struct acpi_table_header *hdr;
	struct acpi_dmar_header *rs;
	void *p, *end;
	u64 base = 0;

	if (ACPI_FAILURE(acpi_get_table(ACPI_SIG_DMAR, 0, &hdr))) {
		pr_err("no ACPI DMAR table\n");
		return 0;
	}
	p = (void *)hdr + sizeof(struct acpi_table_dmar);
	end = (void *)hdr + hdr->length;
	while (p + sizeof(*rs) <= end) {
		rs = p;
		if (rs->length < sizeof(*rs) || p + rs->length > end)
			break;
		if (rs->type == ACPI_DMAR_TYPE_HARDWARE_UNIT &&
		    rs->length >= sizeof(struct acpi_dmar_hardware_unit)) {
			base = ((struct acpi_dmar_hardware_unit *)rs)->address;
			break;
		}
		p += rs->length;
	}
	acpi_put_table(hdr);
	if (!base)
		pr_err("no DRHD unit in the ACPI DMAR table\n");
	return base;
}

static int set_index(u64 index)
{
	if (index >= nr_entries)
		return -ERANGE;
	mutex_lock(&cur_lock);
	cur_index = index;
	mutex_unlock(&cur_lock);
	return 0;
}

static ssize_t copy_line(char *buf, size_t size, const char __user *ubuf,
			 size_t len)
{
	if (len >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	return 0;
}

static ssize_t msg_write(struct file *f, const char __user *ubuf, size_t len,
			 loff_t *ppos)
{
	char buf[64], *s, *tok_addr, *tok_data;
	u32 addr, data, handle, index;
	ssize_t rc;

	rc = copy_line(buf, sizeof(buf), ubuf, len);
	if (rc)
		return rc;
	s = strim(buf);
	tok_addr = strsep(&s, " \t");
	if (!s)
		return -EINVAL;
	tok_data = skip_spaces(s);
	if (kstrtou32(tok_addr, 16, &addr) || kstrtou32(tok_data, 16, &data))
		return -EINVAL;
	if ((addr & MSI_ADDR_BASE_MASK) != MSI_ADDR_BASE ||
	    !(addr & MSI_ADDR_IF))
		return -EINVAL;
	handle = FIELD_GET(MSI_ADDR_HANDLE_LO, addr) |
		 (addr & MSI_ADDR_HANDLE_HI ? BIT(15) : 0);
	index = handle;
	if (addr & MSI_ADDR_SHV)
		index += FIELD_GET(MSI_DATA_SUBHANDLE, data);
	rc = set_index(index);
	return rc ?: len;
}

static ssize_t index_write(struct file *f, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	char buf[32];
	ssize_t rc;
	u32 index;

	rc = copy_line(buf, sizeof(buf), ubuf, len);
	if (rc)
		return rc;
	if (kstrtou32(strim(buf), 10, &index))
		return -EINVAL;
	rc = set_index(index);
	return rc ?: len;
}

static int entry_show(struct seq_file *m, void *unused)
{
	long index;
	u64 lo, hi;

	mutex_lock(&cur_lock);
	index = cur_index;
	mutex_unlock(&cur_lock);
	if (index < 0)
		return -ENODATA;
	lo = READ_ONCE(table[2 * index]);
	hi = READ_ONCE(table[2 * index + 1]);
	seq_printf(m, "index=%ld present=%u fpd=%u dm=%u rh=%u tm=%u dlm=%u avail=%u vector=0x%02x dest=0x%08x sid=0x%04x sq=%u svt=%u raw=0x%016llx:0x%016llx\n",
		   index, !!(lo & IRTE_P), !!(lo & IRTE_FPD),
		   !!(lo & IRTE_DM), !!(lo & IRTE_RH), !!(lo & IRTE_TM),
		   (u32)FIELD_GET(IRTE_DLM, lo),
		   (u32)FIELD_GET(IRTE_AVAIL, lo),
		   (u32)FIELD_GET(IRTE_VECTOR, lo),
		   (u32)FIELD_GET(IRTE_DEST, lo),
		   (u32)FIELD_GET(IRTE_SID, hi),
		   (u32)FIELD_GET(IRTE_SQ, hi),
		   (u32)FIELD_GET(IRTE_SVT, hi), hi, lo);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(entry);

static const struct file_operations msg_fops = {
	.owner = THIS_MODULE,
	.write = msg_write,
};

static const struct file_operations index_fops = {
	.owner = THIS_MODULE,
	.write = index_write,
};

static int __init irte_read_init(void)
{
	u64 base, irta, table_pa;
	u32 gsts;

	base = first_drhd_base();
	if (!base)
		return -ENODEV;
	regs = ioremap(base, DRHD_REG_SIZE);
	if (!regs) {
		pr_err("cannot map the DRHD registers at %#llx\n", base);
		return -ENOMEM;
	}
	gsts = readl(regs + DMAR_GSTS_REG);
	if (!(gsts & DMAR_GSTS_IRES)) {
		pr_err("interrupt remapping is not enabled (GSTS %#x)\n", gsts);
		iounmap(regs);
		return -ENODEV;
	}
	irta = readq(regs + DMAR_IRTA_REG);
	table_pa = irta & IRTA_ADDR_MASK;
	nr_entries = 1U << (FIELD_GET(IRTA_S_MASK, irta) + 1);
	table = memremap(table_pa, (size_t)nr_entries * IRTE_SIZE,
			 MEMREMAP_WB);
	if (!table) {
		pr_err("cannot map the IR table at %#llx\n", table_pa);
		iounmap(regs);
		return -ENOMEM;
	}
	pr_info("DRHD %#llx: IR table at %#llx, %u entries, EIME %u\n",
		base, table_pa, nr_entries, !!(irta & IRTA_EIME));

	dir = debugfs_create_dir("irte_read", NULL);
	debugfs_create_file("msg", 0200, dir, NULL, &msg_fops);
	debugfs_create_file("index", 0200, dir, NULL, &index_fops);
	debugfs_create_file("entry", 0400, dir, NULL, &entry_fops);
	return 0;
}

static void __exit irte_read_exit(void)
{
	debugfs_remove_recursive(dir);
	memunmap(table);
	iounmap(regs);
}

module_init(irte_read_init);
module_exit(irte_read_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Read Intel VT-d interrupt remapping table entries (test)");
