package libct

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/criurpc"
)

// ErrNoCriu is returned when the criu binary is not in PATH.
var ErrNoCriu = errors.New("criu not found in PATH (checkpoint and restore need CRIU)")

// criuSession is one `criu swrk` talking CRIU's RPC over a socketpair
// (internal/criurpc encodes the messages). rt runs it itself,
// rather than through go-criu's client, to place the worker in the
// container's cgroup before the restore request, and to hand it the
// container's stdio and namespaces as extra fds.
type criuSession struct {
	cmd     *exec.Cmd
	conn    *net.UnixConn
	stderr  bytes.Buffer
	logDir  string // where CRIU writes its log (named in errors)
	logFile string
}

// startCriu starts `criu swrk 3`; extra are its fds 4, 5, ...
func startCriu(stdio [3]*os.File, extra []*os.File) (*criuSession, error) {
	bin, err := exec.LookPath("criu")
	if err != nil {
		return nil, ErrNoCriu
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("criu: socketpair: %w", err)
	}
	client, server := os.NewFile(uintptr(fds[0]), "criu-client"), os.NewFile(uintptr(fds[1]), "criu-server")
	defer server.Close()
	fc, err := net.FileConn(client)
	client.Close()
	if err != nil {
		return nil, fmt.Errorf("criu: %w", err)
	}
	s := &criuSession{conn: fc.(*net.UnixConn)}
	s.cmd = exec.Command(bin, "swrk", "3")
	s.cmd.Stdin, s.cmd.Stdout = stdio[0], stdio[1]
	// CRIU's own errors before its log is open (e.g. the kernel checks)
	// go to its stderr: kept for the error message.
	s.cmd.Stderr = &s.stderr
	s.cmd.ExtraFiles = append([]*os.File{server}, extra...)
	if err := s.cmd.Start(); err != nil {
		s.conn.Close()
		return nil, fmt.Errorf("criu: %w", err)
	}
	return s, nil
}

// notifyFunc handles one of CRIU's notifications (the script name, the pid
// it names, the fds passed with it).
type notifyFunc func(script string, pid int32, fds []int) error

// run sends req and answers notifications until the final response.
func (s *criuSession) run(req *criurpc.Req, notify notifyFunc) error {
	if err := s.send(req); err != nil {
		return err
	}
	buf, oob := make([]byte, 64*1024), make([]byte, unix.CmsgSpace(4*8))
	for {
		n, oobn, _, _, err := s.conn.ReadMsgUnix(buf, oob)
		if err != nil || n == 0 {
			return s.failed(fmt.Errorf("criu exited without an answer"))
		}
		var resp criurpc.Resp
		if err := resp.Unmarshal(buf[:n]); err != nil {
			return fmt.Errorf("criu: bad answer: %w", err)
		}
		if !resp.Success {
			return s.failed(criuFailure(&resp))
		}
		if resp.Type != criurpc.ReqNotify {
			return nil
		}
		fds := parseRights(oob[:oobn])
		if err := notify(resp.Notify.Script, resp.Notify.Pid, fds); err != nil {
			return err
		}
		if err := s.send(&criurpc.Req{Type: criurpc.ReqNotify, NotifySuccess: ptr(true)}); err != nil {
			return err
		}
	}
}

func (s *criuSession) send(req *criurpc.Req) error {
	if _, err := s.conn.Write(req.Marshal()); err != nil {
		return s.failed(fmt.Errorf("criu: %w", err))
	}
	return nil
}

func parseRights(oob []byte) []int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for i := range msgs {
		if f, err := unix.ParseUnixRights(&msgs[i]); err == nil {
			fds = append(fds, f...)
		}
	}
	return fds
}

// close ends the session and waits for the worker (pre-dump leaves it
// waiting for a next request: closing the socket ends it).
func (s *criuSession) close() {
	s.conn.Close()
	s.cmd.Wait()
}

// failed makes CRIU's failure one line: what failed, CRIU's first error
// (from its log, else from its stderr) and the log's path.
func (s *criuSession) failed(err error) error {
	s.close()
	log := filepath.Join(s.logDir, s.logFile)
	first := firstCriuError(log)
	if first == "" {
		first = firstErrorLine(s.stderr.Bytes())
	}
	if first != "" {
		err = fmt.Errorf("%w: %s", err, first)
	}
	if _, serr := os.Stat(log); serr == nil {
		return fmt.Errorf("%w (log: %s)", err, log)
	}
	return err
}

// firstCriuError is the first "Error" line of a CRIU log ("" if none).
func firstCriuError(name string) string {
	data, err := os.ReadFile(name)
	if err != nil {
		return ""
	}
	return firstErrorLine(data)
}

func firstErrorLine(data []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		// "(00.013602) Error (criu/vdso.c:381): ...": from "Error" on.
		if _, rest, ok := strings.Cut(sc.Text(), "Error"); ok {
			return "Error" + strings.TrimRight(rest, " ")
		}
	}
	return ""
}

// criuFailure names the request that failed and CRIU's errno, if any.
func criuFailure(resp *criurpc.Resp) error {
	what := "criu " + strings.ToLower(strings.ReplaceAll(resp.Type.String(), "_", "-"))
	if n := resp.CrErrno; n != 0 {
		return fmt.Errorf("%s failed (CRIU errno %d)", what, n)
	}
	return fmt.Errorf("%s failed", what)
}
