package cgroups

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var _ Manager = (*fsManager)(nil)

// Load reads nothing: a manager rebuilt from a state's paths answers
// Paths, BornInto, Exists and Frozen from those paths alone (Status calls
// Frozen for every container `rt list` shows).
func TestLoadIsLazy(t *testing.T) {
	dir := t.TempDir()
	v1 := map[string]string{"freezer": filepath.Join(dir, "freezer"), "memory": filepath.Join(dir, "memory")}
	m, err := Load(v1, "")
	if err != nil {
		t.Fatal(err)
	}
	if m.(*fsManager).host != nil {
		t.Error("Load detected the host")
	}
	if m.Exists() {
		t.Error("exists before its directories do")
	}
	if _, ok := m.BornInto(); ok {
		t.Error("born into a v1 cgroup")
	}
	os.Mkdir(v1["freezer"], 0o755)
	os.WriteFile(filepath.Join(v1["freezer"], "freezer.state"), []byte("FROZEN\n"), 0o644)
	if !m.Exists() || !m.Frozen() {
		t.Errorf("exists %v, frozen %v; want both", m.Exists(), m.Frozen())
	}
	if m.(*fsManager).host != nil {
		t.Error("Frozen detected the host")
	}
	v2, _ := Load(map[string]string{"": filepath.Join(dir, "unified")}, "")
	if d, ok := v2.BornInto(); !ok || d != filepath.Join(dir, "unified") {
		t.Errorf("BornInto %q %v on a v2-only cgroup", d, ok)
	}
	if m.Unit() != "" {
		t.Errorf("unit %q for the fs driver", m.Unit())
	}
}

// The systemd driver: a state naming a unit loads it (it reaches systemd
// only when needed); a malformed cgroupsPath is refused naming the field
// before systemd is asked.
func TestSystemdDriver(t *testing.T) {
	m, err := Load(map[string]string{"": "/sys/fs/cgroup/system.slice/rt-x.scope"}, "rt-x.scope")
	if err != nil || m.Unit() != "rt-x.scope" {
		t.Errorf("Load with a unit: %v, %v", m, err)
	}
	if _, ok := m.BornInto(); ok {
		t.Errorf("a scope is started with its process, never born into")
	}
	_, err = New(Config{ID: "x", CgroupsPath: "/not/slice:form", Systemd: true})
	if err == nil || !strings.HasPrefix(err.Error(), "/linux/cgroupsPath: ") {
		t.Errorf("New systemd with a bad path: %v", err)
	}
}

// A bad linux.cgroupsPath is told apart from a host without cgroups, so
// that libct names the field.
func TestNewPathError(t *testing.T) {
	_, err := New(Config{ID: "x", CgroupsPath: "/"})
	if err == nil {
		t.Fatal("the root cgroup accepted")
	}
	if _, derr := New(Config{ID: "x"}); derr != nil {
		t.Skipf("no cgroup filesystem here: %v", derr)
	}
	if !errors.Is(err, ErrCgroupsPath) {
		t.Errorf("%v does not wrap ErrCgroupsPath", err)
	}
	m, err := New(Config{ID: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range m.Paths() {
		if filepath.Base(d) != "x" {
			t.Errorf("path %s for id x", d)
		}
	}
}
