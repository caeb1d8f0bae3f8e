#!/usr/bin/env bats
# list: table, -q, --format json.

load helpers

# Three containers: created, running, stopped.
make_three() {
	ID_CREATED=$(new_id)
	ID_RUNNING=$(new_id)
	ID_STOPPED=$(new_id)
	set_cmd sleep 1000
	create_container "$ID_CREATED"
	start_container "$ID_RUNNING"
	set_cmd true
	start_container "$ID_STOPPED"
	wait_for_status "$ID_RUNNING" running
	wait_for_status "$ID_STOPPED" stopped
}

@test "list: table header has the columns ID PID STATUS BUNDLE CREATED OWNER" {
	run rt list
	[ "$status" -eq 0 ]
	assert_eq "$(echo "${lines[0]}" | awk '{$1=$1; print}')" "ID PID STATUS BUNDLE CREATED OWNER" header
	assert_eq "${#lines[@]}" 1 "lines with no containers"
}

@test "list: a row per container with its pid, status, bundle, created time and owner" {
	make_three
	run rt list
	[ "$status" -eq 0 ]
	assert_eq "${#lines[@]}" 4 "lines (header + 3)"
	for id in "$ID_CREATED" "$ID_RUNNING" "$ID_STOPPED"; do
		row=$(printf '%s\n' "${lines[@]:1}" | awk -v id="$id" '$1 == id')
		[ -n "$row" ] || {
			echo "no row for $id" >&2
			false
		}
		read -r rid rpid rstatus rbundle rcreated rowner <<<"$row"
		assert_eq "$rstatus" "$(container_status "$id")" "status of $id"
		assert_eq "$rbundle" "$BUNDLE" "bundle of $id"
		assert_eq "$rowner" root "owner of $id"
		date -d "$rcreated" >/dev/null # a parseable time
		if [ "$rstatus" != stopped ]; then
			assert_eq "$rpid" "$(container_pid "$id")" "pid of $id"
		fi
	done
	assert_eq "$(container_status "$ID_CREATED")" created
	assert_eq "$(container_status "$ID_RUNNING")" running
	assert_eq "$(container_status "$ID_STOPPED")" stopped
}

@test "list: -q prints only the ids" {
	run rt list -q
	[ "$status" -eq 0 ]
	assert_eq "$output" "" "no containers"
	make_three
	run rt list -q
	[ "$status" -eq 0 ]
	assert_eq "$(printf '%s\n' "${lines[@]}" | sort)" \
		"$(printf '%s\n' "$ID_CREATED" "$ID_RUNNING" "$ID_STOPPED" | sort)" ids
	run rt list --quiet
	assert_eq "${#lines[@]}" 3 "--quiet lines"
}

@test "list: --format json is an array of objects with id, pid, status, bundle" {
	run rt list --format json
	[ "$status" -eq 0 ]
	assert_eq "$(echo "$output" | jq 'length')" 0 "entries with no containers"
	make_three
	run rt list --format json
	[ "$status" -eq 0 ]
	assert_eq "$(echo "$output" | jq -r 'type')" array type
	assert_eq "$(echo "$output" | jq 'length')" 3 entries
	for id in "$ID_CREATED" "$ID_RUNNING" "$ID_STOPPED"; do
		obj=$(echo "$output" | jq -c --arg id "$id" '.[] | select(.id == $id)')
		[ -n "$obj" ]
		assert_eq "$(echo "$obj" | jq -r .status)" "$(container_status "$id")" "status of $id"
		assert_eq "$(echo "$obj" | jq -r .bundle)" "$BUNDLE" "bundle of $id"
		echo "$obj" | jq -e '.pid | type == "number"' >/dev/null
		echo "$obj" | jq -e '.created | type == "string"' >/dev/null
	done
	assert_eq "$(echo "$output" | jq --arg id "$ID_RUNNING" '.[] | select(.id == $id) | .pid')" \
		"$(container_pid "$ID_RUNNING")" "pid of the running one"
	assert_eq "$(echo "$output" | jq --arg id "$ID_CREATED" '.[] | select(.id == $id) | .pid')" \
		"$(container_pid "$ID_CREATED")" "pid of the created one"
	# the short flag
	run rt list -f json
	assert_eq "$(echo "$output" | jq 'length')" 3 "entries with -f json"
}

@test "list: containers of another --root are not listed" {
	set_cmd sleep 1000
	create_container
	other=$BATS_TEST_TMPDIR/other-root
	mkdir -m 0700 "$other" # a missing --root is an error (parity_cli.bats)
	run "$RT" --root "$other" list -q
	[ "$status" -eq 0 ]
	assert_eq "$output" "" "list of another root"
	run rt list -q
	assert_eq "$output" "$ID"
}
