package libct

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// prepareRestoreMounts makes the spec's mount points missing from the
// rootfs, as create would, so that a restore onto a fresh copy of the
// rootfs works (runc's prepareCriuRestoreMounts): CRIU mounts on them
// but does not make them. Cgroup mounts and mounts under a tmpfs mount are
// left out (CRIU restores a tmpfs's content, mount points included). A
// bind mount is bound there while the later mount points are made, so
// that a mount point inside a bind is made in the bind's source; the binds
// are undone before returning. Paths resolve inside the rootfs
// (RESOLVE_IN_ROOT): a symlink in the rootfs cannot lead out of it.
func prepareRestoreMounts(rootfs string, mounts []specs.Mount) (err error) {
	root, err := unix.Open(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open the rootfs %s: %w", rootfs, err)
	}
	defer unix.Close(root)
	var binds []int
	defer func() {
		for i := len(binds) - 1; i >= 0; i-- {
			unix.Unmount(fdPath(binds[i]), unix.MNT_DETACH)
			unix.Close(binds[i])
		}
	}()
	for _, m := range mounts {
		dst := containerPath(m.Destination)
		if m.Type == "cgroup" || m.Type == "cgroup2" || onTmpfs(dst, mounts) || dst == "/" {
			continue
		}
		dir := true
		if isBind(m) {
			if fi, err := os.Stat(m.Source); err == nil && !fi.IsDir() {
				dir = false
			}
		}
		fd, err := makeMountpoint(root, dst, dir)
		if err != nil {
			return fmt.Errorf("make the mount point %s in the rootfs: %w", dst, err)
		}
		if !isBind(m) {
			unix.Close(fd)
			continue
		}
		if err := unix.Mount(m.Source, fdPath(fd), "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			unix.Close(fd)
			return fmt.Errorf("bind %s on %s in the rootfs: %w", m.Source, dst, err)
		}
		// The bind sits on top of the fd's file: a new O_PATH fd names it.
		top, err := openInRoot(root, dst, unix.O_PATH)
		if err != nil {
			unix.Unmount(fdPath(fd), unix.MNT_DETACH)
			unix.Close(fd)
			return err
		}
		unix.Close(fd)
		binds = append(binds, top)
	}
	return nil
}

// onTmpfs says whether dst is below the destination of a tmpfs mount.
func onTmpfs(dst string, mounts []specs.Mount) bool {
	for _, m := range mounts {
		if m.Type == "tmpfs" && strings.HasPrefix(dst, containerPath(m.Destination)+"/") {
			return true
		}
	}
	return false
}

func fdPath(fd int) string { return fmt.Sprintf("/proc/self/fd/%d", fd) }

// openInRoot opens name inside root as if root were "/".
func openInRoot(root int, name string, flags int) (int, error) {
	how := unix.OpenHow{Flags: uint64(flags | unix.O_CLOEXEC),
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS}
	rel := strings.TrimLeft(name, "/")
	if rel == "" {
		rel = "."
	}
	fd, err := unix.Openat2(root, rel, &how)
	if err != nil {
		return -1, &os.PathError{Op: "openat2", Path: name, Err: err}
	}
	return fd, nil
}

// makeMountpoint makes dst (a directory, or an empty file if !dir) and
// its missing parents inside root, and returns an O_PATH fd of it.
func makeMountpoint(root int, dst string, dir bool) (int, error) {
	if fd, err := openInRoot(root, dst, unix.O_PATH); err == nil {
		return fd, nil
	}
	parent := path.Dir(dst)
	if parent != "/" {
		pfd, err := makeMountpoint(root, parent, true)
		if err != nil {
			return -1, err
		}
		unix.Close(pfd)
	}
	dirfd, err := openInRoot(root, parent, unix.O_DIRECTORY|unix.O_RDONLY)
	if err != nil {
		return -1, err
	}
	defer unix.Close(dirfd)
	base := path.Base(dst)
	if dir {
		err = unix.Mkdirat(dirfd, base, 0o755)
	} else {
		var fd int
		fd, err = unix.Openat(dirfd, base, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
		if err == nil {
			unix.Close(fd)
		}
	}
	if err != nil && !errors.Is(err, unix.EEXIST) {
		return -1, &os.PathError{Op: "make", Path: dst, Err: err}
	}
	return openInRoot(root, dst, unix.O_PATH)
}
