package libct

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/cgroups"
)

// Issue 10, item 7: a root others could write is refused.
func TestCheckRoot(t *testing.T) {
	dir := t.TempDir()
	if err := CheckRoot(dir); err != nil {
		t.Errorf("CheckRoot(0700 dir) = %v", err)
	}
	for _, mode := range []os.FileMode{0o777, 0o720, 0o702, 0o1777} {
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		err := CheckRoot(dir)
		if err == nil || !strings.Contains(err.Error(), "writable by group or others") || !strings.Contains(err.Error(), dir) {
			t.Errorf("CheckRoot(mode %o) = %v", mode, err)
		}
	}
	os.Chmod(dir, 0o755)
	if err := CheckRoot(dir); err != nil {
		t.Errorf("CheckRoot(0755 dir) = %v", err)
	}
	if err := CheckRoot(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("CheckRoot(missing) = %v, want ErrNotExist", err)
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o600)
	if err := CheckRoot(file); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("CheckRoot(file) = %v", err)
	}
	if err := CheckRoot("/"); err == nil || !strings.Contains(err.Error(), "must not be /") {
		t.Errorf("CheckRoot(/) = %v", err)
	}
	if os.Geteuid() == 0 {
		other := filepath.Join(dir, "other")
		os.Mkdir(other, 0o700)
		if err := os.Chown(other, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if err := CheckRoot(other); err == nil || !strings.Contains(err.Error(), "owned by uid 65534") {
			t.Errorf("CheckRoot(owned by 65534) = %v", err)
		}
	}
}

func TestLoadRefusesRoot(t *testing.T) {
	root := t.TempDir()
	writeState(t, root, "c1", State{Pid: 1})
	os.Chmod(root, 0o777)
	if _, err := Load(root, "c1", false); err == nil || errors.Is(err, ErrNotExist) {
		t.Errorf("Load in a 0777 root = %v, want a refusal", err)
	}
	if _, err := List(root); err == nil {
		t.Errorf("List of a 0777 root succeeded")
	}
}

// Issue 10, section 3, "a blocked id".
func TestRemoveStale(t *testing.T) {
	root := t.TempDir()
	mk := func(id string, files ...string) string {
		dir := filepath.Join(root, id)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			os.WriteFile(filepath.Join(dir, f), nil, 0o600)
		}
		return dir
	}
	for _, c := range []struct {
		id    string
		files []string
		stale bool
	}{
		{"empty", nil, true},
		{"lock-only", []string{lockFile}, true},
		{"lock-config", []string{lockFile, configFile}, true},
		{"no-lock-junk", []string{configFile}, true},
		{"has-state", []string{lockFile, stateFile}, false},
	} {
		dir := mk(c.id, c.files...)
		removed, err := RemoveStale(root, c.id)
		if err != nil || removed != c.stale {
			t.Errorf("RemoveStale(%s) = %v, %v; want %v", c.id, removed, err, c.stale)
		}
		if _, err := os.Stat(dir); (err == nil) == c.stale {
			t.Errorf("RemoveStale(%s): dir exists = %v", c.id, err == nil)
		}
	}
	// A live creator holds the lock: not stale.
	dir := mk("held", lockFile)
	f, err := os.Open(filepath.Join(dir, lockFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if removed, err := RemoveStale(root, "held"); removed || err != nil {
		t.Errorf("RemoveStale(held lock) = %v, %v", removed, err)
	}
	if removed, err := RemoveStale(root, "never-made"); removed || err != nil {
		t.Errorf("RemoveStale(missing) = %v, %v", removed, err)
	}
}

// Issue 10, item 2 and section 3: the state dir holds the snapshot of the
// config (0600) and, from its first save, the cgroup about to be made.
func TestNewContainer(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	spec := &specs.Spec{Version: "1.2.0", Hostname: "snap", Root: &specs.Root{Path: "rootfs"},
		Process: &specs.Process{Args: []string{"sh"}, Cwd: "/"},
		Hooks:   &specs.Hooks{Poststop: []specs.Hook{{Path: "/bin/true"}}}}
	paths := map[string]string{"": "/sys/fs/cgroup/unified/rt/c1"}
	c, err := newContainer(root, "c1", spec, "/bundle", fsCgroup(t, paths))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if st, err := os.Stat(root); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("root: %v, %v; want mode 0700", st.Mode(), err)
	}
	st, err := os.Stat(filepath.Join(root, "c1", configFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("config snapshot: %v, %v; want mode 0600", st, err)
	}
	got, err := c.Spec()
	if err != nil || got.Hostname != "snap" || got.Process.Args[0] != "sh" {
		t.Errorf("Spec() = %+v, %v", got, err)
	}
	again, err := Load(root, "c1", false)
	if err != nil {
		t.Fatal(err)
	}
	if !again.State.Creating || again.State.CgroupPaths[""] != paths[""] || again.State.Hooks == nil {
		t.Errorf("first state: %+v", again.State)
	}
	if _, err := newContainer(root, "c1", spec, "/bundle", fsCgroup(t, paths)); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second newContainer = %v, want already exists", err)
	}
}

func fsCgroup(t *testing.T, paths map[string]string) cgroups.Manager {
	t.Helper()
	m, err := cgroups.Load(paths, "")
	if err != nil {
		t.Fatal(err)
	}
	return m
}
