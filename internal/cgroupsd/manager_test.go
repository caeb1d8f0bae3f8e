package cgroupsd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sd "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/cgroupsfs"
)

// fakeSystemd plays systemd's part: a started scope gets its cgroup in every
// hierarchy (with the files cgroupfs would have), a stopped one loses it.
type fakeSystemd struct {
	t       *testing.T
	host    *cgroupsfs.Host
	units   map[string]string // unit -> cgroup path
	result  string            // the next start job's result ("" = done)
	stopErr error
	started [][]sd.Property
	set     [][]sd.Property
	resets  []string
	stops   []string
}

var newCgroupFiles = map[string]string{"cgroup.procs": "", "memory.limit_in_bytes": "9223372036854771712",
	"memory.usage_in_bytes": "0", "pids.max": "max"}

func (f *fakeSystemd) StartTransientUnitContext(_ context.Context, name, mode string, props []sd.Property, ch chan<- string) (int, error) {
	if _, ok := f.units[name]; ok {
		return 0, dbus.Error{Name: "org.freedesktop.systemd1.UnitExists", Body: []any{"Unit " + name + " already exists."}}
	}
	f.started = append(f.started, props)
	if f.result != "" {
		ch <- f.result
		return 1, nil
	}
	var slice string
	for _, p := range props {
		if p.Name == "Slice" {
			slice = p.Value.Value().(string)
		}
	}
	slicePath, err := ExpandSlice(slice)
	if err != nil {
		f.t.Fatal(err)
	}
	path := filepath.Join(slicePath, name)
	for _, mnt := range f.host.V1 {
		dir := filepath.Join(mnt, path)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			f.t.Fatal(err)
		}
		for file, v := range newCgroupFiles {
			os.WriteFile(filepath.Join(dir, file), []byte(v), 0o644)
		}
	}
	f.units[name] = path
	ch <- "done"
	return 1, nil
}

func (f *fakeSystemd) StopUnitContext(_ context.Context, name, mode string, ch chan<- string) (int, error) {
	f.stops = append(f.stops, name)
	if f.stopErr != nil {
		return 0, f.stopErr
	}
	path, ok := f.units[name]
	if !ok {
		return 0, dbus.Error{Name: "org.freedesktop.systemd1.NoSuchUnit", Body: []any{"Unit " + name + " not loaded."}}
	}
	for _, mnt := range f.host.V1 {
		os.RemoveAll(filepath.Join(mnt, path))
	}
	delete(f.units, name)
	ch <- "done"
	return 1, nil
}

func (f *fakeSystemd) ResetFailedUnitContext(_ context.Context, name string) error {
	f.resets = append(f.resets, name)
	delete(f.units, name) // a failed leftover is forgotten
	return nil
}

func (f *fakeSystemd) SetUnitPropertiesContext(_ context.Context, name string, runtime bool, props ...sd.Property) error {
	if !runtime {
		f.t.Errorf("SetUnitProperties runtime=false: runc sets runtime properties")
	}
	f.set = append(f.set, props)
	return nil
}

func (f *fakeSystemd) GetManagerProperty(string) (string, error) { return `"255"`, nil }
func (f *fakeSystemd) Close()                                    {}

// newFakeManager: a v1 host with memory and pids hierarchies in a temp dir.
func newFakeManager(t *testing.T, cgroupsPath string) (*Manager, *fakeSystemd) {
	tmp := t.TempDir()
	host := &cgroupsfs.Host{Mode: cgroupsfs.ModeV1, V1: map[string]string{
		"memory": filepath.Join(tmp, "memory"), "pids": filepath.Join(tmp, "pids")}}
	for _, mnt := range host.V1 {
		os.MkdirAll(mnt, 0o755)
	}
	f := &fakeSystemd{t: t, host: host, units: map[string]string{}}
	unit, err := ParsePath(cgroupsPath, "ID", false)
	if err != nil {
		t.Fatal(err)
	}
	return New(&Conn{sd: f, Version: 255}, host, unit), f
}

func props(ps []sd.Property) map[string]any {
	m := map[string]any{}
	for _, p := range ps {
		m[p.Name] = p.Value.Value()
	}
	return m
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// runc's Apply then Set: the scope is started with the pid, Delegate and
// the properties; the files then get the exact values and the pid.
func TestApply(t *testing.T) {
	m, f := newFakeManager(t, "a-b.slice:rtt:x")
	res := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(64 << 20)}}
	cg, err := m.Apply(4242, res)
	if err != nil {
		t.Fatal(err)
	}
	got := props(f.started[0])
	for k, v := range map[string]any{"Slice": "a-b.slice", "Delegate": true, "PIDs": []uint32{4242},
		"MemoryLimit": uint64(64 << 20), "DefaultDependencies": false, "DevicePolicy": "strict"} {
		if !equal(got[k], v) {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	if m.Path() != "/a.slice/a-b.slice/rtt-x.scope" || cg.Path != m.Path() {
		t.Errorf("path %s, cgroup %s", m.Path(), cg.Path)
	}
	dir := m.host.V1["memory"] + m.Path()
	if v := read(t, dir+"/memory.limit_in_bytes"); v != "67108864" {
		t.Errorf("memory.limit_in_bytes %s", v)
	}
	if v := read(t, m.host.V1["pids"]+m.Path()+"/cgroup.procs"); v != "4242" {
		t.Errorf("cgroup.procs %q", v)
	}

	// update: the properties (runtime), then the files.
	if err := m.Update(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(128 << 20)}}); err != nil {
		t.Fatal(err)
	}
	if got := props(f.set[0]); !equal(got, map[string]any{"MemoryLimit": uint64(128 << 20)}) {
		t.Errorf("update set %v", got)
	}
	if v := read(t, dir+"/memory.limit_in_bytes"); v != "134217728" {
		t.Errorf("memory.limit_in_bytes after update %s", v)
	}

	// delete: stop and reset; a second delete finds no unit, and is fine.
	if err := Load(m.conn, m.host, m.UnitName(), m.Paths()).Destroy(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s left: %v", dir, err)
	}
	if len(f.stops) != 1 || f.resets[len(f.resets)-1] != "rtt-x.scope" {
		t.Errorf("stops %v resets %v", f.stops, f.resets)
	}
	if err := m.Destroy(); err != nil {
		t.Errorf("second destroy: %v", err)
	}
}

// A leftover unit of the same name is reset and the start tried once more
// (runc's startUnit).
func TestApplyUnitExists(t *testing.T) {
	m, f := newFakeManager(t, "")
	f.units["rt-ID.scope"] = "/leftover"
	if _, err := m.Apply(1, nil); err != nil {
		t.Fatal(err)
	}
	if len(f.resets) != 1 || len(f.started) != 1 {
		t.Errorf("resets %v, starts %d", f.resets, len(f.started))
	}
}

// systemd's errors come back on one line with the unit's name.
func TestErrorsNameTheUnit(t *testing.T) {
	m, f := newFakeManager(t, "system.slice:rtt:y")
	f.result = "failed"
	_, err := m.Apply(1, nil)
	if err == nil || !strings.Contains(err.Error(), "rtt-y.scope") || !strings.Contains(err.Error(), `"failed"`) {
		t.Errorf("failed job: %v", err)
	}
	if len(f.resets) == 0 {
		t.Errorf("a failed start must reset the unit")
	}
	f.stopErr = dbus.Error{Name: "org.freedesktop.DBus.Error.AccessDenied", Body: []any{"Access denied\nreally"}}
	err = m.Destroy()
	if err == nil || !strings.Contains(err.Error(), "systemd: stop unit rtt-y.scope: ") || strings.Contains(err.Error(), "\n") {
		t.Errorf("stop error: %v", err)
	}
	_, _, err = Properties(&specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "x"}}, v2, false, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "/linux/resources/cpu/cpus: ") {
		t.Errorf("bad cpus: %v", err)
	}
}

func equal(a, b any) bool { return strings.TrimSpace(sprint(a)) == strings.TrimSpace(sprint(b)) }

func sprint(v any) string { return fmt.Sprintf("%#v", v) }
