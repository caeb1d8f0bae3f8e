#!/usr/bin/env bash
# mkbundle.sh DIR — create DIR/rootfs, a busybox root filesystem built from
# Debian's busybox-static (/bin/busybox). It does not write config.json: the
# caller runs `rt spec` (or `runc spec`) in DIR.
#
# The rootfs is built once into a cache directory and then copied with
# `cp -a`, so calling this per test is cheap (a few milliseconds).
#
# Environment:
#   BUSYBOX           the static busybox to use (default /bin/busybox)
#   RT_ROOTFS_CACHE   cache directory (default: ${TMPDIR:-/tmp}/rt-rootfs-cache.<key>,
#                     where <key> changes when the busybox binary changes)
set -euo pipefail

die() { echo "mkbundle.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: mkbundle.sh DIR"
dir=$1
busybox=${BUSYBOX:-/bin/busybox}

[ -x "$busybox" ] || die "$busybox not found (apt-get install busybox-static)"

key=$(stat -L -c '%s-%Y-%i' "$busybox")
cache=${RT_ROOTFS_CACHE:-${TMPDIR:-/tmp}/rt-rootfs-cache.$key}

build_rootfs() { # build_rootfs TARGET
	local r=$1 applet d
	# A dynamically linked busybox would not run inside the rootfs.
	if command -v file >/dev/null 2>&1 && file -L "$busybox" | grep -q 'dynamically linked'; then
		die "$busybox is dynamically linked; install busybox-static"
	fi
	mkdir -p "$r"
	chmod 0755 "$r"
	for d in bin sbin usr/bin usr/sbin usr/local/bin lib etc dev proc sys tmp \
		root home/tester var/tmp var/log run mnt opt srv; do
		mkdir -p "$r/$d"
	done
	ln -s ../run "$r/var/run"
	chmod 1777 "$r/tmp" "$r/var/tmp"
	chmod 0700 "$r/root"
	cp "$busybox" "$r/bin/busybox"
	chmod 0755 "$r/bin/busybox"
	# One symlink per applet, at the path busybox itself suggests when it
	# knows it (--list-full), else in /bin.
	if "$busybox" --list-full >/dev/null 2>&1; then
		"$busybox" --list-full
	else
		"$busybox" --list | sed 's|^|bin/|'
	fi | while read -r applet; do
		[ -n "$applet" ] || continue
		[ "$applet" = bin/busybox ] && continue
		case $applet in */*) mkdir -p "$r/${applet%/*}" ;; *) applet=bin/$applet ;; esac
		[ -e "$r/$applet" ] || [ -L "$r/$applet" ] || ln -s /bin/busybox "$r/$applet"
	done
	cat >"$r/etc/passwd" <<-'EOF'
	root:x:0:0:root:/root:/bin/sh
	tester:x:1000:1000:tester:/home/tester:/bin/sh
	nobody:x:65534:65534:nobody:/nonexistent:/bin/false
	EOF
	cat >"$r/etc/group" <<-'EOF'
	root:x:0:
	wheel:x:10:
	tester:x:1000:
	nogroup:x:65534:
	EOF
	echo "rt-bundle" >"$r/etc/hostname"
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$r/etc/hosts"
	: >"$r/etc/resolv.conf"
	# Only root may give the directory away; an ordinary user's bundle keeps it.
	if [ "$(id -u)" = 0 ]; then chown 1000:1000 "$r/home/tester"; fi
}

if [ ! -x "$cache/bin/busybox" ]; then
	mkdir -p "$(dirname "$cache")"
	# Concurrent callers (bats --jobs) build it once: take a lock, re-check.
	exec 9>"$cache.lock"
	flock 9
	if [ ! -x "$cache/bin/busybox" ]; then
		tmp=$(mktemp -d "$cache.tmp.XXXXXX")
		build_rootfs "$tmp/rootfs"
		rm -rf "$cache"
		mv "$tmp/rootfs" "$cache"
		rmdir "$tmp"
	fi
	flock -u 9
	exec 9>&-
fi

mkdir -p "$dir"
[ ! -e "$dir/rootfs" ] || die "$dir/rootfs already exists"
cp -a "$cache" "$dir/rootfs"
