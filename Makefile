# SPDX-License-Identifier: MIT
#
# idxd-ims top-level Makefile.
#   make deps     install build/test dependencies (root; apt, kernel pkgs)
#   make qemu     build QEMU 10.0.2 with the emulated DSA into .cache/
#   make check    all tests: host side, then in guests per machine profile
#   make help     this list
# Everything downloaded or built lands in $(CACHE) (git-ignored).

CACHE ?= $(CURDIR)/.cache
export IDXD_IMS_CACHE := $(CACHE)
KVER = $(shell cat $(CACHE)/kernel/version 2>/dev/null)
KDIR ?= $(CACHE)/kernel/root/usr/src/linux-headers-$(KVER)
# Debian's headers want pahole for BTF; modules need no BTF to load.
KBUILD_ARGS = CONFIG_DEBUG_INFO_BTF_MODULES=

.PHONY: all help deps qemu check test-modules clean
all: test-modules

help:
	@sed -n 's/^#   //p' Makefile

deps:
	@bash scripts/deps.sh

$(CACHE)/qemu/qemu-system-x86_64: emu/qemu/*.c emu/qemu/*.h emu/build-qemu.sh
	@bash emu/build-qemu.sh

qemu: $(CACHE)/qemu/qemu-system-x86_64

test-modules:
	@test -d "$(KDIR)" || { echo "no kernel headers at $(KDIR): run 'make deps'" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/kmod $(KBUILD_ARGS) modules

check: qemu
	@bash tests/run.sh $(PROFILES)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/kmod clean >/dev/null 2>&1
