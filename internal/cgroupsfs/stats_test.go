package cgroupsfs

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for f, v := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStatsV1(t *testing.T) {
	blkio := hierarchy{dir: "blkio", names: []string{"blkio"}}
	h, _ := newFake(t, ModeHybrid, append(hybridLayout(), blkio)...)
	c, err := h.Create("/rt/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, c.Paths["cpuacct"], map[string]string{
		"cpuacct.usage": "3000", "cpuacct.usage_percpu": "1000 2000 \n", "cpuacct.stat": "user 2\nsystem 1\n"})
	writeFiles(t, c.Paths["cpu"], map[string]string{"cpu.stat": "nr_periods 10\nnr_throttled 3\nthrottled_time 999\n"})
	writeFiles(t, c.Paths["memory"], map[string]string{"memory.stat": "cache 4096\nrss 8192\n", "memory.usage_in_bytes": "12288",
		"memory.max_usage_in_bytes": "20000", "memory.failcnt": "2", "memory.memsw.usage_in_bytes": "13000",
		"memory.memsw.limit_in_bytes": "9223372036854771712", "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n"})
	writeFiles(t, c.Paths["pids"], map[string]string{"pids.current": "3"})
	writeFiles(t, c.Paths["blkio"], map[string]string{"blkio.throttle.io_service_bytes_recursive": "8:0 Read 512\n8:0 Write 1024\nTotal 1536\n"})
	s, err := c.Stats()
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{
		CPU: CPU{Usage: CPUUsage{Total: 3000, Percpu: []uint64{1000, 2000}, User: 20_000_000, Kernel: 10_000_000},
			Throttling: Throttling{Periods: 10, ThrottledPeriods: 3, ThrottledTime: 999}},
		CPUSet: CPUSet{CPUs: []uint16{0, 1, 2, 3}, Mems: []uint16{0}},
		Memory: Memory{Cache: 4096, Raw: map[string]uint64{"cache": 4096, "rss": 8192},
			Usage: MemoryEntry{Limit: 9223372036854771712, Usage: 12288, Max: 20000, Failcnt: 2},
			Swap:  MemoryEntry{Limit: 9223372036854771712, Usage: 13000}},
		Pids:    Pids{Current: 3}, // pids.max "max" is reported as 0
		Blkio:   Blkio{IoServiceBytesRecursive: []BlkioEntry{{8, 0, "Read", 512}, {8, 0, "Write", 1024}}},
		Hugetlb: map[string]Hugetlb{},
	}
	if !reflect.DeepEqual(*s, want) {
		t.Errorf("Stats =\n%+v\nwant\n%+v", *s, want)
	}
	if n, err := c.OOMKills(); err != nil || n != 4 {
		t.Errorf("OOMKills = %d, %v; want 4", n, err)
	}
}

func TestStatsV2(t *testing.T) {
	h, _ := newFake(t, ModeV2, v2Full()...)
	c, err := h.Create("/rt/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, c.Paths[""], map[string]string{
		"cpu.stat":       "usage_usec 30\nuser_usec 20\nsystem_usec 10\nnr_periods 5\nnr_throttled 1\nthrottled_usec 7\n",
		"memory.stat":    "anon 8192\nfile 4096\n",
		"memory.current": "12288", "memory.max": "65536", "memory.peak": "20000",
		"memory.events":       "low 0\nhigh 0\nmax 6\noom 1\noom_kill 1\n",
		"memory.swap.current": "100", "memory.swap.max": "max",
		"pids.current": "2", "pids.max": "50",
		"io.stat":               "8:0 rbytes=512 wbytes=1024 rios=1 wios=2 dbytes=0 dios=0\n",
		"hugetlb.2MB.current":   "2097152",
		"hugetlb.2MB.events":    "max 3\n",
		"hugetlb.2MB.rsvd.max":  "max",
		"cpuset.cpus.effective": "0-1",
	})
	s, err := c.Stats()
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{
		CPU: CPU{Usage: CPUUsage{Total: 30000, User: 20000, Kernel: 10000},
			Throttling: Throttling{Periods: 5, ThrottledPeriods: 1, ThrottledTime: 7000}},
		CPUSet: CPUSet{CPUs: []uint16{0, 1}},
		Memory: Memory{Cache: 4096, Raw: map[string]uint64{"anon": 8192, "file": 4096},
			Usage: MemoryEntry{Limit: 65536, Usage: 12288, Max: 20000, Failcnt: 6},
			Swap:  MemoryEntry{Limit: math.MaxUint64, Usage: 12388}},
		Pids: Pids{Current: 2, Limit: 50},
		Blkio: Blkio{IoServiceBytesRecursive: []BlkioEntry{{8, 0, "Read", 512}, {8, 0, "Write", 1024}},
			IoServicedRecursive: []BlkioEntry{{8, 0, "Read", 1}, {8, 0, "Write", 2}}},
		Hugetlb: map[string]Hugetlb{"2MB": {Usage: 2097152, Failcnt: 3}},
	}
	if !reflect.DeepEqual(*s, want) {
		t.Errorf("Stats =\n%+v\nwant\n%+v", *s, want)
	}
	if n, err := c.OOMKills(); err != nil || n != 1 {
		t.Errorf("OOMKills = %d, %v; want 1", n, err)
	}
}

func keys(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// The JSON keys are runc's (types/events.go), which containerd decodes.
func TestStatsJSONKeys(t *testing.T) {
	s := Stats{Hugetlb: map[string]Hugetlb{}}
	if got, want := keys(t, s), []string{"blkio", "cpu", "cpuset", "hugetlb", "intel_rdt", "memory", "network_interfaces", "pids"}; !reflect.DeepEqual(got, want) {
		t.Errorf("stats keys = %v, want %v", got, want)
	}
	s.CPU = CPU{Usage: CPUUsage{Total: 1, Percpu: []uint64{1}, PercpuKernel: []uint64{1}, PercpuUser: []uint64{1}}, Throttling: Throttling{1, 1, 1}}
	if got, want := keys(t, s.CPU), []string{"throttling", "usage"}; !reflect.DeepEqual(got, want) {
		t.Errorf("cpu keys = %v", got)
	}
	if got, want := keys(t, s.CPU.Usage), []string{"kernel", "percpu", "percpu_kernel", "percpu_user", "total", "user"}; !reflect.DeepEqual(got, want) {
		t.Errorf("cpu.usage keys = %v", got)
	}
	if got, want := keys(t, s.CPU.Throttling), []string{"periods", "throttledPeriods", "throttledTime"}; !reflect.DeepEqual(got, want) {
		t.Errorf("throttling keys = %v", got)
	}
	m := Memory{Cache: 1, Usage: MemoryEntry{1, 1, 1, 1}, Swap: MemoryEntry{Limit: 1}, Kernel: MemoryEntry{Limit: 1}, KernelTCP: MemoryEntry{Limit: 1}, Raw: map[string]uint64{"x": 1}}
	if got, want := keys(t, m), []string{"cache", "kernel", "kernelTCP", "raw", "swap", "usage"}; !reflect.DeepEqual(got, want) {
		t.Errorf("memory keys = %v", got)
	}
	if got, want := keys(t, m.Usage), []string{"failcnt", "limit", "max", "usage"}; !reflect.DeepEqual(got, want) {
		t.Errorf("memory entry keys = %v", got)
	}
	if got, want := keys(t, Pids{1, 1}), []string{"current", "limit"}; !reflect.DeepEqual(got, want) {
		t.Errorf("pids keys = %v", got)
	}
	if got, want := keys(t, BlkioEntry{1, 1, "Read", 1}), []string{"major", "minor", "op", "value"}; !reflect.DeepEqual(got, want) {
		t.Errorf("blkio entry keys = %v", got)
	}
	if got, want := keys(t, Hugetlb{1, 1, 1}), []string{"failcnt", "max", "usage"}; !reflect.DeepEqual(got, want) {
		t.Errorf("hugetlb keys = %v", got)
	}
}

func TestParseList(t *testing.T) {
	got, err := parseList("0-2,5,7-8")
	if err != nil || !reflect.DeepEqual(got, []uint16{0, 1, 2, 5, 7, 8}) {
		t.Errorf("parseList = %v, %v", got, err)
	}
	if _, err := parseList("a"); err == nil {
		t.Error("parseList(a) succeeded")
	}
}
