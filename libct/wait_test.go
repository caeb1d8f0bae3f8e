package libct

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// voluntarySwitches counts the process's voluntary context switches: a
// wait that sleeps in short steps makes one per step, a blocking wait few.
func voluntarySwitches(t *testing.T) int64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return ru.Nvcsw
}

// waitHangup returns once the last writer is gone, with unread data left
// in the fifo, and blocks meanwhile rather than polling.
func TestWaitHangupBlocksOnUnreadData(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(fifo, 0600); err != nil {
		t.Fatal(err)
	}
	watch, err := os.OpenFile(fifo, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close()
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("unread")); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	before := voluntarySwitches(t)
	go func() { waitHangup(watch); close(done) }()
	// The writer stays open for a while: the scenario, not a synchronisation.
	time.Sleep(200 * time.Millisecond)
	select {
	case <-done:
		t.Fatal("waitHangup returned with a writer still open")
	default:
	}
	w.Close()
	<-done
	if n := voluntarySwitches(t) - before; n > 200 {
		t.Errorf("waitHangup made %d voluntary context switches in 200ms: it polls instead of blocking", n)
	}
	if unread, err := unix.IoctlGetInt(int(watch.Fd()), unix.TIOCINQ); err != nil || unread != 6 {
		t.Errorf("unread bytes = %d, %v; want 6", unread, err)
	}
}

// waitGone reports a running process at the deadline and an exited one
// (a zombie not reaped yet included).
func TestWaitGone(t *testing.T) {
	cmd := exec.Command("sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Skip("no sleep binary:", err)
	}
	pid := cmd.Process.Pid
	if waitGone(pid, 50*time.Millisecond) {
		t.Error("waitGone: true for a running process")
	}
	cmd.Process.Kill()
	if !waitGone(pid, 5*time.Second) {
		t.Error("waitGone: false for a killed (zombie) process")
	}
	cmd.Wait()
	if !waitGone(pid, time.Second) {
		t.Error("waitGone: false for a reaped process")
	}
}
