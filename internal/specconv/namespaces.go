package specconv

import (
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// nsFlags indexes the one table of namespace kinds (nsenter.Namespaces)
// by type: the CLONE_NEW* flag of each.
var nsFlags = func() map[specs.LinuxNamespaceType]int {
	m := map[specs.LinuxNamespaceType]int{}
	for _, ns := range nsenter.Namespaces {
		m[ns.Type] = ns.Flag
	}
	return m
}()

// nsProc names a namespace type's file in /proc/PID/ns.
func nsProc(t specs.LinuxNamespaceType) string {
	ns, _ := nsenter.NamespaceOf(t)
	return ns.Proc
}

// joinOrder is the order namespaces given by path are joined in (user and
// mount: see namespaceOps).
var joinOrder = []specs.LinuxNamespaceType{
	specs.UserNamespace, specs.IPCNamespace, specs.UTSNamespace, specs.NetworkNamespace,
	specs.PIDNamespace, specs.CgroupNamespace, specs.TimeNamespace, specs.MountNamespace,
}

// nsFileType reports the CLONE_NEW* type of a namespace file.
func nsFileType(path string) (int, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_NONBLOCK, 0) // a fifo must not block
	if err != nil {
		return 0, err
	}
	defer f.Close()
	t, err := unix.IoctlRetInt(int(f.Fd()), unix.NS_GET_NSTYPE)
	if err != nil {
		return 0, fmt.Errorf("%s is not a namespace file", path)
	}
	return t, nil
}

// namespaceSet is linux.namespaces checked and indexed.
type namespaceSet struct {
	newFlags int                                 // CLONE_NEW* to create
	paths    map[specs.LinuxNamespaceType]string // joined by path
	index    map[specs.LinuxNamespaceType]int    // position in the config
	has      map[specs.LinuxNamespaceType]bool   // listed at all
}

func (n *namespaceSet) isNew(t specs.LinuxNamespaceType) bool {
	return n.has[t] && n.paths[t] == ""
}

func checkNamespaces(l *specs.Linux) (*namespaceSet, error) {
	set := &namespaceSet{paths: map[specs.LinuxNamespaceType]string{},
		index: map[specs.LinuxNamespaceType]int{}, has: map[specs.LinuxNamespaceType]bool{}}
	for i, ns := range l.Namespaces {
		field := fmt.Sprintf("/linux/namespaces/%d", i)
		flag, ok := nsFlags[ns.Type]
		if !ok {
			return nil, fieldErr(field+"/type", "unknown namespace type %q", ns.Type)
		}
		if set.has[ns.Type] {
			return nil, fieldErr(field+"/type", "namespace type %q listed twice", ns.Type)
		}
		set.has[ns.Type], set.index[ns.Type] = true, i
		if ns.Path == "" {
			set.newFlags |= flag
			continue
		}
		t, err := nsFileType(ns.Path)
		if err != nil {
			return nil, fieldErr(field+"/path", "%v", err)
		}
		if t != flag {
			return nil, fieldErr(field+"/path", "%s is not a %s namespace", ns.Path, ns.Type)
		}
		set.paths[ns.Type] = ns.Path
	}
	return set, nil
}

// namespaceOps joins and creates namespaces, then forks the init. Paths are
// joined before a user namespace is joined or made, as the host's root, so
// that a network namespace made by `ip netns add` (owned by the host's user
// namespace) can be joined together with a new user namespace, and the
// namespaces of another container together with its user namespace, in
// whatever order the config lists them. The early ops (host-side copies of
// bind sources, phaseEarly) run then too; the mount namespace is joined
// last, after the user namespace that owns it, since other paths may not
// resolve in it.
func (b *planBuilder) namespaceOps(set *namespaceSet) {
	// Nothing happens before the parent has put the stage in the cgroup:
	// every process forked later, and a new cgroup namespace, start there.
	b.addTo(phaseCgroup, nsenter.Op{Code: nsenter.OpSync, Args: [3]int64{SyncCgroup}, Field: "/linux/cgroupsPath"})
	join := func(p phase, t specs.LinuxNamespaceType) {
		if path := set.paths[t]; path != "" {
			b.addTo(p, nsenter.Op{Code: nsenter.OpSetns, Strs: [4]string{path}, Args: [3]int64{int64(nsFlags[t])},
				Field: fmt.Sprintf("/linux/namespaces/%d/path", set.index[t])})
		}
	}
	for _, t := range joinOrder {
		if t != specs.UserNamespace && t != specs.MountNamespace {
			join(phaseJoin, t)
		}
	}
	if set.paths[specs.UserNamespace] != "" {
		join(phaseJoinUser, specs.UserNamespace)
		b.addTo(phaseJoinUser, nsenter.Op{Code: nsenter.OpSetidRoot, Field: "/linux/uidMappings"})
	}
	join(phaseJoinUser, specs.MountNamespace)
	if set.isNew(specs.UserNamespace) {
		field := fmt.Sprintf("/linux/namespaces/%d", set.index[specs.UserNamespace])
		b.addTo(phaseUnshareUser, nsenter.Op{Code: nsenter.OpUnshare, Args: [3]int64{unix.CLONE_NEWUSER}, Field: field})
		b.addTo(phaseMaps,
			nsenter.Op{Code: nsenter.OpUsermap, Field: "/linux/uidMappings"},
			nsenter.Op{Code: nsenter.OpSetidRoot, Field: "/linux/uidMappings"},
		)
	}
	if rest := set.newFlags &^ unix.CLONE_NEWUSER; rest != 0 {
		b.addTo(phaseUnshare, nsenter.Op{Code: nsenter.OpUnshare, Args: [3]int64{int64(rest)}, Field: "/linux/namespaces"})
	}
	b.addTo(phaseFork,
		nsenter.Op{Code: nsenter.OpFork, Field: "/linux/namespaces"},
		nsenter.Op{Code: nsenter.OpSetsid, Field: "/process"},
	)
}
