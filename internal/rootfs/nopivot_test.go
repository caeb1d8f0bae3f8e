package rootfs

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/moby/sys/mountinfo"
)

// --no-pivot hides the full procfs and sysfs mounts outside the rootfs
// (runc's msMoveRoot), by the rootfs's real path as mountinfo names it, and
// not a directory that merely shares its prefix.
func TestHostProcSysMounts(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	if err := os.MkdirAll(filepath.Join(real, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	rootfs := filepath.Join(link, "rootfs") // the config names it through a symlink
	mounts := []*mountinfo.Info{
		{Mountpoint: "/", Root: "/", FSType: "ext4"},
		{Mountpoint: "/sys/fs/cgroup/x", Root: "/", FSType: "sysfs"},
		{Mountpoint: "/sys", Root: "/", FSType: "sysfs"},
		{Mountpoint: "/proc", Root: "/", FSType: "proc"},
		{Mountpoint: "/proc", Root: "/", FSType: "tmpfs"},
		{Mountpoint: "/proc/sys/fs/binfmt_misc", Root: "/", FSType: "binfmt_misc"},
		{Mountpoint: "/srv/part", Root: "/sys", FSType: "proc"},
		{Mountpoint: real + "/rootfs/proc", Root: "/", FSType: "proc"},
		{Mountpoint: rootfs + "/sys", Root: "/", FSType: "sysfs"},
		{Mountpoint: real + "/rootfs2/proc", Root: "/", FSType: "proc"},
	}
	got := hostProcSysMounts(mounts, rootfs)
	want := []hiddenMount{
		{"/sys", 1}, {"/proc", 2}, {"/sys/fs/cgroup/x", 1}, {real + "/rootfs2/proc", 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("hidden mounts\n got %v\nwant %v", got, want)
	}
}
