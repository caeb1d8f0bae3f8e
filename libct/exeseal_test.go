package libct

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// overlayfs splits lowerdir at ':' and unescapes "\:" and "\\".
func TestOverlayLowerDirs(t *testing.T) {
	for _, tt := range []struct {
		dirs []string
		want string
	}{
		{[]string{"/usr/bin", "/run/rt/.empty"}, "/usr/bin:/run/rt/.empty"},
		{[]string{"/opt/a:b", "/run/rt/.empty"}, `/opt/a\:b:/run/rt/.empty`},
		{[]string{`/opt/a\b`, `/r:t\`}, `/opt/a\\b:/r\:t\\`},
	} {
		if got := overlayLowerDirs(tt.dirs...); got != tt.want {
			t.Errorf("overlayLowerDirs(%q) = %q, want %q", tt.dirs, got, tt.want)
		}
	}
}

// The seal works for a binary whose directory has the characters lowerdir
// escapes, and the handle is the binary's content on a read-only overlayfs
// (not a copy): the kernel's side of TestOverlayLowerDirs.
func TestOverlayExe(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("an overlayfs mount needs root")
	}
	dir := filepath.Join(t.TempDir(), `bin:with\odd`)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "rt")
	content := []byte("#!/bin/sh\necho sealed\n")
	if err := os.WriteFile(exe, content, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := overlayExe(exe, t.TempDir())
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.ENODEV) {
		t.Skipf("no fsopen or no overlayfs here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	path := checkSealed(t, f)
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, content) {
		t.Errorf("content through the overlay %q, want %q", got, content)
	}
}

// checkSealed: the handle f is on an overlayfs and does not open for
// writing (no upper layer: read-only for good); it returns its
// /proc/self/fd path.
func checkSealed(t *testing.T, f *os.File) string {
	t.Helper()
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	if st.Type != unix.OVERLAYFS_SUPER_MAGIC {
		t.Errorf("the handle is on filesystem %#x, want overlayfs", st.Type)
	}
	path := "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
	if w, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
		w.Close()
		t.Error("the sealed binary opens for writing")
	}
	return path
}

// The seal of an rt that may not mount where it runs: the helper makes the
// overlayfs in a user namespace of its own, and the handle it sends back
// is the binary on a read-only overlayfs that rt can still exec (issue 14:
// rootless, without a memfd copy). Root runs it too: the helper's way
// works for any caller the kernel lets make a user namespace.
func TestUsernsOverlayExe(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "rt")
	// a real executable: a script's interpreter would reopen the path,
	// and /proc/self/fd/N is not the interpreter's
	content, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Skip(err)
	}
	if err := os.WriteFile(exe, content, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := usernsOverlayExe(exe, t.TempDir())
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.ENODEV) || errors.Is(err, unix.EINVAL) {
		t.Skipf("no overlayfs in a user namespace here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	path := checkSealed(t, f)
	if err := exec.Command(path).Run(); err != nil {
		t.Errorf("exec of the sealed binary: %v", err)
	}
}
