package cgroupsfs

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// pageSizes lists the huge page sizes a cgroup directory has files for
// (hugetlb.<size>.<suffix>), in directory order.
func pageSizes(dir, suffix string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if size, ok := strings.CutSuffix(strings.TrimPrefix(name, "hugetlb."), "."+suffix); ok &&
			strings.HasPrefix(name, "hugetlb.") && pageSizePattern().MatchString(size) {
			out = append(out, size)
		}
	}
	return out, nil
}

func hugetlbStatsV1(dir string, s *Stats) error {
	sizes, err := pageSizes(dir, "limit_in_bytes")
	if err != nil {
		return err
	}
	for _, size := range sizes {
		var h Hugetlb
		for _, f := range []struct {
			file string
			dst  *uint64
		}{{"usage_in_bytes", &h.Usage}, {"max_usage_in_bytes", &h.Max}, {"failcnt", &h.Failcnt}} {
			if *f.dst, err = readUint(dir, "hugetlb."+size+"."+f.file); err != nil {
				return err
			}
		}
		s.Hugetlb[size] = h
	}
	return nil
}

// hugetlbStatsV2: hugetlb.<size>.current, and the "max" count of
// hugetlb.<size>.events as failcnt.
func hugetlbStatsV2(dir string, s *Stats) error {
	sizes, err := pageSizes(dir, "max")
	if err != nil {
		return err
	}
	for _, size := range sizes {
		usage, err := readUint(dir, "hugetlb."+size+".current")
		if err != nil {
			return err
		}
		events, err := readKeyValues(dir, "hugetlb."+size+".events")
		if err != nil {
			return err
		}
		s.Hugetlb[size] = Hugetlb{Usage: usage, Failcnt: events["max"]}
	}
	return nil
}

// cpusetStats: the cpus and mems lists in force (cpuset.cpus, else the
// effective ones), and on v1 the cpuset flags.
func cpusetStats(dir string, s *Stats) error {
	var err error
	if s.CPUSet.CPUs, err = readList(dir, "cpuset.cpus", "cpuset.effective_cpus", "cpuset.cpus.effective"); err != nil {
		return err
	}
	if s.CPUSet.Mems, err = readList(dir, "cpuset.mems", "cpuset.effective_mems", "cpuset.mems.effective"); err != nil {
		return err
	}
	c := &s.CPUSet
	for _, f := range []struct {
		file string
		dst  *uint64
	}{
		{"cpu_exclusive", &c.CPUExclusive}, {"mem_hardwall", &c.MemHardwall}, {"mem_exclusive", &c.MemExclusive},
		{"memory_migrate", &c.MemoryMigrate}, {"memory_spread_page", &c.MemorySpreadPage},
		{"memory_spread_slab", &c.MemorySpreadSlab}, {"memory_pressure", &c.MemoryPressure},
		{"sched_load_balance", &c.SchedLoadBalance},
	} {
		if *f.dst, err = readUint(dir, "cpuset."+f.file); err != nil {
			return err
		}
	}
	if v, err := readFile(filepath.Join(dir, "cpuset.sched_relax_domain_level")); err == nil {
		c.SchedRelaxDomainLevel, _ = strconv.ParseInt(v, 10, 64)
	}
	return nil
}

// readList reads the first non-empty of files as a cpu or node list
// ("0-3,6").
func readList(dir string, files ...string) ([]uint16, error) {
	for _, file := range files {
		s, err := readFile(filepath.Join(dir, file))
		if err != nil || s == "" {
			continue
		}
		return parseList(s)
	}
	return nil, nil
}

func parseList(s string) ([]uint16, error) {
	var out []uint16
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 16); err != nil {
				return nil, err
			}
		}
		for i := a; i <= b; i++ {
			out = append(out, uint16(i))
		}
	}
	return out, nil
}
