#!/usr/bin/env bats
# cgroups: resources visible in the container's cgroup files on the host,
# cgroup removed on delete, linux.cgroupsPath.

load helpers

# cg_file PID CONTROLLER V1FILE V2FILE — path of the file for PID's cgroup:
# the v1 file if CONTROLLER is a v1 hierarchy here, else the v2 one.
cg_file() {
	local dir
	dir=$(cgroup_path "$1" "$2")
	if [ -d "$CGROUP_ROOT/$2" ] && grep -qE "^[0-9]+:([^:]*,)?$2(,[^:]*)?:" "/proc/$1/cgroup"; then
		echo "$dir/$3"
	else
		echo "$dir/$4"
	fi
}

# cg_read PID CONTROLLER V1FILE V2FILE
cg_read() {
	local f
	f=$(cg_file "$@")
	cat "$f"
}

# v1 CONTROLLER PID — true if PID's CONTROLLER is a v1 hierarchy.
v1() { [[ $(cg_file "$2" "$1" v1 v2) == */v1 ]]; }

start_sleeper() {
	set_cmd sleep 1000
	start_container
	wait_for_status "$ID" running
	PID=$(container_pid "$ID")
}

@test "cgroups: memory limit" {
	update_config '.linux.resources.memory = {limit: 67108864}'
	start_sleeper
	assert_eq "$(cg_read "$PID" memory memory.limit_in_bytes memory.max)" 67108864 "memory limit"
}

@test "cgroups: pids limit" {
	update_config '.linux.resources.pids = {limit: 42}'
	start_sleeper
	assert_eq "$(cg_read "$PID" pids pids.max pids.max)" 42 "pids.max"
}

@test "cgroups: the pids limit is enforced" {
	update_config '.linux.resources.pids = {limit: 8}'
	# busybox sh gives up with "can't fork" once the limit is reached
	set_sh 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 100 & done; echo all-forked'
	run rt run --bundle "$BUNDLE" "$ID"
	assert_contains "$output" "can't fork"
	assert_not_contains "$output" all-forked

	# and with room for them, they all start
	update_config '.linux.resources.pids = {limit: 30}'
	run rt run --bundle "$BUNDLE" "$ID"
	assert_contains "$output" all-forked
}

@test "cgroups: cpu shares" {
	update_config '.linux.resources.cpu = {shares: 512}'
	start_sleeper
	if v1 cpu "$PID"; then
		assert_eq "$(cg_read "$PID" cpu cpu.shares cpu.weight)" 512 cpu.shares
	else
		# runc's and crun's conversion (1024 -> 100): l = log2(512) = 9,
		# ceil(10^((l^2 + 125 l)/612 - 7/34)) = 59
		assert_eq "$(cg_read "$PID" cpu cpu.shares cpu.weight)" 59 cpu.weight
	fi
}

@test "cgroups: cpu quota and period" {
	update_config '.linux.resources.cpu = {quota: 50000, period: 100000}'
	start_sleeper
	if v1 cpu "$PID"; then
		assert_eq "$(cg_read "$PID" cpu cpu.cfs_quota_us cpu.max)" 50000 cfs_quota_us
		assert_eq "$(cg_read "$PID" cpu cpu.cfs_period_us cpu.max)" 100000 cfs_period_us
	else
		assert_eq "$(cg_read "$PID" cpu cpu.cfs_quota_us cpu.max)" "50000 100000" cpu.max
	fi
}

@test "cgroups: all limits at once, and the init is in the cgroup" {
	update_config '.linux.resources.memory = {limit: 33554432}
		| .linux.resources.pids = {limit: 100}
		| .linux.resources.cpu = {shares: 256, quota: 20000, period: 100000}'
	start_sleeper
	assert_eq "$(cg_read "$PID" memory memory.limit_in_bytes memory.max)" 33554432 memory
	assert_eq "$(cg_read "$PID" pids pids.max pids.max)" 100 pids
	for c in memory pids cpu; do
		grep -qx "$PID" "$(cg_file "$PID" "$c" cgroup.procs cgroup.procs)" || {
			echo "init $PID not in its $c cgroup" >&2
			false
		}
		# and not in the test's own cgroup
		[ "$(cgroup_path "$PID" "$c")" != "$(cgroup_path $$ "$c")" ]
	done
}

@test "cgroups: the cgroup is removed on delete" {
	update_config '.linux.resources.pids = {limit: 42}'
	start_sleeper
	dirs=()
	for c in memory pids cpu; do
		d=$(cgroup_path "$PID" "$c")
		[ -d "$d" ]
		dirs+=("$d")
	done
	rt kill "$ID" KILL
	wait_for_status "$ID" stopped
	rt delete "$ID"
	for d in "${dirs[@]}"; do
		retry_until 5 test ! -d "$d"
	done
}

@test "cgroups: the cgroup of a stopped container is removed by delete --force" {
	update_config '.linux.resources.pids = {limit: 42}'
	start_sleeper
	d=$(cgroup_path "$PID" pids)
	run rt delete -f "$ID"
	[ "$status" -eq 0 ]
	retry_until 5 test ! -d "$d"
}

@test "cgroups: an absolute linux.cgroupsPath is honoured" {
	cgpath=/rtbats-cg-$ID
	update_config '.linux.cgroupsPath = $p | .linux.resources.pids = {limit: 33}' --arg p "$cgpath"
	start_sleeper
	for c in memory pids; do
		if v1 "$c" "$PID"; then
			assert_eq "$(awk -F: -v c="$c" '$2 == c {print $3}' "/proc/$PID/cgroup")" "$cgpath" "$c cgroup"
			[ -d "$CGROUP_ROOT/$c$cgpath" ]
		else
			assert_eq "$(awk -F: '$1 == "0" {print $3}' "/proc/$PID/cgroup")" "$cgpath" "unified cgroup"
		fi
	done
	assert_eq "$(cg_read "$PID" pids pids.max pids.max)" 33 pids.max
	rt delete -f "$ID"
	for c in memory pids; do
		retry_until 5 test ! -d "$CGROUP_ROOT/$c$cgpath"
	done
}

# ---------------------------------------------------------------------------
# Every resource, read back from the file the kernel shows on this machine.

@test "cgroups: memory reservation, swappiness, kernelTCP, disableOOMKiller, useHierarchy" {
	update_config '.linux.resources.memory = {limit: 67108864, reservation: 33554432,
		swappiness: 30, kernelTCP: 16777216, disableOOMKiller: true, useHierarchy: true}'
	start_sleeper
	assert_eq "$(cg_read "$PID" memory memory.soft_limit_in_bytes memory.low)" 33554432 reservation
	if v1 memory "$PID"; then
		assert_eq "$(cg_read "$PID" memory memory.swappiness x)" 30 swappiness
		assert_eq "$(cg_read "$PID" memory memory.kmem.tcp.limit_in_bytes x)" 16777216 kernelTCP
		assert_contains "$(cg_read "$PID" memory memory.oom_control x)" "oom_kill_disable 1"
		assert_eq "$(cg_read "$PID" memory memory.use_hierarchy x)" 1 useHierarchy
	fi
}

@test "cgroups: memory swap (memory+swap on cgroup v1, swap.max on v2)" {
	require_swap_accounting
	update_config '.linux.resources.memory = {limit: 67108864, swap: 100663296}'
	start_sleeper
	if v1 memory "$PID"; then
		assert_eq "$(cg_read "$PID" memory memory.memsw.limit_in_bytes x)" 100663296 "memory+swap"
	else
		# memory.swap.max = swap − limit
		assert_eq "$(cg_read "$PID" memory x memory.swap.max)" 33554432 swap.max
	fi
}

@test "cgroups: cpu burst, idle, cpus and mems" {
	update_config '.linux.resources.cpu = {quota: 50000, period: 100000, burst: 10000, idle: 0, cpus: "0", mems: "0"}'
	start_sleeper
	assert_eq "$(cg_read "$PID" cpu cpu.cfs_burst_us cpu.max.burst)" 10000 burst
	assert_eq "$(cg_read "$PID" cpu cpu.idle cpu.idle)" 0 idle
	assert_eq "$(cg_read "$PID" cpuset cpuset.cpus cpuset.cpus)" 0 cpuset.cpus
	assert_eq "$(cg_read "$PID" cpuset cpuset.mems cpuset.mems)" 0 cpuset.mems
	assert_eq "$(awk '/Cpus_allowed_list/ {print $2}' "/proc/$PID/status")" 0 "the init's cpus"
}

@test "cgroups: cpu realtime period (cgroup v1, CONFIG_RT_GROUP_SCHED)" {
	v1 cpu $$ || skip "cgroup v2 has no realtime files"
	require_rt_group_sched
	update_config '.linux.resources.cpu = {realtimePeriod: 500000}'
	start_sleeper
	assert_eq "$(cg_read "$PID" cpu cpu.rt_period_us x)" 500000 rt_period
}

# disk_dev — MAJ:MIN of this machine's first disk (not loop or zram).
disk_dev() {
	local d
	for d in /sys/block/*; do
		case ${d##*/} in loop* | zram*) continue ;; esac
		cat "$d/dev"
		return
	done
	return 1
}

@test "cgroups: the four blockIO throttle lists" {
	dev=$(disk_dev) || skip "no block device"
	maj=${dev%:*} min=${dev#*:}
	update_config '.linux.resources.blockIO = {
		throttleReadBpsDevice: [{major: $maj, minor: $min, rate: 1048576}],
		throttleWriteBpsDevice: [{major: $maj, minor: $min, rate: 2097152}],
		throttleReadIOPSDevice: [{major: $maj, minor: $min, rate: 100}],
		throttleWriteIOPSDevice: [{major: $maj, minor: $min, rate: 200}]}' --argjson maj "$maj" --argjson min "$min"
	start_sleeper
	if v1 blkio "$PID"; then
		assert_eq "$(cg_read "$PID" blkio blkio.throttle.read_bps_device x)" "$dev 1048576" read_bps
		assert_eq "$(cg_read "$PID" blkio blkio.throttle.write_bps_device x)" "$dev 2097152" write_bps
		assert_eq "$(cg_read "$PID" blkio blkio.throttle.read_iops_device x)" "$dev 100" read_iops
		assert_eq "$(cg_read "$PID" blkio blkio.throttle.write_iops_device x)" "$dev 200" write_iops
	else
		assert_eq "$(cg_read "$PID" io x io.max)" "$dev rbps=1048576 wbps=2097152 riops=100 wiops=200" io.max
	fi
}

@test "cgroups: blockIO weight" {
	require_blkio_weight
	update_config '.linux.resources.blockIO = {weight: 500}'
	start_sleeper
	if v1 blkio "$PID"; then
		assert_contains "$(cg_read "$PID" blkio "$BLKIO_WEIGHT_FILE" x)" 500
	elif [ "$BLKIO_WEIGHT_FILE" = io.bfq.weight ]; then
		assert_contains "$(cg_read "$PID" io x io.bfq.weight)" 500
	else
		# runc's map of [10, 1000] onto [1, 10000]: 1 + (500 - 10) * 9999 / 990
		assert_contains "$(cg_read "$PID" io x io.weight)" 4950
	fi
}

# issue 10: a kernel without BFQ (and CFQ) has no weight file at all.
# bats test_tags=rt-only
@test "cgroups: blockIO weight on a kernel without a weight file is an error naming the field" {
	require_no_blkio_weight
	update_config '.linux.resources.blockIO = {weight: 500}'
	run --separate-stderr rt_noio run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" /linux/resources/blockIO/weight "no such file"
	run rt list -q
	assert_eq "$output" ""
}

@test "cgroups: a blockIO field the kernel has no file for is an error naming the field and the file" {
	v1 blkio $$ || skip "cgroup v2: leafWeight is refused before any file"
	[ ! -e "$CGROUP_ROOT/blkio/rt/blkio.leaf_weight" ] || skip "this kernel has blkio.leaf_weight"
	update_config '.linux.resources.blockIO = {leafWeight: 300}'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" /linux/resources/blockIO/leafWeight blkio.leaf_weight "no such file"
}

@test "cgroups: hugepageLimits, with the rsvd limit on cgroup v2" {
	require_hugetlb 2048kB
	update_config '.linux.resources.hugepageLimits = [{pageSize: "2MB", limit: 4194304}]'
	start_sleeper
	assert_eq "$(cg_read "$PID" hugetlb hugetlb.2MB.limit_in_bytes hugetlb.2MB.max)" 4194304 hugetlb
	f=$(cg_file "$PID" hugetlb x hugetlb.2MB.rsvd.max)
	if [ "${f##*/}" = hugetlb.2MB.rsvd.max ] && [ -e "$f" ]; then
		assert_eq "$(cat "$f")" 4194304 rsvd
	fi
}

@test "cgroups: network and rdma without their controllers are errors naming the field" {
	[ ! -d "$CGROUP_ROOT/net_cls" ] || skip "net_cls is mounted here"
	update_config '.linux.resources.network = {classID: 1048577}'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "/linux/resources/network/classID" net_cls
	update_config 'del(.linux.resources.network) | .linux.resources.network = {priorities: [{name: "lo", priority: 1}]}'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "/linux/resources/network/priorities/0"
	if [ ! -d "$CGROUP_ROOT/rdma" ] && ! grep -qw rdma "$CGROUP_ROOT/unified/cgroup.controllers" 2>/dev/null; then
		update_config 'del(.linux.resources.network) | .linux.resources.rdma = {mlx5_0: {hcaHandles: 1}}'
		run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
		assert_error
		assert_contains "$stderr" "/linux/resources/rdma/mlx5_0" rdma
	fi
}

@test "cgroups: unified writes cgroup2 files; a controller that is not on cgroup2 is an error" {
	[ -d "$CGROUP_ROOT/unified" ] || skip "not a hybrid host"
	update_config '.linux.resources.unified = {"memory.high": "50000000"}'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" "/linux/resources/unified/memory.high" "memory.high"
	if grep -qw hugetlb "$CGROUP_ROOT/unified/cgroup.controllers" && [ -d /sys/kernel/mm/hugepages/hugepages-2048kB ]; then
		update_config '.linux.resources.unified = {"hugetlb.2MB.max": "2097152"}'
		start_sleeper
		assert_eq "$(cat "$(cgroup_path "$PID" hugetlb)/hugetlb.2MB.max")" 2097152 hugetlb.2MB.max
	fi
}

@test "cgroups: a value the kernel rejects names the field and the file" {
	update_config '.linux.resources.cpu = {quota: 500, period: 100000}'
	run --separate-stderr rt run --bundle "$BUNDLE" "$ID"
	assert_error
	assert_contains "$stderr" /linux/resources/cpu/quota "invalid argument"
	assert_contains "$stderr" "$(v1 cpu $$ && echo cpu.cfs_quota_us || echo cpu.max)"
}

@test "cgroups: devices: deny all but the defaults and the spec's rules" {
	v1 devices $$ || skip "v2 device filter: see the go tests"
	# /dev/kmsg (c 1:11) is made inside, so only the cgroup stands in the way
	update_config '.linux.resources.devices = [{allow: false, access: "rwm"}, {allow: true, type: "c", major: 1, minor: 7, access: "r"}]
		| .process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
	set_sh 'mknod /tmp/kmsg c 1 11 && { head -c1 /tmp/kmsg >/dev/null 2>&1 && echo kmsg-read || echo kmsg-denied; }
		head -c1 /dev/zero >/dev/null && echo zero-read
		head -c1 /dev/full >/dev/null && echo full-read'
	run rt run --bundle "$BUNDLE" "$ID"
	assert_contains "$output" kmsg-denied zero-read full-read
	assert_not_contains "$output" kmsg-read
}

@test "cgroups: devices.list of a container" {
	v1 devices $$ || skip "cgroup v2"
	update_config '.linux.resources.devices = [{allow: false, access: "rwm"}, {allow: true, type: "b", major: 7, minor: 0, access: "r"}]'
	start_sleeper
	list=$(cg_read "$PID" devices devices.list x)
	assert_contains "$list" "b 7:0 r" "c 1:3 rwm" "c 136:* rwm" "c *:* m"
	assert_not_contains "$list" "a *:* rwm"
}

# ---------------------------------------------------------------------------
# update

@test "update: flags change the files" {
	update_config '.linux.resources.memory = {limit: 67108864} | .linux.resources.cpu = {shares: 1024, quota: 50000, period: 100000}
		| .linux.resources.pids = {limit: 100}'
	start_sleeper
	rt update --memory 128m --memory-reservation 32m --cpu-share 512 --cpu-quota 20000 --cpu-period 200000 \
		--pids-limit 50 --cpuset-cpus 0 --cpuset-mems 0 "$ID"
	assert_eq "$(cg_read "$PID" memory memory.limit_in_bytes memory.max)" 134217728 memory
	assert_eq "$(cg_read "$PID" memory memory.soft_limit_in_bytes memory.low)" 33554432 reservation
	assert_eq "$(cg_read "$PID" pids pids.max pids.max)" 50 pids
	assert_eq "$(cg_read "$PID" cpuset cpuset.cpus cpuset.cpus)" 0 cpus
	if v1 cpu "$PID"; then
		assert_eq "$(cg_read "$PID" cpu cpu.shares x)" 512 shares
		assert_eq "$(cg_read "$PID" cpu cpu.cfs_quota_us x)" 20000 quota
		assert_eq "$(cg_read "$PID" cpu cpu.cfs_period_us x)" 200000 period
	else
		assert_eq "$(cg_read "$PID" cpu x cpu.max)" "20000 200000" cpu.max
	fi
	# a period alone keeps the quota
	rt update --cpu-period 100000 "$ID"
	if v1 cpu "$PID"; then
		assert_eq "$(cg_read "$PID" cpu cpu.cfs_quota_us x)" 20000 quota
	else
		assert_eq "$(cg_read "$PID" cpu x cpu.max)" "20000 100000" cpu.max
	fi
	rt update --memory -1 --pids-limit -1 "$ID"
	assert_eq "$(cg_read "$PID" pids pids.max pids.max)" max pids
	[ "$(cg_read "$PID" memory memory.limit_in_bytes memory.max)" != 134217728 ]
}

@test "update: --memory-swap (cgroup v1)" {
	v1 memory $$ || skip "cgroup v2: see the swap.max test"
	require_swap_accounting
	update_config '.linux.resources.memory = {limit: 67108864}'
	start_sleeper
	rt update --memory-swap 256m "$ID"
	assert_eq "$(cg_read "$PID" memory memory.memsw.limit_in_bytes x)" 268435456 memsw
}

@test "update: --blkio-weight (cgroup v1)" {
	v1 blkio $$ || skip "cgroup v2: rt update --blkio-weight is read back on v1 only"
	require_blkio_weight
	start_sleeper
	rt update --blkio-weight 300 "$ID"
	assert_contains "$(cg_read "$PID" blkio "$BLKIO_WEIGHT_FILE" x)" 300
}

# bats test_tags=rt-only
@test "update: --blkio-weight on a kernel without a weight file is an error naming the field" {
	require_no_blkio_weight
	start_sleeper
	run --separate-stderr rt update --blkio-weight 300 "$ID"
	assert_error
	assert_contains "$stderr" /linux/resources/blockIO/weight "no such file"
	assert_eq "$(container_status "$ID")" running "status"
}

@test "update: --resources from a file and from stdin" {
	update_config '.linux.resources.memory = {limit: 67108864}'
	start_sleeper
	echo '{"memory": {"limit": 33554432}, "pids": {"limit": 9}}' >"$BATS_TEST_TMPDIR/r.json"
	rt update --resources "$BATS_TEST_TMPDIR/r.json" --pids-limit 1000 "$ID"
	assert_eq "$(cg_read "$PID" memory memory.limit_in_bytes memory.max)" 33554432 memory
	assert_eq "$(cg_read "$PID" pids pids.max pids.max)" 9 "pids (the flags are ignored)"
	echo '{"pids": {"limit": 11}}' | rt update -r - "$ID"
	assert_eq "$(cg_read "$PID" pids pids.max pids.max)" 11 pids
}

@test "update: errors" {
	start_sleeper
	run --separate-stderr rt update --memory 12x "$ID"
	assert_error
	assert_contains "$stderr" "invalid value for --memory"
	run --separate-stderr rt update --cpu-quota 500 --cpu-period 100000 "$ID"
	assert_error
	assert_contains "$stderr" /linux/resources/cpu/quota "invalid argument"
	run --separate-stderr rt update --pids-limit 5 nosuch-"$ID"
	assert_error
	assert_contains "$stderr" "does not exist"
	rt kill "$ID" KILL
	wait_for_status "$ID" stopped
	run --separate-stderr rt update --pids-limit 5 "$ID"
	assert_error
	assert_contains "$stderr" "container not running"
}

# ---------------------------------------------------------------------------
# events, ps

@test "events --stats: one line in runc's schema" {
	update_config '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 64}'
	start_sleeper
	run --separate-stderr rt events --stats "$ID"
	[ "$status" -eq 0 ]
	one_line "$output"
	ev=$output
	assert_eq "$(jq -r .type <<<"$ev")" stats type
	assert_eq "$(jq -r .id <<<"$ev")" "$ID" id
	assert_eq "$(jq -c '.data | keys' <<<"$ev")" '["blkio","cpu","cpuset","hugetlb","intel_rdt","memory","network_interfaces","pids"]' "data keys"
	jq -e '.data.cpu.usage.total > 0 and (.data.cpu.usage | has("kernel") and has("user"))' <<<"$ev" >/dev/null
	jq -e '.data.memory.usage.usage > 0 and .data.memory.usage.limit == 67108864 and (.data.memory.usage | has("failcnt"))' <<<"$ev" >/dev/null
	jq -e '.data.memory.raw | type == "object"' <<<"$ev" >/dev/null
	jq -e '.data.pids.current >= 1 and .data.pids.limit == 64' <<<"$ev" >/dev/null
}

_stats_lines_at_least() {
	[ "$(grep -c '"type":"stats"' "$BATS_TEST_TMPDIR/events")" -ge "$1" ]
}

@test "events: a stream of stats that ends when the container stops" {
	start_sleeper
	rt events --interval 100ms "$ID" >"$BATS_TEST_TMPDIR/events" 2>&1 &
	ev=$!
	track_bg "$ev"
	retry_until 10 _stats_lines_at_least 2
	rt kill "$ID" KILL
	wait_bg "$ev" 10
	assert_eq "$BG_STATUS" 0 "events exit status"
	run --separate-stderr rt events --stats "$ID"
	assert_error
	assert_contains "$stderr" "not running"
}

@test "events: an OOM kill is an oom event" {
	require_swap_accounting # swap = limit: no swap
	update_config '.linux.resources.memory = {limit: 16777216, swap: 16777216}'
	set_sh 'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo survived'
	create_container
	rt events --interval 1s "$ID" >"$BATS_TEST_TMPDIR/events" 2>&1 &
	ev=$!
	track_bg "$ev"
	rt start "$ID"
	retry_until 30 grep -q '"type":"oom"' "$BATS_TEST_TMPDIR/events"
	assert_eq "$(grep '"type":"oom"' "$BATS_TEST_TMPDIR/events" | head -1)" "{\"type\":\"oom\",\"id\":\"$ID\"}" "oom event"
	wait_bg "$ev" 20
	assert_not_contains "$(cat "$BATS_TEST_TMPDIR/$ID.out")" survived
}

@test "ps: json lists the init, table keeps ps's lines of the container" {
	set_sh 'sleep 1000 & exec sleep 999'
	start_container
	wait_for_status "$ID" running
	PID=$(container_pid "$ID")
	retry_until 5 test "$(rt ps --format json "$ID" | jq length)" -eq 2
	json=$(rt ps -f json "$ID")
	jq -e --argjson p "$PID" 'index($p) != null and all(.[]; type == "number")' <<<"$json" >/dev/null
	run rt ps "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(wc -l <<<"$output")" 3 "header and two processes"
	assert_contains "${lines[0]}" PID CMD
	assert_contains "$output" "sleep 999" "sleep 1000"
	run rt ps "$ID" -o pid,comm
	[ "$status" -eq 0 ]
	assert_eq "$(awk 'NR > 1 {print $1}' <<<"$output" | sort -n | tr '\n' ' ')" "$(jq -r 'sort | map(tostring) | join(" ")' <<<"$json") " pids
}

@test "delete removes nested cgroups" {
	start_sleeper
	dirs=()
	for c in memory pids cpu; do
		d=$(cgroup_path "$PID" "$c")
		mkdir -p "$d/nested/deeper"
		dirs+=("$d")
	done
	# a process of the container in a nested cgroup
	echo "$PID" >"$(cgroup_path "$PID" pids)/nested/deeper/cgroup.procs"
	assert_contains "$(rt ps -f json "$ID")" "$PID"
	rt delete -f "$ID"
	for d in "${dirs[@]}"; do
		retry_until 5 test ! -d "$d"
	done
}
