package cgroupsfs

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/specerr"
)

// write is one value for one interface file, and the spec field it comes
// from (a JSON pointer) so that a value the kernel rejects is reported
// against the field the user wrote. A write with no pointer comes from rt's
// own defaults (the device allow list), not from a field the user set.
type write struct {
	pointer string
	file    string
	value   string
	// optional: a missing file is skipped. Only for values whose absence
	// changes nothing (memory.swap.max "max" on a kernel without swap).
	optional bool
	// do, when set, replaces the file write (the v2 device program is
	// attached, not written).
	do func(h *Host, dir string) error
}

// current reads a file of the directory a row writes to, as it is now; ok
// is false when it cannot be read (the kernel lacks it). The rows whose
// writes depend on values in force use it: the order of the v1 memory and
// memory+swap limits, the v2 swap conversion and half of cpu.max on update,
// and the choice between the blkio weight files.
type current func(file string) (value string, ok bool)

// rowFunc turns the spec's fields into writes for one directory. It returns
// nil when its fields are unset, and an error (with the field's pointer)
// for a value that has no meaning on this version of cgroups.
type rowFunc func(r *specs.LinuxResources, cur current) ([]write, error)

// resource is one row of the resource table: the controller whose
// directory holds the files (its v1 name; v2Names maps the ones cgroup2
// names otherwise), and how the spec's fields become writes in a v1 and in
// a v2 directory. The writes are made in the order returned, and rows in
// table order.
type resource struct {
	controller string
	v1, v2     rowFunc
}

// unifiedRow is the controller name of the row for linux.resources.unified,
// whose files may belong to any cgroup2 controller.
const unifiedRow = "unified"

// resources is the table of everything Create and Update apply. A new
// resource is a new row; which hierarchy (v1 or unified) serves a
// controller is decided once, in Cgroup.dirFor, not per row.
//
// Fields with no cgroup v2 equivalent that runc also ignores there are
// ignored on v2: memory kernelTCP, swappiness, disableOOMKiller and
// useHierarchy (cgroup2 is always hierarchical). memory.kernel is ignored
// everywhere, as runc ≥ 1.1 does: kernels ≥ 5.16 accept and ignore it, and
// older ones leaked memory with kmem accounting switched on by a limit.
// Fields with no v2 equivalent that a user relies on (realtime cpu, network,
// blkio leaf weights) are errors on v2.
var resources = []resource{
	{"memory", memoryCheckV1, memoryCheckV2}, // checkBeforeUpdate: before any write
	{"memory", memoryAndSwapV1, memoryAndSwapV2},
	{"memory", memoryReservationV1, memoryReservationV2},
	{"memory", kernelTCPV1, ignoredOnV2},
	{"memory", swappinessV1, ignoredOnV2},
	{"memory", oomKillDisableV1, ignoredOnV2},
	{"memory", useHierarchyV1, ignoredOnV2},
	{"pids", pidsLimit, pidsLimit},
	{"cpu", cpuIdle, cpuIdle}, // before the weight: an idle v2 cgroup refuses one
	{"cpu", cpuSharesV1, cpuWeightV2},
	{"cpu", cpuQuotaV1, cpuMaxV2},
	{"cpu", cpuRealtimeV1, cpuRealtimeV2},
	{"cpuset", cpuset, cpuset},
	{"blkio", blkioWeightV1, ioWeightV2},
	{"blkio", blkioThrottleV1, ioMaxV2},
	{"hugetlb", hugetlbV1, hugetlbV2},
	{"net_cls", netClassID, networkV2},
	{"net_prio", netPriorities, networkV2},
	{"rdma", rdmaMax, rdmaMax},
	{"devices", devicesV1, devicesV2},
	{unifiedRow, unifiedV1, unifiedV2},
}

// v2Names are the cgroup2 names of controllers that v1 names otherwise
// (cgroup2 keeps cpuacct's usage in cpu.stat).
// "devices" has no cgroup2 controller: its program attaches to any cgroup2
// directory.
var v2Names = map[string]string{"blkio": "io", "cpuacct": "cpu"}

func ignoredOnV2(*specs.LinuxResources, current) ([]write, error) { return nil, nil }

// applyOptions select what apply skips.
type applyOptions struct {
	// skipDevices leaves the device rules alone (update, as runc does: a
	// running container's devices are not changed under it).
	skipDevices bool
}

// apply writes every resource set in res into the cgroup's directories. A
// nil res still gets rt's default device rules.
func (c *Cgroup) apply(res *specs.LinuxResources, opts applyOptions) error {
	if res == nil {
		res = &specs.LinuxResources{}
	}
	for _, row := range resources {
		if opts.skipDevices && row.controller == "devices" {
			continue
		}
		dir, v2, ok := c.dirFor(row.controller)
		if !ok {
			if err := absentController(row, res, c.host.Mode == ModeV2); err != nil {
				return err
			}
			continue
		}
		f := row.v1
		if v2 {
			f = row.v2
		}
		ws, err := f(res, reader(dir))
		if err != nil {
			return err
		}
		for _, w := range ws {
			if err := w.apply(c.host, dir); err != nil {
				if c.host.Rootless && row.controller == "devices" {
					break
				}
				return err
			}
		}
	}
	return nil
}

// absentController fails if res sets a field of a controller this host
// lacks (judged by the v2 row on a pure v2 host, else the v1 row). rt's own
// defaults (writes without a pointer) are simply not made.
func absentController(row resource, res *specs.LinuxResources, v2 bool) error {
	f := row.v1
	if v2 {
		f = row.v2
	}
	ws, err := f(res, absent)
	if err != nil {
		return err
	}
	for _, w := range ws {
		if w.pointer != "" {
			return specerr.Errorf(w.pointer, "the %s cgroup controller is not available on this host", v2Name(row.controller))
		}
	}
	return nil
}

func absent(string) (string, bool) { return "", false }

func reader(dir string) current {
	return func(file string) (string, bool) {
		s, err := readFile(filepath.Join(dir, file))
		return s, err == nil
	}
}

func (w write) apply(h *Host, dir string) error {
	if err := w.write(h, dir); err != nil {
		if w.pointer == "" {
			return fmt.Errorf("/linux/resources/devices (rt's default device rules): %w", err)
		}
		return &specerr.FieldError{Field: w.pointer, Err: err}
	}
	return nil
}

// write does w; its error is about w's field.
func (w write) write(h *Host, dir string) error {
	if w.do != nil {
		return w.do(h, dir)
	}
	err := writeFile(filepath.Join(dir, w.file), w.value)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrNotExist) && w.optional:
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w (this kernel does not offer %s)", err, w.file)
	}
	return fmt.Errorf("writing %q: %w", w.value, err)
}

// unifiedNeeds returns the cgroup2 controllers that res needs from the
// unified hierarchy: those it sets and that no v1 hierarchy serves.
func (h *Host) unifiedNeeds(res *specs.LinuxResources) map[string]bool {
	need := map[string]bool{}
	if res == nil || h.Unified == "" {
		return need
	}
	for _, row := range resources {
		name := v2Name(row.controller)
		if _, inV1 := h.V1[row.controller]; inV1 || !h.unifiedHas(name) {
			continue
		}
		if ws, err := row.v2(res, absent); err == nil && len(ws) > 0 {
			need[name] = true
		}
	}
	for key := range res.Unified {
		if name, ok := unifiedController(key); ok && h.unifiedHas(name) {
			need[name] = true
		}
	}
	return need
}

func v2Name(controller string) string {
	if n, ok := v2Names[controller]; ok {
		return n
	}
	return controller
}

// maxOrInt formats a limit where any negative value means "max".
func maxOrInt(v int64) string {
	if v < 0 {
		return "max"
	}
	return strconv.FormatInt(v, 10)
}

// pidsLimit: pids.max (same file on v1 and v2) takes a count or "max".
// A negative limit is "max" (config-linux.md: -1 is no limit). 0 is a
// limit (config-linux.md: "0 is a valid limit value"): it is written as 1,
// as runc ≥ 1.4 does (runc's CHANGELOG: "treated the same as a limit value
// of 1"), so that both runtimes show the same pids.max; either way no
// process of the container can fork.
func pidsLimit(r *specs.LinuxResources, _ current) ([]write, error) {
	if r.Pids == nil || r.Pids.Limit == nil {
		return nil, nil
	}
	v := *r.Pids.Limit
	if v == 0 {
		v = 1
	}
	return []write{{pointer: "/linux/resources/pids/limit", file: "pids.max", value: maxOrInt(v)}}, nil
}
