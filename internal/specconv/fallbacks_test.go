package specconv_test

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/specconv"
)

// modernKernel has every call the stage uses: the goldens are this
// kernel's plans on any host.
var modernKernel = specconv.Kernel{CloseRange: true, CloseRangeCloexec: true, Fchmodat2: true, MountSetattr: true, PidfdOpen: true, LastCap: 40}

func init() { specconv.KernelFeatures = func() specconv.Kernel { return modernKernel } }

// planOn builds spec's plan as on kernel k.
func planOn(t *testing.T, k specconv.Kernel, spec *specs.Spec) *nsenter.Plan {
	t.Helper()
	specconv.KernelFeatures = func() specconv.Kernel { return k }
	defer func() { specconv.KernelFeatures = func() specconv.Kernel { return modernKernel } }()
	o := defaultOptions()
	o.Bundle = writeBundle(t, spec)
	plan, err := specconv.Build(spec, o)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func flagsOf(plan *nsenter.Plan, code nsenter.Code) []uint32 {
	var flags []uint32
	for _, op := range plan.Ops {
		if op.Code == code {
			flags = append(flags, op.Flags)
		}
	}
	return flags
}

// The stage carries no policy (issue 12): a fallback is a flag Go put on
// the op, from a probe of the kernel, and `rt plan` shows it.
func TestFallbacksFollowTheKernel(t *testing.T) {
	spec := baseSpec()
	cases := []struct {
		code nsenter.Code
		flag uint32
		set  func(*specconv.Kernel)
	}{
		{nsenter.OpCloseFrom, nsenter.FlagFdLoop, func(k *specconv.Kernel) { k.CloseRangeCloexec = false }},
		{nsenter.OpMknod, nsenter.FlagChmodByProc, func(k *specconv.Kernel) { k.Fchmodat2 = false }},
		{nsenter.OpReadonly, nsenter.FlagRemountByProc | nsenter.FlagKeepLocked, func(k *specconv.Kernel) { k.MountSetattr = false }},
	}
	for _, c := range cases {
		t.Run(c.code.Name(), func(t *testing.T) {
			for _, f := range flagsOf(planOn(t, modernKernel, spec), c.code) {
				if f&c.flag != 0 {
					t.Errorf("%s on a kernel that has the call: flags %#x", c.code.Name(), f)
				}
			}
			old := modernKernel
			c.set(&old)
			got := flagsOf(planOn(t, old, spec), c.code)
			if len(got) == 0 {
				t.Fatalf("no %s op in the plan", c.code.Name())
			}
			for _, f := range got {
				if f&c.flag != c.flag {
					t.Errorf("%s on a kernel without the call: flags %#x, want %#x set", c.code.Name(), f, c.flag)
				}
			}
		})
	}
}

// The close of the fds leaked above the plan's is the plan's to decide
// too: without close_range, the plan's header leaves them to close-from,
// and `rt plan` says so.
func TestKeepLeakedFollowsTheKernel(t *testing.T) {
	spec := baseSpec()
	if plan := planOn(t, modernKernel, spec); plan.Flags != 0 || plan.DescribeFlags() != "" {
		t.Errorf("plan flags %#x (%q) on a kernel with close_range", plan.Flags, plan.DescribeFlags())
	}
	old := modernKernel
	old.CloseRange, old.CloseRangeCloexec = false, false
	plan := planOn(t, old, spec)
	if plan.Flags&nsenter.PlanKeepLeaked == 0 || !strings.Contains(plan.DescribeFlags(), "no close_range") {
		t.Errorf("plan flags %#x (%q) on a kernel without close_range", plan.Flags, plan.DescribeFlags())
	}
	if enc := plan.Encode(); enc[12] != byte(nsenter.PlanKeepLeaked) {
		t.Errorf("header flags word %x, want the plan's flags", enc[12:16])
	}
}

// A hook's timeout is never silently unenforced: where the hook may get no
// pidfd (no pidfd_open, or a filter that may refuse it), the plan says to
// keep it by alarm.
func TestHookTimeoutWithoutPidfd(t *testing.T) {
	timeout := 5
	spec := baseSpec()
	spec.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{Path: "/bin/true", Timeout: &timeout}, {Path: "/bin/false"}}}
	noPidfd := modernKernel
	noPidfd.PidfdOpen = false
	got := flagsOf(planOn(t, noPidfd, spec), nsenter.OpHook)
	if len(got) != 2 || got[0]&nsenter.FlagAlarmTimeout == 0 || got[1]&nsenter.FlagAlarmTimeout != 0 {
		t.Errorf("hook flags without pidfd_open: %#x, want alarm on the one with a timeout only", got)
	}
	if got := flagsOf(planOn(t, modernKernel, spec), nsenter.OpHook); got[0]&nsenter.FlagAlarmTimeout != 0 {
		t.Errorf("hook flags with pidfd_open and no filter: %#x", got)
	}
	spec.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}
	if got := flagsOf(planOn(t, modernKernel, spec), nsenter.OpHook); got[0]&nsenter.FlagAlarmTimeout == 0 {
		t.Errorf("hook flags under a filter: %#x, want the alarm", got)
	}
}

// The words the stage prints after READY are Go's, in the plan.
func TestStderrWordsInThePlan(t *testing.T) {
	spec := baseSpec()
	spec.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{Path: "/bin/100%"}}}
	plan := planOn(t, modernKernel, spec)
	for _, op := range plan.Ops {
		switch op.Code {
		case nsenter.OpReady:
			if op.Strs[0] != "rt: %s: %e" {
				t.Errorf("ready template %q", op.Strs[0])
			}
		case nsenter.OpExec:
			if op.Strs[0] != "exec %s: %e" {
				t.Errorf("exec template %q", op.Strs[0])
			}
		case nsenter.OpHook:
			want := "rt: /hooks/startContainer/0: error running startContainer hook #0: /bin/100%%: exit status %s"
			if op.Strs[1] != want || !strings.HasSuffix(op.Strs[3], ": timed out") {
				t.Errorf("hook templates %q", op.Strs[1:])
			}
		}
	}
}
