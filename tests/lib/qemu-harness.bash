# tests/lib/qemu-harness.bash — what the two qemu harnesses share
# (tests/vm/run.sh: pure cgroup v2 from an initramfs; tests/systemd/run.sh:
# systemd as PID 1 from a debootstrap'd image): the harness error, package
# installs, a static busybox, and Debian's cloud kernel package unpacked.
#
# The sourcing script sets HARNESS (its name, for the error line) and tmp
# (its temp dir) before calling these.

# die MESSAGE — a harness error: say why, count it as one failure, exit 1.
die() {
	echo "not ok - $HARNESS harness: $*"
	echo "0 passed, 1 failed"
	exit 1
}
log() { echo "# $*"; }

# Packages, installed only when missing.
apt_updated=
apt_update() {
	[ -z "$apt_updated" ] || return 0
	log "apt-get update"
	apt-get update -qq >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log" >&2; return 1; }
	apt_updated=1
}
apt_install() { # PACKAGE...
	command -v apt-get >/dev/null || return 1
	apt_update || return 1
	log "apt-get install $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
		>"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log" >&2; return 1; }
}
have() { local p; p=$(command -v "$1") && [ -x "$p" ]; }
need_cmd() { # COMMAND PACKAGE
	have "$1" && return 0
	apt_install "$2" || die "$1 is missing and installing the Debian package $2 failed"
	have "$1" || die "$1 is still missing after installing $2"
}
is_static() { ! ldd "$1" >/dev/null 2>&1; }

# need_static_busybox — sets busybox to a static busybox ($BUSYBOX, else
# /bin/busybox, installing busybox-static when needed).
need_static_busybox() {
	busybox=${BUSYBOX:-/bin/busybox}
	if ! [ -x "$busybox" ] || ! is_static "$busybox"; then
		apt_install busybox-static || die "a static busybox is needed: installing busybox-static failed"
		busybox=/bin/busybox
		[ -x "$busybox" ] && is_static "$busybox" || die "$busybox is not a static binary even after installing busybox-static"
	fi
}

# unpack_cloud_kernel — downloads the package linux-image-cloud-amd64
# depends on and unpacks it into $tmp/deb/x (boot/, lib/modules/); sets pkg.
# The host's /boot and bootloader are not touched.
unpack_cloud_kernel() {
	local meta=linux-image-cloud-amd64
	command -v apt-get >/dev/null || die "no cached kernel and no apt-get to download $meta"
	pkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}' || true)
	if [ -z "$pkg" ]; then
		apt_update || die "apt-get update failed"
		pkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}' || true)
	fi
	[ -n "$pkg" ] || die "cannot find the kernel package that $meta depends on"
	log "downloading $pkg"
	mkdir -p "$tmp/deb"
	chmod 0777 "$tmp/deb" # apt-get download runs as _apt
	(cd "$tmp/deb" && apt-get download -qq "$pkg" >"$tmp/apt.log" 2>&1) ||
		{ cat "$tmp/apt.log" >&2; die "apt-get download $pkg failed"; }
	dpkg-deb -x "$tmp"/deb/*.deb "$tmp/deb/x" || die "dpkg-deb -x of $pkg failed"
}

# harness_start TMP_PREFIX WHY_ROOT ARG... — the run.sh prologue: one
# argument, the rt binary (sets rt_bin); root (WHY_ROOT says why); a
# scratch directory (sets tmp) that, with the VM (qemu_pid), goes on exit;
# the start time (sets start).
harness_start() {
	local prefix=$1 why=$2
	shift 2
	[ $# -eq 1 ] || {
		echo "usage: $HARNESS/run.sh RT_BINARY" >&2
		exit 2
	}
	rt_bin=$(realpath -e "$1" 2>/dev/null) || die "$1: no such file"
	[ -f "$rt_bin" ] && [ -x "$rt_bin" ] || die "$1 is not an executable file"
	[ "$(id -u)" = 0 ] || die "run as root ($why)"
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/$prefix.XXXXXX")
	qemu_pid=
	trap harness_cleanup EXIT
	trap 'exit 130' INT TERM
	start=$(date +%s)
}

harness_cleanup() {
	[ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
