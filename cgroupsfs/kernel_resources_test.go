package cgroupsfs

import (
	"os"
	"path/filepath"
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
// controller is served here.
func TestKernelResources(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	h, err := Detect()
	if err != nil {
		t.Skip(err)
	}
	maj, min := blockDevice(t)
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
	path := kernelTestPath(t, h)
	c, err := h.Create(path, res)
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
		got, err := readFile(filepath.Join(dir, file))
		if err != nil || !strings.Contains(got, value) {
			t.Errorf("%s = %q (%v), want %q in it", file, got, err, value)
		}
	}
}

type kernelRead struct {
	controller      string
	v1file, v1value string
	v2file, v2value string
}

func kernelExpect(maj, min int64) []kernelRead {
	dev := strconv.FormatInt(maj, 10) + ":" + strconv.FormatInt(min, 10)
	return []kernelRead{
		{"memory", "memory.limit_in_bytes", "67108864", "memory.max", "67108864"},
		{"memory", "memory.soft_limit_in_bytes", "16777216", "memory.low", "16777216"},
		{"memory", "memory.swappiness", "30", "", ""},
		{"memory", "memory.kmem.tcp.limit_in_bytes", "16777216", "", ""},
		{"memory", "memory.oom_control", "oom_kill_disable 1", "", ""},
		{"cpu", "cpu.shares", "512", "cpu.weight", "59"},
		{"cpu", "cpu.cfs_quota_us", "50000", "cpu.max", "50000 100000"},
		{"cpu", "cpu.cfs_period_us", "100000", "cpu.max", "50000 100000"},
		{"cpu", "cpu.cfs_burst_us", "10000", "cpu.max.burst", "10000"},
		{"cpu", "cpu.idle", "0", "cpu.idle", "0"},
		{"cpu", "cpu.rt_period_us", "500000", "", ""},
		{"cpuset", "cpuset.cpus", "0", "cpuset.cpus", "0"},
		{"cpuset", "cpuset.mems", "0", "cpuset.mems", "0"},
		{"pids", "pids.max", "100", "pids.max", "100"},
		{"blkio", "blkio.bfq.weight", "500", "io.weight", ""},
		{"blkio", "blkio.throttle.read_bps_device", dev + " 1048576", "io.max", dev + " rbps=1048576"},
		{"hugetlb", "hugetlb.2MB.limit_in_bytes", "4194304", "hugetlb.2MB.max", "4194304"},
		{"devices", "devices.list", "c 1:3 rwm", "", ""},
	}
}
