package cgroupsd

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	sd "github.com/coreos/go-systemd/v22/dbus"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/cgroupsfs"
)

// deviceAllow is one DeviceAllow entry: a device node, a /dev/{char,block}
// path, a group from /proc/devices ("char-pts") or "char-*", and "rwm".
type deviceAllow struct {
	Path  string
	Perms string
}

// deviceProperties turns the container's device rules (a first "deny
// all", the spec's rules, then rt's defaults, as cgroupsfs applies them)
// into DevicePolicy=strict and the DeviceAllow list, as runc does. systemd
// has allow lists only: rules that end in "allow all" give policy auto;
// ones that end in "allow all but …" give a strict empty list, and the
// device filter cgroupsfs installs carries the real rules. An allow rule
// for one minor of every major ("*:N") has no systemd form and is left to
// that filter too.
func deviceProperties(rules []specs.LinuxDeviceCgroup, groups func(typ string, major int64) string) []sd.Property {
	all := append(append([]specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}, rules...), cgroupsfs.DefaultDeviceRules...)
	allowAll := false
	var allowed []specs.LinuxDeviceCgroup
	var denied bool
	for _, r := range all {
		if (r.Type == "" || r.Type == "a") && r.Major == nil && r.Minor == nil {
			allowAll, allowed, denied = r.Allow, nil, false
			continue
		}
		switch {
		case allowAll && !r.Allow:
			denied = true
		case !allowAll && r.Allow:
			allowed = append(allowed, r)
		case !allowAll && !r.Allow:
			allowed = removeRule(allowed, r)
		}
	}
	if allowAll {
		if !denied {
			return []sd.Property{prop("DevicePolicy", "auto"), prop("DeviceAllow", []deviceAllow{})}
		}
		return []sd.Property{prop("DevicePolicy", "strict"), prop("DeviceAllow", []deviceAllow{})}
	}
	list := []deviceAllow{}
	for _, r := range allowed {
		if e, ok := allowEntry(r, groups); ok {
			list = append(list, e)
		}
	}
	return []sd.Property{prop("DevicePolicy", "strict"), prop("DeviceAllow", list)}
}

// removeRule drops the allow rules a deny rule names exactly.
func removeRule(allowed []specs.LinuxDeviceCgroup, deny specs.LinuxDeviceCgroup) []specs.LinuxDeviceCgroup {
	same := func(a, b *int64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }
	out := allowed[:0]
	for _, a := range allowed {
		if a.Type == deny.Type && same(a.Major, deny.Major) && same(a.Minor, deny.Minor) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// allowEntry writes one allow rule in systemd's syntax: "/dev/char/M:N",
// a /proc/devices group for "M:*", "char-*" for "*:*".
func allowEntry(r specs.LinuxDeviceCgroup, groups func(string, int64) string) (deviceAllow, bool) {
	kind := map[string]string{"c": "char", "b": "block"}[r.Type]
	if kind == "" {
		return deviceAllow{}, false
	}
	perms := r.Access
	if perms == "" {
		perms = "rwm"
	}
	switch {
	case r.Major == nil && r.Minor == nil:
		return deviceAllow{kind + "-*", perms}, true
	case r.Major == nil:
		return deviceAllow{}, false
	case r.Minor == nil:
		if groups == nil {
			return deviceAllow{}, false
		}
		g := groups(kind, *r.Major)
		return deviceAllow{g, perms}, g != ""
	}
	return deviceAllow{fmt.Sprintf("/dev/%s/%d:%d", kind, *r.Major, *r.Minor), perms}, true
}

// HostDeviceGroups reads /proc/devices and names the group of a major
// ("char-pts" for char 136), as systemd wants for "M:*" rules.
func HostDeviceGroups(kind string, major int64) string {
	f, err := os.Open("/proc/devices")
	if err != nil {
		return ""
	}
	defer f.Close()
	section := ""
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		switch line {
		case "Character devices:":
			section = "char"
			continue
		case "Block devices:":
			section = "block"
			continue
		}
		num, name, ok := strings.Cut(line, " ")
		if !ok || section != kind {
			continue
		}
		if n, err := strconv.ParseInt(num, 10, 64); err == nil && n == major {
			return kind + "-" + strings.TrimSpace(name)
		}
	}
	return ""
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
