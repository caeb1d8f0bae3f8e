package libct

import (
	"fmt"
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// stageProc is the C stage's process, started with syscall.StartProcess
// rather than os/exec: the first os.StartProcess of a process probes
// whether pidfds work by forking a throw-away child and waiting for it,
// about 0.1 ms of every exec and run. rt waits for the stage by its pid.
type stageProc struct {
	Path        string
	Args, Env   []string
	Stdio       [3]*os.File // a nil one is /dev/null
	ExtraFiles  []*os.File  // fds 3, 4, ...
	SysProcAttr *syscall.SysProcAttr
	Pid         int // once started
}

// Start starts the process; its errors read as os/exec's ("fork/exec
// PATH: ...").
func (p *stageProc) Start() error {
	files := make([]uintptr, 0, 3+len(p.ExtraFiles))
	for _, f := range p.Stdio {
		if f == nil {
			null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
			if err != nil {
				return err
			}
			defer null.Close()
			f = null
		}
		files = append(files, f.Fd())
	}
	for _, f := range p.ExtraFiles {
		files = append(files, f.Fd())
	}
	pid, _, err := syscall.StartProcess(p.Path, p.Args, &syscall.ProcAttr{Env: p.Env, Files: files, Sys: p.SysProcAttr})
	runtime.KeepAlive(p)
	if err != nil {
		return &os.PathError{Op: "fork/exec", Path: p.Path, Err: err}
	}
	p.Pid = pid
	return nil
}

// Wait reaps the process: nil if it exited 0, else its status in
// os/exec's words ("exit status 1", "signal: killed").
func (p *stageProc) Wait() error {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(p.Pid, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("wait4", err)
		}
		break
	}
	switch {
	case ws.Exited() && ws.ExitStatus() == 0:
		return nil
	case ws.Exited():
		return fmt.Errorf("exit status %d", ws.ExitStatus())
	case ws.Signaled():
		return fmt.Errorf("signal: %v", ws.Signal())
	}
	return fmt.Errorf("wait status %#x", uint32(ws))
}
