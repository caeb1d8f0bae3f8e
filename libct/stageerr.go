package libct

// The words of the stage's reports. The C stage says only (op index,
// errno, why, detail: a path or a number); every sentence the user reads
// about it is written here, from the plan's op and its config field.
// (After READY the stage prints on the process's stderr from templates
// specconv put in the plan: see nsenter/plan.h.)

import (
	"errors"
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/specconv"
)

// StageError is a failure the stage reported: the process could not be
// set up or started. `rt exec` exits 255 for it, as runc's does.
type StageError struct{ Err error }

func (e *StageError) Error() string { return e.Err.Error() }
func (e *StageError) Unwrap() error { return e.Err }

// stageWarning words a failure the stage went on after.
func (s *session) stageWarning(m nsenter.Msg) {
	if s.warn == nil || int(m.Op) >= len(s.plan.Ops) {
		return
	}
	op := s.plan.Ops[m.Op]
	what := op.Code.Name()
	if op.Code == nsenter.OpCapsAmbient {
		// runc's words, which tools match
		what = "can't raise ambient capability " + specconv.CapabilityName(int(m.Value))
	}
	s.warn(fmt.Sprintf("%s: %s: %v", op.Field, what, unix.Errno(m.Err)))
}

// stageError words a failed op: the config field, what was done, the
// path, the OS error.
func (s *session) stageError(m nsenter.Msg) error {
	return &StageError{Err: s.opError(m)}
}

func (s *session) opError(m nsenter.Msg) error {
	errno := unix.Errno(m.Err)
	if m.Value != nsenter.WhyErrno || int(m.Op) >= len(s.plan.Ops) {
		return whyError(s.plan, m)
	}
	op := s.plan.Ops[m.Op]
	var what string
	switch op.Code {
	case nsenter.OpSeccomp:
		what = fmt.Sprintf("seccomp load filter of %s instructions (flags %s)", m.Detail, cHex(op.Args[0]))
	case nsenter.OpFindExec, nsenter.OpExec:
		// In runc's words (Go's exec.LookPath), which tools match.
		if errno == unix.ENOENT && !strings.Contains(m.Detail, "/") {
			return &specconv.FieldError{Field: op.Field, Err: fmt.Errorf("exec: %q: executable file not found in $PATH", m.Detail)}
		}
		if errno == unix.ENOENT {
			return &specconv.FieldError{Field: op.Field, Err: fmt.Errorf("exec: %q: stat %s: %v", m.Detail, m.Detail, errno)}
		}
		what = fmt.Sprintf("exec: %q", m.Detail)
	case nsenter.OpSetns:
		what = "join namespace " + m.Detail
	case nsenter.OpMask:
		if errno == unix.ENXIO {
			return &specconv.FieldError{Field: op.Field, Err: fmt.Errorf("cannot mask %s: the container's /dev/null is missing or is not the null device", op.Strs[0])}
		}
		what = "mask " + op.Strs[0]
	case nsenter.OpRlimit:
		what = fmt.Sprintf("set %s to soft %d, hard %d", specconv.RlimitName(int(op.Args[0])), op.Args[1], op.Args[2])
		if errno == unix.EPERM {
			return &specconv.FieldError{Field: op.Field, Err: fmt.Errorf("%s: not permitted (raising a hard limit needs CAP_SYS_RESOURCE)", what)}
		}
	case nsenter.OpWriteFile:
		if errno == unix.EXDEV && op.Flags&nsenter.FlagProcfs != 0 {
			return &specconv.FieldError{Field: op.Field, Err: fmt.Errorf("%s is not on a procfs: refusing to write there", op.Strs[0])}
		}
		what = "write " + op.Strs[0]
	case nsenter.OpSched:
		if cpus := allowedCPUs(s.spec); errno == unix.EPERM && cpus != "" {
			// runc's words, which tools match.
			return &specconv.FieldError{Field: op.Field, Err: fmt.Errorf("process scheduler can't be used together with AllowedCPUs (/linux/resources/cpu/cpus is %q): sched_setattr: %v", cpus, errno)}
		}
		what = strings.TrimSpace(op.Code.Name() + " " + m.Detail)
	case nsenter.OpRemountKeep:
		if err := lockedFlagsError(op, errno); err != nil {
			return err
		}
		what = strings.TrimSpace(op.Code.Name() + " " + m.Detail)
	case nsenter.OpMount, nsenter.OpMkdir:
		var err error
		if what, err = s.mountWhat(m, op, errno); err != nil {
			return err
		}
	default:
		what = strings.TrimSpace(op.Code.Name() + " " + m.Detail)
	}
	return &specconv.FieldError{Field: op.Field, Err: fmt.Errorf("%s: %v", what, errno)}
}

// mountWhat words a failed mount or mkdir op, or returns the error of a
// case it knows better: a proc or sysfs target that is not an ordinary
// directory, a device the host lacks.
func (s *session) mountWhat(m nsenter.Msg, op nsenter.Op, errno unix.Errno) (string, error) {
	if err := ordinaryDirError(s.plan, m.Op, errno); err != nil {
		return "", err
	}
	if op.Code == nsenter.OpMkdir {
		return strings.TrimSpace(op.Code.Name() + " " + m.Detail), nil
	}
	if err := deviceBindError(op, errno); err != nil {
		return "", err
	}
	what := fmt.Sprintf("mount %q on %s", op.Strs[0], op.Strs[1])
	if op.Strs[2] != "" {
		what += " (type " + op.Strs[2] + ")"
	}
	return what, nil
}

// ordinaryDirError: proc and sysfs are mounted on an ordinary directory,
// not through a symlink, in runc's words, which tools match. A mkdir op
// makes the target of the mount op after it.
func ordinaryDirError(plan *nsenter.Plan, i uint32, errno unix.Errno) error {
	op := plan.Ops[i]
	if errno != unix.ENOTDIR || op.Flags&nsenter.FlagOrdinaryDir == 0 {
		return nil
	}
	if op.Code == nsenter.OpMkdir && int(i)+1 < len(plan.Ops) {
		op = plan.Ops[i+1]
	}
	return &specconv.FieldError{Field: op.Field + "/destination",
		Err: fmt.Errorf("filesystem %q must be mounted on ordinary directory: %s is a symlink or not a directory", op.Strs[2], op.Strs[1])}
}

// allowedCPUs is the container's cpuset, "" when it has none.
func allowedCPUs(spec *specs.Spec) string {
	if spec == nil || spec.Linux == nil || spec.Linux.Resources == nil || spec.Linux.Resources.CPU == nil {
		return ""
	}
	return spec.Linux.Resources.CPU.Cpus
}

// whyError words a failure the stage reported by its reason (plan.h's
// enum rt_why) rather than by an op's call alone.
func whyError(plan *nsenter.Plan, m nsenter.Msg) error {
	errno := unix.Errno(m.Err)
	switch m.Value {
	case nsenter.WhyPlanBad:
		return fmt.Errorf("container init: the plan rt sent is not readable (%s): %v", m.Detail, errno)
	case nsenter.WhyPlanEnd:
		return errors.New("container init: the plan ended without exec")
	case nsenter.WhyCloseLeaked:
		return fmt.Errorf("container init: close the fds from %s on, which rt's caller left open (close_range): %v", m.Detail, errno)
	}
	if int(m.Op) >= len(plan.Ops) {
		return fmt.Errorf("container init: op %d: %s: %v", m.Op, m.Detail, errno)
	}
	op := plan.Ops[m.Op]
	var what string
	switch m.Value {
	case nsenter.WhyHookStatus, nsenter.WhyHookSignal, nsenter.WhyHookTimeout:
		// The words the stage prints itself after `start` (the op's
		// templates), for a report that still reaches rt.
		i := 1 + int(m.Value-nsenter.WhyHookStatus)
		line := strings.NewReplacer("%s", m.Detail, "%%", "%").Replace(op.Strs[i])
		return errors.New(strings.TrimPrefix(line, "rt: "))
	case nsenter.WhyFilterSize:
		what = fmt.Sprintf("seccomp filter of %s bytes does not fit the plan", m.Detail)
	case nsenter.WhyListenerSend:
		what = "seccomp send the listener fd to rt"
	default:
		what = fmt.Sprintf("container init: op %s failed (reason %d)", op.Code.Name(), m.Value)
	}
	if m.Err != 0 {
		what += ": " + errno.Error()
	}
	return &specconv.FieldError{Field: op.Field, Err: errors.New(what)}
}

// cHex is C's %#x: 0 is "0", not "0x0".
func cHex(v int64) string {
	if v == 0 {
		return "0"
	}
	return fmt.Sprintf("%#x", v)
}

// lockedFlagsError: a bind remount the kernel refused because its options
// clear or change a flag that a user namespace locked on the source's
// mount (the plan did not repeat it: rootfs's keptFlags), in words that
// name them, as runc's "cannot clear locked flags".
func lockedFlagsError(op nsenter.Op, errno unix.Errno) error {
	dropped := nsenter.LockableFlags &^ op.Args[1]
	if errno != unix.EPERM || op.Flags&nsenter.FlagKeepLocked == 0 || op.Args[1] == 0 || dropped == 0 {
		return nil
	}
	var names []string
	for _, f := range []struct {
		flag int64
		name string
	}{{unix.MS_RDONLY, "ro"}, {unix.MS_NOSUID, "nosuid"}, {unix.MS_NODEV, "nodev"}, {unix.MS_NOEXEC, "noexec"},
		{unix.MS_NOATIME | unix.MS_RELATIME | unix.MS_NODIRATIME, "the atime"}} {
		if dropped&f.flag != 0 {
			names = append(names, f.name)
		}
	}
	return &specconv.FieldError{Field: op.Field, Err: fmt.Errorf(
		"remount of the bind mount on %s: %v: the options clear or change %s, which the source's mount may have and a user namespace locks (the flags of a mount from outside it cannot be cleared)",
		op.Strs[1], errno, strings.Join(names, ", "))}
}

// deviceBindError: a device of a container in a user namespace (or of an
// unprivileged rt) is the host's node of the same path bound onto an empty
// file, since mknod is refused there; the host must have it.
func deviceBindError(op nsenter.Op, errno unix.Errno) error {
	if errno != unix.ENOENT || op.Strs[0] != op.Strs[1] || !strings.HasPrefix(op.Strs[0], "/dev/") ||
		op.Flags&nsenter.FlagSrcTree != 0 {
		return nil
	}
	if !strings.HasPrefix(op.Field, "/linux/devices/") && op.Field != "/mounts" {
		return nil
	}
	return &specconv.FieldError{Field: op.Field, Err: fmt.Errorf(
		"device %s: in a user namespace rt cannot create device nodes, and the host has no %s to bind: %v",
		op.Strs[0], op.Strs[0], errno)}
}
