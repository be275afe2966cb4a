#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run nested guests (L2) for the nested test: QEMU's vfio-pci on mdevs.

Booting L2 under two levels of TCG costs a minute or more, and the test
wants several L2 lives (work, isolation, reset, reboot, a kill, two at
once).  So L2 is booted once, up to the point where its /init waits for
commands (modules loaded, no device yet), and saved with QEMU's own
migration to a file (`save`, run on the host, where TCG is one level).
Each L2 the test runs is that file restored (`run`), with the virtual DSA
hot-plugged into its PCIe root port by QMP `device_add vfio-pci,sysfsdev=`
before it resumes: a VMM adding a device to a running guest, which Linux's
pciehp (native PCIe hot-plug: cheaper for L2 than ACPI's) and upstream
idxd take as they would on hardware.

`run` reads steps on stdin, one a line, and answers each with the L2
lines it produced and a last line "@@ STEP <rc> <seconds>":
  NAME say TEXT        type TEXT on L2 NAME's console, wait for "@@ L2-END"
  NAME send TEXT       type TEXT, do not wait
  NAME reset-wait [S]  wait until QEMU reports a system reset (L2 rebooting)
  NAME kill            SIGKILL its QEMU (a VMM dying mid-work)
  NAME quit            QMP quit; rc is QEMU's exit code
NAME "all" does say/quit on every L2 at once, each line it answers
ending " [NAME]".
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time


def qemu_base(a, name):
    """The machine both the save and every restore describe: they must match."""
    return [a.qemu, "-L", a.firmware, "-accel", "tcg", "-cpu", "max",
            "-smp", "1", "-m", a.mem, "-machine", "q35",
            "-nodefaults", "-display", "none", "-monitor", "none",
            "-serial", "stdio",
            "-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off",
            "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,slot=1",
            "-qmp", f"unix:{a.tmp}/{name}.qmp,server=on,wait=off"]


class L2:
    """One L2: its QEMU process, console and QMP."""

    def __init__(self, name, argv, console):
        self.name = name
        self.lines = []
        self.cond = threading.Condition()
        self.events = []
        self.log = open(console, "ab", buffering=0)
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        threading.Thread(target=self._read_console, daemon=True).start()
        self.qmp = None
        self.qmp_file = None

    def _read_console(self):
        for raw in self.proc.stdout:
            self.log.write(raw)
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)		# QEMU is gone
            self.cond.notify_all()

    def connect_qmp(self, path, timeout=60):
        end = time.time() + timeout
        while True:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                break
            except OSError:
                if time.time() > end or self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name}: no QMP socket at {path}")
                time.sleep(0.2)
        self.qmp = s
        self.qmp_file = s.makefile("rwb", buffering=0)
        self._qmp_read()			# the greeting
        self.command("qmp_capabilities")

    def _qmp_read(self):
        line = self.qmp_file.readline()
        if not line:
            raise RuntimeError(f"{self.name}: QMP closed")
        return json.loads(line)

    def command(self, cmd, **args):
        """One QMP command; its return value, events kept aside."""
        msg = {"execute": cmd}
        if args:
            msg["arguments"] = args
        self.qmp_file.write(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._qmp_read()
            if "event" in r:
                self.events.append(r["event"])
                continue
            if "error" in r:
                raise RuntimeError(f"{self.name}: {cmd}: {r['error']['desc']}")
            return r.get("return")

    def wait_event(self, name, timeout):
        end = time.time() + timeout
        self.qmp.settimeout(1)
        try:
            while name not in self.events:
                if time.time() > end:
                    return False
                try:
                    r = self._qmp_read()
                except (socket.timeout, TimeoutError):
                    continue
                if "event" in r:
                    self.events.append(r["event"])
        finally:
            self.qmp.settimeout(None)
        return True

    def type(self, text):
        self.proc.stdin.write(text.encode() + b"\n")
        self.proc.stdin.flush()

    def wait_line(self, start, pattern, timeout):
        """Index of the first line from @start matching, or None."""
        rx = re.compile(pattern)
        end = time.time() + timeout
        i = start
        with self.cond:
            while True:
                while i < len(self.lines):
                    if self.lines[i] is None:
                        return None
                    if rx.search(self.lines[i]):
                        return i
                    i += 1
                left = end - time.time()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def said_since(self, start):
        with self.cond:
            return [ln for ln in self.lines[start:]
                    if ln is not None and ln.startswith("@@ L2")]

    def quit(self, timeout=60):
        try:
            self.command("quit")
        except (RuntimeError, OSError):
            pass
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def save(a):
    """Boot L2 to its command prompt and save it to a.out."""
    t0 = time.time()
    for what in ("kernel", "initrd", "append", "out"):
        if not getattr(a, what):
            sys.exit(f"l2vm: save needs --{what}")
    for f in (a.kernel, a.initrd):
        if not os.path.isfile(f):
            sys.exit(f"l2vm: no such file: {f}")
    argv = qemu_base(a, "save") + [
        "-kernel", a.kernel, "-initrd", a.initrd, "-append", a.append]
    vm = L2("save", argv, a.console)
    try:
        vm.connect_qmp(f"{a.tmp}/save.qmp")
    except RuntimeError as e:
        vm.proc.kill()
        sys.exit(f"l2vm: {e} (QEMU's output: {a.console})")
    if vm.wait_line(0, r"^@@ L2-READY", a.timeout) is None:
        vm.proc.kill()
        sys.exit(f"l2vm: L2 did not reach its prompt in {a.timeout} s (see {a.console})")
    up = time.time() - t0
    vm.command("stop")
    tmp = a.out + ".tmp"
    vm.command("migrate", uri=f"file:{tmp}")
    while True:
        st = vm.command("query-migrate").get("status")
        if st == "completed":
            break
        if st in ("failed", "cancelled"):
            sys.exit(f"l2vm: saving L2 {st}")
        time.sleep(0.2)
    vm.quit()
    os.replace(tmp, a.out)
    print(f"l2vm: L2 booted to its prompt in {up:.1f} s, saved in "
          f"{time.time() - t0:.1f} s ({os.path.getsize(a.out) >> 20} MiB)")


def restore(a, name, mdev):
    """L2 @name from the saved file, the mdev hot-plugged before it runs."""
    t0 = time.time()
    # No -no-reboot: L2 rebooting is a system reset that QEMU carries out
    # (the device reset with it), then sits in the firmware: the restored
    # machine has no kernel to boot.
    argv = qemu_base(a, name) + ["-S", "-incoming", f"file:{a.snapshot}"]
    vm = L2(name, argv, f"{a.tmp}/{name}.console")
    vm.connect_qmp(f"{a.tmp}/{name}.qmp")
    end = time.time() + a.timeout
    while vm.command("query-migrate").get("status") != "completed":
        if time.time() > end or vm.proc.poll() is not None:
            raise RuntimeError(f"{name}: restoring L2 did not complete")
        time.sleep(0.2)
    vm.command("device_add", driver="vfio-pci", id="vdsa", bus="rp0",
               sysfsdev=f"/sys/bus/mdev/devices/{mdev}")
    vm.command("cont")
    return vm, time.time() - t0


def step(vms, line, timeout):
    """One step of the test's script; prints its answer."""
    t0 = time.time()
    words = line.split(None, 2)
    names = list(vms) if words[0] == "all" else [words[0]]
    what = words[1] if len(words) > 1 else ""
    arg = words[2] if len(words) > 2 else ""
    rc = 0
    out = []
    for n in names:
        if n not in vms:
            print(f"@@ STEP 2 0 no L2 named {n}", flush=True)
            return
    if what in ("say", "send"):
        marks = {n: len(vms[n].lines) for n in names}
        for n in names:
            vms[n].type(arg)
        if what == "say":
            for n in names:
                i = vms[n].wait_line(marks[n], r"^@@ L2-END", timeout)
                if i is None:
                    rc = 1
                    out.append(f"@@ L2 FAIL {n}: no end of '{arg}'")
                out += [f"{s} [{n}]" if words[0] == "all" else s
                        for s in vms[n].said_since(marks[n])]
    elif what == "reset-wait":
        if not vms[names[0]].wait_event("RESET", float(arg or 600)):
            rc = 1
    elif what == "kill":
        vms[names[0]].proc.send_signal(signal.SIGKILL)
        vms[names[0]].proc.wait()
    elif what == "quit":
        for n in names:
            rc = rc or vms[n].quit()
    else:
        rc = 2
        out.append(f"@@ L2 FAIL unknown step '{line}'")
    for s in out:
        print(s)
    print(f"@@ STEP {rc} {time.time() - t0:.1f}", flush=True)


def vm_spec(text):
    """NAME=MDEV-UUID, as --vm takes it."""
    name, sep, mdev = text.partition("=")
    if not sep or not name or name == "all" or not re.fullmatch(r"[0-9a-fA-F-]{36}", mdev):
        raise argparse.ArgumentTypeError(f"'{text}' is not NAME=MDEV-UUID")
    return name, mdev


def run(a):
    vms = {}
    if a.vm and not os.path.isfile(a.snapshot or ""):
        print(f"@@ L2 FAIL no saved L2 at {a.snapshot} (tests/nested/l2-snapshot.sh)",
              flush=True)
        return 1
    try:
        for name, mdev in a.vm:
            vms[name], secs = restore(a, name, mdev)
            print(f"@@ L2-RESTORED {name} {secs:.1f}", flush=True)
    except RuntimeError as e:
        print(f"@@ L2 FAIL {e}", flush=True)
        for vm in vms.values():
            vm.proc.kill()
        return 1
    for line in sys.stdin:
        line = line.strip()
        if line:
            step(vms, line, a.timeout)
    for vm in vms.values():
        if vm.proc.poll() is None:
            vm.quit()
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=("save", "run"))
    p.add_argument("--qemu", required=True)
    p.add_argument("--firmware", required=True)
    p.add_argument("--mem", default="256M")
    p.add_argument("--tmp", default="/tmp", help="QMP sockets and consoles")
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--kernel", help="save: L2's kernel")
    p.add_argument("--initrd", help="save: L2's initramfs")
    p.add_argument("--append", help="save: L2's command line")
    p.add_argument("--console", default="/dev/null", help="save: console log")
    p.add_argument("--out", help="save: the file to write")
    p.add_argument("--snapshot", help="run: the saved L2")
    p.add_argument("--vm", action="append", default=[], type=vm_spec,
                   help="run: NAME=MDEV-UUID, one per L2")
    a = p.parse_args()
    if a.mode == "save":
        save(a)
        return 0
    return run(a)


if __name__ == "__main__":
    sys.exit(main())
