#!/usr/bin/env bash
# tests/systemd/mkimage.sh MODULES_DIR IMAGE — the root filesystem of the
# systemd VM: Debian bookworm (debootstrap, minbase) with systemd as init,
# D-Bus, podman, containerd and runc, made into an ext4 image with
# `mkfs.ext4 -d` (no loop mount). MODULES_DIR is the cloud kernel's
# /lib/modules/VERSION, copied in so that modprobe works in the VM.
# run.sh keys its cache on this file's hash: changing the package list or
# the configuration below rebuilds the image.
set -euo pipefail

modules=$1
image=$2
suite=bookworm
mirror=${RT_SD_MIRROR:-http://deb.debian.org/debian}
pkgs=systemd,systemd-sysv,dbus,podman,netavark,containerd,runc,busybox-static,jq,kmod,procps,e2fsprogs,strace,uidmap,dbus-user-session,slirp4netns,criu,iptables
size=${RT_SD_IMAGE_SIZE:-2G}

root=$(mktemp -d "${TMPDIR:-/tmp}/rt-sd-root.XXXXXX")
# debootstrap mounts /proc and /sys in the target; a failed one may leave
# them: unmount whatever is under $root before removing it.
cleanup() {
	awk -v r="$root/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r | xargs -r -n 1 umount -l
	rm -rf "$root"
}
trap cleanup EXIT

echo "# debootstrap $suite ($pkgs)"
debootstrap --variant=minbase --include="$pkgs" "$suite" "$root" "$mirror" >"$root.log" 2>&1 ||
	{ tail -n 30 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"

# The kernel's modules (overlay for podman's storage, and the like).
kver=$(basename "$modules")
mkdir -p "$root/lib/modules"
cp -a "$modules" "$root/lib/modules/$kver"
chroot "$root" depmod "$kver"

echo rt-sd >"$root/etc/hostname"
printf '127.0.0.1 localhost rt-sd\n' >"$root/etc/hosts"
printf '/dev/vda / ext4 rw,noatime 0 0\n' >"$root/etc/fstab"
: >"$root/etc/machine-id"
passwd_root=$(chroot "$root" passwd -d root 2>&1) || echo "# passwd -d root: $passwd_root"

# Nothing on the console but the tests; no network, no timers, no getty.
for u in serial-getty@ttyS0.service getty@tty1.service apt-daily.timer apt-daily-upgrade.timer \
	e2scrub_all.timer e2scrub_reap.service fstrim.timer systemd-timesyncd.service \
	systemd-networkd.service systemd-resolved.service podman-restart.service podman-auto-update.timer \
	systemd-tmpfiles-clean.timer dpkg-db-backup.timer logrotate.timer man-db.timer; do
	ln -sf /dev/null "$root/etc/systemd/system/$u"
done

# podman: no network backend is installed, every test uses --network none.
mkdir -p "$root/etc/containers"
cat >"$root/etc/containers/storage.conf" <<'CONF'
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
CONF

# The test unit: runs what the harness put on the second disk (/dev/vdb),
# writes to the serial console, then powers off.
cat >"$root/etc/systemd/system/rt-tests.service" <<'UNIT'
[Unit]
Description=rt tests (tests/systemd)
After=multi-user.target dbus.service containerd.service
Wants=dbus.service

[Service]
# simple, not oneshot: the boot is done (is-system-running) while it runs.
Type=simple
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
ExecStart=/bin/sh -c 'mkdir -p /mnt/rt && mount -o ro /dev/vdb /mnt/rt && exec /bin/bash /mnt/rt/tests.sh'
ExecStopPost=/bin/systemctl poweroff --force

[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/rt-tests.service "$root/etc/systemd/system/multi-user.target.wants/rt-tests.service"

rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
echo "# mkfs.ext4 -d ($(du -sh "$root" | cut -f1))"
rm -f "$image.tmp"
mkfs.ext4 -q -L rt-sd -d "$root" "$image.tmp" "$size" >/dev/null
mv "$image.tmp" "$image"
