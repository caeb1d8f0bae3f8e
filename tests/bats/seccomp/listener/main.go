// Command listener is the seccomp agent of tests/bats/seccomp.bats.
//
//	listener SOCKET STATEFILE ERRNO [CONNECTIONS]
//
// It listens on the unix socket SOCKET, accepts CONNECTIONS (default 1),
// and reads what the runtime sends on each (config-linux.md "Seccomp":
// listenerPath, and "The Container Process State"): the state as JSON, with
// the seccomp notify fd in SCM_RIGHTS. It checks that one fd came, named
// "seccompFd", and that it is a seccomp notify fd, then writes the JSON to
// STATEFILE (connection 1) or STATEFILE.N (connection N). It answers every
// notification with -ERRNO, and exits once the processes of every filter
// are gone.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// struct seccomp_notif and struct seccomp_notif_resp (linux/seccomp.h).
type seccompNotif struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Nr    int32
	Arch  uint32
	IP    uint64
	Args  [6]uint64
}

type seccompNotifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

func main() {
	if len(os.Args) != 4 && len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: listener SOCKET STATEFILE ERRNO [CONNECTIONS]")
		os.Exit(2)
	}
	errno, err := strconv.Atoi(os.Args[3])
	if err != nil {
		fail(err)
	}
	conns := 1
	if len(os.Args) == 5 {
		if conns, err = strconv.Atoi(os.Args[4]); err != nil {
			fail(err)
		}
	}
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: os.Args[1], Net: "unix"})
	if err != nil {
		fail(err)
	}
	var wg sync.WaitGroup
	for i := 1; i <= conns; i++ {
		stateFile := os.Args[2]
		if i > 1 {
			stateFile += "." + strconv.Itoa(i)
		}
		fd, err := receive(l, stateFile)
		if err != nil {
			fail(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			serve(fd, int32(errno))
		}()
	}
	l.Close()
	wg.Wait()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "listener:", err)
	os.Exit(1)
}

// receive accepts one connection and returns the notify fd, once the state
// is written to stateFile.
func receive(l *net.UnixListener, stateFile string) (int, error) {
	conn, err := l.AcceptUnix()
	if err != nil {
		return -1, err
	}
	defer conn.Close()
	buf := make([]byte, 1<<20)
	oob := make([]byte, unix.CmsgSpace(4*4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return -1, err
	}
	// The state may come in several sendmsg calls, the fds with the first.
	for {
		m, err := conn.Read(buf[n:])
		if m == 0 || err != nil {
			break
		}
		n += m
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return -1, fmt.Errorf("want one control message, got %d (%v)", len(msgs), err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return -1, fmt.Errorf("want one fd, got %d (%v)", len(fds), err)
	}
	var state specs.ContainerProcessState
	if err := json.Unmarshal(buf[:n], &state); err != nil {
		return -1, fmt.Errorf("state: %v: %q", err, buf[:n])
	}
	if len(state.Fds) != 1 || state.Fds[0] != specs.SeccompFdName {
		return -1, fmt.Errorf("fds = %q, want [%q]", state.Fds, specs.SeccompFdName)
	}
	if link, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fds[0])); err != nil || link != "anon_inode:seccomp notify" {
		return -1, fmt.Errorf("fd is %q (%v), not a seccomp notify fd", link, err)
	}
	if err := os.WriteFile(stateFile+".tmp", buf[:n], 0o644); err != nil {
		return -1, err
	}
	return fds[0], os.Rename(stateFile+".tmp", stateFile)
}

// serve answers notifications until the filter has no process left.
func serve(fd int, errno int32) {
	for {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(pfd, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			fail(err)
		}
		if pfd[0].Revents&unix.POLLHUP != 0 {
			return
		}
		var req seccompNotif
		if err := ioctl(fd, unix.SECCOMP_IOCTL_NOTIF_RECV, unsafe.Pointer(&req)); err != nil {
			if err == unix.EINTR || err == unix.ENOENT {
				continue
			}
			fail(fmt.Errorf("NOTIF_RECV: %w", err))
		}
		fmt.Fprintf(os.Stderr, "listener: pid %d syscall %d: -%d\n", req.Pid, req.Nr, errno)
		resp := seccompNotifResp{ID: req.ID, Error: -errno}
		// ENOENT: the process was killed while we answered.
		if err := ioctl(fd, unix.SECCOMP_IOCTL_NOTIF_SEND, unsafe.Pointer(&resp)); err != nil && err != unix.ENOENT {
			fail(fmt.Errorf("NOTIF_SEND: %w", err))
		}
	}
}

func ioctl(fd int, req uint, arg unsafe.Pointer) error {
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg)); e != 0 {
		return e
	}
	return nil
}
