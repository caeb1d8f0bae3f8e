package cgroupsfs

import (
	"os"
	"path/filepath"
	"testing"
)

func TestOwnProcsFile(t *testing.T) {
	hybrid := &Host{Mode: ModeHybrid, Unified: "/sys/fs/cgroup/unified",
		V1: map[string]string{"cpu": "/sys/fs/cgroup/cpu,cpuacct", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct",
			"memory": "/sys/fs/cgroup/memory", "name=systemd": "/sys/fs/cgroup/systemd"}}
	v1 := &Host{Mode: ModeV1, V1: hybrid.V1}
	v2 := &Host{Mode: ModeV2, Unified: "/sys/fs/cgroup"}
	const hybridSelf = "12:pids:/user.slice\n4:cpu,cpuacct:/user.slice/a\n1:name=systemd:/user.slice/s\n0::/user.slice/u\n"
	for _, tc := range []struct {
		name, self string
		host       *Host
		want       string
	}{
		{"hybrid: the unified hierarchy", hybridSelf, hybrid, "/sys/fs/cgroup/unified/user.slice/u/cgroup.procs"},
		// pids is not mounted in this host: the first one that is
		{"v1: the first mounted hierarchy", hybridSelf, v1, "/sys/fs/cgroup/cpu,cpuacct/user.slice/a/cgroup.procs"},
		{"v2", "0::/init.scope\n", v2, "/sys/fs/cgroup/init.scope/cgroup.procs"},
		{"v2 root", "0::/\n", v2, "/sys/fs/cgroup/cgroup.procs"},
		{"unified listed, not mounted", "0::/x\n", v1, ""},
		{"a deleted cgroup is skipped", "0::/gone (deleted)\n", v2, ""},
		{"garbage", "nothing here\n", v2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "cgroup")
			if err := os.WriteFile(file, []byte(tc.self), 0o644); err != nil {
				t.Fatal(err)
			}
			if got := ownProcsFile(tc.host, file); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if got := ownProcsFile(v2, filepath.Join(t.TempDir(), "missing")); got != "" {
		t.Errorf("missing file: got %q", got)
	}
}
