package specconv

import (
	"os"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/specerr"
)

// ipcSysctls are the kernel.* keys an IPC namespace owns (fs.mqueue.* too).
var ipcSysctls = map[string]bool{
	"kernel.msgmax": true, "kernel.msgmnb": true, "kernel.msgmni": true, "kernel.sem": true,
	"kernel.shmall": true, "kernel.shmmax": true, "kernel.shmmni": true, "kernel.shm_rmid_forced": true,
}

// sysctlNamespace names the namespace that owns key, or "" if none does.
func sysctlNamespace(key string) specs.LinuxNamespaceType {
	switch {
	case ipcSysctls[key] || strings.HasPrefix(key, "fs.mqueue."):
		return specs.IPCNamespace
	case strings.HasPrefix(key, "net."):
		return specs.NetworkNamespace
	case key == "kernel.hostname" || key == "kernel.domainname":
		return specs.UTSNamespace
	}
	return ""
}

// ownsNamespace: the container has a namespace of type t that is not the
// host's (new, or joined by a path to some other namespace).
func (n *namespaceSet) ownsNamespace(t specs.LinuxNamespaceType) bool {
	if n.isNew(t) {
		return true
	}
	p := n.paths[t]
	if p == "" {
		return false
	}
	joined, err1 := os.Stat(p)
	host, err2 := os.Stat("/proc/self/ns/" + nsProc(t))
	return err1 == nil && err2 == nil && !os.SameFile(joined, host)
}

// sysctlOps writes linux.sysctl in key order; each key must belong to a
// namespace the container owns, or the write would change the host.
func (b *planBuilder) sysctlOps() ([]nsenter.Op, error) {
	keys := make([]string, 0, len(b.spec.Linux.Sysctl))
	for k := range b.spec.Linux.Sysctl {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var ops []nsenter.Op
	for _, k := range keys {
		field := "/linux/sysctl/" + specerr.Escape(k)
		t := sysctlNamespace(k)
		if t == "" {
			return nil, fieldErr(field, "sysctl %q is not namespaced: setting it would change the host", k)
		}
		if !b.ns.ownsNamespace(t) {
			return nil, fieldErr(field, "sysctl %q needs a %s namespace of the container's own", k, t)
		}
		ops = append(ops, nsenter.Op{Code: nsenter.OpWriteFile, Flags: nsenter.FlagInRoot | nsenter.FlagProcfs,
			Strs: [4]string{"/proc/sys/" + strings.ReplaceAll(k, ".", "/"), b.spec.Linux.Sysctl[k]}, Field: field})
	}
	return ops, nil
}

// checkNoNUL: a NUL byte would cut a string short in the C stage.
func checkNoNUL(plan *nsenter.Plan) error {
	for _, op := range plan.Ops {
		if op.Code == nsenter.OpSeccomp {
			continue // a BPF program, sent whole with its length
		}
		if op.Code == nsenter.OpFindExec {
			continue // a NUL-separated list (findExecOp), of argv[0] and $PATH, checked in their own ops
		}
		for _, s := range op.Strs {
			if strings.IndexByte(s, 0) >= 0 {
				return fieldErr(op.Field, "contains a NUL byte")
			}
		}
	}
	return nil
}
