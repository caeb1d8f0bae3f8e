package cgroupsfs

import (
	"reflect"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
)

func parseMounts(t *testing.T, text string) []*mountinfo.Info {
	t.Helper()
	ms, err := mountinfo.GetMountsFromReader(strings.NewReader(text), mountinfo.FSTypeFilter("cgroup", "cgroup2"))
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// This machine's mountinfo: hybrid, cpu and cpuacct mounted separately.
const hybridMountinfo = `23 1 8:1 / / rw,relatime - ext4 /dev/vda rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`

// A classic systemd v1 host (Ubuntu 18.04): co-mounted controllers and
// non-controller options.
const v1Mountinfo = `25 0 8:1 / / rw - ext4 /dev/sda1 rw
30 25 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
31 30 0:27 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd
34 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,cpu,cpuacct
35 30 0:31 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,net_cls,net_prio
36 30 0:32 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,memory
37 30 0:33 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,cpuset,clone_children
38 30 0:34 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,pids
`

// A pure v2 host, with the hierarchy also bind-mounted from a subdirectory
// (listed first, so the root mount must win over order).
const v2Mountinfo = `25 0 8:1 / / rw - ext4 /dev/sda1 rw
29 25 0:26 /system.slice /mnt/cg rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`

func TestDetectFrom(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		mode    Mode
		v1      map[string]string
		unified string
	}{
		{"hybrid", hybridMountinfo, ModeHybrid, map[string]string{
			"cpu": "/sys/fs/cgroup/cpu", "cpuacct": "/sys/fs/cgroup/cpuacct",
			"cpuset": "/sys/fs/cgroup/cpuset", "memory": "/sys/fs/cgroup/memory",
			"devices": "/sys/fs/cgroup/devices", "freezer": "/sys/fs/cgroup/freezer",
			"blkio": "/sys/fs/cgroup/blkio", "pids": "/sys/fs/cgroup/pids",
			"name=systemd": "/sys/fs/cgroup/systemd",
		}, "/sys/fs/cgroup/unified"},
		{"v1", v1Mountinfo, ModeV1, map[string]string{
			"name=systemd": "/sys/fs/cgroup/systemd",
			"cpu":          "/sys/fs/cgroup/cpu,cpuacct", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct",
			"net_cls": "/sys/fs/cgroup/net_cls,net_prio", "net_prio": "/sys/fs/cgroup/net_cls,net_prio",
			"memory": "/sys/fs/cgroup/memory", "cpuset": "/sys/fs/cgroup/cpuset",
			"pids": "/sys/fs/cgroup/pids",
		}, ""},
		{"v2", v2Mountinfo, ModeV2, map[string]string{}, "/sys/fs/cgroup"},
		{"none", "25 0 8:1 / / rw - ext4 /dev/sda1 rw\n", ModeNone, map[string]string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := DetectFrom(parseMounts(t, tt.text))
			if h.Mode != tt.mode {
				t.Errorf("Mode = %v, want %v", h.Mode, tt.mode)
			}
			if !reflect.DeepEqual(h.V1, tt.v1) {
				t.Errorf("V1 = %v\nwant %v", h.V1, tt.v1)
			}
			if h.Unified != tt.unified {
				t.Errorf("Unified = %q, want %q", h.Unified, tt.unified)
			}
		})
	}
}

func TestDetectFromNamedOnlyWithV2(t *testing.T) {
	// A v2 host that also mounts a name=systemd hierarchy for old guests
	// is still v2; the named hierarchy is kept so cgroups get made there.
	h := DetectFrom(parseMounts(t, v2Mountinfo+
		"40 25 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n"))
	if h.Mode != ModeV2 || h.V1["name=systemd"] != "/sys/fs/cgroup/systemd" {
		t.Errorf("got mode %v, V1 %v", h.Mode, h.V1)
	}
}

func TestResolvePath(t *testing.T) {
	tests := []struct {
		path, id, want string
		wantErr        bool
	}{
		{"", "abc", "/rt/abc", false},
		{"a/b", "abc", "/rt/a/b", false},
		{"a/./b/", "abc", "/rt/a/b", false},
		{"a/../b", "abc", "/rt/b", false},
		{"/machine/x", "abc", "/machine/x", false},
		{"//machine//x/", "abc", "/machine/x", false},
		{"/a/../b", "abc", "/b", false},
		{"../x", "abc", "", true},
		{"a/../../x", "abc", "", true},
		{"/../x", "abc", "", true},
		{"/", "abc", "", true},
		{"/a/..", "abc", "", true},
		{".", "abc", "", true},
		{"a/..", "abc", "", true},
		{"", "", "", true},
		{"", "a/b", "", true},
		{"", "..", "", true},
	}
	for _, tt := range tests {
		got, err := ResolvePath(tt.path, tt.id)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ResolvePath(%q, %q) = %q, %v; want %q, error %v", tt.path, tt.id, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "/linux/cgroupsPath: ") {
			t.Errorf("error %q does not name /linux/cgroupsPath", err)
		}
	}
}
