package cgroupsfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// killWait bounds how long Kill(SIGKILL) waits for the cgroup to empty.
var killWait = 5 * time.Second

// Kill sends sig to every process in the cgroup and the cgroups nested in
// it. For SIGKILL it uses cgroup.kill when the unified directory has it
// (Linux 5.14+: atomic, races no fork), else it signals the listed
// processes again until none is left; either way it returns once the
// cgroup is empty, so that Destroy can follow, or fails after killWait.
func (c *Cgroup) Kill(sig unix.Signal) error {
	if sig != unix.SIGKILL {
		pids, err := c.Pids()
		if err != nil {
			return err
		}
		return c.signal(pids, sig)
	}
	deadline := time.Now().Add(killWait)
	killFile := ""
	if d, ok := c.Paths[""]; ok {
		killFile = filepath.Join(d, "cgroup.kill")
		if _, err := os.Stat(killFile); err != nil {
			killFile = ""
		}
	}
	// Exits take microseconds to a few milliseconds: poll from short waits.
	for delay := 100 * time.Microsecond; ; delay = min(2*delay, 10*time.Millisecond) {
		pids, err := c.Pids()
		if err != nil || len(pids) == 0 {
			return err
		}
		if killFile != "" {
			err = writeFile(killFile, "1")
			killFile = "" // once is enough; then wait for the exits
		} else {
			err = c.signal(pids, sig)
		}
		if err != nil {
			return fmt.Errorf("kill cgroup %s: %w", c.Path, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kill cgroup %s: processes %v still present after %v", c.Path, pids, killWait)
		}
		time.Sleep(delay)
	}
}

// signal sends sig to pids, but only to processes that are still in the
// cgroup: between reading cgroup.procs and the signal a process may exit
// and its pid be reused outside. Each pid is pinned with a pidfd first,
// then the list is read again; a pid still listed after its pidfd was
// opened is the pinned process (or that one has exited, and the signal
// fails harmlessly with ESRCH).
func (c *Cgroup) signal(pids []int, sig unix.Signal) error {
	fds := make(map[int]int, len(pids))
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	for _, pid := range pids {
		fd, err := unix.PidfdOpen(pid, 0)
		switch {
		case err == nil:
			fds[pid] = fd
		case errors.Is(err, unix.ESRCH): // exited already
		case errors.Is(err, unix.EINVAL):
			// Seen for a process caught mid-exit (its leader gone, not yet
			// reaped): it cannot be pinned, and is on its way out; a plain
			// kill reaches it if it still runs.
			if err := unix.Kill(pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
				return fmt.Errorf("kill %d: %w", pid, err)
			}
		case errors.Is(err, unix.ENOSYS): // Linux < 5.3: plain kill
			return killPids(pids, sig)
		default:
			return fmt.Errorf("pidfd_open %d: %w", pid, err)
		}
	}
	listed, err := c.Pids()
	if err != nil {
		return err
	}
	still := make(map[int]bool, len(listed))
	for _, pid := range listed {
		still[pid] = true
	}
	for pid, fd := range fds {
		if !still[pid] {
			continue
		}
		if err := unix.PidfdSendSignal(fd, sig, nil, 0); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("signal pid %d: %w", pid, err)
		}
	}
	return nil
}

func killPids(pids []int, sig unix.Signal) error {
	for _, pid := range pids {
		if err := unix.Kill(pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("signal pid %d: %w", pid, err)
		}
	}
	return nil
}
