package libct

import (
	"os"
	"strconv"

	"github.com/rt-runtime/rt/cgroupsfs"
)

// ListenFdsFromEnv is the number of socket activation fds the calling
// process was given (LISTEN_FDS, when LISTEN_PID is its pid), for
// CreateOptions.ListenFds, as runc passes them on.
func ListenFdsFromEnv() int {
	n, err := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	if err != nil || n <= 0 || os.Getenv("LISTEN_PID") != strconv.Itoa(os.Getpid()) {
		return 0
	}
	return n
}

// NotifySocketFromEnv is the calling process's NOTIFY_SOCKET, for
// CreateOptions.NotifySocket.
func NotifySocketFromEnv() string { return os.Getenv("NOTIFY_SOCKET") }

// UnifiedCgroupHost reports whether the host has the cgroup v2 hierarchy
// alone (no v1 hierarchy), as `rt spec` asks to add a cgroup namespace.
func UnifiedCgroupHost() bool {
	host, err := cgroupsfs.Detect()
	return err == nil && host.Mode == cgroupsfs.ModeV2
}
