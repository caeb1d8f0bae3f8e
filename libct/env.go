package libct

import (
	"github.com/rt-runtime/rt/cgroupsfs"
)

// ListenFdsFromEnv is the number of socket activation fds the calling
// process was given (LISTEN_FDS, when LISTEN_PID is its pid), for
// CreateOptions.ListenFds, as runc passes them on.
func ListenFdsFromEnv() int {
	_, listen := callerEnv()
	return listen
}

// NotifySocketFromEnv is the calling process's NOTIFY_SOCKET when it is
// the absolute path of a unix socket (else ""), for
// CreateOptions.NotifySocket.
func NotifySocketFromEnv() string {
	path, _ := callerEnv()
	return path
}

// UnifiedCgroupHost reports whether the host has the cgroup v2 hierarchy
// alone (no v1 hierarchy), as `rt spec` asks to add a cgroup namespace.
func UnifiedCgroupHost() bool {
	host, err := cgroupsfs.Detect()
	return err == nil && host.Mode == cgroupsfs.ModeV2
}
