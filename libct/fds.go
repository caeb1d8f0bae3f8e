package libct

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/rootfs"
)

// stageFiles are the files behind the stage's fd table (nsenter.StageFds,
// which alone numbers them).
type stageFiles struct {
	fds     nsenter.StageFds
	parent  *os.File // our end of the sync socket
	sync    *os.File // the stage's end
	fifo    *os.File
	console *os.File
	idmaps  map[string]*os.File // user namespaces of idmapped mounts, by their mapping's key
	plan    *os.File
	closeIn []*os.File // the child's copies, closed here once it runs
	pidfd   *os.File   // the connected --pidfd-socket, or nil
}

func (s *stageFiles) closeChildCopies() {
	for _, f := range s.closeIn {
		f.Close()
	}
	s.closeIn = nil
}

// openStageFiles prepares the sync socket, the exec fifo, the console, the
// user namespaces of idmapped mounts, and numbers them.
func openStageFiles(io stageIO) (*stageFiles, error) {
	s := &stageFiles{}
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("sync socket: %w", err)
	}
	// rt's end is non-blocking, so os.File puts it in Go's poller: while
	// rt waits for the stage, its goroutine is parked and the one P is
	// free (GOMAXPROCS is 1), e.g. for startInside's thread to move back
	// out of the container's cgroups meanwhile. A blocking recvmsg held
	// the P, and that move-back ran before the plan was built.
	if err := unix.SetNonblock(pair[0], true); err != nil {
		unix.Close(pair[0])
		unix.Close(pair[1])
		return nil, fmt.Errorf("sync socket: %w", err)
	}
	s.parent = os.NewFile(uintptr(pair[0]), "sync-parent")
	s.sync = os.NewFile(uintptr(pair[1]), "sync-child")
	s.closeIn = append(s.closeIn, s.sync)
	if io.fifo != "" {
		if err := unix.Mkfifo(io.fifo, 0600); err != nil {
			return s, fmt.Errorf("exec fifo: %w", err)
		}
		// Opened read-write so that it never blocks here; the init then
		// blocks reading it until `rt start` writes.
		if s.fifo, err = os.OpenFile(io.fifo, os.O_RDWR|unix.O_CLOEXEC, 0); err != nil {
			return s, fmt.Errorf("exec fifo: %w", err)
		}
		s.closeIn = append(s.closeIn, s.fifo)
	}
	s.console = io.consoleConn
	if s.console == nil && io.consoleSocket != "" {
		if s.console, err = dialConsole(io.consoleSocket); err != nil {
			return s, err
		}
		s.closeIn = append(s.closeIn, s.console)
	}
	if io.pidfdSocket != "" {
		if s.pidfd, err = dialPidfdSocket(io.pidfdSocket); err != nil {
			return s, err
		}
	}
	if s.idmaps, err = idmapUserns(io.idmaps); err != nil {
		return s, err
	}
	for _, f := range s.idmaps {
		s.closeIn = append(s.closeIn, f)
	}
	s.fds = nsenter.LayoutFds(io.fdNeeds())
	return s, nil
}

// fdNeeds is what the stage's fd table holds for io; openStageFiles
// opens a file for each, or fails.
func (io stageIO) fdNeeds() nsenter.FdNeeds {
	return nsenter.FdNeeds{Listen: io.listen, Preserve: io.preserve, Fifo: io.fifo != "",
		Console: io.consoleConn != nil || io.consoleSocket != "", IDMaps: rootfs.IDMapKeys(io.idmaps)}
}

// emptyPlan gives the table an empty plan memfd, for a stage started
// before its plan is built (stageIO.planLater), and lays the files out.
func (s *stageFiles) emptyPlan() ([]*os.File, error) {
	fd, err := unix.MemfdCreate("rt-plan", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("plan memfd: %w", err)
	}
	s.plan = os.NewFile(uintptr(fd), "rt-plan") // kept open until writePlan: release closes it
	return s.extraFiles()
}

// writePlan builds the plan (buildPlan) and writes it into the memfd the
// stage already holds (emptyPlan).
func (s *stageFiles) writePlan(build func(nsenter.StageFds) (*nsenter.Plan, error)) (*nsenter.Plan, error) {
	plan, err := s.buildPlan(build)
	if err != nil {
		return nil, err
	}
	if _, err := s.plan.WriteAt(plan.Encode(), 0); err != nil {
		return nil, fmt.Errorf("plan memfd: %w", err)
	}
	return plan, nil
}

// extraFiles lays the files out as the table numbers them, for
// exec.Cmd.ExtraFiles (fd 3 first). The plan file must be there.
func (s *stageFiles) extraFiles() ([]*os.File, error) {
	slots := s.fds.Slots()
	out := make([]*os.File, len(slots))
	for i, slot := range slots {
		f := s.file(slot.Fd)
		if f == nil || slot.Fd != 3+i {
			return nil, fmt.Errorf("stage fd %d (%s) has no file", slot.Fd, slot.Name)
		}
		out[i] = f
	}
	return out, nil
}

// file is the file behind one slot of the table.
func (s *stageFiles) file(fd int) *os.File {
	switch {
	case fd < s.fds.CloseFrom():
		return os.NewFile(uintptr(fd), "preserved") // passed through as it is
	case fd == s.fds.Sync:
		return s.sync
	case fd == s.fds.Fifo:
		return s.fifo
	case fd == s.fds.Console:
		return s.console
	case fd == s.fds.Plan:
		return s.plan
	}
	for _, slot := range s.fds.IDMaps {
		if fd == slot.Fd {
			return s.idmaps[slot.Key]
		}
	}
	return nil
}

// callerEnv is what rt's caller passes into the container through rt's
// environment: a NOTIFY_SOCKET that is an absolute path to a unix socket
// (else ""), and the number of socket activation fds (LISTEN_FDS, when
// LISTEN_PID is rt's pid). `create` and `plan` read it alike, so that the
// plan printed is the plan run.
func callerEnv() (notifySocket string, listen int) {
	if n, err := strconv.Atoi(os.Getenv("LISTEN_FDS")); err == nil && n > 0 && os.Getenv("LISTEN_PID") == strconv.Itoa(os.Getpid()) {
		listen = n
	}
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" || !filepath.IsAbs(path) {
		return "", listen
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Type() != os.ModeSocket {
		return "", listen
	}
	return path, listen
}
