package libct

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Fault injection for the tests only (tests/bats/trust_faults.bats): what
// a crash in the middle of `rt create` leaves behind.
//
//	RT_TEST_ONLY_KILL_AT=N        rt SIGKILLs itself at step N of create
//	RT_TEST_ONLY_KILL_STAGE_AT=N  it SIGKILLs the C stages and the
//	                              container's init there instead
//
// Steps are counted from 1 in the order create passes them; each kill says
// on stderr which step it was. With neither variable set (the only case
// outside the tests) testStep does nothing.
const (
	envKillAt      = "RT_TEST_ONLY_KILL_AT"
	envKillStageAt = "RT_TEST_ONLY_KILL_STAGE_AT"
)

var faults = struct {
	self, stage, n int
	pidfds         []int // the stages and the init, once started
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
		fmt.Fprintf(os.Stderr, "rt: %s: killing the stage at step %d (%s)\n", envKillStageAt, faults.n, name)
		for _, fd := range faults.pidfds {
			unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
		}
	}
}

// testStagePid records a process of the stage, for
// RT_TEST_ONLY_KILL_STAGE_AT. A pidfd, so that a pid reused after the
// process is gone is never signalled.
func testStagePid(pid int) {
	if faults.stage == 0 || pid <= 0 {
		return
	}
	if fd, err := unix.PidfdOpen(pid, 0); err == nil {
		faults.pidfds = append(faults.pidfds, fd)
	}
}
