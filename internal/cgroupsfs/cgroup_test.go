package cgroupsfs

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func ptr[T any](v T) *T { return &v }

func fullResources() *specs.LinuxResources {
	return &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: ptr(int64(64 << 20))},
		Pids:   &specs.LinuxPids{Limit: ptr(int64(100))},
		CPU: &specs.LinuxCPU{Shares: ptr(uint64(512)), Quota: ptr(int64(50000)),
			Period: ptr(uint64(200000))},
	}
}

func TestCreateHybrid(t *testing.T) {
	h, _ := newFake(t, ModeHybrid, hybridLayout()...)
	c, err := h.Create("/rt/x", fullResources())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for name, mnt := range h.V1 {
		want[name] = filepath.Join(mnt, "rt/x")
	}
	want[""] = filepath.Join(h.Unified, "rt/x")
	if !reflect.DeepEqual(c.Paths, want) {
		t.Errorf("Paths = %v\nwant %v", c.Paths, want)
	}
	for _, d := range want {
		if !exists(d) {
			t.Errorf("%s not created", d)
		}
	}
	files := map[string]string{
		"memory/rt/x/memory.limit_in_bytes": "67108864",
		"pids/rt/x/pids.max":                "100",
		"cpu/rt/x/cpu.shares":               "512",
		"cpu/rt/x/cpu.cfs_period_us":        "200000",
		"cpu/rt/x/cpu.cfs_quota_us":         "50000",
		"cpuset/rt/x/cpuset.cpus":           "0-3",
		"cpuset/rt/x/cpuset.mems":           "0",
		"cpuset/rt/cpuset.cpus":             "0-3",
		"unified/cgroup.subtree_control":    "", // hybrid: no v2 controller needed
		"unified/rt/cgroup.subtree_control": "",
	}
	root := filepath.Dir(h.V1["memory"])
	for f, v := range files {
		if got := read(t, filepath.Join(root, f)); got != v {
			t.Errorf("%s = %q, want %q", f, got, v)
		}
	}
}

func TestCreateV1CoMounted(t *testing.T) {
	h, _ := newFake(t, ModeV1, v1Layout()...)
	res := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: ptr(int64(-1))},
		Pids:   &specs.LinuxPids{Limit: ptr(int64(0))},
		CPU:    &specs.LinuxCPU{Quota: ptr(int64(-1))},
	}
	c, err := h.Create("/a/b", res)
	if err != nil {
		t.Fatal(err)
	}
	if c.Paths["cpu"] != c.Paths["cpuacct"] || len(c.dirs()) != 3 {
		t.Errorf("co-mounted cpu,cpuacct should share one directory: %v", c.Paths)
	}
	for f, v := range map[string]string{
		"memory.limit_in_bytes": "-1", "pids.max": "1", // 0 is a limit: 1, as runc ≥ 1.4 writes it
		"cpu.cfs_quota_us": "-1", "cpu.cfs_period_us": "100000", "cpu.shares": "1024",
	} {
		dir := c.Paths[strings.SplitN(f, ".", 2)[0]]
		if got := read(t, filepath.Join(dir, f)); got != v {
			t.Errorf("%s = %q, want %q", f, got, v)
		}
	}
}

func TestCreateV2(t *testing.T) {
	h, _ := newFake(t, ModeV2, v2Layout()...)
	c, err := h.Create("/rt/x", fullResources())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Paths) != 1 || c.Paths[""] != filepath.Join(h.Unified, "rt/x") {
		t.Fatalf("Paths = %v", c.Paths)
	}
	for f, v := range map[string]string{
		"rt/x/memory.max": "67108864",
		"rt/x/pids.max":   "100",
		// l = log2(512) = 9: ceil(10^((81 + 1125)/612 - 7/34)) = ceil(58.3)
		"rt/x/cpu.weight": "59",
		"rt/x/cpu.max":    "50000 200000",
		// the root had cpu and memory already: only the rest is added
		"cgroup.subtree_control":      "+pids +io +cpuset",
		"rt/cgroup.subtree_control":   "+cpu +memory +pids +io +cpuset",
		"rt/x/cgroup.subtree_control": "",
	} {
		if got := read(t, filepath.Join(h.Unified, f)); got != v {
			t.Errorf("%s = %q, want %q", f, got, v)
		}
	}
}

func TestV2Conversions(t *testing.T) {
	tests := []struct {
		name  string
		cpu   *specs.LinuxCPU
		mem   *int64
		pids  *int64
		files map[string]string
	}{
		{"unlimited", &specs.LinuxCPU{Quota: ptr(int64(-1)), Period: ptr(uint64(100000))},
			ptr(int64(-1)), ptr(int64(-1)),
			map[string]string{"cpu.max": "max 100000", "memory.max": "max", "pids.max": "max"}},
		{"quota only", &specs.LinuxCPU{Quota: ptr(int64(20000))}, nil, ptr(int64(0)),
			map[string]string{"cpu.max": "20000", "memory.max": "max", "pids.max": "1"}},
		{"period only", &specs.LinuxCPU{Period: ptr(uint64(50000))}, nil, nil,
			map[string]string{"cpu.max": "max 50000"}},
		{"shares min", &specs.LinuxCPU{Shares: ptr(uint64(2))}, nil, nil,
			map[string]string{"cpu.weight": "1", "cpu.max": "max 100000"}},
		{"shares default", &specs.LinuxCPU{Shares: ptr(uint64(1024))}, nil, nil,
			map[string]string{"cpu.weight": "100"}},
		{"shares max", &specs.LinuxCPU{Shares: ptr(uint64(262144))}, nil, nil,
			map[string]string{"cpu.weight": "10000"}},
		{"shares 0 is unset", &specs.LinuxCPU{Shares: ptr(uint64(0))}, nil, nil,
			map[string]string{"cpu.weight": "100"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newFake(t, ModeV2, v2Layout()...)
			res := &specs.LinuxResources{CPU: tt.cpu}
			if tt.mem != nil {
				res.Memory = &specs.LinuxMemory{Limit: tt.mem}
			}
			if tt.pids != nil {
				res.Pids = &specs.LinuxPids{Limit: tt.pids}
			}
			c, err := h.Create("/x", res)
			if err != nil {
				t.Fatal(err)
			}
			for f, v := range tt.files {
				if got := read(t, filepath.Join(c.Paths[""], f)); got != v {
					t.Errorf("%s = %q, want %q", f, got, v)
				}
			}
		})
	}
}

// cpu.shares -> cpu.weight as runc (≥ 1.4, opencontainers/cgroups'
// ConvertCPUSharesToCgroupV2Value) and crun (≥ 1.23,
// convert_shares_to_weight) map it: the ends and the defaults meet (2 -> 1,
// 1024 -> 100, 262144 -> 10000), 0 stays unset. The values in between are
// those of runc's tests/integration check_cpu_shares (awk).
func TestSharesToWeight(t *testing.T) {
	for _, tt := range []struct{ shares, weight uint64 }{
		{0, 0}, {1, 1}, {2, 1}, {3, 2}, {10, 4}, {100, 17}, {256, 35}, {512, 59}, {1000, 99},
		{1024, 100}, {2048, 174}, {4096, 303}, {10000, 627}, {100000, 4340}, {131072, 5478},
		{262143, 10000}, {262144, 10000}, {1 << 20, 10000}, {math.MaxUint64, 10000},
	} {
		if got := sharesToWeight(tt.shares); got != tt.weight {
			t.Errorf("sharesToWeight(%d) = %d, want %d", tt.shares, got, tt.weight)
		}
	}
	// Over the whole v1 range: the formula, rounded up, in [1, 10000],
	// never decreasing.
	prev := uint64(1)
	for s := uint64(3); s < 262144; s++ {
		l := math.Log2(float64(s))
		want := uint64(math.Ceil(math.Pow(10, (l*l+125*l)/612-7.0/34)))
		got := sharesToWeight(s)
		if got != want || got < prev || got < 1 || got > 10000 {
			t.Fatalf("sharesToWeight(%d) = %d, want %d (previous %d)", s, got, want, prev)
		}
		prev = got
	}
}

func TestCpusetInheritsNearestAncestor(t *testing.T) {
	h, _ := newFake(t, ModeHybrid, hybridLayout()...)
	// A pre-existing parent with its own cpus but no mems yet.
	parent := filepath.Join(h.V1["cpuset"], "outer")
	if err := h.mkdir(parent); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(parent, "cpuset.cpus"), []byte("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Create("/outer/mid/x", nil); err != nil {
		t.Fatal(err)
	}
	for f, v := range map[string]string{
		"outer/cpuset.cpus":       "1",
		"outer/cpuset.mems":       "0",
		"outer/mid/cpuset.cpus":   "1",
		"outer/mid/x/cpuset.cpus": "1",
		"outer/mid/x/cpuset.mems": "0",
	} {
		if got := read(t, filepath.Join(h.V1["cpuset"], f)); got != v {
			t.Errorf("%s = %q, want %q", f, got, v)
		}
	}
}

func TestCreateRollback(t *testing.T) {
	layout := hybridLayout()
	for i := range layout {
		if layout[i].dir == "pids" {
			layout[i].files = nil // pids.max cannot be opened
		}
	}
	h, k := newFake(t, ModeHybrid, layout...)
	keep := filepath.Join(h.V1["memory"], "rt")
	if err := h.mkdir(keep); err != nil {
		t.Fatal(err)
	}
	_, err := h.Create("/rt/x", fullResources())
	if err == nil {
		t.Fatal("Create succeeded with pids.max missing")
	}
	want := "/linux/resources/pids/limit: open " + filepath.Join(h.V1["pids"], "rt/x/pids.max") + ": no such file or directory (this kernel does not offer pids.max)"
	if err.Error() != want {
		t.Errorf("error = %q\nwant    %q", err, want)
	}
	if !exists(keep) {
		t.Errorf("pre-existing %s was removed", keep)
	}
	for _, name := range h.hierarchies() {
		mnt, _ := h.mountpoint(name)
		if exists(filepath.Join(mnt, "rt/x")) {
			t.Errorf("%s/rt/x left behind", mnt)
		}
		if mnt != h.V1["memory"] && exists(filepath.Join(mnt, "rt")) {
			t.Errorf("%s/rt left behind", mnt)
		}
	}
	if slices.Contains(k.removed, keep) {
		t.Errorf("rollback tried to remove %s", keep)
	}
}

func TestCreateRollbackOnMkdirError(t *testing.T) {
	h, _ := newFake(t, ModeV1, v1Layout()...)
	// A file where a directory must go makes mkdir fail in the pids
	// hierarchy, after cpu,cpuacct and memory got theirs.
	if err := os.WriteFile(filepath.Join(h.V1["pids"], "rt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Create("/rt/x", nil); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("err = %v, want ENOTDIR", err)
	}
	for _, mnt := range []string{h.V1["cpu"], h.V1["memory"]} {
		if exists(filepath.Join(mnt, "rt")) {
			t.Errorf("%s/rt left behind", mnt)
		}
	}
}

func TestMissingController(t *testing.T) {
	h, _ := newFake(t, ModeV1, v1Layout()[:2]...) // no pids hierarchy
	_, err := h.Create("/rt/x", &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr(int64(5))}})
	want := "/linux/resources/pids/limit: the pids cgroup controller is not available on this host"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	if exists(filepath.Join(h.V1["memory"], "rt")) {
		t.Error("rollback left /rt")
	}
}

func TestJoinAndPids(t *testing.T) {
	h, _ := newFake(t, ModeHybrid, hybridLayout()...)
	c, err := h.Create("/rt/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Join(4242); err != nil {
		t.Fatal(err)
	}
	for _, d := range c.dirs() {
		if got := read(t, filepath.Join(d, "cgroup.procs")); got != "4242" {
			t.Errorf("%s/cgroup.procs = %q", d, got)
		}
	}
	// Pids reads the unified directory, nested cgroups included.
	nested := filepath.Join(c.Paths[""], "sub")
	if err := h.mkdir(nested); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nested, "cgroup.procs"), []byte("7\n8\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pids, err := c.Pids()
	if err != nil || !reflect.DeepEqual(pids, []int{7, 8, 4242}) {
		t.Errorf("Pids() = %v, %v", pids, err)
	}
}

func TestLoad(t *testing.T) {
	h, _ := newFake(t, ModeHybrid, hybridLayout()...)
	c, err := h.Create("/rt/a/b", nil)
	if err != nil {
		t.Fatal(err)
	}
	l := Load(h, c.Paths)
	if l.Path != "/rt/a/b" || !reflect.DeepEqual(l.Paths, c.Paths) {
		t.Errorf("Load = %q %v", l.Path, l.Paths)
	}
}
