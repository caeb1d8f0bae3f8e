package specconv

import (
	"maps"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/specerr"
)

// unifiedCgroupFiles are the cgroup core files (cgroup.*) that
// linux.resources.unified may write: limits of the container's own subtree.
// The others move processes (cgroup.procs, cgroup.threads), change the
// tree (cgroup.subtree_control, cgroup.type) or its state (cgroup.freeze,
// cgroup.kill): rt owns those.
var unifiedCgroupFiles = map[string]bool{"cgroup.max.depth": true, "cgroup.max.descendants": true}

// ValidateResources checks linux.resources for values the kernel would
// take silently but wrongly, or that would reach outside the container.
// Values that the kernel refuses on its own are reported when they are
// written, with the same pointers. `rt update` checks its resources with
// it too.
func ValidateResources(r *specs.LinuxResources) error {
	if r == nil {
		return nil
	}
	if err := checkMemory(r.Memory); err != nil {
		return err
	}
	if err := checkCPU(r.CPU); err != nil {
		return err
	}
	for _, key := range slices.Sorted(maps.Keys(r.Unified)) {
		if strings.HasPrefix(key, "cgroup.") && !unifiedCgroupFiles[key] {
			return fieldErr("/linux/resources/unified/"+specerr.Escape(key),
				"%s is not a resource: the cgroup's core files are rt's (of cgroup.*, only cgroup.max.depth and cgroup.max.descendants may be set)", key)
		}
	}
	return nil
}

// ValidateUpdate checks the resources of `rt update`. There every field
// may come with its zero value for "unchanged": runc's update takes it so,
// and containerd's shim sends Docker's whole update that way (`docker update
// --memory 64m` arrives with cpu period, quota and shares 0). A CPU period
// of 0, refused in a config, is therefore cleared from r before the checks.
func ValidateUpdate(r *specs.LinuxResources) error {
	if r != nil && r.CPU != nil && r.CPU.Period != nil && *r.CPU.Period == 0 {
		r.CPU.Period = nil
	}
	return ValidateResources(r)
}

// limited reads a memory value: 0 is unset and a negative one unlimited,
// as in runc.
func limited(p *int64) (int64, bool) {
	if p == nil || *p <= 0 {
		return 0, false
	}
	return *p, true
}

func checkMemory(m *specs.LinuxMemory) error {
	if m == nil {
		return nil
	}
	limit, hasLimit := limited(m.Limit)
	if !hasLimit {
		return nil
	}
	if res, ok := limited(m.Reservation); ok && res > limit {
		return fieldErr("/linux/resources/memory/reservation", "reservation %d is above the memory limit %d", res, limit)
	}
	if swap, ok := limited(m.Swap); ok && swap < limit {
		return fieldErr("/linux/resources/memory/swap", "memory+swap %d must not be below the memory limit %d", swap, limit)
	}
	return nil
}

// checkCPU: a CFS period of 0 is no period (runc and rt took it as unset,
// so the quota applied to whatever period was in force). Other values out
// of the kernel's range are refused by the kernel when written, with the
// same pointer.
func checkCPU(c *specs.LinuxCPU) error {
	if c != nil && c.Period != nil && *c.Period == 0 {
		return fieldErr("/linux/resources/cpu/period", "period 0: it must be greater than zero (1000..1000000 µs)")
	}
	return nil
}
