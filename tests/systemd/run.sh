#!/usr/bin/env bash
# tests/systemd/run.sh RT_BINARY — rt on a host like the ones users run:
# Debian bookworm with systemd as PID 1, pure cgroup v2, D-Bus, podman and
# containerd, in qemu (software emulation). See tests/systemd/README.md.
#
# The root filesystem (debootstrap, tests/systemd/mkimage.sh) is an ext4
# image cached in RT_SD_CACHE, keyed on mkimage.sh's hash; the VM boots it
# with snapshot=on, so the cached image is never written. Each run puts
# RT_BINARY, tests.sh and a busybox rootfs on a second small ext4 disk;
# a systemd unit in the image runs the tests, writes TAP-like lines to the
# serial console and powers off. Prints those lines, then "N passed, N
# failed"; exits 0 only if every test ran and none failed.
#
# Environment:
#   RT_SD_CACHE     cache directory (default tests/systemd/.cache)
#   RT_SD_TIMEOUT   seconds the VM may run (default 900)
#   RT_SD_KEEP_LOG  if set, the full console log is copied to this file
#   RT_SD_TESTS     run only these tests (comma-separated function names)
#   RT_SD_DEBUG     if 1, the tests run with `set -x` (shown for failures)
#   RT_SD_ACCEL     qemu accelerator (default tcg: KVM does not work here)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${RT_SD_CACHE:-$here/.cache}
vm_timeout=${RT_SD_TIMEOUT:-900}
# Loaded by the initramfs to find the root disk.
initrd_modules="drivers/virtio/virtio.ko drivers/virtio/virtio_ring.ko drivers/virtio/virtio_pci_legacy_dev.ko
	drivers/virtio/virtio_pci_modern_dev.ko drivers/virtio/virtio_pci.ko drivers/block/virtio_blk.ko"

HARNESS=tests/systemd
# shellcheck source=../lib/qemu-harness.bash
. "$here/../lib/qemu-harness.bash"

harness_start rt-sd "debootstrap, a rootfs owned by several users" "$@"

# ---------------------------------------------------------------------------
# Packages (installed only when missing)

need_cmd qemu-system-x86_64 qemu-system-x86
need_cmd cpio cpio
need_cmd debootstrap debootstrap
need_cmd mkfs.ext4 e2fsprogs
need_cmd ldd libc-bin
need_static_busybox

# ---------------------------------------------------------------------------
# The cache: the cloud kernel (vmlinuz and its modules, from the .deb), the
# initramfs (busybox and the virtio modules) and the root filesystem image.

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
kdir=$(ls -d "$cache"/kernel-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$kdir" ] || [ ! -e "$kdir/ok" ]; then
	unpack_cloud_kernel
	kver=$(basename "$(ls -d "$tmp"/deb/x/lib/modules/*-cloud-amd64 | head -n 1)")
	rm -rf "$cache"/kernel-*
	kdir=$cache/kernel-$kver
	mkdir -p "$kdir"
	cp "$tmp/deb/x/boot/vmlinuz-$kver" "$kdir/vmlinuz"
	mv "$tmp/deb/x/lib/modules/$kver" "$kdir/$kver"
	touch "$kdir/ok"
	rm -rf "$tmp/deb"
fi
kver=${kdir##*/kernel-}
log "kernel $kver"

key=$(cat "$here/mkimage.sh" "$busybox" | sha256sum | cut -c1-16)
image=$cache/root-$key.img
if [ ! -s "$image" ]; then
	rm -f "$cache"/root-*.img
	log "building the root filesystem image (debootstrap; a few minutes)"
	t0=$(date +%s)
	TMPDIR=$tmp "$here/mkimage.sh" "$kdir/$kver" "$image" || die "tests/systemd/mkimage.sh failed"
	log "image built in $(($(date +%s) - t0))s"
fi

initrd=$cache/initrd-$key.cpio
if [ ! -s "$initrd" ]; then
	rm -f "$cache"/initrd-*.cpio
	r=$tmp/initrd
	mkdir -p "$r"/{bin,dev,proc,sys,newroot,modules}
	cp "$busybox" "$r/bin/busybox"
	for m in $initrd_modules; do cp "$kdir/$kver/kernel/$m" "$r/modules/"; done
	cat >"$r/init" <<'INIT'
#!/bin/busybox sh
# Loads the virtio modules, mounts /dev/vda and hands over to systemd.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# No modules.dep here: a few passes load them whatever their order.
for pass in 1 2 3 4; do
	for m in /modules/*.ko; do
		[ -e "$m" ] && insmod "$m" 2>/dev/null && rm "$m"
	done
done
for m in /modules/*.ko; do [ ! -e "$m" ] || echo "rt-sd initrd: cannot load $m"; done
n=0
while [ ! -b /dev/vda ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
mount -t ext4 -o rw,noatime /dev/vda /newroot || { echo "rt-sd initrd: cannot mount /dev/vda"; poweroff -f; }
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
INIT
	chmod 0755 "$r/init"
	(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 >"$initrd.tmp") || die "cpio failed"
	mv "$initrd.tmp" "$initrd"
	rm -rf "$r"
fi
flock -u 9
exec 9>&-

# ---------------------------------------------------------------------------
# The per-run disk: rt, the tests and a busybox rootfs for the containers.

d=$tmp/data
mkdir -p "$d/bundle"
cp "$rt_bin" "$d/rt"
cp "$here/tests.sh" "$d/tests.sh"
# recvtty receives a terminal container's pty master (--console-socket).
(cd "$repo" && CGO_ENABLED=0 go build -buildvcs=false -o "$d/recvtty" ./tests/bats/recvtty) || die "building tests/bats/recvtty failed"
BUSYBOX=$busybox RT_ROOTFS_CACHE=$tmp/rootfs-cache "$repo/tests/mkbundle.sh" "$d/bundle" >/dev/null ||
	die "tests/mkbundle.sh failed"
tar -C "$d/bundle/rootfs" -cf "$d/rootfs.tar" .
rm -rf "$d/bundle" "$tmp"/rootfs-cache*
{
	echo "RT_SD_TESTS='${RT_SD_TESTS:-}'"
	echo "RT_SD_DEBUG='${RT_SD_DEBUG:-}'"
} >"$d/env"
mkfs.ext4 -q -L rt-data -d "$d" "$tmp/data.img" 128M >/dev/null || die "mkfs.ext4 (data) failed"
rm -rf "$d"

# ---------------------------------------------------------------------------
# Boot and read the console

console=$tmp/console.log
clean_console() { sed -u -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e 's/\x1bc//g'; }
append="console=ttyS0 root=/dev/vda rw systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all panic=-1 quiet"
append="$append systemd.show_status=error systemd.firstboot=0 net.ifnames=0"
log "booting (software emulation, timeout ${vm_timeout}s)"
set +e
timeout -k 10 "$vm_timeout" qemu-system-x86_64 -machine q35 -accel "${RT_SD_ACCEL:-tcg}" -cpu max -m 2048 -smp 2 \
	-nic none -nographic -no-reboot -kernel "$kdir/vmlinuz" -initrd "$initrd" -append "$append" \
	-drive "file=$image,format=raw,if=virtio,snapshot=on" \
	-drive "file=$tmp/data.img,format=raw,if=virtio,readonly=on" </dev/null >"$console" 2>&1 &
qemu_pid=$!
tail -n +1 -f --pid="$qemu_pid" "$console" 2>/dev/null | clean_console |
	grep --line-buffered -E '^(ok|not ok) [0-9]+ |^# |^1\.\.[0-9]+' &
tail_pid=$!
wait "$qemu_pid"
qemu_rc=$?
qemu_pid=
wait "$tail_pid" 2>/dev/null
set -e
[ -z "${RT_SD_KEEP_LOG:-}" ] || cp "$console" "$RT_SD_KEEP_LOG"

clean_console <"$console" >"$tmp/console.txt"
passed=$(grep -cE '^ok [0-9]+ ' "$tmp/console.txt" || true)
skipped=$(grep -cE '^ok [0-9]+ .* # SKIP' "$tmp/console.txt" || true)
failed=$(grep -cE '^not ok [0-9]+ ' "$tmp/console.txt" || true)
passed=$((passed - skipped))
secs=$(($(date +%s) - start))

if ! grep -qE '^RT-SD-DONE [0-9]+ [0-9]+ [0-9]+$' "$tmp/console.txt"; then
	if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
		why="the VM did not finish within ${vm_timeout}s"
	else
		why="the VM stopped before the tests finished (qemu exit status $qemu_rc)"
	fi
	echo "not ok - tests/systemd: $why; the console's last lines:"
	tail -n 40 "$tmp/console.txt" | sed 's/^/# /'
	failed=$((failed + 1))
fi

log "$skipped skipped; ${secs}s in all"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
