#!/usr/bin/env bats
# Faults (issue 10, section 3): what a crash in the middle of `rt create`
# leaves, and that `rt delete -f` (or a failed create by itself) always
# cleans it up. RT_TEST_ONLY_KILL_AT=N makes rt SIGKILL itself at step N of
# create, RT_TEST_ONLY_KILL_STAGE_AT=N the C stage and the container's init
# (libct/testkill.go).

load helpers

setup() {
	setup_bundle
	set_cmd sleep 1000
	# Hooks give create more steps: the sync point they run at, and a
	# stage of their own for createContainer.
	update_config '.hooks.createRuntime = [{path: "/bin/true"}]
		| .hooks.createContainer = [{path: "/bin/true"}]
		| .hooks.poststop = [{path: "/bin/true"}]'
}

# no_residue — nothing of $ID is left: state dir, cgroups, processes, mounts.
no_residue() {
	if [ -e "$ROOT/$ID" ]; then
		echo "state dir left: $(ls -A "$ROOT/$ID" | tr '\n' ' ')" >&2
		return 1
	fi
	if ! retry_until 3 _no_residue_cgroups; then
		_residue_cgroups >&2
		return 1
	fi
	if ! retry_until 5 _no_residue_procs; then
		echo "processes left: $(_live_residue_procs | tr '\n' ' ')" >&2
		return 1
	fi
	if [ -n "$(_residue_mounts)" ]; then
		_residue_mounts >&2
		return 1
	fi
}

# bats test_tags=rt-only
@test "faults: rt create killed at every step: delete -f leaves nothing" {
	local n steps=0
	for n in $(seq 1 60); do
		RT_TEST_ONLY_KILL_AT=$n run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
		if [ "$status" -eq 0 ]; then
			break
		fi
		[ "$status" -eq 137 ]
		steps=$n
		rt delete --force "$ID"
		no_residue
	done
	echo "create has $steps steps" >&3
	# every step of the way, with hooks: more than a dozen
	[ "$steps" -ge 12 ]
	[ "$status" -eq 0 ]
	[ "$(container_status "$ID")" = created ]
	rt delete --force "$ID"
	no_residue
}

# bats test_tags=rt-only
@test "faults: the stage killed at every step: create fails by itself and leaves nothing" {
	local n failed=0
	for n in $(seq 1 60); do
		RT_TEST_ONLY_KILL_STAGE_AT=$n run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
		if [[ $stderr != *"killing the stage at step $n "* ]]; then
			# past the last step: a plain create
			[ "$status" -eq 0 ]
			break
		fi
		if [ "$status" -eq 0 ]; then
			# before the stage started, or after the init was ready (it
			# died as a container's process may)
			rt delete --force "$ID"
		else
			[ "$status" -eq 1 ]
			stderr=$(grep -v RT_TEST_ONLY_KILL_STAGE_AT <<<"$stderr")
			one_line "$stderr"
			failed=$((failed + 1))
		fi
		no_residue
	done
	rt delete --force "$ID"
	no_residue
	[ "$failed" -ge 3 ]
}

# bats test_tags=rt-only
@test "faults: delete removes a state dir without state.json (a create killed before its first save), with or without -f" {
	mkdir -p -m 0700 "$ROOT/$ID"
	run --separate-stderr rt delete --force "$ID"
	[ "$status" -eq 0 ]
	[ ! -e "$ROOT/$ID" ]

	mkdir -m 0700 "$ROOT/$ID"
	touch "$ROOT/$ID/lock" "$ROOT/$ID/config.json"
	run --separate-stderr rt delete "$ID"
	assert_error
	assert_contains "$stderr" "does not exist"
	[ ! -e "$ROOT/$ID" ]
}

# bats test_tags=rt-only
@test "faults: create takes over a stale state dir of its id, but not one whose creator still holds the lock" {
	command -v flock >/dev/null || skip "needs flock(1)"
	mkdir -p -m 0700 "$ROOT/$ID"
	touch "$ROOT/$ID/lock"
	create_container
	[ "$(container_status "$ID")" = created ]
	rt delete --force "$ID"

	# A live creator: the lock is held, there is no state.json yet.
	mkdir -m 0700 "$ROOT/$ID"
	exec 9>"$ROOT/$ID/lock"
	flock 9
	run --separate-stderr rt_noio create --bundle "$BUNDLE" "$ID"
	exec 9>&-
	assert_error
	assert_contains "$stderr" "already exists"
	[ -e "$ROOT/$ID/lock" ]
	run --separate-stderr rt delete "$ID"
	[ "$status" -eq 1 ]
	[ ! -e "$ROOT/$ID" ]
}

# The faults as the issue found them, injected with strace(1) at a syscall
# (so that they show on any rt, with or without its test-only kill points).

# create_killed_at SYSCALLS PATH — rt create, SIGKILLed on entering the
# first of SYSCALLS that names PATH; expects it killed.
create_killed_at() {
	run strace -f -qq -o /dev/null -P "$2" -e trace="$1" -e inject="$1":signal=KILL \
		"$RT" --root "$ROOT" create --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 137 ]
}

# bats test_tags=rt-only
@test "faults: rt create killed while it makes the cgroup: delete -f removes every cgroup dir" {
	command -v strace >/dev/null || skip "needs strace"
	if [ ! -d "$CGROUP_ROOT/pids" ] || [ ! -d "$CGROUP_ROOT/unified" ]; then
		skip "needs a v1 pids hierarchy beside the unified one (made after it)"
	fi
	# pids is made after the unified hierarchy and most v1 ones
	create_killed_at mkdir,mkdirat "$CGROUP_ROOT/pids/rt/$ID"
	[ -d "$CGROUP_ROOT/unified/rt/$ID" ]
	rt delete --force "$ID"
	no_residue
}

# bats test_tags=rt-only
@test "faults: rt create killed during its first save of state.json: delete -f removes the dir, and the id is free again" {
	command -v strace >/dev/null || skip "needs strace"
	create_killed_at rename,renameat,renameat2 "$ROOT/$ID/state.json"
	[ -d "$ROOT/$ID" ]
	[ ! -e "$ROOT/$ID/state.json" ]
	run rt list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	rt delete --force "$ID"
	no_residue
	create_killed_at rename,renameat,renameat2 "$ROOT/$ID/state.json"
	create_container
	[ "$(container_status "$ID")" = created ]
}
