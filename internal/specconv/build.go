package specconv

import (
	"fmt"
	"os"

	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/rootfs"
)

// Sync points: the C stage stops at each and waits for the parent
// (nsenter/sync.md; the ids are plan.h's).
const (
	SyncCgroup      = nsenter.SyncCgroup
	SyncHooks       = nsenter.SyncHooks
	SyncTimeOffsets = nsenter.SyncTimeOffsets
)

// Options are the facts of this run that the config does not hold.
type Options struct {
	ID              string            // container id (names the session keyring)
	Bundle          string            // absolute bundle path
	NoNewKeyring    bool              // --no-new-keyring
	NoPivot         bool              // --no-pivot
	ConsoleRelay    bool              // rt itself relays the pty (no --console-socket)
	CgroupPaths     map[string]string // hierarchy -> host directory of the container's cgroup
	SetgroupsDenied bool
	// Unprivileged: rt runs without privilege over the host (not root, or
	// root in a user namespace that is not the initial one): see
	// rootfs.Options.Unprivileged.
	Unprivileged bool
	Warn         func(string) // receives warnings (unknown capabilities…)
	// Fds is the stage's fd table: the console socket, the exec fifo
	// (none: exec, no wait for `start`), the user namespaces of the id
	// mappings rootfs.IDMaps(spec) lists, each named by its mapping's key,
	// the first fd the process must not get; Fds.Listen fds are passed as
	// LISTEN_FDS.
	Fds nsenter.StageFds
	// NotifySocket is rt's $NOTIFY_SOCKET, a unix socket, or "": it is
	// bound at the same path in the container and passed in its
	// environment, so that sd_notify inside reaches rt's caller.
	NotifySocket string
	// HostMounts: the mounts --no-pivot looks at (nil: rt's own, read from
	// /proc/self/mountinfo); tests fix them.
	HostMounts []*mountinfo.Info
	// SeccompCache, when set, answers the compile of linux.seccomp (from
	// a cache of programs compiled before, or by calling compile).
	SeccompCache SeccompCache
}

// SeccompCache answers the compile of a profile: from a cache, with the
// warnings the compile gave, or by calling compile (rt's compiler, which
// gives its warnings to the warn it is passed).
type SeccompCache func(sc *specs.LinuxSeccomp, warn func(string), compile func(warn func(string)) (prog []byte, flags int64, err error)) (prog []byte, flags int64, err error)

type planBuilder struct {
	spec *specs.Spec
	proc *specs.Process // spec.Process for create, the exec'd one for exec
	o    Options
	ns   *namespaceSet
	// execCPUAffinity: initial runs first, final right before the exec.
	initialAffinity, finalAffinity *nsenter.Op
	phases                         phasedOps // the plan, phase by phase (phases.go)
	warn                           func(string)

	// consoleEarly: the console op is already in the plan, before the
	// chroot of a container without a mount namespace (hostConsole).
	consoleEarly bool
}

// Build validates spec against the host and returns the plan for `create`.
func Build(spec *specs.Spec, o Options) (*nsenter.Plan, error) {
	if err := Validate(spec, o.Bundle); err != nil {
		return nil, err
	}
	return BuildValidated(spec, o)
}

// rootfsOptions: what rootfs.Plan needs to know of the namespaces and of
// rt's options.
func (b *planBuilder) rootfsOptions() rootfs.Options {
	ns, o := b.ns, b.o
	return rootfs.Options{
		NoMountNS: !ns.has[specs.MountNamespace], Warn: b.warn,
		Rootfs: RootfsPath(b.spec, o.Bundle), Bundle: o.Bundle, NoPivot: o.NoPivot,
		NewUserNS: ns.has[specs.UserNamespace], Unprivileged: o.Unprivileged, CgroupPaths: o.CgroupPaths,
		NewCgroupNS: ns.isNew(specs.CgroupNamespace),
		// A user namespace (the container's, or the one an unprivileged
		// rt runs in) may mount a sysfs only with a network namespace
		// of its own.
		SysfsBind: (ns.isNew(specs.UserNamespace) || o.Unprivileged) && !ns.isNew(specs.NetworkNamespace),
		IDMapFds:  o.Fds.IDMaps, HostMounts: o.HostMounts, NotifySocket: o.NotifySocket,
	}
}

// BuildValidated is Build for a spec that has passed Validate already
// (libct validates a bundle once, when it loads it, before it makes
// anything): the validation pass is not run again.
func BuildValidated(spec *specs.Spec, o Options) (*nsenter.Plan, error) {
	ns, err := checkNamespaces(spec.Linux)
	if err != nil {
		return nil, err
	}
	b := &planBuilder{spec: spec, proc: spec.Process, o: o, ns: ns, warn: o.Warn}
	if b.warn == nil {
		b.warn = func(string) {}
	}
	warnIgnored(spec, b.warn)
	if err := checkIDMappings(spec.Linux, ns); err != nil {
		return nil, err
	}
	sysctls, err := b.sysctlOps()
	if err != nil {
		return nil, err
	}
	b.addTo(phaseSysctl, sysctls...)
	if h := spec.Hooks; h != nil && len(h.Prestart)+len(h.CreateRuntime)+len(h.CreateContainer) > 0 { //nolint:staticcheck
		sync := nsenter.Op{Code: nsenter.OpSync, Args: [3]int64{SyncHooks}, Field: "/hooks"}
		if o.Unprivileged {
			sync.Flags |= nsenter.FlagDumpable // rt opens the init's namespaces for the hooks
		}
		b.addTo(phaseHooks, sync)
	}
	if !ns.has[specs.MountNamespace] {
		if err = b.hostConsole(); err != nil {
			return nil, err
		}
	}
	fs, err := rootfs.Plan(spec, b.rootfsOptions())
	if err != nil {
		return nil, err
	}
	b.addTo(phaseEarly, fs.Early...)
	b.addTo(phaseMounts, fs.Mounts...)
	b.addTo(phasePivot, fs.Switch...)
	b.addTo(phaseInRoot, fs.InRoot...)
	timeOps, err := timeOffsetOps(spec.Linux, ns)
	if err != nil {
		return nil, err
	}
	b.addTo(phaseTimeOffsets, timeOps...)
	if err := b.checkAffinity(); err != nil {
		return nil, err
	}
	if b.initialAffinity != nil {
		b.addTo(phaseAffinity, *b.initialAffinity)
	}
	b.namespaceOps(ns)
	b.addTo(phaseOOMScore, b.oomScoreAdjOp()...)
	if err := b.utsOps(); err != nil {
		return nil, err
	}
	return b.finishProcess()
}

// hostConsole: without a mount namespace rt makes no mount (the rootfs's
// /dev is what the image holds), so the pty comes from the host's devpts,
// opened before the chroot, and nothing is bound over /dev/console. It runs
// right before the chroot, after the hooks' sync point, as runc's console
// comes after the createContainer hooks.
func (b *planBuilder) hostConsole() error {
	console, err := b.newConsoleOp()
	if console == nil || err != nil {
		return err
	}
	console.Flags &^= nsenter.FlagBindConsole
	b.consoleEarly = true
	b.addTo(phaseHooks, *console)
	return nil
}

// finishProcess adds the process part every plan ends with (create and
// exec alike) and checks the whole plan can be encoded.
func (b *planBuilder) finishProcess() (*nsenter.Plan, error) {
	if err := b.processOps(); err != nil {
		return nil, err
	}
	if err := b.execOps(); err != nil {
		return nil, err
	}
	plan := orderPlan(&b.phases)
	b.planFallbacks(plan)
	if err := checkNoNUL(plan); err != nil {
		return nil, err
	}
	return plan, nil
}

// Validate checks what every command that reads a bundle needs.
func Validate(spec *specs.Spec, bundle string) error {
	if err := validateConfig(spec); err != nil {
		return err
	}
	if spec.Process == nil {
		return fieldErr("/process", "missing: the container needs a process")
	}
	if len(spec.Process.Args) == 0 {
		return fieldErr("/process/args", "must not be empty")
	}
	if spec.Root == nil || spec.Root.Path == "" {
		return fieldErr("/root/path", "missing: the container needs a root filesystem")
	}
	rootfsPath := RootfsPath(spec, bundle)
	st, err := os.Stat(rootfsPath)
	if err != nil {
		return fieldErr("/root/path", "rootfs %v", err)
	}
	if !st.IsDir() {
		return fieldErr("/root/path", "rootfs %s is not a directory", rootfsPath)
	}
	if spec.Linux == nil {
		return fieldErr("/linux", "missing: rt runs Linux containers")
	}
	return nil
}

// checkIDMappings: a new user namespace needs maps; maps need one.
func checkIDMappings(l *specs.Linux, ns *namespaceSet) error {
	hasMaps := len(l.UIDMappings) > 0 || len(l.GIDMappings) > 0
	if ns.isNew(specs.UserNamespace) && (len(l.UIDMappings) == 0 || len(l.GIDMappings) == 0) {
		return fieldErr("/linux/uidMappings", "a new user namespace needs uidMappings and gidMappings")
	}
	if hasMaps && !ns.isNew(specs.UserNamespace) {
		return fieldErr("/linux/uidMappings", "id mappings need a new user namespace")
	}
	for i, m := range l.UIDMappings {
		if m.Size == 0 {
			return fieldErr(fmt.Sprintf("/linux/uidMappings/%d/size", i), "size must not be zero")
		}
	}
	for i, m := range l.GIDMappings {
		if m.Size == 0 {
			return fieldErr(fmt.Sprintf("/linux/gidMappings/%d/size", i), "size must not be zero")
		}
	}
	return nil
}
