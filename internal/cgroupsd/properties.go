package cgroupsd

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	sd "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/cgroupsfs"
	"github.com/rt-runtime/rt/specerr"
)

// Target is what the properties are for: a unit on cgroup v2 (pure
// unified host) or v1 (hybrid and legacy hosts, where systemd has the v1
// names: MemoryLimit, CPUShares, BlockIOWeight), and the version of the
// systemd that takes them (properties newer than it are left to the files).
type Target struct {
	V2      bool
	Version int
}

// The systemd versions that first have a property.
const (
	versionQuotaPeriod = 242 // CPUQuotaPeriodUSec
	versionAllowedCPUs = 244 // AllowedCPUs, AllowedMemoryNodes
	defaultQuotaPeriod = 100000
	usecInfinity       = uint64(math.MaxUint64)
)

func prop(name string, v any) sd.Property {
	return sd.Property{Name: name, Value: dbus.MakeVariant(v)}
}

// Properties converts res to unit properties, with runc's conversions. It
// also returns the resources to write to the files: a copy of res whose CPU
// quota is rounded up as systemd rounds it (to 1% of a CPU), so the files
// and the unit agree. Device rules become DevicePolicy/DeviceAllow only
// when devices is true (on create; update leaves them, as runc does);
// hostGroups names the device groups of /proc/devices ("char-pts") for
// rules with a wildcard minor.
func Properties(res *specs.LinuxResources, t Target, devices bool, hostGroups func(typ string, major int64) string) ([]sd.Property, *specs.LinuxResources, error) {
	if res == nil {
		res = &specs.LinuxResources{}
	}
	out := *res
	var props []sd.Property
	if devices {
		props = append(props, deviceProperties(res.Devices, hostGroups)...)
	}
	props = append(props, memoryProperties(res.Memory, t)...)
	if res.Pids != nil && res.Pids.Limit != nil {
		props = append(props, prop("TasksMax", tasksMax(*res.Pids.Limit)))
	}
	if res.CPU != nil {
		cpu := *res.CPU
		out.CPU = &cpu
		p, err := cpuProperties(&cpu, t)
		if err != nil {
			return nil, nil, err
		}
		props = append(props, p...)
	}
	props = append(props, ioProperties(res.BlockIO, t)...)
	if t.V2 && len(res.Unified) > 0 {
		p, err := unifiedProperties(res.Unified, t)
		if err != nil {
			return nil, nil, err
		}
		props = append(props, p...)
	}
	return props, &out, nil
}

// tasksMax: -1 (or any negative) is infinity; 0, which systemd refuses,
// becomes 1.
func tasksMax(limit int64) uint64 {
	switch {
	case limit < 0:
		return usecInfinity
	case limit == 0:
		return 1
	}
	return uint64(limit)
}

// memoryProperties: MemoryMax (v1: MemoryLimit), MemoryLow from the
// reservation and MemorySwapMax from swap less memory (v2 only). -1 is
// infinity (uint64 max), 0 unset.
func memoryProperties(m *specs.LinuxMemory, t Target) []sd.Property {
	if m == nil {
		return nil
	}
	var props []sd.Property
	var limit, swap int64
	if m.Limit != nil {
		limit = *m.Limit
	}
	if m.Swap != nil {
		swap = *m.Swap
	}
	if limit != 0 {
		name := "MemoryMax"
		if !t.V2 {
			name = "MemoryLimit"
		}
		props = append(props, prop(name, uint64(limit)))
	}
	if !t.V2 {
		return props
	}
	if m.Reservation != nil && *m.Reservation != 0 {
		props = append(props, prop("MemoryLow", uint64(*m.Reservation)))
	}
	if v, ok := swapToV2(swap, limit); ok {
		props = append(props, prop("MemorySwapMax", uint64(v)))
	}
	return props
}

// swapToV2 is runc's conversion of the v1 memory+swap limit to cgroup2's
// swap-only limit. A value it cannot convert gives no property: the file
// write then reports it against the spec's field.
func swapToV2(swap, limit int64) (int64, bool) {
	switch {
	case limit == -1 && swap == 0:
		return -1, true
	case swap == -1:
		return -1, true
	case swap == 0 || limit <= 0 || swap < limit:
		return 0, false
	}
	return swap - limit, true
}

// cpuProperties: CPUWeight from shares (cgroupsfs's map; v1: CPUShares),
// the quota, and the cpuset. cpu is the caller's copy: the quota in it is
// rounded as systemd rounds it.
func cpuProperties(cpu *specs.LinuxCPU, t Target) ([]sd.Property, error) {
	var props []sd.Property
	if cpu.Shares != nil && *cpu.Shares != 0 {
		if t.V2 {
			props = append(props, prop("CPUWeight", cgroupsfs.SharesToWeight(*cpu.Shares)))
		} else {
			props = append(props, prop("CPUShares", *cpu.Shares))
		}
	}
	var quota int64
	var period uint64
	if cpu.Quota != nil {
		quota = *cpu.Quota
	}
	if cpu.Period != nil {
		period = *cpu.Period
	}
	p, rounded := quotaProperties(quota, period, t.Version)
	props = append(props, p...)
	if cpu.Quota != nil && rounded != quota {
		cpu.Quota = &rounded
	}
	if t.Version >= versionAllowedCPUs {
		for _, c := range []struct{ name, list, field string }{
			{"AllowedCPUs", cpu.Cpus, "cpus"}, {"AllowedMemoryNodes", cpu.Mems, "mems"}} {
			if c.list == "" {
				continue
			}
			bits, err := RangeToBits(c.list)
			if err != nil {
				return nil, specerr.Errorf("/linux/resources/cpu/"+c.field, "%q: %w", c.list, err)
			}
			props = append(props, prop(c.name, bits))
		}
	}
	return props, nil
}

// quotaProperties: CPUQuotaPeriodUSec is the period (systemd ≥ 242);
// CPUQuotaPerSecUSec is the quota per second of the period (default
// period 100ms), or infinity for a negative quota. systemd keeps it in
// whole percents of a CPU, so it is rounded up to a multiple of 10ms, and
// the quota written to the files is rounded with it (runc's addCPUQuota).
func quotaProperties(quota int64, period uint64, version int) ([]sd.Property, int64) {
	var props []sd.Property
	if period != 0 && version >= versionQuotaPeriod {
		props = append(props, prop("CPUQuotaPeriodUSec", period))
	}
	if quota == 0 && period == 0 {
		return props, quota
	}
	perSec := usecInfinity
	if quota > 0 {
		if period == 0 {
			period = defaultQuotaPeriod
		}
		perSec = uint64(quota) * 1000000 / period
		if perSec%10000 != 0 {
			perSec = (perSec/10000 + 1) * 10000
			quota = int64(perSec * period / 1000000)
		}
	}
	return append(props, prop("CPUQuotaPerSecUSec", perSec)), quota
}

// ioProperties: IOWeight (the blkio weight on cgroupsfs's map; v1:
// BlockIOWeight as is), and on v2 the per-device weights and limits, the
// device named /dev/block/MAJOR:MINOR.
func ioProperties(b *specs.LinuxBlockIO, t Target) []sd.Property {
	if b == nil {
		return nil
	}
	var props []sd.Property
	if b.Weight != nil && *b.Weight != 0 {
		if t.V2 {
			props = append(props, prop("IOWeight", cgroupsfs.BlkioToIOWeight(*b.Weight)))
		} else {
			props = append(props, prop("BlockIOWeight", uint64(*b.Weight)))
		}
	}
	if !t.V2 {
		return props
	}
	type entry = ioDevice
	dev := func(major, minor int64) string { return fmt.Sprintf("/dev/block/%d:%d", major, minor) }
	var weights []entry
	for _, d := range b.WeightDevice {
		if d.Weight != nil && *d.Weight != 0 {
			weights = append(weights, entry{dev(d.Major, d.Minor), cgroupsfs.BlkioToIOWeight(*d.Weight)})
		}
	}
	if len(weights) > 0 {
		props = append(props, prop("IODeviceWeight", weights))
	}
	for _, l := range []struct {
		name string
		list []specs.LinuxThrottleDevice
	}{
		{"IOReadBandwidthMax", b.ThrottleReadBpsDevice}, {"IOWriteBandwidthMax", b.ThrottleWriteBpsDevice},
		{"IOReadIOPSMax", b.ThrottleReadIOPSDevice}, {"IOWriteIOPSMax", b.ThrottleWriteIOPSDevice},
	} {
		var es []entry
		for _, d := range l.list {
			es = append(es, entry{dev(d.Major, d.Minor), d.Rate})
		}
		if len(es) > 0 {
			props = append(props, prop(l.name, es))
		}
	}
	return props
}

// ioDevice is one entry of IODeviceWeight and the IO*Max lists: a block
// device node and a value.
type ioDevice struct {
	Path  string
	Value uint64
}

// unifiedProperties converts the linux.resources.unified files systemd has
// a property for (runc's list); the others are only written to the files.
func unifiedProperties(unified map[string]string, t Target) ([]sd.Property, error) {
	names := map[string]string{"memory.high": "MemoryHigh", "memory.low": "MemoryLow", "memory.min": "MemoryMin",
		"memory.max": "MemoryMax", "memory.swap.max": "MemorySwapMax", "pids.max": "TasksMax", "cpu.weight": "CPUWeight"}
	var props []sd.Property
	for _, k := range sortedKeys(unified) {
		v := strings.TrimSpace(unified[k])
		ptr := "/linux/resources/unified/" + specerr.Escape(k)
		switch k {
		case "cpu.max":
			f := strings.Fields(v)
			if len(f) < 1 || len(f) > 2 {
				return nil, specerr.Errorf(ptr, "%q: want \"QUOTA [PERIOD]\"", v)
			}
			quota, period := int64(-1), uint64(defaultQuotaPeriod)
			var err error
			if f[0] != "max" {
				if quota, err = strconv.ParseInt(f[0], 10, 64); err != nil {
					return nil, specerr.Errorf(ptr, "%q: %w", v, err)
				}
			}
			if len(f) == 2 {
				if period, err = strconv.ParseUint(f[1], 10, 64); err != nil {
					return nil, specerr.Errorf(ptr, "%q: %w", v, err)
				}
			}
			p, _ := quotaProperties(quota, period, t.Version)
			props = append(props, p...)
		case "cpuset.cpus", "cpuset.mems":
			if t.Version < versionAllowedCPUs {
				continue
			}
			bits, err := RangeToBits(v)
			if err != nil {
				return nil, specerr.Errorf(ptr, "%q: %w", v, err)
			}
			props = append(props, prop(map[string]string{"cpuset.cpus": "AllowedCPUs", "cpuset.mems": "AllowedMemoryNodes"}[k], bits))
		default:
			name, ok := names[k]
			if !ok {
				continue
			}
			n := usecInfinity
			if v != "max" {
				var err error
				if n, err = strconv.ParseUint(v, 10, 64); err != nil {
					return nil, specerr.Errorf(ptr, "%q: %w", v, err)
				}
			}
			if name == "TasksMax" && n == 0 {
				n = 1
			}
			props = append(props, prop(name, n))
		}
	}
	return props, nil
}

// RangeToBits turns a cpuset list ("0-3,6") into the byte mask systemd's
// AllowedCPUs and AllowedMemoryNodes take: bit N of the mask is CPU N,
// least significant byte first.
func RangeToBits(list string) ([]byte, error) {
	bits := new(big.Int)
	for _, r := range strings.Split(list, ",") {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(r, "-")
		start, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return nil, err
		}
		end := start
		if isRange {
			if end, err = strconv.ParseUint(hi, 10, 16); err != nil {
				return nil, err
			}
		}
		if start > end {
			return nil, fmt.Errorf("invalid range %q", r)
		}
		for i := start; i <= end; i++ {
			bits.SetBit(bits, int(i), 1)
		}
	}
	b := bits.Bytes() // big-endian
	if len(b) == 0 {
		return nil, fmt.Errorf("empty list")
	}
	for l, r := 0, len(b)-1; l < r; l, r = l+1, r-1 {
		b[l], b[r] = b[r], b[l]
	}
	return b, nil
}
