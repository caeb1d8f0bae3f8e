package specconv

import (
	"fmt"
	"os"

	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/nsenter"
	"github.com/rt-runtime/rt/rootfs"
)

// Sync points: the C stage stops at each and waits for the parent.
const (
	SyncCgroup = 1 // the parent puts the stage in the container's cgroup
	SyncHooks  = 2 // before pivot_root: prestart, createRuntime, createContainer hooks
	// SyncTimeOffsets: the parent writes the op's Strs[0] into the
	// stage's /proc/PID/timens_offsets (before the fork: the stage is the
	// process rt started).
	SyncTimeOffsets = 3
)

// Options are the facts of this run that the config does not hold.
type Options struct {
	ID              string            // container id (names the session keyring)
	Bundle          string            // absolute bundle path
	NoNewKeyring    bool              // --no-new-keyring
	NoPivot         bool              // --no-pivot
	ConsoleFd       int               // fd of the console socket in the stage, or -1
	ConsoleRelay    bool              // rt itself relays the pty (no --console-socket)
	FifoFd          int               // fd of the exec fifo in the stage, or -1 (exec: no wait)
	CloseFrom       int               // first fd that must not reach the process
	ExtraEnv        []string          // appended to process.env (LISTEN_FDS)
	CgroupPaths     map[string]string // hierarchy -> host directory of the container's cgroup
	SetgroupsDenied bool
	Warn            func(string) // receives warnings (unknown capabilities…)
	// IDMapFds: fds in the stage of user namespaces holding the id
	// mappings rootfs.IDMaps(spec) lists, in its order (idmapped mounts).
	IDMapFds []int
	// HostMounts: the mounts --no-pivot looks at (nil: rt's own, read from
	// /proc/self/mountinfo); tests fix them.
	HostMounts []*mountinfo.Info
}

type planBuilder struct {
	spec *specs.Spec
	proc *specs.Process // spec.Process for create, the exec'd one for exec
	o    Options
	ns   *namespaceSet
	// execCPUAffinity: initial runs first, final right before the exec.
	initialAffinity, finalAffinity *nsenter.Op
	plan                           nsenter.Plan
	warn                           func(string)

	// consoleEarly: the console op is already in the plan, before the
	// chroot of a container without a mount namespace (hostConsole).
	consoleEarly bool
}

func (b *planBuilder) add(ops ...nsenter.Op) { b.plan.Add(ops...) }

// Build validates spec against the host and returns the plan for `create`.
func Build(spec *specs.Spec, o Options) (*nsenter.Plan, error) {
	if err := Validate(spec, o.Bundle); err != nil {
		return nil, err
	}
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
	var hookSync []nsenter.Op
	if h := spec.Hooks; h != nil && len(h.Prestart)+len(h.CreateRuntime)+len(h.CreateContainer) > 0 { //nolint:staticcheck
		hookSync = append(hookSync, nsenter.Op{Code: nsenter.OpSync, Args: [3]int64{SyncHooks}, Field: "/hooks"})
	}
	if !ns.has[specs.MountNamespace] {
		if hookSync, err = b.hostConsole(hookSync); err != nil {
			return nil, err
		}
	}
	fs, err := rootfs.Plan(spec, rootfs.Options{
		InNewRoot: sysctls, BeforeSwitch: hookSync, NoMountNS: !ns.has[specs.MountNamespace], Warn: b.warn,
		Rootfs: RootfsPath(spec, o.Bundle), Bundle: o.Bundle, NoPivot: o.NoPivot,
		NewUserNS: ns.has[specs.UserNamespace], CgroupPaths: o.CgroupPaths,
		NewCgroupNS: ns.isNew(specs.CgroupNamespace),
		SysfsBind:   ns.isNew(specs.UserNamespace) && !ns.isNew(specs.NetworkNamespace),
		IDMapFds:    o.IDMapFds, HostMounts: o.HostMounts,
	})
	if err != nil {
		return nil, err
	}
	timeOps, err := timeOffsetOps(spec.Linux, ns)
	if err != nil {
		return nil, err
	}
	if err := b.checkAffinity(); err != nil {
		return nil, err
	}
	if b.initialAffinity != nil {
		b.add(*b.initialAffinity)
	}
	b.add(namespaceOps(ns, fs.Early, timeOps)...)
	b.add(b.oomScoreAdjOp()...)
	b.add(fs.Ops...)
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
func (b *planBuilder) hostConsole(beforeSwitch []nsenter.Op) ([]nsenter.Op, error) {
	console, err := b.newConsoleOp()
	if console == nil || err != nil {
		return beforeSwitch, err
	}
	console.Flags &^= nsenter.FlagBindConsole
	b.consoleEarly = true
	return append(beforeSwitch, *console), nil
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
	b.planFallbacks()
	if err := checkNoNUL(&b.plan); err != nil {
		return nil, err
	}
	return &b.plan, nil
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
