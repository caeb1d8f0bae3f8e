package libct

import (
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// consoleRelay is the terminal of a foreground run or exec whose process
// asks for one when no console socket is given: the pty master comes back
// over a socketpair, and the relay copies between it and the caller's
// stdin and stdout, as runc does.
type consoleRelay struct {
	childEnd *os.File // given to the stage as the console socket
	ourEnd   *os.File
	in, out  *os.File // the caller's side
	master   *os.File
	restore  *term.State
	copied   sync.WaitGroup
}

func newConsoleRelay(in, out *os.File) (*consoleRelay, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("console socketpair: %w", err)
	}
	return &consoleRelay{childEnd: os.NewFile(uintptr(fds[1]), "console-child"),
		ourEnd: os.NewFile(uintptr(fds[0]), "console"), in: in, out: out}, nil
}

// attach receives the master and starts copying. A terminal on the
// caller's stdin is put in raw mode until Close.
func (r *consoleRelay) attach() error {
	r.childEnd.Close()
	buf := make([]byte, 1)
	oob := make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(int(r.ourEnd.Fd()), buf, oob, 0)
	if err != nil {
		return fmt.Errorf("receive console: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return fmt.Errorf("receive console: no fd in the message")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return fmt.Errorf("receive console: no fd in the message")
	}
	r.master = os.NewFile(uintptr(fds[0]), "pty-master")
	if r.in != nil && term.IsTerminal(int(r.in.Fd())) {
		if st, err := term.MakeRaw(int(r.in.Fd())); err == nil {
			r.restore = st
		}
		r.resize()
	}
	if r.in != nil {
		go io.Copy(r.master, r.in)
	}
	r.copied.Add(1)
	go func() {
		defer r.copied.Done()
		if r.out != nil {
			io.Copy(r.out, r.master)
		} else {
			io.Copy(io.Discard, r.master)
		}
	}()
	return nil
}

// resize gives the pty the caller's terminal size (at attach, on SIGWINCH).
func (r *consoleRelay) resize() {
	if r.master == nil || r.in == nil {
		return
	}
	if ws, err := unix.IoctlGetWinsize(int(r.in.Fd()), unix.TIOCGWINSZ); err == nil {
		unix.IoctlSetWinsize(int(r.master.Fd()), unix.TIOCSWINSZ, ws)
	}
}

// drain waits for the container's last output to reach the caller.
func (r *consoleRelay) drain() { r.copied.Wait() }

func (r *consoleRelay) Close() {
	if r.restore != nil {
		term.Restore(int(r.in.Fd()), r.restore)
	}
	r.childEnd.Close()
	r.ourEnd.Close()
	if r.master != nil {
		r.master.Close()
	}
}
