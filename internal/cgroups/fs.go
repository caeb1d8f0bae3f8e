package cgroups

import (
	"fmt"
	"os"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/cgroupsfs"
)

// fsManager drives the cgroup filesystem directly (cgroupsfs).
type fsManager struct {
	path  string            // relative to each hierarchy's root; "" when loaded
	paths map[string]string // hierarchy → directory
	host  *cgroupsfs.Host   // nil until needed
	cg    *cgroupsfs.Cgroup // nil until made or loaded

	mu sync.Mutex // WarmJoin runs in a goroutine beside Join
}

// cgroup returns the cgroupsfs handle, detecting the host's layout once.
func (m *fsManager) cgroup() (*cgroupsfs.Cgroup, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cg != nil {
		return m.cg, nil
	}
	if m.host == nil {
		host, err := cgroupsfs.Detect()
		if err != nil {
			return nil, err
		}
		m.host = host
	}
	m.cg = cgroupsfs.Load(m.host, m.paths)
	return m.cg, nil
}

func (m *fsManager) Paths() map[string]string { return m.paths }
func (m *fsManager) Close()                   {}
func (m *fsManager) Unit() string             { return "" }

func (m *fsManager) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.host == nil {
		return "fs"
	}
	return fmt.Sprintf("%s host, cgroup path %s", m.host.Mode, m.path)
}

func (m *fsManager) Create(res *specs.LinuxResources) error {
	if m.host == nil {
		return fmt.Errorf("cgroup: Create needs a manager from New")
	}
	cg, err := m.host.Create(m.path, res)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.cg, m.paths = cg, cg.Paths
	m.mu.Unlock()
	return nil
}

func (m *fsManager) BornInto() (string, bool) {
	return cgroupsfs.Load(nil, m.paths).UnifiedOnly()
}

func (m *fsManager) Join(pid int) error {
	cg, err := m.cgroup()
	if err != nil {
		return err
	}
	return cg.Join(pid)
}

func (m *fsManager) WarmJoin() {
	if cg, err := m.cgroup(); err == nil {
		cg.WarmMigration()
	}
}

func (m *fsManager) Update(res *specs.LinuxResources) error {
	cg, err := m.cgroup()
	if err != nil {
		return err
	}
	return cg.Update(res)
}

func (m *fsManager) Freeze() error {
	cg, err := m.cgroup()
	if err != nil {
		return err
	}
	return cg.Freeze()
}

func (m *fsManager) Thaw() error {
	cg, err := m.cgroup()
	if err != nil {
		return err
	}
	return cg.Thaw()
}

// Frozen needs only the paths: no mountinfo is read.
func (m *fsManager) Frozen() bool { return cgroupsfs.Load(nil, m.paths).Frozen() }

func (m *fsManager) Stats() (*Stats, error) {
	cg, err := m.cgroup()
	if err != nil {
		return nil, err
	}
	return cg.Stats()
}

func (m *fsManager) OOMKills() (uint64, error) {
	cg, err := m.cgroup()
	if err != nil {
		return 0, err
	}
	return cg.OOMKills()
}

func (m *fsManager) Pids() ([]int, error) {
	cg, err := m.cgroup()
	if err != nil {
		return nil, err
	}
	return cg.Pids()
}

func (m *fsManager) Kill(sig unix.Signal) error {
	cg, err := m.cgroup()
	if err != nil {
		return err
	}
	return cg.Kill(sig)
}

func (m *fsManager) Destroy() error {
	cg, err := m.cgroup()
	if err != nil {
		return err
	}
	return cg.Destroy()
}

func (m *fsManager) Exists() bool {
	for _, dir := range m.paths {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return true
		}
	}
	return false
}

func (m *fsManager) Sub(subs map[string]string) (Manager, error) {
	cg, err := m.cgroup()
	if err != nil {
		return nil, err
	}
	sub, err := cg.Sub(subs)
	if err != nil {
		return nil, err
	}
	return &fsManager{path: sub.Path, paths: sub.Paths, host: m.host, cg: sub}, nil
}
