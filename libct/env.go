package libct

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
