#!/usr/bin/env bats
# hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle"):
# prestart, createRuntime, createContainer, startContainer, poststart,
# poststop — order, the state on stdin, the namespace each runs in, args and
# env, timeout, and what a failure does.

load helpers

setup() {
	setup_bundle
	OUT=$BATS_TEST_TMPDIR/hookout
	mkdir -p "$OUT"
	chmod 0777 "$OUT"
	# the container sees $OUT as /hookout (for startContainer, which runs
	# inside the container)
	add_mount /hookout bind "$OUT" rbind rw
	# The recording hook: args are KIND OUTDIR; saves stdin, appends KIND to
	# OUTDIR/order, records its namespaces, args and env.
	HOOK=$BATS_TEST_TMPDIR/hook.sh
	cat >"$HOOK" <<'EOF'
#!/bin/sh
kind=$1 out=$2
cat >"$out/$kind.json"
for n in mnt net uts pid ipc; do readlink "/proc/self/ns/$n" >"$out/$kind.$n"; done
echo "$@" >"$out/$kind.args"
env >"$out/$kind.env"
echo "$kind" >>"$out/order"
EOF
	chmod 0755 "$HOOK"
	# startContainer's path resolves in the container: the same script in
	# the rootfs (run by the rootfs's busybox sh)
	cp "$HOOK" "$BUNDLE/rootfs/hook.sh"
	rm -f /tmp/rt-hooks-not-here
}

# hook_json KIND [extra json fields] — a recording hook for KIND.
hook_json() {
	local kind=$1 path=$HOOK out=$OUT
	if [ "$kind" = startContainer ]; then
		path=/hook.sh out=/hookout
	fi
	jq -nc --arg p "$path" --arg k "$kind" --arg o "$out" \
		'{path: $p, args: [$p, $k, $o], env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOOK_KIND=" + $k]}'
}

# add_hook KIND JSON — append a hook to .hooks[KIND].
add_hook() {
	update_config '.hooks[$k] += [$h]' --arg k "$1" --argjson h "$2"
}

# add_recording_hooks KIND... — a recording hook for each KIND.
add_recording_hooks() {
	local k
	for k in "$@"; do
		add_hook "$k" "$(hook_json "$k")"
	done
}

ALL_KINDS="prestart createRuntime createContainer startContainer poststart poststop"

order() {
	tr '\n' ' ' <"$OUT/order" 2>/dev/null
}

# failing_hook KIND [CODE] — a hook that exits CODE (default 3) without output.
failing_hook() {
	jq -nc --arg c "exit ${2:-3}" '{path: "/bin/sh", args: ["sh", "-c", $c]}'
}

@test "hooks: order: prestart, createRuntime, createContainer on create; startContainer, poststart on start; poststop on delete" {
	# shellcheck disable=SC2086
	add_recording_hooks $ALL_KINDS
	set_cmd sleep 1000
	create_container
	assert_eq "$(order)" "prestart createRuntime createContainer " "order after create"
	rt start "$ID"
	assert_eq "$(order)" "prestart createRuntime createContainer startContainer poststart " "order after start"
	wait_for_status "$ID" running
	rt kill "$ID" KILL
	wait_for_status "$ID" stopped
	assert_eq "$(order)" "prestart createRuntime createContainer startContainer poststart " "order after the process exits"
	rt delete "$ID"
	assert_eq "$(order)" "prestart createRuntime createContainer startContainer poststart poststop " "order after delete"
}

@test "hooks: several hooks of a kind run in the order given" {
	local i
	for i in 0 1 2; do
		add_hook createRuntime "$(jq -nc --arg o "$OUT" --arg i "$i" \
			'{path: "/bin/sh", args: ["sh", "-c", "cat >/dev/null; echo cr\($i) >>\($o)/order"]}')"
	done
	set_cmd true
	create_container
	assert_eq "$(order)" "cr0 cr1 cr2 " order
}

@test "hooks: the state on stdin: ociVersion, id, bundle, status and pid for each kind" {
	# shellcheck disable=SC2086
	add_recording_hooks $ALL_KINDS
	set_cmd sleep 1000
	create_container
	rt start "$ID"
	wait_for_status "$ID" running
	local pid k want
	pid=$(container_pid "$ID")
	rt kill "$ID" KILL
	wait_for_status "$ID" stopped
	rt delete "$ID"
	for k in $ALL_KINDS; do
		echo "$k: $(cat "$OUT/$k.json")"
		case $k in
		prestart | createRuntime | createContainer) want=created ;; # runtime.md lifecycle steps 3-5 come after step 2 (creating)
		startContainer) want=created ;;
		poststart) want=running ;;
		poststop) want=stopped ;;
		esac
		assert_eq "$(jq -r .status "$OUT/$k.json")" "$want" "$k status"
		assert_eq "$(jq -r .id "$OUT/$k.json")" "$ID" "$k id"
		assert_eq "$(jq -r .bundle "$OUT/$k.json")" "$BUNDLE" "$k bundle"
		[ -n "$(jq -r '.ociVersion // empty' "$OUT/$k.json")" ] || { echo "$k: no ociVersion" >&2; false; }
		if [ "$k" != poststop ]; then
			assert_eq "$(jq -r .pid "$OUT/$k.json")" "$pid" "$k pid"
		fi
	done
}

@test "hooks: createRuntime, prestart, poststart, poststop run in the runtime's namespaces" {
	add_recording_hooks prestart createRuntime poststart poststop
	set_cmd sleep 1000
	create_container
	rt start "$ID"
	wait_for_status "$ID" running
	local pid k n
	pid=$(container_pid "$ID")
	rt kill "$ID" KILL
	wait_for_status "$ID" stopped
	rt delete "$ID"
	for k in prestart createRuntime poststart poststop; do
		for n in mnt net uts; do
			assert_eq "$(cat "$OUT/$k.$n")" "$(readlink "/proc/$$/ns/$n")" "$k ns/$n (host's)"
		done
	done
}

@test "hooks: createContainer runs in the container's namespaces, its path resolved in the runtime's" {
	add_recording_hooks createContainer
	set_cmd sleep 1000
	create_container
	local pid n
	pid=$(container_pid "$ID")
	# the path ($HOOK) exists only on the host
	[ ! -e "$BUNDLE/rootfs$HOOK" ]
	for n in mnt net uts ipc; do
		assert_eq "$(cat "$OUT/createContainer.$n")" "$(readlink "/proc/$pid/ns/$n")" "createContainer ns/$n (the init's)"
	done
	[ "$(cat "$OUT/createContainer.mnt")" != "$(readlink /proc/$$/ns/mnt)" ]
}

@test "hooks: startContainer runs inside the container, its path resolved in the rootfs" {
	add_recording_hooks startContainer
	set_sh 'echo process-ran >>/hookout/order; sleep 1000'
	# /hook.sh exists only in the rootfs
	[ ! -e /hook.sh ]
	create_container
	local pid n
	pid=$(container_pid "$ID")
	rt start "$ID"
	wait_for_status "$ID" running
	retry_until 10 grep -q process-ran "$OUT/order"
	for n in mnt net uts ipc pid; do
		assert_eq "$(cat "$OUT/startContainer.$n")" "$(readlink "/proc/$pid/ns/$n")" "startContainer ns/$n (the init's)"
	done
	# before the user's process
	assert_eq "$(order)" "startContainer process-ran " order
}

@test "hooks: args and env are passed (and env is only what the config gives)" {
	# shellcheck disable=SC2086
	add_recording_hooks $ALL_KINDS
	set_cmd true
	create_container
	rt start "$ID"
	wait_for_status "$ID" stopped
	rt delete "$ID"
	local k
	for k in $ALL_KINDS; do
		echo "$k args: $(cat "$OUT/$k.args")"
		case $k in
		startContainer) assert_eq "$(cat "$OUT/$k.args")" "$k /hookout" "$k args" ;;
		*) assert_eq "$(cat "$OUT/$k.args")" "$k $OUT" "$k args" ;;
		esac
		grep -qx "HOOK_KIND=$k" "$OUT/$k.env" || { echo "$k env: $(cat "$OUT/$k.env")" >&2; false; }
		if grep -q "RT_BATS_MARKER" "$OUT/$k.env"; then
			echo "$k has the process's env" >&2
			false
		fi
	done
	# args[0] is passed as given (argv[0] need not be the path)
	add_hook createRuntime "$(jq -nc --arg o "$OUT" '{path: "/bin/sh", args: ["custom-argv0", "-c", "cat >/dev/null; echo \"$0\" >\($o)/argv0"]}')"
	local id2
	id2=$(new_id)
	create_container "$id2"
	assert_eq "$(cat "$OUT/argv0")" custom-argv0 argv0
}

# create_with_slow_hook KIND — `create` with a KIND hook that records its
# pid in $OUT/hook.pid and sleeps past its 1 s timeout; sets took (ms).
create_with_slow_hook() {
	add_hook "$1" "$(jq -nc --arg o "$OUT" \
		'{path: "/bin/sh", args: ["sh", "-c", "echo $$ >\($o)/hook.pid; exec sleep 30"], timeout: 1}')"
	set_cmd true
	local t0
	t0=$(_now_us)
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	took=$((($(_now_us) - t0) / 1000))
	echo "status $status stderr $stderr took ${took}ms"
}

@test "hooks: a createRuntime hook past its timeout is killed and fails create, leaving nothing" {
	local took
	create_with_slow_hook createRuntime
	assert_error
	assert_contains "$stderr" /hooks/createRuntime/0
	[ "$took" -lt 5000 ]
	[ "$took" -ge 900 ]
	# the hook was killed
	wait_for_exit "$(cat "$OUT/hook.pid")" 5
	run rt state "$ID"
	[ "$status" -ne 0 ]
}

@test "hooks: a createContainer hook past its timeout is killed and fails create, leaving nothing" {
	local took
	create_with_slow_hook createContainer
	assert_error
	assert_contains "$stderr" /hooks/createContainer/0
	[ "$took" -lt 5000 ]
	run rt state "$ID"
	[ "$status" -ne 0 ]
	# (the hook ran in the container's pid namespace: the residue checks in
	# teardown find it if it survived, by its root or its cgroup)
}

@test "hooks: a failing prestart, createRuntime or createContainer hook fails create naming /hooks/<kind>/<i>, leaving nothing" {
	local k id
	for k in prestart createRuntime createContainer; do
		# reset the hooks
		update_config 'del(.hooks)'
		add_recording_hooks "$k"
		add_hook "$k" "$(failing_hook "$k")"
		# a later hook of a later kind does not run
		add_recording_hooks startContainer poststart
		rm -f "$OUT/order"
		id=$(new_id)
		set_cmd true
		run --separate-stderr rt_noio create --bundle "$BUNDLE" "$id"
		echo "$k: status $status stderr $stderr"
		assert_error
		assert_contains "$stderr" "/hooks/$k/1"
		assert_eq "$(order)" "$k " "$k: hooks that ran"
		run rt state "$id"
		[ "$status" -ne 0 ]
		[ ! -e "$ROOT/$id" ]
	done
}

@test "hooks: a failing startContainer hook: the process does not run and the container ends stopped" {
	add_hook startContainer "$(jq -nc '{path: "/bin/sh", args: ["sh", "-c", "exit 3"]}')"
	add_recording_hooks poststart
	set_sh 'echo ran >/hookout/process-ran; sleep 1000'
	create_container
	# startContainer runs in the container's init after start has let it
	# go: as with runc, start itself may succeed; the error is reported
	# (by start, or on the container's stderr)
	run --separate-stderr rt start "$ID"
	echo "status $status stderr $stderr"
	wait_for_status "$ID" stopped
	assert_contains "$stderr$(cat "$BATS_TEST_TMPDIR/$ID.err")" startContainer
	[ ! -e "$OUT/process-ran" ]
	# runtime.md: on a startContainer failure the lifecycle continues at step 12
	# (destroy): poststart hooks (step 9) do not run
	[ ! -e "$OUT/poststart.json" ] || { echo "poststart ran: $(cat "$OUT/poststart.json")" >&2; false; }
}

@test "hooks: a failing poststart hook is only a warning and the next one still runs" {
	add_hook poststart "$(failing_hook poststart)"
	add_recording_hooks poststart
	set_cmd sleep 1000
	create_container
	run --separate-stderr rt start "$ID"
	echo "status $status stderr $stderr"
	[ "$status" -eq 0 ]
	assert_contains "${stderr,,}" warning
	assert_contains "$stderr" /hooks/poststart/0
	assert_eq "$(order)" "poststart " "hooks that ran"
	wait_for_status "$ID" running
}

@test "hooks: a failing poststop hook is only a warning and the next one still runs" {
	add_hook poststop "$(failing_hook poststop)"
	add_recording_hooks poststop
	set_cmd true
	create_container
	rt start "$ID"
	wait_for_status "$ID" stopped
	run --separate-stderr rt delete "$ID"
	echo "status $status stderr $stderr"
	[ "$status" -eq 0 ]
	assert_contains "${stderr,,}" warning
	assert_contains "$stderr" /hooks/poststop/0
	assert_eq "$(order)" "poststop " "hooks that ran"
	run rt state "$ID"
	[ "$status" -ne 0 ]
}

@test "hooks: poststop runs on delete --force of a running container" {
	add_recording_hooks poststop
	set_cmd sleep 1000
	create_container
	rt start "$ID"
	wait_for_status "$ID" running
	rt delete --force "$ID"
	assert_eq "$(order)" "poststop " "hooks that ran"
	assert_eq "$(jq -r .status "$OUT/poststop.json")" stopped "poststop status"
}

@test "hooks: run: all kinds run, poststop after the process exits" {
	# shellcheck disable=SC2086
	add_recording_hooks $ALL_KINDS
	set_sh 'echo process >>/hookout/order'
	run --separate-stderr rt_noio run --bundle "$BUNDLE" "$ID"
	echo "status $status stderr $stderr"
	[ "$status" -eq 0 ]
	local o
	o=$(order)
	# poststart runs after the process started: it may come before or after
	# the process's own line
	o=${o/process poststart/poststart process}
	assert_eq "$o" "prestart createRuntime createContainer startContainer poststart process poststop " order
}
