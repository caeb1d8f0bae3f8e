package libct

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestStageProc: the stage's process is started and reaped without
// os/exec, and its failures read as os/exec's did.
func TestStageProc(t *testing.T) {
	sh, err := filepath.Abs("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	extra, err := os.Open("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	cases := []struct {
		script, want string
	}{
		{"echo $X; [ -e /proc/self/fd/3 ]", ""},
		{"exit 3", "exit status 3"},
		{"kill -9 $$", "signal: killed"},
		{`[ "$(readlink /proc/self/fd/0)" = /dev/null ]`, ""}, // a nil stdin
	}
	for _, c := range cases {
		p := &stageProc{Path: sh, Args: []string{"sh", "-c", c.script}, Env: []string{"X=from-env"},
			Stdio: [3]*os.File{nil, out, out}, ExtraFiles: []*os.File{extra}}
		if err := p.Start(); err != nil {
			t.Fatalf("%q: Start: %v", c.script, err)
		}
		if p.Pid <= 0 {
			t.Fatalf("%q: pid %d", c.script, p.Pid)
		}
		err := p.Wait()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%q: Wait = %q, want %q", c.script, got, c.want)
		}
	}
	data, _ := os.ReadFile(out.Name())
	if !strings.Contains(string(data), "from-env") {
		t.Errorf("the environment did not reach the process: %q", data)
	}
	p := &stageProc{Path: "/nonexistent/stage", Args: []string{"x"}}
	if err := p.Start(); err == nil || !strings.HasPrefix(err.Error(), "fork/exec /nonexistent/stage: ") {
		t.Errorf("Start of a missing binary: %v, want fork/exec /nonexistent/stage: ...", err)
	}
}

// TestStageExecFd: the stage's binary is exec'd through /proc/self/fd/N,
// and N must survive the child's fd shuffle. Here the binary's fd sits
// right above the highest fd passed, where the child moves its error
// pipe: exec'd through that fd, the start fails (EACCES, the exec of a
// pipe); through stageExecFd's copy it works.
func TestStageExecFd(t *testing.T) {
	exe, err := os.OpenFile("/bin/true", os.O_RDONLY|unix.O_PATH, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer exe.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	place := func(f *os.File, fd int) *os.File {
		if err := unix.Dup3(int(f.Fd()), fd, unix.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
		return os.NewFile(uintptr(fd), f.Name())
	}
	extra := []*os.File{place(null, 200), place(null, 202)}
	defer extra[0].Close()
	defer extra[1].Close()
	high := place(exe, 203) // nextfd of the child's shuffle: 202 + 1
	defer high.Close()
	stdio := [3]*os.File{null, null, null}

	start := func(fd int) error {
		p := &stageProc{Path: fmt.Sprintf("/proc/self/fd/%d", fd), Args: []string{"true"}, Stdio: stdio, ExtraFiles: extra}
		if err := p.Start(); err != nil {
			return err
		}
		return p.Wait()
	}
	t.Logf("through fd 203 itself: %v", start(203))

	fd, err := stageExecFd(high, stdio[:], extra)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if fd <= 202+1+len(stdio)+len(extra) {
		t.Errorf("stageExecFd gave fd %d, within reach of the shuffle", fd)
	}
	if err := start(fd); err != nil {
		t.Errorf("start through stageExecFd's fd %d: %v", fd, err)
	}
}

// TestStageExecFdError: a binary fd that cannot be copied is an error
// that names the step, once.
func TestStageExecFdError(t *testing.T) {
	exe, err := os.Open("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	exe.Close() // its fd is gone: the copy fails with EBADF
	_, err = stageExecFd(exe, nil, nil)
	if err == nil || err.Error() != "dup the sealed binary's fd: bad file descriptor" {
		t.Errorf("stageExecFd of a closed file: %v", err)
	}
}
