package libct

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Fault injection for the tests only (tests/bats/trust_faults.bats): what
// a crash of `rt create` at each of its steps leaves behind.
//
//	RT_TEST_ONLY_KILL_AT=N        rt create SIGKILLs itself at its Nth step
//	RT_TEST_ONLY_KILL_STAGE_AT=N  it SIGKILLs the C stage and the
//	                              container's init there instead
//
// Steps are counted from 1 in the order create passes them. With neither
// variable set (the only case outside the tests) testStep does nothing.
const (
	envKillAt      = "RT_TEST_ONLY_KILL_AT"
	envKillStageAt = "RT_TEST_ONLY_KILL_STAGE_AT"
)

var faults = struct {
	self, stage, n int
	stagePids      []int // the stage's and the init's pids, once known
}{self: envInt(envKillAt), stage: envInt(envKillStageAt)}

func envInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}

// testStep marks the end of one step of create.
func testStep(name string) {
	if faults.self == 0 && faults.stage == 0 {
		return
	}
	faults.n++
	switch faults.n {
	case faults.self:
		fmt.Fprintf(os.Stderr, "rt: %s: killing rt at step %d (%s)\n", envKillAt, faults.n, name)
		unix.Kill(os.Getpid(), unix.SIGKILL)
		select {} // the signal is on its way
	case faults.stage:
		for _, pid := range faults.stagePids {
			unix.Kill(pid, unix.SIGKILL)
		}
	}
}

// testStagePid records a process the stage consists of, for
// RT_TEST_ONLY_KILL_STAGE_AT.
func testStagePid(pid int) {
	if faults.stage != 0 && pid > 0 {
		faults.stagePids = append(faults.stagePids, pid)
	}
}
