package libct

import (
	"errors"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// runc's words, which tools match, in the line that names the field
// (issue 11, items 20, 21, 23).

func TestHookErrorWords(t *testing.T) {
	err := hookError("prestart", 1, "/bin/sh", errors.New("exit status 3"))
	want := "/hooks/prestart/1: error running prestart hook #1: /bin/sh: exit status 3"
	if err.Error() != want {
		t.Errorf("hookError = %q, want %q", err, want)
	}
}

func TestStageWordsOrdinaryDir(t *testing.T) {
	mount := nsenter.Op{Code: nsenter.OpMount, Strs: [4]string{"proc", "/proc", "proc", ""}, Flags: nsenter.FlagInRoot | nsenter.FlagOrdinaryDir, Field: "/mounts/0"}
	mkdir := nsenter.Op{Code: nsenter.OpMkdir, Strs: [4]string{"/proc"}, Flags: nsenter.FlagInRoot | nsenter.FlagOrdinaryDir, Field: "/mounts/0/destination"}
	s := &session{plan: &nsenter.Plan{Ops: []nsenter.Op{mkdir, mount}}}
	want := `/mounts/0/destination: filesystem "proc" must be mounted on ordinary directory: /proc is a symlink or not a directory`
	for i := range s.plan.Ops {
		err := s.stageError(nsenter.Msg{Type: nsenter.MsgError, Op: uint32(i), Err: int32(unix.ENOTDIR)})
		if err.Error() != want {
			t.Errorf("op %d: %q, want %q", i, err, want)
		}
	}
	// another errno keeps the usual words
	err := s.stageError(nsenter.Msg{Type: nsenter.MsgError, Op: 1, Err: int32(unix.ENOENT)})
	if want := `/mounts/0: mount "proc" on /proc (type proc): no such file or directory`; err.Error() != want {
		t.Errorf("ENOENT: %q, want %q", err, want)
	}
}

func TestStageWordsSchedulerWithCpuset(t *testing.T) {
	sched := nsenter.Op{Code: nsenter.OpSched, Field: "/process/scheduler"}
	spec := &specs.Spec{Linux: &specs.Linux{Resources: &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "0"}}}}
	s := &session{spec: spec, plan: &nsenter.Plan{Ops: []nsenter.Op{sched}}}
	err := s.stageError(nsenter.Msg{Type: nsenter.MsgError, Err: int32(unix.EPERM)})
	want := `/process/scheduler: process scheduler can't be used together with AllowedCPUs (/linux/resources/cpu/cpus is "0"): sched_setattr: operation not permitted`
	if err.Error() != want {
		t.Errorf("%q, want %q", err, want)
	}
	s.spec = &specs.Spec{Linux: &specs.Linux{}}
	if err := s.stageError(nsenter.Msg{Type: nsenter.MsgError, Err: int32(unix.EPERM)}); err.Error() == want {
		t.Errorf("without a cpuset: %q", err)
	}
}

func TestStageWarningAmbient(t *testing.T) {
	var got []string
	op := nsenter.Op{Code: nsenter.OpCapsAmbient, Field: "/process/capabilities/ambient"}
	s := &session{plan: &nsenter.Plan{Ops: []nsenter.Op{op}}, warn: func(m string) { got = append(got, m) }}
	s.stageWarning(nsenter.Msg{Type: nsenter.MsgWarning, Value: unix.CAP_KILL, Err: int32(unix.EPERM)})
	want := "/process/capabilities/ambient: can't raise ambient capability CAP_KILL: operation not permitted"
	if len(got) != 1 || got[0] != want {
		t.Errorf("warnings %q, want [%q]", got, want)
	}
}
