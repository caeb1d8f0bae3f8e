package specconv_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/specconv"
)

func i64(v int64) *int64         { return &v }
func u64(v uint64) *uint64       { return &v }
func intp(v int) *int            { return &v }
func mode(v uint32) *os.FileMode { m := os.FileMode(v); return &m }

func hook(timeout *int) specs.Hook { return specs.Hook{Path: "/bin/true", Timeout: timeout} }

// validationCase is one config edit and the JSON pointer of the error it
// must give ("" when the config is valid).
type validationCase struct {
	name    string
	pointer string
	text    string // also in the message
	edit    func(s *specs.Spec)
}

// The validation pass (issue 10, items 10 and 14): each malformed config is
// an error naming its field, before anything is made; the valid neighbours
// of each case still build.
func TestValidationPass(t *testing.T) {
	var cases []validationCase
	for _, group := range [][]validationCase{ociVersionCases(), unsupportedCases(), hookCases(), processCases(),
		deviceCases(), linuxCases(), resourceCases()} {
		cases = append(cases, group...)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := minimalSpec()
			dir := writeBundle(t, spec)
			c.edit(spec)
			o := defaultOptions()
			o.Bundle = dir
			_, err := specconv.Build(spec, o)
			verr := specconv.Validate(spec, dir)
			if c.pointer == "" {
				if err != nil {
					t.Fatalf("Build: %v, want no error", err)
				}
				if verr != nil {
					t.Fatalf("Validate: %v, want no error", verr)
				}
				return
			}
			if err == nil {
				t.Fatalf("Build succeeded, want an error at %s", c.pointer)
			}
			checkFieldError(t, err, c.pointer, c.text)
			// The pass runs before anything is made: create's Validate
			// gives the same error.
			if verr == nil || verr.Error() != err.Error() {
				t.Errorf("Validate = %v, want the error of Build (%v)", verr, err)
			}
		})
	}
}

func checkFieldError(t *testing.T, err error, pointer, text string) {
	t.Helper()
	msg := err.Error()
	if !strings.HasPrefix(msg, pointer+": ") {
		t.Errorf("error %q does not start with %q", msg, pointer+": ")
	}
	if !strings.Contains(msg, text) {
		t.Errorf("error %q does not mention %q", msg, text)
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error %q is more than one line", msg)
	}
	var fe *specconv.FieldError
	if !errors.As(err, &fe) || fe.Field != pointer {
		t.Errorf("error %q is not a *FieldError for %s (got %+v)", msg, pointer, fe)
	}
}

// config.md: ociVersion is REQUIRED, in SemVer 2.0.0 form; rt implements 1.x.
func ociVersionCases() []validationCase {
	var cases []validationCase
	for _, v := range []struct{ version, text string }{
		{"", "missing"}, {"2.0.0", "not supported"}, {"0.1.0", "not supported"}, {"abc", "not a semantic version"},
		{"1.0", "not a semantic version"}, {"v1.0.0", "not a semantic version"}, {"01.0.0", "not a semantic version"},
		{"1.0.0-", "not a semantic version"}, {" 1.0.0", "not a semantic version"},
	} {
		cases = append(cases, validationCase{name: "ociVersion " + v.version, pointer: "/ociVersion", text: v.text,
			edit: func(s *specs.Spec) { s.Version = v.version }})
	}
	for _, v := range []string{"1.0.0", "1.2.0", "1.0.2-dev", "1.1.0-rc.1", "1.3.0", "1.0.0+build.5", "1.9.0"} {
		cases = append(cases, validationCase{name: "ociVersion " + v + " ok", edit: func(s *specs.Spec) { s.Version = v }})
	}
	return cases
}

// config.md: "Runtimes MUST generate an error when ... unsupported values
// are encountered": the fields rt does not implement.
func unsupportedCases() []validationCase {
	return []validationCase{
		{"intelRdt", "/linux/intelRdt", "not supported", func(s *specs.Spec) {
			s.Linux.IntelRdt = &specs.LinuxIntelRdt{ClosID: "guaranteed"}
		}},
		{"netDevices", "/linux/netDevices", "not supported", func(s *specs.Spec) {
			s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"eth1": {Name: "eth9"}}
		}},
		{"empty netDevices ok", "", "", func(s *specs.Spec) { s.Linux.NetDevices = map[string]specs.LinuxNetDevice{} }},
	}
}

// config.md POSIX-platform hooks: path MUST be absolute; timeout, if set,
// MUST be greater than zero.
func hookCases() []validationCase {
	return []validationCase{
		{"hook timeout 0", "/hooks/prestart/0/timeout", "greater than zero", func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{Prestart: []specs.Hook{hook(intp(0))}} //nolint:staticcheck
		}},
		{"hook timeout negative", "/hooks/poststop/1/timeout", "greater than zero", func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{Poststop: []specs.Hook{hook(intp(5)), hook(intp(-1))}}
		}},
		{"createRuntime hook timeout 0", "/hooks/createRuntime/0/timeout", "-", func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{hook(intp(-3))}}
		}},
		{"startContainer hook relative path", "/hooks/startContainer/0/path", "not absolute", func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{Path: "true"}}}
		}},
		{"createContainer hook empty path", "/hooks/createContainer/0/path", "not absolute", func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{}}}
		}},
		{"hook env without =", "/hooks/poststart/0/env/1", "no '='", func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{Poststart: []specs.Hook{{Path: "/bin/true", Env: []string{"A=1", "B"}}}}
		}},
		{"hook timeout 1 and no timeout ok", "", "", func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{Poststart: []specs.Hook{hook(intp(1)), hook(nil)}}
		}},
	}
}

func processCases() []validationCase {
	gids := make([]uint32, 65537)
	return []validationCase{
		{"env without =", "/process/env/1", "no '='", func(s *specs.Spec) { s.Process.Env = []string{"PATH=/bin", "FOO"} }},
		{"env with an empty name", "/process/env/0", "empty variable name", func(s *specs.Spec) { s.Process.Env = []string{"=x"} }},
		{"env with an empty value ok", "", "", func(s *specs.Spec) { s.Process.Env = []string{"A=", "B=c=d"} }},
		{"additionalGids beyond NGROUPS_MAX", "/process/user/additionalGids", "65536", func(s *specs.Spec) {
			s.Process.User.AdditionalGids = gids
		}},
		{"additionalGids at NGROUPS_MAX ok", "", "", func(s *specs.Spec) { s.Process.User.AdditionalGids = gids[:65536] }},
		{"duplicate rlimit", "/process/rlimits/2/type", "/process/rlimits/0", func(s *specs.Spec) {
			s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_CORE"}, {Type: "RLIMIT_NOFILE", Soft: 1, Hard: 1}, {Type: "RLIMIT_CORE"}}
		}},
		{"rlimit soft above hard", "/process/rlimits/0/soft", "above the hard limit", func(s *specs.Spec) {
			s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 2000, Hard: 1000}}
		}},
		{"umask beyond 0777", "/process/user/umask", "0777", func(s *specs.Spec) { s.Process.User.Umask = u32(0o1022) }},
		{"oomScoreAdj above 1000", "/process/oomScoreAdj", "-1000..1000", func(s *specs.Spec) { s.Process.OOMScoreAdj = intp(1001) }},
		{"oomScoreAdj below -1000", "/process/oomScoreAdj", "-1000..1000", func(s *specs.Spec) { s.Process.OOMScoreAdj = intp(-1001) }},
		{"scheduler nice out of range", "/process/scheduler/nice", "-20..19", func(s *specs.Spec) {
			s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedOther, Nice: 20}
		}},
		{"scheduler priority for SCHED_OTHER", "/process/scheduler/priority", "SCHED_FIFO", func(s *specs.Spec) {
			s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedOther, Priority: 5}
		}},
		{"scheduler deadline for SCHED_BATCH", "/process/scheduler", "SCHED_DEADLINE", func(s *specs.Spec) {
			s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedBatch, Runtime: 100}
		}},
		{"scheduler without a policy", "/process/scheduler/policy", "unknown scheduler policy", func(s *specs.Spec) {
			s.Process.Scheduler = &specs.Scheduler{Nice: 1}
		}},
		{"scheduler SCHED_FIFO priority ok", "", "", func(s *specs.Spec) {
			s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedFIFO, Priority: 10}
		}},
	}
}

// config-linux.md Devices.
func deviceCases() []validationCase {
	dev := func(d specs.LinuxDevice) func(s *specs.Spec) {
		return func(s *specs.Spec) {
			s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}, d}
		}
	}
	return []validationCase{
		{"device mode beyond 07777", "/linux/devices/1/fileMode", "07777", dev(specs.LinuxDevice{Path: "/dev/x", Type: "c", Major: 1, Minor: 3, FileMode: mode(0o100666)})},
		{"device mode with another type's bits", "/linux/devices/1/fileMode", "07777", dev(specs.LinuxDevice{Path: "/dev/x", Type: "c", Major: 1, Minor: 3, FileMode: mode(0o60666)})},
		{"device mode with its own type's bits ok (podman)", "", "", dev(specs.LinuxDevice{Path: "/dev/x", Type: "c", Major: 1, Minor: 3, FileMode: mode(0o20666)})},
		{"device mode 07777 ok", "", "", dev(specs.LinuxDevice{Path: "/dev/x", Type: "c", Major: 1, Minor: 3, FileMode: mode(0o7777)})},
		{"fifo ok", "", "", dev(specs.LinuxDevice{Path: "/dev/f", Type: "p"})},
		{"device path with ..", "/linux/devices/1/path", `".."`, dev(specs.LinuxDevice{Path: "/dev/../etc/x", Type: "c", Major: 1, Minor: 3})},
		{"device path ending in ..", "/linux/devices/1/path", `".."`, dev(specs.LinuxDevice{Path: "/dev/..", Type: "c", Major: 1, Minor: 3})},
		{"device path /", "/linux/devices/1/path", "root", dev(specs.LinuxDevice{Path: "/", Type: "b", Major: 8, Minor: 0})},
		{"device path with ..name ok", "", "", dev(specs.LinuxDevice{Path: "/dev/..x", Type: "c", Major: 1, Minor: 3})},
		{"device major negative", "/linux/devices/1/major", "0..4095", dev(specs.LinuxDevice{Path: "/dev/x", Type: "c", Major: -1, Minor: 3})},
		{"device major too large", "/linux/devices/1/major", "0..4095", dev(specs.LinuxDevice{Path: "/dev/x", Type: "b", Major: 4096})},
		{"device minor too large", "/linux/devices/1/minor", "0..1048575", dev(specs.LinuxDevice{Path: "/dev/x", Type: "u", Major: 1, Minor: 1 << 20})},
	}
}

func linuxCases() []validationCase {
	return []validationCase{
		{"relative masked path", "/linux/maskedPaths/1", "not absolute", func(s *specs.Spec) {
			s.Linux.MaskedPaths = []string{"/proc/kcore", "proc/keys"}
		}},
		{"relative readonly path", "/linux/readonlyPaths/0", "not absolute", func(s *specs.Spec) {
			s.Linux.ReadonlyPaths = []string{"proc/sys"}
		}},
		{"masked paths without a mount namespace", "/linux/maskedPaths", "mount namespace", func(s *specs.Spec) {
			s.Linux.Namespaces = nil
			s.Linux.MaskedPaths = []string{"/proc/kcore"}
		}},
		{"readonly paths without a mount namespace", "/linux/readonlyPaths", "mount namespace", func(s *specs.Spec) {
			s.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.PIDNamespace}}
			s.Linux.ReadonlyPaths = []string{"/proc/sys"}
		}},
		{"sysctl kernel.hostname", "/linux/sysctl/kernel.hostname", "/hostname", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UTSNamespace})
			s.Linux.Sysctl = map[string]string{"kernel.hostname": "box"}
		}},
		{"time offset of a second or more in nanosecs", "/linux/timeOffsets/monotonic/nanosecs", "one second", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 1, Nanosecs: 1e9}}
		}},
	}
}

func resourceCases() []validationCase {
	res := func(r specs.LinuxResources) func(s *specs.Spec) {
		return func(s *specs.Spec) { s.Linux.Resources = &r }
	}
	return []validationCase{
		{"unified cgroup.procs", "/linux/resources/unified/cgroup.procs", "not a resource",
			res(specs.LinuxResources{Unified: map[string]string{"memory.high": "max", "cgroup.procs": "1"}})},
		{"unified cgroup.threads", "/linux/resources/unified/cgroup.threads", "not a resource",
			res(specs.LinuxResources{Unified: map[string]string{"cgroup.threads": "1"}})},
		{"unified cgroup.subtree_control", "/linux/resources/unified/cgroup.subtree_control", "not a resource",
			res(specs.LinuxResources{Unified: map[string]string{"cgroup.subtree_control": "+memory"}})},
		{"unified cgroup.kill", "/linux/resources/unified/cgroup.kill", "not a resource",
			res(specs.LinuxResources{Unified: map[string]string{"cgroup.kill": "1"}})},
		{"memory reservation above the limit", "/linux/resources/memory/reservation", "above the memory limit",
			res(specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(10 << 20), Reservation: i64(20 << 20)}})},
		{"memory reservation at the limit ok", "", "",
			res(specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(10 << 20), Reservation: i64(10 << 20)}})},
		{"memory reservation with an unlimited limit ok", "", "",
			res(specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(-1), Reservation: i64(20 << 20)}})},
		{"memory+swap below the limit", "/linux/resources/memory/swap", "below the memory limit",
			res(specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(10 << 20), Swap: i64(5 << 20)}})},
		{"cpu period 0", "/linux/resources/cpu/period", "greater than zero",
			res(specs.LinuxResources{CPU: &specs.LinuxCPU{Period: u64(0), Quota: i64(50000)}})},
		{"cpu quota -1 and period ok", "", "",
			res(specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(-1), Period: u64(100000)}})},
	}
}

// rt update checks its resources the same way.
func TestValidateResources(t *testing.T) {
	if err := specconv.ValidateResources(nil); err != nil {
		t.Errorf("ValidateResources(nil) = %v", err)
	}
	ok := &specs.LinuxResources{Unified: map[string]string{"cgroup.max.depth": "3", "cgroup.max.descendants": "10", "memory.high": "1G"}}
	if err := specconv.ValidateResources(ok); err != nil {
		t.Errorf("ValidateResources(cgroup limits) = %v", err)
	}
	err := specconv.ValidateResources(&specs.LinuxResources{Unified: map[string]string{"cgroup.procs": "1"}})
	if err == nil {
		t.Fatal("cgroup.procs accepted")
	}
	checkFieldError(t, err, "/linux/resources/unified/cgroup.procs", "cgroup.procs")
}

// rt update takes a CPU period of 0 as unchanged (runc; Docker's update
// through containerd's shim sends it), while a config may not have it.
func TestValidateUpdateZeroPeriod(t *testing.T) {
	docker := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64(64 << 20), Reservation: i64(0), Swap: i64(128 << 20), Kernel: i64(0)},
		CPU:    &specs.LinuxCPU{Shares: u64(0), Quota: i64(0), Period: u64(0)},
	}
	if err := specconv.ValidateUpdate(docker); err != nil {
		t.Fatalf("ValidateUpdate(docker update --memory 64m) = %v", err)
	}
	if docker.CPU.Period != nil {
		t.Errorf("period 0 kept: %d", *docker.CPU.Period)
	}
	if err := specconv.ValidateUpdate(&specs.LinuxResources{Unified: map[string]string{"cgroup.procs": "1"}}); err == nil {
		t.Error("ValidateUpdate accepted cgroup.procs")
	}
	if err := specconv.ValidateUpdate(nil); err != nil {
		t.Errorf("ValidateUpdate(nil) = %v", err)
	}
}

// The fuzzer's find (issue 10, section 3): BuildExec on a config with no
// linux section panicked. A missing field is a one-line error.
func TestBuildExecMissingLinux(t *testing.T) {
	p := &specs.Process{Args: []string{"true"}, Cwd: "/"}
	for _, spec := range []*specs.Spec{nil, {Version: specs.Version, Process: p}} {
		_, err := specconv.BuildExec(spec, p, specconv.ExecOptions{InitPid: 1, Fds: nsenter.LayoutFds(nsenter.FdNeeds{})})
		if err == nil {
			t.Fatal("BuildExec without linux succeeded")
		}
		checkFieldError(t, err, "/linux", "missing")
	}
}

// An exec'd process is checked as the config's is (runc refuses its bad
// environment too).
func TestBuildExecValidatesProcess(t *testing.T) {
	spec := minimalSpec()
	for _, c := range []struct {
		edit    func(p *specs.Process)
		pointer string
	}{
		{func(p *specs.Process) { p.Env = []string{"NOEQUALS"} }, "/process/env/0"},
		{func(p *specs.Process) {
			p.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1, Hard: 1}, {Type: "RLIMIT_NOFILE", Soft: 1, Hard: 1}}
		}, "/process/rlimits/1/type"},
	} {
		p := &specs.Process{Args: []string{"true"}, Cwd: "/"}
		c.edit(p)
		_, err := specconv.BuildExec(spec, p, specconv.ExecOptions{InitPid: 1, Fds: nsenter.LayoutFds(nsenter.FdNeeds{})})
		if err == nil {
			t.Fatalf("BuildExec succeeded, want an error at %s", c.pointer)
		}
		checkFieldError(t, err, c.pointer, "")
	}
}

// Issue 10 item 11: the config `runc spec` writes has ambient capabilities
// that are not inheritable. One warning line names them all.
func TestAmbientWarningIsOneLine(t *testing.T) {
	spec := minimalSpec()
	caps := []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}
	spec.Process.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps, Ambient: caps}
	dir := writeBundle(t, spec)
	var warnings []string
	o := defaultOptions()
	o.Bundle = dir
	o.Warn = func(w string) { warnings = append(warnings, w) }
	if _, err := specconv.Build(spec, o); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 {
		t.Fatalf("warnings %q, want one", warnings)
	}
	if !strings.HasPrefix(warnings[0], "/process/capabilities/ambient: ") {
		t.Errorf("warning %q does not name the field", warnings[0])
	}
	for _, c := range caps {
		if !strings.Contains(warnings[0], c) {
			t.Errorf("warning %q does not name %s", warnings[0], c)
		}
	}
}

// runc warns about kernel memory limits and ignores them; so does rt.
func TestKernelMemoryWarning(t *testing.T) {
	spec := minimalSpec()
	spec.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Kernel: i64(1 << 20)}} //nolint:staticcheck
	dir := writeBundle(t, spec)
	var warnings []string
	o := defaultOptions()
	o.Bundle = dir
	o.Warn = func(w string) { warnings = append(warnings, w) }
	if _, err := specconv.Build(spec, o); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "/linux/resources/memory/kernel: ") {
		t.Errorf("warnings %q, want one about /linux/resources/memory/kernel", warnings)
	}
}

// A namespace path that names a fifo is an error, not a create that waits
// forever for a writer.
func TestNamespacePathFifo(t *testing.T) {
	spec := minimalSpec()
	dir := writeBundle(t, spec)
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	spec.Linux.Namespaces = append(spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: fifo})
	o := defaultOptions()
	o.Bundle = dir
	done := make(chan error, 1)
	go func() { _, err := specconv.Build(spec, o); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Build succeeded with a fifo as the network namespace")
		}
		checkFieldError(t, err, "/linux/namespaces/1/path", "not a namespace file")
	case <-time.After(10 * time.Second):
		t.Fatal("Build blocked opening a fifo as a namespace path")
	}
}

// A fifo's device numbers are optional (config-linux.md: REQUIRED unless
// type is p); given, they are ignored with a warning, as the runtime-tools
// suite's linux_devices expects (it gives a fifo 8:666).
func TestFifoNumbersWarning(t *testing.T) {
	spec := minimalSpec()
	spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/f", Type: "p", Major: 8, Minor: 666}}
	dir := writeBundle(t, spec)
	var warnings []string
	o := defaultOptions()
	o.Bundle = dir
	o.Warn = func(w string) { warnings = append(warnings, w) }
	if _, err := specconv.Build(spec, o); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "/linux/devices/0: ") || !strings.Contains(warnings[0], "ignored") {
		t.Errorf("warnings %q, want one about /linux/devices/0", warnings)
	}
}
