package libct

import (
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/cgroupsd"
	"github.com/rt-runtime/rt/cgroupsfs"
)

// The systemd cgroup driver (--systemd-cgroup), wired in beside
// cgroupsfs: the container's cgroup is a scope that systemd starts with
// the stage in it (cgroupsd.Manager.Apply, where cgroupsfs would move the
// stage), stops on delete, and whose properties update sets. Everything
// else (freeze, kill, ps, stats, exec's join) is cgroupsfs on the scope's
// directories, which the state keeps as for any cgroup.

// systemdCreate is the driver during create, and the resources it applies
// when the stage is started.
type systemdCreate struct {
	m   *cgroupsd.Manager
	res *specs.LinuxResources
}

// systemdRootless: a non-root caller talks to its own systemd (user bus).
func systemdRootless() bool { return os.Geteuid() != 0 }

// systemdManager names the unit from linux.cgroupsPath and reaches systemd.
func systemdManager(host *cgroupsfs.Host, cgroupsPath, id string) (*cgroupsd.Manager, error) {
	unit, err := cgroupsd.ParsePath(cgroupsPath, id, systemdRootless())
	if err != nil {
		return nil, err
	}
	conn, err := cgroupsd.Connect(systemdRootless())
	if err != nil {
		return nil, err
	}
	return cgroupsd.New(conn, host, unit), nil
}

// useSystemd records the unit in the state before it is started, so that
// a create killed from then on leaves nothing `delete -f` cannot find.
func (c *Container) useSystemd(m *cgroupsd.Manager) error {
	if m == nil {
		return nil
	}
	c.systemd = &systemdCreate{m: m}
	c.State.SystemdUnit = m.UnitName()
	return c.save()
}

// closeSystemd ends create's connection to systemd.
func (c *Container) closeSystemd() {
	if c.systemd != nil {
		c.systemd.m.Close()
	}
}

// cgroup is the handle on the scope's cgroup, before the scope exists;
// res is what Apply will set.
func (s *systemdCreate) cgroup(res *specs.LinuxResources) *cgroupsfs.Cgroup {
	s.res = res
	return s.m.Cgroup()
}

// systemdJoin returns the stage's join (start the scope with it) and, when
// the pids limit waits for the init, its setting (TasksMax and pids.max).
func (c *Container) systemdJoin(pids *specs.LinuxResources) (join, onInitPid func(int) error) {
	s := c.systemd
	join = func(pid int) error {
		_, err := s.m.Apply(pid, s.res)
		return err
	}
	if pids != nil {
		onInitPid = func(int) error { return s.m.Update(pids) }
	}
	return join, onInitPid
}

// loadSystemd reaches systemd for a container whose state names a unit.
func (c *Container) loadSystemd() (*cgroupsd.Manager, error) {
	conn, err := cgroupsd.Connect(systemdRootless())
	if err != nil {
		return nil, err
	}
	host, err := cgroupsfs.Detect()
	if err != nil {
		conn.Close()
		return nil, err
	}
	return cgroupsd.Load(conn, host, c.State.SystemdUnit, c.State.CgroupPaths), nil
}

// destroyCgroup removes the container's cgroup; with systemd, it stops
// and resets the unit first.
func (c *Container) destroyCgroup(cg *cgroupsfs.Cgroup) error {
	if c.State.SystemdUnit == "" {
		return cg.Destroy()
	}
	m := c.systemdManagerOrNil()
	if m == nil {
		var err error
		if m, err = c.loadSystemd(); err != nil {
			return err
		}
		defer m.Close()
	}
	return m.Destroy()
}

func (c *Container) systemdManagerOrNil() *cgroupsd.Manager {
	if c.systemd == nil {
		return nil
	}
	return c.systemd.m
}

// updateSystemd sets res on the unit and in the files.
func (c *Container) updateSystemd(res *specs.LinuxResources) error {
	m, err := c.loadSystemd()
	if err != nil {
		return err
	}
	defer m.Close()
	return m.Update(res)
}
