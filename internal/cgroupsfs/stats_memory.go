package cgroupsfs

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// memoryEntryV1 reads memory.[NAME.]{limit_in_bytes,usage_in_bytes,
// max_usage_in_bytes,failcnt}; a kernel without the NAME files (no swap
// accounting) gives a zero entry.
func memoryEntryV1(dir, name string) (MemoryEntry, error) {
	prefix := "memory."
	if name != "" {
		prefix += name + "."
	}
	var e MemoryEntry
	for _, f := range []struct {
		file string
		dst  *uint64
	}{{"limit_in_bytes", &e.Limit}, {"usage_in_bytes", &e.Usage}, {"max_usage_in_bytes", &e.Max}, {"failcnt", &e.Failcnt}} {
		v, err := readUint(dir, prefix+f.file)
		if err != nil {
			return MemoryEntry{}, err
		}
		*f.dst = v
	}
	return e, nil
}

func memoryStatsV1(dir string, s *Stats) error {
	raw, err := readKeyValues(dir, "memory.stat")
	if err != nil {
		return err
	}
	s.Memory.Raw, s.Memory.Cache = raw, raw["cache"]
	for _, e := range []struct {
		name string
		dst  *MemoryEntry
	}{{"", &s.Memory.Usage}, {"memsw", &s.Memory.Swap}, {"kmem", &s.Memory.Kernel}, {"kmem.tcp", &s.Memory.KernelTCP}} {
		if *e.dst, err = memoryEntryV1(dir, e.name); err != nil {
			return err
		}
	}
	return nil
}

// memoryStatsV2: memory.current, memory.max, memory.peak and the "max"
// count of memory.events for usage; swap is reported as memory+swap, as
// runc does, to match the v1 memsw numbers.
func memoryStatsV2(dir string, s *Stats) error {
	raw, err := readKeyValues(dir, "memory.stat")
	if err != nil {
		return err
	}
	s.Memory.Raw, s.Memory.Cache = raw, raw["file"]
	events, err := readKeyValues(dir, "memory.events")
	if err != nil {
		return err
	}
	u := &s.Memory.Usage
	u.Failcnt = events["max"]
	for _, f := range []struct {
		file string
		dst  *uint64
	}{{"memory.current", &u.Usage}, {"memory.max", &u.Limit}, {"memory.peak", &u.Max}} {
		if *f.dst, err = readUint(dir, f.file); err != nil {
			return err
		}
	}
	swapUsage, err := readUint(dir, "memory.swap.current")
	if err != nil {
		return err
	}
	swapLimit, err := readUint(dir, "memory.swap.max")
	if err != nil {
		return err
	}
	s.Memory.Swap = MemoryEntry{Usage: swapUsage + u.Usage, Limit: saturatingAdd(swapLimit, u.Limit)}
	return nil
}

func saturatingAdd(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

// blkioFiles are the v1 counters by preference: CFQ's (before Linux 5.0),
// BFQ's, then the throttling layer's, which every kernel has.
var blkioFiles = []struct {
	suffix string
	dst    func(*Blkio) *[]BlkioEntry
}{
	{"io_service_bytes_recursive", func(b *Blkio) *[]BlkioEntry { return &b.IoServiceBytesRecursive }},
	{"io_serviced_recursive", func(b *Blkio) *[]BlkioEntry { return &b.IoServicedRecursive }},
}

func blkioStatsV1(dir string, s *Stats) error {
	for _, f := range blkioFiles {
		for _, prefix := range []string{"blkio.", "blkio.bfq.", "blkio.throttle."} {
			entries, err := readBlkioEntries(filepath.Join(dir, prefix+f.suffix))
			if err != nil {
				return err
			}
			if len(entries) > 0 {
				*f.dst(&s.Blkio) = entries
				break
			}
		}
	}
	return nil
}

// readBlkioEntries parses "MAJ:MIN Op VALUE" lines (the "Total" lines have
// no device and are skipped).
func readBlkioEntries(path string) ([]BlkioEntry, error) {
	s, err := readFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []BlkioEntry
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		major, minor, ok := parseDevice(f[0])
		v, err := strconv.ParseUint(f[2], 10, 64)
		if !ok || err != nil {
			continue
		}
		out = append(out, BlkioEntry{Major: major, Minor: minor, Op: f[1], Value: v})
	}
	return out, nil
}

func parseDevice(s string) (major, minor uint64, ok bool) {
	a, b, found := strings.Cut(s, ":")
	major, err1 := strconv.ParseUint(a, 10, 64)
	minor, err2 := strconv.ParseUint(b, 10, 64)
	return major, minor, found && err1 == nil && err2 == nil
}

// ioStatsV2: io.stat's "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ..." lines,
// mapped onto v1's tables as runc does (bytes to ioServiceBytesRecursive,
// ios to ioServicedRecursive, ops Read and Write).
func ioStatsV2(dir string, s *Stats) error {
	text, err := readFile(filepath.Join(dir, "io.stat"))
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		major, minor, ok := parseDevice(f[0])
		if !ok {
			continue
		}
		for _, kv := range f[1:] {
			k, val, _ := strings.Cut(kv, "=")
			v, err := strconv.ParseUint(val, 10, 64)
			if err != nil {
				continue
			}
			e := BlkioEntry{Major: major, Minor: minor, Value: v}
			switch k {
			case "rbytes", "wbytes":
				e.Op = map[string]string{"rbytes": "Read", "wbytes": "Write"}[k]
				s.Blkio.IoServiceBytesRecursive = append(s.Blkio.IoServiceBytesRecursive, e)
			case "rios", "wios":
				e.Op = map[string]string{"rios": "Read", "wios": "Write"}[k]
				s.Blkio.IoServicedRecursive = append(s.Blkio.IoServicedRecursive, e)
			}
		}
	}
	return nil
}
