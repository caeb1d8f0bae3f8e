package cgroupsfs

import (
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/specerr"
)

const ptrDevices = "/linux/resources/devices"

func i64(v int64) *int64 { return &v }

// DefaultDeviceRules are the device cgroup rules rt adds after the spec's
// own, as runc does: mknod of any device, the standard character devices
// (/dev/null, zero, full, random, urandom, tty), pseudo-terminals (/dev/pts
// and /dev/ptmx) and /dev/net/tun. Everything else is denied unless the
// spec allows it.
var DefaultDeviceRules = []specs.LinuxDeviceCgroup{
	{Allow: true, Type: "c", Access: "m"},
	{Allow: true, Type: "b", Access: "m"},
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "rwm"},    // /dev/null
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(8), Access: "rwm"},    // /dev/random
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(7), Access: "rwm"},    // /dev/full
	{Allow: true, Type: "c", Major: i64(5), Minor: i64(0), Access: "rwm"},    // /dev/tty
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(5), Access: "rwm"},    // /dev/zero
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(9), Access: "rwm"},    // /dev/urandom
	{Allow: true, Type: "c", Major: i64(136), Access: "rwm"},                 // /dev/pts/*
	{Allow: true, Type: "c", Major: i64(5), Minor: i64(2), Access: "rwm"},    // /dev/ptmx
	{Allow: true, Type: "c", Major: i64(10), Minor: i64(200), Access: "rwm"}, // /dev/net/tun
}

// deviceRule is one rule with its pointer ("" for rt's defaults).
type deviceRule struct {
	pointer string
	rule    specs.LinuxDeviceCgroup
}

// deviceRules checks the spec's rules and returns them followed by the
// defaults: everything a new container's cgroup gets, in order, after a
// first "deny all".
func deviceRules(r *specs.LinuxResources) ([]deviceRule, error) {
	var out []deviceRule
	for i, d := range r.Devices {
		ptr := fmt.Sprintf("%s/%d", ptrDevices, i)
		if err := checkDeviceRule(d); err != nil {
			return nil, specerr.Errorf(ptr, "%w", err)
		}
		out = append(out, deviceRule{ptr, d})
	}
	for _, d := range DefaultDeviceRules {
		out = append(out, deviceRule{"", d})
	}
	return out, nil
}

func checkDeviceRule(d specs.LinuxDeviceCgroup) error {
	switch d.Type {
	case "", "a", "b", "c":
	default:
		return fmt.Errorf("type %q is not a, b or c", d.Type)
	}
	if d.Access == "" || strings.Trim(d.Access, "rwm") != "" {
		return fmt.Errorf("access %q must be a non-empty combination of r, w and m", d.Access)
	}
	for _, n := range []*int64{d.Major, d.Minor} {
		if n != nil && (*n < -1 || *n > 1<<32-1) {
			return fmt.Errorf("device number %d is out of range", *n)
		}
	}
	return nil
}

// ruleString renders a rule as the v1 files take it: "TYPE MAJOR:MINOR
// ACCESS", with "*" for an absent (or -1) number and "a" for an absent
// type.
func ruleString(d specs.LinuxDeviceCgroup) string {
	t := d.Type
	if t == "" {
		t = "a"
	}
	num := func(p *int64) string {
		if p == nil || *p < 0 {
			return "*"
		}
		return fmt.Sprint(*p)
	}
	return fmt.Sprintf("%s %s:%s %s", t, num(d.Major), num(d.Minor), d.Access)
}

// devicesV1: "a" into devices.deny (deny everything), then each rule in
// order into devices.allow or devices.deny, as runc does for a new
// container.
func devicesV1(r *specs.LinuxResources, _ current) ([]write, error) {
	rules, err := deviceRules(r)
	if err != nil {
		return nil, err
	}
	ws := []write{{pointer: ptrDevices, file: "devices.deny", value: "a"}}
	if len(r.Devices) == 0 {
		ws[0].pointer = "" // rt's own defaults only
	}
	for _, d := range rules {
		file := "devices.deny"
		if d.rule.Allow {
			file = "devices.allow"
		}
		ws = append(ws, write{pointer: d.pointer, file: file, value: ruleString(d.rule)})
	}
	return ws, nil
}

// devicesV2: cgroup2 has no device files; the same rules, reduced to what
// they mean (see emulate), become an eBPF program of type
// BPF_PROG_TYPE_CGROUP_DEVICE attached to the container's directory.
func devicesV2(r *specs.LinuxResources, _ current) ([]write, error) {
	rules, err := deviceRules(r)
	if err != nil {
		return nil, err
	}
	st := emulate(rules)
	ptr := ptrDevices
	if len(r.Devices) == 0 {
		ptr = ""
	}
	return []write{{pointer: ptr, file: "(eBPF device program)", do: func(h *Host, dir string) error {
		return h.attachDeviceFilter(dir, st)
	}}}, nil
}

// access bits, as the kernel's bpf_cgroup_dev_ctx encodes them.
const (
	accessMknod = 1
	accessRead  = 2
	accessWrite = 4
)

func accessBits(s string) uint32 {
	var a uint32
	for _, c := range s {
		switch c {
		case 'm':
			a |= accessMknod
		case 'r':
			a |= accessRead
		case 'w':
			a |= accessWrite
		}
	}
	return a
}

// exception is a device rule in the kernel's v1 model: type 'a', 'b' or
// 'c', major and minor (-1 for any) and access bits.
type exception struct {
	typ          byte
	major, minor int64
	access       uint32
}

// deviceState is what a sequence of v1 rules leaves: a default (allow or
// deny everything) and the exceptions to it.
type deviceState struct {
	defaultAllow bool
	exceptions   []exception
}

// emulate applies rules to a cgroup that starts with "deny all", as the v1
// kernel does (security/device_cgroup.c): a rule of type "a" sets the
// default and drops every exception; a rule against the default adds its
// access to the exception with the same type and numbers (or a new one);
// a rule in line with the default removes its access from such an exception.
func emulate(rules []deviceRule) deviceState {
	st := deviceState{}
	for _, dr := range rules {
		d := dr.rule
		if d.Type == "" || d.Type == "a" {
			st = deviceState{defaultAllow: d.Allow}
			continue
		}
		e := exception{typ: d.Type[0], major: -1, minor: -1, access: accessBits(d.Access)}
		if d.Major != nil && *d.Major >= 0 {
			e.major = *d.Major
		}
		if d.Minor != nil && *d.Minor >= 0 {
			e.minor = *d.Minor
		}
		st.exceptions = st.merge(e, d.Allow != st.defaultAllow)
	}
	return st
}

func (st deviceState) merge(e exception, add bool) []exception {
	out := st.exceptions[:0:0]
	found := false
	for _, x := range st.exceptions {
		if x.typ == e.typ && x.major == e.major && x.minor == e.minor {
			found = true
			if add {
				x.access |= e.access
			} else {
				x.access &^= e.access
			}
		}
		if x.access != 0 {
			out = append(out, x)
		}
	}
	if add && !found {
		out = append(out, e)
	}
	return out
}

// allows reports what the kernel would answer for an access to a device:
// with a default of deny, an exception must grant every bit asked; with a
// default of allow, an exception denies any bit it names.
func (st deviceState) allows(typ byte, major, minor int64, access uint32) bool {
	for _, e := range st.exceptions {
		if e.typ != typ || (e.major != -1 && e.major != major) || (e.minor != -1 && e.minor != minor) {
			continue
		}
		if !st.defaultAllow && access&^e.access == 0 {
			return true
		}
		if st.defaultAllow && access&e.access != 0 {
			return false
		}
	}
	return st.defaultAllow
}
