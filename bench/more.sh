# bench/more.sh — sourced by bench/run.sh after the `run` timings: `exec`
# into a running container (also under a default-like seccomp profile), 20
# parallel `run`s, the per-phase breakdown of
# `rt --debug run`, and (opt-in, BENCH_MANY) the cost of create / state /
# list / delete with 1,000 containers present.  It uses run.sh's helpers
# and variables (BIN, ACTIVE, order, STATE, WORK, BUNDLE, N, TMO, stats,
# ratio, new_id, drop_container, now_us, note).

EXEC_N=${BENCH_EXEC_N:-$N}
PAR=${BENCH_PAR:-20}
PAR_REPS=${BENCH_PAR_REPS:-3}
PHASE_N=${BENCH_PHASE_N:-10}
MANY=${BENCH_MANY:-0}
MANY_N=${BENCH_MANY_N:-20}
for v in EXEC_N PAR PAR_REPS PHASE_N MANY_N; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "BENCH_${v%_N}${v#*_N} must be a positive integer (got '${!v}')"
done
[[ $MANY =~ ^[0-9]+$ ]] || die "BENCH_MANY must be a number (got '$MANY')"

# timed ARGS... — run ARGS with the clock around it; REPLY = µs, returns its status.
timed() {
	local t0 rc=0
	now_us; t0=$REPLY
	"$@" </dev/null >"$OUT" 2>&1 || rc=$?
	now_us; REPLY=$((REPLY - t0))
	return $rc
}

# ---------------------------------------------------------------- exec
# A second bundle whose process sleeps, sharing the first one's rootfs.
SBUNDLE=$WORK/sbundle
mkdir -p "$SBUNDLE"
ln -sf busybox "$BUNDLE/rootfs/bin/sleep"
jq --arg r "$BUNDLE/rootfs" '.root.path = $r | .process.args = ["/bin/sleep", "1000000"]' \
	"$BUNDLE/config.json" >"$SBUNDLE/config.json" || die "editing the sleeper's config.json failed"

declare -A EXEC_ID=()
bench_exec() {
	local n id mode i j t
	for n in "${order[@]}"; do
		new_id "$n"; id=$REPLY
		mkdir "$STATE/$id"
		if timeout -k 5 "$TMO" "${BIN[$n]}" --root "$STATE/$id" run -d --bundle "$SBUNDLE" "$id" \
			</dev/null >"$OUT" 2>&1; then
			EXEC_ID[$n]=$id
			: >"$WORK/exec-$n"; : >"$WORK/execd-$n"
		else
			note "$n: run -d of the sleeper failed; exec not measured; output:"
			show_out
			drop_container "$n" "$id"
		fi
	done
	note "timing exec and exec -d of /bin/true: $EXEC_N iterations each ..."
	for ((i = 1; i <= EXEC_N; i++)); do
		for ((j = 0; j < ${#order[@]}; j++)); do
			n=${order[$(((i - 1 + j) % ${#order[@]}))]}
			id=${EXEC_ID[$n]:-}
			[ -n "$id" ] || continue
			for mode in exec execd; do
				if [ $mode = exec ]; then
					timed "${BIN[$n]}" --root "$STATE/$id" exec "$id" /bin/true || { NFAIL_X[$n]=1; continue; }
				else
					timed "${BIN[$n]}" --root "$STATE/$id" exec -d "$id" /bin/true || { NFAIL_X[$n]=1; continue; }
				fi
				echo "$REPLY" >>"$WORK/$mode-$n"
			done
		done
	done
	id=${EXEC_ID[rt]:-}
	if [ -n "$id" ]; then
		: >"$WORK/phases-exec"
		for ((i = 1; i <= PHASE_N; i++)); do
			"${BIN[rt]}" --root "$STATE/$id" --debug exec "$id" /bin/true </dev/null 2>&1 >/dev/null |
				phase_lines "$id" >>"$WORK/phases-exec"
		done
	fi
	for n in "${order[@]}"; do
		[ -n "${EXEC_ID[$n]:-}" ] && drop_container "$n" "${EXEC_ID[$n]}"
	done
	return 0
}

# ---------------------------------------------------------------- exec under seccomp
# exec into a sleeper with a profile shaped like Docker's and podman's
# defaults: every syscall the kernel headers name allowed (three
# architectures) but those the defaults refuse, the rest EPERM.  Each
# runtime compiles such a profile with libseccomp (~15-20 ms here); rt
# keeps the compiled program (ROOT/.seccomp).  Skipped without the headers.
SECCOMP_HDR=/usr/include/x86_64-linux-gnu/asm/unistd_64.h
SECCOMP_DENY='acct|add_key|bpf|clock_adjtime|clock_settime|create_module|delete_module|finit_module|get_kernel_syms|get_mempolicy|init_module|ioperm|iopl|kcmp|kexec_file_load|kexec_load|keyctl|lookup_dcookie|mbind|mount|move_pages|nfsservctl|open_by_handle_at|perf_event_open|personality|pivot_root|process_vm_readv|process_vm_writev|ptrace|query_module|quotactl|reboot|request_key|set_mempolicy|setns|settimeofday|stime|swapon|swapoff|sysfs|_sysctl|umount2|unshare|uselib|userfaultfd|ustat|vm86|vm86old'
SECCOMP_NAMES=0
bench_exec_seccomp() {
	local n id i j cbundle=$WORK/scbundle
	[ -r "$SECCOMP_HDR" ] || { note "no $SECCOMP_HDR: exec under seccomp not measured"; return 0; }
	mkdir -p "$cbundle"
	awk '$1 == "#define" && $2 ~ /^__NR_/ { sub("^__NR_", "", $2); print $2 }' "$SECCOMP_HDR" |
		grep -vxE "$SECCOMP_DENY" | jq -R . | jq -s '{defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1,
			architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
			syscalls: [{names: ., action: "SCMP_ACT_ALLOW"}]}' >"$WORK/profile.json" ||
		{ note "making the seccomp profile failed"; return 0; }
	SECCOMP_NAMES=$(jq '.syscalls[0].names | length' "$WORK/profile.json")
	jq --slurpfile p "$WORK/profile.json" '.linux.seccomp = $p[0]' "$SBUNDLE/config.json" >"$cbundle/config.json" ||
		{ note "editing the seccomp sleeper's config.json failed"; return 0; }
	declare -A SC_ID=()
	for n in "${order[@]}"; do
		new_id "$n"; id=$REPLY
		mkdir "$STATE/$id"
		if timeout -k 5 "$TMO" "${BIN[$n]}" --root "$STATE/$id" run -d --bundle "$cbundle" "$id" \
			</dev/null >"$OUT" 2>&1; then
			SC_ID[$n]=$id
			: >"$WORK/execsc-$n"
		else
			note "$n: run -d of the seccomp sleeper failed; not measured; output:"
			show_out
			drop_container "$n" "$id"
		fi
	done
	note "timing exec under seccomp: $EXEC_N iterations ..."
	for ((i = 1; i <= EXEC_N; i++)); do
		for ((j = 0; j < ${#order[@]}; j++)); do
			n=${order[$(((i - 1 + j) % ${#order[@]}))]}
			id=${SC_ID[$n]:-}
			[ -n "$id" ] || continue
			timed "${BIN[$n]}" --root "$STATE/$id" exec "$id" /bin/true && echo "$REPLY" >>"$WORK/execsc-$n"
		done
	done
	for n in "${order[@]}"; do
		[ -n "${SC_ID[$n]:-}" ] && drop_container "$n" "${SC_ID[$n]}"
	done
	return 0
}
report_exec_seccomp() {
	local n med p90 line=""
	declare -A SMED=()
	[ "$SECCOMP_NAMES" -gt 0 ] || return 0
	echo
	echo "exec of /bin/true under a default-like seccomp profile ($SECCOMP_NAMES syscalls allowed, 3 architectures; $EXEC_N each)"
	for n in "${order[@]}"; do
		read -r med p90 _ < <(stats "$WORK/execsc-$n" 2>/dev/null || echo "- - -")
		SMED[$n]=$med
		printf '  %-6s median %8s ms   p90 %8s ms\n' "$n" "$med" "$p90"
	done
	for n in runc crun; do line+="   rt/$n $(ratio "${SMED[rt]:-}" "${SMED[$n]:-}")"; done
	echo " $line"
}

# ---------------------------------------------------------------- parallel runs
# PAR `run`s started at once, each with its own --root; the wall time from the
# first start to the last exit.  PAR_REPS rounds, the runtimes taking turns.
bench_parallel() {
	local r j n k t0 fails ids
	note "timing $PAR parallel runs: $PAR_REPS rounds ..."
	for ((r = 1; r <= PAR_REPS; r++)); do
		for ((j = 0; j < ${#order[@]}; j++)); do
			n=${order[$(((r - 1 + j) % ${#order[@]}))]}
			ids=()
			for ((k = 0; k < PAR; k++)); do
				new_id "$n"; ids+=("$REPLY"); mkdir "$STATE/$REPLY"
			done
			now_us; t0=$REPLY
			for id in "${ids[@]}"; do
				"${BIN[$n]}" --root "$STATE/$id" run --bundle "$BUNDLE" "$id" </dev/null \
					>"$WORK/par-out-$id" 2>&1 || echo "$id" >>"$WORK/par-fail-$n" &
			done
			wait
			now_us
			echo $((REPLY - t0)) >>"$WORK/par-$n"
			for id in "${ids[@]}"; do drop_container "$n" "$id"; rm -f "$WORK/par-out-$id"; done
		done
	done
}

# ---------------------------------------------------------------- phases
# rt --debug ends each line with elapsed=T step=D: the time since rt started
# and since the line before.  The median step of each line over PHASE_N runs
# (lines matched by their position and text, with numbers as N).
# phase_lines ID: rt's --debug lines on stdin -> "line# <tab> text <tab> step"
phase_lines() {
	sed -nE 's/^time="[^"]*" level=debug msg="(.*)" elapsed=[0-9.]+ms step=([0-9.]+)ms$/\2\t\1/p' |
		awk -F'\t' -v id="$1" '{ m = $2; gsub(id, "ID", m); gsub(/[0-9]+/, "N", m); print NR "\t" substr(m, 1, 64) "\t" $1 }'
}
bench_phases() {
	local i id
	[ -n "${ACTIVE[rt]:-}" ] || return 0
	note "rt --debug run: $PHASE_N runs for the phase breakdown ..."
	: >"$WORK/phases-run"
	for ((i = 1; i <= PHASE_N; i++)); do
		new_id rt; id=$REPLY; mkdir "$STATE/$id"
		"${BIN[rt]}" --root "$STATE/$id" --debug run --bundle "$BUNDLE" "$id" </dev/null 2>&1 >/dev/null |
			phase_lines "$id" >>"$WORK/phases-run"
		drop_container rt "$id"
	done
}
report_phases() { # run|exec
	[ -s "$WORK/phases-$1" ] || return 0
	echo
	echo "rt --debug $1: median time of each step, since the line before ($PHASE_N runs)"
	sort -t$'\t' -k1,1n "$WORK/phases-$1" | awk -F'\t' '
		{ k = $1 "\t" $2; if (!(k in n)) order[++m] = k; v[k, ++n[k]] = $3 }
		END {
			for (i = 1; i <= m; i++) {
				k = order[i]; c = n[k]
				for (a = 1; a <= c; a++) x[a] = v[k, a]
				for (a = 1; a <= c; a++) for (b = a + 1; b <= c; b++) if (x[b] < x[a]) { t = x[a]; x[a] = x[b]; x[b] = t }
				med = (c % 2) ? x[(c + 1) / 2] : (x[c / 2] + x[c / 2 + 1]) / 2
				split(k, f, "\t")
				printf "  %7.2f ms  %s\n", med, f[2]
			}
		}'
}

# ---------------------------------------------------------------- many containers
# rt only: MANY_N times create / state / list / delete of one container in a
# root with no other container, and the same in a root holding MANY stopped
# containers (created and started with /bin/true; their state and cgroups stay
# until delete). The samples alternate, one in each root, once the MANY
# exist: measured one after the other, the rounds with none ran before the
# machine had made MANY containers and the rounds with MANY after, and that
# alone made create, state and delete look 1.25 to 1.3 times dearer.
MANY_ROOT=$WORK/many-root
NONE_ROOT=$WORK/none-root
many_sample() { # root tag
	local root=$1 tag=$2 id b=${BIN[rt]}
	new_id rt-m; id=$REPLY
	timed "$b" --root "$root" create --bundle "$BUNDLE" "$id" && echo "$REPLY" >>"$WORK/many-create-$tag"
	timed "$b" --root "$root" state "$id" && echo "$REPLY" >>"$WORK/many-state-$tag"
	timed "$b" --root "$root" list && echo "$REPLY" >>"$WORK/many-list-$tag"
	timed "$b" --root "$root" delete --force "$id" && echo "$REPLY" >>"$WORK/many-delete-$tag"
}
many_cleanup() {
	local id root
	for root in "$MANY_ROOT" "$NONE_ROOT"; do
		[ -d "$root" ] || continue
		for id in $("${BIN[rt]}" --root "$root" list -q 2>/dev/null); do
			timeout -k 5 "$TMO" "${BIN[rt]}" --root "$root" delete --force "$id" >/dev/null 2>&1
		done
		rm -rf --one-file-system "$root"
	done
}
bench_many() {
	local i id b=${BIN[rt]}
	[ "$MANY" -gt 0 ] && [ -n "${ACTIVE[rt]:-}" ] || return 0
	mkdir -p "$MANY_ROOT" "$NONE_ROOT"
	note "many containers: making $MANY stopped containers ..."
	for ((i = 1; i <= MANY; i++)); do
		new_id rt-m; id=$REPLY
		"$b" --root "$MANY_ROOT" create --bundle "$BUNDLE" "$id" </dev/null >"$OUT" 2>&1 &&
			"$b" --root "$MANY_ROOT" start "$id" </dev/null >"$OUT" 2>&1 ||
			{ note "making container $i failed; output:"; show_out; many_cleanup; return 0; }
		((i % 200 == 0)) && note "  $i/$MANY"
	done
	note "many containers: $MANY_N x create/state/list/delete with none and with $MANY present, alternating ..."
	for ((i = 1; i <= MANY_N; i++)); do
		many_sample "$NONE_ROOT" none
		many_sample "$MANY_ROOT" many
	done
	many_cleanup
}
report_many() {
	local op a b
	[ -s "$WORK/many-list-none" ] || return 0
	echo
	echo "rt with $MANY containers present vs none ($MANY_N samples each, medians)"
	printf '  %-7s %9s %9s %7s\n' op "none ms" "$MANY ms" ratio
	for op in create state list delete; do
		a=$(stats "$WORK/many-$op-none" | cut -d' ' -f1)
		b=$(stats "$WORK/many-$op-many" 2>/dev/null | cut -d' ' -f1)
		printf '  %-7s %9s %9s %7s\n' "$op" "$a" "$b" "$(ratio "$b" "$a")"
	done
}

# ---------------------------------------------------------------- report
report_more() {
	local n mode med p90 par
	declare -A EMED=() EDMED=() PMED=()
	echo
	echo "exec of /bin/true into a running container ($EXEC_N each), $PAR parallel runs (median of $PAR_REPS rounds), peak RSS of the create process"
	printf '%-6s %10s %10s %10s %10s %12s %12s\n' runtime "exec med" "exec p90" "exec -d" "exec -d p90" "$PAR x run" "create maxRSS"
	printf '%-6s %10s %10s %10s %10s %12s %12s\n' "" ms ms ms ms ms kB
	for n in "${order[@]}"; do
		read -r med p90 _ < <(stats "$WORK/exec-$n" 2>/dev/null || echo "- - -")
		EMED[$n]=$med
		read -r dmed dp90 _ < <(stats "$WORK/execd-$n" 2>/dev/null || echo "- - -")
		EDMED[$n]=$dmed
		par=$(stats "$WORK/par-$n" 2>/dev/null | cut -d' ' -f1)
		PMED[$n]=$par
		printf '%-6s %10s %10s %10s %10s %12s %12s\n' "$n" "$med" "$p90" "$dmed" "$dp90" "$par" "${CMAX[$n]:-n/a}"
		[ -s "$WORK/par-fail-$n" ] && note "$n: $(wc -l <"$WORK/par-fail-$n") parallel runs failed"
		[ -n "${NFAIL_X[$n]:-}" ] && note "$n: some execs failed (left out)"
	done
	echo
	for other in runc crun; do
		printf '%-9s exec %6s   exec -d %6s   %s x run %6s   create maxRSS %6s\n' "rt/$other" \
			"$(ratio "${EMED[rt]:-}" "${EMED[$other]:-}")" \
			"$(ratio "${EDMED[rt]:-}" "${EDMED[$other]:-}")" "$PAR" \
			"$(ratio "${PMED[rt]:-}" "${PMED[$other]:-}")" \
			"$(ratio "${CMAX[rt]:-}" "${CMAX[$other]:-}")"
	done
	report_exec_seccomp
	report_phases run
	report_phases exec
	report_many
}

declare -A NFAIL_X=()
if [ ${#order[@]} -gt 0 ]; then
	bench_exec
	bench_exec_seccomp
	bench_parallel
	bench_phases
	bench_many
fi
