// SPDX-License-Identifier: MIT
/*
 * imsctl: reading the dsa bus in sysfs and a WQ's irq in /proc.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "imsctl.h"

/* Read a one-line attribute without its newline; 0 or -errno. */
int read_attr(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

int read_attr_long(const char *path, long long *v)
{
	char buf[64], *end;
	int rc;

	rc = read_attr(path, buf, sizeof(buf));
	if (rc)
		return rc;
	errno = 0;
	*v = strtoll(buf, &end, 0);
	if (errno || end == buf || *end)
		return -EINVAL;
	return 0;
}

static int parse_uint(const char *s, const char **end)
{
	long v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s) && v < 100000)
		v = v * 10 + (*s++ - '0');
	*end = s;
	return v < 100000 ? (int)v : -1;
}

/*
 * Accept "wqD.Q", "dsaD/wqD.Q" and "/dev/dsa/wqD.Q"; anything else is a
 * usage error (-EINVAL), found before sysfs is asked.
 */
int parse_wq_name(const char *arg, int *dev, int *id)
{
	const char *p = arg;
	int d, q, parent = -1;

	if (!strncmp(p, "/dev/dsa/", 9)) {
		p += 9;
	} else if (!strncmp(p, "dsa", 3)) {
		parent = parse_uint(p + 3, &p);
		if (parent < 0 || *p++ != '/')
			return -EINVAL;
	}
	if (strncmp(p, "wq", 2))
		return -EINVAL;
	d = parse_uint(p + 2, &p);
	if (d < 0 || *p != '.')
		return -EINVAL;
	q = parse_uint(p + 1, &p);
	if (q < 0 || *p || (parent >= 0 && parent != d))
		return -EINVAL;
	*dev = d;
	*id = q;
	return 0;
}

static void wq_attr(const struct wq_view *w, const char *attr, char *buf,
		    size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), DSA_BUS "/%s/%s", w->name, attr);
	if (read_attr(path, buf, len))
		snprintf(buf, len, "?");
}

static long long wq_attr_num(const struct wq_view *w, const char *attr,
			     long long dflt)
{
	char path[256];
	long long v;

	snprintf(path, sizeof(path), DSA_BUS "/%s/%s", w->name, attr);
	return read_attr_long(path, &v) ? dflt : v;
}

static void irq_file(int irq, const char *file, char *buf, size_t len)
{
	char path[96];

	snprintf(path, sizeof(path), "/proc/irq/%d/%s", irq, file);
	if (read_attr(path, buf, len))
		snprintf(buf, len, "?");
}

/* Fill @w from sysfs: -ENOENT if there is no such WQ. */
int wq_view_load(int dev, int id, struct wq_view *w)
{
	char path[256];
	struct stat st;

	memset(w, 0, sizeof(*w));
	w->dev = dev;
	w->id = id;
	snprintf(w->name, sizeof(w->name), "wq%d.%d", dev, id);
	snprintf(path, sizeof(path), DSA_BUS "/%s", w->name);
	if (stat(path, &st))
		return -errno;
	wq_attr(w, "state", w->state, sizeof(w->state));
	wq_attr(w, "mode", w->mode, sizeof(w->mode));
	wq_attr(w, "type", w->type, sizeof(w->type));
	wq_attr(w, "name", w->wq_name, sizeof(w->wq_name));
	wq_attr(w, "driver_name", w->driver_name, sizeof(w->driver_name));
	w->size = wq_attr_num(w, "size", 0);
	w->irq = wq_attr_num(w, "ims_irq", -1);
	w->ims_slot = wq_attr_num(w, "ims_slot", -1);
	w->handle = wq_attr_num(w, "ims_handle", -1);
	w->irq_count = wq_attr_num(w, "ims_irq_count", 0);
	w->proc_count = 0;
	strcpy(w->affinity, "-");
	strcpy(w->effective, "-");
	if (w->irq >= 0) {
		irq_file(w->irq, "smp_affinity_list", w->affinity,
			 sizeof(w->affinity));
		irq_file(w->irq, "effective_affinity_list", w->effective,
			 sizeof(w->effective));
		proc_irq_count(w->irq, &w->proc_count);
	}
	return 0;
}

/* Resolve a WQ argument and load it, with the error said; 0 or an exit code. */
int wq_lookup(const char *arg, struct wq_view *w)
{
	struct stat st;
	int dev, id, rc;

	if (parse_wq_name(arg, &dev, &id))
		return usage_error(NULL, "'%s' is not a work queue name (wq0.0, dsa0/wq0.0 or /dev/dsa/wq0.0)",
				   arg);
	if (stat(DSA_BUS, &st)) {
		err_msg("no dsa bus in sysfs: idxd_ims is not loaded (modprobe idxd_ims)");
		return EXIT_FAIL;
	}
	rc = wq_view_load(dev, id, w);
	if (rc) {
		err_msg("%s: no such work queue (see '%s list')", arg, prog);
		return EXIT_FAIL;
	}
	return 0;
}

/* "ims", "msix" or "none": how the WQ's completion interrupt arrives. */
const char *wq_irq_mode(const struct wq_view *w)
{
	if (w->irq < 0)
		return "none";
	return w->ims_slot >= 0 ? "ims" : "msix";
}

/* Sum the per-CPU counts of @irq's line in /proc/interrupts. */
int proc_irq_count(int irq, long long *total)
{
	char *line = NULL, *p, *end;
	size_t cap = 0;
	FILE *f;
	int rc = -ENOENT;

	*total = 0;
	f = fopen("/proc/interrupts", "re");
	if (!f)
		return -errno;
	/* a line per irq, a column per CPU: long on big machines */
	while (getline(&line, &cap, f) > 0) {
		p = line;
		while (*p == ' ')
			p++;
		if (strtol(p, &end, 10) != irq || end == p || *end != ':')
			continue;
		p = end + 1;
		for (;;) {
			long long v = strtoll(p, &end, 10);

			if (end == p)
				break;
			*total += v;
			p = end;
		}
		rc = 0;
		break;
	}
	free(line);
	fclose(f);
	return rc;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * The numbers N of entries in @dir matching @fmt (one %d, e.g. "dsa%d"
 * or "wq0.%d"), sorted; the count, or -errno.
 */
int list_ids(const char *dir, const char *fmt, int *ids, int max)
{
	struct dirent *de;
	char back[64];
	DIR *d;
	int n = 0, v;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < max) {
		if (sscanf(de->d_name, fmt, &v) != 1 || v < 0)
			continue;
		/* reject "dsa0x" and the like: it must print back the same */
		snprintf(back, sizeof(back), fmt, v);
		if (!strcmp(back, de->d_name))
			ids[n++] = v;
	}
	closedir(d);
	qsort(ids, n, sizeof(*ids), cmp_int);
	return n;
}
