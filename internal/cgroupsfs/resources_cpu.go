package cgroupsfs

import (
	"math"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/specerr"
)

const (
	ptrCPUShares = "/linux/resources/cpu/shares"
	ptrCPUQuota  = "/linux/resources/cpu/quota"
	ptrCPUPeriod = "/linux/resources/cpu/period"
	ptrCPUBurst  = "/linux/resources/cpu/burst"
)

func cpuShares(r *specs.LinuxResources) (uint64, bool) {
	if r.CPU == nil || r.CPU.Shares == nil || *r.CPU.Shares == 0 {
		return 0, false // 0 means unset
	}
	return *r.CPU.Shares, true
}

// cpuSharesV1: cpu.shares takes the value as is (the kernel clamps it to
// [2, 262144]).
func cpuSharesV1(r *specs.LinuxResources, _ current) ([]write, error) {
	s, ok := cpuShares(r)
	if !ok {
		return nil, nil
	}
	return []write{{pointer: ptrCPUShares, file: "cpu.shares", value: strconv.FormatUint(s, 10)}}, nil
}

// cpuWeightV2: cpu.weight from shares (sharesToWeight).
func cpuWeightV2(r *specs.LinuxResources, _ current) ([]write, error) {
	s, ok := cpuShares(r)
	if !ok {
		return nil, nil
	}
	return []write{{pointer: ptrCPUShares, file: "cpu.weight", value: strconv.FormatUint(sharesToWeight(s), 10)}}, nil
}

// sharesToWeight maps cpu.shares ([2, 262144], default 1024) onto
// cpu.weight ([1, 10000], default 100) as runc (≥ 1.4) and crun (≥ 1.23)
// do: a quadratic in log2(shares) through the three points 2 -> 1,
// 1024 -> 100 and 262144 -> 10000, rounded up:
//
//	l = log2(shares)
//	weight = ceil(10^((l² + 125·l)/612 − 7/34))
//
// Shares at or beyond the ends of the range take the end's weight; 0 is
// unset (0). The old linear map (1024 -> 39) made a default container
// weigh 2.5 times less than a process outside any container.
func sharesToWeight(shares uint64) uint64 {
	switch {
	case shares == 0:
		return 0
	case shares <= 2:
		return 1
	case shares >= 262144:
		return 10000
	}
	l := math.Log2(float64(shares))
	exponent := (l*l+125*l)/612.0 - 7.0/34.0
	return uint64(math.Ceil(math.Pow(10, exponent)))
}

// cpuQuotaV1: cpu.cfs_period_us first, then cpu.cfs_quota_us: the kernel
// checks the quota against the period in force, so a quota meant for a new
// period must come after it. A quota of 0 is unset (runc); -1 is unlimited.
// cpu.cfs_burst_us (≤ quota) comes last.
func cpuQuotaV1(r *specs.LinuxResources, _ current) ([]write, error) {
	if r.CPU == nil {
		return nil, nil
	}
	var ws []write
	if p := r.CPU.Period; p != nil && *p != 0 {
		ws = append(ws, write{pointer: ptrCPUPeriod, file: "cpu.cfs_period_us", value: strconv.FormatUint(*p, 10)})
	}
	if q := r.CPU.Quota; q != nil && *q != 0 {
		ws = append(ws, write{pointer: ptrCPUQuota, file: "cpu.cfs_quota_us", value: strconv.FormatInt(*q, 10)})
	}
	if b := r.CPU.Burst; b != nil {
		ws = append(ws, write{pointer: ptrCPUBurst, file: "cpu.cfs_burst_us", value: strconv.FormatUint(*b, 10)})
	}
	return ws, nil
}

// cpuMaxV2: cpu.max is "QUOTA PERIOD", QUOTA being "max" when the quota is
// negative:
//
//	quota > 0: "QUOTA PERIOD"   quota < 0: "max PERIOD"
//
// With no period the kernel keeps its current one, so only QUOTA is written.
// With a period and no quota (an update of the period alone) the quota in
// force is kept: "CURRENT PERIOD". Nothing is written when neither is set
// (both 0 or absent), as runc does. cpu.max.burst (the v1 burst as is)
// comes after.
func cpuMaxV2(r *specs.LinuxResources, cur current) ([]write, error) {
	if r.CPU == nil {
		return nil, nil
	}
	var quota int64
	var period uint64
	if r.CPU.Quota != nil {
		quota = *r.CPU.Quota
	}
	if r.CPU.Period != nil {
		period = *r.CPU.Period
	}
	var ws []write
	if quota != 0 || period != 0 {
		ptr, v := ptrCPUQuota, "max"
		if quota > 0 {
			v = strconv.FormatInt(quota, 10)
		}
		if quota == 0 {
			ptr = ptrCPUPeriod
			if s, ok := cur("cpu.max"); ok && s != "" {
				v = strings.Fields(s)[0]
			}
		}
		if period != 0 {
			v += " " + strconv.FormatUint(period, 10)
		}
		ws = append(ws, write{pointer: ptr, file: "cpu.max", value: v})
	}
	if b := r.CPU.Burst; b != nil {
		ws = append(ws, write{pointer: ptrCPUBurst, file: "cpu.max.burst", value: strconv.FormatUint(*b, 10)})
	}
	return ws, nil
}

// cpuRealtimeV1: cpu.rt_period_us, then cpu.rt_runtime_us (checked against
// the period in force, and against the parent's runtime: a parent with no
// realtime budget refuses any). 0 means unset, as in runc.
func cpuRealtimeV1(r *specs.LinuxResources, _ current) ([]write, error) {
	if r.CPU == nil {
		return nil, nil
	}
	var ws []write
	if p := r.CPU.RealtimePeriod; p != nil && *p != 0 {
		ws = append(ws, write{pointer: "/linux/resources/cpu/realtimePeriod", file: "cpu.rt_period_us", value: strconv.FormatUint(*p, 10)})
	}
	if rt := r.CPU.RealtimeRuntime; rt != nil && *rt != 0 {
		ws = append(ws, write{pointer: "/linux/resources/cpu/realtimeRuntime", file: "cpu.rt_runtime_us", value: strconv.FormatInt(*rt, 10)})
	}
	return ws, nil
}

// cpuRealtimeV2: cgroup2 has no realtime group scheduling.
func cpuRealtimeV2(r *specs.LinuxResources, cur current) ([]write, error) {
	ws, _ := cpuRealtimeV1(r, cur)
	if len(ws) > 0 {
		return nil, specerr.Errorf(ws[0].pointer, "cgroup v2 has no realtime CPU budget (cpu.rt_*): remove the field")
	}
	return nil, nil
}

// cpuIdle: cpu.idle (v1 ≥ 5.15 and v2) takes 0 or 1.
func cpuIdle(r *specs.LinuxResources, _ current) ([]write, error) {
	if r.CPU == nil || r.CPU.Idle == nil {
		return nil, nil
	}
	return []write{{pointer: "/linux/resources/cpu/idle", file: "cpu.idle", value: strconv.FormatInt(*r.CPU.Idle, 10)}}, nil
}

// cpuset: cpuset.cpus then cpuset.mems, the same lists on v1 and v2 ("0-3,6").
func cpuset(r *specs.LinuxResources, _ current) ([]write, error) {
	if r.CPU == nil {
		return nil, nil
	}
	var ws []write
	if r.CPU.Cpus != "" {
		ws = append(ws, write{pointer: "/linux/resources/cpu/cpus", file: "cpuset.cpus", value: r.CPU.Cpus})
	}
	if r.CPU.Mems != "" {
		ws = append(ws, write{pointer: "/linux/resources/cpu/mems", file: "cpuset.mems", value: r.CPU.Mems})
	}
	return ws, nil
}
