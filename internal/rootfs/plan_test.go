package rootfs

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/nsenter"
)

func planLines(t *testing.T, spec *specs.Spec, o Options) []string {
	t.Helper()
	res, err := Plan(spec, o)
	ops := res.Ops()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, op := range ops {
		lines = append(lines, op.String())
	}
	return lines
}

func has(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

func rootfsSpec(mounts ...specs.Mount) *specs.Spec {
	return &specs.Spec{Root: &specs.Root{Path: "rootfs"}, Mounts: mounts, Linux: &specs.Linux{}}
}

// runc leaves a /dev bound from the host as it is: no nodes, no links.
func TestDevBoundFromHost(t *testing.T) {
	dir := t.TempDir()
	lines := planLines(t, rootfsSpec(specs.Mount{Destination: "/dev", Type: "bind", Source: "/dev", Options: []string{"rbind"}}),
		Options{Rootfs: dir, Bundle: dir})
	for _, l := range lines {
		if strings.HasPrefix(l, "mknod") || strings.HasPrefix(l, "symlink") {
			t.Errorf("a host /dev gets %s", l)
		}
	}
	if has(lines, `"tmpfs" on /dev `) || has(lines, "on /dev/pts") {
		t.Error("default /dev mounts added although the config binds /dev")
	}
}

// Without a /dev mount rt adds a tmpfs with devpts and shm; with one, it
// adds none of them.
func TestDefaultDevMounts(t *testing.T) {
	dir := t.TempDir()
	lines := planLines(t, rootfsSpec(), Options{Rootfs: dir, Bundle: dir})
	for _, want := range []string{`"tmpfs" on /dev type "tmpfs"`, `"devpts" on /dev/pts type "devpts"`, `"shm" on /dev/shm type "tmpfs"`,
		"mknod /dev/null", "symlink /dev/ptmx -> pts/ptmx", "symlink /dev/fd -> /proc/self/fd"} {
		if !has(lines, want) {
			t.Errorf("no %q in\n%s", want, strings.Join(lines, "\n"))
		}
	}
	lines = planLines(t, rootfsSpec(specs.Mount{Destination: "dev", Type: "tmpfs", Source: "tmpfs"}), Options{Rootfs: dir, Bundle: dir})
	if has(lines, "on /dev/pts") || has(lines, "on /dev/shm") {
		t.Errorf("default devpts/shm added although the config mounts /dev:\n%s", strings.Join(lines, "\n"))
	}
	// A /dev/pts that is not devpts gets no ptmx link into it.
	lines = planLines(t, rootfsSpec(specs.Mount{Destination: "/dev/pts", Type: "bind", Source: "/dev/pts", Options: []string{"rbind"}}),
		Options{Rootfs: dir, Bundle: dir})
	if has(lines, "/dev/ptmx") {
		t.Error("ptmx link into a bound /dev/pts")
	}
}

// In a new user namespace mknod is not allowed: nodes are bound from the host.
func TestDevicesInUserNS(t *testing.T) {
	dir := t.TempDir()
	spec := rootfsSpec()
	spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}}
	lines := planLines(t, spec, Options{Rootfs: dir, Bundle: dir, NewUserNS: true})
	if has(lines, "mknod") {
		t.Error("mknod planned in a new user namespace")
	}
	if !has(lines, `mount "/dev/fuse" on /dev/fuse type "" flags=bind`) {
		t.Errorf("/dev/fuse not bound from the host:\n%s", strings.Join(lines, "\n"))
	}
}

func TestSpecDevice(t *testing.T) {
	for _, typ := range []string{"c", "u", "b", "p"} {
		if _, err := specDevice(specs.LinuxDevice{Path: "/dev/x", Type: typ}, "/linux/devices/0"); err != nil {
			t.Errorf("type %q: %v", typ, err)
		}
	}
	for _, d := range []specs.LinuxDevice{{Path: "/dev/x", Type: ""}, {Path: "/dev/x", Type: "C"}, {Path: "", Type: "c"}, {Path: "x", Type: "c"}} {
		if _, err := specDevice(d, "/linux/devices/4"); err == nil || !strings.HasPrefix(err.Error(), "/linux/devices/4/") {
			t.Errorf("specDevice(%+v) = %v, want an error under /linux/devices/4/", d, err)
		}
	}
}

// cgroup mounts: a cgroup2-only host with a new cgroup namespace mounts
// cgroup2; without one, or for an unprivileged rt, it binds the
// container's directory; v1 gets a
// tmpfs with one bind per hierarchy, made read-only after its binds.
func TestCgroupMount(t *testing.T) {
	dir := t.TempDir()
	m := specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"ro", "nosuid"}}
	unified := map[string]string{"": "/sys/fs/cgroup/c1"}
	lines := planLines(t, rootfsSpec(m), Options{Rootfs: dir, Bundle: dir, CgroupPaths: unified, NewCgroupNS: true})
	if !has(lines, `mount "cgroup2" on /sys/fs/cgroup type "cgroup2" flags=ro|nosuid`) {
		t.Errorf("no cgroup2 mount:\n%s", strings.Join(lines, "\n"))
	}
	for _, o := range []Options{
		{Rootfs: dir, Bundle: dir, CgroupPaths: unified},
		// unprivileged: no fresh cgroup2 (EBUSY), the bind as runc's fallback.
		{Rootfs: dir, Bundle: dir, CgroupPaths: unified, NewCgroupNS: true, Unprivileged: true},
	} {
		lines = planLines(t, rootfsSpec(m), o)
		if !has(lines, `mount "/sys/fs/cgroup/c1" on /sys/fs/cgroup type "" flags=bind|rec`) || !has(lines, "remount /sys/fs/cgroup adding ro|nosuid") {
			t.Errorf("%+v: no bind of the container's cgroup:\n%s", o, strings.Join(lines, "\n"))
		}
	}
	v1 := map[string]string{"memory": "/sys/fs/cgroup/memory/c1", "name=systemd": "/sys/fs/cgroup/systemd/c1", "": "/sys/fs/cgroup/unified/c1"}
	res, err := Plan(rootfsSpec(m), Options{Rootfs: dir, Bundle: dir, CgroupPaths: v1})
	ops := res.Ops()
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	lastBind, tmpfsRO := -1, -1
	for i, op := range ops {
		if op.Code == nsenter.OpMount && strings.HasPrefix(op.Strs[0], "/sys/fs/cgroup/") {
			targets = append(targets, op.Strs[1])
			lastBind = i
		}
		if op.Code == nsenter.OpRemountKeep && op.Strs[1] == "/sys/fs/cgroup" {
			tmpfsRO = i
		}
	}
	want := []string{"/sys/fs/cgroup/unified", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/systemd"} // "" (cgroup2) sorts first
	if strings.Join(targets, " ") != strings.Join(want, " ") {
		t.Errorf("cgroup binds on %v, want %v (sorted by hierarchy)", targets, want)
	}
	if tmpfsRO < lastBind {
		t.Errorf("the cgroup tmpfs is made read-only (op %d) before its last bind (op %d)", tmpfsRO, lastBind)
	}
}

func TestMountErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		spec    *specs.Spec
		pointer string
	}{
		{rootfsSpec(specs.Mount{Destination: "/a", Type: "tmpfs"}, specs.Mount{Type: "tmpfs"}), "/mounts/1/destination"},
		{rootfsSpec(specs.Mount{Destination: "/a", Type: "tmpfs", Options: []string{"idmap"}}), "/mounts/0/options"},
		{rootfsSpec(specs.Mount{Destination: "/a", Type: "bind", Source: "nope"}), "/mounts/0/source"},
		{&specs.Spec{Root: &specs.Root{Path: "rootfs"}, Linux: &specs.Linux{RootfsPropagation: "rec"}}, "/linux/rootfsPropagation"},
	} {
		_, err := Plan(c.spec, Options{Rootfs: dir, Bundle: dir})
		if err == nil || !strings.HasPrefix(err.Error(), c.pointer+": ") {
			t.Errorf("Plan = %v, want an error at %s", err, c.pointer)
		}
	}
}
