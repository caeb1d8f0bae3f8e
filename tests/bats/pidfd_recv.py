#!/usr/bin/env python3
"""pidfd_recv SOCKET OUT — the receiving end of --pidfd-socket (runc 1.2+).

Listens on the unix socket SOCKET, accepts one connection and reads one
message: its data names the process kind, its SCM_RIGHTS carries one fd.
Writes "KIND PID LINK" to OUT, where PID is the "Pid:" line of the fd's
/proc/self/fdinfo entry (the process the pidfd refers to) and LINK is what
/proc/self/fd/N reads ("anon_inode:[pidfd]" for a pidfd). Gives up after 30
seconds.
"""
import os
import socket
import sys


def main():
    path, out = sys.argv[1], sys.argv[2]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.settimeout(30)
    srv.bind(path)
    srv.listen(1)
    conn, _ = srv.accept()
    conn.settimeout(30)
    data, fds, _, _ = socket.recv_fds(conn, 64, 4)
    if len(fds) != 1:
        sys.exit("want 1 fd, got %d (data %r)" % (len(fds), data))
    fd = fds[0]
    pid = ""
    with open("/proc/self/fdinfo/%d" % fd) as info:
        for line in info:
            if line.startswith("Pid:"):
                pid = line.split()[1]
    link = os.readlink("/proc/self/fd/%d" % fd)
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write("%s %s %s\n" % (data.decode(), pid, link))
    os.rename(tmp, out)


if __name__ == "__main__":
    main()
