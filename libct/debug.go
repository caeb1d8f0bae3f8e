package libct

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/specconv"
)

// Debug receives one line for each step libct takes (`rt --debug`): the
// plan's phases as built and as the stage reaches them, the cgroup, the
// hooks. nil, the default, says nothing.
var Debug func(msg string)

func debugf(format string, args ...any) {
	if Debug != nil {
		Debug(fmt.Sprintf(format, args...))
	}
}

// planPhases describes a plan as its runs of ops by the config section
// they come from: "namespaces 1-2 (unshare, fork-init), mounts 7-62 (...)".
// A Stringer, so that debugf builds it only when someone listens.
type planPhases struct{ plan *nsenter.Plan }

func (p planPhases) String() string {
	plan := p.plan
	var parts []string
	for start := 0; start < len(plan.Ops); {
		section := fieldSection(plan.Ops[start].Field)
		end := start
		seen := map[string]bool{}
		var names []string
		for ; end < len(plan.Ops) && fieldSection(plan.Ops[end].Field) == section; end++ {
			if n := plan.Ops[end].Code.Name(); !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
		span := fmt.Sprint(start)
		if end-1 > start {
			span = fmt.Sprintf("%d-%d", start, end-1)
		}
		parts = append(parts, fmt.Sprintf("%s %s (%s)", section, span, strings.Join(names, ", ")))
		start = end
	}
	return strings.Join(parts, ", ")
}

// fieldSection is the config section a JSON pointer names: its first
// segment, or its second under /linux.
func fieldSection(field string) string {
	segs := strings.Split(strings.TrimPrefix(field, "/"), "/")
	if segs[0] == "linux" && len(segs) > 1 {
		return segs[1]
	}
	if segs[0] == "" {
		return "-"
	}
	return segs[0]
}

// syncName names a sync point of the plan for the debug log.
func syncName(id int32) string {
	switch id {
	case specconv.SyncCgroup:
		return "cgroup"
	case specconv.SyncHooks:
		return "hooks"
	}
	return fmt.Sprint(id)
}

// debugPaths lists a cgroup's directories, sorted.
type debugPaths map[string]string // a Stringer, as planPhases

func (paths debugPaths) String() string {
	dirs := make([]string, 0, len(paths))
	for _, d := range paths {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	return strings.Join(slices.Compact(dirs), " ")
}

// debugMsg tells what the stage reports as it goes through the plan.
func debugMsg(m nsenter.Msg) {
	if Debug == nil {
		return
	}
	switch m.Type {
	case nsenter.MsgPid:
		debugf("stage: the process is pid %d", m.Value)
	case nsenter.MsgUsermapReq:
		debugf("stage: writing the uid and gid maps of pid %d", m.Value)
	case nsenter.MsgSync:
		debugf("stage: at sync point %s", syncName(m.Value))
	case nsenter.MsgSeccompFd:
		debugf("stage: seccomp listener fd, for the agent")
	case nsenter.MsgReady:
		debugf("stage: ready, the plan is done")
	case nsenter.MsgError:
		debugf("stage: op %d failed", m.Op)
	}
}
