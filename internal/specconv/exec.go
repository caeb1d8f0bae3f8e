package specconv

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// ExecOptions are the facts of one `rt exec`.
type ExecOptions struct {
	InitPid         int              // the container's init: its namespaces are joined
	Fds             nsenter.StageFds // the console socket, the first fd the process must not get
	ConsoleRelay    bool             // rt itself relays the pty (no --console-socket)
	SetgroupsDenied bool
	NoSeccomp       bool // a createContainer hook: not the container's process, no linux.seccomp
	// Unprivileged: rt is not root in the initial user namespace: the
	// container's user namespace is joined first (rootlessJoinOrder).
	Unprivileged bool
	Warn         func(string)
	SeccompCache SeccompCache // see Options.SeccompCache
}

// execJoinOrder: as host root every namespace can be joined, so those that
// may belong to the host's user namespace (a netns made by `ip netns add`)
// come before the container's user namespace. The mount namespace comes
// last: /proc/<pid>/ns paths must be opened from the host's /proc, and the
// container's user namespace (which owns it) grants the right to join it.
var execJoinOrder = []specs.LinuxNamespaceType{
	specs.IPCNamespace, specs.UTSNamespace, specs.NetworkNamespace, specs.PIDNamespace,
	specs.CgroupNamespace, specs.TimeNamespace, specs.UserNamespace, specs.MountNamespace,
}

// rootlessJoinOrder: an unprivileged rt may join the container's other
// namespaces only from inside its user namespace, which owns them, as
// runc's exec joins it first.
var rootlessJoinOrder = []specs.LinuxNamespaceType{
	specs.UserNamespace, specs.IPCNamespace, specs.UTSNamespace, specs.NetworkNamespace, specs.PIDNamespace,
	specs.CgroupNamespace, specs.TimeNamespace, specs.MountNamespace,
}

// BuildExec plans a process that joins a running container: its
// namespaces (those the config lists), its cgroup (once forked), then p's settings.
func BuildExec(spec *specs.Spec, p *specs.Process, o ExecOptions) (*nsenter.Plan, error) {
	if p == nil || len(p.Args) == 0 {
		return nil, fieldErr("/args", "exec needs a command")
	}
	if spec == nil || spec.Linux == nil {
		return nil, fieldErr("/linux", "missing from the container's config: exec joins the namespaces it lists")
	}
	if err := validateProcess(p, "/process"); err != nil {
		return nil, err
	}
	if o.NoSeccomp && spec.Linux.Seccomp != nil {
		linux := *spec.Linux
		linux.Seccomp = nil
		copied := *spec
		copied.Linux = &linux
		spec = &copied
	}
	b := &planBuilder{spec: spec, proc: p, warn: o.Warn,
		o: Options{Fds: execFds(o.Fds), ConsoleRelay: o.ConsoleRelay, NoNewKeyring: true, SetgroupsDenied: o.SetgroupsDenied,
			SeccompCache: o.SeccompCache}}
	if b.warn == nil {
		b.warn = func(string) {}
	}
	listed := map[specs.LinuxNamespaceType]bool{}
	for _, ns := range spec.Linux.Namespaces {
		listed[ns.Type] = true
	}
	if err := b.checkAffinity(); err != nil {
		return nil, err
	}
	if b.initialAffinity != nil {
		b.addTo(phaseAffinity, *b.initialAffinity)
	}
	order := execJoinOrder
	if o.Unprivileged {
		order = rootlessJoinOrder
	}
	for _, t := range order {
		if listed[t] {
			b.addTo(phaseJoin, nsenter.Op{Code: nsenter.OpSetns, Strs: [4]string{fmt.Sprintf("/proc/%d/ns/%s", o.InitPid, nsProc(t))},
				Args: [3]int64{int64(nsFlags[t])}, Field: "/linux/namespaces"})
		}
	}
	if listed[specs.UserNamespace] {
		b.addTo(phaseJoin, nsenter.Op{Code: nsenter.OpSetidRoot, Field: "/linux/uidMappings"})
	}
	b.addTo(phaseFork, nsenter.Op{Code: nsenter.OpFork, Field: "/linux/namespaces"})
	// As runc's exec: the process joins the cgroup after the stage's own
	// fork, which a pids limit already reached would refuse.
	b.addTo(phaseFork, nsenter.Op{Code: nsenter.OpSync, Args: [3]int64{SyncCgroup}, Field: "/linux/cgroupsPath"})
	if p.Terminal {
		b.addTo(phaseFork, nsenter.Op{Code: nsenter.OpSetsid, Field: "/process/terminal"})
	}
	return b.finishProcess()
}

// execFds: an exec'd process waits for no `start` and makes no mounts.
func execFds(f nsenter.StageFds) nsenter.StageFds {
	f.Fifo, f.IDMaps = 0, nil
	return f
}
