package cgroups

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/cgroupsfs"
	"github.com/rt-runtime/rt/specerr"
)

// Rootless cgroups follow runc's rule (its fs2 manager with
// config.Rootless). A caller that is not root in the initial user
// namespace can only use a cgroup v2 subtree delegated to it: the parent of
// its own cgroup (its own holds its processes) must be writable, with its
// cgroup.procs, as a systemd user session's Delegate=yes makes it. The
// container's cgroup then goes there: "" as cgroupsPath is <parent>/<id>, a
// relative one is below <parent>, an absolute one is kept. Without such a
// subtree a config that asks for no resources and names no cgroupsPath runs
// without a cgroup (None); otherwise it is an error naming the field.

// ErrNoCgroup is returned by the calls of a manager without a cgroup (a
// rootless container without delegation) that need one.
var ErrNoCgroup = errors.New("the container has no cgroup (rootless, without a delegated cgroup v2 subtree)")

// delegationHint says how a user gets a delegated subtree.
const delegationHint = "a rootless container gets a cgroup only in a cgroup v2 subtree delegated to its user " +
	"(systemd: Delegate=yes, as in `systemd-run --user -p Delegate=yes --shell`; " +
	"or root makes a cgroup, chowns it and its cgroup.procs to the user, and moves the user's shell into a child of it)"

// newRootless resolves a rootless container's cgroup: in a delegated v2
// subtree, or none.
func newRootless(cfg Config) (Manager, error) {
	if _, err := cgroupsfs.ResolvePath(cfg.CgroupsPath, cfg.ID); err != nil {
		return nil, pathError{err}
	}
	host, err := cgroupsfs.Detect()
	if err != nil {
		return nil, err
	}
	parent, err := delegatedParent(host)
	if err == nil {
		p := cfg.CgroupsPath
		switch {
		case p == "":
			p = path.Join(parent, cfg.ID)
		case !path.IsAbs(p):
			p = path.Join(parent, p)
		}
		v2 := &cgroupsfs.Host{Mode: cgroupsfs.ModeV2, Unified: host.Unified, UnifiedControllers: host.UnifiedControllers, Rootless: true}
		return &fsManager{path: path.Clean(p), paths: v2.Paths(path.Clean(p)), host: v2}, nil
	}
	if field := RequestedResource(cfg.Resources); field != "" {
		return nil, specerr.Errorf(field, "cannot be applied: no cgroup is writable (%v); %s", err, delegationHint)
	}
	if cfg.CgroupsPath != "" {
		return nil, pathError{fmt.Errorf("%q cannot be made: no cgroup is writable (%v); %s", cfg.CgroupsPath, err, delegationHint)}
	}
	return None{Reason: err.Error()}, nil
}

// delegatedParent returns the parent of the caller's own cgroup v2 (its
// path below the hierarchy's root) when the caller can make cgroups and
// move processes there.
func delegatedParent(host *cgroupsfs.Host) (string, error) {
	if host.Unified == "" {
		return "", errors.New("this host has no cgroup v2 hierarchy")
	}
	own, err := ownUnifiedCgroup()
	if err != nil {
		return "", err
	}
	parent := path.Dir(own)
	dir := filepath.Join(host.Unified, parent)
	for _, name := range []string{dir, filepath.Join(dir, "cgroup.procs")} {
		if err := unix.Access(name, unix.W_OK); err != nil {
			return "", fmt.Errorf("%s: %w", name, err)
		}
	}
	return parent, nil
}

// ownUnifiedCgroup reads the caller's cgroup v2 path ("0::/path") from
// /proc/self/cgroup.
func ownUnifiedCgroup() (string, error) {
	lines, err := cgroupsfs.ReadProcCgroup("/proc/self/cgroup")
	if err != nil {
		return "", err
	}
	for _, c := range lines {
		if c.Unified() && path.IsAbs(c.Path) {
			return path.Clean(c.Path), nil
		}
	}
	return "", errors.New("/proc/self/cgroup names no cgroup v2")
}

// ProcCgroups are the cgroups /proc/PID/cgroup lists for pid.
func ProcCgroups(pid int) ([]cgroupsfs.ProcCgroup, error) {
	return cgroupsfs.ReadProcCgroup(fmt.Sprintf("/proc/%d/cgroup", pid))
}

// RequestedResource returns the JSON pointer of the first resource res
// sets (in field order), "" when it sets none. Device rules are not
// resources here: they need no controller on cgroup v2, and runc's
// rootless containers run without them. Zero values are unset, as runc
// reads them.
func RequestedResource(res *specs.LinuxResources) string {
	if res == nil {
		return ""
	}
	r := *res
	r.Devices = nil
	data, err := json.Marshal(r)
	if err != nil {
		return "/linux/resources"
	}
	var v any
	if json.Unmarshal(data, &v) != nil {
		return "/linux/resources"
	}
	return firstSet("/linux/resources", v)
}

// firstSet walks decoded JSON for the first leaf that is not zero.
func firstSet(ptr string, v any) string {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if f := firstSet(ptr+"/"+specerr.Escape(k), v[k]); f != "" {
				return f
			}
		}
	case []any:
		for i, e := range v {
			if f := firstSet(fmt.Sprintf("%s/%d", ptr, i), e); f != "" {
				return f
			}
		}
	case string:
		if v != "" {
			return ptr
		}
	case float64:
		if v != 0 {
			return ptr
		}
	case bool:
		if v {
			return ptr
		}
	}
	return ""
}

// None is the manager of a rootless container without a cgroup. What
// needs a cgroup fails with ErrNoCgroup (pause, resume, ps, stats,
// update); what only undoes one (kill of all processes at delete, destroy)
// has nothing to do. Kill returns ErrNoCgroup too, so that the caller
// signals the init instead, as runc's does.
type None struct {
	Reason string // why there is none (debug output)
}

func (None) Paths() map[string]string { return nil }
func (None) Unit() string             { return "" }
func (n None) String() string {
	return "none (rootless, no delegated cgroup: " + n.Reason + ")"
}
func (None) Create(res *specs.LinuxResources) error {
	if f := RequestedResource(res); f != "" {
		return specerr.Errorf(f, "cannot be applied: %v; %s", ErrNoCgroup, delegationHint)
	}
	return nil
}
func (None) BornInto() (string, bool) { return "", false }
func (None) Join(int) error           { return nil }
func (None) WarmJoin()                {}
func (n None) Update(res *specs.LinuxResources) error {
	if f := RequestedResource(res); f != "" {
		return specerr.Errorf(f, "cannot be applied: %v; %s", ErrNoCgroup, delegationHint)
	}
	return nil
}
func (None) Freeze() error                          { return ErrNoCgroup }
func (None) Thaw() error                            { return ErrNoCgroup }
func (None) Frozen() bool                           { return false }
func (None) Stats() (*Stats, error)                 { return nil, ErrNoCgroup }
func (None) OOMKills() (uint64, error)              { return 0, nil }
func (None) Pids() ([]int, error)                   { return nil, ErrNoCgroup }
func (None) Kill(unix.Signal) error                 { return ErrNoCgroup }
func (None) Destroy() error                         { return nil }
func (None) Exists() bool                           { return false }
func (None) Sub(map[string]string) (Manager, error) { return nil, ErrNoCgroup }
func (None) Close()                                 {}
