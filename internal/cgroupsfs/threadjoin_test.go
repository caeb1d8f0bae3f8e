package cgroupsfs

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestThreadCgroups(t *testing.T) {
	h := &Host{Mode: ModeHybrid, Unified: "/sys/fs/cgroup/unified", V1: map[string]string{
		"cpu": "/sys/fs/cgroup/cpu,cpuacct", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct",
		"memory": "/sys/fs/cgroup/memory", "name=systemd": "/sys/fs/cgroup/systemd",
	}}
	file := filepath.Join(t.TempDir(), "cgroup")
	data := "4:memory:/user.slice\n3:cpu,cpuacct:/\n2:name=systemd:/user.slice/a.scope\n1:blkio:/x\n0::/user.slice/a.scope\n"
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := threadCgroups(h, file)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"memory":       "/sys/fs/cgroup/memory/user.slice",
		"cpu":          "/sys/fs/cgroup/cpu,cpuacct",
		"cpuacct":      "/sys/fs/cgroup/cpu,cpuacct",
		"name=systemd": "/sys/fs/cgroup/systemd/user.slice/a.scope",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("threadCgroups = %v, want %v", got, want)
	}
}
