package cgroupsfs

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/rt-runtime/rt/internal/sysfile"
	"golang.org/x/sys/unix"
)

// TestKernel runs against the machine's real cgroups, as root. It only
// touches /rt-test-<random> cgroups it makes, and removes them even when it
// fails.
func TestKernel(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := os.Stat("/sys/fs/cgroup"); err != nil {
		t.Skip("no /sys/fs/cgroup")
	}
	h, err := Detect()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("mode %v, v1 %v, unified %q %v", h.Mode, h.V1, h.Unified, h.UnifiedControllers)
	path := kernelTestPath(t, h)

	c, err := h.Create(path, fullResources())
	if err != nil {
		t.Fatal(err)
	}
	checkLimits(t, c)
	t.Run("join, kill and destroy", func(t *testing.T) { joinKillDestroy(t, h, c) })
	t.Run("kernel rejects a value", func(t *testing.T) { rejected(t, h) })
}

// kernelTestPath picks a fresh cgroup path and makes sure it is gone at the
// end, whatever happened.
func kernelTestPath(t *testing.T, h *Host) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	path := "/rt-test-" + hex.EncodeToString(b)
	t.Cleanup(func() {
		c := Load(h, pathsIn(h, path))
		_ = c.Kill(unix.SIGKILL)
		if err := c.Destroy(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		checkGone(t, h, path)
	})
	return path
}

func pathsIn(h *Host, path string) map[string]string {
	paths := map[string]string{}
	for _, name := range h.hierarchies() {
		mnt, _ := h.mountpoint(name)
		paths[name] = filepath.Join(mnt, path)
	}
	return paths
}

func checkGone(t *testing.T, h *Host, path string) {
	t.Helper()
	for _, d := range pathsIn(h, path) {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left behind (%v)", d, err)
		}
	}
}

// checkLimits reads back what fullResources asked for, from whichever
// hierarchy serves each controller.
func checkLimits(t *testing.T, c *Cgroup) {
	want := map[string][2]string{ // controller -> v1 file=value, v2 file=value
		"memory": {"memory.limit_in_bytes=67108864", "memory.max=67108864"},
		"pids":   {"pids.max=100", "pids.max=100"},
		"cpu":    {"cpu.shares=512", "cpu.weight=59"},
	}
	for ctl, w := range want {
		dir, v2, ok := c.dirFor(ctl)
		if !ok {
			t.Logf("no %s controller here", ctl)
			continue
		}
		fv := w[0]
		if v2 {
			fv = w[1]
		}
		file, value, _ := strings.Cut(fv, "=")
		if got, err := readFile(filepath.Join(dir, file)); err != nil || got != value {
			t.Errorf("%s = %q (%v), want %q", file, got, err, value)
		}
	}
	if dir, v2, ok := c.dirFor("cpu"); ok {
		files := map[string]string{"cpu.cfs_period_us": "200000", "cpu.cfs_quota_us": "50000"}
		if v2 {
			files = map[string]string{"cpu.max": "50000 200000"}
		}
		for f, v := range files {
			if got, _ := readFile(filepath.Join(dir, f)); got != v {
				t.Errorf("%s = %q, want %q", f, got, v)
			}
		}
	}
}

// sleeper starts a sleep in the cgroup and reaps it in the background.
func sleeper(t *testing.T, c *Cgroup) (int, chan struct{}) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
	if err := c.Join(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid, done
}

func joinKillDestroy(t *testing.T, h *Host, c *Cgroup) {
	pid1, done1 := sleeper(t, c)
	pid2, done2 := sleeper(t, c)
	if pids, err := c.Pids(); err != nil || !reflect.DeepEqual(pids, []int{min(pid1, pid2), max(pid1, pid2)}) {
		t.Errorf("Pids() = %v, %v; want [%d %d]", pids, err, pid1, pid2)
	}
	self, _ := os.ReadFile("/proc/" + strconv.Itoa(pid1) + "/cgroup")
	for _, line := range strings.Split(strings.TrimSpace(string(self)), "\n") {
		if !strings.HasSuffix(line, ":"+c.Path) {
			t.Errorf("pid %d not in %s: %q", pid1, c.Path, line)
		}
	}
	// SIGTERM: the listed-pids path, pidfd-checked.
	if err := c.Kill(unix.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-done1
	<-done2
	// SIGKILL without cgroup.kill: a handle without the unified directory.
	_, done3 := sleeper(t, c)
	v1 := map[string]string{}
	for name, d := range c.Paths {
		if name != "" {
			v1[name] = d
		}
	}
	if err := Load(h, v1).Kill(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done3
	// SIGKILL through cgroup.kill (when the unified directory has it).
	_, done4 := sleeper(t, c)
	if err := Load(h, c.Paths).Kill(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done4
	if err := Load(h, c.Paths).Destroy(); err != nil {
		t.Fatal(err)
	}
	checkGone(t, h, c.Path)
}

func rejected(t *testing.T, h *Host) {
	path := kernelTestPath(t, h)
	// The kernel refuses a CFS quota under 1ms.
	_, err := h.Create(path, &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: ptr(int64(500))}})
	if err == nil {
		t.Fatal("quota 500 accepted")
	}
	t.Logf("error: %v", err)
	if !strings.HasPrefix(err.Error(), `/linux/resources/cpu/quota: writing "500": write /sys/fs/cgroup/`) ||
		!strings.HasSuffix(err.Error(), ": invalid argument") {
		t.Errorf("error %q lacks the field, path or errno", err)
	}
	checkGone(t, h, path)
}

// TestKernelRemovedProcs: cgroup.procs opened before its cgroup was
// removed (systemd removes an emptied scope while rt waits after a kill)
// reads ENODEV, and that reads as a cgroup with no processes.
func TestKernelRemovedProcs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	h, err := Detect()
	if err != nil {
		t.Skip(err)
	}
	path := kernelTestPath(t, h)
	c, err := h.Create(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, dir := range c.Paths {
		procs := filepath.Join(dir, "cgroup.procs")
		fd, err := unix.Open(procs, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fd)
		if err := unix.Rmdir(dir); err != nil {
			t.Fatal(err)
		}
		b, err := sysfile.ReadFd(fd, procs)
		if !errors.Is(err, unix.ENODEV) {
			t.Errorf("%s (%q): read after rmdir: %q, %v; want ENODEV", procs, name, b, err)
		}
		if pids, err := parsePids(procs, b, err); err != nil || len(pids) != 0 {
			t.Errorf("%s: parsePids = %v, %v; want none, no error", procs, pids, err)
		}
	}
}

// TestDetectOncePerProcess: the second Detect reads no mount table, and
// each caller gets a copy of its own to change (the systemd driver sets
// Rootless on its).
func TestDetectOncePerProcess(t *testing.T) {
	a, err := Detect()
	if err != nil {
		t.Skipf("no cgroups here: %v", err)
	}
	a.Rootless = true
	for name := range a.V1 {
		a.V1[name] = "/changed"
	}
	a.UnifiedControllers = append(a.UnifiedControllers[:0:0], "changed")
	b, err := Detect()
	if err != nil {
		t.Fatal(err)
	}
	if b.Rootless {
		t.Error("a caller's change to Rootless reached the next caller")
	}
	for name, mnt := range b.V1 {
		if mnt == "/changed" {
			t.Errorf("a caller's change to V1[%s] reached the next caller", name)
		}
	}
	if b == a || b.Mode != a.Mode || b.Unified != a.Unified {
		t.Errorf("the copies differ in what was not changed: %+v, %+v", a, b)
	}
}
