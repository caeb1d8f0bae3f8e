package libct

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// sealedExe returns an O_PATH handle to the rt binary that the C stage is
// started from, such that nothing reached through it can rewrite the
// binary on the host (the CVE-2019-5736 class: a container process opening
// /proc/<pid>/exe of a process that runs rt). The handle comes from a
// detached, read-only overlayfs whose lower layer is the binary's own
// directory: no copy of the binary is made, and no mount is left anywhere.
// An rt that may not mount in its own mount namespace (an ordinary user)
// has the overlayfs made in a user namespace of its own (usernsOverlayExe).
// Where neither works (no overlayfs, no user namespaces), a sealed memfd
// copy is the fallback, and --debug says why.
func sealedExe(root string) (*os.File, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	f, err := overlayExe(exe, root)
	if err == nil {
		return f, nil
	}
	if errors.Is(err, unix.EPERM) {
		debugf("seal: no overlayfs in rt's mount namespace (%v): making it in a user namespace of rt's own", err)
		if f, err = usernsOverlayExe(exe, root); err == nil {
			debugf("seal: the stage runs from a read-only overlayfs made in a user namespace")
			return f, nil
		}
	}
	debugf("seal: no read-only overlayfs for the rt binary (%v): running the stage from a sealed memfd copy of it", err)
	return memfdExe(exe)
}

// sealing is a sealedExe being made while rt does other work: the seal
// takes a quarter of a millisecond (an overlayfs mount), and nothing
// before the stage's start needs it.
type sealing struct {
	done chan struct{}
	f    *os.File
	err  error
}

func startSeal(root string) *sealing {
	s := &sealing{done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.f, s.err = sealedExe(root)
	}()
	return s
}

// take waits for the seal and hands its file over to the caller.
func (s *sealing) take() (*os.File, error) {
	<-s.done
	f := s.f
	s.f = nil
	return f, s.err
}

// close waits for the seal and closes its file, unless it was taken.
func (s *sealing) close() {
	if s == nil {
		return
	}
	<-s.done
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

// overlayExe mounts, detached (fsopen, fsmount: Linux 5.2), an overlayfs
// with two lower layers and no upper one, which makes it read-only for
// good: the binary's directory on top, an empty directory of rt's own
// below. The layers go in one "lowerdir" string, as runc (≥ 1.2) gives
// them, which every overlayfs takes: through the legacy option string
// before Linux 6.5, through fsconfig since. "lowerdir+" (one layer a call)
// exists only since Linux 6.8, and with it older kernels fell back to
// copying the binary for every container.
func overlayExe(exe, root string) (*os.File, error) {
	empty := filepath.Join(root, ".empty")
	if err := os.Mkdir(empty, 0o500); err != nil && !os.IsExist(err) {
		return nil, err
	}
	fsfd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fsfd)
	lower := overlayLowerDirs(filepath.Dir(exe), empty)
	if err := unix.FsconfigSetString(fsfd, "lowerdir", lower); err != nil {
		return nil, fmt.Errorf("overlayfs lowerdir=%s: %w", lower, err)
	}
	// xino (Linux 4.17) is of no use here, and when the layers are on
	// different filesystems the kernel turns it on and logs about it.
	_ = unix.FsconfigSetString(fsfd, "xino", "off")
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return nil, fmt.Errorf("overlayfs lowerdir=%s: %w", lower, err)
	}
	mnt, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOSUID)
	if err != nil {
		return nil, err
	}
	defer unix.Close(mnt)
	fd, err := unix.Openat(mnt, filepath.Base(exe), unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), "rt-sealed-exe"), nil
}

// overlayLowerDirs joins layer directories, top first, into overlayfs's
// lowerdir value: ':' separates layers, so a ':' in a path is escaped as
// "\:", and a '\' as "\\" (overlayfs unescapes both).
func overlayLowerDirs(dirs ...string) string {
	escaped := make([]string, len(dirs))
	for i, d := range dirs {
		escaped[i] = strings.ReplaceAll(strings.ReplaceAll(d, `\`, `\\`), ":", `\:`)
	}
	return strings.Join(escaped, ":")
}

// memfdExe copies the binary into a memfd sealed against every change.
func memfdExe(exe string) (*os.File, error) {
	src, err := os.Open(exe)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	fd, err := unix.MemfdCreate("rt", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("seal rt binary: %w", err)
	}
	f := os.NewFile(uintptr(fd), "rt-sealed-exe")
	if _, err := f.ReadFrom(src); err != nil {
		f.Close()
		return nil, fmt.Errorf("seal rt binary: %w", err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		f.Close()
		return nil, fmt.Errorf("seal rt binary: %w", err)
	}
	return f, nil
}
