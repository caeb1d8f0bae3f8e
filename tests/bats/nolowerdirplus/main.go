// Command nolowerdirplus is a test helper: it runs a command as if the
// kernel's overlayfs did not know the "lowerdir+" option (Linux 6.8), so
// that a test on a newer kernel sees what rt does on an older one.
//
// Usage: nolowerdirplus [-kernel 6.5|5.x] [-report FILE] -- COMMAND [ARG...]
//
// The command and its descendants run under a seccomp filter that sends
// every fsconfig(2) to this process (a user notification). Calls it does
// not change go on in the kernel as they are. The ones it changes:
//
//	-kernel 6.5  (6.5 to 6.7, overlayfs on the new mount API): setting
//	             "lowerdir+" fails with EINVAL, as an unknown parameter.
//	-kernel 5.x  (before 6.5, overlayfs parses a legacy option string):
//	             setting "lowerdir+" is taken, and creating the filesystem
//	             of that context fails with EINVAL (an unknown option).
//
// -report FILE gets, when the command has exited, the counts
// "fsconfig N" (calls seen) and "lowerdir+ N" (calls setting lowerdir+).
// Exit status: the command's; 125 when the filter cannot be installed
// (no libseccomp user notification on this host).
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"

	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

const (
	fsconfigSetString = 1 // FSCONFIG_SET_STRING
	fsconfigCmdCreate = 6 // FSCONFIG_CMD_CREATE
)

// supervisor answers the notifications.
type supervisor struct {
	kernel   string
	mu       sync.Mutex
	calls    int
	plus     int
	withPlus map[[2]int]bool // (tgid, fs context fd) that set lowerdir+
}

func main() {
	kernel := flag.String("kernel", "6.5", "the kernel to act as: 6.5 or 5.x")
	report := flag.String("report", "", "write the counts of intercepted calls to this file")
	flag.Parse()
	if flag.NArg() == 0 || (*kernel != "6.5" && *kernel != "5.x") {
		fmt.Fprintln(os.Stderr, "usage: nolowerdirplus [-kernel 6.5|5.x] [-report FILE] -- COMMAND [ARG...]")
		os.Exit(2)
	}
	s := &supervisor{kernel: *kernel, withPlus: map[[2]int]bool{}}
	status, err := s.run(flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "nolowerdirplus:", err)
		os.Exit(status)
	}
	if *report != "" {
		s.mu.Lock()
		data := fmt.Sprintf("fsconfig %d\nlowerdir+ %d\n", s.calls, s.plus)
		s.mu.Unlock()
		if err := os.WriteFile(*report, []byte(data), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "nolowerdirplus:", err)
			os.Exit(1)
		}
	}
	os.Exit(status)
}

// run loads the filter on one locked thread and starts the command from
// that thread, so that only the command (which inherits the filter) is
// under it; then it answers notifications until the command exits.
func (s *supervisor) run(args []string) (int, error) {
	type started struct {
		cmd *exec.Cmd
		fd  seccomp.ScmpFd
		err error
	}
	ch := make(chan started)
	go func() {
		// The thread stays locked, and dies with this goroutine: it is
		// under the filter.
		runtime.LockOSThread()
		fd, err := loadFilter()
		if err != nil {
			ch <- started{err: err}
			return
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		ch <- started{cmd: cmd, fd: fd, err: cmd.Start()}
	}()
	st := <-ch
	if st.cmd == nil {
		return 125, st.err
	}
	if st.err != nil {
		return 127, st.err
	}
	go s.serve(st.fd)
	err := st.cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	if err != nil {
		return 1, err
	}
	return 0, nil
}

func loadFilter() (seccomp.ScmpFd, error) {
	filter, err := seccomp.NewFilter(seccomp.ActAllow)
	if err != nil {
		return -1, err
	}
	// root: no no_new_privs, which the command would otherwise inherit
	if err := filter.SetNoNewPrivsBit(false); err != nil {
		return -1, err
	}
	sc, err := seccomp.GetSyscallFromName("fsconfig")
	if err != nil {
		return -1, err
	}
	if err := filter.AddRule(sc, seccomp.ActNotify); err != nil {
		return -1, err
	}
	if err := filter.Load(); err != nil {
		return -1, err
	}
	return filter.GetNotifFd()
}

func (s *supervisor) serve(fd seccomp.ScmpFd) {
	for {
		req, err := seccomp.NotifReceive(fd)
		if err != nil {
			if errors.Is(err, unix.EINTR) || errors.Is(err, unix.ENOENT) {
				continue
			}
			return
		}
		resp := &seccomp.ScmpNotifResp{ID: req.ID, Flags: seccomp.NotifRespFlagContinue}
		if errno := s.decide(req); errno != 0 {
			resp.Flags, resp.Error = 0, int32(errno)
		}
		if seccomp.NotifIDValid(fd, req.ID) != nil {
			continue // the caller is gone
		}
		_ = seccomp.NotifRespond(fd, resp)
	}
}

// decide returns the errno the call fails with, 0 to let it go on.
func (s *supervisor) decide(req *seccomp.ScmpNotifReq) unix.Errno {
	args := req.Data.Args
	ctx := [2]int{tgid(int(req.Pid)), int(int32(args[0]))}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	switch args[1] {
	case fsconfigSetString:
		if key := readString(int(req.Pid), args[2]); key == "lowerdir+" {
			s.plus++
			if s.kernel == "6.5" {
				return unix.EINVAL
			}
			s.withPlus[ctx] = true
		}
	case fsconfigCmdCreate:
		if s.withPlus[ctx] {
			delete(s.withPlus, ctx)
			return unix.EINVAL
		}
	}
	return 0
}

// readString reads a NUL-terminated string (up to 64 bytes) at addr in
// the memory of thread tid.
func readString(tid int, addr uint64) string {
	f, err := os.Open("/proc/" + strconv.Itoa(tid) + "/mem")
	if err != nil {
		return ""
	}
	defer f.Close()
	buf := make([]byte, 64)
	n, _ := f.ReadAt(buf, int64(addr))
	buf = buf[:n]
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		buf = buf[:i]
	}
	return string(buf)
}

// tgid is the process (thread group) of thread tid.
func tgid(tid int) int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/status")
	if err != nil {
		return tid
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "Tgid:"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				return n
			}
		}
	}
	return tid
}
