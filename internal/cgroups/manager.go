package cgroups

import (
	"errors"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/cgroupsfs"
)

// Stats are a cgroup's counters, in runc's JSON schema (`rt events`).
type Stats = cgroupsfs.Stats

// Manager is one container's cgroup, whatever manages it.
//
// The life of a container's cgroup: [Manager.Create] before any process
// exists, then the stage either starts in it ([Manager.BornInto]) or is
// moved there ([Manager.Join]); [Manager.Update], [Manager.Freeze] and
// [Manager.Thaw], [Manager.Stats], [Manager.Kill] while it lives;
// [Manager.Destroy] at delete. A driver that needs a process to create the
// cgroup (systemd starts a scope with its pids) does so in Join.
type Manager interface {
	// Paths maps a hierarchy name ("memory", "name=systemd"; "" for the
	// unified hierarchy) to the cgroup's directory in it: what the state
	// file keeps, and what a plan shows.
	Paths() map[string]string
	// Unit is the systemd unit holding the cgroup, "" for the fs driver.
	Unit() string
	// String describes the driver, the host's layout and the path (debug
	// output).
	String() string

	// Create makes the cgroup and writes res (nil: no resources).
	Create(res *specs.LinuxResources) error
	// BornInto returns a directory a process can be started in
	// (CLONE_INTO_CGROUP) rather than moved to; ok is false when there is
	// none (several hierarchies, or a driver that must move it).
	BornInto() (dir string, ok bool)
	// Join puts a process in the cgroup.
	Join(pid int) error
	// WarmJoin makes the next Join cheap; it is a hint, run in a goroutine
	// once the cgroup exists.
	WarmJoin()

	// Update writes the resources set in res; the others stay.
	Update(res *specs.LinuxResources) error
	// Freeze stops every process of the cgroup; Thaw lets them run.
	Freeze() error
	Thaw() error
	// Frozen reports whether the cgroup is frozen. It reads no more than
	// the freezer's own file: Status calls it for every container listed.
	Frozen() bool
	// Stats samples the cgroup's counters; OOMKills counts OOM kills.
	Stats() (*Stats, error)
	OOMKills() (uint64, error)
	// Pids lists every process of the cgroup and its nested cgroups, sorted.
	Pids() ([]int, error)
	// Kill sends sig to every process; for SIGKILL it returns once the
	// cgroup is empty.
	Kill(sig unix.Signal) error
	// Destroy removes the cgroup (and, for systemd, its unit); one already
	// gone is not an error.
	Destroy() error
	// Exists reports whether the cgroup is still there.
	Exists() bool
	// Sub returns the cgroup made of the nested cgroups that subs names
	// (ParseSubCgroups), for `exec --cgroup`.
	Sub(subs map[string]string) (Manager, error)
	// Close releases what the manager holds (systemd: its D-Bus
	// connection); the cgroup stays.
	Close()
}

// Config says where a new container's cgroup goes and who manages it.
type Config struct {
	ID          string
	CgroupsPath string // linux.cgroupsPath
	Systemd     bool   // --systemd-cgroup: a systemd scope (cgroupsd)
	// Rootless: the caller is not root in the initial user namespace; the
	// cgroup goes in a delegated subtree, or there is none (newRootless).
	Rootless bool
	// Resources are the config's (Rootless: asking for any needs a cgroup).
	Resources *specs.LinuxResources
}

// ErrCgroupsPath is wrapped by errors about linux.cgroupsPath, so that
// callers can name the field.
var ErrCgroupsPath = errors.New("invalid linux.cgroupsPath")

type pathError struct{ err error }

func (e pathError) Error() string   { return e.err.Error() }
func (e pathError) Unwrap() []error { return []error{e.err, ErrCgroupsPath} }

// New detects the host's cgroup layout and resolves where the container's
// cgroup goes; nothing is made yet (Create does that). An error about the
// path wraps ErrCgroupsPath.
func New(cfg Config) (Manager, error) {
	if cfg.Systemd {
		return newSystemd(cfg)
	}
	if cfg.Rootless {
		return newRootless(cfg)
	}
	host, err := cgroupsfs.Detect()
	if err != nil {
		return nil, err
	}
	path, err := cgroupsfs.ResolvePath(cfg.CgroupsPath, cfg.ID)
	if err != nil {
		return nil, pathError{err}
	}
	return &fsManager{path: path, paths: host.Paths(path), host: host}, nil
}

// Load rebuilds the manager of an existing container from what its state
// kept: the paths, and the unit when systemd manages it. It reads nothing:
// the host's layout is detected on the first call that needs it, so that
// Frozen (from Status) stays cheap.
func Load(paths map[string]string, unit string) (Manager, error) {
	if unit != "" {
		return loadSystemd(paths, unit), nil
	}
	if len(paths) == 0 {
		return None{Reason: "none was made at create"}, nil
	}
	return &fsManager{paths: paths}, nil
}

// ParseSubCgroups reads `exec --cgroup` values (runc's form
// [CONTROLLER[,CONTROLLER...]:]PATH) for [Manager.Sub].
func ParseSubCgroups(values []string) (map[string]string, error) {
	return cgroupsfs.ParseSubCgroups(values)
}

// UnifiedOnly reports whether this host has the cgroup v2 hierarchy only.
func UnifiedOnly() bool {
	host, err := cgroupsfs.Detect()
	return err == nil && host.Mode == cgroupsfs.ModeV2
}
