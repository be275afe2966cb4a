// SPDX-License-Identifier: MIT
/*
 * imsctl irq: show a WQ's completion interrupt, or move it to other CPUs.
 * Moving rewrites only the IOMMU's remapping entry (and the vector); the
 * message in the device's IMS slot stays as it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "imsctl.h"

void help_irq(FILE *f)
{
	fprintf(f,
"Usage: %s irq WQ [CPULIST] [--json]\n"
"\n"
"Show the completion interrupt of WQ: its Linux irq, whether it is an IMS\n"
"entry (slot, interrupt handle) or an MSI-X vector, the CPUs it may go to\n"
"and the one it goes to, and the interrupts taken.  With CPULIST (such as\n"
"1, 0-3 or 0,2), move it there first, as root; the kernel picks one CPU of\n"
"the list, shown as the effective affinity.\n"
"\n"
"  -j, --json   one JSON object\n"
"  -h, --help   this text\n", prog);
}

/* Digits, commas and dashes only: the kernel parses the rest. */
static bool cpulist_ok(const char *s)
{
	if (!*s)
		return false;
	return strspn(s, "0123456789,-") == strlen(s) && s[0] != ',' &&
	       s[0] != '-';
}

/* Is every CPU of the list @eff (as the kernel prints) in the list @req? */
static bool cpulist_within(const char *eff, const char *req)
{
	unsigned long long want[16] = { 0 };
	const char *p = req;
	char *end;
	long a, b, c;

	while (*p) {
		a = strtol(p, &end, 10);
		b = *end == '-' ? strtol(end + 1, &end, 10) : a;
		for (c = a; c <= b && c < 1024; c++)
			want[c / 64] |= 1ull << (c % 64);
		p = *end == ',' ? end + 1 : end;
		if (end == p && *p)
			return true;	/* not a list: nothing to say */
	}
	for (p = eff; *p; p = *end == ',' ? end + 1 : end) {
		a = strtol(p, &end, 10);
		if (end == p)
			return true;
		b = *end == '-' ? strtol(end + 1, &end, 10) : a;
		for (c = a; c <= b && c < 1024; c++)
			if (!(want[c / 64] >> (c % 64) & 1))
				return false;
	}
	return true;
}

static int move_irq(const struct wq_view *w, const char *cpus)
{
	char path[64], online[128] = "?";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", w->irq);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == EACCES || errno == EPERM)
			err_msg("moving %s's interrupt needs root: permission denied on %s",
				w->name, path);
		else
			err_msg("cannot open %s: %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	n = write(fd, cpus, strlen(cpus));
	if (n < 0) {
		int e = errno;

		read_attr("/sys/devices/system/cpu/online", online, sizeof(online));
		err_msg("the kernel refused CPU list '%s' for irq %d: %s (online CPUs: %s)",
			cpus, w->irq, strerror(e), online);
		close(fd);
		return EXIT_FAIL;
	}
	close(fd);
	return 0;
}

static void show_json(const struct wq_view *w, bool pending)
{
	printf("{\"wq\":");
	json_str(stdout, w->name);
	printf(",\"irq_mode\":\"%s\",\"irq\":%d,\"ims_slot\":", wq_irq_mode(w), w->irq);
	if (w->ims_slot >= 0)
		printf("%d", w->ims_slot);
	else
		printf("null");
	if (w->handle >= 0)
		printf(",\"int_handle\":%ld", w->handle);
	else
		printf(",\"int_handle\":null");
	printf(",\"affinity\":");
	json_str(stdout, w->affinity);
	printf(",\"effective_affinity\":");
	json_str(stdout, w->effective);
	printf(",\"move_pending\":%s,\"irq_count\":%lld,\"proc_interrupts\":%lld}\n",
	       pending ? "true" : "false", w->irq_count, w->proc_count);
}

static void show_text(const struct wq_view *w, bool pending)
{
	printf("%s: irq %d, %s", w->name, w->irq, wq_irq_mode(w));
	if (w->ims_slot >= 0)
		printf(" slot %d", w->ims_slot);
	printf(", handle %#lx\n", w->handle);
	printf("  affinity %s, effective %s%s\n", w->affinity, w->effective,
	       pending ? " (the move completes at the next interrupt)" : "");
	printf("  interrupts: %lld taken by the handler, %lld in /proc/interrupts\n",
	       w->irq_count, w->proc_count);
}

int cmd_irq(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct wq_view w;
	bool json = false, pending = false;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			help_irq(stdout);
			return EXIT_OK;
		default:
			return option_error("irq", c, argv);
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		return usage_error("irq", "irq needs WQ and at most one CPULIST");
	if (argc - optind == 2 && !cpulist_ok(argv[optind + 1]))
		return usage_error("irq", "'%s' is not a CPU list (e.g. 1, 0-3, 0,2)",
				   argv[optind + 1]);
	rc = wq_lookup(argv[optind], &w);
	if (rc)
		return rc;
	if (w.irq < 0) {
		err_msg("%s has no interrupt (state %s, type %s): enable it as a user or kernel WQ",
			w.name, w.state, w.type);
		return EXIT_FAIL;
	}
	if (argc - optind == 2) {
		rc = move_irq(&w, argv[optind + 1]);
		if (rc)
			return rc;
		wq_view_load(w.dev, w.id, &w);
		/*
		 * Without interrupt remapping x86 moves an MSI from its next
		 * interrupt's handler, so the effective CPU lags until then.
		 */
		pending = !cpulist_within(w.effective, w.affinity);
	}
	if (json)
		show_json(&w, pending);
	else
		show_text(&w, pending);
	return EXIT_OK;
}
