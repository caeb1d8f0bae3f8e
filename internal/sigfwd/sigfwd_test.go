package sigfwd

import (
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func receive(t *testing.T, c *Catcher, want unix.Signal) {
	t.Helper()
	select {
	case got := <-c.C:
		if got != want {
			t.Fatalf("got %v, want %v", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%v not received within 5s", want)
	}
}

func TestCatchForwardsAndStopRestores(t *testing.T) {
	c, err := Catch()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []unix.Signal{unix.SIGUSR1, unix.SIGTERM, unix.SIGWINCH, unix.SIGCHLD, 34 + 3, 64} {
		if !installed(s) {
			t.Fatalf("%v: handler not installed", s)
		}
		if err := unix.Kill(os.Getpid(), s); err != nil {
			t.Fatal(err)
		}
		receive(t, c, s)
	}
	c.Stop()
	for _, s := range Forwarded {
		if installed(s) {
			t.Fatalf("%v: handler still installed after Stop", s)
		}
	}
}

func TestEveryActiveCatcherGetsEachSignal(t *testing.T) {
	a, err := Catch()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Catch()
	if err != nil {
		t.Fatal(err)
	}
	unix.Kill(os.Getpid(), unix.SIGUSR2)
	receive(t, a, unix.SIGUSR2)
	receive(t, b, unix.SIGUSR2)
	a.Stop()
	if !installed(unix.SIGUSR2) {
		t.Fatal("the first Stop put the handlers back while a Catcher was active")
	}
	unix.Kill(os.Getpid(), unix.SIGHUP)
	receive(t, b, unix.SIGHUP)
	b.Stop()
	if installed(unix.SIGUSR2) {
		t.Fatal("the last Stop did not put the handlers back")
	}
	// Catching again after the last Stop works (the pipe is kept).
	c, err := Catch()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	unix.Kill(os.Getpid(), unix.SIGUSR1)
	receive(t, c, unix.SIGUSR1)
}

func TestForwardedLeavesGoAndGlibcSignals(t *testing.T) {
	for _, s := range Forwarded {
		switch s {
		case unix.SIGURG, unix.SIGPROF, unix.SIGSEGV, unix.SIGKILL, unix.SIGSTOP, 32, 33:
			t.Errorf("%v must not be caught", s)
		}
	}
	if len(Forwarded) != 64-12 {
		t.Errorf("%d signals forwarded, want 52", len(Forwarded))
	}
}
