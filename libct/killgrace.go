package libct

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// The kernel drops a signal sent to the init of a PID namespace when the
// init has no handler for it. Right after `start` the container's process
// may not have installed its handlers yet (a shell's `trap` runs a moment
// after the exec): a signal sent then would be lost. So for a young init,
// kill gives the handler a short time to appear.
const (
	youngInit       = time.Second
	handlerPatience = 200 * time.Millisecond
)

func awaitHandler(pid int, start uint64, sig unix.Signal) {
	if sig == 0 || sig == unix.SIGKILL || sig == unix.SIGSTOP || !isYoung(start) {
		return
	}
	deadline := time.Now().Add(handlerPatience)
	for delay := 200 * time.Microsecond; time.Now().Before(deadline); delay = min(2*delay, 10*time.Millisecond) {
		nsInit, caught, err := initSignalState(pid, sig)
		if err != nil || !nsInit || caught {
			return
		}
		time.Sleep(delay)
	}
}

func isYoung(start uint64) bool {
	data, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return false
	}
	var up float64
	if _, err := fmt.Sscan(string(data), &up); err != nil {
		return false
	}
	const ticks = 100 // USER_HZ
	age := time.Duration((up - float64(start)/ticks) * float64(time.Second))
	return age < youngInit
}

// initSignalState: is pid the init of its PID namespace, and does it
// catch or ignore sig (SigCgt, SigIgn of /proc/pid/status)?
func initSignalState(pid int, sig unix.Signal) (nsInit, handled bool, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return false, false, err
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		key, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch string(key) {
		case "NSpid":
			f := bytes.Fields(value)
			nsInit = len(f) > 1 && string(f[len(f)-1]) == "1"
		case "SigCgt", "SigIgn":
			mask, err := strconv.ParseUint(string(value), 16, 64)
			if err == nil && mask&(1<<(uint(sig)-1)) != 0 {
				handled = true
			}
		}
	}
	return nsInit, handled, nil
}
