package cgroupsfs

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/specerr"
)

// pageSizePattern is a huge page size as the hugetlb files name it ("2MB",
// "1GB", "64KB"); anything else could name a path.
var pageSizePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]+[KMG]B$`) })

func hugetlb(r *specs.LinuxResources, files func(size string) []string) ([]write, error) {
	var ws []write
	for i, l := range r.HugepageLimits {
		ptr := fmt.Sprintf("/linux/resources/hugepageLimits/%d", i)
		if !pageSizePattern().MatchString(l.Pagesize) {
			return nil, specerr.Errorf(ptr+"/pageSize", "%q is not a page size such as 2MB or 1GB", l.Pagesize)
		}
		for j, f := range files(l.Pagesize) {
			ws = append(ws, write{pointer: ptr + "/limit", file: f, value: strconv.FormatUint(l.Limit, 10), optional: j > 0})
		}
	}
	return ws, nil
}

// hugetlbV1: hugetlb.<size>.limit_in_bytes, in bytes.
func hugetlbV1(r *specs.LinuxResources, _ current) ([]write, error) {
	return hugetlb(r, func(size string) []string { return []string{"hugetlb." + size + ".limit_in_bytes"} })
}

// hugetlbV2: hugetlb.<size>.max, and the same limit for reservations in
// hugetlb.<size>.rsvd.max (Linux 5.7+; skipped where missing, as runc does),
// so that a reservation cannot exceed what may be faulted in.
func hugetlbV2(r *specs.LinuxResources, _ current) ([]write, error) {
	return hugetlb(r, func(size string) []string {
		return []string{"hugetlb." + size + ".max", "hugetlb." + size + ".rsvd.max"}
	})
}

// netClassID: net_cls.classid takes the class id (v1 only).
func netClassID(r *specs.LinuxResources, _ current) ([]write, error) {
	if r.Network == nil || r.Network.ClassID == nil {
		return nil, nil
	}
	return []write{{pointer: "/linux/resources/network/classID", file: "net_cls.classid", value: strconv.FormatUint(uint64(*r.Network.ClassID), 10)}}, nil
}

// netPriorities: one "IFACE PRIO" line per entry into net_prio.ifpriomap
// (v1 only).
func netPriorities(r *specs.LinuxResources, _ current) ([]write, error) {
	if r.Network == nil {
		return nil, nil
	}
	var ws []write
	for i, p := range r.Network.Priorities {
		ptr := fmt.Sprintf("/linux/resources/network/priorities/%d", i)
		if p.Name == "" || strings.ContainsAny(p.Name, " \n/") {
			return nil, specerr.Errorf(ptr+"/name", "%q is not an interface name", p.Name)
		}
		ws = append(ws, write{pointer: ptr, file: "net_prio.ifpriomap", value: fmt.Sprintf("%s %d", p.Name, p.Priority)})
	}
	return ws, nil
}

// networkV2: cgroup2 has neither net_cls nor net_prio (match packets by
// cgroup path with eBPF or nftables instead).
func networkV2(r *specs.LinuxResources, cur current) ([]write, error) {
	for _, f := range []rowFunc{netClassID, netPriorities} {
		if ws, err := f(r, cur); err != nil || len(ws) > 0 {
			if err != nil {
				return nil, err
			}
			return nil, specerr.Errorf(ws[0].pointer, "cgroup v2 has no network controller (net_cls, net_prio): remove the field")
		}
	}
	return nil, nil
}

// rdmaMax: one "DEVICE hca_handle=N hca_object=M" line per device into
// rdma.max (the same on v1 and v2), devices in name order; an unset count
// is left as it is.
func rdmaMax(r *specs.LinuxResources, _ current) ([]write, error) {
	var ws []write
	for _, dev := range slices.Sorted(maps.Keys(r.Rdma)) {
		ptr := "/linux/resources/rdma/" + specerr.Escape(dev)
		if dev == "" || strings.ContainsAny(dev, " \n") {
			return nil, specerr.Errorf(ptr, "%q is not an RDMA device name", dev)
		}
		l := r.Rdma[dev]
		v := dev
		if l.HcaHandles != nil {
			v += fmt.Sprintf(" hca_handle=%d", *l.HcaHandles)
		}
		if l.HcaObjects != nil {
			v += fmt.Sprintf(" hca_object=%d", *l.HcaObjects)
		}
		if v != dev {
			ws = append(ws, write{pointer: ptr, file: "rdma.max", value: v})
		}
	}
	return ws, nil
}

// unifiedV1: linux.resources.unified holds cgroup2 files: without a cgroup2
// mount there is nowhere to write them.
func unifiedV1(r *specs.LinuxResources, _ current) ([]write, error) {
	if len(r.Unified) > 0 {
		return nil, specerr.Errorf("/linux/resources/unified", "invalid configuration: cannot use unified on cgroup v1: cgroup v2 is not mounted on this host")
	}
	return nil, nil
}

// unifiedV2: each key is a file of the container's cgroup2 directory
// ("memory.high"), written last so it overrides the converted fields, one
// line at a time (io.max takes one device per write). Keys are written in
// name order. On a hybrid host only controllers bound to cgroup2 have
// files there.
func unifiedV2(r *specs.LinuxResources, cur current) ([]write, error) {
	var ws []write
	for _, key := range slices.Sorted(maps.Keys(r.Unified)) {
		ptr := "/linux/resources/unified/" + specerr.Escape(key)
		ctl, ok := unifiedController(key)
		if !ok {
			return nil, specerr.Errorf(ptr, "%q is not a cgroup file name of the form CONTROLLER.PARAMETER", key)
		}
		if _, ok := cur(key); !ok {
			return nil, specerr.Errorf(ptr, "invalid configuration: the container's cgroup v2 directory has no %s: the %s controller is not available in cgroup v2 here", key, ctl)
		}
		for _, line := range strings.Split(r.Unified[key], "\n") {
			if line != "" {
				ws = append(ws, write{pointer: ptr, file: key, value: line})
			}
		}
	}
	return ws, nil
}

// unifiedController returns the controller a unified key belongs to
// ("memory" for "memory.high"), and false for a key that is not a plain
// file name of that form.
func unifiedController(key string) (string, bool) {
	ctl, param, ok := strings.Cut(key, ".")
	if !ok || ctl == "" || param == "" || strings.ContainsAny(key, "/\x00") {
		return "", false
	}
	return ctl, true
}
