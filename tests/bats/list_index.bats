#!/usr/bin/env bats
# list's index (ROOT/.index): list shows what the state files say, whatever
# the index holds, and keeps the index whole.

load helpers

MAGIC="rt list index v1"

# list_row ID — the table row of ID, its cells separated by one space.
list_row() {
	rt list | awk -v id="$1" '$1 == id {$1=$1; print}'
}

# index_magic — the first line of the index.
index_magic() {
	head -n 1 "$ROOT/.index"
}

# stopped ID — create and start ID running true; wait until it is stopped.
stopped() {
	set_cmd true
	start_container "$1"
	wait_for_status "$1" stopped
}

@test "list index: a stopped container's row and json are its state's, from the index" {
	stopped "$ID"
	[ -s "$ROOT/.index" ]
	assert_eq "$(index_magic)" "$MAGIC" "index magic"
	run rt list --format json
	[ "$status" -eq 0 ]
	listed=$(echo "$output" | jq -cS --arg id "$ID" '.[] | select(.id == $id)')
	state=$(rt state "$ID" | jq -cS .)
	assert_eq "$listed" "$state" "list --format json entry"
	pid=$(container_pid "$ID")
	assert_eq "$(list_row "$ID" | cut -d' ' -f1-4)" "$ID $pid stopped $BUNDLE" "row"
}

@test "list index: delete then create of the same id shows the new container" {
	stopped "$ID"
	[ -s "$ROOT/.index" ]
	old_pid=$(container_pid "$ID")
	rt delete "$ID"
	BUNDLE2=$BATS_TEST_TMPDIR/bundle2
	cp -a "$BUNDLE" "$BUNDLE2"
	set_cmd sleep 1000
	BUNDLE=$BUNDLE2 create_container "$ID"
	pid=$(container_pid "$ID")
	[ "$pid" != "$old_pid" ]
	assert_eq "$(list_row "$ID" | cut -d' ' -f1-4)" "$ID $pid created $BUNDLE2" "row after re-create"
	rt delete --force "$ID"
	BUNDLE=$BUNDLE2 stopped "$ID"
	pid=$(container_pid "$ID")
	assert_eq "$(list_row "$ID" | cut -d' ' -f1-4)" "$ID $pid stopped $BUNDLE2" "row after the second re-create"
}

@test "list index: a garbage, truncated or foreign index is ignored and rebuilt" {
	ID2=$(new_id)
	stopped "$ID"
	stopped "$ID2"
	want=$(rt list)
	for junk in garbage truncated foreign; do
		case $junk in
		garbage) head -c 4096 /dev/urandom >"$ROOT/.index" ;;
		truncated) truncate -s -5 "$ROOT/.index" ;;
		foreign) printf 'rt list index v0\n' >"$ROOT/.index" ;;
		esac
		run rt list
		[ "$status" -eq 0 ]
		assert_eq "$output" "$want" "list with a $junk index"
		assert_eq "$(index_magic)" "$MAGIC" "index rebuilt after the $junk one"
	done
	rm "$ROOT/.index"
	run rt list
	[ "$status" -eq 0 ]
	assert_eq "$output" "$want" "list with no index"
	[ -s "$ROOT/.index" ]
}

@test "list index: a deleted container leaves no row, and the index no record of it" {
	ID2=$(new_id)
	stopped "$ID"
	stopped "$ID2"
	rt delete "$ID"
	run rt list -q
	[ "$status" -eq 0 ]
	assert_eq "$output" "$ID2" "ids after delete"
	run rt list --format json
	[ "$status" -eq 0 ]
	assert_eq "$(echo "$output" | jq -r '.[].id')" "$ID2" "json ids after delete"
	# The dir is gone, so nothing could use a record; a rebuilt index
	# (after a corrupt one) names only the container left.
	printf 'junk' >>"$ROOT/.index"
	rt list >/dev/null
	assert_eq "$(index_magic)" "$MAGIC" "index rebuilt"
	run grep -c -a -F "$ID" "$ROOT/.index"
	assert_eq "$output" 0 "records of the deleted container in the rebuilt index"
	run grep -c -a -F "$ID2" "$ROOT/.index"
	assert_eq "$output" 1 "records of the container left"
}

@test "list index: a dir made again for the same id is read from its state, not the old record" {
	stopped "$ID"
	[ -s "$ROOT/.index" ]
	cp "$ROOT/$ID/state.json" "$BATS_TEST_TMPDIR/state.saved"
	rt delete "$ID"
	# What a create of the same id leaves while it runs: the dir (it may
	# get the old one's inode back) and a state that says creating.
	mkdir -m 0700 "$ROOT/$ID"
	defer rm -rf "$ROOT/$ID"
	jq -c '.creating = true | .pid = 0' "$BATS_TEST_TMPDIR/state.saved" >"$ROOT/$ID/state.json"
	run rt list
	[ "$status" -eq 0 ]
	assert_eq "$(list_row "$ID" | cut -d' ' -f1-3)" "$ID 0 creating" "row of a container being created"
}
