package libct

import (
	"context"
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/cgroups"
	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/specconv"
)

// ExecOptions are `rt exec`'s inputs.
type ExecOptions struct {
	// Process is the process to run; or, when it is nil, ProcessFor makes
	// it from the container's config, and Terminal says whether it asks
	// for a terminal. Exec decodes the config and calls ProcessFor while
	// the stage starts.
	Process       *specs.Process
	ProcessFor    func(*specs.Spec) (*specs.Process, error)
	Terminal      bool
	ConsoleSocket string
	ConsoleConn   *os.File
	PidfdSocket   string // path of a unix socket that receives a pidfd of the process
	PidFile       string
	PreserveFds   int
	IgnorePaused  bool
	// SubCgroups puts the process in sub-cgroups of the container's
	// (cgroups.ParseSubCgroups).
	SubCgroups map[string]string
	// Spec is the container's config (Container.Spec: the snapshot taken
	// at create) when the caller read it already.
	Spec  *specs.Spec
	Stdio [3]*os.File
	Warn  func(string)
	Effects
}

// Exec starts a process inside the running container and returns its
// host pid once it has been set up (it may already have exited). ctx is
// checked before the process is made.
func (c *Container) Exec(ctx context.Context, o ExecOptions) (int, error) {
	seal := startSeal(c.Root)
	defer seal.close()
	status, err := c.checkExec(ctx, o)
	if err != nil {
		return 0, err
	}
	cg, insideFirst, err := c.execCgroup(o, status)
	if err != nil {
		return 0, err
	}
	io := stageIO{root: c.Root, seal: seal, joinForked: true, insideFirst: insideFirst, preserve: o.PreserveFds, consoleSocket: o.ConsoleSocket, consoleConn: o.ConsoleConn, stdio: o.Stdio, warn: o.Warn,
		pidfdSocket: o.PidfdSocket, pidfdKind: pidfdKindExec, joinBestEffort: Rootless() && len(o.SubCgroups) == 0, planLater: true}
	if o.PidfdSocket != "" {
		// The process is orphaned by its stage and may exit at once: as
		// the subreaper we keep it a zombie, so its pid stays its own
		// until the pidfd is open.
		if err := o.setSubreaper(); err != nil {
			return 0, err
		}
	}
	io.listenerState = func(int) specs.State { return c.ociState(c.Status(), c.State.Pid) }
	var spec *specs.Spec
	io.lateSpec = func() *specs.Spec { return spec }
	pid, err := runStage(io, nil, cg, func(fds nsenter.StageFds) (*nsenter.Plan, error) {
		var p *specs.Process
		var err error
		if spec, p, err = c.execSpec(o); err != nil {
			return nil, err
		}
		return specconv.BuildExec(spec, p, specconv.ExecOptions{
			InitPid: c.State.Pid, Fds: fds, ConsoleRelay: o.ConsoleConn != nil, Warn: o.Warn,
			SetgroupsDenied: procSetgroupsDenied(c.State.Pid), Unprivileged: Rootless(), SeccompCache: seccompCache(c.Root)})
	}, nil)
	if err != nil {
		return pid, err
	}
	if o.PidFile != "" {
		if err := writePidFile(o.PidFile, pid); err != nil {
			return pid, err
		}
	}
	return pid, nil
}

// checkExec checks that the container may take a process (its status,
// ctx, a process given) and returns the status it found.
func (c *Container) checkExec(ctx context.Context, o ExecOptions) (string, error) {
	st := c.Status()
	switch st {
	case Created:
		if rootlessEUID() {
			// Its init is not dumpable until it execs: a user other than
			// root may not open its /proc/<pid>/ns files.
			return "", stateErr(ErrNotRunning, c.State.ID, st, "cannot exec in container %q: it is created, not started, and rt runs unprivileged (start it first)", c.State.ID)
		}
	case Running:
	case Paused:
		if !o.IgnorePaused {
			return "", stateErr(ErrPaused, c.State.ID, st, "cannot exec in container %q: it is paused (use --ignore-paused)", c.State.ID)
		}
	default:
		return "", stateErr(ErrNotRunning, c.State.ID, st, "cannot exec in container %q: container not running", c.State.ID)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if o.Process == nil && o.ProcessFor == nil {
		return "", fmt.Errorf("container %q: exec: no process given", c.State.ID)
	}
	return st, nil
}

// execSpec is the container's config (o.Spec, or the snapshot) and the
// process to run (o.Process, or what o.ProcessFor makes of the config).
func (c *Container) execSpec(o ExecOptions) (*specs.Spec, *specs.Process, error) {
	spec := o.Spec
	if spec == nil {
		var err error
		if spec, err = c.execConfig(); err != nil {
			return nil, nil, err
		}
	}
	if spec.Linux == nil {
		return nil, nil, fmt.Errorf("container %q: /linux: its config has no linux section", c.State.ID)
	}
	p := o.Process
	if p == nil {
		var err error
		if p, err = o.ProcessFor(spec); err != nil {
			return nil, nil, err
		}
	}
	return spec, p, nil
}

// execCgroup is the cgroup the process joins: the container's, or the
// sub-cgroups of it o names; its move is warmed up if asked. insideFirst:
// the stage may start inside it (stageIO.insideFirst).
//
// The stage stays out of the cgroup and its child is moved in (a move may
// wait for an RCU grace period), so that an exec into a container at its
// pids limit works, as runc's does. Without a limit, the stage is started
// inside the cgroup where no move is needed (v1 hierarchies), unless the
// cgroup is frozen: the stage must run.
func (c *Container) execCgroup(o ExecOptions, status string) (cg cgroups.Manager, insideFirst bool, err error) {
	if cg, err = c.cgroup(); err != nil {
		return nil, false, err
	}
	// the container's own limit counts for its sub-cgroups too
	insideFirst = canStartInside(cg) && !cg.(cgroups.InsideStarter).PidsLimited()
	if len(o.SubCgroups) > 0 {
		if cg, err = cg.Sub(o.SubCgroups); err != nil {
			return nil, false, err
		}
		insideFirst = insideFirst && canStartInside(cg) && !cg.(cgroups.InsideStarter).PidsLimited()
	}
	debugf("exec in %s: cgroup %s", c.State.ID, debugPaths(cg.Paths()))
	if insideFirst && o.IgnorePaused {
		// without --ignore-paused, prepareExec refused a paused container
		insideFirst = status != Paused
	}
	if o.WarmCgroup && !insideFirst {
		go cg.WarmJoin() // the process is moved, never born there (joinForked)
	}
	return cg, insideFirst, nil
}
