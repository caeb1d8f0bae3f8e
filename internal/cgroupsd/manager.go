package cgroupsd

import (
	"context"
	"errors"
	"fmt"
	"path"

	sd "github.com/coreos/go-systemd/v22/dbus"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/cgroupsfs"
)

// Manager is one container's unit, and its cgroup through cgroupsfs.
type Manager struct {
	Unit Unit
	conn *Conn
	host *cgroupsfs.Host
	cg   *cgroupsfs.Cgroup // from the state (Load)
}

// New binds the unit to a connection and the host's hierarchies. Nothing is
// asked of systemd yet.
func New(conn *Conn, host *cgroupsfs.Host, unit Unit) *Manager {
	return &Manager{Unit: unit, conn: conn, host: host}
}

// Load rebuilds the manager of an existing unit from what the state kept:
// its name and its cgroup directories.
func Load(conn *Conn, host *cgroupsfs.Host, unitName string, paths map[string]string) *Manager {
	return &Manager{Unit: Unit{Name: unitName}, conn: conn, host: host, cg: cgroupsfs.Load(host, paths)}
}

// Close ends the connection to systemd.
func (m *Manager) Close() { m.conn.Close() }

// UnitName is the unit's name, as the state keeps it.
func (m *Manager) UnitName() string { return m.Unit.Name }

// Path is the unit's cgroup path relative to each hierarchy's root.
func (m *Manager) Path() string { return path.Join("/", m.conn.Root, m.Unit.Path) }

// Paths are the unit's cgroup directories in every hierarchy, as
// cgroupsfs.Host.Paths gives them (what the state stores).
func (m *Manager) Paths() map[string]string { return m.host.Paths(m.Path()) }

// Cgroup is the cgroupsfs handle on the unit's cgroup (for freeze, kill,
// list, stats), whether or not it exists yet.
func (m *Manager) Cgroup() *cgroupsfs.Cgroup {
	if m.cg != nil {
		return m.cg
	}
	return cgroupsfs.Load(m.host, m.Paths())
}

func (m *Manager) target() Target {
	return Target{V2: m.host.Mode == cgroupsfs.ModeV2, Version: m.conn.Version}
}

// Apply starts the unit with pid in it and res as its properties, then
// has cgroupsfs make what systemd did not (v1 hierarchies it does not
// manage) and write res to the files, and move pid there too. It is
// runc's Apply then Set. If the unit exists already (a failed leftover)
// it is reset and started again once. On error the unit is stopped.
func (m *Manager) Apply(pid int, res *specs.LinuxResources) (cg *cgroupsfs.Cgroup, err error) {
	props, files, err := Properties(res, m.target(), true, HostDeviceGroups)
	if err != nil {
		return nil, err
	}
	unit := m.Unit.Name
	base := []sd.Property{sd.PropDescription("rt container " + unit)}
	if m.Unit.IsSlice() {
		base = append(base, sd.PropWants(m.Unit.Slice))
	} else {
		base = append(base, sd.PropSlice(m.Unit.Slice), prop("Delegate", true))
	}
	io := "IOAccounting"
	if !m.target().V2 {
		io = "BlockIOAccounting"
	}
	base = append(base, prop("PIDs", []uint32{uint32(pid)}), prop("MemoryAccounting", true), prop("CPUAccounting", true),
		prop(io, true), prop("TasksAccounting", true), prop("DefaultDependencies", false))
	props = append(base, props...)
	start := func(ctx context.Context, ch chan<- string) (int, error) {
		return m.conn.sd.StartTransientUnitContext(ctx, unit, "replace", props, ch)
	}
	err = m.conn.runJob(unit, "start", start)
	if isDBusError(err, "org.freedesktop.systemd1.UnitExists") {
		m.conn.resetFailed(unit)
		err = m.conn.runJob(unit, "start", start)
	}
	if err != nil {
		m.conn.resetFailed(unit)
		return nil, fmt.Errorf("systemd: start unit %s: %s", unit, oneLine(err))
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, m.Destroy())
		}
	}()
	if cg, err = m.host.Create(m.Path(), files); err != nil {
		return nil, err
	}
	if err := cg.Join(pid); err != nil {
		return nil, err
	}
	return cg, nil
}

// Update sets res as properties of the unit (runtime ones, as runc does),
// then writes it to the files. Device rules are left as they are.
func (m *Manager) Update(res *specs.LinuxResources) error {
	props, files, err := Properties(res, m.target(), false, nil)
	if err != nil {
		return err
	}
	if len(props) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		if err := m.conn.sd.SetUnitPropertiesContext(ctx, m.Unit.Name, true, props...); err != nil {
			return fmt.Errorf("systemd: set properties of unit %s: %s", m.Unit.Name, oneLine(err))
		}
	}
	return m.Cgroup().Update(files)
}

// Destroy stops the unit (systemd kills what is left in it and removes its
// cgroup), resets it if it failed, and removes what remains of the cgroup
// (directories in v1 hierarchies systemd does not manage, cgroups the
// container made inside). A unit already gone (a scope whose processes all
// died is collected by systemd) is not an error.
func (m *Manager) Destroy() error {
	unit := m.Unit.Name
	err := m.conn.runJob(unit, "stop", func(ctx context.Context, ch chan<- string) (int, error) {
		return m.conn.sd.StopUnitContext(ctx, unit, "replace", ch)
	})
	m.conn.resetFailed(unit)
	if err != nil && !isDBusError(err, "org.freedesktop.systemd1.NoSuchUnit") {
		return fmt.Errorf("systemd: stop unit %s: %s", unit, oneLine(err))
	}
	return m.Cgroup().Destroy()
}
