package cgroupsfs

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// statsSource is one row of the stats table: the controller (v1 name)
// whose directory holds the counters, and how to read them there.
type statsSource struct {
	controller string
	v1, v2     func(dir string, s *Stats) error
}

// statsSources is the table Stats reads, in order. cgroup2 keeps CPU
// usage in cpu.stat of every directory, so cpuacct maps to it.
var statsSources = []statsSource{
	{"cpuacct", cpuUsageV1, cpuStatsV2},
	{"cpu", cpuThrottlingV1, noStats},
	{"cpuset", cpusetStats, cpusetStats},
	{"memory", memoryStatsV1, memoryStatsV2},
	{"pids", pidsStats, pidsStats},
	{"blkio", blkioStatsV1, ioStatsV2},
	{"hugetlb", hugetlbStatsV1, hugetlbStatsV2},
}

func noStats(string, *Stats) error { return nil }

// Stats reads the cgroup's counters from whichever hierarchy serves each
// controller. A controller or file this host lacks leaves its part zero.
func (c *Cgroup) Stats() (*Stats, error) {
	s := &Stats{Hugetlb: map[string]Hugetlb{}}
	for _, src := range statsSources {
		dir, v2, ok := c.dirFor(src.controller)
		if !ok {
			continue
		}
		f := src.v1
		if v2 {
			f = src.v2
		}
		if err := f(dir, s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// readUint reads a file holding one number; "max" is math.MaxUint64 and a
// missing file 0.
func readUint(dir, file string) (uint64, error) {
	s, err := readFile(filepath.Join(dir, file))
	if errors.Is(err, fs.ErrNotExist) || (err == nil && s == "") {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if s == "max" {
		return math.MaxUint64, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		if i, ierr := strconv.ParseInt(s, 10, 64); ierr == nil && i < 0 {
			return 0, nil // -1: no limit (v1)
		}
		return 0, &os.PathError{Op: "parse", Path: filepath.Join(dir, file), Err: err}
	}
	return v, nil
}

// readKeyValues reads a flat keyed file ("key value" lines); lines that do
// not parse are skipped and a missing file is empty.
func readKeyValues(dir, file string) (map[string]uint64, error) {
	s, err := readFile(filepath.Join(dir, file))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]uint64{}, nil
	}
	if err != nil {
		return nil, err
	}
	kv := map[string]uint64{}
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		if v, err := strconv.ParseUint(f[1], 10, 64); err == nil {
			kv[f[0]] = v
		}
	}
	return kv, nil
}

// readUints reads a file of space-separated numbers.
func readUints(dir, file string) ([]uint64, error) {
	s, err := readFile(filepath.Join(dir, file))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []uint64
	for _, f := range strings.Fields(s) {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return nil, &os.PathError{Op: "parse", Path: filepath.Join(dir, file), Err: err}
		}
		out = append(out, v)
	}
	return out, nil
}

// userHZ is the unit of cpuacct.stat (USER_HZ, 100 on every Linux ABI).
const userHZ = 100

func cpuUsageV1(dir string, s *Stats) (err error) {
	u := &s.CPU.Usage
	if u.Total, err = readUint(dir, "cpuacct.usage"); err != nil {
		return err
	}
	if u.Percpu, err = readUints(dir, "cpuacct.usage_percpu"); err != nil {
		return err
	}
	if u.PercpuKernel, err = readUints(dir, "cpuacct.usage_percpu_sys"); err != nil {
		return err
	}
	if u.PercpuUser, err = readUints(dir, "cpuacct.usage_percpu_user"); err != nil {
		return err
	}
	kv, err := readKeyValues(dir, "cpuacct.stat")
	if err != nil {
		return err
	}
	u.User = kv["user"] * (1e9 / userHZ)
	u.Kernel = kv["system"] * (1e9 / userHZ)
	return nil
}

func cpuThrottlingV1(dir string, s *Stats) error {
	kv, err := readKeyValues(dir, "cpu.stat")
	if err != nil {
		return err
	}
	s.CPU.Throttling = Throttling{Periods: kv["nr_periods"], ThrottledPeriods: kv["nr_throttled"], ThrottledTime: kv["throttled_time"]}
	return nil
}

// cpuStatsV2: cpu.stat in microseconds; runc's schema is in nanoseconds.
func cpuStatsV2(dir string, s *Stats) error {
	kv, err := readKeyValues(dir, "cpu.stat")
	if err != nil {
		return err
	}
	s.CPU.Usage.Total = kv["usage_usec"] * 1000
	s.CPU.Usage.User = kv["user_usec"] * 1000
	s.CPU.Usage.Kernel = kv["system_usec"] * 1000
	s.CPU.Throttling = Throttling{Periods: kv["nr_periods"], ThrottledPeriods: kv["nr_throttled"], ThrottledTime: kv["throttled_usec"] * 1000}
	return nil
}

func pidsStats(dir string, s *Stats) (err error) {
	if s.Pids.Current, err = readUint(dir, "pids.current"); err != nil {
		return err
	}
	if s.Pids.Limit, err = readUint(dir, "pids.max"); err != nil {
		return err
	}
	if s.Pids.Limit == math.MaxUint64 {
		s.Pids.Limit = 0 // "max": runc reports no limit as 0
	}
	return nil
}
