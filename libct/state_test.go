package libct

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// startTime reads field 22 of /proc/PID/stat, independently of procStat.
func startTime(t *testing.T, pid int) uint64 {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	rest := data[bytes.LastIndexByte(data, ')')+2:] // field 3 onwards
	fields := strings.Fields(string(rest))
	v, err := strconv.ParseUint(fields[22-3], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// writeState makes ROOT/ID by hand, as a previous `rt create` would have.
func writeState(t testing.TB, root, id string, st State) string {
	t.Helper()
	dir := filepath.Join(root, id)
	if err := os.MkdirAll(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	st.ID = id
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, stateFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, lockFile), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func load(t *testing.T, root, id string) *Container {
	t.Helper()
	c, err := Load(root, id, false)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// containerd and podman match "does not exist" (DESIGN.md, details that bite).
func TestLoadMissing(t *testing.T) {
	root := t.TempDir()
	for _, lock := range []bool{false, true} {
		_, err := Load(root, "nope", lock)
		if err == nil || !strings.Contains(err.Error(), "does not exist") || !errors.Is(err, ErrNotExist) {
			t.Errorf("Load(missing, lock=%v) = %v, want \"does not exist\"", lock, err)
		}
	}
	// The root itself missing is the same answer.
	if _, err := Load(filepath.Join(root, "no-root"), "nope", false); err == nil || !errors.Is(err, ErrNotExist) {
		t.Errorf("Load(missing root) = %v", err)
	}
	// A directory without state.json (being created) does not exist either.
	if err := os.Mkdir(filepath.Join(root, "half"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(root, "half", false); err == nil || !errors.Is(err, ErrNotExist) {
		t.Errorf("Load(no state.json) = %v", err)
	}
}

func TestLoadInvalidID(t *testing.T) {
	root := t.TempDir()
	writeState(t, root, "ok", State{Pid: 1})
	for _, id := range []string{"../" + filepath.Base(root) + "/ok", "..", "a/b", ""} {
		if _, err := Load(root, id, false); err == nil || !strings.Contains(err.Error(), "invalid container id") {
			t.Errorf("Load(%q) = %v, want an invalid id error", id, err)
		}
	}
}

func TestLoadCorrupt(t *testing.T) {
	root := t.TempDir()
	dir := writeState(t, root, "bad", State{})
	if err := os.WriteFile(filepath.Join(dir, stateFile), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(root, "bad", false)
	if err == nil || !strings.Contains(err.Error(), "corrupt") || errors.Is(err, ErrNotExist) {
		t.Errorf("Load(corrupt) = %v", err)
	}
}

func TestLoadRoundTrip(t *testing.T) {
	root := t.TempDir()
	created := time.Date(2024, 5, 6, 7, 8, 9, 10, time.UTC)
	want := State{OCIVersion: "1.2.0", Pid: 1234, PidStart: 5678, Bundle: "/b", Rootfs: "/b/rootfs",
		Created: created, OwnerUID: 0, Annotations: map[string]string{"a": "b"},
		CgroupPaths: map[string]string{"": "/sys/fs/cgroup/unified/x"}}
	writeState(t, root, "c1", want)
	want.ID = "c1"
	c := load(t, root, "c1")
	got, _ := json.Marshal(c.State)
	exp, _ := json.Marshal(want)
	if !bytes.Equal(got, exp) {
		t.Errorf("loaded %s, want %s", got, exp)
	}
	if c.Root != root {
		t.Errorf("Root = %q", c.Root)
	}
}

// save replaces state.json atomically and leaves no temp file; it is 0600.
func TestSave(t *testing.T) {
	root := t.TempDir()
	writeState(t, root, "c1", State{Pid: 1})
	c := load(t, root, "c1")
	c.State.Bundle = "/new"
	if err := c.save(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(root, "c1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != stateFile && e.Name() != lockFile {
			t.Errorf("left behind %s", e.Name())
		}
	}
	st, err := os.Stat(filepath.Join(root, "c1", stateFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("state.json mode %v, %v; want 0600", st.Mode(), err)
	}
	if again := load(t, root, "c1"); again.State.Bundle != "/new" {
		t.Errorf("saved bundle %q", again.State.Bundle)
	}
}

// Commands that change a container hold its flock until Close.
func TestLoadLock(t *testing.T) {
	root := t.TempDir()
	writeState(t, root, "c1", State{Pid: 1})
	c, err := Load(root, "c1", true)
	if err != nil {
		t.Fatal(err)
	}
	other, err := os.Open(filepath.Join(root, "c1", lockFile))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := unix.Flock(int(other.Fd()), unix.LOCK_EX|unix.LOCK_NB); !errors.Is(err, unix.EWOULDBLOCK) {
		t.Errorf("flock while Load holds the lock: %v, want EWOULDBLOCK", err)
	}
	c.Close()
	c.Close() // twice is harmless
	if err := unix.Flock(int(other.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		t.Errorf("flock after Close: %v", err)
	}
}

func TestList(t *testing.T) {
	root := t.TempDir()
	if cs, err := List(filepath.Join(root, "missing")); err != nil || len(cs) != 0 {
		t.Errorf("List(missing root) = %v, %v", cs, err)
	}
	if cs, err := List(root); err != nil || len(cs) != 0 {
		t.Errorf("List(empty root) = %v, %v", cs, err)
	}
	for _, id := range []string{"zeta", "alpha", "mid.1"} {
		writeState(t, root, id, State{Pid: 1})
	}
	os.WriteFile(filepath.Join(root, "a-file"), nil, 0o600)
	os.Mkdir(filepath.Join(root, "being-created"), 0o700) // no state.json yet
	os.Mkdir(filepath.Join(root, ".hidden"), 0o700)       // not a valid id
	cs, err := List(root)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.State.ID)
	}
	if strings.Join(ids, ",") != "alpha,mid.1,zeta" {
		t.Errorf("List ids = %v, want alpha,mid.1,zeta", ids)
	}
}

// Status is derived from the init and the fifo, as runc does
// (runtime.md#state; DESIGN.md "State").
func TestStatus(t *testing.T) {
	root := t.TempDir()
	self := os.Getpid()
	start := startTime(t, self)

	dir := writeState(t, root, "running", State{Pid: self, PidStart: start})
	if s := load(t, root, "running").Status(); s != Running {
		t.Errorf("own pid, no fifo: %s, want running", s)
	}
	if err := unix.Mkfifo(filepath.Join(dir, fifoFile), 0o600); err != nil {
		t.Fatal(err)
	}
	if s := load(t, root, "running").Status(); s != Created {
		t.Errorf("own pid, fifo present: %s, want created", s)
	}

	writeState(t, root, "reused", State{Pid: self, PidStart: start + 1})
	if s := load(t, root, "reused").Status(); s != Stopped {
		t.Errorf("own pid with another start time (a reused pid): %s, want stopped", s)
	}

	gone := exitedPid(t)
	writeState(t, root, "gone", State{Pid: gone, PidStart: 1})
	if s := load(t, root, "gone").Status(); s != Stopped {
		t.Errorf("pid %d that does not exist: %s, want stopped", gone, s)
	}

	writeState(t, root, "creating", State{})
	if s := load(t, root, "creating").Status(); s != Creating {
		t.Errorf("pid 0: %s, want creating", s)
	}
}

// A zombie init has exited: stopped, even though its pid and start time match.
func TestStatusZombie(t *testing.T) {
	cmd := exec.Command("/bin/true")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	pid := cmd.Process.Pid
	defer cmd.Wait()
	start := startTime(t, pid)
	deadline := time.Now().Add(5 * time.Second)
	for {
		state, _, err := procStat(pid)
		if err != nil {
			t.Fatal(err)
		}
		if state == 'Z' {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %d never became a zombie (state %c)", pid, state)
		}
		time.Sleep(5 * time.Millisecond)
	}
	root := t.TempDir()
	writeState(t, root, "z", State{Pid: pid, PidStart: start})
	if s := load(t, root, "z").Status(); s != Stopped {
		t.Errorf("zombie init: %s, want stopped", s)
	}
}

// exitedPid returns the pid of a child that has exited and been reaped.
func exitedPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("/bin/true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	pid := cmd.Process.Pid
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
		t.Skipf("pid %d was reused already", pid)
	}
	return pid
}

func TestProcStat(t *testing.T) {
	state, start, err := procStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if state != 'R' && state != 'S' {
		t.Errorf("own state %c", state)
	}
	if start != startTime(t, os.Getpid()) {
		t.Errorf("start time %d, want %d", start, startTime(t, os.Getpid()))
	}
	if _, _, err := procStat(exitedPid(t)); err == nil {
		t.Error("procStat of an exited pid succeeded")
	}
}
