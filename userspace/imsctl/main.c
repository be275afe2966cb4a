// SPDX-License-Identifier: MIT
/*
 * imsctl: look at and exercise idxd_ims work queues and their interrupts.
 * This file: the subcommand dispatcher, help and error reporting.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "imsctl.h"

#define IMSCTL_VERSION "1.0"

const char *prog = "imsctl";

void err_msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Say what is wrong with the command line, and where help is. */
int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s %s%s--help'.\n", prog, cmd ? cmd : "",
		cmd ? " " : "");
	return EXIT_USAGE;
}

/* getopt_long() (with opterr off and a ':' optstring) said no. */
int option_error(const char *cmd, int c, char **argv)
{
	const char *arg = argv[optind - 1];

	/* a short option may sit in a bundle (-qZ): name the letter */
	if (optopt && c == ':')
		return usage_error(cmd, "option '-%c' needs a value", optopt);
	if (c == ':')
		return usage_error(cmd, "option '%s' needs a value", arg);
	if (optopt)
		return usage_error(cmd, "unknown option '-%c'", optopt);
	return usage_error(cmd, "unknown option '%s'", arg);
}

static void help_main(FILE *f)
{
	fprintf(f,
"Usage: %s COMMAND [OPTIONS] [ARGS]\n"
"\n"
"Look at and exercise the work queues of idxd_ims (Intel DSA/IAA-class\n"
"accelerators whose completion interrupts come from IMS entries, remapped\n"
"by the IOMMU).  Configure devices and work queues with accel-config.\n"
"\n"
"Commands:\n"
"  list [--json] [DEVICE|WQ]   devices, work queues and their interrupts\n"
"  run OP WQ [OPTIONS]         run memmove, fill, compare, crc or batch work\n"
"  irq WQ [CPULIST] [--json]   show or move a work queue's interrupt\n"
"  help [COMMAND]              this text, or a command's\n"
"\n"
"Options:\n"
"  -h, --help       help (after a command: that command's)\n"
"  -V, --version    the version\n"
"\n"
"A WQ is named wq0.1, dsa0/wq0.1 or /dev/dsa/wq0.1.\n"
"Exit status: 0 done, 1 failed (device, data or system), 2 bad usage.\n"
"See imsctl(8).\n", prog);
}

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*help)(FILE *f);
};

static const struct command commands[] = {
	{ "list", cmd_list, help_list },
	{ "run", cmd_run, help_run },
	{ "irq", cmd_irq, help_irq },
};

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int do_help(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		help_main(stdout);
		return EXIT_OK;
	}
	c = find_command(argv[1]);
	if (!c)
		return usage_error(NULL, "no command '%s'", argv[1]);
	c->help(stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct command *c;

	opterr = 0;	/* option_error() says it, naming the command */
	if (argc < 2) {
		help_main(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help"))
		return do_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("imsctl %s\n", IMSCTL_VERSION);
		return EXIT_OK;
	}
	c = find_command(argv[1]);
	if (!c)
		return usage_error(NULL, "no command '%s' (commands: list, run, irq, help)",
				   argv[1]);
	return c->run(argc - 1, argv + 1);
}
