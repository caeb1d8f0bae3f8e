package libct

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/cgroups"
)

// Start lets a created container's init exec the process. ctx is checked
// before the init is woken; from then on start runs to its end.
func (c *Container) Start(ctx context.Context) error {
	switch st := c.Status(); st {
	case Created:
	case Stopped:
		return stateErr(ErrNotRunning, c.State.ID, st, "cannot start container %q: it has stopped (container not running)", c.State.ID)
	case Running:
		return stateErr(ErrRunning, c.State.ID, st, "cannot start an already running container: %q", c.State.ID)
	default:
		return stateErr(kindOf(st), c.State.ID, st, "cannot start container %q: it is %s, not created", c.State.ID, st)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	fifo := filepath.Join(c.dir(), fifoFile)
	// Our own reader, opened before the writer, hangs up once the last
	// writer is gone: the init's fd, closed by its exec.
	watch, err := os.OpenFile(fifo, os.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("cannot start container %q: %w", c.State.ID, err)
	}
	defer watch.Close()
	fd, err := unix.Open(fifo, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("cannot start container %q: %w", c.State.ID, err)
	}
	debugf("start %s: sending the state to init %d through the exec fifo", c.State.ID, c.State.Pid)
	err = c.sendStartState(fd, c.hookState(Created, c.State.Pid))
	unix.Close(fd)
	if errors.Is(err, errInitGone) {
		return stateErr(ErrNotRunning, c.State.ID, Stopped, "cannot start container %q: it stopped before its process started (container not running)", c.State.ID)
	}
	if err != nil {
		return fmt.Errorf("cannot start container %q: %w", c.State.ID, err)
	}
	if err := os.Remove(fifo); err != nil {
		return err
	}
	// `start` returns once the process runs, so that a signal sent next
	// reaches it and not the init before its exec.
	// State left unread means the init died before it woke up; read and
	// gone, it went on to exec (a process that exits at once is fine).
	waitHangup(watch)
	if unread, err := unix.IoctlGetInt(int(watch.Fd()), unix.TIOCINQ); err == nil && unread > 0 {
		return fmt.Errorf("cannot start container %q: %w", c.State.ID, ErrNotStarted)
	}
	debugf("start %s: the process runs", c.State.ID)
	c.runPoststart()
	return nil
}

var errInitGone = errors.New("the init is gone")

// ErrNotStarted: the init woke up at start, but a startContainer hook or
// the exec failed. It said why on the container's stderr and exits 255.
var ErrNotStarted = errors.New("it stopped before its process started (a startContainer hook or the exec failed; container not running)")

// sendStartState writes into the exec fifo what the init waits for: the
// length of the state (8 bytes, host order), then the state, which its
// startContainer hooks read. The state has no size limit: what the pipe
// does not hold is written as the init reads it, and the write stops if the
// init dies meanwhile (our watch reader keeps the fifo from breaking).
func (c *Container) sendStartState(fd int, state []byte) error {
	msg := binary.NativeEndian.AppendUint64(make([]byte, 0, 8+len(state)), uint64(len(state)))
	msg = append(msg, state...)
	pidfd, err := unix.PidfdOpen(c.State.Pid, 0)
	if errors.Is(err, unix.ESRCH) || (err == nil && !processAlive(c.State.Pid, c.State.PidStart)) {
		err = errInitGone
	}
	if err != nil {
		return err
	}
	defer unix.Close(pidfd)
	for len(msg) > 0 {
		n, err := unix.Write(fd, msg)
		if n > 0 {
			msg = msg[n:]
			continue
		}
		if err != unix.EAGAIN && err != unix.EINTR {
			return err
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}, {Fd: int32(pidfd), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, -1); err != nil && err != unix.EINTR {
			return err
		}
		if fds[1].Revents != 0 {
			return errInitGone
		}
	}
	return nil
}

// cgroup returns the container's cgroup manager, rebuilt once per command
// from the state (cgroups.Load reads nothing until a call needs it).
func (c *Container) cgroup() (cgroups.Manager, error) {
	if c.cg == nil {
		if err := c.loadFull(); err != nil {
			return nil, err
		}
		mgr, err := cgroups.Load(c.State.CgroupPaths, c.State.SystemdUnit)
		if err != nil {
			return nil, err
		}
		c.cg = mgr
	}
	return c.cg, nil
}

// Pause freezes every process of a running container. ctx is checked
// before anything is frozen.
func (c *Container) Pause(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if st := c.Status(); st != Running {
		return stateErr(kindOf(st), c.State.ID, st, "container not running: cannot pause container %q: it is %s", c.State.ID, st)
	}
	cg, err := c.cgroup()
	if err != nil {
		return err
	}
	return cg.Freeze()
}

// Resume thaws a paused container. ctx is checked before anything is
// thawed.
func (c *Container) Resume(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if st := c.Status(); st != Paused {
		return stateErr(ErrNotPaused, c.State.ID, st, "container not paused: cannot resume container %q: it is %s", c.State.ID, st)
	}
	cg, err := c.cgroup()
	if err != nil {
		return err
	}
	return cg.Thaw()
}

// Kill sends sig to the init, or with all to every process of the cgroup.
func (c *Container) Kill(ctx context.Context, sig unix.Signal, all bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st := c.Status()
	if st == Stopped && !all {
		return stateErr(ErrNotRunning, c.State.ID, st, "cannot kill container %q: container not running", c.State.ID)
	}
	if st == Creating {
		return stateErr(ErrCreating, c.State.ID, st, "cannot kill container %q: it is still being created", c.State.ID)
	}
	debugf("kill %s: signal %d to the init %d (all processes: %v)", c.State.ID, sig, c.State.Pid, all)
	if all {
		cg, err := c.cgroup()
		if err != nil {
			return err
		}
		err = cg.Kill(sig)
		if !errors.Is(err, cgroups.ErrNoCgroup) {
			return err
		}
		// No cgroup (rootless): the init alone, as runc's kill does. With
		// its own PID namespace, SIGKILL to it ends them all.
		debugf("kill %s: no cgroup: signalling the init only", c.State.ID)
		if st == Stopped {
			return nil
		}
	}
	awaitHandler(c.State.Pid, c.State.PidStart, sig)
	if err := signalInit(c.State.Pid, c.State.PidStart, sig); err != nil {
		if errors.Is(err, unix.ESRCH) {
			return stateErr(ErrNotRunning, c.State.ID, Stopped, "cannot kill container %q: container not running", c.State.ID)
		}
		return fmt.Errorf("kill container %q: %w", c.State.ID, err)
	}
	return nil
}

// Delete removes a stopped container (or, with force, any container,
// killing it first). runtime.md: deleting a container that is not stopped
// is an error — a created one included, which runc deletes anyway.
// ctx is checked before anything is killed or removed.
func (c *Container) Delete(ctx context.Context, force bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st := c.Status()
	if st != Stopped && !force {
		return stateErr(ErrNotStopped, c.State.ID, st, "cannot delete container %q: it is %s; stop it first or use --force", c.State.ID, st)
	}
	cg, err := c.cgroup()
	if err != nil {
		return err
	}
	if st != Stopped && st != Creating {
		signalInit(c.State.Pid, c.State.PidStart, unix.SIGKILL)
	}
	// Without a PID namespace, processes may outlive the init; frozen ones
	// must thaw to die.
	cg.Kill(unix.SIGKILL)
	if st == Paused {
		cg.Thaw()
	}
	if c.State.Pid > 0 && !waitGone(c.State.Pid, 5*time.Second) && processAlive(c.State.Pid, c.State.PidStart) {
		return fmt.Errorf("delete container %q: init %d did not die", c.State.ID, c.State.Pid)
	}
	debugf("cgroup: removing %s", debugPaths(cg.Paths()))
	if err := cg.Destroy(); err != nil {
		return fmt.Errorf("delete container %q: %w", c.State.ID, err)
	}
	c.unindex()
	c.Close()
	if err := os.RemoveAll(c.dir()); err != nil {
		return err
	}
	c.runPoststop()
	debugf("delete %s: done", c.State.ID)
	return nil
}

// waitHangup waits for POLLHUP on a fifo reader (no writer left). It asks
// for no event: poll(2) always reports POLLHUP and POLLERR, and leaving
// POLLIN out keeps the state still unread in the fifo from waking it, so
// the wait blocks rather than spins until the init's exec closes the writer.
func waitHangup(f *os.File) {
	fds := []unix.PollFd{{Fd: int32(f.Fd())}}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		n, err := unix.Poll(fds, int(time.Until(deadline).Milliseconds()))
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 || fds[0].Revents&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
			return
		}
	}
}

// kindOf is the error kind of an operation that needs a running (or
// created) container and found it in status st.
func kindOf(st string) error {
	switch st {
	case Paused:
		return ErrPaused
	case Creating:
		return ErrCreating
	case Running:
		return ErrRunning
	}
	return ErrNotRunning
}
