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

func TestForwardedLeavesGoAndLibcSignals(t *testing.T) {
	rtmin := unix.Signal(libcSigRTMin())
	for _, s := range Forwarded {
		switch {
		case s == unix.SIGURG, s == unix.SIGPROF, s == unix.SIGSEGV, s == unix.SIGKILL, s == unix.SIGSTOP:
			t.Errorf("%v must not be caught", s)
		case s >= 32 && s < rtmin:
			t.Errorf("%v is the C library's (SIGRTMIN %d)", s, rtmin)
		}
	}
	// 64 less Go's 10 and the library's: 32 and 33 with glibc, 32 to 34 with musl.
	if want := 64 - 10 - int(rtmin-32); len(Forwarded) != want {
		t.Errorf("%d signals forwarded, want %d", len(Forwarded), want)
	}
	if rtmin != 34 && rtmin != 35 {
		t.Errorf("SIGRTMIN %d: neither glibc's nor musl's", rtmin)
	}
}
