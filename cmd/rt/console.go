package main

import (
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// consoleRelay is `rt run`'s own terminal when the config asks for one
// and no --console-socket is given: the pty master comes back over a
// socketpair and rt copies between it and its own stdio, as runc does.
type consoleRelay struct {
	childEnd *os.File
	ourEnd   *os.File
	master   *os.File
	restore  *term.State
	copied   sync.WaitGroup
}

func newConsoleRelay() (*consoleRelay, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("console socketpair: %w", err)
	}
	return &consoleRelay{childEnd: os.NewFile(uintptr(fds[1]), "console-child"),
		ourEnd: os.NewFile(uintptr(fds[0]), "console")}, nil
}

// attach receives the master and starts copying.
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
	if term.IsTerminal(int(os.Stdin.Fd())) {
		if st, err := term.MakeRaw(int(os.Stdin.Fd())); err == nil {
			r.restore = st
		}
		r.resize()
	}
	go io.Copy(r.master, os.Stdin)
	r.copied.Add(1)
	go func() {
		defer r.copied.Done()
		io.Copy(os.Stdout, r.master)
	}()
	return nil
}

func (r *consoleRelay) resize() {
	if r.master == nil {
		return
	}
	if ws, err := unix.IoctlGetWinsize(int(os.Stdin.Fd()), unix.TIOCGWINSZ); err == nil {
		unix.IoctlSetWinsize(int(r.master.Fd()), unix.TIOCSWINSZ, ws)
	}
}

// drain waits for the container's last output to reach stdout.
func (r *consoleRelay) drain() { r.copied.Wait() }

func (r *consoleRelay) Close() {
	if r.restore != nil {
		term.Restore(int(os.Stdin.Fd()), r.restore)
	}
	r.ourEnd.Close()
	if r.master != nil {
		r.master.Close()
	}
}
