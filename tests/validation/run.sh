#!/usr/bin/env bash
# Runs the OCI runtime-tools validation suite (runtime-tools v0.9.0) against a
# runtime binary and prints a per-program table.
#
# usage: tests/validation/run.sh RUNTIME_BINARY
#
# Environment (all optional):
#   VALIDATION_TESTS     space-separated program names to run (default: all)
#   VALIDATION_TIMEOUT   per-program timeout in seconds (default: 60)
#   VALIDATION_BUDGET    seconds after which the remaining programs are not
#                        started and count as failed (default: 540)
#   VALIDATION_EXPECTED  file listing programs that must pass
#                        (default: tests/validation/expected-pass)
#   VALIDATION_BUILD     build/cache dir (default: tests/validation/.build)
#   VALIDATION_LOGS      log dir (default: $VALIDATION_BUILD/logs/<runtime name>)
#
# Exit status: 0 when every program listed in the expected-pass file passed
# (other programs may fail), 1 when a listed program failed, 2 on a setup error.
set -uo pipefail

die() { echo "run.sh: $*" >&2; exit 2; }

[ $# -eq 1 ] || die "usage: $0 RUNTIME_BINARY"
[ "$(id -u)" = 0 ] || die "must run as root"

HERE=$(cd "$(dirname "$0")" && pwd)
RUNTIME_BIN=$(command -v "$1" 2>/dev/null) || die "runtime not found: $1"
RUNTIME_BIN=$(readlink -f "$RUNTIME_BIN")
[ -x "$RUNTIME_BIN" ] || die "runtime not executable: $RUNTIME_BIN"
RT_NAME=$(basename "$RUNTIME_BIN")

BUILD=${VALIDATION_BUILD:-$HERE/.build}
TIMEOUT=${VALIDATION_TIMEOUT:-60}
BUDGET=${VALIDATION_BUDGET:-540}
EXPECTED=${VALIDATION_EXPECTED:-$HERE/expected-pass}
LOGS=${VALIDATION_LOGS:-$BUILD/logs/$RT_NAME}
BIN=$BUILD/bin
WORK=$BUILD/work
RT_MODULE=github.com/opencontainers/runtime-tools

# ---------------------------------------------------------------- deps
export PATH=$PATH:/usr/local/go/bin:/usr/sbin:/sbin
missing=""
command -v tar >/dev/null || missing="$missing tar"
command -v gzip >/dev/null || missing="$missing gzip"
command -v unshare >/dev/null || missing="$missing util-linux"
command -v timeout >/dev/null || missing="$missing coreutils"
if [ -n "$missing" ]; then
	echo "installing:$missing"
	# shellcheck disable=SC2086 # word splitting of the package list is intended
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null ||
		die "apt-get install$missing failed"
fi
command -v go >/dev/null || die "go not found (expected in PATH or /usr/local/go/bin)"

# ---------------------------------------------------------------- build
mkdir -p "$BIN" "$WORK" || die "cannot create $BUILD"
cd "$HERE" || die "cd $HERE"
t0=$(date +%s)
mapfile -t PKGS < <(go list "$RT_MODULE/validation/..." | grep -v '/validation/util$') ||
	die "go list failed"
[ ${#PKGS[@]} -gt 0 ] || die "no validation programs found"
# runtimetest checks, among others, the RLIMIT_NOFILE the runtime set. Since Go
# 1.19 every Go program raises its own soft RLIMIT_NOFILE to the hard limit
# (minus one) at start-up (syscall/rlimit.go), so runtimetest would see 3999
# where the runtime set 3000. Build it with that init function removed
# (a -overlay of the standard library file; nothing else changes).
OVERLAY_ARGS=()
RLIMIT_GO=$(go env GOROOT)/src/syscall/rlimit.go
if [ -f "$RLIMIT_GO" ] && grep -q '^func init() {' "$RLIMIT_GO"; then
	mkdir -p "$BUILD/overlay"
	awk '/^func init\(\) \{/{skip=1} !skip{print} skip && /^}/{skip=0}' "$RLIMIT_GO" >"$BUILD/overlay/rlimit.go"
	if ! grep -q '^func init()' "$BUILD/overlay/rlimit.go"; then
		printf '{"Replace":{"%s":"%s"}}\n' "$RLIMIT_GO" "$BUILD/overlay/rlimit.go" >"$BUILD/overlay/overlay.json"
		OVERLAY_ARGS=(-overlay "$BUILD/overlay/overlay.json")
	fi
fi
[ ${#OVERLAY_ARGS[@]} -gt 0 ] || echo "WARNING: cannot patch $RLIMIT_GO; process_rlimits will see Go's raised RLIMIT_NOFILE" >&2
CGO_ENABLED=0 go build "${OVERLAY_ARGS[@]}" -trimpath -ldflags '-s -w' -o "$BIN/runtimetest" "$RT_MODULE/cmd/runtimetest" ||
	die "building runtimetest failed"
go build -trimpath -ldflags '-s -w' -o "$BIN/" "${PKGS[@]}" || die "building the validation programs failed"
MODDIR=$(go list -m -f '{{.Dir}}' "$RT_MODULE") || die "go list -m failed"
echo "built runtimetest and ${#PKGS[@]} validation programs in $(($(date +%s) - t0))s"

# The programs look for ./runtimetest and ./rootfs-$GOARCH.tar.gz in their
# working directory and create bundles with ioutil.TempDir("", "ocitest").
install -m 0755 "$BIN/runtimetest" "$WORK/runtimetest"
install -m 0644 "$MODDIR/rootfs-amd64.tar.gz" "$WORK/rootfs-amd64.tar.gz"

ALL=()
for p in "${PKGS[@]}"; do ALL+=("${p##*/}"); done
if [ -n "${VALIDATION_TESTS:-}" ]; then
	read -r -a TESTS <<<"$VALIDATION_TESTS"
	for t in "${TESTS[@]}"; do [ -x "$BIN/$t" ] || die "unknown validation program: $t"; done
else
	TESTS=("${ALL[@]}")
fi

# ---------------------------------------------------------------- helpers
LIST_BROKEN=$BUILD/.list-timed-out
rm -f "$LIST_BROKEN"
list_ids() { # container IDs known to the runtime
	[ -e "$LIST_BROKEN" ] && return 0 # a hanging `list` would cost 5 s per program
	local out rc
	out=$(timeout 5 "$RUNTIME_BIN" list -q 2>/dev/null)
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 124 ]; then
		out=$(timeout 5 "$RUNTIME_BIN" list 2>/dev/null | awk 'NR>1')
		rc=$?
	fi
	if [ $rc -eq 124 ]; then
		touch "$LIST_BROKEN"
		echo "WARNING: '$RT_NAME list' timed out; leftover containers are not looked for any more" >&2
		return 0
	fi
	printf '%s\n' "$out" | awk 'NF{print $1}'
}

# Cgroups the suite creates: /cgrouptest (absolute) and
# testdir/cgrouptest/container (relative to the runtime's own cgroup).
list_cgroups() {
	local d
	find /sys/fs/cgroup -mindepth 2 -maxdepth 12 -type d \( -name cgrouptest -o -name testdir \) 2>/dev/null | sort |
		while read -r d; do
			case $(stat -f -c %T "$d" 2>/dev/null) in cgroupfs | cgroup2fs) echo "$d" ;; esac
		done
}

unmount_under() { # lazily unmount anything still mounted below $1
	local dir=$1
	awk -v d="$dir/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
}

declare -A PRE_IDS=()
while read -r id; do [ -n "$id" ] && PRE_IDS[$id]=1; done < <(list_ids)
declare -A PRE_CG=()
while read -r d; do PRE_CG[$d]=1; done < <(list_cgroups)

# Deletes containers that appeared during the run (the suite names its
# containers with UUIDs); prints the IDs it had to delete.
cleanup_containers() {
	local id
	for id in $(list_ids); do
		[ -n "${PRE_IDS[$id]:-}" ] && continue
		[[ $id =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] || continue
		timeout 10 "$RUNTIME_BIN" kill "$id" KILL >/dev/null 2>&1
		timeout 10 "$RUNTIME_BIN" delete -f "$id" >/dev/null 2>&1 || timeout 10 "$RUNTIME_BIN" delete "$id" >/dev/null 2>&1
		echo "$id"
	done
}

# ---------------------------------------------------------------- run
rm -rf "$LOGS" && mkdir -p "$LOGS" || die "cannot create $LOGS"
echo "running ${#TESTS[@]} programs against $RUNTIME_BIN ($(timeout 10 "$RUNTIME_BIN" --version 2>/dev/null | head -1)); logs in $LOGS"

declare -A RES=() OKS=() NOKS=() SKIPS=() WHY=()
run_start=$(date +%s)
for t in "${TESTS[@]}"; do
	if [ $(($(date +%s) - run_start)) -ge "$BUDGET" ]; then
		RES[$t]=notrun OKS[$t]=0 NOKS[$t]=0 SKIPS[$t]=0 WHY[$t]="not started: ${BUDGET}s budget used up"
		printf '%-34s %-7s %s\n' "$t" notrun "${WHY[$t]}"
		continue
	fi
	# The bundles (ioutil.TempDir) go to a fresh TMPDIR; it must be
	# world-searchable for the user-namespace tests (mapped root is not root).
	tmp=$(mktemp -d /tmp/rtvalidation.XXXXXX) && chmod 0755 "$tmp"
	s=$(date +%s.%N)
	(cd "$WORK" && TMPDIR=$tmp RUNTIME=$RUNTIME_BIN timeout -k 5 "$TIMEOUT" "$BIN/$t" \
		>"$LOGS/$t.tap" 2>"$LOGS/$t.stderr" </dev/null)
	rc=$?
	dur=$(awk -v s="$s" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
	leftover=$(cleanup_containers | tr '\n' ' ')
	unmount_under "$tmp"
	rm -rf "$tmp"

	ok=$(grep -cE '^ok [0-9]+' "$LOGS/$t.tap")
	skip=$(grep -ciE '^ok [0-9]+ # skip' "$LOGS/$t.tap")
	nok=$(grep -cE '^not ok [0-9]+' "$LOGS/$t.tap")
	ok=$((ok - skip))
	# Some programs (the hook tests) report a failure only as a top-level
	# YAML "error" diagnostic followed by an empty plan (1..0).
	diag=0
	[ $((ok + skip + nok)) -eq 0 ] && grep -qE '^    "error": ' "$LOGS/$t.tap" && diag=1
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		res=timeout why="killed after ${TIMEOUT}s"
	elif [ $rc -ne 0 ]; then
		res=fail why="exit status $rc"
	elif [ "$nok" -ne 0 ]; then
		res=fail why="$nok not ok"
	elif [ $diag -eq 1 ]; then
		res=fail why="error diagnostic"
	else
		res=pass why=""
	fi
	RES[$t]=$res OKS[$t]=$ok NOKS[$t]=$nok SKIPS[$t]=$skip WHY[$t]=$why
	{
		echo "exit=$rc result=$res ok=$ok not_ok=$nok skip=$skip seconds=$dur${why:+ why=$why}"
		[ -n "$leftover" ] && echo "leftover containers deleted by run.sh: $leftover"
	} >"$LOGS/$t.result"
	printf '%-34s %-7s %5ss %s%s\n' "$t" "$res" "$dur" "$why" "${leftover:+  (leftover containers deleted: $leftover)}"
done
run_secs=$(($(date +%s) - run_start))

# ---------------------------------------------------------------- cleanup
left=$(cleanup_containers | tr '\n' ' ')
[ -n "$left" ] && echo "WARNING: containers left behind were deleted: $left"
for id in $(list_ids); do
	[ -z "${PRE_IDS[$id]:-}" ] && echo "WARNING: container $id still listed by $RT_NAME after cleanup"
done
# Remove the cgroups the suite created and the runtime left behind (rmdir
# only succeeds on cgroups without processes or children).
while read -r d; do
	[ -n "${PRE_CG[$d]:-}" ] && continue
	rmdir "$d" 2>/dev/null && echo "removed leftover cgroup $d" || echo "WARNING: cannot remove leftover cgroup $d"
done < <(list_cgroups | sort -r)

# ---------------------------------------------------------------- report
declare -A WANT=()
if [ -f "$EXPECTED" ]; then
	while read -r line; do
		line=${line%%#*}
		line=$(echo "$line" | tr -d '[:space:]')
		[ -n "$line" ] && WANT[$line]=1
	done <"$EXPECTED"
fi

echo
printf '%-34s %-8s %5s %6s %5s %-8s %s\n' PROGRAM RESULT OK NOT_OK SKIP EXPECTED WHY
printf '%-34s %-8s %5s %6s %5s %-8s %s\n' ------- ------ -- ------ ---- -------- ---
npass=0 nfail=0 tok=0 tnok=0 tskip=0 bad=()
for t in "${TESTS[@]}"; do
	want=""
	[ -n "${WANT[$t]:-}" ] && want=yes
	printf '%-34s %-8s %5s %6s %5s %-8s %s\n' "$t" "${RES[$t]}" "${OKS[$t]}" "${NOKS[$t]}" "${SKIPS[$t]}" "$want" "${WHY[$t]}"
	if [ "${RES[$t]}" = pass ]; then npass=$((npass + 1)); else nfail=$((nfail + 1)); fi
	tok=$((tok + OKS[$t])) tnok=$((tnok + NOKS[$t])) tskip=$((tskip + SKIPS[$t]))
	[ -n "$want" ] && [ "${RES[$t]}" != pass ] && bad+=("$t")
done
printf '%-34s %-8s %5s %6s %5s\n' TOTAL "$npass/${#TESTS[@]}" "$tok" "$tnok" "$tskip"
echo
echo "runtime $RUNTIME_BIN: $npass of ${#TESTS[@]} programs passed in ${run_secs}s (logs: $LOGS)"
for t in "${!WANT[@]}"; do
	[ -z "${RES[$t]:-}" ] && [ -z "${VALIDATION_TESTS:-}" ] && echo "WARNING: expected-pass lists unknown program $t"
done
if [ ${#bad[@]} -gt 0 ]; then
	echo "FAIL: programs listed in $(basename "$EXPECTED") failed: ${bad[*]}"
	echo "validation: $npass passed, $nfail failed"
	exit 1
fi
echo "OK: every program listed in $(basename "$EXPECTED") passed (${#WANT[@]} listed)"
echo "validation: $npass passed, $nfail failed"
exit 0
