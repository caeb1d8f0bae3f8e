package cgroupsfs

import (
	"path/filepath"

	"github.com/rt-runtime/rt/internal/sysfile"
)

// WarmMigration makes the next move of a process into c cheap, and is meant
// to run in a goroutine as soon as c exists (create, run, exec).
//
// The first move after a quiet spell waits for an RCU grace period, 5 to 15
// ms here, before the kernel's thread-group lock can be taken for writing;
// moves that follow within about one more grace period do not wait. So the
// calling process writes itself ("0") into the cgroup.procs of the cgroup
// it is already in: the kernel takes that lock, which starts the grace
// period now, while rt still has a config to read and a stage to start, and
// then finds there is nothing to move. Nothing changes, whatever happens:
// errors (no cgroup filesystem, no permission, EBUSY on a v2 cgroup with
// controllers for its children) are ignored, as the warm-up is only a hint.
func (c *Cgroup) WarmMigration() {
	if c.host == nil {
		return
	}
	if file := ownProcsFile(c.host, "/proc/self/cgroup"); file != "" {
		_ = sysfile.Write(file, "0")
	}
}

// ownProcsFile returns the cgroup.procs of the cgroup, listed in cgroupFile
// (/proc/self/cgroup), that the calling process is in: in the unified
// hierarchy if it is mounted, else in the first v1 hierarchy that is. It
// returns "" when there is none.
func ownProcsFile(h *Host, cgroupFile string) string {
	lines, err := ReadProcCgroup(cgroupFile)
	if err != nil {
		return ""
	}
	first := ""
	for _, c := range lines {
		if c.Deleted() {
			continue
		}
		if c.Unified() {
			if h.Unified == "" {
				continue
			}
			return filepath.Join(h.Unified, c.Path, "cgroup.procs")
		}
		var mount string
		for _, name := range c.Controllers {
			if m, ok := h.V1[name]; ok {
				mount = m
				break
			}
		}
		if mount != "" && first == "" {
			first = filepath.Join(mount, c.Path, "cgroup.procs")
		}
	}
	return first
}
