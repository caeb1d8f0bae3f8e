package main

import (
	"errors"
	"os"
	"os/signal"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/libct"
	"github.com/rt-runtime/rt/specconv"
)

func runCommand() *cobra.Command {
	var f containerFlags
	var detach, keep, noSubreaper bool
	cmd := &cobra.Command{
		Use:   "run [flags] ID",
		Short: "create and start a container; in the foreground, wait for it and exit with its status",
		Args:  exactlyOneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			if detach {
				return runDetached(&f, args[0])
			}
			return runForeground(&f, args[0], keep)
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.BoolVarP(&detach, "detach", "d", false, "return once the container runs")
	fl.BoolVar(&keep, "keep", false, "keep the container after it exits (foreground only)")
	fl.BoolVar(&noSubreaper, "no-subreaper", false, "accepted for runc compatibility")
	return cmd
}

func runDetached(f *containerFlags, id string) error {
	c, err := libct.Create(f.options(id))
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Start(); err != nil {
		c.Delete(true)
		return err
	}
	return nil
}

// runForeground: rt becomes the subreaper so the init is reparented to it,
// forwards the signals it gets, and exits with the container's status.
func runForeground(f *containerFlags, id string, keep bool) error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return err
	}
	signals := catchSignals()
	defer signals.stop()

	opts := f.options(id)
	var tty *consoleRelay
	if f.consoleSocket == "" {
		spec, err := specconv.Load(opts.Bundle)
		if err != nil {
			return err
		}
		opts.Spec = spec // read once: create uses it
		if spec.Process != nil && spec.Process.Terminal {
			if tty, err = newConsoleRelay(); err != nil {
				return err
			}
			defer tty.Close()
			opts.ConsoleConn = tty.childEnd
		}
	}
	c, err := libct.Create(opts)
	if err != nil {
		return err
	}
	defer c.Close()
	if tty != nil {
		if err := tty.attach(); err != nil {
			c.Delete(true)
			return err
		}
	}
	signals.waitAll()
	// When the init could not start the process, it has said why on its
	// stderr (ours, or the pty's) and exits 255: that is run's status, as
	// with runc, and nothing more is said.
	if err := c.Start(); err != nil && !errors.Is(err, libct.ErrNotStarted) {
		c.Delete(true)
		return err
	}
	status := waitForwarding(c.State.Pid, signals.C, tty)
	if tty != nil {
		tty.drain()
	}
	if !keep {
		if err := c.Delete(true); err != nil {
			logWarn(err.Error())
		}
	}
	return &exitError{code: status}
}

// signalCatcher catches every signal, for forwarding to the container.
// Go enables each signal in a round trip with its signal thread: 60-odd of
// them take 1 to 5 ms, so only the ones people send to stop a process are
// caught before catchSignals returns, and the rest while the container is
// made; waitAll is called before the container's process starts, so every
// signal sent to it from then on is forwarded.
type signalCatcher struct {
	C   chan os.Signal
	all chan struct{}
}

func catchSignals() *signalCatcher {
	s := &signalCatcher{C: make(chan os.Signal, 64), all: make(chan struct{})}
	signal.Notify(s.C, unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGTERM)
	go func() {
		signal.Notify(s.C)
		close(s.all)
	}()
	return s
}

func (s *signalCatcher) waitAll() { <-s.all }

func (s *signalCatcher) stop() {
	<-s.all
	signal.Stop(s.C)
}

// waitForwarding reaps children until the init exits, passing signals on.
func waitForwarding(pid int, signals chan os.Signal, tty *consoleRelay) int {
	exited := make(chan int, 1)
	go func() {
		for {
			var ws unix.WaitStatus
			got, err := unix.Wait4(-1, &ws, 0, nil)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				exited <- 255
				return
			}
			if got != pid {
				continue // an orphan reparented to us
			}
			if ws.Signaled() {
				exited <- 128 + int(ws.Signal())
			} else {
				exited <- ws.ExitStatus()
			}
			return
		}
	}()
	for {
		select {
		case status := <-exited:
			return status
		case s := <-signals:
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
