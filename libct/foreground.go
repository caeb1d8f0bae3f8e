package libct

import (
	"context"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/sigfwd"
	"github.com/rt-runtime/rt/internal/specconv"
)

// Foreground is how Run and ExecAndWait wait for the process: they make
// the calling process a child subreaper (the process is forked by the
// stage, which exits, so it is reparented to the caller), wait for it and
// return its exit status (128+n when killed by signal n). When the process
// asks for a terminal and no console socket is given, they relay between
// the pty and Stdio[0]/Stdio[1].
type Foreground struct {
	// ForwardSignals catches every signal sent to the calling process
	// (internal/sigfwd) while the container is made and runs, and passes it to
	// the process; SIGWINCH resizes the relayed terminal instead. Meanwhile
	// rt's handlers replace the program's (its os/signal channels get
	// nothing), except for the signals the Go runtime keeps for itself.
	ForwardSignals bool
	// ReapOrphans reaps, while waiting, every child of the calling process,
	// not only the container's: what the container leaves behind is
	// reparented to the subreaper. cmd/rt sets it; a program with children
	// of its own must not (it would reap them).
	ReapOrphans bool
	// Keep leaves the container behind after its process exits (Run);
	// otherwise it is deleted.
	Keep bool
}

// Run creates and starts a container and waits for its process: what
// `rt run` does in the foreground. It returns the process's exit status;
// the container is deleted unless f.Keep. When ctx is done the process is
// killed (SIGKILL) and Run returns ctx's error with the status.
func Run(ctx context.Context, o CreateOptions, f Foreground) (int, error) {
	if err := setSubreaper(); err != nil {
		return 0, err
	}
	signals, err := catchSignals(f.ForwardSignals)
	if err != nil {
		return 0, err
	}
	defer signals.stop()
	var tty *consoleRelay
	if o.ConsoleSocket == "" && o.ConsoleConn == nil {
		if o.Spec == nil {
			spec, err := specconv.Load(o.Bundle)
			if err != nil {
				return 0, err
			}
			o.Spec = spec // read once: create uses it
		}
		if o.Spec.Process != nil && o.Spec.Process.Terminal {
			var err error
			if tty, err = newConsoleRelay(o.Stdio[0], o.Stdio[1]); err != nil {
				return 0, err
			}
			defer tty.Close()
			o.ConsoleConn = tty.childEnd
		}
	}
	c, err := Create(ctx, o)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if tty != nil {
		if err := tty.attach(); err != nil {
			c.Delete(context.Background(), true)
			return 0, err
		}
	}
	// When the init could not start the process, it has said why on its
	// stderr (or the pty) and exits 255: that is the status, as runc's.
	if err := c.Start(ctx); err != nil && !errors.Is(err, ErrNotStarted) {
		c.Delete(context.Background(), true)
		return 0, err
	}
	// While it runs, others may act on it as on any container (delete
	// --force, pause, update), as runc lets them: holding the lock until
	// the exit made a `delete --force` wait for it forever.
	c.unlock()
	status, err := waitForwarding(ctx, c.State.Pid, signals, tty, f.ReapOrphans)
	if tty != nil {
		tty.drain()
	}
	debugf("run %s: the process exited (status %d)", c.State.ID, status)
	if !f.Keep {
		if derr := deleteAfterRun(c); derr != nil && c.Warn != nil {
			c.Warn(derr.Error())
		}
	}
	return status, err
}

// unlock lets the container's lock go and keeps the rest.
func (c *Container) unlock() {
	if c.lock != nil {
		c.lock.Close()
		c.lock = nil
	}
}

// deleteAfterRun deletes the container Run made, with its lock taken
// again; unless it was deleted meanwhile, or its id now names another
// container (a different init).
func deleteAfterRun(c *Container) error {
	again, err := readState(c.Root, c.State.ID, true)
	if errors.Is(err, ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer again.Close()
	if again.State.Pid != c.State.Pid || again.State.PidStart != c.State.PidStart {
		return nil
	}
	again.Warn = c.Warn
	return again.Delete(context.Background(), true)
}

// ExecAndWait runs a process in the container and waits for it: what
// `rt exec` does in the foreground. It returns the process's exit status.
// A process the stage could not start is a *StageError (runc's exec then
// exits 255). When ctx is done the process is killed (SIGKILL) and
// ExecAndWait returns ctx's error with the status.
func (c *Container) ExecAndWait(ctx context.Context, o ExecOptions, f Foreground) (int, error) {
	if err := setSubreaper(); err != nil {
		return 0, err
	}
	signals, err := catchSignals(f.ForwardSignals)
	if err != nil {
		return 0, err
	}
	defer signals.stop()
	var tty *consoleRelay
	terminal := o.Terminal
	if o.Process != nil {
		terminal = o.Process.Terminal
	}
	if terminal && o.ConsoleSocket == "" && o.ConsoleConn == nil {
		var err error
		if tty, err = newConsoleRelay(o.Stdio[0], o.Stdio[1]); err != nil {
			return 0, err
		}
		defer tty.Close()
		o.ConsoleConn = tty.childEnd
	}
	pid, err := c.Exec(ctx, o)
	if err != nil {
		return 0, err
	}
	if tty != nil {
		if err := tty.attach(); err != nil {
			return 0, err
		}
	}
	status, err := waitForwarding(ctx, pid, signals, tty, f.ReapOrphans)
	if tty != nil {
		tty.drain()
	}
	debugf("exec in %s: the process exited (status %d)", c.State.ID, status)
	return status, err
}

func setSubreaper() error {
	return unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}

// signalCatcher catches every signal (sigfwd.Forwarded), for forwarding
// to the container. A catcher made without forwarding catches nothing.
type signalCatcher struct {
	C <-chan os.Signal
	c *sigfwd.Catcher
}

func catchSignals(forward bool) (*signalCatcher, error) {
	if !forward {
		return &signalCatcher{}, nil
	}
	c, err := sigfwd.Catch()
	if err != nil {
		return nil, fmt.Errorf("catch signals for forwarding: %w", err)
	}
	return &signalCatcher{C: c.C, c: c}, nil
}

func (s *signalCatcher) stop() {
	if s.c != nil {
		s.c.Stop()
	}
}

// waitForwarding waits for pid to exit, passing signals on, and returns
// its status. With reapAll it reaps any child meanwhile (orphans
// reparented to the subreaper).
func waitForwarding(ctx context.Context, pid int, signals *signalCatcher, tty *consoleRelay, reapAll bool) (int, error) {
	exited := make(chan int, 1)
	go func() { exited <- reap(pid, reapAll) }()
	done, killed := ctx.Done(), false
	for {
		select {
		case status := <-exited:
			if killed {
				return status, ctx.Err()
			}
			return status, nil
		case <-done:
			unix.Kill(pid, unix.SIGKILL)
			done, killed = nil, true // and wait for it
		case s := <-signals.C:
			sig := s.(unix.Signal)
			switch sig {
			case unix.SIGCHLD, unix.SIGURG, unix.SIGPIPE:
				continue
			case unix.SIGWINCH:
				if tty != nil {
					tty.resize()
					continue
				}
			}
			unix.Kill(pid, sig)
		}
	}
}

// reap waits for pid (with all, for any child until pid) and returns its
// exit status: 128+n when killed by signal n, 255 when it cannot be
// waited for.
func reap(pid int, all bool) int {
	want := pid
	if all {
		want = -1
	}
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(want, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 255
		}
		if got != pid {
			continue // an orphan reparented to us
		}
		if ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ws.ExitStatus()
	}
}
