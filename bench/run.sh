#!/usr/bin/env bash
# bench/run.sh RT_BINARY — compare the start-up cost of rt, runc and crun.
#
# For N iterations (BENCH_N, default 30) it runs `RUNTIME run` of the same
# busybox bundle whose process is /bin/true, the runtimes taking turns in a
# rotating order (rt runc crun, runc crun rt, crun rt runc, ...), each run with its own --root and
# container id, and reports per runtime the median / p90 wall time and the
# ratios rt/runc and rt/crun.  It also measures the resident size (VmRSS) of
# each runtime's waiting container init between `create` and `start`.
#
# Environment:
#   BENCH_N=30             timed iterations per runtime
#   BENCH_MEM_N=5          create/measure/delete samples per runtime
#   BENCH_TIMEOUT=60       seconds allowed for an untimed call (warm-up run,
#                          create, delete) before it counts as failed
#   RUNC=, CRUN=           runtime binaries (default: runc / crun from PATH)
#   BENCH_CGROUP_FIX=mask  how to let crun run on a hybrid host whose cgroup2
#                          has controllers: mask | move | none (see below)
#   BENCH_KEEP_CGROUP_FIX=1 with move: leave the moved controller on v1 on exit
#
# Exit status is non-zero only when the script itself fails (not root, cannot
# build the bundle, ...).  A runtime whose first (warm-up) run fails is skipped
# with a message; the others are still measured.
set -Eeuo pipefail
export LC_ALL=C
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

usage() { echo "usage: $0 RT_BINARY   (env: BENCH_N BENCH_MEM_N BENCH_TIMEOUT RUNC CRUN BENCH_CGROUP_FIX; see bench/README.md)" >&2; exit 2; }
[ $# -eq 1 ] || usage
die() { echo "bench: error: $*" >&2; exit 1; }
note() { echo "bench: $*" >&2; }

RT_BIN=$1
RT_BIN=$(realpath -m -- "$RT_BIN")
HERE=$(dirname -- "$(realpath -- "${BASH_SOURCE[0]}")")
N=${BENCH_N:-30}
MEM_N=${BENCH_MEM_N:-5}
TMO=${BENCH_TIMEOUT:-60}
[[ $N =~ ^[1-9][0-9]*$ ]] || die "BENCH_N must be a positive integer (got '$N')"
[[ $MEM_N =~ ^[1-9][0-9]*$ ]] || die "BENCH_MEM_N must be a positive integer (got '$MEM_N')"
[[ $TMO =~ ^[1-9][0-9]*$ ]] || die "BENCH_TIMEOUT must be a positive integer (got '$TMO')"
[ "$(id -u)" -eq 0 ] || die "must run as root (containers with cgroups and namespaces)"

# ---------------------------------------------------------------- cgroup2 controllers on a hybrid host
# crun (1.8) refuses a hybrid host (v1 hierarchies + cgroup2 at
# /sys/fs/cgroup/unified) whose cgroup2 hierarchy has controllers, even with
# --cgroup-manager=disabled:
#   "cgroups in hybrid mode not supported, drop all controllers from cgroupv2"
# A controller sits on cgroup2 there because no v1 hierarchy claims it
# (typically hugetlb).  BENCH_CGROUP_FIX chooses what to do:
#   mask (default)  re-run this script in a private mount namespace and
#                   bind-mount an empty file over cgroup2's cgroup.controllers:
#                   all three runtimes then see a hybrid host whose cgroup2 has
#                   no controllers, and the host is not changed at all.
#   move            move each such controller to a new v1 hierarchy
#                   (mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb),
#                   undone on exit.  This changes the host for everybody while
#                   the bench runs: containers started meanwhile by others get
#                   cgroups in that hierarchy, and may leave them behind there.
#   none            do nothing (crun will then be skipped).
CG_FIX=${BENCH_CGROUP_FIX:-mask}
case $CG_FIX in mask | move | none) ;; *) die "BENCH_CGROUP_FIX must be mask, move or none" ;; esac
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
CG_V1=$(awk '$3 == "cgroup" { print "yes"; exit }' /proc/self/mounts)
CG2_CTRLS=()
if [ -n "$CG2" ] && [ -n "$CG_V1" ]; then
	read -r -a CG2_CTRLS <"$CG2/cgroup.controllers" || true
fi
if [ ${#CG2_CTRLS[@]} -gt 0 ] && [ "$CG_FIX" = mask ] && [ -z "${RTBENCH_MNTNS:-}" ]; then
	command -v unshare >/dev/null || die "unshare (util-linux) missing; try BENCH_CGROUP_FIX=move"
	exec env RTBENCH_MNTNS=1 unshare --mount --propagation private -- "$BASH" "$0" "$@"
fi

# ---------------------------------------------------------------- clock
# $EPOCHREALTIME is a bash builtin (no fork), so nothing but the runtime
# process itself lies between the two readings.  Fallback: date +%s%N.
if [ -n "${EPOCHREALTIME:-}" ]; then
	now_us() { local t=$EPOCHREALTIME; REPLY=${t/[.,]/}; }
else
	now_us() { REPLY=$(( $(date +%s%N) / 1000 )); }
fi

# ---------------------------------------------------------------- packages
need_pkgs=()
dpkg -s busybox-static >/dev/null 2>&1 || need_pkgs+=(busybox-static)
command -v jq >/dev/null 2>&1 || need_pkgs+=(jq)
[ -x /usr/bin/time ] || need_pkgs+=(time)
[ -n "${RUNC:-}" ] || command -v runc >/dev/null 2>&1 || need_pkgs+=(runc)
[ -n "${CRUN:-}" ] || command -v crun >/dev/null 2>&1 || need_pkgs+=(crun)
if [ ${#need_pkgs[@]} -gt 0 ]; then
	note "installing missing packages: ${need_pkgs[*]}"
	apt-get update -qq || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null ||
		die "apt-get install ${need_pkgs[*]} failed"
fi
RUNC=${RUNC:-$(command -v runc)}
CRUN=${CRUN:-$(command -v crun)}
[ -x /bin/busybox ] || die "/bin/busybox missing (package busybox-static)"

# ---------------------------------------------------------------- state & cleanup
# One bench at a time: a concurrent one would skew timings and could undo our
# cgroup controller move under our feet.
exec 9>/run/rt-bench.lock
if ! flock -n 9; then
	note "another bench is running; waiting for it"
	flock 9
fi

WORK=$(mktemp -d /tmp/rt-bench.XXXXXX)
BUNDLE=$WORK/bundle
STATE=$WORK/state        # one --root per container: $STATE/<id>
OUT=$WORK/out            # stdout/stderr of the last runtime invocation
mkdir -p "$STATE"
IDPFX=rtbench-$$

NAMES=(rt runc crun)
declare -A BIN=([rt]=$RT_BIN [runc]=$RUNC [crun]=$CRUN)
declare -A ACTIVE=() VER=() NOK=() NFAIL=() SKIPWHY=() RSS=() ANON=() CMAX=()
for n in "${NAMES[@]}"; do NOK[$n]=0; NFAIL[$n]=0; RSS[$n]=; ANON[$n]=; SKIPWHY[$n]=; done

MOVED_CTRLS=()           # controllers we moved from cgroup2 to a new v1 hierarchy
declare -A MOVED_MNT=() MOVED_MKDIR=()
MASKED=                  # cgroup.controllers file we bind-mounted over (mask mode)

# Delete a container (if its state is still there) and its --root.
drop_container() { # name id
	local name=$1 id=$2 root=$STATE/$2
	[ -d "$root" ] || return 0
	timeout -k 5 "$TMO" "${BIN[$name]}" --root "$root" delete --force "$id" >/dev/null 2>&1 || true
	rm -rf --one-file-system "$root" "$WORK/pid-$id"
}

# wait_until SECONDS CMD ARGS... — poll CMD (shell builtins only, no sleep)
wait_until() {
	local limit=$(($1 * 1000000)) t0; shift
	now_us; t0=$REPLY
	until "$@"; do
		now_us; (( REPLY - t0 > limit )) && return 1
	done
	return 0
}
# ctrl_is_empty C — the hierarchy holding controller C has only its root cgroup
ctrl_is_empty() {
	local name hier num en
	while read -r name hier num en; do
		[ "$name" = "$1" ] && { [ "$num" = 1 ]; return; }
	done </proc/cgroups
	return 1
}
# ctrl_on_cg2 C — controller C is listed in cgroup2's cgroup.controllers
ctrl_on_cg2() {
	local -a cs; local x
	read -r -a cs <"$CG2/cgroup.controllers" || true
	for x in "${cs[@]}"; do [ "$x" = "$1" ] && return 0; done
	return 1
}

# restore_ctrl C — undo our move of controller C to a v1 hierarchy.
# The kernel destroys a v1 hierarchy (handing its controller back to cgroup2)
# only when its superblock's last reference goes *and* it has no cgroups, dying
# ones included, at that moment.  Containers' mount namespaces also reference
# it and die asynchronously, so an unmount may leave the hierarchy hidden but
# alive.  Hence: wait until it has no cgroups, unmount, check that the
# controller is back, and if not, re-attach the lingering hierarchy and retry.
restore_ctrl() {
	local c=$1 mnt=${MOVED_MNT[$1]} try
	for try in 1 2 3; do
		mountpoint -q "$mnt" || mount -t cgroup -o "$c" cgroup "$mnt" || return 1
		# Not empty: someone's cgroups are in it; unmounting now would strand
		# them in a hidden hierarchy.  Leave it mounted (and visible).
		wait_until 10 ctrl_is_empty "$c" || return 1
		umount "$mnt" || return 1
		wait_until 5 ctrl_on_cg2 "$c" && return 0
	done
	mountpoint -q "$mnt" || mount -t cgroup -o "$c" cgroup "$mnt" 2>/dev/null
	return 1
}

cleanup() {
	local rc=$? d id name c
	trap - EXIT INT TERM HUP
	set +e
	declare -F many_cleanup >/dev/null && many_cleanup
	for d in "$STATE"/*; do
		[ -d "$d" ] || continue
		id=${d##*/}; name=${id#"$IDPFX"-}; name=${name%%-*}
		[ -n "${BIN[$name]:-}" ] && drop_container "$name" "$id"
	done
	# Empty cgroups a crashed runtime may have left for *our* containers only.
	find /sys/fs/cgroup -mindepth 1 -maxdepth 8 -depth -type d -name "$IDPFX-*" \
		-exec rmdir {} \; 2>/dev/null
	for c in "${MOVED_CTRLS[@]}"; do
		if [ -n "${BENCH_KEEP_CGROUP_FIX:-}" ]; then
			note "leaving controller '$c' on its v1 hierarchy ${MOVED_MNT[$c]} (BENCH_KEEP_CGROUP_FIX)"
			continue
		fi
		if restore_ctrl "$c"; then
			note "restored: unmounted ${MOVED_MNT[$c]}; controller '$c' is back on cgroup2 ($CG2)"
		else
			note "warning: controller '$c' is not back on cgroup2: its v1 hierarchy still has" \
				"cgroups or is referenced by a container's mount namespace.  Once those are gone," \
				"'umount ${MOVED_MNT[$c]}' (after 'mount -t cgroup -o $c cgroup ${MOVED_MNT[$c]}'" \
				"if it is not mounted) hands it back; see /proc/cgroups"
			mountpoint -q "${MOVED_MNT[$c]}" && continue
		fi
		[ -n "${MOVED_MKDIR[$c]}" ] && rmdir "${MOVED_MNT[$c]}"
	done
	[ -n "$MASKED" ] && umount "$MASKED"
	rm -rf --one-file-system "$WORK"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- bundle
mkdir -p "$BUNDLE/rootfs/bin"
cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
ln -s busybox "$BUNDLE/rootfs/bin/true"
"$RUNC" spec --bundle "$BUNDLE" || die "runc spec failed"
jq '.process.terminal = false | .process.args = ["/bin/true"]' \
	"$BUNDLE/config.json" >"$BUNDLE/config.json.new" || die "editing config.json failed"
mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
cd "$BUNDLE"

# ---------------------------------------------------------------- cgroups
# (see "cgroup2 controllers on a hybrid host" at the top)
if [ ${#CG2_CTRLS[@]} -eq 0 ]; then
	if [ -n "$CG2" ] && [ -n "$CG_V1" ]; then
		CG_NOTE="hybrid (v1 + cgroup2 at $CG2 without controllers): nothing to do"
	elif [ -n "$CG_V1" ]; then
		CG_NOTE="cgroup v1 only: nothing to do"
	else
		CG_NOTE="cgroup v2 only: nothing to do"
	fi
elif [ "$CG_FIX" = none ]; then
	CG_NOTE="hybrid, cgroup2 ($CG2) has controllers (${CG2_CTRLS[*]}); left alone (BENCH_CGROUP_FIX=none): crun refuses such hosts"
elif [ "$CG_FIX" = mask ]; then
	[ -n "${RTBENCH_MNTNS:-}" ] || die "internal: mask mode outside the bench's mount namespace"
	: >"$WORK/empty-cgroup.controllers"
	mount --bind "$WORK/empty-cgroup.controllers" "$CG2/cgroup.controllers" ||
		die "cannot bind-mount over $CG2/cgroup.controllers (try BENCH_CGROUP_FIX=move)"
	MASKED=$CG2/cgroup.controllers
	CG_NOTE="hybrid, cgroup2 ($CG2) has controllers (${CG2_CTRLS[*]}), which crun refuses;"
	CG_NOTE+=" all runtimes run in a private mount namespace where an empty file is bind-mounted"
	CG_NOTE+=" over $CG2/cgroup.controllers (host unchanged)"
	note "NOTE: ${CG_NOTE#hybrid, }"
else # move
	CG_NOTE=
	for c in "${CG2_CTRLS[@]}"; do
		if grep -qw "$c" "$CG2/cgroup.subtree_control"; then
			note "cannot move controller '$c': enabled in $CG2/cgroup.subtree_control (in use)"
			CG_NOTE+="'$c' in use on cgroup2, not moved; "
			continue
		fi
		mnt=/sys/fs/cgroup/$c
		if mountpoint -q "$mnt"; then
			note "cannot move controller '$c': $mnt is already a mount point"
			CG_NOTE+="'$c' not moved ($mnt busy); "
			continue
		fi
		made=
		if [ ! -d "$mnt" ]; then
			mkdir "$mnt" || { CG_NOTE+="'$c' not moved (mkdir $mnt failed); "; continue; }
			made=yes
		fi
		if mount -t cgroup -o "$c" cgroup "$mnt"; then
			MOVED_CTRLS+=("$c"); MOVED_MNT[$c]=$mnt; MOVED_MKDIR[$c]=$made
			note "NOTE: moved cgroup controller '$c' off cgroup2 ($CG2), for crun:" \
				"mkdir -p $mnt && mount -t cgroup -o $c cgroup $mnt  (undone on exit)"
			CG_NOTE+="moved '$c' from cgroup2 to a v1 hierarchy: mount -t cgroup -o $c cgroup $mnt (undone on exit); "
		else
			[ -n "$made" ] && rmdir "$mnt"
			CG_NOTE+="'$c' not moved (mount failed); "
		fi
	done
	CG_NOTE=${CG_NOTE%; }
fi

# ---------------------------------------------------------------- helpers
SEQ=0
new_id() { SEQ=$((SEQ + 1)); REPLY=$IDPFX-$1-$SEQ; }

# One timed `run`.  Sets REPLY to the wall time in µs; returns the exit code.
timed_run() { # name id
	local name=$1 id=$2 root=$STATE/$2 bin=${BIN[$1]} rc=0 t0
	mkdir "$root"
	now_us; t0=$REPLY
	"$bin" --root "$root" run --bundle "$BUNDLE" "$id" </dev/null >"$OUT" 2>&1 || rc=$?
	now_us; REPLY=$((REPLY - t0))
	return $rc
}

show_out() {
	if [ -s "$OUT" ]; then sed -n '1,8s/^/    | /p' "$OUT" >&2; else echo "    | (no output)" >&2; fi
}

# ---------------------------------------------------------------- warm-up / probe
for n in "${NAMES[@]}"; do
	b=${BIN[$n]}
	if [ ! -x "$b" ] || [ -d "$b" ]; then
		SKIPWHY[$n]="binary $b not found/executable"
		note "SKIP $n: ${SKIPWHY[$n]}"
		continue
	fi
	VER[$n]=$(timeout -k 2 10 "$b" --version 2>/dev/null </dev/null | head -n1 || true)
	new_id "$n"; id=$REPLY; rc=0
	mkdir "$STATE/$id"
	timeout -k 5 "$TMO" "$b" --root "$STATE/$id" run --bundle "$BUNDLE" "$id" \
		</dev/null >"$OUT" 2>&1 || rc=$?
	drop_container "$n" "$id"
	if [ $rc -ne 0 ]; then
		SKIPWHY[$n]="first run failed (exit $rc)"
		[ $rc -eq 124 ] && SKIPWHY[$n]="first run timed out (${TMO}s)"
		note "SKIP $n: ${SKIPWHY[$n]}; its output:"
		show_out
		continue
	fi
	ACTIVE[$n]=1
	: >"$WORK/times-$n"
done

# ---------------------------------------------------------------- timed runs
order=()
for n in "${NAMES[@]}"; do [ -n "${ACTIVE[$n]:-}" ] && order+=("$n"); done
if [ ${#order[@]} -gt 0 ]; then
	note "timing ${order[*]}: $N iterations, rotating ${order[*]} ..."
	for ((i = 1; i <= N; i++)); do
		# Each iteration starts one runtime later, so that each follows each
		# other one equally often: how long a run waits for its cgroup move
		# depends on the cgroup moves just before it (bench/README.md).
		for ((j = 0; j < ${#order[@]}; j++)); do
			n=${order[$(((i - 1 + j) % ${#order[@]}))]}
			new_id "$n"; id=$REPLY; rc=0
			timed_run "$n" "$id" || rc=$?
			t=$REPLY
			drop_container "$n" "$id"
			if [ $rc -eq 0 ]; then
				echo "$t" >>"$WORK/times-$n"
				NOK[$n]=$((NOK[$n] + 1))
			else
				NFAIL[$n]=$((NFAIL[$n] + 1))
				if [ "${NFAIL[$n]}" -eq 1 ]; then
					note "$n: run $i failed (exit $rc), excluded from the statistics; output:"
					show_out
				fi
			fi
		done
		if ((i % 10 == 0 || i == N)); then note "  $i/$N"; fi
	done
fi

# ---------------------------------------------------------------- memory
# RSS of the container init while it waits between `create` and `start`.
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print a[(NR + 1) / 2]; else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
if [ ${#order[@]} -gt 0 ]; then
	note "measuring init RSS between create and start ($MEM_N samples each) ..."
	for ((i = 1; i <= MEM_N; i++)); do
		for n in "${order[@]}"; do
			new_id "$n"; id=$REPLY; root=$STATE/$id; pidf=$WORK/pid-$id; rc=0
			mkdir "$root"
			# GNU time: the peak RSS (kB) of the create process and its waited children
			timeout -k 5 "$TMO" /usr/bin/time -f %M -o "$WORK/maxrss" \
				"${BIN[$n]}" --root "$root" create --bundle "$BUNDLE" --pid-file "$pidf" "$id" \
				</dev/null >"$OUT" 2>&1 || rc=$?
			[ $rc -eq 0 ] && tail -n1 "$WORK/maxrss" >>"$WORK/cmax-$n"
			pid=
			if [ $rc -eq 0 ]; then
				pid=$(cat "$pidf" 2>/dev/null || true)
				[ -n "$pid" ] || pid=$("${BIN[$n]}" --root "$root" state "$id" 2>/dev/null | jq -r '.pid // empty' || true)
			fi
			if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
				awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" >>"$WORK/rss-$n"
				awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" >>"$WORK/anon-$n"
			elif [ ! -e "$WORK/memfail-$n" ]; then
				: >"$WORK/memfail-$n"
				note "$n: create failed or no init pid (exit $rc); output:"
				show_out
			fi
			drop_container "$n" "$id"
		done
	done
	for n in "${order[@]}"; do
		[ -s "$WORK/rss-$n" ] && RSS[$n]=$(median <"$WORK/rss-$n")
		[ -s "$WORK/anon-$n" ] && ANON[$n]=$(median <"$WORK/anon-$n")
		[ -s "$WORK/cmax-$n" ] && CMAX[$n]=$(median <"$WORK/cmax-$n")
	done
fi

# exec, parallel runs, rt's phases, many containers (opt-in)
. "$HERE/more.sh"

# ---------------------------------------------------------------- report
# stats <file of µs values> -> "median p90 min max" in ms (p90: nearest rank)
stats() {
	sort -n "$1" | awk '{ a[NR] = $1 }
		END {
			if (NR == 0) { print "- - - -"; exit }
			med = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
			r = int(0.9 * NR); if (r < 0.9 * NR) r++; if (r < 1) r = 1
			printf "%.2f %.2f %.2f %.2f\n", med / 1000, a[r] / 1000, a[1] / 1000, a[NR] / 1000
		}'
}
declare -A MED=() P90=()
echo
echo "rt bench — \`RUNTIME --root <tmp> run --bundle <busybox bundle> <id>\` of /bin/true"
echo "  iterations: $N per runtime (after 1 untimed warm-up run), rotating ${order[*]:-(none)}"
echo "  cgroups:    $CG_NOTE"
read -r l1 l5 l15 _ </proc/loadavg
echo "  host:       $(uname -r), $(nproc) CPUs, load average $l1 $l5 $l15 (timings are noisy if high)"
echo
printf '%-6s %9s %9s %9s %9s %7s %12s %12s  %s\n' \
	runtime "median" "p90" "min" "max" "ok/N" "init VmRSS" "init RssAnon" version
printf '%-6s %9s %9s %9s %9s %7s %12s %12s\n' "" "ms" "ms" "ms" "ms" "" "kB" "kB"
for n in "${NAMES[@]}"; do
	if [ -z "${ACTIVE[$n]:-}" ]; then
		printf '%-6s %s\n' "$n" "skipped: ${SKIPWHY[$n]}"
		continue
	fi
	read -r med p90 mn mx < <(stats "$WORK/times-$n")
	MED[$n]=$med; P90[$n]=$p90
	printf '%-6s %9s %9s %9s %9s %7s %12s %12s  %s\n' "$n" "$med" "$p90" "$mn" "$mx" \
		"${NOK[$n]}/$N" "${RSS[$n]:-n/a}" "${ANON[$n]:-n/a}" "${VER[$n]}"
done
echo
ratio() { # a b  -> a/b or n/a
	if [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]] && awk -v b="$2" 'BEGIN { exit !(b > 0) }'; then
		awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
	else
		printf 'n/a'
	fi
}
for other in runc crun; do
	printf '%-9s median %6s   p90 %6s   init VmRSS %6s\n' "rt/$other" \
		"$(ratio "${MED[rt]:-}" "${MED[$other]:-}")" \
		"$(ratio "${P90[rt]:-}" "${P90[$other]:-}")" \
		"$(ratio "${RSS[rt]:-}" "${RSS[$other]:-}")"
done
printf '%-9s median %6s   p90 %6s   init VmRSS %6s   (reference)\n' runc/crun \
	"$(ratio "${MED[runc]:-}" "${MED[crun]:-}")" \
	"$(ratio "${P90[runc]:-}" "${P90[crun]:-}")" \
	"$(ratio "${RSS[runc]:-}" "${RSS[crun]:-}")"
echo "(ratio < 1: rt is faster / smaller)"
report_more
