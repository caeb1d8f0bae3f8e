#!/usr/bin/env bats
# Global flags: --root, --log with --log-format json, --version, flag syntax.

load helpers

@test "global: --root DIR holds the container's state" {
	other=$BATS_TEST_TMPDIR/other-root
	defer "$RT" --root "$other" delete -f "$ID"
	set_cmd sleep 1000
	"$RT" --root "$other" create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" || {
		cat "$BATS_TEST_TMPDIR/err"
		false
	}
	[ -d "$other/$ID" ]
	run "$RT" --root "$other" list -q
	assert_eq "$output" "$ID" "list in --root"
	run "$RT" --root "$other" state "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(echo "$output" | jq -r .status)" created
	# not visible from another root
	run rt list -q
	assert_eq "$output" "" "list in another root"
	run --separate-stderr rt state "$ID"
	assert_error
	assert_contains "$stderr" "does not exist"
	run "$RT" --root "$other" delete -f "$ID"
	[ "$status" -eq 0 ]
	[ ! -e "$other/$ID" ]
}

@test "global: --root=DIR and --root DIR are the same" {
	set_cmd sleep 1000
	create_container
	run "$RT" --root="$ROOT" list -q
	[ "$status" -eq 0 ]
	assert_eq "$output" "$ID" "--root=DIR"
	run "$RT" --root "$ROOT" list -q
	assert_eq "$output" "$ID" "--root DIR"
}

@test "global: subcommand flags as --flag=value and --flag value" {
	set_cmd sleep 1000
	rt create --bundle="$BUNDLE" --pid-file="$BATS_TEST_TMPDIR/p1" "$ID" </dev/null >/dev/null 2>&1
	[ -s "$BATS_TEST_TMPDIR/p1" ]
	id2=$(new_id)
	rt create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/p2" "$id2" </dev/null >/dev/null 2>&1
	[ -s "$BATS_TEST_TMPDIR/p2" ]
	id3=$(new_id)
	rt create -b "$BUNDLE" "$id3" </dev/null >/dev/null 2>&1
	run rt list --format=json
	assert_eq "$(echo "$output" | jq length)" 3 "list --format=json"
	run rt list --format json
	assert_eq "$(echo "$output" | jq length)" 3 "list --format json"
	run rt list -f json
	assert_eq "$(echo "$output" | jq length)" 3 "list -f json"
}

@test "global: --log FILE --log-format json writes an error line as JSON" {
	log=$BATS_TEST_TMPDIR/log.json
	run "$RT" --root "$ROOT" --log "$log" --log-format json state no-such-ctr
	assert_eq "$status" 1 "exit status"
	[ -s "$log" ]
	# every line is a JSON object with level, msg, time
	while read -r line; do
		echo "$line" | jq -e 'type == "object" and has("level") and has("msg") and has("time")' >/dev/null || {
			echo "bad log line: $line" >&2
			false
		}
	done <"$log"
	last=$(jq -c 'select(.level == "error")' "$log" | tail -n1)
	[ -n "$last" ]
	assert_contains "$(echo "$last" | jq -r .msg)" "does not exist"
}

@test "global: --log-format=json with a create error names the problem" {
	log=$BATS_TEST_TMPDIR/log.json
	rm -rf "$BUNDLE/rootfs"
	run "$RT" --root="$ROOT" --log="$log" --log-format=json create --bundle "$BUNDLE" "$ID" </dev/null
	assert_eq "$status" 1 "exit status"
	last=$(jq -c 'select(.level == "error")' "$log" | tail -n1)
	assert_contains "$(echo "$last" | jq -r .msg)" "$BUNDLE/rootfs"
}

@test "global: --log appends and does not truncate" {
	log=$BATS_TEST_TMPDIR/log.json
	echo '{"level":"info","msg":"earlier line","time":"2020-01-01T00:00:00Z"}' >"$log"
	run "$RT" --root "$ROOT" --log "$log" --log-format json state no-such-ctr
	assert_eq "$status" 1
	assert_eq "$(head -n1 "$log" | jq -r .msg)" "earlier line" "first line kept"
	[ "$(wc -l <"$log")" -ge 2 ]
}

@test "global: --version prints version, commit: and spec: lines" {
	run "$RT" --version
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == *" version "* ]]
	printf '%s\n' "${lines[@]}" | grep -qE '^commit: .+'
	printf '%s\n' "${lines[@]}" | grep -qE '^spec: [0-9]+\.[0-9]+\.[0-9]+'
	v=$output
	run "$RT" -v
	[ "$status" -eq 0 ]
	assert_eq "$output" "$v" "-v output"
}

# bats test_tags=rt-only
@test "global: --version first line is 'rt version X'" {
	run "$RT" --version
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^rt\ version\ [0-9]+\.[0-9]+\.[0-9]+ ]]
	# the spec version rt implements
	printf '%s\n' "${lines[@]}" | grep -qE '^spec: 1\.[0-9]+\.[0-9]+'
}

# bats test_tags=rt-only
@test "global: long flags with a single dash (-root DIR)" {
	set_cmd sleep 1000
	create_container
	run "$RT" -root "$ROOT" list -q
	[ "$status" -eq 0 ]
	assert_eq "$output" "$ID" "-root DIR"
	run "$RT" -root="$ROOT" state "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(echo "$output" | jq -r .id)" "$ID" "-root=DIR"
	run "$RT" -root "$ROOT" -log "$BATS_TEST_TMPDIR/l" -log-format json state no-such-ctr
	assert_eq "$status" 1
	jq -e 'select(.level == "error")' "$BATS_TEST_TMPDIR/l" >/dev/null
}

@test "global: an unknown flag is an error" {
	run --separate-stderr "$RT" --root "$ROOT" --no-such-flag list
	assert_eq "$status" 1 "exit status, global flag"
	assert_contains "$stderr" no-such-flag
	run --separate-stderr rt list --no-such-flag
	assert_eq "$status" 1 "exit status, list flag"
	assert_contains "$stderr" no-such-flag
}

# runc exits 3 for an unknown command.
# bats test_tags=rt-only
@test "global: an unknown command is an error with status 1" {
	run --separate-stderr rt no-such-command
	assert_eq "$status" 1 "exit status"
	assert_contains "$stderr" no-such-command
}

@test "global: --help lists the commands" {
	run "$RT" --help
	[ "$status" -eq 0 ]
	for c in create start state kill delete run list spec exec; do
		echo "$output" | grep -qw "$c" || {
			echo "command $c not in --help" >&2
			false
		}
	done
}

@test "global: --debug is accepted" {
	run "$RT" --root "$ROOT" --debug list -q
	[ "$status" -eq 0 ]
}
