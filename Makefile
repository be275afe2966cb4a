# SPDX-License-Identifier: MIT
#
# idxd-ims top-level Makefile.
#   make deps     install build/test dependencies (root; apt, kernel pkgs)
#   make qemu     build QEMU 10.0.2 with the emulated DSA into .cache/
#   make demo     boot the emulated machine and show IMS interrupts at work
#   make bench    latency benchmark in the emulated machine (table, JSON, SVG)
#   make check    all tests: host side, then in guests per machine profile
#   make debug-kernel  the debug lane's 6.12 (KASAN, lockdep, kmemleak...) into .cache/
#   make coverage gcov line/function coverage of driver/*.c from the debug lane
#   make fuzz     fuzzers and every fault-injection point on the debug kernel (FUZZ_ITERS, FUZZ_SEED)
#   make lib      libidxdims (static and shared) into build/lib
#   make imsctl   the command-line tool into build/bin
#   make install  uapi header, library, imsctl and its man page under $(DESTDIR)$(PREFIX)
#   make help     this list
# Everything downloaded or built lands in $(CACHE) (git-ignored).

CACHE ?= $(CURDIR)/.cache
export IDXD_IMS_CACHE := $(CACHE)
KVER = $(shell cat $(CACHE)/kernel/version 2>/dev/null)
KDIR ?= $(CACHE)/kernel/root/usr/src/linux-headers-$(KVER)
# Debian's headers want pahole for BTF; modules need no BTF to load.
KBUILD_ARGS = CONFIG_DEBUG_INFO_BTF_MODULES=

.PHONY: debug-kernel debug-modules coverage fuzz
.PHONY: all help deps qemu check demo bench bench-build driver lib imsctl test-modules test-progs upstream-modules install clean
PREFIX ?= /usr/local
DEPS_STAMP = $(CACHE)/deps.stamp
all: driver lib imsctl test-modules

# libidxdims, static and shared
LIB_SRC = $(wildcard userspace/lib/*.c)
LIB_OBJ = $(patsubst userspace/lib/%.c,build/lib/%.o,$(LIB_SRC))
LIB_CFLAGS = -O2 -g -fPIC -Wall -Wextra -Werror -Iuapi
lib: build/lib/libidxdims.a build/lib/libidxdims.so
build/lib/%.o: userspace/lib/%.c $(wildcard userspace/lib/*.h) uapi/linux/idxd_ims.h
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -c -o $@ $<
build/lib/libidxdims.a: $(LIB_OBJ)
	$(AR) rcs $@ $^
build/lib/libidxdims.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libidxdims.so.1 -o $@ $^

# imsctl, the command-line tool (linked with the static library)
IMSCTL_SRC = $(wildcard userspace/imsctl/*.c)
imsctl: build/bin/imsctl
build/bin/imsctl: $(IMSCTL_SRC) userspace/imsctl/imsctl.h build/lib/libidxdims.a
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -Iuapi -Iuserspace/lib -o $@ $(IMSCTL_SRC) build/lib/libidxdims.a

# ims-bench, the DPDK latency benchmark (Debian's libdpdk-dev 22.11), with
# dma_idxd_ims, our dmadev driver, built out of tree against the driver
# headers of the same DPDK version (fetched once into .cache/dpdk).
# Linked with DPDK's static libraries, just those it uses: a shared
# build's EAL loads all of Debian's 128 PMD plugins at every start, which
# takes 4 of the 5 seconds a start costs in a TCG guest.
# DPDK's own DSA driver (dma_idxd, PCI mode through vfio-pci) is linked
# in too, unmodified: make bench's throughput anchor drives it.
DPDK_LIBS = -Wl,--whole-archive -l:librte_bus_vdev.a -l:librte_mempool_ring.a \
	-l:librte_dma_idxd.a -l:librte_bus_pci.a \
	-Wl,--no-whole-archive -l:librte_dmadev.a -l:librte_mempool.a -l:librte_ring.a \
	-l:librte_pci.a -l:librte_eal.a -l:librte_kvargs.a -l:librte_telemetry.a \
	-lbsd -lnuma -lm -ldl -lpthread
DPDK_HDRS = .cache/dpdk/include/.version
BENCH_SRC = bench/ims_bench.c bench/migrate.c bench/load.c bench/pair.c bench/throughput.c \
	bench/dpdk/idxd_ims_dmadev.c
bench-build: build/bench/ims-bench build/bench/dmadev-test build/bench/librte_dma_idxd_ims.so
$(DPDK_HDRS): bench/dpdk/fetch-headers.sh
	bash bench/dpdk/fetch-headers.sh .cache/dpdk
build/bench/ims-bench: $(BENCH_SRC) bench/ims_bench.h bench/dpdk/rte_pmd_idxd_ims.h \
		$(DPDK_HDRS) build/lib/libidxdims.a userspace/lib/idxd_ims_lib.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -DALLOW_EXPERIMENTAL_API -DALLOW_INTERNAL_API \
		-Iuapi -Iuserspace/lib -Ibench/dpdk -I.cache/dpdk/include \
		-o $@ $(BENCH_SRC) build/lib/libidxdims.a \
		$$(pkg-config --cflags libdpdk) $(DPDK_LIBS)
# The same driver as a DPDK plugin for any shared-linked DPDK application
# (dpdk-test -d build/bench/librte_dma_idxd_ims.so --vdev dma_idxd_ims0,wq=...):
# against Debian's shared libraries, with libidxdims (PIC) inside.
build/bench/librte_dma_idxd_ims.so: bench/dpdk/idxd_ims_dmadev.c bench/dpdk/rte_pmd_idxd_ims.h \
		$(DPDK_HDRS) build/lib/libidxdims.a userspace/lib/idxd_ims_lib.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -fPIC -shared -Wall -Wextra -Werror -DALLOW_EXPERIMENTAL_API -DALLOW_INTERNAL_API \
		-Iuapi -Iuserspace/lib -Ibench/dpdk -I.cache/dpdk/include \
		-o $@ bench/dpdk/idxd_ims_dmadev.c build/lib/libidxdims.a -Wl,-z,defs \
		$$(pkg-config --cflags libdpdk) -l:librte_dmadev.so.23 -l:librte_bus_vdev.so.23 \
		-l:librte_eal.so.23 -l:librte_kvargs.so.23
# the driver's test: any dmadev application's calls, checked
build/bench/dmadev-test: bench/dpdk/dmadev_test.c bench/dpdk/idxd_ims_dmadev.c \
		bench/dpdk/rte_pmd_idxd_ims.h tests/guest/progs/result.h $(DPDK_HDRS) build/lib/libidxdims.a
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -DALLOW_EXPERIMENTAL_API -DALLOW_INTERNAL_API \
		-Iuapi -Iuserspace/lib -Ibench/dpdk -I.cache/dpdk/include \
		-o $@ bench/dpdk/dmadev_test.c bench/dpdk/idxd_ims_dmadev.c build/lib/libidxdims.a \
		$$(pkg-config --cflags libdpdk) $(DPDK_LIBS)

# The kernel module; KDIR=/lib/modules/$(uname -r)/build for a host's own.
driver: $(DEPS_STAMP)
	@test -d "$(KDIR)" || { echo "no kernel headers at $(KDIR): run 'make deps'" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR)/driver $(KBUILD_ARGS) modules

help:
	@sed -n 's/^#   //p' Makefile

deps:
	@bash scripts/deps.sh && touch $(DEPS_STAMP)

# 'make check' and 'make demo' set the machine up on first use.
$(DEPS_STAMP): scripts/deps.sh
	@if [ "$$(id -u)" != 0 ]; then \
		echo "first run: dependencies are missing; run 'sudo make deps' once" >&2; \
		exit 1; fi
	@bash scripts/deps.sh && touch $@

$(CACHE)/qemu/qemu-system-x86_64: $(DEPS_STAMP) emu/qemu/*.c emu/qemu/*.h $(wildcard emu/qtest/*.c) \
		emu/patches $(wildcard emu/patches/*.patch) emu/build-qemu.sh
	@bash emu/build-qemu.sh

qemu: $(CACHE)/qemu/qemu-system-x86_64

# The tests' build of the driver: the same sources with the test hooks
# (IDXD_IMS_TEST_HOOKS), out of the source tree in build/test/driver (the
# module 'make driver' builds for users has none).
link-tree = mkdir -p $(2) && find $(2) -xtype l -delete && \
	for f in $(1); do ln -sf $(CURDIR)/$$f $(2)/; done
test-modules: driver test-progs imsctl bench-build upstream-modules qemu
	@test -d "$(KDIR)" || { echo "no kernel headers at $(KDIR): run 'make deps'" >&2; exit 1; }
	@mkdir -p build/test && ln -sfn ../../uapi build/test/uapi
	@$(call link-tree,driver/*.[ch] driver/Kbuild,build/test/driver)
	$(MAKE) -C $(KDIR) M=$(CURDIR)/build/test/driver $(KBUILD_ARGS) IDXD_IMS_TEST_HOOKS=y modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/kmod $(KBUILD_ARGS) modules
	@bash tests/nested/l2-snapshot.sh > /dev/null

# Upstream's own test modules that Debian's kernel does not ship (dmatest),
# built unmodified from Debian's linux-source-6.12 against the guest's headers.
UPSTREAM_KMOD = $(CACHE)/upstream-kmod/dmatest/drivers/dma
upstream-modules: $(DEPS_STAMP)
	@test -s $(UPSTREAM_KMOD)/dmatest.c || { echo "no dmatest.c: run 'make deps'" >&2; exit 1; }
	@echo 'obj-m := dmatest.o' > $(UPSTREAM_KMOD)/Kbuild
	$(MAKE) -C $(KDIR) M=$(UPSTREAM_KMOD) $(KBUILD_ARGS) modules

# In-guest test programs (run in the guest from the shared host root).
TEST_PROGS = $(patsubst tests/guest/progs/%.c,build/tests/%,$(wildcard tests/guest/progs/*.c))
test-progs: $(TEST_PROGS)
build/tests/%: tests/guest/progs/%.c tests/guest/progs/result.h tests/guest/progs/vfio_mdev.h uapi/linux/idxd_ims.h build/lib/libidxdims.a
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -Iuapi -o $@ $< build/lib/libidxdims.a
build/tests/lib_unit: tests/host/lib_unit.c build/lib/libidxdims.a
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -Iuapi -o $@ $< build/lib/libidxdims.a

# The debug lane: Debian's 6.12 source with the kernel's checkers
# (tests/vm/debug.config), and our modules built for it out of the source
# tree (build/debug/, through symlinks) with gcov on the driver.
DEBUG_KDIR = $(CACHE)/debug-kernel/build
debug-kernel: $(DEPS_STAMP)
	@bash scripts/build-debug-kernel.sh
debug-modules: debug-kernel
	@mkdir -p build/debug && ln -sfn ../../uapi build/debug/uapi
	@$(call link-tree,driver/*.[ch] driver/Kbuild,build/debug/driver)
	@$(call link-tree,tests/kmod/*.c tests/kmod/Kbuild,build/debug/kmod)
	$(MAKE) -C $(DEBUG_KDIR) M=$(CURDIR)/build/debug/driver IDXD_IMS_TEST_HOOKS=y IDXD_IMS_GCOV=y modules
	$(MAKE) -C $(DEBUG_KDIR) M=$(CURDIR)/build/debug/kmod modules

# Coverage of the driver in the last debug-lane run (make check or make
# coverage-run): the guest leaves its .gcda files in $(CACHE)/vm-out/debug.
coverage:
	@python3 tests/host/coverage.py build/debug/driver $(CACHE)/vm-out/debug/gcov

FUZZ_ITERS ?= 20000
fuzz: qemu test-modules debug-modules
	@IDXD_IMS_APPEND="idxd_ims.fuzz_iters=$(FUZZ_ITERS) idxd_ims.fault_step=1 $(if $(FUZZ_SEED),idxd_ims.fuzz_seed=$(FUZZ_SEED))" \
		IDXD_IMS_TESTS=fuzz,faults bash tests/run.sh debug

check: qemu
	@IDXD_IMS_TESTS=$(TESTS) bash tests/run.sh $(PROFILES)

demo: qemu test-modules
	@bash tests/vm/boot.sh --run tests/guest/demo.sh intel 300

# Latency in the emulated machine: IMS, MSI-X, polling, the eventfd floor.
# Paired runs leave their raw pairs in the guest's output share; the
# report's intervals come from them (Debian's python3 with numpy).
IMS_BENCH_SAMPLES ?= 750
IMS_BENCH_ROUNDS ?= 8
IMS_BENCH_LOAD_RATE ?= 2000
IMS_BENCH_TP_MS ?= 500
IMS_BENCH_MOVES ?= 10000
IMS_BENCH_ALLOC ?= 2000
bench: qemu test-modules
	@rm -rf build/bench/raw && mkdir -p build/bench/raw && cp /proc/stat build/bench/stat-before
	@IDXD_IMS_APPEND="ims_bench.samples=$(IMS_BENCH_SAMPLES) ims_bench.rounds=$(IMS_BENCH_ROUNDS) ims_bench.load_rate=$(IMS_BENCH_LOAD_RATE) ims_bench.tp_ms=$(IMS_BENCH_TP_MS) ims_bench.moves=$(IMS_BENCH_MOVES) ims_bench.alloc=$(IMS_BENCH_ALLOC)" \
		bash tests/vm/boot.sh --run bench/guest.sh bench 3600 | tee build/bench/console.txt
	@IDXD_IMS_APPEND="ims_bench.samples=$(IMS_BENCH_SAMPLES) ims_bench.scale_only=1" \
		bash tests/vm/boot.sh --run bench/guest.sh scale 1800 | tee build/bench/console-scale.txt
	@cat build/bench/console-scale.txt >> build/bench/console.txt
	@cp $(CACHE)/vm-out/bench/pair-*.txt $(CACHE)/vm-out/bench/stamps-*.txt $(CACHE)/vm-out/bench/trace-*.txt build/bench/raw/ 2>/dev/null || true
	@BENCH_QEMU=$(CACHE)/qemu/qemu-system-x86_64 BENCH_STAT_BEFORE=build/bench/stat-before \
		/usr/bin/python3 bench/report.py build/bench/console.txt build/bench build/bench/raw

install: lib imsctl
	install -D -m 0755 build/bin/imsctl $(DESTDIR)$(PREFIX)/bin/imsctl
	install -D -m 0644 userspace/imsctl/imsctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/imsctl.8
	install -D -m 0644 uapi/linux/idxd_ims.h $(DESTDIR)$(PREFIX)/include/linux/idxd_ims.h
	install -D -m 0644 userspace/lib/idxd_ims_lib.h $(DESTDIR)$(PREFIX)/include/idxd_ims_lib.h
	install -D -m 0644 build/lib/libidxdims.a $(DESTDIR)$(PREFIX)/lib/libidxdims.a
	install -D -m 0755 build/lib/libidxdims.so $(DESTDIR)$(PREFIX)/lib/libidxdims.so.1

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/kmod clean >/dev/null 2>&1
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/driver clean >/dev/null 2>&1
	rm -rf build
