package rootfs

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// index is the position of the first line holding sub, -1 if none.
func index(lines []string, sub string) int {
	for i, l := range lines {
		if strings.Contains(l, sub) {
			return i
		}
	}
	return -1
}

// Some engines list /dev/ptmx (c 5:2) in linux.devices; runc makes
// /dev/ptmx the link to pts/ptmx and skips the node, and so does rt.
func TestPtmxDeviceSkipped(t *testing.T) {
	dir := t.TempDir()
	spec := rootfsSpec()
	spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/ptmx", Type: "c", Major: 5, Minor: 2}}
	lines := planLines(t, spec, Options{Rootfs: dir, Bundle: dir})
	if has(lines, "mknod /dev/ptmx") {
		t.Errorf("a node is made at /dev/ptmx:\n%s", strings.Join(lines, "\n"))
	}
	if !has(lines, "symlink /dev/ptmx -> pts/ptmx") {
		t.Errorf("no /dev/ptmx link:\n%s", strings.Join(lines, "\n"))
	}
}

// A read-only /dev or tmpfs is mounted writable and made read-only once
// the root is set up (after the switch), as runc's finalizeRootfs does.
func TestReadonlyTmpfsLater(t *testing.T) {
	dir := t.TempDir()
	spec := rootfsSpec(
		specs.Mount{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"ro", "mode=755"}},
		specs.Mount{Destination: "/t", Type: "tmpfs", Source: "tmpfs", Options: []string{"ro"}},
		specs.Mount{Destination: "/p", Type: "proc", Source: "proc", Options: []string{"ro"}},
	)
	lines := planLines(t, spec, Options{Rootfs: dir, Bundle: dir})
	all := strings.Join(lines, "\n")
	pivot := index(lines, "pivot_root")
	for _, dest := range []string{"/dev", "/t"} {
		m := index(lines, `on `+dest+` type "tmpfs"`)
		if m < 0 || strings.Contains(lines[m], "flags=ro") || strings.Contains(lines[m], "|ro") {
			t.Errorf("%s: mounted read-only at once:\n%s", dest, all)
		}
		ro := index(lines, "mount_setattr "+dest+" set=ro clear=0 recursive=false")
		if ro < pivot {
			t.Errorf("%s: not made read-only after the switch:\n%s", dest, all)
		}
	}
	if has(lines, "mount_setattr /p ") {
		t.Errorf("a proc mount is made read-only later:\n%s", all)
	}
}

// A tmpfs without mode= takes the mode of the directory it covers (the
// stage reads it); with mode=, the plan's mode is used and no flag is set.
func TestTmpfsModeFlag(t *testing.T) {
	dir := t.TempDir()
	spec := rootfsSpec(
		specs.Mount{Destination: "/a", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=1m"}},
		specs.Mount{Destination: "/b", Type: "tmpfs", Source: "tmpfs", Options: []string{"mode=0700"}},
	)
	lines := planLines(t, spec, Options{Rootfs: dir, Bundle: dir})
	all := strings.Join(lines, "\n")
	if i := index(lines, `on /a type "tmpfs"`); i < 0 || !strings.Contains(lines[i], "(mode of the directory it covers)") {
		t.Errorf("/a: no mode of the directory:\n%s", all)
	}
	if has(lines, "mkdir /a ") {
		t.Errorf("/a: made by a mkdir op, so its mode would always be 0755:\n%s", all)
	}
	if i := index(lines, `on /b type "tmpfs"`); i < 0 || strings.Contains(lines[i], "mode of the directory") {
		t.Errorf("/b: mode= given, yet the directory's is asked for:\n%s", all)
	}
}
