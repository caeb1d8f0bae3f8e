package cgroupsfs

import (
	"errors"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestDevicesV1(t *testing.T) {
	res := &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "b", Major: ptr(int64(8)), Access: "r"},
		{Allow: false, Type: "c", Major: ptr(int64(1)), Minor: ptr(int64(-1)), Access: "w"},
	}}
	ws, err := devicesV1(res, absent)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range ws {
		got = append(got, w.pointer+" "+w.file+"="+w.value)
	}
	want := []string{
		"/linux/resources/devices devices.deny=a",
		"/linux/resources/devices/0 devices.deny=a *:* rwm",
		"/linux/resources/devices/1 devices.allow=b 8:* r",
		"/linux/resources/devices/2 devices.deny=c 1:* w",
	}
	for _, d := range DefaultDeviceRules {
		want = append(want, " devices.allow="+ruleString(d))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("writes =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if want[6] != " devices.allow=c 1:3 rwm" {
		t.Errorf("defaults start with mknod then /dev/null: %q", want[4:7])
	}
}

func TestDeviceRuleChecks(t *testing.T) {
	for _, tc := range []struct {
		rule specs.LinuxDeviceCgroup
		want string
	}{
		{specs.LinuxDeviceCgroup{Type: "x", Access: "r"}, `/linux/resources/devices/0: type "x" is not a, b or c`},
		{specs.LinuxDeviceCgroup{Type: "c", Access: ""}, `/linux/resources/devices/0: access "" must be`},
		{specs.LinuxDeviceCgroup{Type: "c", Access: "rx"}, `access "rx" must be`},
		{specs.LinuxDeviceCgroup{Type: "c", Major: ptr(int64(-5)), Access: "r"}, "device number -5 is out of range"},
	} {
		_, err := devicesV1(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{tc.rule}}, absent)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want %q", tc.rule, err, tc.want)
		}
	}
}

func rules(ds ...specs.LinuxDeviceCgroup) []deviceRule {
	var out []deviceRule
	for _, d := range ds {
		out = append(out, deviceRule{rule: d})
	}
	return out
}

// The emulator answers as the v1 kernel would (security/device_cgroup.c).
func TestEmulate(t *testing.T) {
	denyAll := specs.LinuxDeviceCgroup{Allow: false, Access: "rwm"}
	allowAll := specs.LinuxDeviceCgroup{Allow: true, Type: "a", Access: "rwm"}
	null := specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: ptr(int64(1)), Minor: ptr(int64(3)), Access: "rw"}
	sda := specs.LinuxDeviceCgroup{Allow: false, Type: "b", Major: ptr(int64(8)), Minor: ptr(int64(0)), Access: "w"}
	type probe struct {
		typ          byte
		major, minor int64
		access       string
		allowed      bool
	}
	for _, tc := range []struct {
		name   string
		rules  []deviceRule
		probes []probe
	}{
		{"nothing: deny all", nil, []probe{{'c', 1, 3, "r", false}}},
		{"deny all, allow null rw", rules(denyAll, null), []probe{
			{'c', 1, 3, "r", true}, {'c', 1, 3, "rw", true}, {'c', 1, 3, "m", false}, {'c', 1, 5, "r", false}, {'b', 1, 3, "r", false}}},
		{"a later deny of null's w", rules(denyAll, null, specs.LinuxDeviceCgroup{Type: "c", Major: ptr(int64(1)), Minor: ptr(int64(3)), Access: "w"}),
			[]probe{{'c', 1, 3, "r", true}, {'c', 1, 3, "w", false}}},
		{"allow all, deny sda w", rules(allowAll, sda), []probe{
			{'b', 8, 0, "r", true}, {'b', 8, 0, "w", false}, {'b', 8, 0, "rw", false}, {'b', 8, 1, "w", true}, {'c', 8, 0, "w", true}}},
		{"allow all resets earlier exceptions", rules(denyAll, null, allowAll), []probe{{'b', 8, 0, "rwm", true}}},
		{"wildcard minor", rules(specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: ptr(int64(136)), Access: "rwm"}),
			[]probe{{'c', 136, 7, "rw", true}, {'c', 137, 7, "r", false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := emulate(tc.rules)
			for _, p := range tc.probes {
				if got := st.allows(p.typ, p.major, p.minor, accessBits(p.access)); got != p.allowed {
					t.Errorf("%c %d:%d %s allowed = %v, want %v (state %+v)", p.typ, p.major, p.minor, p.access, got, p.allowed, st)
				}
			}
		})
	}
}

func TestDevicesV2Fake(t *testing.T) {
	h, k := newFake(t, ModeV2, v2Layout()...)
	c, err := h.Create("/rt/x", &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}})
	if err != nil {
		t.Fatal(err)
	}
	st, ok := k.filters[c.Paths[""]]
	if !ok {
		t.Fatalf("no device program attached to %s (%v)", c.Paths[""], k.filters)
	}
	if st.defaultAllow || !st.allows('c', 1, 3, accessRead|accessWrite) || st.allows('b', 8, 0, accessRead) ||
		!st.allows('b', 8, 0, accessMknod) {
		t.Errorf("state %+v: want deny all but the defaults", st)
	}
	// update leaves the devices alone
	delete(k.filters, c.Paths[""])
	if err := Load(h, c.Paths).Update(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}}); err != nil {
		t.Fatal(err)
	}
	if len(k.filters) != 0 {
		t.Errorf("update attached a device program: %v", k.filters)
	}
}

// TestKernelDeviceProgram attaches the v2 program to a cgroup2 directory of
// this machine (on a hybrid host the unified hierarchy takes device
// programs too) and checks what a process inside may open.
func TestKernelDeviceProgram(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	h, err := Detect()
	if err != nil || h.Unified == "" {
		t.Skip("no cgroup2 mount")
	}
	path := kernelTestPath(t, h)
	c, err := h.Create(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	// /dev/null and /dev/zero are in the defaults; deny /dev/zero's reads.
	st := emulate(append(rules(specs.LinuxDeviceCgroup{Access: "rwm"}), append(defaultRules(),
		deviceRule{rule: specs.LinuxDeviceCgroup{Type: "c", Major: ptr(int64(1)), Minor: ptr(int64(5)), Access: "r"}})...))
	if err := h.attachDeviceFilter(c.Paths[""], st); err != nil {
		t.Fatal(err)
	}
	dir, err := os.Open(c.Paths[""])
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	run := func(file string) error {
		cmd := exec.Command("head", "-c1", file)
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(dir.Fd())}
		out, err := cmd.CombinedOutput()
		if err != nil {
			return errors.New(string(out))
		}
		return nil
	}
	if err := run("/dev/null"); err != nil {
		t.Errorf("/dev/null refused: %v", err)
	}
	if err := run("/dev/zero"); err == nil || !strings.Contains(err.Error(), "Operation not permitted") {
		t.Errorf("/dev/zero: err = %v, want EPERM", err)
	}
	if err := run("/dev/full"); err != nil {
		t.Errorf("/dev/full refused: %v", err)
	}
}

func defaultRules() []deviceRule {
	rs, _ := deviceRules(&specs.LinuxResources{})
	return rs
}

func TestDeviceProgramShape(t *testing.T) {
	st := emulate(defaultRules())
	insns := deviceProgram(st)
	// 7 loads and shifts, one block per exception, the default return.
	if len(st.exceptions) != len(DefaultDeviceRules) || len(insns) < 7+2*len(st.exceptions)+2 {
		t.Errorf("%d exceptions, %d instructions:\n%v", len(st.exceptions), len(insns), insns)
	}
}
