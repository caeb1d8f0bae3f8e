package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/cgroupsfs"
	"github.com/rt-runtime/rt/internal/sysfile"
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

// InsideStarter is a Manager that can start a process inside its cgroup
// on a host with v1 hierarchies, where clone3's CLONE_INTO_CGROUP reaches
// only the unified one: the process is forked from a thread already in
// the cgroup. The fs driver is one; systemd's is not (it must move pids).
type InsideStarter interface {
	// CanStartInside: the host has v1 hierarchies, and rt may write to
	// them (it is root in the initial user namespace).
	CanStartInside() bool
	// StartInside runs start on an OS thread that is in the cgroup in every
	// v1 hierarchy, giving it the cgroup's cgroup2 directory ("" when
	// there is none) for clone3 (CLONE_INTO_CGROUP): what start forks is
	// born in the whole cgroup and nothing is moved, so nothing waits for
	// the kernel's thread-group lock (cgroupsfs.Cgroup.ThreadJoin). The
	// thread is moved back afterwards, after StartInside has returned and
	// once moveBack is closed (nil: at once): the caller keeps the moves
	// off its critical path by closing it when it next waits. An error
	// wrapping ErrNotInside: start did not run.
	StartInside(start func(cgroup2Dir string) error, moveBack <-chan struct{}) error
	// PidsLimited reports whether the cgroup or one of its ancestors has
	// a pids limit now (a pids.max that is not "max"); an unreadable one
	// counts as a limit.
	PidsLimited() bool
}

// ErrNotInside is wrapped by StartInside's errors when it did not run
// start: the caller moves the process instead.
var ErrNotInside = errors.New("cgroup: cannot start a process inside the cgroup")

func (m *fsManager) CanStartInside() bool {
	cg, err := m.cgroup()
	if err != nil || os.Geteuid() != 0 {
		return false
	}
	mode := m.host.Mode
	return cg != nil && (mode == cgroupsfs.ModeV1 || mode == cgroupsfs.ModeHybrid)
}

func (m *fsManager) StartInside(start func(cgroup2Dir string) error, moveBack <-chan struct{}) error {
	cg, err := m.cgroup()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotInside, err)
	}
	done := make(chan error, 1)
	// A goroutine of its own: should the thread fail to move back, it
	// stays locked and ends with the goroutine (see runtime.LockOSThread).
	go func() {
		runtime.LockOSThread()
		var cpus unix.CPUSet
		affErr := unix.SchedGetaffinity(0, &cpus)
		back, err := cg.ThreadJoin()
		if err != nil {
			runtime.UnlockOSThread()
			done <- fmt.Errorf("%w: %w", ErrNotInside, err)
			return
		}
		// What start made is all that is waited for: the thread's way back
		// (one write per hierarchy) is off the caller's path.
		done <- start(cg.Paths[""])
		if moveBack != nil {
			<-moveBack
		}
		if back() != nil {
			return // the thread ends, locked
		}
		if affErr == nil {
			// a v1 cpuset move sets the thread's CPUs to the cpuset's
			_ = unix.SchedSetaffinity(0, &cpus)
		}
		runtime.UnlockOSThread()
	}()
	return <-done
}

func (m *fsManager) PidsLimited() bool {
	if _, err := m.cgroup(); err != nil {
		return true
	}
	dir, mnt := m.paths["pids"], m.host.V1["pids"]
	if dir == "" {
		if dir, mnt = m.paths[""], m.host.Unified; dir == "" {
			return false // no pids controller: no limit
		}
	}
	// the cgroup's own limit and every ancestor's count
	for ; dir != mnt && strings.HasPrefix(dir, mnt+"/"); dir = filepath.Dir(dir) {
		data, err := sysfile.Read(filepath.Join(dir, "pids.max"))
		if os.IsNotExist(err) {
			continue // v2: the pids controller is not enabled here
		}
		if err != nil || strings.TrimSpace(string(data)) != "max" {
			return true
		}
	}
	return false
}
