package nsenter

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Namespace is one kind of namespace: its name in config.json, the
// CLONE_NEW* flag that OP_SETNS and OP_UNSHARE take for it, and its file in
// /proc/PID/ns.
type Namespace struct {
	Type specs.LinuxNamespaceType
	Flag int
	Proc string
}

// Namespaces is the one table of namespace kinds: validation, the plan
// (specconv), `rt features` and `rt plan`'s descriptions all read it. Its
// order is the order `rt plan` names a flag set in.
var Namespaces = []Namespace{
	{specs.UserNamespace, unix.CLONE_NEWUSER, "user"},
	{specs.MountNamespace, unix.CLONE_NEWNS, "mnt"},
	{specs.PIDNamespace, unix.CLONE_NEWPID, "pid"},
	{specs.NetworkNamespace, unix.CLONE_NEWNET, "net"},
	{specs.IPCNamespace, unix.CLONE_NEWIPC, "ipc"},
	{specs.UTSNamespace, unix.CLONE_NEWUTS, "uts"},
	{specs.CgroupNamespace, unix.CLONE_NEWCGROUP, "cgroup"},
	{specs.TimeNamespace, unix.CLONE_NEWTIME, "time"},
}

// NamespaceOf looks a namespace kind up by its config.json name.
func NamespaceOf(t specs.LinuxNamespaceType) (Namespace, bool) {
	for _, ns := range Namespaces {
		if ns.Type == t {
			return ns, true
		}
	}
	return Namespace{}, false
}

// nsNames names CLONE_NEW* bits for `rt plan`, from the table.
var nsNames = func() []struct {
	flag int64
	name string
} {
	out := make([]struct {
		flag int64
		name string
	}, len(Namespaces))
	for i, ns := range Namespaces {
		out[i].flag, out[i].name = int64(ns.Flag), string(ns.Type)
	}
	return out
}()
