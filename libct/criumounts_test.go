package libct

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// A restore onto a fresh rootfs: the mount points missing from it are
// made (directories, and a file for a file bind; inside a bind, in the
// bind's source), none under a tmpfs, none outside the rootfs through a
// symlink, and no bind is left behind.
func TestPrepareRestoreMounts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (bind mounts)")
	}
	dir := t.TempDir()
	rootfs, src, outside := filepath.Join(dir, "rootfs"), filepath.Join(dir, "src"), filepath.Join(dir, "outside")
	for _, d := range []string{rootfs, src, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	// An absolute symlink in the rootfs resolves inside it at restore.
	if err := os.Symlink(outside, filepath.Join(rootfs, "evil")); err != nil {
		t.Fatal(err)
	}
	mounts := []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs"},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts"},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup"},
		{Destination: "/data", Type: "bind", Source: src, Options: []string{"rbind"}},
		{Destination: "/data/inner/x", Type: "tmpfs", Source: "tmpfs"},
		{Destination: "/etc/a/file", Type: "none", Source: file, Options: []string{"bind", "ro"}},
	}
	if err := prepareRestoreMounts(rootfs, mounts); err != nil {
		t.Fatal(err)
	}
	// /evil resolves to the rootfs's own (missing) $outside: an error or
	// a directory there, never one in the host's $outside.
	prepareRestoreMounts(rootfs, []specs.Mount{{Destination: "/evil/x", Type: "tmpfs", Source: "tmpfs"}})
	for _, c := range []struct {
		path string
		dir  bool
	}{
		{filepath.Join(rootfs, "proc"), true},
		{filepath.Join(rootfs, "dev"), true},
		{filepath.Join(rootfs, "data"), true},
		{filepath.Join(src, "inner", "x"), true}, // made through the bind
		{filepath.Join(rootfs, "etc", "a", "file"), false},
		{filepath.Join(outside, "x"), true},
	} {
		fi, err := os.Stat(c.path)
		if c.path == filepath.Join(outside, "x") {
			if err == nil {
				t.Errorf("%s made outside the rootfs through a symlink", c.path)
			}
			continue
		}
		if err != nil {
			t.Errorf("mount point not made: %v", err)
			continue
		}
		if fi.IsDir() != c.dir {
			t.Errorf("%s: is a directory %v, want %v", c.path, fi.IsDir(), c.dir)
		}
	}
	for _, p := range []string{"dev/pts", "sys", "data/inner"} {
		if _, err := os.Stat(filepath.Join(rootfs, p)); err == nil {
			t.Errorf("%s made (under a tmpfs, a cgroup mount, or in the bind's place)", p)
		}
	}
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), " "+rootfs+"/") {
		t.Errorf("a bind is left under %s", rootfs)
	}
}
