package cgroupsfs

import (
	"maps"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// v2Full is a v2 layout whose cgroups have every file the table writes.
func v2Full() []hierarchy {
	l := v2Layout()
	maps.Copy(l[0].files, map[string]string{
		"memory.swap.max": "max", "memory.low": "0", "memory.high": "max", "memory.current": "0",
		"cpu.max.burst": "0", "cpu.idle": "0", "cpuset.cpus": "", "cpuset.mems": "",
		"io.weight": "default 100", "io.max": "", "hugetlb.2MB.max": "max", "hugetlb.2MB.rsvd.max": "max", "rdma.max": "",
	})
	return l
}

func TestApplyV2Everything(t *testing.T) {
	h, _ := newFake(t, ModeV2, v2Full()...)
	res := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: ptr(int64(100 << 20)), Swap: ptr(int64(150 << 20)), Reservation: ptr(int64(10 << 20))},
		CPU: &specs.LinuxCPU{Shares: ptr(uint64(2048)), Quota: ptr(int64(30000)), Period: ptr(uint64(60000)), Burst: ptr(uint64(5000)),
			Cpus: "1", Mems: "0", Idle: ptr(int64(0))},
		BlockIO: &specs.LinuxBlockIO{Weight: ptr(uint16(1000)),
			ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8}, Rate: 1 << 20}}},
		HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 2 << 20}},
		Rdma:           map[string]specs.LinuxRdma{"mlx4_0": {HcaHandles: ptr(uint32(1))}},
		Unified:        map[string]string{"memory.high": "90000000"},
	}
	c, err := h.Create("/rt/x", res)
	if err != nil {
		t.Fatal(err)
	}
	for f, v := range map[string]string{
		"memory.max": "104857600", "memory.swap.max": "52428800", "memory.low": "10485760", "memory.high": "90000000",
		"cpu.weight": "174", "cpu.max": "30000 60000", "cpu.max.burst": "5000", "cpu.idle": "0",
		"cpuset.cpus": "1", "cpuset.mems": "0", "io.weight": "10000", "io.max": "8:0 rbps=1048576",
		"hugetlb.2MB.max": "2097152", "hugetlb.2MB.rsvd.max": "2097152", "rdma.max": "mlx4_0 hca_handle=1",
	} {
		if got := read(t, filepath.Join(c.Paths[""], f)); got != v {
			t.Errorf("%s = %q, want %q", f, got, v)
		}
	}
	// the controllers res needs were enabled on the way down
	if got := read(t, filepath.Join(h.Unified, "rt/cgroup.subtree_control")); !strings.Contains(got, "+hugetlb") || !strings.Contains(got, "+rdma") {
		t.Errorf("rt/cgroup.subtree_control = %q, want hugetlb and rdma enabled", got)
	}
}

// hugetlb is bound to cgroup2 on a hybrid host like this one.
func TestApplyHybridHugetlb(t *testing.T) {
	l := hybridLayout()
	l[len(l)-1].files["hugetlb.2MB.max"] = "max"
	h, _ := newFake(t, ModeHybrid, l...)
	res := &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}}}
	c, err := h.Create("/rt/x", res)
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(c.Paths[""], "hugetlb.2MB.max")); got != "4194304" {
		t.Errorf("hugetlb.2MB.max = %q", got)
	}
	for _, d := range []string{h.Unified, filepath.Join(h.Unified, "rt")} {
		if got := read(t, filepath.Join(d, "cgroup.subtree_control")); got != "+hugetlb" {
			t.Errorf("%s/cgroup.subtree_control = %q, want +hugetlb", d, got)
		}
	}
}

func TestApplyErrors(t *testing.T) {
	blkio := hierarchy{dir: "blkio", names: []string{"blkio"}, files: map[string]string{"blkio.bfq.weight": "100"}}
	noWeight := hierarchy{dir: "blkio", names: []string{"blkio"}, files: map[string]string{"blkio.throttle.read_bps_device": ""}}
	devices := hierarchy{dir: "devices", names: []string{"devices"}, files: map[string]string{"devices.allow": "", "devices.deny": ""}}
	for _, tc := range []struct {
		name   string
		mode   Mode
		layout []hierarchy
		res    specs.LinuxResources
		want   string
	}{
		{"a missing file names the field and the file", ModeHybrid, append(hybridLayout(), blkio),
			bio(specs.LinuxBlockIO{LeafWeight: ptr(uint16(100))}),
			"/linux/resources/blockIO/leafWeight: open FAKE/blkio/rt/x/blkio.leaf_weight: no such file or directory (this kernel does not offer blkio.leaf_weight)"},
		// issue 10: a kernel without BFQ (and CFQ) has no weight file at all
		{"a weight without a weight file names the field", ModeHybrid, append(hybridLayout(), noWeight),
			bio(specs.LinuxBlockIO{Weight: ptr(uint16(500))}),
			"/linux/resources/blockIO/weight: open FAKE/blkio/rt/x/blkio.bfq.weight: no such file or directory (this kernel does not offer blkio.bfq.weight)"},
		{"no net_cls hierarchy", ModeHybrid, hybridLayout(),
			specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: ptr(uint32(1))}},
			"/linux/resources/network/classID: the net_cls cgroup controller is not available on this host"},
		{"no net_prio hierarchy", ModeHybrid, hybridLayout(),
			specs.LinuxResources{Network: &specs.LinuxNetwork{Priorities: []specs.LinuxInterfacePriority{{Name: "lo", Priority: 1}}}},
			"/linux/resources/network/priorities/0: the net_prio cgroup controller is not available on this host"},
		{"unified without cgroup2", ModeV1, v1Layout(), specs.LinuxResources{Unified: map[string]string{"memory.high": "1"}},
			"/linux/resources/unified: invalid configuration: cannot use unified on cgroup v1: cgroup v2 is not mounted on this host"},
		{"unified: a v1 controller on a hybrid host", ModeHybrid, hybridLayout(), specs.LinuxResources{Unified: map[string]string{"memory.high": "1"}},
			"/linux/resources/unified/memory.high: invalid configuration: the container's cgroup v2 directory has no memory.high: the memory controller is not available in cgroup v2 here"},
		{"device rules without a devices hierarchy", ModeV1, v1Layout(),
			specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Access: "rwm"}}},
			"/linux/resources/devices: the devices cgroup controller is not available on this host"},
		{"a bad device rule", ModeV1, append(v1Layout(), devices),
			specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Access: "rwm"}, {Type: "q", Access: "r"}}},
			`/linux/resources/devices/1: type "q" is not a, b or c`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := newFake(t, tc.mode, tc.layout...)
			_, err := h.Create("/rt/x", &tc.res)
			root := filepath.Dir(filepath.Dir(h.V1["pids"] + "/x"))
			if err == nil || strings.ReplaceAll(err.Error(), root, "FAKE") != tc.want {
				t.Errorf("err = %v\nwant  %s", err, tc.want)
			}
			checkGoneFake(t, h)
		})
	}
}

func checkGoneFake(t *testing.T, h *Host) {
	t.Helper()
	for _, name := range h.hierarchies() {
		mnt, _ := h.mountpoint(name)
		if exists(filepath.Join(mnt, "rt/x")) {
			t.Errorf("%s/rt/x left behind", mnt)
		}
	}
}

func TestApplyDevicesV1Fake(t *testing.T) {
	devices := hierarchy{dir: "devices", names: []string{"devices"}, files: map[string]string{"devices.allow": "", "devices.deny": ""}}
	h, _ := newFake(t, ModeHybrid, append(hybridLayout(), devices)...)
	c, err := h.Create("/rt/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	// each write replaces the fake file: the last rule of each kind is left
	if got := read(t, filepath.Join(c.Paths["devices"], "devices.deny")); got != "a" {
		t.Errorf("devices.deny = %q, want the deny-all", got)
	}
	if got := read(t, filepath.Join(c.Paths["devices"], "devices.allow")); got != "c 10:200 rwm" {
		t.Errorf("devices.allow = %q, want the last default rule", got)
	}
}

func TestUpdate(t *testing.T) {
	h, _ := newFake(t, ModeV2, v2Full()...)
	c, err := h.Create("/rt/x", &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: ptr(int64(100))},
		CPU:    &specs.LinuxCPU{Quota: ptr(int64(50000)), Period: ptr(uint64(100000))}})
	if err != nil {
		t.Fatal(err)
	}
	l := Load(h, c.Paths)
	err = l.Update(&specs.LinuxResources{
		Memory: &specs.LinuxMemory{Swap: ptr(int64(300))},
		CPU:    &specs.LinuxCPU{Period: ptr(uint64(200000))},
		Pids:   &specs.LinuxPids{Limit: ptr(int64(7))}})
	if err != nil {
		t.Fatal(err)
	}
	for f, v := range map[string]string{"cpu.max": "50000 200000", "memory.swap.max": "200", "memory.max": "100", "pids.max": "7"} {
		if got := read(t, filepath.Join(c.Paths[""], f)); got != v {
			t.Errorf("%s = %q, want %q", f, got, v)
		}
	}
	if err := l.Update(&specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimeRuntime: ptr(int64(1))}}); err == nil ||
		!strings.HasPrefix(err.Error(), "/linux/resources/cpu/realtimeRuntime: ") {
		t.Errorf("realtime on v2: err = %v", err)
	}
}

func TestUpdateEnablesControllers(t *testing.T) {
	l := hybridLayout()
	l[len(l)-1].files["hugetlb.1GB.max"] = "max"
	h, _ := newFake(t, ModeHybrid, l...)
	c, err := h.Create("/rt/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(h.Unified, "rt/cgroup.subtree_control")); got != "" {
		t.Fatalf("hugetlb enabled before it was needed: %q", got)
	}
	err = Load(h, c.Paths).Update(&specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "1GB", Limit: 1 << 30}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(h.Unified, "rt/cgroup.subtree_control")); got != "+hugetlb" {
		t.Errorf("rt/cgroup.subtree_control = %q", got)
	}
	if got := read(t, filepath.Join(c.Paths[""], "hugetlb.1GB.max")); got != "1073741824" {
		t.Errorf("hugetlb.1GB.max = %q", got)
	}
}
