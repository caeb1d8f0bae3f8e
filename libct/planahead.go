package libct

import (
	"maps"
	"reflect"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// plannedAhead is the plan of a create, built in the background while rt
// makes the cgroup: building it is pure (specconv) and takes about half a
// millisecond, which the cgroup's mkdirs and writes cover.
type plannedAhead struct {
	done  chan struct{}
	fds   nsenter.StageFds
	paths map[string]string
	plan  *nsenter.Plan
	err   error
}

// planAhead starts building st's plan for the fd table its files will
// have and the cgroup paths known now.
func planAhead(st *createStage, cgroupPaths map[string]string) *plannedAhead {
	a := &plannedAhead{done: make(chan struct{}), fds: nsenter.LayoutFds(st.io.fdNeeds()), paths: maps.Clone(cgroupPaths)}
	go func() {
		defer close(a.done)
		a.plan, a.err = st.build(a.fds, a.paths)
	}()
	return a
}

// result waits for the plan and returns it when it was built for fds and
// cgroupPaths; ok is false otherwise (the caller builds it again).
func (a *plannedAhead) result(fds nsenter.StageFds, cgroupPaths map[string]string) (plan *nsenter.Plan, ok bool, err error) {
	<-a.done
	if !reflect.DeepEqual(fds, a.fds) || !maps.Equal(cgroupPaths, a.paths) {
		return nil, false, nil
	}
	return a.plan, true, a.err
}

// wait returns once the build is over, so that nothing of it outlives
// Create.
func (a *plannedAhead) wait() { <-a.done }
