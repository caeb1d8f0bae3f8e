package rootfs

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// opIndex is the index of the first op whose line contains sub, or -1.
func opIndex(lines []string, sub string) int {
	for i, l := range lines {
		if strings.Contains(l, sub) {
			return i
		}
	}
	return -1
}

// config.md "Linux mount options" (rro and the other AT_RECURSIVE ones):
// one mount_setattr with AT_RECURSIVE on the mount once it is made, after
// the remount of its plain flags and before its propagation; on a bind, a
// tmpfs and a cgroup mount alike.
func TestRecursiveAttrsPlanned(t *testing.T) {
	dir := t.TempDir()
	spec := rootfsSpec(
		specs.Mount{Destination: "/data", Type: "bind", Source: dir, Options: []string{"rbind", "nosuid", "rro", "rnoexec", "rprivate"}},
		specs.Mount{Destination: "/scratch", Type: "tmpfs", Source: "tmpfs", Options: []string{"rnoatime", "size=1m"}},
	)
	for _, userns := range []bool{false, true} {
		res, err := Plan(spec, Options{Rootfs: dir, Bundle: dir, NewUserNS: userns})
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, op := range res.Ops() {
			lines = append(lines, op.String())
		}
		all := strings.Join(lines, "\n")
		mount, remount := opIndex(lines, "on /data"), opIndex(lines, "remount /data adding nosuid")
		setattr := opIndex(lines, "mount_setattr /data set=ro|noexec clear=0 recursive=true (in rootfs)  # /mounts/0/options")
		private := opIndex(lines, `mount "" on /data type "" flags=rec|private`)
		if mount < 0 || remount < mount || setattr < remount || private < setattr {
			t.Errorf("userns=%t: want bind, remount, mount_setattr, propagation in that order, got %d %d %d %d:\n%s",
				userns, mount, remount, setattr, private, all)
		}
		if i := opIndex(lines, "mount_setattr /scratch set=noatime clear=atime recursive=true"); i < opIndex(lines, `on /scratch type "tmpfs"`) {
			t.Errorf("userns=%t: no mount_setattr after the tmpfs:\n%s", userns, all)
		}
		if strings.Contains(all, "rro") || strings.Contains(all, "rnoexec") || strings.Contains(all, "rnoatime") {
			t.Errorf("a recursive option reached mount data:\n%s", all)
		}
	}
}

// A mount without recursive options gets no mount_setattr.
func TestNoRecursiveAttrsNoOp(t *testing.T) {
	dir := t.TempDir()
	res, err := Plan(rootfsSpec(specs.Mount{Destination: "/data", Type: "bind", Source: dir, Options: []string{"rbind", "ro"}}),
		Options{Rootfs: dir, Bundle: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range res.Ops() {
		if op.Code == nsenter.OpMountSetattr {
			t.Errorf("unexpected %s", op)
		}
	}
}

func idmapSpec(dir string, userns bool, mounts ...specs.Mount) *specs.Spec {
	spec := rootfsSpec(mounts...)
	spec.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.MountNamespace}}
	if userns {
		spec.Linux.Namespaces = append(spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
		spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	}
	return spec
}

var (
	map1000 = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
	map2000 = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 2000, Size: 10}}
)

// config.md "mounts" (uidMappings, gidMappings, idmap, ridmap): an
// idmapped bind is a detached copy of the source (open_tree), given the
// mapping through the user namespace fd the caller made for it, then
// attached. Mounts with the same mapping share one fd, closed by its last
// use; ridmap maps every mount of the tree, idmap the top one.
func TestIDMapPlanned(t *testing.T) {
	dir := t.TempDir()
	spec := idmapSpec(dir, false,
		specs.Mount{Destination: "/a", Type: "bind", Source: dir, Options: []string{"rbind", "idmap"}, UIDMappings: map1000, GIDMappings: map1000},
		specs.Mount{Destination: "/b", Type: "bind", Source: dir, Options: []string{"rbind", "ridmap"}, UIDMappings: map2000, GIDMappings: map2000},
		specs.Mount{Destination: "/c", Type: "bind", Source: dir, Options: []string{"bind"}, UIDMappings: map1000, GIDMappings: map1000},
		specs.Mount{Destination: "/plain", Type: "bind", Source: dir, Options: []string{"rbind"}},
	)
	maps := IDMaps(spec)
	if len(maps) != 2 || maps[0].UIDMappings[0].HostID != 1000 || maps[1].UIDMappings[0].HostID != 2000 {
		t.Fatalf("IDMaps = %+v, want the 1000 and the 2000 mapping", maps)
	}
	// The slots are found by their mapping's key, in whatever order.
	slots := []nsenter.IDMapSlot{{Key: maps[1].Key(), Fd: 8}, {Key: maps[0].Key(), Fd: 7}}
	res, err := Plan(spec, Options{Rootfs: dir, Bundle: dir, IDMapFds: slots})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		code             nsenter.Code
		slot, fd, rec    int64
		flags            uint32
		field            string
		recursiveCloning bool
	}
	wants := []want{
		{code: nsenter.OpOpenTree, slot: 0, recursiveCloning: true, field: "/mounts/0/source"},
		{code: nsenter.OpIdmapTree, slot: 0, fd: 7, rec: 0, field: "/mounts/0/options"},
		{code: nsenter.OpOpenTree, slot: 1, recursiveCloning: true, field: "/mounts/1/source"},
		{code: nsenter.OpIdmapTree, slot: 1, fd: 8, rec: unix.AT_RECURSIVE, flags: nsenter.FlagCloseFd, field: "/mounts/1/options"},
		{code: nsenter.OpOpenTree, slot: 2, field: "/mounts/2/source"},
		{code: nsenter.OpIdmapTree, slot: 2, fd: 7, flags: nsenter.FlagCloseFd, field: "/mounts/2/options"},
	}
	if len(res.Early) != len(wants) {
		t.Fatalf("early ops:\n%v", res.Early)
	}
	for i, w := range wants {
		op := res.Early[i]
		ok := op.Code == w.code && op.Args[0] == w.slot && op.Field == w.field && op.Strs[0] == dir
		if w.code == nsenter.OpOpenTree {
			ok = ok && (op.Args[1] != 0) == w.recursiveCloning
		} else {
			ok = ok && op.Args[1] == w.fd && op.Args[2] == w.rec && op.Flags == w.flags
		}
		if !ok {
			t.Errorf("early op %d = %s (%+v), want %+v", i, op, op, w)
		}
	}
	// Attached from their slots; the plain bind stays a mount(2) bind.
	var lines []string
	for _, op := range res.Ops() {
		lines = append(lines, op.String())
	}
	for _, w := range []string{"mount tree-slot 0 on /a", "mount tree-slot 1 on /b", "mount tree-slot 2 on /c",
		`mount "` + dir + `" on /plain type "" flags=bind|rec`} {
		if !has(lines, w) {
			t.Errorf("no %q in\n%s", w, strings.Join(lines, "\n"))
		}
	}
}

// In a new user namespace every bind is a tree; the idmapped ones without
// mappings of their own take the container's (config.md: the runtime MAY
// use the container's user namespace mapping), through a user namespace
// of the same maps made for them.
func TestIDMapContainerMappings(t *testing.T) {
	dir := t.TempDir()
	spec := idmapSpec(dir, true,
		specs.Mount{Destination: "/plain", Type: "bind", Source: dir, Options: []string{"rbind"}},
		specs.Mount{Destination: "/a", Type: "bind", Source: dir, Options: []string{"rbind", "ridmap"}},
	)
	maps := IDMaps(spec)
	if len(maps) != 1 || maps[0].Key() != (IDMap{spec.Linux.UIDMappings, spec.Linux.GIDMappings}).Key() {
		t.Fatalf("IDMaps = %+v, want the container's mapping", maps)
	}
	res, err := Plan(spec, Options{Rootfs: dir, Bundle: dir, NewUserNS: true, IDMapFds: []nsenter.IDMapSlot{{Key: maps[0].Key(), Fd: 9}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Early) != 3 || res.Early[0].Code != nsenter.OpOpenTree || res.Early[1].Code != nsenter.OpOpenTree ||
		res.Early[2].Code != nsenter.OpIdmapTree || res.Early[2].Args != [3]int64{1, 9, unix.AT_RECURSIVE} {
		t.Errorf("early ops:\n%v", res.Early)
	}
}

// Without fds from the caller (golden tests, a plan printed for show) the
// op names fd -1, which the stage refuses, and nothing is marked closed.
func TestIDMapWithoutFds(t *testing.T) {
	dir := t.TempDir()
	spec := idmapSpec(dir, false,
		specs.Mount{Destination: "/a", Type: "bind", Source: dir, Options: []string{"bind", "idmap"}, UIDMappings: map1000, GIDMappings: map1000})
	res, err := Plan(spec, Options{Rootfs: dir, Bundle: dir})
	if err != nil {
		t.Fatal(err)
	}
	if op := res.Early[1]; op.Code != nsenter.OpIdmapTree || op.Args[1] != -1 || op.Flags&nsenter.FlagCloseFd != 0 {
		t.Errorf("idmap op = %s", op)
	}
}

// config.md: an idmapped mount without mappings and without a user
// namespace is an error; so are mappings on a mount that is not a bind,
// uidMappings without gidMappings, and a zero size. rt also refuses a
// user namespace joined by path (the mapping needs host root).
func TestIDMapErrors(t *testing.T) {
	dir := t.TempDir()
	bind := func(opts []string, uids, gids []specs.LinuxIDMapping) specs.Mount {
		return specs.Mount{Destination: "/a", Type: "bind", Source: dir, Options: opts, UIDMappings: uids, GIDMappings: gids}
	}
	joined := idmapSpec(dir, false, bind([]string{"rbind", "idmap"}, map1000, map1000))
	joined.Linux.Namespaces = append(joined.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace, Path: "/proc/1/ns/user"})
	for _, c := range []struct {
		name    string
		spec    *specs.Spec
		pointer string
		text    string
	}{
		{"idmap without mappings or userns", idmapSpec(dir, false, bind([]string{"rbind", "idmap"}, nil, nil)), "/mounts/0/options", "idmap needs uidMappings"},
		{"ridmap without mappings or userns", idmapSpec(dir, false, bind([]string{"rbind", "ridmap"}, nil, nil)), "/mounts/0/options", "ridmap needs"},
		{"idmap on a tmpfs", idmapSpec(dir, true, specs.Mount{Destination: "/t", Type: "tmpfs", Source: "tmpfs", Options: []string{"idmap"}}), "/mounts/0/options", "bind mount"},
		{"mappings on a tmpfs", idmapSpec(dir, false, specs.Mount{Destination: "/t", Type: "tmpfs", Source: "tmpfs", UIDMappings: map1000, GIDMappings: map1000}), "/mounts/0/uidMappings", "bind mount"},
		{"uid without gid", idmapSpec(dir, false, bind([]string{"rbind", "idmap"}, map1000, nil)), "/mounts/0/gidMappings", "go together"},
		{"gid without uid", idmapSpec(dir, false, bind([]string{"rbind", "idmap"}, nil, map1000)), "/mounts/0/uidMappings", "go together"},
		{"zero size", idmapSpec(dir, false, bind([]string{"rbind", "idmap"}, []specs.LinuxIDMapping{{HostID: 1}}, map1000)), "/mounts/0/uidMappings/0/size", "zero"},
		{"joined userns", joined, "/mounts/0/options", "joined by path"},
	} {
		_, err := Plan(c.spec, Options{Rootfs: dir, Bundle: dir})
		if err == nil || !strings.HasPrefix(err.Error(), c.pointer+": ") || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: Plan = %v, want an error at %s containing %q", c.name, err, c.pointer, c.text)
		}
		if maps := IDMaps(c.spec); len(maps) != 0 {
			t.Errorf("%s: IDMaps = %+v, want none for an invalid mount", c.name, maps)
		}
	}
}

// The last op using each fd closes it, and only that one.
func TestCloseIDMapFds(t *testing.T) {
	idmap := func(fd int64) nsenter.Op { return nsenter.Op{Code: nsenter.OpIdmapTree, Args: [3]int64{0, fd, 0}} }
	early := []nsenter.Op{idmap(5), {Code: nsenter.OpOpenTree}, idmap(6), idmap(5), idmap(-1)}
	closeIDMapFds(early)
	for i, want := range []bool{false, false, true, true, false} {
		if got := early[i].Flags&nsenter.FlagCloseFd != 0; got != want {
			t.Errorf("op %d closes: %t, want %t", i, got, want)
		}
	}
}

// Without a mount namespace rt makes no mounts, so no user namespace is
// made for an idmapped one either.
func TestIDMapsWithoutMountNamespace(t *testing.T) {
	dir := t.TempDir()
	spec := idmapSpec(dir, false,
		specs.Mount{Destination: "/a", Type: "bind", Source: dir, Options: []string{"bind", "idmap"}, UIDMappings: map1000, GIDMappings: map1000})
	if len(IDMaps(spec)) != 1 {
		t.Fatal("IDMaps: want one mapping with a mount namespace")
	}
	spec.Linux.Namespaces = nil
	if maps := IDMaps(spec); len(maps) != 0 {
		t.Errorf("IDMaps = %+v without a mount namespace", maps)
	}
}
