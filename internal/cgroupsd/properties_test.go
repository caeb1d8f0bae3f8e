package cgroupsd

import (
	"math"
	"reflect"
	"testing"

	sd "github.com/coreos/go-systemd/v22/dbus"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func i64(v int64) *int64   { return &v }
func u64(v uint64) *uint64 { return &v }
func u16(v uint16) *uint16 { return &v }

// values flattens properties to name → Go value; a repeated name fails.
func values(t *testing.T, props []sd.Property) map[string]any {
	t.Helper()
	m := map[string]any{}
	for _, p := range props {
		if _, dup := m[p.Name]; dup {
			t.Errorf("property %s given twice", p.Name)
		}
		m[p.Name] = p.Value.Value()
	}
	return m
}

var v2 = Target{V2: true, Version: 255}

// systemd.resource-control(5) names, with runc's v2 conversions.
func TestPropertiesV2(t *testing.T) {
	res := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64(100 << 20), Reservation: i64(50 << 20), Swap: i64(300 << 20)},
		Pids:   &specs.LinuxPids{Limit: i64(42)},
		CPU:    &specs.LinuxCPU{Shares: u64(1024), Quota: i64(50000), Period: u64(100000), Cpus: "0-1,3", Mems: "0"},
		BlockIO: &specs.LinuxBlockIO{Weight: u16(500),
			ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 1 << 20}}},
	}
	props, files, err := Properties(res, v2, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := values(t, props)
	want := map[string]any{
		"MemoryMax": uint64(100 << 20), "MemoryLow": uint64(50 << 20), "MemorySwapMax": uint64(200 << 20),
		"TasksMax": uint64(42), "CPUWeight": uint64(100), // cgroupsfs's map: 1024 -> 100
		"CPUQuotaPeriodUSec": uint64(100000), "CPUQuotaPerSecUSec": uint64(500000),
		"AllowedCPUs": []byte{0x0b}, "AllowedMemoryNodes": []byte{0x01},
		"IOWeight":           uint64(1 + (500-10)*9999/990),
		"IOReadBandwidthMax": []ioDevice{{"/dev/block/8:0", 1 << 20}},
	}
	for k, v := range want {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("properties %v, want exactly %v", got, want)
	}
	if *files.CPU.Quota != 50000 {
		t.Errorf("files quota %d", *files.CPU.Quota)
	}
}

// runc's addCPUQuota: systemd keeps whole percents of a CPU, so the quota
// per second is rounded up to 10ms, and the files get the rounded quota.
func TestQuotaRounding(t *testing.T) {
	for _, c := range []struct {
		quota     int64
		period    uint64
		version   int
		perSec    uint64
		fileQuota int64
		hasPeriod bool
	}{
		{50000, 100000, 255, 500000, 50000, true},
		{12345, 100000, 255, 130000, 13000, true},  // 123450us/s -> 130000
		{1000, 0, 255, 10000, 1000, false},         // default period 100ms
		{-1, 50000, 255, math.MaxUint64, -1, true}, // unlimited
		{-1, 50000, 241, math.MaxUint64, -1, false},
		{333, 1000, 255, 340000, 340, true},
	} {
		res := &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(c.quota)}}
		if c.period != 0 {
			res.CPU.Period = u64(c.period)
		}
		props, files, err := Properties(res, Target{V2: true, Version: c.version}, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := values(t, props)
		if got["CPUQuotaPerSecUSec"] != c.perSec || *files.CPU.Quota != c.fileQuota {
			t.Errorf("quota %d period %d: CPUQuotaPerSecUSec %v, file quota %d; want %d, %d", c.quota, c.period, got["CPUQuotaPerSecUSec"], *files.CPU.Quota, c.perSec, c.fileQuota)
		}
		if *res.CPU.Quota != c.quota {
			t.Errorf("the spec's quota changed to %d", *res.CPU.Quota)
		}
		if _, ok := got["CPUQuotaPeriodUSec"]; ok != c.hasPeriod {
			t.Errorf("quota %d period %d systemd %d: CPUQuotaPeriodUSec given: %v", c.quota, c.period, c.version, ok)
		}
	}
}

// -1 is infinity; a pids limit of 0 becomes 1 (systemd refuses 0); 0 of
// memory is unset; v1 hosts get the v1 names.
func TestPropertiesEdges(t *testing.T) {
	res := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(-1)}, Pids: &specs.LinuxPids{Limit: i64(0)}}
	props, _, _ := Properties(res, v2, false, nil)
	got := values(t, props)
	if got["MemoryMax"] != uint64(math.MaxUint64) || got["MemorySwapMax"] != uint64(math.MaxUint64) || got["TasksMax"] != uint64(1) {
		t.Errorf("got %v", got)
	}
	res = &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1 << 20), Reservation: i64(1)},
		CPU: &specs.LinuxCPU{Shares: u64(512)}, BlockIO: &specs.LinuxBlockIO{Weight: u16(300)}}
	props, _, _ = Properties(res, Target{V2: false, Version: 239}, false, nil)
	got = values(t, props)
	want := map[string]any{"MemoryLimit": uint64(1 << 20), "CPUShares": uint64(512), "BlockIOWeight": uint64(300)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("v1: got %v, want %v", got, want)
	}
	if props, _, _ := Properties(nil, v2, false, nil); len(props) != 0 {
		t.Errorf("nil resources: %v", props)
	}
}

func TestUnifiedProperties(t *testing.T) {
	res := &specs.LinuxResources{Unified: map[string]string{"memory.high": "1048576", "pids.max": "max", "cpu.max": "max 50000", "io.weight": "50"}}
	props, _, err := Properties(res, v2, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := values(t, props)
	want := map[string]any{"MemoryHigh": uint64(1 << 20), "TasksMax": uint64(math.MaxUint64),
		"CPUQuotaPeriodUSec": uint64(50000), "CPUQuotaPerSecUSec": uint64(math.MaxUint64)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	res.Unified = map[string]string{"memory.max": "lots"}
	if _, _, err := Properties(res, v2, false, nil); err == nil || err.Error()[:26] != "/linux/resources/unified/m" {
		t.Errorf("bad unified value: %v", err)
	}
}

func TestRangeToBits(t *testing.T) {
	for in, want := range map[string][]byte{"0": {1}, "1,3-5": {0x3a}, "0-7": {0xff}, "8": {0, 1}, "0,9-10": {1, 6}, " 2 , ": {4}} {
		got, err := RangeToBits(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("RangeToBits(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "a", "3-1", "1-x"} {
		if _, err := RangeToBits(in); err == nil {
			t.Errorf("RangeToBits(%q): want an error", in)
		}
	}
}

// runc's generateDeviceProperties: a strict allow list, in systemd's
// syntax, after rt's default rules.
func TestDeviceProperties(t *testing.T) {
	groups := func(kind string, major int64) string {
		if kind == "char" && major == 136 {
			return "char-pts"
		}
		return ""
	}
	rules := []specs.LinuxDeviceCgroup{
		{Allow: true, Type: "b", Major: i64(8), Minor: i64(0), Access: "rw"},
		{Allow: true, Type: "c", Major: i64(99), Access: "r"}, // no group: left to the filter
		{Allow: true, Type: "c", Minor: i64(1), Access: "r"},  // *:1: no systemd form
	}
	got := values(t, deviceProperties(rules, groups))
	if got["DevicePolicy"] != "strict" {
		t.Errorf("DevicePolicy %v", got["DevicePolicy"])
	}
	want := []deviceAllow{{"/dev/block/8:0", "rw"}, {"char-*", "m"}, {"block-*", "m"},
		{"/dev/char/1:3", "rwm"}, {"/dev/char/1:8", "rwm"}, {"/dev/char/1:7", "rwm"}, {"/dev/char/5:0", "rwm"},
		{"/dev/char/1:5", "rwm"}, {"/dev/char/1:9", "rwm"}, {"char-pts", "rwm"}, {"/dev/char/5:2", "rwm"}, {"/dev/char/10:200", "rwm"}}
	if !reflect.DeepEqual(got["DeviceAllow"], want) {
		t.Errorf("DeviceAllow\n got %v\nwant %v", got["DeviceAllow"], want)
	}
	// "allow all" (privileged): policy auto.
	got = values(t, deviceProperties([]specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}, groups))
	if got["DevicePolicy"] != "auto" {
		t.Errorf("allow all: DevicePolicy %v", got["DevicePolicy"])
	}
	// The default rules add allows after an allow-all, which stays auto;
	// a deny after the allow-all has no systemd form: strict, empty.
	got = values(t, deviceProperties([]specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}, {Allow: false, Type: "c", Major: i64(1), Minor: i64(3), Access: "rwm"}}, groups))
	if got["DevicePolicy"] != "strict" || !reflect.DeepEqual(got["DeviceAllow"], []deviceAllow{}) {
		t.Errorf("allow all but one: %v", got)
	}
	// A deny of a device the spec allowed before removes it.
	got = values(t, deviceProperties([]specs.LinuxDeviceCgroup{rules[0], {Allow: false, Type: "b", Major: i64(8), Minor: i64(0), Access: "rwm"}}, groups))
	if l := got["DeviceAllow"].([]deviceAllow); len(l) != len(want)-1 || l[0].Path != "char-*" {
		t.Errorf("denied device still allowed: %v", l)
	}
}
