package cgroupsfs

import (
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// planned runs every row of the table but devices (see devices_test.go)
// for one version of cgroups, with cur standing for the files in force,
// and returns the writes as "file=value", in order, or the first error.
func planned(res *specs.LinuxResources, v2 bool, cur map[string]string) ([]string, error) {
	read := func(f string) (string, bool) { v, ok := cur[f]; return v, ok }
	var out []string
	for _, row := range resources {
		if row.controller == "devices" {
			continue
		}
		f := row.v1
		if v2 {
			f = row.v2
		}
		ws, err := f(res, read)
		if err != nil {
			return nil, err
		}
		for _, w := range ws {
			out = append(out, w.file+"="+w.value)
		}
	}
	return out, nil
}

type rowCase struct {
	name  string
	res   specs.LinuxResources
	cur   map[string]string
	want  []string
	error string // substring; the field's pointer
}

func runRowCases(t *testing.T, v2 bool, cases []rowCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := planned(&tc.res, v2, tc.cur)
			if tc.error != "" {
				if err == nil || !strings.Contains(err.Error(), tc.error) {
					t.Fatalf("err = %v, want one containing %q", err, tc.error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("writes = %q\nwant     %q", got, tc.want)
			}
		})
	}
}

func mem(m specs.LinuxMemory) specs.LinuxResources  { return specs.LinuxResources{Memory: &m} }
func cpu(c specs.LinuxCPU) specs.LinuxResources     { return specs.LinuxResources{CPU: &c} }
func bio(b specs.LinuxBlockIO) specs.LinuxResources { return specs.LinuxResources{BlockIO: &b} }

func TestMemoryRowsV1(t *testing.T) {
	memsw := map[string]string{"memory.memsw.limit_in_bytes": "9223372036854771712", "memory.limit_in_bytes": "9223372036854771712"}
	runRowCases(t, false, []rowCase{
		{name: "limit", res: mem(specs.LinuxMemory{Limit: ptr(int64(64 << 20))}), want: []string{"memory.limit_in_bytes=67108864"}},
		{name: "limit 0 is unset", res: mem(specs.LinuxMemory{Limit: ptr(int64(0))})},
		{name: "limit -1 sets swap -1 too, swap first", res: mem(specs.LinuxMemory{Limit: ptr(int64(-1))}), cur: memsw,
			want: []string{"memory.memsw.limit_in_bytes=-1", "memory.limit_in_bytes=-1"}},
		{name: "limit -1 without swap accounting", res: mem(specs.LinuxMemory{Limit: ptr(int64(-2))}),
			want: []string{"memory.limit_in_bytes=-1"}},
		{name: "raising: memsw first", res: mem(specs.LinuxMemory{Limit: ptr(int64(100)), Swap: ptr(int64(200))}),
			cur: map[string]string{"memory.limit_in_bytes": "50"}, want: []string{"memory.memsw.limit_in_bytes=200", "memory.limit_in_bytes=100"}},
		{name: "lowering: limit first", res: mem(specs.LinuxMemory{Limit: ptr(int64(100)), Swap: ptr(int64(200))}),
			cur: map[string]string{"memory.limit_in_bytes": "500"}, want: []string{"memory.limit_in_bytes=100", "memory.memsw.limit_in_bytes=200"}},
		{name: "swap -1: memsw first", res: mem(specs.LinuxMemory{Limit: ptr(int64(100)), Swap: ptr(int64(-1))}), cur: memsw,
			want: []string{"memory.memsw.limit_in_bytes=-1", "memory.limit_in_bytes=100"}},
		{name: "swap alone", res: mem(specs.LinuxMemory{Swap: ptr(int64(300))}), want: []string{"memory.memsw.limit_in_bytes=300"}},
		{name: "reservation", res: mem(specs.LinuxMemory{Reservation: ptr(int64(1 << 20))}), want: []string{"memory.soft_limit_in_bytes=1048576"}},
		{name: "kernel is ignored", res: mem(specs.LinuxMemory{Kernel: ptr(int64(1 << 20))})},
		{name: "kernelTCP", res: mem(specs.LinuxMemory{KernelTCP: ptr(int64(1 << 20))}), want: []string{"memory.kmem.tcp.limit_in_bytes=1048576"}},
		{name: "swappiness", res: mem(specs.LinuxMemory{Swappiness: ptr(uint64(60))}), want: []string{"memory.swappiness=60"}},
		{name: "swappiness 0", res: mem(specs.LinuxMemory{Swappiness: ptr(uint64(0))}), want: []string{"memory.swappiness=0"}},
		{name: "swappiness -1 is unset", res: mem(specs.LinuxMemory{Swappiness: ptr(^uint64(0))})},
		{name: "swappiness 101", res: mem(specs.LinuxMemory{Swappiness: ptr(uint64(101))}), error: "/linux/resources/memory/swappiness: 101 is out of range"},
		{name: "disableOOMKiller", res: mem(specs.LinuxMemory{DisableOOMKiller: ptr(true)}), want: []string{"memory.oom_control=1"}},
		{name: "disableOOMKiller false", res: mem(specs.LinuxMemory{DisableOOMKiller: ptr(false)}), want: []string{"memory.oom_control=0"}},
		{name: "useHierarchy", res: mem(specs.LinuxMemory{UseHierarchy: ptr(true)}), want: []string{"memory.use_hierarchy=1"}},
		{name: "checkBeforeUpdate below usage", res: mem(specs.LinuxMemory{Limit: ptr(int64(100)), CheckBeforeUpdate: ptr(true)}),
			cur: map[string]string{"memory.usage_in_bytes": "4096"}, error: "/linux/resources/memory/checkBeforeUpdate: memory limit 100 is below the current usage 4096"},
		{name: "checkBeforeUpdate above usage", res: mem(specs.LinuxMemory{Limit: ptr(int64(8192)), CheckBeforeUpdate: ptr(true)}),
			cur: map[string]string{"memory.usage_in_bytes": "4096"}, want: []string{"memory.limit_in_bytes=8192"}},
	})
}

func TestMemoryRowsV2(t *testing.T) {
	runRowCases(t, true, []rowCase{
		{name: "limit", res: mem(specs.LinuxMemory{Limit: ptr(int64(64 << 20))}), want: []string{"memory.max=67108864"}},
		// limit == -1 and swap unset → swap.max = max
		{name: "limit -1", res: mem(specs.LinuxMemory{Limit: ptr(int64(-1))}), want: []string{"memory.swap.max=max", "memory.max=max"}},
		// otherwise swap.max = swap − limit
		{name: "swap minus limit", res: mem(specs.LinuxMemory{Limit: ptr(int64(100)), Swap: ptr(int64(300))}),
			want: []string{"memory.swap.max=200", "memory.max=100"}},
		{name: "swap equal to limit: no swap", res: mem(specs.LinuxMemory{Limit: ptr(int64(100)), Swap: ptr(int64(100))}),
			want: []string{"memory.swap.max=0", "memory.max=100"}},
		// swap == -1 → max
		{name: "swap -1", res: mem(specs.LinuxMemory{Limit: ptr(int64(100)), Swap: ptr(int64(-1))}),
			want: []string{"memory.swap.max=max", "memory.max=100"}},
		// limit == -1 → swap as is
		{name: "unlimited memory, swap as is", res: mem(specs.LinuxMemory{Limit: ptr(int64(-1)), Swap: ptr(int64(300))}),
			want: []string{"memory.swap.max=300", "memory.max=max"}},
		{name: "swap below limit", res: mem(specs.LinuxMemory{Limit: ptr(int64(300)), Swap: ptr(int64(100))}),
			error: "/linux/resources/memory/swap: memory+swap 100 must not be below the memory limit 300"},
		{name: "swap alone against the limit in force", res: mem(specs.LinuxMemory{Swap: ptr(int64(300))}),
			cur: map[string]string{"memory.max": "100"}, want: []string{"memory.swap.max=200"}},
		{name: "swap alone, no limit in force", res: mem(specs.LinuxMemory{Swap: ptr(int64(300))}),
			cur: map[string]string{"memory.max": "max"}, want: []string{"memory.swap.max=300"}},
		{name: "swap alone, no memory.max", res: mem(specs.LinuxMemory{Swap: ptr(int64(300))}),
			error: "/linux/resources/memory/swap: cannot set swap without a memory limit"},
		{name: "reservation is memory.low", res: mem(specs.LinuxMemory{Reservation: ptr(int64(1 << 20))}), want: []string{"memory.low=1048576"}},
		{name: "reservation -1", res: mem(specs.LinuxMemory{Reservation: ptr(int64(-1))}), want: []string{"memory.low=max"}},
		{name: "v1-only fields are ignored", res: mem(specs.LinuxMemory{KernelTCP: ptr(int64(1)), Kernel: ptr(int64(1)),
			Swappiness: ptr(uint64(10)), DisableOOMKiller: ptr(true), UseHierarchy: ptr(true)})},
		{name: "checkBeforeUpdate", res: mem(specs.LinuxMemory{Limit: ptr(int64(100)), CheckBeforeUpdate: ptr(true)}),
			cur: map[string]string{"memory.current": "4096"}, error: "below the current usage 4096 (memory.current)"},
	})
}

func TestCPURowsV1(t *testing.T) {
	runRowCases(t, false, []rowCase{
		{name: "shares", res: cpu(specs.LinuxCPU{Shares: ptr(uint64(512))}), want: []string{"cpu.shares=512"}},
		{name: "period, quota, burst in order", res: cpu(specs.LinuxCPU{Quota: ptr(int64(50000)), Period: ptr(uint64(100000)), Burst: ptr(uint64(10000))}),
			want: []string{"cpu.cfs_period_us=100000", "cpu.cfs_quota_us=50000", "cpu.cfs_burst_us=10000"}},
		{name: "quota -1", res: cpu(specs.LinuxCPU{Quota: ptr(int64(-1))}), want: []string{"cpu.cfs_quota_us=-1"}},
		{name: "realtime: period first", res: cpu(specs.LinuxCPU{RealtimeRuntime: ptr(int64(5000)), RealtimePeriod: ptr(uint64(100000))}),
			want: []string{"cpu.rt_period_us=100000", "cpu.rt_runtime_us=5000"}},
		{name: "idle before shares", res: cpu(specs.LinuxCPU{Idle: ptr(int64(1)), Shares: ptr(uint64(100))}),
			want: []string{"cpu.idle=1", "cpu.shares=100"}},
		{name: "cpus and mems", res: cpu(specs.LinuxCPU{Cpus: "0-1", Mems: "0"}), want: []string{"cpuset.cpus=0-1", "cpuset.mems=0"}},
	})
}

func TestCPURowsV2(t *testing.T) {
	runRowCases(t, true, []rowCase{
		// the v1 default onto the v2 default (sharesToWeight)
		{name: "shares to weight", res: cpu(specs.LinuxCPU{Shares: ptr(uint64(1024))}), want: []string{"cpu.weight=100"}},
		// quota > 0: "QUOTA PERIOD"
		{name: "quota and period", res: cpu(specs.LinuxCPU{Quota: ptr(int64(50000)), Period: ptr(uint64(200000))}), want: []string{"cpu.max=50000 200000"}},
		// quota < 0: "max PERIOD"
		{name: "quota -1", res: cpu(specs.LinuxCPU{Quota: ptr(int64(-1)), Period: ptr(uint64(100000))}), want: []string{"cpu.max=max 100000"}},
		{name: "quota alone keeps the period", res: cpu(specs.LinuxCPU{Quota: ptr(int64(20000))}), want: []string{"cpu.max=20000"}},
		{name: "period alone keeps the quota in force", res: cpu(specs.LinuxCPU{Period: ptr(uint64(200000))}),
			cur: map[string]string{"cpu.max": "50000 100000"}, want: []string{"cpu.max=50000 200000"}},
		{name: "period alone, no limit", res: cpu(specs.LinuxCPU{Period: ptr(uint64(200000))}),
			cur: map[string]string{"cpu.max": "max 100000"}, want: []string{"cpu.max=max 200000"}},
		{name: "burst after cpu.max", res: cpu(specs.LinuxCPU{Quota: ptr(int64(50000)), Burst: ptr(uint64(1000))}),
			want: []string{"cpu.max=50000", "cpu.max.burst=1000"}},
		{name: "idle", res: cpu(specs.LinuxCPU{Idle: ptr(int64(1))}), want: []string{"cpu.idle=1"}},
		{name: "realtime", res: cpu(specs.LinuxCPU{RealtimePeriod: ptr(uint64(100000))}),
			error: "/linux/resources/cpu/realtimePeriod: cgroup v2 has no realtime CPU budget"},
		{name: "realtime 0 is unset", res: cpu(specs.LinuxCPU{RealtimeRuntime: ptr(int64(0))})},
		{name: "cpus and mems", res: cpu(specs.LinuxCPU{Cpus: "1", Mems: "0"}), want: []string{"cpuset.cpus=1", "cpuset.mems=0"}},
	})
}

func TestBlockIORowsV1(t *testing.T) {
	dev := specs.LinuxBlockIODevice{Major: 8, Minor: 0}
	runRowCases(t, false, []rowCase{
		{name: "weight, CFQ", res: bio(specs.LinuxBlockIO{Weight: ptr(uint16(500))}), cur: map[string]string{"blkio.weight": "500"},
			want: []string{"blkio.weight=500"}},
		{name: "weight, BFQ", res: bio(specs.LinuxBlockIO{Weight: ptr(uint16(500))}), want: []string{"blkio.bfq.weight=500"}},
		{name: "leaf weight", res: bio(specs.LinuxBlockIO{LeafWeight: ptr(uint16(300))}), want: []string{"blkio.leaf_weight=300"}},
		{name: "weight devices", res: bio(specs.LinuxBlockIO{WeightDevice: []specs.LinuxWeightDevice{
			{LinuxBlockIODevice: dev, Weight: ptr(uint16(100)), LeafWeight: ptr(uint16(50))}}}),
			cur: map[string]string{"blkio.weight": ""}, want: []string{"blkio.weight_device=8:0 100", "blkio.leaf_weight_device=8:0 50"}},
		{name: "throttles in the spec's order", res: bio(specs.LinuxBlockIO{
			ThrottleReadBpsDevice:   []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev, Rate: 1000}, {LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 16}, Rate: 0}},
			ThrottleWriteBpsDevice:  []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev, Rate: 2000}},
			ThrottleReadIOPSDevice:  []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev, Rate: 30}},
			ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev, Rate: 40}}}),
			want: []string{"blkio.throttle.read_bps_device=8:0 1000", "blkio.throttle.read_bps_device=8:16 0",
				"blkio.throttle.write_bps_device=8:0 2000", "blkio.throttle.read_iops_device=8:0 30", "blkio.throttle.write_iops_device=8:0 40"}},
	})
}

func TestBlockIORowsV2(t *testing.T) {
	dev := specs.LinuxBlockIODevice{Major: 8, Minor: 0}
	runRowCases(t, true, []rowCase{
		// io.weight = 1 + (weight − 10) * 9999 / 990
		{name: "weight 10", res: bio(specs.LinuxBlockIO{Weight: ptr(uint16(10))}), want: []string{"io.weight=1"}},
		{name: "weight 500", res: bio(specs.LinuxBlockIO{Weight: ptr(uint16(500))}), want: []string{"io.weight=4950"}},
		{name: "weight 1000", res: bio(specs.LinuxBlockIO{Weight: ptr(uint16(1000))}), want: []string{"io.weight=10000"}},
		{name: "weight 5 is clamped to 10", res: bio(specs.LinuxBlockIO{Weight: ptr(uint16(5))}), want: []string{"io.weight=1"}},
		{name: "weight, BFQ as is", res: bio(specs.LinuxBlockIO{Weight: ptr(uint16(500))}), cur: map[string]string{"io.bfq.weight": "default 100"},
			want: []string{"io.bfq.weight=500"}},
		{name: "device weight", res: bio(specs.LinuxBlockIO{WeightDevice: []specs.LinuxWeightDevice{{LinuxBlockIODevice: dev, Weight: ptr(uint16(1000))}}}),
			want: []string{"io.weight=8:0 10000"}},
		{name: "leaf weight", res: bio(specs.LinuxBlockIO{LeafWeight: ptr(uint16(300))}), error: "/linux/resources/blockIO/leafWeight: cgroup v2 has no leaf weight"},
		{name: "device leaf weight", res: bio(specs.LinuxBlockIO{WeightDevice: []specs.LinuxWeightDevice{{LinuxBlockIODevice: dev, LeafWeight: ptr(uint16(30))}}}),
			error: "/linux/resources/blockIO/weightDevice/0/leafWeight"},
		{name: "throttles to io.max", res: bio(specs.LinuxBlockIO{
			ThrottleReadBpsDevice:   []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev, Rate: 1000}},
			ThrottleWriteBpsDevice:  []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev, Rate: 0}},
			ThrottleReadIOPSDevice:  []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev, Rate: 30}},
			ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev, Rate: 40}}}),
			want: []string{"io.max=8:0 rbps=1000", "io.max=8:0 wbps=max", "io.max=8:0 riops=30", "io.max=8:0 wiops=40"}},
	})
}

func TestOtherRows(t *testing.T) {
	huge := specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}}}
	net := specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: ptr(uint32(0x100001)),
		Priorities: []specs.LinuxInterfacePriority{{Name: "eth0", Priority: 5}}}}
	rdma := specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{
		"mlx5_1": {HcaHandles: ptr(uint32(3))}, "mlx5_0": {HcaHandles: ptr(uint32(2)), HcaObjects: ptr(uint32(100))}}}
	unified := specs.LinuxResources{Unified: map[string]string{"memory.high": "1000000", "io.max": "8:0 rbps=1\n8:16 wbps=2\n"}}
	runRowCases(t, false, []rowCase{
		{name: "pids 0 is a limit, written as 1 (runc ≥ 1.4)", res: specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr(int64(0))}}, want: []string{"pids.max=1"}},
		{name: "pids -1 is max", res: specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr(int64(-1))}}, want: []string{"pids.max=max"}},
		{name: "pids below -1 is max (runc)", res: specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr(int64(-5))}}, want: []string{"pids.max=max"}},
		{name: "hugetlb", res: huge, want: []string{"hugetlb.2MB.limit_in_bytes=4194304"}},
		{name: "hugetlb page size", res: specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "../x"}}},
			error: `/linux/resources/hugepageLimits/0/pageSize: "../x" is not a page size`},
		{name: "network", res: net, want: []string{"net_cls.classid=1048577", "net_prio.ifpriomap=eth0 5"}},
		{name: "rdma, by device", res: rdma, want: []string{"rdma.max=mlx5_0 hca_handle=2 hca_object=100", "rdma.max=mlx5_1 hca_handle=3"}},
		{name: "unified", res: unified, error: "/linux/resources/unified: invalid configuration: cannot use unified on cgroup v1: cgroup v2 is not mounted on this host"},
	})
	runRowCases(t, true, []rowCase{
		{name: "hugetlb and rsvd", res: huge, want: []string{"hugetlb.2MB.max=4194304", "hugetlb.2MB.rsvd.max=4194304"}},
		{name: "network", res: net, error: "/linux/resources/network/classID: cgroup v2 has no network controller"},
		{name: "rdma", res: rdma, want: []string{"rdma.max=mlx5_0 hca_handle=2 hca_object=100", "rdma.max=mlx5_1 hca_handle=3"}},
		{name: "unified, line by line, keys in order", res: unified, cur: map[string]string{"memory.high": "max", "io.max": ""},
			want: []string{"io.max=8:0 rbps=1", "io.max=8:16 wbps=2", "memory.high=1000000"}},
		{name: "unified, missing file", res: unified, cur: map[string]string{"io.max": ""},
			error: "/linux/resources/unified/memory.high: invalid configuration: the container's cgroup v2 directory has no memory.high"},
		{name: "unified, not a file name", res: specs.LinuxResources{Unified: map[string]string{"../cgroup.procs": "1"}},
			error: `/linux/resources/unified/..~1cgroup.procs: "../cgroup.procs" is not a cgroup file name`},
	})
}

func TestWeightConversions(t *testing.T) {
	for w, want := range map[uint16]uint64{10: 1, 100: 910, 500: 4950, 1000: 10000, 0: 1, 2000: 10000} {
		if got := blkioToIOWeight(w); got != want {
			t.Errorf("blkioToIOWeight(%d) = %d, want %d", w, got, want)
		}
	}
}
