package libct

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// usernsOverlayExe is overlayExe for an rt that may not mount where it
// runs: the rt binary is started as the seal helper (nsenter's seal.c) in
// a user and mount namespace of its own, where it is root and overlayfs
// may be mounted (Linux 5.11), with rt's own uid and gid mapped to root.
// The helper mounts the same read-only overlayfs, detached, and sends back
// an O_PATH fd of the binary in it; its namespaces go when it exits, the
// mount stays as long as the fd. It costs one short-lived process (the
// helper never starts a Go runtime), paid only by unprivileged callers.
func usernsOverlayExe(exe, root string) (*os.File, error) {
	empty := filepath.Join(root, ".empty")
	if err := os.Mkdir(empty, 0o500); err != nil && !os.IsExist(err) {
		return nil, err
	}
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	ours, theirs := os.NewFile(uintptr(pair[0]), "seal"), os.NewFile(uintptr(pair[1]), "seal-helper")
	defer ours.Close()
	proc, err := os.StartProcess("/proc/self/exe", []string{"rt-seal"}, &os.ProcAttr{
		Env: []string{nsenter.SealEnv + "=3", nsenter.SealLowerEnv + "=" + overlayLowerDirs(filepath.Dir(exe), empty),
			nsenter.SealNameEnv + "=" + filepath.Base(exe)},
		Files: []*os.File{nil, nil, nil, theirs},
		Sys: &syscall.SysProcAttr{
			Cloneflags:  unix.CLONE_NEWUSER | unix.CLONE_NEWNS,
			UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}},
			GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}},
			Pdeathsig:   unix.SIGKILL,
		},
	})
	theirs.Close()
	if err != nil {
		return nil, fmt.Errorf("start the seal helper in a new user namespace: %w", err)
	}
	defer func() {
		_ = proc.Kill()
		_, _ = proc.Wait()
	}()
	return recvSealedExe(int(ours.Fd()))
}

// recvSealedExe reads the seal helper's answer: the binary's fd, or the
// step that failed and its errno.
func recvSealedExe(sock int) (*os.File, error) {
	var report [8]byte
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := unix.Recvmsg(sock, report[:], oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("seal helper: %w", err)
	}
	if oobn > 0 {
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err == nil && len(msgs) == 1 {
			if fds, err := unix.ParseUnixRights(&msgs[0]); err == nil && len(fds) == 1 {
				return os.NewFile(uintptr(fds[0]), "rt-sealed-exe"), nil
			}
		}
		return nil, fmt.Errorf("seal helper: an answer without the binary's fd")
	}
	if n != len(report) {
		return nil, fmt.Errorf("seal helper: exited without an answer")
	}
	step := int32(binary.NativeEndian.Uint32(report[:4]))
	errno := unix.Errno(binary.NativeEndian.Uint32(report[4:]))
	return nil, fmt.Errorf("overlayfs in a user namespace: %s: %w", nsenter.SealStepName(step), errno)
}
