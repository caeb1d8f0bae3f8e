package libct

import (
	"errors"
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// --pidfd-socket, as runc 1.2+ has it: a pidfd of the container's init
// (create, run) or of the exec'd process is sent over a unix socket the
// caller listens on, in one message whose data names the kind of process
// ("standard" for an init, "setns" for an exec, runc's words) and whose
// SCM_RIGHTS carries the fd.
const (
	pidfdKindInit = "standard"
	pidfdKindExec = "setns"
)

// dialPidfdSocket connects to the caller's socket before anything starts,
// so that a wrong path fails the command early.
func dialPidfdSocket(path string) (*os.File, error) {
	conn, err := net.Dial("unix", path)
	if err != nil {
		return nil, fmt.Errorf("--pidfd-socket: %w", err)
	}
	defer conn.Close()
	f, err := conn.(*net.UnixConn).File()
	if err != nil {
		return nil, fmt.Errorf("--pidfd-socket: %w", err)
	}
	return f, nil
}

// openPidfd is called when the stage reports the process's pid: it is alive
// then (it waits for the stage's go-ahead), so the pidfd is its own even if
// it exits, and is reaped elsewhere, before it is sent.
func openPidfd(pid int) (int, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ENOSYS) {
		return -1, errors.New("--pidfd-socket: pidfd_open: not supported by this kernel (Linux 5.3 or later needed)")
	}
	if err != nil {
		return -1, fmt.Errorf("--pidfd-socket: pidfd_open %d: %w", pid, err)
	}
	return fd, nil
}

// sendPidfd sends fd over conn with its kind as the message's data.
func sendPidfd(conn *os.File, kind string, fd int) error {
	if err := unix.Sendmsg(int(conn.Fd()), []byte(kind), unix.UnixRights(fd), nil, 0); err != nil {
		return fmt.Errorf("--pidfd-socket: send the pidfd: %w", err)
	}
	return nil
}
