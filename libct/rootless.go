package libct

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/specconv"
	"github.com/rt-runtime/rt/internal/sysfile"
)

// Rootless containers, as runc runs them. Two questions, asked apart:
//
//   - Who writes the id maps (rootlessEUID: rt's effective uid is not 0).
//     Root, in any user namespace, writes /proc/PID/{uid,gid}_map itself.
//     Any other user writes a single mapping of its own uid (gid) itself,
//     with "deny" in /proc/PID/setgroups first, as the kernel demands; any
//     other map goes through newuidmap/newgidmap (Debian's uidmap), checked
//     beforehand against /etc/subuid and /etc/subgid so that a map outside
//     the user's ranges names its field.
//   - Whether the cgroup is rootless (Rootless: not root, or root in a user
//     namespace that is not the initial one): see cgroups.Config.Rootless.

// Rootless reports whether rt runs without the initial user namespace's
// root: its cgroups are rootless ones, and its default --root is under
// $XDG_RUNTIME_DIR.
func Rootless() bool {
	return os.Geteuid() != 0 || inNestedUserNS()
}

var inNestedUserNS = sync.OnceValue(InNestedUserNS)

// InNestedUserNS reports whether rt runs in a user namespace that is not
// the initial one (its uid_map is not the identity of the whole range).
func InNestedUserNS() bool {
	// Every command asks (the default --root depends on it): a bare read,
	// not os.ReadFile, whose first use sets up the runtime's poller.
	data, err := sysfile.Read("/proc/self/uid_map")
	if err != nil {
		return false
	}
	return !slices.Equal(strings.Fields(string(data)), []string{"0", "0", "4294967295"})
}

// rootlessCgroup reads --rootless: "true", "false", or "auto" (or "").
func rootlessCgroup(mode string) (bool, error) {
	switch mode {
	case "", "auto":
		return Rootless(), nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("--rootless %q: want true, false or auto", mode)
}

func rootlessEUID() bool { return os.Geteuid() != 0 }

// idMapper says how one of a container's two maps is written.
type idMapper struct {
	kind   string // "uid" or "gid"
	field  string // "/linux/uidMappings"
	maps   []specs.LinuxIDMapping
	own    int    // the caller's effective uid (gid)
	helper string // newuidmap's path; "" when rt writes the map itself
}

// idMappers decides, before anything is made, how the spec's maps are
// written, and checks what a helper would refuse.
func idMappers(l *specs.Linux) ([2]idMapper, error) {
	m := [2]idMapper{
		{kind: "uid", field: "/linux/uidMappings", maps: l.UIDMappings, own: os.Geteuid()},
		{kind: "gid", field: "/linux/gidMappings", maps: l.GIDMappings, own: os.Getegid()},
	}
	if !rootlessEUID() {
		return m, nil
	}
	if err := checkRootlessUserNS(l); err != nil {
		return m, err
	}
	for i := range m {
		if err := m[i].check(); err != nil {
			return m, err
		}
	}
	return m, nil
}

// checkRootlessUserNS: an unprivileged rt can make a container only in a
// user namespace, new with maps or one it joins (runc's rootless check).
func checkRootlessUserNS(l *specs.Linux) error {
	for _, ns := range l.Namespaces {
		if ns.Type != specs.UserNamespace {
			continue
		}
		if ns.Path == "" && (len(l.UIDMappings) == 0 || len(l.GIDMappings) == 0) {
			return &specconv.FieldError{Field: "/linux/uidMappings", Err: errors.New(
				"a new user namespace made by a user other than root needs uidMappings and gidMappings (rt spec --rootless writes them)")}
		}
		return nil
	}
	return &specconv.FieldError{Field: "/linux/namespaces", Err: errors.New(
		"rt runs as a user other than root and the config has no user namespace: a rootless container needs one (rt spec --rootless makes it)")}
}

// ownOnly: the map is a single mapping of the caller's own id, which an
// unprivileged writer may write itself.
func (m *idMapper) ownOnly() bool {
	return len(m.maps) == 1 && m.maps[0].Size == 1 && int(m.maps[0].HostID) == m.own
}

// check finds the helper an unprivileged caller needs for m and checks m's
// ranges against the caller's subordinate ids.
func (m *idMapper) check() error {
	if len(m.maps) == 0 || m.ownOnly() {
		return nil
	}
	tool := "new" + m.kind + "map"
	path, err := exec.LookPath(tool)
	if err != nil {
		return &specconv.FieldError{Field: m.field, Err: fmt.Errorf(
			"mapping ids other than the caller's own needs %s, which is not in PATH: install the uidmap package", tool)}
	}
	m.helper = path
	file := "/etc/sub" + m.kind
	ranges, who, err := subIDs(file)
	if err != nil {
		return &specconv.FieldError{Field: m.field, Err: err}
	}
	for i, r := range m.maps {
		if !m.allowed(r, ranges) {
			return &specconv.FieldError{Field: fmt.Sprintf("%s/%d", m.field, i), Err: fmt.Errorf(
				"host %ss %d-%d are outside %s's ranges in %s (%s)", m.kind, r.HostID, uint64(r.HostID)+uint64(r.Size)-1, who, file, rangesText(ranges))}
		}
	}
	return nil
}

// allowed: r lies in one subordinate range, or is the caller's own id
// alone (newuidmap allows that too).
func (m *idMapper) allowed(r specs.LinuxIDMapping, ranges [][2]uint64) bool {
	if r.Size == 1 && int(r.HostID) == m.own {
		return true
	}
	lo, hi := uint64(r.HostID), uint64(r.HostID)+uint64(r.Size)
	for _, s := range ranges {
		if r.Size > 0 && lo >= s[0] && hi <= s[0]+s[1] {
			return true
		}
	}
	return false
}

func rangesText(ranges [][2]uint64) string {
	if len(ranges) == 0 {
		return "none"
	}
	var parts []string
	for _, r := range ranges {
		parts = append(parts, fmt.Sprintf("%d-%d", r[0], r[0]+r[1]-1))
	}
	return strings.Join(parts, ", ")
}

// subIDs reads the ranges (start, count) that file gives the user with
// rt's effective uid, by name or by number, as newuidmap reads them; who
// names the user in messages.
func subIDs(file string) ([][2]uint64, string, error) {
	uid := os.Geteuid()
	names := map[string]bool{strconv.Itoa(uid): true}
	who := "uid " + strconv.Itoa(uid)
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		names[u.Username] = true
		who = "user " + u.Username
	}
	f, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, who, nil
	}
	if err != nil {
		return nil, who, err
	}
	defer f.Close()
	var ranges [][2]uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(strings.TrimSpace(sc.Text()), ":")
		if len(fields) != 3 || !names[fields[0]] {
			continue
		}
		start, err1 := strconv.ParseUint(fields[1], 10, 32)
		count, err2 := strconv.ParseUint(fields[2], 10, 32)
		if err1 == nil && err2 == nil && count > 0 {
			ranges = append(ranges, [2]uint64{start, count})
		}
	}
	return ranges, who, sc.Err()
}

// setgroupsDenied reports whether the container's processes cannot call
// setgroups: rt writes "deny" for a gid map it writes unprivileged, and a
// user namespace where it is denied passes that on to its children.
func setgroupsDenied(m [2]idMapper) bool {
	if data, err := os.ReadFile("/proc/self/setgroups"); err == nil && strings.TrimSpace(string(data)) == "deny" {
		return true
	}
	return rootlessEUID() && len(m[1].maps) > 0 && m[1].helper == ""
}

// procSetgroupsDenied reports whether pid's user namespace denies setgroups
// (exec joins it).
func procSetgroupsDenied(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/setgroups", pid))
	return err == nil && strings.TrimSpace(string(data)) == "deny"
}

// write writes m for pid: itself (with "deny" in setgroups first for an
// unprivileged gid map), or through the helper.
func (m *idMapper) write(pid int) error {
	if len(m.maps) == 0 {
		return nil
	}
	if m.helper != "" {
		args := []string{strconv.Itoa(pid)}
		for _, r := range m.maps {
			args = append(args, strconv.FormatUint(uint64(r.ContainerID), 10), strconv.FormatUint(uint64(r.HostID), 10), strconv.FormatUint(uint64(r.Size), 10))
		}
		out, err := exec.Command(m.helper, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %w: %s", m.helper, err, strings.Join(strings.Fields(string(out)), " "))
		}
		return nil
	}
	if m.kind == "gid" && rootlessEUID() {
		name := fmt.Sprintf("/proc/%d/setgroups", pid)
		if err := os.WriteFile(name, []byte("deny"), 0); err != nil {
			return fmt.Errorf("write %s: %w", name, errors.Unwrap(err))
		}
	}
	var b strings.Builder
	for _, r := range m.maps {
		fmt.Fprintf(&b, "%d %d %d\n", r.ContainerID, r.HostID, r.Size)
	}
	name := fmt.Sprintf("/proc/%d/%s_map", pid, m.kind)
	if err := os.WriteFile(name, []byte(b.String()), 0); err != nil {
		return fmt.Errorf("write %s: %w", name, errors.Unwrap(err))
	}
	return nil
}
