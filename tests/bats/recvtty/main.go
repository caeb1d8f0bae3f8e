// Command recvtty is a test helper for --console-socket: it listens on a
// unix socket, accepts one connection, receives the pty master the runtime
// sends with SCM_RIGHTS, optionally writes some input to it, and copies
// everything the pty produces to stdout until the container side closes.
//
// Usage: recvtty [-ready FILE] [-input TEXT [-after PROMPT]] [-timeout D] SOCKET
//
// -ready FILE is created once the socket accepts connections, so a test can
// wait for it instead of sleeping. -input TEXT is written to the master once
// PROMPT has been read from it (at once without -after).
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	ready := flag.String("ready", "", "file to create when the socket is listening")
	input := flag.String("input", "", "text to write to the pty master")
	after := flag.String("after", "", "write -input once this text was read from the pty")
	timeout := flag.Duration("timeout", 60*time.Second, "give up after this long")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: recvtty [-ready FILE] [-input TEXT [-after PROMPT]] [-timeout D] SOCKET")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *ready, *input, *after, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "recvtty:", err)
		os.Exit(1)
	}
}

func run(path, ready, input, after string, timeout time.Duration) error {
	time.AfterFunc(timeout, func() {
		fmt.Fprintln(os.Stderr, "recvtty: timed out")
		os.Exit(3)
	})
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return err
	}
	defer ln.Close()
	if ready != "" {
		if err := os.WriteFile(ready, []byte("ready\n"), 0o644); err != nil {
			return err
		}
	}
	conn, err := ln.AcceptUnix()
	if err != nil {
		return err
	}
	defer conn.Close()
	master, err := recvFd(conn)
	if err != nil {
		return err
	}
	defer master.Close()
	pending := input != ""
	if pending && after == "" {
		if _, err := master.WriteString(input); err != nil {
			return fmt.Errorf("write input: %w", err)
		}
		pending = false
	}
	var seen []byte
	buf := make([]byte, 32*1024)
	for {
		n, err := master.Read(buf)
		if n > 0 {
			if _, werr := os.Stdout.Write(buf[:n]); werr != nil {
				return werr
			}
			if pending {
				seen = append(seen, buf[:n]...)
				if bytes.Contains(seen, []byte(after)) {
					if _, err := master.WriteString(input); err != nil {
						return fmt.Errorf("write input: %w", err)
					}
					pending = false
				}
			}
		}
		// The master reads EIO once every slave fd is closed: that is the end.
		if err == io.EOF || errors.Is(err, unix.EIO) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read pty: %w", err)
		}
	}
}

// recvFd receives exactly one file descriptor from conn.
func recvFd(conn *net.UnixConn) (*os.File, error) {
	name := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4*4))
	n, oobn, _, _, err := conn.ReadMsgUnix(name, oob)
	if err != nil {
		return nil, fmt.Errorf("recvmsg: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return nil, fmt.Errorf("parse control message: %w", err)
	}
	var fds []int
	for i := range msgs {
		rights, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			continue
		}
		fds = append(fds, rights...)
	}
	if len(fds) != 1 {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return nil, fmt.Errorf("got %d file descriptors, want 1", len(fds))
	}
	return os.NewFile(uintptr(fds[0]), string(name[:n])), nil
}
