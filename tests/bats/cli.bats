#!/usr/bin/env bats
# The rest of the command line: shell completion, man pages, `make install`,
# --log-format json lines for errors, warnings and debug messages, exit
# codes. (global.bats covers --root, --log with an error, --version, flag
# syntax; run.bats the exit status of the container's process.)

load helpers

# The commands a user sees (not help, not the hidden man).
COMMANDS="create start state kill delete run exec list spec plan features pause resume ps events update completion"

# assert_json_log FILE — every line of FILE is a JSON object with string
# level, msg and time (RFC 3339), as go-runc and conmon parse them.
assert_json_log() {
	local n=0 line
	[ -s "$1" ] || {
		echo "log $1 is empty" >&2
		return 1
	}
	while IFS= read -r line; do
		n=$((n + 1))
		jq -e 'type == "object" and (.level | type == "string") and (.msg | type == "string")
			and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"))' \
			<<<"$line" >/dev/null || {
			echo "log line $n is not a {level, msg, time} object: $line" >&2
			return 1
		}
	done <"$1"
}

# bats test_tags=rt-only
@test "cli: rt completion bash completes the commands and their flags" {
	run --separate-stderr "$RT" completion bash
	[ "$status" -eq 0 ]
	script=$BATS_TEST_TMPDIR/rt.bash
	echo "$output" >"$script"
	# The script is sourced as bash-completion would; without the
	# bash-completion package, a stand-in for the one helper it uses.
	# shellcheck disable=SC2016
	run bash -c '
		if [ -r /usr/share/bash-completion/bash_completion ]; then
			. /usr/share/bash-completion/bash_completion
		else
			_get_comp_words_by_ref() {
				while [[ $1 == -* ]]; do shift 2; done
				cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
				words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
			}
		fi
		. "$1"
		complete_line() {
			COMP_WORDS=("$@") COMP_CWORD=$(($# - 1)) COMP_LINE="$*" COMP_POINT=${#COMP_LINE}
			COMPREPLY=()
			__start_rt 2>/dev/null
			printf "%s\n" "${COMPREPLY[@]}"
		}
		complete_line "$2" ""
		echo ---
		complete_line "$2" run --bun
		echo ---
		complete_line "$2" --log-f
	' _ "$script" "$RT"
	[ "$status" -eq 0 ]
	cmds=$(echo "$output" | sed '/^---$/q')
	for c in $COMMANDS; do
		grep -qx "$c" <<<"$cmds" || {
			echo "rt <TAB> does not offer $c: $cmds" >&2
			false
		}
	done
	if grep -qx man <<<"$cmds"; then
		echo "the hidden man command is offered" >&2
		false
	fi
	assert_contains "$output" --bundle --log-format
}

# bats test_tags=rt-only
@test "cli: rt completion zsh and fish write their scripts" {
	run --separate-stderr "$RT" completion zsh
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "#compdef rt" ]]
	assert_contains "$output" "__complete"
	run --separate-stderr "$RT" completion fish
	[ "$status" -eq 0 ]
	assert_contains "$output" "complete -c rt" "__complete"
	# what the scripts call back: the commands and their descriptions
	run --separate-stderr "$RT" __complete ""
	[ "$status" -eq 0 ]
	for c in $COMMANDS; do
		grep -q "^$c	" <<<"$output" || {
			echo "__complete does not offer $c" >&2
			false
		}
	done
}

# bats test_tags=rt-only
@test "cli: make man writes a section 8 page for rt and every command" {
	command -v make >/dev/null || skip "no make"
	out=$BATS_TEST_TMPDIR/man
	before=$(ls -la --time-style=full-iso "$REPO_ROOT/man" 2>&1 || true)
	# -o rt: the binary under test, not a rebuild
	run make -s -C "$REPO_ROOT" -o rt man MANOUT="$out"
	[ "$status" -eq 0 ]
	[ -s "$out/rt.8" ]
	[ -s "$out/rt-run.8" ]
	for c in $COMMANDS; do
		[ -s "$out/rt-$c.8" ] || {
			echo "no page rt-$c.8 in: $(ls "$out")" >&2
			false
		}
	done
	[ ! -e "$out/rt-man.8" ]
	[ ! -e "$out/rt-help.8" ]
	grep -q '^\.TH "RT" "8"' "$out/rt-run.8"
	grep -q -- 'bundle' "$out/rt-run.8"
	# the main page lists the commands
	grep -q 'rt-run(8)' "$out/rt.8"
	# the tree's man directory stays as it was
	assert_eq "$(ls -la --time-style=full-iso "$REPO_ROOT/man" 2>&1 || true)" "$before" "$REPO_ROOT/man"
	if command -v man >/dev/null && command -v groff >/dev/null; then
		run man -l "$out/rt-run.8"
		[ "$status" -eq 0 ]
		assert_contains "$output" "rt run"
	fi
}

# bats test_tags=rt-only
@test "cli: make install DESTDIR PREFIX installs rt, its man pages and completions" {
	command -v make >/dev/null || skip "no make"
	dest=$BATS_TEST_TMPDIR/dest
	run make -s -C "$REPO_ROOT" -o rt install DESTDIR="$dest" PREFIX=/usr MANOUT="$BATS_TEST_TMPDIR/man"
	[ "$status" -eq 0 ]
	[ -x "$dest/usr/bin/rt" ]
	cmp "$dest/usr/bin/rt" "$RT"
	run "$dest/usr/bin/rt" --version
	[ "$status" -eq 0 ]
	[ -s "$dest/usr/share/man/man8/rt.8" ]
	[ -s "$dest/usr/share/man/man8/rt-run.8" ]
	[ -s "$dest/usr/share/man/man8/rt-features.8" ]
	[ "$(stat -c %a "$dest/usr/share/man/man8/rt.8")" = 644 ]
	grep -q __start_rt "$dest/usr/share/bash-completion/completions/rt"
	grep -q '^#compdef rt' "$dest/usr/share/zsh/site-functions/_rt"
	grep -q 'complete -c rt' "$dest/usr/share/fish/vendor_completions.d/rt.fish"
	# nothing outside DESTDIR's usr
	assert_eq "$(ls "$dest")" usr "DESTDIR's content"
}

# runc logs no warning for it.
# bats test_tags=rt-only
@test "cli: --log-format json: a warning is a JSON line with level warning" {
	log=$BATS_TEST_TMPDIR/log.json
	# an ambient capability that is not inheritable is skipped with a warning
	update_config '.process.user = {uid: 1000, gid: 1000}
		| .process.capabilities = {bounding: ["CAP_KILL"], effective: ["CAP_KILL"],
			permitted: ["CAP_KILL"], inheritable: [], ambient: ["CAP_KILL"]}'
	set_sh 'grep ^CapAmb: /proc/self/status | cut -f2'
	run --separate-stderr "$RT" --root "$ROOT" --log "$log" --log-format json run --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 0 ]
	assert_eq "$output" 0000000000000000 "CapAmb"
	assert_json_log "$log"
	warn=$(jq -r 'select(.level == "warning") | .msg' "$log")
	assert_contains "$warn" ambient CAP_KILL
	# a warning is not an error: nothing for go-runc to report
	[ -z "$(jq -r 'select(.level == "error") | .msg' "$log")" ]
	# and with --log only there, as runc (containerd's shim gives rt the
	# container's stderr)
	assert_eq "$stderr" "" "stderr"
}

@test "cli: --log-format json: an error in run, create and start is the last error line" {
	log=$BATS_TEST_TMPDIR/log.json
	set_cmd /no/such/binary
	run --separate-stderr "$RT" --root "$ROOT" --log "$log" --log-format json run --bundle "$BUNDLE" "$ID" </dev/null
	assert_error
	assert_json_log "$log"
	last=$(jq -r 'select(.level == "error") | .msg' "$log" | tail -n1)
	assert_contains "$last" /no/such/binary
	# stderr says the same thing
	assert_contains "$stderr" "$last"
	: >"$log"
	run --separate-stderr "$RT" --root "$ROOT" --log "$log" --log-format json start "$ID"
	assert_error
	assert_json_log "$log"
	assert_contains "$(jq -r 'select(.level == "error") | .msg' "$log" | tail -n1)" "does not exist"
}

# bats test_tags=rt-only
@test "cli: --debug --log-format json: debug lines are JSON lines with level debug" {
	log=$BATS_TEST_TMPDIR/log.json
	run --separate-stderr "$RT" --root "$ROOT" --debug --log "$log" --log-format json features
	[ "$status" -eq 0 ]
	echo "$output" | jq -e .ociVersionMax >/dev/null
	assert_json_log "$log"
	[ "$(jq -r 'select(.level == "debug") | .msg' "$log" | wc -l)" -ge 1 ]
	# a debug line is no error
	[ -z "$(jq -r 'select(.level == "error") | .msg' "$log")" ]
	# without --debug there are none
	: >"$log"
	run --separate-stderr "$RT" --root "$ROOT" --log "$log" --log-format json features
	[ "$status" -eq 0 ]
	[ -z "$(jq -r 'select(.level == "debug") | .msg' "$log" 2>/dev/null)" ]
	# --debug through a whole container life keeps every line JSON
	: >"$log"
	set_cmd true
	run --separate-stderr "$RT" --root "$ROOT" --debug --log "$log" --log-format json run --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 0 ]
	[ ! -s "$log" ] || assert_json_log "$log"
}

# bats test_tags=rt-only
@test "cli: --log-format text lines are time= level= msg=; other formats are refused" {
	log=$BATS_TEST_TMPDIR/log.txt
	run "$RT" --root "$ROOT" --log "$log" state no-such-ctr
	assert_eq "$status" 1
	grep -qE '^time="[^"]+" level=error msg=".*does not exist.*"$' "$log"
	run --separate-stderr "$RT" --root "$ROOT" --log-format yaml list
	assert_error
	assert_contains "$stderr" yaml
}

@test "cli: exit codes: rt's own errors exit 1, a missing argument too" {
	for args in "start" "kill" "delete" "state" "create" "exec" "run --bundle /nonexistent $ID" \
		"pause no-such-ctr" "events no-such-ctr" "ps no-such-ctr" "update no-such-ctr"; do
		# shellcheck disable=SC2086
		run --separate-stderr rt $args </dev/null
		if [ "$status" -ne 1 ] || [ -z "$stderr" ]; then
			echo "rt $args: status $status (want 1), stderr <<$stderr>>" >&2
			false
		fi
	done
}

@test "cli: exit codes: run exits with the process's status; only rt's own failure logs an error" {
	log=$BATS_TEST_TMPDIR/log.json
	set_sh 'exit 1'
	run --separate-stderr "$RT" --root "$ROOT" --log "$log" --log-format json run --bundle "$BUNDLE" "$ID" </dev/null
	assert_eq "$status" 1 "status of a process that exits 1"
	# the process failed, not rt: no error line, nothing on stderr from rt
	[ -z "$(jq -r 'select(.level == "error") | .msg' "$log" 2>/dev/null)" ]
	assert_not_contains "$stderr" "rt:"
	id2=$(new_id)
	set_sh 'exit 0'
	run "$RT" --root "$ROOT" --log "$log" --log-format json run --bundle "$BUNDLE" "$id2" </dev/null
	assert_eq "$status" 0 "status of a process that exits 0"
	[ -z "$(jq -r 'select(.level == "error") | .msg' "$log" 2>/dev/null)" ]
}
