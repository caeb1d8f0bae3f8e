# shellcheck shell=bash
# cni.sh — CNI plugins called by hand, an rt container in their netns.
#
# `ip netns add`, then Debian's bridge + host-local plugins (/usr/lib/cni)
# with CNI_COMMAND=ADD and the network config on stdin; an rt container whose
# config.json names that netns path (linux.namespaces network path) has the
# plugin's address and reaches the bridge's; CNI_COMMAND=DEL and
# `ip netns del` clean up. Once more with a new user namespace in the config.
#
# Sourced by run.sh (setup_cni, teardown_cni, the scenario list) and by each
# scenario's shell (the t_* functions).

CNI_SCENARIOS=(
	cni/bridge
	cni/bridge-userns
)

vars_cni() {
	export CNI_DIR=$WORK/cni
	export CNI_RTROOT=$CNI_DIR/rt-root
	export CNI_PLUGINS=/usr/lib/cni
}

setup_cni() {
	mkdir -p "$CNI_DIR" "$CNI_RTROOT"
	local p
	for p in bridge host-local; do
		[ -x "$CNI_PLUGINS/$p" ] || { echo "$CNI_PLUGINS/$p missing (containernetworking-plugins)" >&2; return 1; }
	done
	"$CNI_PLUGINS/bridge" --version 2>&1 || true
}

# teardown_cni — what a killed scenario left: rt containers, CNI
# attachments, namespaces, bridges, the http server. Never fails.
teardown_cni() {
	[ -n "${CNI_DIR:-}" ] && [ -d "$CNI_DIR" ] || return 0
	local id f
	for id in $("$RT" --root "$CNI_RTROOT" list -q 2>/dev/null); do
		"$RT" --root "$CNI_RTROOT" delete -f "$id" >/dev/null 2>&1
	done
	for f in "$CNI_DIR"/*.httpd.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	for f in "$CNI_DIR"/*.netns; do
		[ -f "$f" ] || continue
		cni_teardown "$(basename "$f" .netns)"
	done
	return 0
}

# ------------------------------------------------------------ helpers

# cni_plugin NAME COMMAND — call the bridge plugin for attachment NAME.
cni_plugin() {
	CNI_COMMAND=$2 CNI_CONTAINERID=$1 CNI_NETNS=/var/run/netns/$1 CNI_IFNAME=eth0 \
		CNI_PATH=$CNI_PLUGINS timeout -k 5 "$CMD_TIMEOUT" "$CNI_PLUGINS/bridge" <"$CNI_DIR/$1.conf"
}

# cni_setup NAME BRIDGE SUBNET — a netns NAME attached to BRIDGE (made by the
# plugin) with an address from SUBNET; the plugin's result in NAME.result.
cni_setup() {
	local name=$1 bridge=$2 subnet=$3
	jq -n --arg name "$name" --arg br "$bridge" --arg subnet "$subnet" --arg data "$CNI_DIR/ipam" '{
		cniVersion: "1.0.0", name: $name, type: "bridge", bridge: $br,
		isGateway: true, ipMasq: false,
		ipam: {type: "host-local", subnet: $subnet, dataDir: $data, routes: [{dst: "0.0.0.0/0"}]}
	}' >"$CNI_DIR/$name.conf"
	echo "$bridge" >"$CNI_DIR/$name.netns"
	defer "cni_teardown $name"
	ip netns add "$name"
	cni_plugin "$name" ADD >"$CNI_DIR/$name.result"
	cat "$CNI_DIR/$name.result"
}

# cni_teardown NAME — CNI DEL, ip netns del, the bridge away.
cni_teardown() {
	local name=$1 bridge
	bridge=$(cat "$CNI_DIR/$name.netns" 2>/dev/null) || return 0
	if [ -e "/var/run/netns/$name" ]; then
		cni_plugin "$name" DEL || echo "CNI DEL $name failed" >&2
		ip netns del "$name" || echo "ip netns del $name failed" >&2
	fi
	[ -n "$bridge" ] && ip link show "$bridge" >/dev/null 2>&1 && ip link del "$bridge"
	rm -f "$CNI_DIR/$name.netns"
}

# cni_bundle DIR NETNS ID [JQ FILTER] — a busybox bundle whose config.json
# (from `rt spec`) joins /var/run/netns/NETNS, has CAP_NET_RAW (ping), no
# terminal, its cgroup under ours; JQ FILTER edits it further.
cni_bundle() {
	local dir=$1 netns=$2 id=$3 filter=${4:-.}
	"$REPO/tests/mkbundle.sh" "$dir"
	(cd "$dir" && "$RT" spec)
	jq --arg ns "/var/run/netns/$netns" --arg cg "$CG_PARENT/cni/$id" '
		.process.terminal = false
		| .process.capabilities |= with_entries(.value += ["CAP_NET_RAW"])
		| .linux.namespaces |= map(if .type == "network" then . + {path: $ns} else . end)
		| .linux.cgroupsPath = $cg
	' "$dir/config.json" | jq "$filter" >"$dir/config.json.new"
	mv "$dir/config.json.new" "$dir/config.json"
}

# rt_cni_run BUNDLE ID ARGS... — rt run in the foreground, the process ARGS.
rt_cni_run() {
	local dir=$1 id=$2 args='[]' a
	shift 2
	for a in "$@"; do args=$(jq -c --arg a "$a" '. + [$a]' <<<"$args"); done
	jq --argjson args "$args" '.process.args = $args' <"$dir/config.json" >"$dir/config.json.new"
	mv "$dir/config.json.new" "$dir/config.json"
	defer "'$RT' --root '$CNI_RTROOT' delete -f $id >/dev/null 2>&1"
	timeout -k 5 "$CMD_TIMEOUT" "$RT" --root "$CNI_RTROOT" run -b "$dir" "$id" </dev/null
}

# check_cni_del NAME ADDR — after DEL: the address is free again in
# host-local's store, the netns is gone.
check_cni_del() {
	cni_teardown "$1"
	[ ! -e "/var/run/netns/$1" ] || fail "netns $1 still there after ip netns del"
	[ ! -e "$CNI_DIR/ipam/$1/$2" ] || fail "host-local still holds $2 after DEL"
}

# ------------------------------------------------------------ scenarios

t_cni_bridge() {
	local ns=rtc$$a br=rtcbr$$a out ip gw
	cni_setup "$ns" "$br" 10.231.78.0/24
	ip=$(jq -r '.ips[0].address' "$CNI_DIR/$ns.result")
	gw=$(jq -r '.ips[0].gateway' "$CNI_DIR/$ns.result")
	cni_bundle "$SCEN_DIR/bundle" "$ns" cni-bridge
	out=$(rt_cni_run "$SCEN_DIR/bundle" cni-bridge sh -c \
		"readlink /proc/self/ns/net; ip -4 -o addr show eth0; for i in 1 2 3; do ping -c1 -W2 $gw && break; done")
	expect_eq "the container's netns is the plugin's" "$(echo "$out" | head -1)" \
		"$(ip netns exec "$ns" readlink /proc/self/ns/net)"
	expect_match "the plugin's address inside" "$out" "inet ${ip%/*}/24 "
	expect_match "ping reaches the bridge $gw" "$out" '1 packets received'
	check_cni_del "$ns" "${ip%/*}"
}

# A new user namespace (root inside is 300000 outside) in the plugin's netns:
# raw sockets need CAP_NET_RAW in the netns' owner namespace, so the bridge
# is reached over TCP (busybox httpd on the bridge address).
t_cni_bridge_userns() {
	local ns=rtc$$b br=rtcbr$$b out ip gw
	cni_setup "$ns" "$br" 10.231.79.0/24
	ip=$(jq -r '.ips[0].address' "$CNI_DIR/$ns.result")
	gw=$(jq -r '.ips[0].gateway' "$CNI_DIR/$ns.result")
	mkdir -p "$SCEN_DIR/www"
	echo reached-the-bridge >"$SCEN_DIR/www/hello"
	busybox httpd -f -p "$gw:8080" -h "$SCEN_DIR/www" &
	echo $! >"$CNI_DIR/$ns.httpd.pid"
	defer "kill $! 2>/dev/null"
	cni_bundle "$SCEN_DIR/bundle" "$ns" cni-userns '
		.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 300000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 300000, size: 65536}]'
	out=$(rt_cni_run "$SCEN_DIR/bundle" cni-userns sh -c \
		"cat /proc/self/uid_map; readlink /proc/self/ns/net; ip -4 -o addr show eth0; printf 'GET /hello HTTP/1.0\r\n\r\n' | nc $gw 8080")
	expect_match "uid_map" "$out" '^ +0 +300000 +65536$'
	expect_eq "the container's netns is the plugin's" "$(echo "$out" | sed -n 2p)" \
		"$(ip netns exec "$ns" readlink /proc/self/ns/net)"
	expect_match "the plugin's address inside" "$out" "inet ${ip%/*}/24 "
	expect_match "TCP reaches the bridge $gw" "$out" '^reached-the-bridge'
	check_cni_del "$ns" "${ip%/*}"
}
