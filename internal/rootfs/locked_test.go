package rootfs

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// A bind's remount repeats the source's lockable flags, except those its
// options clear or, when they name an atime, the atime ones: what the user
// asked for is never overridden (runc: "cannot clear locked flags").
func TestKeptFlags(t *testing.T) {
	all := int64(LockableFlags)
	for _, tt := range []struct {
		opts []string
		want int64
	}{
		{[]string{"bind", "ro"}, all},
		{[]string{"bind", "nosuid"}, all},
		{[]string{"bind", "rw", "nosuid"}, all &^ unix.MS_RDONLY},
		{[]string{"bind", "suid", "dev", "exec", "ro"}, all &^ (unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)},
		{[]string{"bind", "rw", "ro"}, all},
		{[]string{"bind", "strictatime", "ro"}, all &^ (unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME)},
		{[]string{"bind", "noatime"}, all &^ (unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME)},
		{[]string{"bind", "atime", "ro"}, all &^ (unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME)},
	} {
		p, err := parseOptions(tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := keptFlags(p); got != tt.want {
			t.Errorf("%v: keeps %#x, want %#x", tt.opts, got, tt.want)
		}
	}
}

// Unprivileged (issue 14, rootless): devices are bound, never made; bind
// sources are bound inside, never taken with open_tree beforehand; a
// root with a new user namespace still takes them early.
func TestUnprivilegedPlan(t *testing.T) {
	dir := t.TempDir()
	spec := rootfsSpec(specs.Mount{Destination: "/data", Type: "bind", Source: dir, Options: []string{"rbind", "ro"}})
	spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}}
	for _, o := range []Options{{Unprivileged: true}, {Unprivileged: true, NewUserNS: true}, {NewUserNS: true}} {
		o.Rootfs, o.Bundle = dir, dir
		res, err := Plan(spec, o)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, op := range res.Ops() {
			lines = append(lines, op.String())
		}
		plan := strings.Join(lines, "\n")
		if has(lines, "mknod ") || !has(lines, "mkfile /dev/fuse") || !has(lines, `mount "/dev/fuse" on /dev/fuse`) {
			t.Errorf("%+v: /dev/fuse is not bound from the host:\n%s", o, plan)
		}
		early := len(res.Early) > 0
		if want := !o.Unprivileged; early != want {
			t.Errorf("%+v: early open_tree %t, want %t: %v", o, early, want, res.Early)
		}
		if o.Unprivileged && !has(lines, `mount "`+dir+`" on /data`) {
			t.Errorf("%+v: /data is not bound inside:\n%s", o, plan)
		}
	}
}
