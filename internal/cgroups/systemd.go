package cgroups

import (
	"fmt"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/cgroupsd"
	"github.com/rt-runtime/rt/internal/cgroupsfs"
)

// sdManager is the systemd driver (cgroupsd): the cgroup is a transient
// scope that systemd starts in the first Join, with the stage's pid in it;
// its files, freezing, listing, signalling and stats are the fs driver's
// on the scope's directories, as runc's systemd managers use fs ones.
type sdManager struct {
	unit string
	fs   *fsManager

	mu      sync.Mutex
	sd      *cgroupsd.Manager     // nil until systemd is reached (loaded managers reach it on demand)
	res     *specs.LinuxResources // what Create was given: set when the scope starts
	created bool                  // Create ran; the first Join starts the scope
	started bool
}

// systemdRootless: a caller that is not root, or root in a user namespace
// that is a user outside, talks to its own systemd on the session bus
// (runc's rule, cgroupsd.UseUserBus).
func systemdRootless() bool { return cgroupsd.UseUserBus() }

// newSystemd names the unit from linux.cgroupsPath (errors name the field)
// and reaches systemd.
func newSystemd(cfg Config) (Manager, error) {
	rootless := systemdRootless()
	unit, err := cgroupsd.ParsePath(cfg.CgroupsPath, cfg.ID, rootless)
	if err != nil {
		return nil, err
	}
	host, err := detectHost(rootless)
	if err != nil {
		return nil, err
	}
	conn, err := cgroupsd.Connect(rootless)
	if err != nil {
		return nil, err
	}
	m := cgroupsd.New(conn, host, unit)
	return &sdManager{unit: unit.Name, sd: m, fs: &fsManager{path: m.Path(), paths: m.Paths(), host: host}}, nil
}

// detectHost: the host's hierarchies; for the user's systemd, a rootless
// one: the scope is delegated to the user, who cannot load a device
// program (runc's rootless managers skip device rules that fail; the
// user's systemd cannot apply DeviceAllow either).
func detectHost(rootless bool) (*cgroupsfs.Host, error) {
	host, err := cgroupsfs.Detect()
	if err != nil {
		return nil, err
	}
	host.Rootless = rootless
	return host, nil
}

// loadSystemd rebuilds the manager of an existing unit from the state.
func loadSystemd(paths map[string]string, unit string) *sdManager {
	return &sdManager{unit: unit, fs: &fsManager{paths: paths}, started: true}
}

// SystemdAvailable reports whether systemd answers on D-Bus: the system
// instance, and the user's (rt features).
func SystemdAvailable() (system, user bool) {
	return cgroupsd.Ping(false), cgroupsd.Ping(true)
}

// manager returns the cgroupsd manager, reaching systemd once.
func (m *sdManager) manager() (*cgroupsd.Manager, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sd != nil {
		return m.sd, nil
	}
	rootless := systemdRootless()
	conn, err := cgroupsd.Connect(rootless)
	if err != nil {
		return nil, err
	}
	host, err := detectHost(rootless)
	if err != nil {
		conn.Close()
		return nil, err
	}
	m.sd = cgroupsd.Load(conn, host, m.unit, m.fs.paths)
	return m.sd, nil
}

func (m *sdManager) Paths() map[string]string { return m.fs.paths }
func (m *sdManager) Unit() string             { return m.unit }
func (m *sdManager) String() string           { return fmt.Sprintf("systemd unit %s, %s", m.unit, m.fs.String()) }

// Create keeps res: systemd starts a scope only with a process in it, so
// the scope is made by the first Join (runc's Apply(pid) then Set).
func (m *sdManager) Create(res *specs.LinuxResources) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.res, m.created = res, true
	return nil
}

// BornInto: never; the stage is put in the scope by starting it.
func (m *sdManager) BornInto() (string, bool) { return "", false }

// Join starts the scope with pid in it the first time after Create; later
// (exec) it moves pid into the scope's directories.
func (m *sdManager) Join(pid int) error {
	m.mu.Lock()
	start := m.created && !m.started
	m.started = m.started || start
	m.mu.Unlock()
	if !start {
		return m.fs.Join(pid)
	}
	sd, err := m.manager()
	if err != nil {
		return err
	}
	_, err = sd.Apply(pid, m.res)
	return err
}

func (m *sdManager) WarmJoin() {}

// Update sets the unit's properties, then the files.
func (m *sdManager) Update(res *specs.LinuxResources) error {
	sd, err := m.manager()
	if err != nil {
		return err
	}
	return sd.Update(res)
}

func (m *sdManager) Freeze() error                               { return m.fs.Freeze() }
func (m *sdManager) Thaw() error                                 { return m.fs.Thaw() }
func (m *sdManager) Frozen() bool                                { return m.fs.Frozen() }
func (m *sdManager) Stats() (*Stats, error)                      { return m.fs.Stats() }
func (m *sdManager) OOMKills() (uint64, error)                   { return m.fs.OOMKills() }
func (m *sdManager) Pids() ([]int, error)                        { return m.fs.Pids() }
func (m *sdManager) Kill(sig unix.Signal) error                  { return m.fs.Kill(sig) }
func (m *sdManager) Exists() bool                                { return m.fs.Exists() }
func (m *sdManager) Sub(subs map[string]string) (Manager, error) { return m.fs.Sub(subs) }

// Destroy stops and resets the unit, then removes what is left of the
// cgroup; a unit already gone is not an error.
func (m *sdManager) Destroy() error {
	sd, err := m.manager()
	if err != nil {
		return err
	}
	return sd.Destroy()
}

func (m *sdManager) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sd != nil {
		m.sd.Close()
		m.sd = nil
	}
}
