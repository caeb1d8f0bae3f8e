#!/usr/bin/env bats
# features (features.md, features-linux.md): the structure, and each list
# checked against what the runtime actually does with a container: every
# mount option, capability, namespace and hook it lists works, and what the
# spec knows but it does not list is refused.

load helpers

# rt only: runc 1.1's features lists what it then fails (the mount option
# defaults on a tmpfs, seccomp archs of the other byte order) and leaves out
# the time namespace.
# bats file_tags=rt-only

# Every mount option the runtime-spec names: features.md's list and
# config.md's idmap options.
SPEC_MOUNT_OPTIONS="acl async atime bind defaults dev diratime dirsync exec iversion lazytime loud
mand noacl noatime nodev nodiratime noexec noiversion nolazytime nomand norelatime nostrictatime
nosuid nosymfollow private ratime rbind rdev rdiratime relatime remount rexec rnoatime rnodev
rnodiratime rnoexec rnorelatime rnostrictatime rnosuid rnosymfollow ro rprivate rrelatime rro rrw
rshared rslave rstrictatime rsuid rsymfollow runbindable rw shared silent slave strictatime suid
symfollow sync tmpcopyup unbindable idmap ridmap"

# The capabilities by number (linux/capability.h).
CAP_BITS=(CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID CAP_KILL CAP_SETGID
	CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE CAP_NET_BIND_SERVICE CAP_NET_BROADCAST CAP_NET_ADMIN
	CAP_NET_RAW CAP_IPC_LOCK CAP_IPC_OWNER CAP_SYS_MODULE CAP_SYS_RAWIO CAP_SYS_CHROOT CAP_SYS_PTRACE
	CAP_SYS_PACCT CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_NICE CAP_SYS_RESOURCE CAP_SYS_TIME
	CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE CAP_AUDIT_WRITE CAP_AUDIT_CONTROL CAP_SETFCAP
	CAP_MAC_OVERRIDE CAP_MAC_ADMIN CAP_SYSLOG CAP_WAKE_ALARM CAP_BLOCK_SUSPEND CAP_AUDIT_READ
	CAP_PERFMON CAP_BPF CAP_CHECKPOINT_RESTORE)

setup() {
	setup_bundle
	FEATURES=$BATS_TEST_TMPDIR/features.json
	"$RT" features >"$FEATURES"
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.orig"
}

# features_list JQPATH — the strings of a list of the features structure.
features_list() {
	jq -r "$1 // [] | .[]" "$FEATURES"
}

# fresh_config — the bundle's config as setup made it.
fresh_config() {
	cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
}

# run_fresh — rt run of the bundle with a new id; output and status in
# RUN_OUT and RUN_STATUS (stdout and stderr together).
run_fresh() {
	local id
	id=$(new_id)
	RUN_STATUS=0
	RUN_OUT=$(rt run --bundle "$BUNDLE" "$id" </dev/null 2>&1) || RUN_STATUS=$?
}

@test "features: a features.md structure: versions, only the spec's properties" {
	run "$RT" features
	[ "$status" -eq 0 ]
	echo "$output" | jq -e 'type == "object"' >/dev/null
	spec=$("$RT" --version | sed -n 's/^spec: //p')
	assert_eq "$(jq -r .ociVersionMin "$FEATURES")" 1.0.0 ociVersionMin
	if [ -n "$spec" ]; then
		assert_eq "$(jq -r .ociVersionMax "$FEATURES")" "$spec" "ociVersionMax (rt --version's spec)"
	fi
	# features.md: no property outside this version's structure
	jq -e '(keys - ["ociVersionMin", "ociVersionMax", "hooks", "mountOptions", "linux",
			"annotations", "potentiallyUnsafeConfigAnnotations"]) == []' "$FEATURES" >/dev/null
	jq -e '(.linux | keys - ["namespaces", "capabilities", "cgroup", "seccomp", "apparmor", "selinux",
			"intelRdt", "memoryPolicy", "mountExtensions", "netDevices"]) == []' "$FEATURES" >/dev/null
	jq -e '(.linux.seccomp | keys - ["enabled", "actions", "operators", "archs", "knownFlags",
			"supportedFlags"]) == []' "$FEATURES" >/dev/null
	# supportedFlags is a subset of knownFlags
	jq -e '(.linux.seccomp.supportedFlags // []) - (.linux.seccomp.knownFlags // []) == []' "$FEATURES" >/dev/null
	# the spec's versions are accepted as ociVersion
	for v in "$(jq -r .ociVersionMin "$FEATURES")" "$(jq -r .ociVersionMax "$FEATURES")"; do
		fresh_config
		update_config '.ociVersion = $v' --arg v "$v"
		set_cmd true
		run_fresh
		assert_eq "$RUN_STATUS" 0 "run with ociVersion $v: $RUN_OUT"
	done
}

@test "features: rt's annotations; the cgroup, seccomp, intelRdt, netDevices and idmap claims" {
	assert_eq "$(jq -r '.annotations["io.github.rt-runtime.rt.version"]' "$FEATURES")" \
		"$("$RT" --version | sed -n 's/^rt version //p')" "version annotation"
	jq -e '.annotations["io.github.rt-runtime.rt.commit"] | length > 0' "$FEATURES" >/dev/null
	jq -e '.annotations["io.github.seccomp.libseccomp.version"] | test("^[0-9]+\\.[0-9]+\\.[0-9]+$")' "$FEATURES" >/dev/null
	jq -e '.linux.cgroup | del(.systemd, .systemdUser) == {v1: true, v2: true, rdma: true}' "$FEATURES" >/dev/null
	# systemd is claimed where it answers: where it runs as init (sd_booted's test)
	local booted=false
	if [ -d /run/systemd/system ]; then booted=true; fi
	assert_eq "$(jq -r .linux.cgroup.systemd "$FEATURES")" "$booted" "systemd claim"
	jq -e '.linux.cgroup.systemdUser | type == "boolean"' "$FEATURES" >/dev/null
	jq -e '.linux.seccomp.enabled == true' "$FEATURES" >/dev/null
	# not implemented, and said so (item 14 of issue 10 refuses the fields)
	jq -e '.linux.intelRdt.enabled == false' "$FEATURES" >/dev/null
	jq -e '.linux.netDevices.enabled == false' "$FEATURES" >/dev/null
	# linux.memoryPolicy is implemented: every mode and flag of the spec (issue 11 item 8)
	jq -e '.linux.memoryPolicy.modes | length == 7' "$FEATURES" >/dev/null
	jq -e '.linux.memoryPolicy.flags | length == 3' "$FEATURES" >/dev/null
	jq -e '.linux.mountExtensions.idmap.enabled == true' "$FEATURES" >/dev/null
	# where systemd does not answer, systemd cgroups are refused, as features says
	if [ "$booted" = false ]; then
		run --separate-stderr rt --systemd-cgroup create --bundle "$BUNDLE" "$ID"
		assert_error
	fi
}

# features-linux.md: apparmor.enabled and selinux.enabled say whether the
# runtime supports them, whatever the host runs (runc says true). rt does:
# on a kernel that runs the LSM, each label is in the plan; on one that
# does not, asking for it is an error naming the field.
@test "features: AppArmor and SELinux are supported, and each label is applied" {
	jq -e '.linux.apparmor.enabled == true and .linux.selinux.enabled == true' "$FEATURES" >/dev/null
	update_config '.process.apparmorProfile = "rt-test-profile"
		| .process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"
		| .linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
	run with_lsms capability,apparmor,selinux "$RT" --root "$ROOT" plan --bundle "$BUNDLE"
	[ "$status" -eq 0 ]
	grep -F '/proc/self/attr/apparmor/exec' <<<"$output" | grep -F 'exec rt-test-profile' | grep -q '# /process/apparmorProfile'
	grep -F '/proc/self/attr/exec' <<<"$output" | grep -F 'system_u:system_r:container_t:s0:c1,c2' | grep -q '# /process/selinuxLabel'
	grep -F ' on /dev type "tmpfs"' <<<"$output" | grep -qF 'context=\"system_u:object_r:container_file_t:s0:c1,c2\"'
	# without the LSMs: each field refused by name
	for f in apparmorProfile selinuxLabel mountLabel; do
		fresh_config
		case $f in
		apparmorProfile) update_config '.process.apparmorProfile = "rt-test-profile"' ;;
		selinuxLabel) update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0"' ;;
		mountLabel) update_config '.linux.mountLabel = "system_u:object_r:container_file_t:s0"' ;;
		esac
		run --separate-stderr with_lsms capability "$RT" --root "$ROOT" plan --bundle "$BUNDLE"
		assert_error
		assert_contains "$stderr" "/$f"
	done
}

@test "features: every listed mount option works in a container's mount" {
	local failed=() o src
	src=$BATS_TEST_TMPDIR/bindsrc
	mkdir -p "$src"
	echo from-host >"$src/file"
	[ -n "$(features_list .mountOptions)" ]
	for o in $(features_list .mountOptions); do
		fresh_config
		case $o in
		bind | rbind) add_mount /mnt/feat bind "$src" "$o" ;;
		# an idmapped bind mount takes the mount's own mappings
		idmap | ridmap)
			add_mount /mnt/feat bind "$src" rbind "$o"
			update_config '.mounts[-1] += {uidMappings: [{containerID: 0, hostID: 100000, size: 65536}],
				gidMappings: [{containerID: 0, hostID: 100000, size: 65536}]}'
			;;
		# a remount changes the flags of the mount at the destination
		remount)
			add_mount /mnt/feat tmpfs tmpfs
			add_mount /mnt/feat tmpfs tmpfs remount
			;;
		*) add_mount /mnt/feat tmpfs tmpfs "$o" ;;
		esac
		set_sh 'grep -q " /mnt/feat " /proc/self/mountinfo || { echo "no mount at /mnt/feat"; exit 9; }'
		run_fresh
		if [ "$RUN_STATUS" -ne 0 ]; then
			failed+=("$o: status $RUN_STATUS: $RUN_OUT")
		fi
	done
	if [ ${#failed[@]} -gt 0 ]; then
		printf 'listed but not working: %s\n' "${failed[@]}" >&2
		false
	fi
}

# The options whose effect mountinfo shows, on a new tmpfs: per-mount
# flags (field 6) and superblock flags (the super options).
@test "features: listed mount options take effect (mountinfo)" {
	local o want failed=() listed
	listed=" $(features_list .mountOptions | tr '\n' ' ') "
	for o in ro:ro rro:ro nosuid:nosuid rnosuid:nosuid nodev:nodev rnodev:nodev noexec:noexec \
		rnoexec:noexec noatime:noatime rnoatime:noatime nodiratime:nodiratime rnodiratime:nodiratime \
		nosymfollow:nosymfollow rnosymfollow:nosymfollow sync:sync dirsync:dirsync lazytime:lazytime; do
		want=${o#*:} o=${o%%:*}
		[[ $listed == *" $o "* ]] || continue
		fresh_config
		add_mount /mnt/feat tmpfs tmpfs "$o"
		set_sh 'grep " /mnt/feat " /proc/self/mountinfo | awk "{ for (i = 1; i <= NF; i++) if (\$i == \"-\") print \$6 \",\" \$(i + 3) }"'
		run_fresh
		if [ "$RUN_STATUS" -ne 0 ] || [[ ,$RUN_OUT, != *",$want,"* ]]; then
			failed+=("$o: status $RUN_STATUS, options <<$RUN_OUT>>, want $want")
		fi
	done
	if [ ${#failed[@]} -gt 0 ]; then
		printf '%s\n' "${failed[@]}" >&2
		false
	fi
}

@test "features: a spec mount option features does not list is refused; others are filesystem data" {
	local listed o refused=0 failed=()
	listed=" $(features_list .mountOptions | tr '\n' ' ') "
	for o in $SPEC_MOUNT_OPTIONS; do
		[[ $listed == *" $o "* ]] && continue
		fresh_config
		add_mount /mnt/feat tmpfs tmpfs "$o"
		set_cmd true
		run_fresh
		if [ "$RUN_STATUS" -ne 1 ] || [[ $RUN_OUT != *"$o"* ]]; then
			failed+=("$o: status $RUN_STATUS: $RUN_OUT")
		fi
		refused=$((refused + 1))
	done
	if [ ${#failed[@]} -gt 0 ]; then
		printf 'not listed but not refused by name: %s\n' "${failed[@]}" >&2
		false
	fi
	[ "$refused" -gt 0 ] || echo "# every mount option of the spec is listed" >&3
	# Any other option is the filesystem's (features.md: not listed); one
	# tmpfs does not know fails the create.
	fresh_config
	add_mount /mnt/feat tmpfs tmpfs no-such-option
	set_cmd true
	run_fresh
	assert_eq "$RUN_STATUS" 1 "status with a tmpfs option tmpfs does not know: $RUN_OUT"
	assert_contains "$RUN_OUT" "type tmpfs"
}

# A seccomp architecture of the other byte order than the host's cannot go
# in the same filter: features does not list it, and a profile with it is
# refused.
@test "features: seccomp archs are what a profile may name" {
	local a failed=() native
	case $(uname -m) in
	x86_64) native=SCMP_ARCH_X86_64 other=SCMP_ARCH_S390X ;;
	aarch64) native=SCMP_ARCH_AARCH64 other=SCMP_ARCH_S390X ;;
	*) skip "no byte order table for $(uname -m)" ;;
	esac
	features_list .linux.seccomp.archs | grep -qx "$native"
	if features_list .linux.seccomp.archs | grep -qx "$other"; then
		echo "$other listed" >&2
		false
	fi
	for a in $(features_list .linux.seccomp.archs) "$other"; do
		fresh_config
		update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: [$a],
			syscalls: [{names: ["getcwd"], action: "SCMP_ACT_ERRNO"}]}' --arg a "$a"
		set_cmd true
		run_fresh
		if [ "$a" = "$other" ]; then
			[ "$RUN_STATUS" -eq 1 ] || failed+=("$a: not listed, status $RUN_STATUS")
		elif [ "$RUN_STATUS" -ne 0 ]; then
			failed+=("$a: listed, status $RUN_STATUS: $RUN_OUT")
		fi
	done
	if [ ${#failed[@]} -gt 0 ]; then
		printf '%s\n' "${failed[@]}" >&2
		false
	fi
}

@test "features: seccomp actions, operators and supported flags load in a container" {
	local a failed=()
	# each action on a syscall the process does not make, so that the
	# filter loads and the process exits 0 (an allow rule under an allow
	# default is redundant but must be taken)
	for a in $(features_list .linux.seccomp.actions); do
		fresh_config
		update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $l,
			syscalls: [{names: ["kexec_load"], action: $a}]}' --arg a "$a" --arg l "$BATS_TEST_TMPDIR/notify.sock"
		set_cmd true
		if [ "$a" = SCMP_ACT_NOTIFY ]; then
			# a container would need a listener on listenerPath: the plan
			# (rt only) is enough to show it is taken
			[[ $RT == */rt ]] || continue
			RUN_STATUS=0
			RUN_OUT=$(rt plan --bundle "$BUNDLE" 2>&1) || RUN_STATUS=$?
		else
			run_fresh
		fi
		[ "$RUN_STATUS" -eq 0 ] || failed+=("action $a: status $RUN_STATUS: $RUN_OUT")
	done
	for a in $(features_list .linux.seccomp.operators); do
		fresh_config
		update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [
			{names: ["kexec_load"], action: "SCMP_ACT_ERRNO", args: [{index: 0, value: 1, valueTwo: 1, op: $o}]}]}' \
			--arg o "$a"
		set_cmd true
		run_fresh
		[ "$RUN_STATUS" -eq 0 ] || failed+=("operator $a: status $RUN_STATUS: $RUN_OUT")
	done
	for a in $(features_list .linux.seccomp.supportedFlags); do
		fresh_config
		update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", flags: [$f], syscalls: [
			{names: ["kexec_load"], action: "SCMP_ACT_ERRNO"}]}' --arg f "$a"
		set_cmd true
		run_fresh
		[ "$RUN_STATUS" -eq 0 ] || failed+=("flag $a: status $RUN_STATUS: $RUN_OUT")
	done
	if [ ${#failed[@]} -gt 0 ]; then
		printf '%s\n' "${failed[@]}" >&2
		false
	fi
}

@test "features: every listed capability is the process's CapEff and CapPrm" {
	local c bit want failed=() bnd skipped=()
	bnd=$((16#$(awk '/^CapBnd:/ {print $2}' /proc/self/status)))
	[ -n "$(features_list .linux.capabilities)" ]
	for c in $(features_list .linux.capabilities); do
		bit=
		for i in "${!CAP_BITS[@]}"; do
			[ "${CAP_BITS[$i]}" = "$c" ] && bit=$i
		done
		if [ -z "$bit" ]; then
			failed+=("$c: not a Linux capability")
			continue
		fi
		if (((bnd >> bit & 1) == 0)); then
			# the test runs without it (no CAP_SYS_RESOURCE on these
			# machines): no process it starts can have it
			skipped+=("$c")
			continue
		fi
		fresh_config
		update_config '.process.capabilities = {bounding: [$c], effective: [$c], permitted: [$c]}' --arg c "$c"
		set_sh 'grep -E "^Cap(Eff|Prm):" /proc/self/status | cut -f2'
		run_fresh
		want=$(printf '%016x\n%016x' $((1 << bit)) $((1 << bit)))
		if [ "$RUN_STATUS" -ne 0 ] || [ "$RUN_OUT" != "$want" ]; then
			failed+=("$c (bit $bit): status $RUN_STATUS: $RUN_OUT")
		fi
	done
	# every capability of the kernel is listed
	last=$(cat /proc/sys/kernel/cap_last_cap)
	for ((i = 0; i <= last && i < ${#CAP_BITS[@]}; i++)); do
		features_list .linux.capabilities | grep -qx "${CAP_BITS[$i]}" || failed+=("${CAP_BITS[$i]}: the kernel has it, not listed")
	done
	if [ ${#failed[@]} -gt 0 ]; then
		printf '%s\n' "${failed[@]}" >&2
		false
	fi
	[ ${#skipped[@]} -eq 0 ] || echo "# not in the test's bounding set, not run: ${skipped[*]}" >&3
}

# ns_file TYPE — the /proc/PID/ns file of a namespace type.
ns_file() {
	case $1 in
	mount) echo mnt ;;
	network) echo net ;;
	*) echo "$1" ;;
	esac
}

@test "features: every listed namespace type is created new" {
	local t f failed=()
	[ -n "$(features_list .linux.namespaces)" ]
	for t in $(features_list .linux.namespaces); do
		f=$(ns_file "$t")
		if [ ! -e "/proc/self/ns/$f" ]; then
			failed+=("$t: listed, but this kernel has no /proc/self/ns/$f")
			continue
		fi
		fresh_config
		set_namespace "$t"
		if [ "$t" = user ]; then
			update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
				| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
		fi
		set_sh "readlink /proc/self/ns/$f"
		run_fresh
		if [ "$RUN_STATUS" -ne 0 ]; then
			failed+=("$t: status $RUN_STATUS: $RUN_OUT")
		elif [ "$RUN_OUT" = "$(readlink "/proc/self/ns/$f")" ]; then
			failed+=("$t: the process is in the host's namespace $RUN_OUT")
		fi
	done
	# and every namespace of the kernel is listed
	for t in cgroup ipc mount network pid time user uts; do
		[ -e "/proc/self/ns/$(ns_file "$t")" ] || continue
		features_list .linux.namespaces | grep -qx "$t" || failed+=("$t: the kernel has it, not listed")
	done
	if [ ${#failed[@]} -gt 0 ]; then
		printf '%s\n' "${failed[@]}" >&2
		false
	fi
}

@test "features: every listed hook kind runs" {
	local log=$BUNDLE/rootfs/hooks.log h hooks='{}' got want
	[ -n "$(features_list .hooks)" ]
	for h in $(features_list .hooks); do
		case $h in
		# startContainer's path resolves in the container, after pivot_root
		startContainer) hooks=$(jq -c --arg h "$h" '.[$h] = [{path: "/bin/sh", args: ["sh", "-c", "echo \($h) >>/hooks.log"]}]' <<<"$hooks") ;;
		*) hooks=$(jq -c --arg h "$h" --arg l "$log" '.[$h] = [{path: "/bin/sh", args: ["sh", "-c", "echo \($h) >>\($l)"]}]' <<<"$hooks") ;;
		esac
	done
	update_config '.hooks = $h' --argjson h "$hooks"
	set_cmd true
	run_fresh
	assert_eq "$RUN_STATUS" 0 "run with every hook: $RUN_OUT"
	got=$(sort "$log" | tr '\n' ' ')
	want=$(features_list .hooks | sort | tr '\n' ' ')
	assert_eq "$got" "$want" "hooks that ran"
}
