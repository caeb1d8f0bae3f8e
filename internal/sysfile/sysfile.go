// Package sysfile reads and writes the small files rt touches on every
// command (cgroup interface files, /proc/PID/stat, a container's
// state.json) with bare syscalls. os.File would register each one with
// the runtime's poller and fstat it: about five more syscalls a file, and
// a `run` opens a few dozen of them. It owns nothing else, and imports
// nothing of rt's.
package sysfile

import (
	"io"
	"os"
	"slices"

	"golang.org/x/sys/unix"
)

// Read returns the content of a file of a few kB. Errors are
// *os.PathError ("open NAME: ..." or "read NAME: ..."), as os.ReadFile's.
func Read(name string) ([]byte, error) {
	fd, err := open(name, unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	return ReadFd(fd, name)
}

// ReadFd reads fd, opened by the caller (named name in errors), to its
// end.
func ReadFd(fd int, name string) ([]byte, error) {
	buf := make([]byte, 0, 4096)
	for {
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: name, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, cap(buf))
		}
	}
}

// Write writes value to an existing file in one write(2), truncating it
// first. A short write is an error: a second write would be a second
// value to a kernel file. It never creates the file (a cgroup file that is
// missing means the kernel lacks the feature, and that must be an error).
// Errors are *os.PathError ("open NAME: ...", "write NAME: ...").
func Write(name, value string) error {
	fd, err := open(name, unix.O_WRONLY|unix.O_TRUNC)
	if err != nil {
		return err
	}
	var n int
	for {
		n, err = unix.Write(fd, []byte(value))
		if err != unix.EINTR {
			break
		}
	}
	if err == nil && n < len(value) {
		// a second write would be a second value to a kernel file
		err = io.ErrShortWrite
	}
	cerr := unix.Close(fd)
	switch {
	case err != nil:
		return &os.PathError{Op: "write", Path: name, Err: err}
	case cerr != nil:
		return &os.PathError{Op: "close", Path: name, Err: cerr}
	}
	return nil
}

func open(name string, flags int) (int, error) {
	for {
		fd, err := unix.Open(name, flags|unix.O_CLOEXEC, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: name, Err: err}
		}
		return fd, nil
	}
}
