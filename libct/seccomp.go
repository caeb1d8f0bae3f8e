package libct

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/specconv"
)

// ociState is the runtime-spec state of the container with the given
// status and pid.
func (c *Container) ociState(status string, pid int) specs.State {
	return specs.State{Version: specs.Version, ID: c.State.ID, Status: specs.ContainerState(status),
		Pid: pid, Bundle: c.State.Bundle, Annotations: c.State.Annotations}
}

// receivedFile is the fd an SCM_RIGHTS control message carried, if any;
// extra fds are closed.
func receivedFile(oob []byte) *os.File {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var f *os.File
	for _, m := range msgs {
		fds, err := unix.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if f == nil {
				f = os.NewFile(uintptr(fd), "seccomp-notify")
			} else {
				unix.Close(fd)
			}
		}
	}
	return f
}

// listenerTimeout bounds the connection to a seccomp listener that does
// not read.
const listenerTimeout = 10 * time.Second

// sendToListener hands the seccomp notify fd the stage sent to the agent at
// linux.seccomp.listenerPath with the container process state
// (config-linux.md "Seccomp" and "The Container Process State"): one
// connection, the state as JSON with the fd in SCM_RIGHTS on its first
// sendmsg, then closed. A failure fails the create or exec.
func (s *session) sendToListener(fd *os.File) error {
	const field = "/linux/seccomp/listenerPath"
	if fd == nil {
		return errors.New("container init sent no seccomp notify fd")
	}
	defer fd.Close()
	sc := s.spec.Linux.Seccomp
	if sc == nil || sc.ListenerPath == "" || s.listenerState == nil {
		return errors.New("container init sent an unexpected seccomp notify fd")
	}
	data, err := json.Marshal(specs.ContainerProcessState{
		Version: specs.Version, Fds: []string{specs.SeccompFdName}, Pid: s.initPid,
		Metadata: sc.ListenerMetadata, State: s.listenerState(s.initPid),
	})
	if err != nil {
		return err
	}
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: sc.ListenerPath, Net: "unix"})
	if err != nil {
		// runc's words, which tools match.
		return &specconv.FieldError{Field: field, Err: fmt.Errorf("failed to connect with seccomp agent specified in the seccomp profile: %w", err)}
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(listenerTimeout))
	n, _, err := conn.WriteMsgUnix(data, unix.UnixRights(int(fd.Fd())), nil)
	if err == nil && n < len(data) {
		_, err = conn.Write(data[n:])
	}
	if err != nil {
		return &specconv.FieldError{Field: field, Err: fmt.Errorf("send the seccomp notify fd to %s: %w", sc.ListenerPath, err)}
	}
	return nil
}
