package libct

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// startPipe is a pipe whose write end is non-blocking, as `start` opens
// the exec fifo.
func startPipe(t *testing.T) (r *os.File, w int) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	if err := unix.SetNonblock(p[1], true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(p[1]) })
	r = os.NewFile(uintptr(p[0]), "r")
	t.Cleanup(func() { r.Close() })
	return r, p[1]
}

// The state `start` sends the init has no size limit (issue 10 §2.1): its
// length, then the state, written as the reader takes it, far past what
// the pipe holds.
func TestSendStartStateLarge(t *testing.T) {
	r, w := startPipe(t)
	state := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	c := &Container{State: State{Pid: os.Getpid(), PidStart: startTime(t, os.Getpid())}}
	got := make(chan []byte, 1)
	go func() {
		var n uint64
		if err := binary.Read(r, binary.NativeEndian, &n); err != nil {
			got <- nil
			return
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(r, buf); err != nil {
			got <- nil
			return
		}
		got <- buf
	}()
	if err := c.sendStartState(w, state); err != nil {
		t.Fatal(err)
	}
	if b := <-got; !bytes.Equal(b, state) {
		t.Errorf("the reader got %d bytes, want the %d of the state", len(b), len(state))
	}
}

// An init that dies while `start` writes a state larger than the pipe
// ends the write (our own reader of the fifo keeps it from breaking).
func TestSendStartStateInitGone(t *testing.T) {
	r, w := startPipe(t)
	cmd := exec.Command("sleep", "100")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	defer cmd.Wait()
	pid := cmd.Process.Pid
	c := &Container{State: State{Pid: pid, PidStart: startTime(t, pid)}}
	go func() {
		// Once the pipe is full, the write waits: then the init dies.
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if n, err := unix.IoctlGetInt(int(r.Fd()), unix.TIOCINQ); err == nil && n >= 65536 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		cmd.Process.Kill()
	}()
	err := c.sendStartState(w, make([]byte, 1<<20))
	if !errors.Is(err, errInitGone) {
		t.Errorf("sendStartState to a dead init: %v, want errInitGone", err)
	}
}
