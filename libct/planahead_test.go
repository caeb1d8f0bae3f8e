package libct

import (
	"errors"
	"os"
	"sync/atomic"
	"testing"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// aheadStage is a create stage whose builder counts its calls and records
// the cgroup paths it was given.
func aheadStage(calls *atomic.Int32, err error) *createStage {
	return &createStage{
		io: stageIO{fifo: "/x/exec.fifo"},
		build: func(fds nsenter.StageFds, paths map[string]string) (*nsenter.Plan, error) {
			calls.Add(1)
			return &nsenter.Plan{}, err
		},
	}
}

func TestPlanAheadUsedWhenTableAndPathsMatch(t *testing.T) {
	var calls atomic.Int32
	st := aheadStage(&calls, nil)
	paths := map[string]string{"pids": "/sys/fs/cgroup/pids/rt/a"}
	a := planAhead(st, paths)
	paths["pids"] = "changed after the start" // planAhead keeps its own copy
	plan, ok, err := a.result(nsenter.LayoutFds(st.io.fdNeeds()), map[string]string{"pids": "/sys/fs/cgroup/pids/rt/a"})
	if !ok || err != nil || plan == nil {
		t.Fatalf("result = %v, %v, %v; want the plan built ahead", plan, ok, err)
	}
	if calls.Load() != 1 {
		t.Fatalf("built %d times, want 1", calls.Load())
	}
}

func TestPlanAheadRefusedForAnotherTableOrPaths(t *testing.T) {
	var calls atomic.Int32
	st := aheadStage(&calls, nil)
	paths := map[string]string{"pids": "/sys/fs/cgroup/pids/rt/a"}
	a := planAhead(st, paths)
	other := nsenter.LayoutFds(nsenter.FdNeeds{Fifo: true, Console: true})
	if _, ok, _ := a.result(other, paths); ok {
		t.Fatal("a plan built for another fd table was used")
	}
	if _, ok, _ := a.result(nsenter.LayoutFds(st.io.fdNeeds()), map[string]string{"pids": "/elsewhere"}); ok {
		t.Fatal("a plan built for other cgroup paths was used")
	}
}

func TestPlanAheadKeepsTheBuildError(t *testing.T) {
	var calls atomic.Int32
	want := errors.New("/process/args: empty")
	st := aheadStage(&calls, want)
	a := planAhead(st, nil)
	a.wait()
	if _, ok, err := a.result(nsenter.LayoutFds(st.io.fdNeeds()), nil); !ok || !errors.Is(err, want) {
		t.Fatalf("result ok=%v err=%v, want the build's error", ok, err)
	}
}

func TestSealingTakeAndClose(t *testing.T) {
	root := t.TempDir()
	s := startSeal(root)
	f, err := s.take()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s.close() // taken: must not close the caller's file
	if _, err := f.Stat(); err != nil {
		t.Fatalf("close after take closed the taken file: %v", err)
	}
	s2 := startSeal(root)
	<-s2.done
	sealed := s2.f
	s2.close()
	if _, err := sealed.Stat(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("close left the sealed file open (Stat: %v)", err)
	}
	var none *sealing
	none.close() // a nil sealing is nothing to close
}
