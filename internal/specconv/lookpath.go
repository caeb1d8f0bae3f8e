package specconv

import (
	"strings"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// The executable and the bounding set, decided here so that the C stage
// only carries them out: the paths it tries for argv[0], in order, and
// the capabilities it drops, up to the kernel's last one.

// execCandidates are the paths the stage tries for arg0, in order, the way
// execvp(3) searches: arg0 itself when it names a path (holds a "/"), else
// arg0 in each directory of path, an empty directory meaning the working
// directory. search says the list came from path: the stage then reports
// ENOENT, or EACCES if one was denied, when none can be run, as execvp;
// otherwise the one path's own error.
func execCandidates(arg0, path string) (candidates []string, search bool) {
	if strings.Contains(arg0, "/") {
		return []string{arg0}, false
	}
	if arg0 == "" {
		return nil, true
	}
	for _, dir := range strings.Split(path, ":") {
		if dir == "" {
			candidates = append(candidates, arg0)
			continue
		}
		candidates = append(candidates, dir+"/"+arg0)
	}
	return candidates, true
}

// findExecOp is the op that resolves the executable (plan.h OP_FIND_EXEC):
// str0 holds the candidates, each ended by a NUL, the list by an empty
// one; arg0 is 1 for a search of $PATH.
func findExecOp(arg0, path string) nsenter.Op {
	candidates, search := execCandidates(arg0, path)
	var list strings.Builder
	for _, c := range candidates {
		list.WriteString(c)
		list.WriteByte(0)
	}
	op := nsenter.Op{Code: nsenter.OpFindExec, Flags: nsenter.FlagDeferDenied, Strs: [4]string{list.String()},
		Field: "/process/args/0"}
	if search {
		op.Args[0] = 1
	}
	return op
}

// boundingOp is the op that leaves only keep in the bounding set: every
// other capability up to the kernel's last (Kernel.LastCap) is dropped.
func boundingOp(keep int64) nsenter.Op {
	return nsenter.Op{Code: nsenter.OpCapsBounding, Args: [3]int64{keep, int64(KernelFeatures().LastCap)},
		Field: "/process/capabilities/bounding"}
}
