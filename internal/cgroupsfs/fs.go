package cgroupsfs

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/sysfile"
)

// writeFile writes one value to a cgroup interface file. It never creates
// the file: a missing file means the kernel lacks the feature (or the
// controller is not enabled), and that must be an error, not a new file.
// Errors are *os.PathError ("open PATH: ..." or "write PATH: ...").
func writeFile(path, value string) error {
	return sysfile.Write(path, value)
}

// readFile returns a cgroup interface file's content without the trailing
// newline.
func readFile(path string) (string, error) {
	b, err := sysfile.Read(path)
	return strings.TrimSpace(string(b)), err
}

// readPids parses a cgroup.procs file.
func readPids(path string) ([]int, error) {
	b, err := sysfile.Read(path)
	return parsePids(path, b, err)
}

// parsePids parses what a read of the cgroup.procs file at path returned.
// A cgroup removed between the open and the read (systemd removes a
// scope's cgroup as soon as it is empty, racing rt's wait after a kill)
// reads ENODEV: it has no processes.
func parsePids(path string, b []byte, err error) ([]int, error) {
	if errors.Is(err, unix.ENODEV) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			return nil, &os.PathError{Op: "parse", Path: path, Err: err}
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

func (h *Host) doMkdir(dir string) error {
	if h.mkdir != nil {
		return h.mkdir(dir)
	}
	if err := unix.Mkdir(dir, 0o755); err != nil {
		return &os.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	return nil
}

func (h *Host) doRmdir(dir string) error {
	if h.rmdir != nil {
		return h.rmdir(dir)
	}
	if err := unix.Rmdir(dir); err != nil {
		return &os.PathError{Op: "rmdir", Path: dir, Err: err}
	}
	return nil
}

// rmdirWait is how long removing a cgroup keeps retrying EBUSY: a process
// that was just killed leaves its cgroup a moment after it is reaped.
var rmdirWait = time.Second

// rmdirRetry removes a cgroup directory, retrying while it is busy. A
// directory already gone counts as removed.
func (h *Host) rmdirRetry(dir string) error {
	deadline := time.Now().Add(rmdirWait)
	delay := 200 * time.Microsecond
	for {
		err := h.doRmdir(dir)
		if err == nil || errors.Is(err, unix.ENOENT) {
			return nil
		}
		if !errors.Is(err, unix.EBUSY) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(delay)
		delay = min(2*delay, 100*time.Millisecond)
	}
}

// inUse reports an rmdir error meaning "someone else's cgroup lives here".
func inUse(err error) bool {
	return errors.Is(err, unix.EBUSY) || errors.Is(err, unix.ENOTEMPTY) || errors.Is(err, unix.EEXIST)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
