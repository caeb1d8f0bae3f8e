package libct

import (
	"bytes"
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/sysfile"
)

// procStat returns the state letter and start time (field 22) of pid.
func procStat(pid int) (byte, uint64, error) {
	data, err := sysfile.Read("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	// The command name may hold spaces and parentheses: fields start after the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	fields := bytes.Fields(data[i+1:])
	if len(fields) < 20 {
		return 0, 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	start, err := strconv.ParseUint(string(fields[19]), 10, 64)
	return fields[0][0], start, err
}

// processAlive: pid runs and is the same process (same start time), so a
// reused pid is never taken for the container's init. Zombies are dead.
// kill(pid, 0) answers first for a pid long gone, at a fraction of the
// cost of reading /proc/PID/stat (which list pays per container).
func processAlive(pid int, start uint64) bool {
	if unix.Kill(pid, 0) == unix.ESRCH {
		return false
	}
	state, st, err := procStat(pid)
	return err == nil && st == start && state != 'Z' && state != 'X'
}

// signalInit signals the init through a pidfd after checking its start
// time, so the signal cannot reach a process that took over the pid.
func signalInit(pid int, start uint64, sig unix.Signal) error {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if !processAlive(pid, start) {
		return unix.ESRCH
	}
	return unix.PidfdSendSignal(fd, sig, nil, 0)
}
