package cgroupsfs

import (
	"fmt"
	"path/filepath"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// write is one value for one interface file, and the spec field it comes
// from (a JSON pointer) so that a value the kernel rejects is reported
// against the field the user wrote.
type write struct {
	pointer string
	file    string
	value   string
}

// resource is one row of the resource table: the controller whose
// directory holds the files, and how the spec's fields become writes in a v1
// and in a v2 directory. A func returns nil when its fields are unset. The
// writes are made in the order returned, and rows in table order.
type resource struct {
	controller string
	v1, v2     func(*specs.LinuxResources) []write
}

// resources is the table of everything Create applies. A new resource is a
// new row; which hierarchy (v1 or unified) serves a controller is decided
// once, in Cgroup.dirFor, not per row.
var resources = []resource{
	{"memory", memoryLimitV1, memoryLimitV2},
	{"pids", pidsLimit, pidsLimit},
	{"cpu", cpuSharesV1, cpuWeightV2},
	{"cpu", cpuQuotaV1, cpuMaxV2},
}

const (
	ptrMemoryLimit = "/linux/resources/memory/limit"
	ptrPidsLimit   = "/linux/resources/pids/limit"
	ptrCPUShares   = "/linux/resources/cpu/shares"
	ptrCPUQuota    = "/linux/resources/cpu/quota"
	ptrCPUPeriod   = "/linux/resources/cpu/period"
)

func memoryLimit(r *specs.LinuxResources) (int64, bool) {
	// 0 means unset, as in runc: a zero-byte limit is never what was meant.
	if r.Memory == nil || r.Memory.Limit == nil || *r.Memory.Limit == 0 {
		return 0, false
	}
	return *r.Memory.Limit, true
}

// memoryLimitV1: memory.limit_in_bytes takes the byte count; -1 (any
// negative) means unlimited.
func memoryLimitV1(r *specs.LinuxResources) []write {
	v, ok := memoryLimit(r)
	if !ok {
		return nil
	}
	if v < 0 {
		v = -1
	}
	return []write{{ptrMemoryLimit, "memory.limit_in_bytes", strconv.FormatInt(v, 10)}}
}

// memoryLimitV2: memory.max takes the byte count, or "max" for -1.
func memoryLimitV2(r *specs.LinuxResources) []write {
	v, ok := memoryLimit(r)
	if !ok {
		return nil
	}
	return []write{{ptrMemoryLimit, "memory.max", maxOrInt(v)}}
}

// pidsLimit: pids.max (same file on v1 and v2) takes a count or "max";
// -1 and 0 both mean no limit ("max"), as runc treats them.
func pidsLimit(r *specs.LinuxResources) []write {
	if r.Pids == nil || r.Pids.Limit == nil {
		return nil
	}
	v := *r.Pids.Limit
	if v == 0 {
		v = -1
	}
	return []write{{ptrPidsLimit, "pids.max", maxOrInt(v)}}
}

// maxOrInt formats a limit where any negative value means "max".
func maxOrInt(v int64) string {
	if v < 0 {
		return "max"
	}
	return strconv.FormatInt(v, 10)
}

func cpuShares(r *specs.LinuxResources) (uint64, bool) {
	if r.CPU == nil || r.CPU.Shares == nil || *r.CPU.Shares == 0 {
		return 0, false // 0 means unset
	}
	return *r.CPU.Shares, true
}

// cpuSharesV1: cpu.shares takes the value as is (the kernel clamps it to
// [2, 262144]).
func cpuSharesV1(r *specs.LinuxResources) []write {
	s, ok := cpuShares(r)
	if !ok {
		return nil
	}
	return []write{{ptrCPUShares, "cpu.shares", strconv.FormatUint(s, 10)}}
}

// cpuWeightV2: cpu.weight from shares by the linear map runc and crun have
// long used, taking [2, 262144] onto [1, 10000]:
//
//	weight = 1 + ((shares - 2) * 9999) / 262142
//
// so 2 -> 1, 1024 (the v1 default) -> 39, 262144 -> 10000. Shares are first
// clamped to [2, 262144], as the v1 kernel does, so shares 1 cannot wrap.
func cpuWeightV2(r *specs.LinuxResources) []write {
	s, ok := cpuShares(r)
	if !ok {
		return nil
	}
	return []write{{ptrCPUShares, "cpu.weight", strconv.FormatUint(sharesToWeight(s), 10)}}
}

func sharesToWeight(shares uint64) uint64 {
	shares = min(max(shares, 2), 262144)
	return 1 + ((shares-2)*9999)/262142
}

// cpuQuotaV1: cpu.cfs_period_us first, then cpu.cfs_quota_us: the kernel
// checks the quota against the period in force, so a quota meant for a new
// period must come after it. A quota of 0 is unset (runc); -1 is unlimited.
func cpuQuotaV1(r *specs.LinuxResources) []write {
	if r.CPU == nil {
		return nil
	}
	var ws []write
	if p := r.CPU.Period; p != nil && *p != 0 {
		ws = append(ws, write{ptrCPUPeriod, "cpu.cfs_period_us", strconv.FormatUint(*p, 10)})
	}
	if q := r.CPU.Quota; q != nil && *q != 0 {
		ws = append(ws, write{ptrCPUQuota, "cpu.cfs_quota_us", strconv.FormatInt(*q, 10)})
	}
	return ws
}

// cpuMaxV2: cpu.max is "QUOTA PERIOD", QUOTA being "max" when the quota is
// unset or negative:
//
//	quota > 0: "QUOTA PERIOD"   quota <= 0 or unset: "max PERIOD"
//
// With no period the kernel keeps its current one, so only QUOTA is written.
// Nothing is written when neither is set (both 0 or absent), as runc does.
func cpuMaxV2(r *specs.LinuxResources) []write {
	if r.CPU == nil {
		return nil
	}
	var quota int64
	var period uint64
	if r.CPU.Quota != nil {
		quota = *r.CPU.Quota
	}
	if r.CPU.Period != nil {
		period = *r.CPU.Period
	}
	if quota == 0 && period == 0 {
		return nil
	}
	ptr := ptrCPUQuota
	if quota == 0 {
		ptr = ptrCPUPeriod
	}
	v := "max"
	if quota > 0 {
		v = strconv.FormatInt(quota, 10)
	}
	if period != 0 {
		v += " " + strconv.FormatUint(period, 10)
	}
	return []write{{ptr, "cpu.max", v}}
}

// apply writes every resource set in res into the cgroup's directories.
func (c *Cgroup) apply(res *specs.LinuxResources) error {
	if res == nil {
		return nil
	}
	for _, row := range resources {
		dir, v2, ok := c.dirFor(row.controller)
		if !ok {
			if ws := row.v1(res); len(ws) > 0 {
				return fmt.Errorf("%s: the %s cgroup controller is not available on this host", ws[0].pointer, row.controller)
			}
			continue
		}
		ws := row.v1(res)
		if v2 {
			ws = row.v2(res)
		}
		for _, w := range ws {
			if err := writeFile(filepath.Join(dir, w.file), w.value); err != nil {
				return fmt.Errorf("%s: %w", w.pointer, err)
			}
		}
	}
	return nil
}

// unifiedNeeds returns the controllers that res needs from the unified
// hierarchy: those it sets and that no v1 hierarchy serves.
func (h *Host) unifiedNeeds(res *specs.LinuxResources) map[string]bool {
	need := map[string]bool{}
	if res == nil || h.Unified == "" {
		return need
	}
	for _, row := range resources {
		if _, inV1 := h.V1[row.controller]; !inV1 && len(row.v2(res)) > 0 {
			need[row.controller] = true
		}
	}
	return need
}
