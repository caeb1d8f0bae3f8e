package cgroupsfs

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// blockDevice returns the major and minor of a disk of this machine (not a
// loop or zram device), for the throttle rows.
func blockDevice(t *testing.T) (int64, int64) {
	entries, _ := os.ReadDir("/sys/block")
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "loop") || strings.HasPrefix(e.Name(), "zram") {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/sys/block", e.Name(), "dev"))
		if err != nil {
			continue
		}
		if maj, min, ok := parseDevice(strings.TrimSpace(string(b))); ok {
			return int64(maj), int64(min)
		}
	}
	t.Skip("no block device")
	return 0, 0
}

// TestKernelResources applies a resource of every kind this machine's
// kernel offers and reads back what the kernel shows, v1 or v2 as each
// controller is served here. A field that needs a kernel feature this
// machine lacks (optionalFields) is left out, and its rows are skipped
// with the reason.
func TestKernelResources(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	h, err := Detect()
	if err != nil {
		t.Skip(err)
	}
	maj, min := blockDevice(t)
	missing := kernelMissing(t, h, maj, min)
	res := kernelResources(h, maj, min)
	for _, f := range optionalFields {
		if _, ok := missing[f.name]; ok {
			f.drop(res)
		}
	}
	c, err := h.Create(kernelTestPath(t, h), res)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range kernelExpect(maj, min) {
		dir, v2, ok := c.dirFor(w.controller)
		if !ok {
			t.Logf("%s: not on this host", w.controller)
			continue
		}
		file, value := w.v1file, w.v1value
		if v2 {
			file, value = w.v2file, w.v2value
		}
		if file == "" {
			continue
		}
		t.Run(file, func(t *testing.T) {
			if why, ok := missing[w.needs]; ok {
				t.Skipf("%s: %s", w.needs, why)
			}
			got, err := readFile(filepath.Join(dir, file))
			if err != nil || !strings.Contains(got, value) {
				t.Errorf("%s = %q (%v), want %q in it", file, got, err, value)
			}
		})
	}
}

// kernelResources is a resource of every kind, as this host serves them
// (the realtime period only where a v1 cpu hierarchy takes it).
func kernelResources(h *Host, maj, min int64) *specs.LinuxResources {
	dev := specs.LinuxBlockIODevice{Major: maj, Minor: min}
	res := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: ptr(int64(64 << 20)), Reservation: ptr(int64(16 << 20)),
			Swappiness: ptr(uint64(30)), KernelTCP: ptr(int64(16 << 20)), DisableOOMKiller: ptr(true)},
		CPU: &specs.LinuxCPU{Shares: ptr(uint64(512)), Quota: ptr(int64(50000)), Period: ptr(uint64(100000)),
			Burst: ptr(uint64(10000)), Cpus: "0", Mems: "0", Idle: ptr(int64(0))},
		Pids:           &specs.LinuxPids{Limit: ptr(int64(100))},
		BlockIO:        &specs.LinuxBlockIO{Weight: ptr(uint16(500)), ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev, Rate: 1 << 20}}},
		HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}},
	}
	if _, ok := h.V1["cpu"]; ok {
		res.CPU.RealtimePeriod = ptr(uint64(500000))
	}
	return res
}

// optionalField is a field of kernelResources that a kernel of this kind
// may lack: the files (any one will do) a cgroup of its controller shows
// when the kernel has it, in a v1 and in a v2 directory (none: the field is
// not set, or ignored, there), why it may be missing, and how to leave the
// field out.
type optionalField struct {
	name, controller string
	v1, v2           []string
	why              string
	drop             func(*specs.LinuxResources)
}

var optionalFields = []optionalField{
	{"blkio weight", "blkio", []string{"blkio.weight", "blkio.bfq.weight"}, []string{"io.weight", "io.bfq.weight"},
		"no blkio.weight or blkio.bfq.weight (io.weight or io.bfq.weight on v2): the kernel has neither the BFQ nor the CFQ I/O scheduler",
		func(r *specs.LinuxResources) { r.BlockIO.Weight = nil }},
	{"realtime", "cpu", []string{"cpu.rt_period_us"}, nil,
		"no cpu.rt_period_us: the kernel is built without CONFIG_RT_GROUP_SCHED",
		func(r *specs.LinuxResources) { r.CPU.RealtimePeriod = nil }},
	{"burst", "cpu", []string{"cpu.cfs_burst_us"}, []string{"cpu.max.burst"},
		"no cpu.cfs_burst_us (cpu.max.burst on v2): Linux 5.14 or newer with CONFIG_CFS_BANDWIDTH needed",
		func(r *specs.LinuxResources) { r.CPU.Burst = nil }},
	{"idle", "cpu", []string{"cpu.idle"}, []string{"cpu.idle"},
		"no cpu.idle: Linux 5.15 or newer needed",
		func(r *specs.LinuxResources) { r.CPU.Idle = nil }},
	{"kernelTCP", "memory", []string{"memory.kmem.tcp.limit_in_bytes"}, nil,
		"no memory.kmem.tcp.limit_in_bytes in the v1 memory hierarchy",
		func(r *specs.LinuxResources) { r.Memory.KernelTCP = nil }},
	{"hugetlb", "hugetlb", nil, nil,
		"no hugetlb controller or no 2MB huge pages (/sys/kernel/mm/hugepages/hugepages-2048kB)",
		func(r *specs.LinuxResources) { r.HugepageLimits = nil }},
}

// kernelMissing returns the optionalFields this kernel lacks, with the
// reason. The files are looked up in a probe cgroup made with every field
// but those (interface files such as blkio.bfq.weight are not in a root
// cgroup, and cgroup2 shows a controller's files only where it is
// enabled); hugetlb is looked up in sysfs.
func kernelMissing(t *testing.T, h *Host, maj, min int64) map[string]string {
	res := kernelResources(h, maj, min)
	for _, f := range optionalFields {
		f.drop(res)
	}
	probe, err := h.Create(kernelTestPath(t, h), res)
	if err != nil {
		t.Fatal(err)
	}
	missing := map[string]string{}
	for _, f := range optionalFields {
		if f.name == "hugetlb" {
			_, v1 := h.V1["hugetlb"]
			if _, err := os.Stat("/sys/kernel/mm/hugepages/hugepages-2048kB"); err != nil || !v1 && !h.unifiedHas("hugetlb") {
				missing[f.name] = f.why
			}
			continue
		}
		dir, v2, ok := probe.dirFor(f.controller)
		files := f.v1
		if v2 {
			files = f.v2
		}
		if !ok || len(files) == 0 {
			continue
		}
		if !slices.ContainsFunc(files, func(file string) bool { return exists(filepath.Join(dir, file)) }) {
			missing[f.name] = f.why
		}
	}
	return missing
}

// kernelRead is one file to read back: the controller whose directory has
// it, the file and a value it must contain on v1 and on v2 (no file: not
// read there), and the optionalFields entry it needs, if any.
type kernelRead struct {
	controller      string
	v1file, v1value string
	v2file, v2value string
	needs           string
}

func kernelExpect(maj, min int64) []kernelRead {
	dev := strconv.FormatInt(maj, 10) + ":" + strconv.FormatInt(min, 10)
	return []kernelRead{
		{"memory", "memory.limit_in_bytes", "67108864", "memory.max", "67108864", ""},
		{"memory", "memory.soft_limit_in_bytes", "16777216", "memory.low", "16777216", ""},
		{"memory", "memory.swappiness", "30", "", "", ""},
		{"memory", "memory.kmem.tcp.limit_in_bytes", "16777216", "", "", "kernelTCP"},
		{"memory", "memory.oom_control", "oom_kill_disable 1", "", "", ""},
		{"cpu", "cpu.shares", "512", "cpu.weight", "59", ""},
		{"cpu", "cpu.cfs_quota_us", "50000", "cpu.max", "50000 100000", ""},
		{"cpu", "cpu.cfs_period_us", "100000", "cpu.max", "50000 100000", ""},
		{"cpu", "cpu.cfs_burst_us", "10000", "cpu.max.burst", "10000", "burst"},
		{"cpu", "cpu.idle", "0", "cpu.idle", "0", "idle"},
		{"cpu", "cpu.rt_period_us", "500000", "", "", "realtime"},
		{"cpuset", "cpuset.cpus", "0", "cpuset.cpus", "0", ""},
		{"cpuset", "cpuset.mems", "0", "cpuset.mems", "0", ""},
		{"pids", "pids.max", "100", "pids.max", "100", ""},
		{"blkio", "blkio.bfq.weight", "500", "io.weight", "", "blkio weight"},
		{"blkio", "blkio.throttle.read_bps_device", dev + " 1048576", "io.max", dev + " rbps=1048576", ""},
		{"hugetlb", "hugetlb.2MB.limit_in_bytes", "4194304", "hugetlb.2MB.max", "4194304", "hugetlb"},
		{"devices", "devices.list", "c 1:3 rwm", "", "", ""},
	}
}
