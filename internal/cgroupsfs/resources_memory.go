package cgroupsfs

import (
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/specerr"
)

const (
	ptrMemoryLimit       = "/linux/resources/memory/limit"
	ptrMemorySwap        = "/linux/resources/memory/swap"
	ptrMemoryReservation = "/linux/resources/memory/reservation"
	ptrMemoryCheck       = "/linux/resources/memory/checkBeforeUpdate"
)

// int64Field reads an optional int64 where 0 means unset (runc's rule for
// the memory values: a zero-byte limit is never what was meant).
func int64Field(p *int64) (int64, bool) {
	if p == nil || *p == 0 {
		return 0, false
	}
	return *p, true
}

func memoryField(r *specs.LinuxResources, get func(*specs.LinuxMemory) *int64) (int64, bool) {
	if r.Memory == nil {
		return 0, false
	}
	v, ok := int64Field(get(r.Memory))
	if ok && v < 0 {
		v = -1 // any negative value is "unlimited"
	}
	return v, ok
}

func limitOf(m *specs.LinuxMemory) *int64       { return m.Limit }
func swapOf(m *specs.LinuxMemory) *int64        { return m.Swap }
func reservationOf(m *specs.LinuxMemory) *int64 { return m.Reservation }
func kernelTCPOf(m *specs.LinuxMemory) *int64   { return m.KernelTCP }

// parseLimit reads a limit file: a number, or "max" (v2) as -1.
func parseLimit(s string) (int64, bool) {
	if s == "max" {
		return -1, true
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// memoryCheck: with checkBeforeUpdate, a new limit below the memory in use
// is refused before anything is written (runc does this on v2; on v1 the
// kernel would reclaim and then fail with EBUSY, so rt checks there too).
func memoryCheck(usageFile string) rowFunc {
	return func(r *specs.LinuxResources, cur current) ([]write, error) {
		if r.Memory == nil || r.Memory.CheckBeforeUpdate == nil || !*r.Memory.CheckBeforeUpdate {
			return nil, nil
		}
		limit, ok := memoryField(r, limitOf)
		if !ok || limit < 0 {
			return nil, nil
		}
		s, _ := cur(usageFile)
		if usage, ok := parseLimit(s); ok && usage > limit {
			return nil, specerr.Errorf(ptrMemoryCheck, "memory limit %d is below the current usage %d (%s)", limit, usage, usageFile)
		}
		return nil, nil
	}
}

var (
	memoryCheckV1 = memoryCheck("memory.usage_in_bytes")
	memoryCheckV2 = memoryCheck("memory.current")
)

// memoryAndSwapV1: memory.limit_in_bytes and memory.memsw.limit_in_bytes
// (memory+swap, the spec's swap as is). The kernel wants memsw ≥ limit at
// every moment, so the order depends on the limit in force:
//
//	swap == -1 or current limit < swap: memsw first, then limit
//	otherwise:                          limit first, then memsw
//
// A limit of -1 with swap unset sets swap to -1 too, as runc does, when the
// kernel has swap accounting (else there is no memsw file to write).
func memoryAndSwapV1(r *specs.LinuxResources, cur current) ([]write, error) {
	limit, hasLimit := memoryField(r, limitOf)
	swap, hasSwap := memoryField(r, swapOf)
	if _, memsw := cur("memory.memsw.limit_in_bytes"); hasLimit && limit == -1 && !hasSwap && memsw {
		swap, hasSwap = -1, true
	}
	wl := write{pointer: ptrMemoryLimit, file: "memory.limit_in_bytes", value: strconv.FormatInt(limit, 10)}
	ws := write{pointer: ptrMemorySwap, file: "memory.memsw.limit_in_bytes", value: strconv.FormatInt(swap, 10)}
	switch {
	case hasLimit && hasSwap:
		s, _ := cur("memory.limit_in_bytes")
		old, _ := strconv.ParseUint(s, 10, 64)
		if swap == -1 || old < uint64(swap) {
			return []write{ws, wl}, nil
		}
		return []write{wl, ws}, nil
	case hasLimit:
		return []write{wl}, nil
	case hasSwap:
		return []write{ws}, nil
	}
	return nil, nil
}

// memoryAndSwapV2: memory.max is the limit ("max" for -1); memory.swap.max
// is swap alone where the spec's swap is memory+swap (runc's conversion):
//
//	limit == -1 and swap unset → swap.max = max
//	swap == -1                 → swap.max = max
//	limit == -1                → swap.max = swap
//	swap < limit               → error
//	otherwise                  → swap.max = swap − limit   (0 when equal: no swap)
//
// On update a swap without a limit is taken against the limit in force
// (runc refuses it instead). swap.max is written first, and a missing
// swap.max (no swap accounting) is ignored for "max" and 0, as runc does.
func memoryAndSwapV2(r *specs.LinuxResources, cur current) ([]write, error) {
	limit, hasLimit := memoryField(r, limitOf)
	swap, hasSwap := memoryField(r, swapOf)
	var out []write
	if hasSwap || (hasLimit && limit == -1) {
		base := limit
		if !hasLimit {
			s, _ := cur("memory.max")
			v, ok := parseLimit(s)
			if !ok {
				return nil, specerr.Errorf(ptrMemorySwap, "cannot set swap without a memory limit")
			}
			base = v
		}
		v, err := swapToV2(swap, hasSwap, base)
		if err != nil {
			return nil, err
		}
		out = append(out, write{pointer: ptrMemorySwap, file: "memory.swap.max", value: maxOrInt(v), optional: v <= 0})
	}
	if hasLimit {
		out = append(out, write{pointer: ptrMemoryLimit, file: "memory.max", value: maxOrInt(limit)})
	}
	return out, nil
}

// swapToV2 is the conversion above for swap (memory+swap) and limit.
func swapToV2(swap int64, hasSwap bool, limit int64) (int64, error) {
	switch {
	case !hasSwap || swap == -1 || limit == -1:
		if !hasSwap {
			return -1, nil
		}
		return swap, nil
	case swap < limit:
		return 0, specerr.Errorf(ptrMemorySwap, "memory+swap %d must not be below the memory limit %d", swap, limit)
	}
	return swap - limit, nil
}

// memoryReservationV1: memory.soft_limit_in_bytes, -1 for none.
func memoryReservationV1(r *specs.LinuxResources, _ current) ([]write, error) {
	v, ok := memoryField(r, reservationOf)
	if !ok {
		return nil, nil
	}
	return []write{{pointer: ptrMemoryReservation, file: "memory.soft_limit_in_bytes", value: strconv.FormatInt(v, 10)}}, nil
}

// memoryReservationV2: memory.low (best-effort protection, the v2
// counterpart of the soft limit), "max" for -1.
func memoryReservationV2(r *specs.LinuxResources, _ current) ([]write, error) {
	v, ok := memoryField(r, reservationOf)
	if !ok {
		return nil, nil
	}
	return []write{{pointer: ptrMemoryReservation, file: "memory.low", value: maxOrInt(v)}}, nil
}

// kernelTCPV1: memory.kmem.tcp.limit_in_bytes, -1 for none. (v2 accounts
// TCP buffers in memory.max; there is nothing to set.)
func kernelTCPV1(r *specs.LinuxResources, _ current) ([]write, error) {
	v, ok := memoryField(r, kernelTCPOf)
	if !ok {
		return nil, nil
	}
	return []write{{pointer: "/linux/resources/memory/kernelTCP", file: "memory.kmem.tcp.limit_in_bytes", value: strconv.FormatInt(v, 10)}}, nil
}

// swappinessV1: memory.swappiness in [0, 100]. An int64 -1 (a uint64 that
// wrapped) means unset, as in runc; anything else above 100 is an error.
func swappinessV1(r *specs.LinuxResources, _ current) ([]write, error) {
	if r.Memory == nil || r.Memory.Swappiness == nil || int64(*r.Memory.Swappiness) == -1 {
		return nil, nil
	}
	const ptr = "/linux/resources/memory/swappiness"
	v := *r.Memory.Swappiness
	if v > 100 {
		return nil, specerr.Errorf(ptr, "%d is out of range [0, 100]", v)
	}
	return []write{{pointer: ptr, file: "memory.swappiness", value: strconv.FormatUint(v, 10)}}, nil
}

// oomKillDisableV1: memory.oom_control takes 1 to disable the OOM killer
// (tasks then wait for memory), 0 to enable it again.
func oomKillDisableV1(r *specs.LinuxResources, _ current) ([]write, error) {
	if r.Memory == nil || r.Memory.DisableOOMKiller == nil {
		return nil, nil
	}
	return []write{{pointer: "/linux/resources/memory/disableOOMKiller", file: "memory.oom_control", value: boolDigit(*r.Memory.DisableOOMKiller)}}, nil
}

// useHierarchyV1: memory.use_hierarchy. Kernels ≥ 5.11 are always
// hierarchical and refuse 0 (EINVAL), which is reported.
func useHierarchyV1(r *specs.LinuxResources, _ current) ([]write, error) {
	if r.Memory == nil || r.Memory.UseHierarchy == nil {
		return nil, nil
	}
	return []write{{pointer: "/linux/resources/memory/useHierarchy", file: "memory.use_hierarchy", value: boolDigit(*r.Memory.UseHierarchy)}}, nil
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
