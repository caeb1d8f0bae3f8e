package cgroupsfs

import (
	"bufio"
	"bytes"
	"strings"

	"github.com/rt-runtime/rt/internal/sysfile"
)

// ProcCgroup is one line of /proc/PID/cgroup: "ID:CONTROLLERS:PATH". The
// unified hierarchy is ID 0 with no controllers.
type ProcCgroup struct {
	ID          string
	Controllers []string // nil for the unified hierarchy
	Path        string
}

// Unified reports whether the line is the cgroup v2 hierarchy's ("0::PATH").
func (c ProcCgroup) Unified() bool { return c.ID == "0" && c.Controllers == nil }

// Deleted reports whether the cgroup was removed while the process was in
// it (the kernel appends " (deleted)").
func (c ProcCgroup) Deleted() bool { return strings.Contains(c.Path, "(deleted)") }

// ReadProcCgroup parses file, a /proc/PID/cgroup (or /proc/thread-self's);
// malformed lines are skipped.
func ReadProcCgroup(file string) ([]ProcCgroup, error) {
	data, err := sysfile.Read(file)
	if err != nil {
		return nil, err
	}
	var out []ProcCgroup
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		c := ProcCgroup{ID: parts[0], Path: parts[2]}
		if parts[1] != "" {
			c.Controllers = strings.Split(parts[1], ",")
		}
		out = append(out, c)
	}
	return out, sc.Err()
}
