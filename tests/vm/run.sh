#!/usr/bin/env bash
# tests/vm/run.sh RT_BINARY — run rt's cgroup tests on pure cgroup v2 in a VM.
#
# Boots Debian's cloud kernel with cgroup_no_v1=all in qemu (software
# emulation) from an initramfs that carries busybox, RT_BINARY and the
# libraries it needs, jq, a busybox bundle and the tests (tests/vm/tests.sh),
# and reads the results from the serial console. Prints the TAP-like lines,
# then a closing line "N passed, N failed"; exits 0 only if every test ran
# and none failed. See tests/vm/README.md.
#
# Environment:
#   RT_VM_CACHE     cache directory (default tests/vm/.cache): the kernel, the
#                   base part of the initramfs
#   RT_VM_KERNEL    a vmlinuz to boot instead of Debian's cloud kernel
#   RT_VM_TIMEOUT   seconds the VM may run (default 540)
#   RT_VM_KEEP_LOG  if set, the full console log is copied to this file
#   RT_VM_TESTS     run only these tests (function names in tests.sh,
#                   comma-separated; t_timing times the basic operations)
#   RT_VM_DEBUG     if 1, the tests run with `set -x` (shown for failures)
#   RT_VM_ACCEL     qemu accelerator (default tcg: KVM does not work here)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${RT_VM_CACHE:-$here/.cache}
vm_timeout=${RT_VM_TIMEOUT:-540}

HARNESS=tests/vm
# shellcheck source=../lib/qemu-harness.bash
. "$here/../lib/qemu-harness.bash"

harness_start rt-vm "installs packages, builds a rootfs owned by several users" "$@"

# ---------------------------------------------------------------------------
# Packages (installed only when missing)

need_cmd qemu-system-x86_64 qemu-system-x86
need_cmd cpio cpio
need_cmd jq jq
need_cmd ldd libc-bin
need_static_busybox

# ---------------------------------------------------------------------------
# The kernel: Debian's cloud kernel, extracted from its .deb into the cache
# (the host's /boot and bootloader are not touched). Everything the tests
# use is built in (cgroups, serial console, namespaces, tmpfs); the console
# carries the results, so no module (9p, virtio) is needed.

mkdir -p "$cache/kernel"
# One run at a time prepares the cache.
exec 9>"$cache/.lock"
flock 9
if [ -n "${RT_VM_KERNEL:-}" ]; then
	vmlinuz=$RT_VM_KERNEL
	[ -r "$vmlinuz" ] || die "RT_VM_KERNEL=$vmlinuz is not readable"
else
	vmlinuz=$(ls "$cache"/kernel/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "$vmlinuz" ]; then
	unpack_cloud_kernel
	for f in "$tmp"/deb/x/boot/vmlinuz-* "$tmp"/deb/x/boot/config-*; do
		cp "$f" "$cache/kernel/"
	done
	vmlinuz=$(ls "$cache"/kernel/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1 || true)
	[ -n "$vmlinuz" ] || die "$pkg holds no /boot/vmlinuz-*-cloud-amd64"
	rm -rf "$tmp/deb"
fi
log "kernel $vmlinuz"

# ---------------------------------------------------------------------------
# The initramfs: two concatenated newc archives (the kernel unpacks both).
# base.cpio (cached; rebuilt when busybox or mkbundle.sh change): busybox
# with its applets, /etc, and the container bundle's rootfs at /bundle/rootfs.
# run.cpio (per run): the stage-1 /init, inittab, the tests, rt, jq and the
# shared libraries they load.

key=$(cat "$busybox" "$repo/tests/mkbundle.sh" | sha256sum | cut -c1-16)
base=$cache/base-$key.cpio
if [ ! -s "$base" ]; then
	log "building the base initramfs"
	rm -f "$cache"/base-*.cpio
	r=$tmp/base
	mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,bundle}
	cp "$busybox" "$r/bin/busybox"
	"$r/bin/busybox" --list-full | while read -r a; do
		[ "$a" = bin/busybox ] && continue
		mkdir -p "$r/$(dirname "$a")"
		ln -sf /bin/busybox "$r/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
	printf 'root:x:0:\n' >"$r/etc/group"
	BUSYBOX=$busybox RT_ROOTFS_CACHE=$tmp/rootfs-cache "$repo/tests/mkbundle.sh" "$r/bundle" ||
		die "tests/mkbundle.sh failed"
	(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet >"$base.tmp.$$") || die "cpio (base) failed"
	mv "$base.tmp.$$" "$base"
	rm -rf "$r" "$tmp/rootfs-cache" "$tmp"/rootfs-cache.*
fi
cp "$base" "$tmp/initrd" # so that the cache may change once the lock is gone
flock -u 9
exec 9>&-

r=$tmp/run
mkdir -p "$r"/{etc,tests,usr/local/bin,usr/bin}
install -m 0755 "$here/init" "$r/init"
install -m 0755 "$here/tests.sh" "$r/tests/vm-tests.sh"
# tests.sh powers the VM off when it is done; if it stops early, say so.
cat >"$r/etc/inittab" <<'EOF'
::sysinit:/tests/vm-tests.sh
::wait:/bin/sh -c 'echo "rt-vm: tests.sh stopped before the end"; poweroff -f'
EOF
cp "$rt_bin" "$r/usr/local/bin/rt"
cp "$(command -v jq)" "$r/usr/bin/jq"
# The shared libraries (and the loader) that ldd lists, at the same paths.
for bin in "$rt_bin" "$(command -v jq)"; do
	is_static "$bin" && continue
	ldd "$bin" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i}'
done | sort -u | while read -r lib; do
	mkdir -p "$r$(dirname "$lib")"
	cp -L "$lib" "$r$lib" || exit 1
done || die "copying the shared libraries failed"
(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 >"$tmp/run.cpio") || die "cpio (run) failed"
cat "$tmp/run.cpio" >>"$tmp/initrd"
rm -rf "$r" "$tmp/run.cpio"
log "initramfs $(($(stat -c %s "$tmp/initrd") / 1024 / 1024)) MiB; booting (software emulation, timeout ${vm_timeout}s)"

# ---------------------------------------------------------------------------
# Boot and read the console

console=$tmp/console.log
# clean_console: the serial console's lines without CRs and terminal escapes
# (the firmware clears the screen just before the first line of ours).
clean_console() { sed -u -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e 's/\x1bc//g'; }
append="console=ttyS0 cgroup_no_v1=all panic=-1 quiet"
[ -z "${RT_VM_TESTS:-}" ] || append="$append rtvm_tests=$RT_VM_TESTS"
[ "${RT_VM_DEBUG:-}" != 1 ] || append="$append rtvm_debug=1"
set +e
timeout -k 10 "$vm_timeout" qemu-system-x86_64 -machine q35 -accel "${RT_VM_ACCEL:-tcg}" -cpu "${RT_VM_CPU:-max}" -m 1024 -smp 2 -nic none \
	-nographic -no-reboot -kernel "$vmlinuz" -initrd "$tmp/initrd" \
	-append "$append" </dev/null >"$console" 2>&1 &
qemu_pid=$!
wait "$qemu_pid"
qemu_rc=$?
qemu_pid=
set -e
[ -z "${RT_VM_KEEP_LOG:-}" ] || cp "$console" "$RT_VM_KEEP_LOG"

# The results, read from the whole console once the VM is gone (a live
# tail of a busy machine's console missed lines, failures among them).
clean_console <"$console" >"$tmp/console.txt"
grep -E '^(ok|not ok) [0-9]+ |^# |^1\.\.[0-9]+' "$tmp/console.txt" || true
passed=$(grep -cE '^ok [0-9]+ ' "$tmp/console.txt" | tr -d ' ' || true)
skipped=$(grep -cE '^ok [0-9]+ .* # SKIP' "$tmp/console.txt" || true)
failed=$(grep -cE '^not ok [0-9]+ ' "$tmp/console.txt" || true)
passed=$((passed - skipped))
secs=$(($(date +%s) - start))

if ! grep -qE '^RT-VM-DONE [0-9]+ [0-9]+ [0-9]+$' "$tmp/console.txt"; then
	if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
		why="the VM did not finish within ${vm_timeout}s"
	else
		why="the VM stopped before the tests finished (qemu exit status $qemu_rc)"
	fi
	echo "not ok - tests/vm: $why; the console's last lines:"
	tail -n 40 "$tmp/console.txt" | sed 's/^/# /'
	failed=$((failed + 1))
elif [ "$qemu_rc" != 0 ]; then
	log "qemu exited with status $qemu_rc after the tests finished"
fi

log "$skipped skipped; ${secs}s in all"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
