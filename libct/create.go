package libct

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/cgroups"
	"github.com/rt-runtime/rt/internal/specconv"
)

// CreateOptions are `rt create`'s inputs.
type CreateOptions struct {
	Root          string
	ID            string
	Bundle        string
	PidFile       string
	ConsoleSocket string   // path of a unix socket that receives the pty master
	ConsoleConn   *os.File // or an already connected socket (rt run's own pty)
	PidfdSocket   string   // path of a unix socket that receives a pidfd of the init
	NoPivot       bool
	NoNewKeyring  bool
	PreserveFds   int
	Stdio         [3]*os.File
	Spec          *specs.Spec // the bundle's config.json when the caller read it already
	SystemdCgroup bool        // the cgroup is a systemd scope (--systemd-cgroup)
	// RootlessCgroup (--rootless, runc's): "true" or "false" says whether
	// the cgroup is a rootless one (a delegated subtree, or none when the
	// config asks for no resources); "" or "auto": Rootless decides.
	RootlessCgroup string
	Warn           func(string)
	// ListenFds passes fds 3..3+ListenFds-1 on as socket activation fds
	// (LISTEN_FDS=n, LISTEN_PID=1 in the process's environment), ahead of
	// the preserved ones: ListenFdsFromEnv reads the caller's.
	ListenFds int
	// NotifySocket is the host path (absolute) of an sd_notify unix socket to bind into
	// the container at the same path (NOTIFY_SOCKET in its environment):
	// NotifySocketFromEnv reads the caller's. "": none.
	NotifySocket string
	Effects
}

// Effects are the changes to the calling process that libct makes only
// when asked: cmd/rt asks for all of them; a Go program using libct gets
// none by default.
type Effects struct {
	// Subreaper makes the calling process a child subreaper
	// (PR_SET_CHILD_SUBREAPER) where rt reaps what its stage orphans:
	// createContainer hook processes, an exec's process whose pidfd is
	// sent. Without it they are reaped by the host's init. Run and
	// ExecAndWait always need it (they wait for a process the stage
	// forked) and set it whatever this says.
	Subreaper bool
	// WarmCgroup writes the calling process into its own cgroup, in the
	// background, so that the kernel's wait for the stage's move into the
	// container's cgroup overlaps the stage's start (cgroupsfs'
	// WarmMigration). Saves milliseconds per create and exec on hosts with
	// cgroup v1.
	WarmCgroup bool
}

// setSubreaper makes the calling process a child subreaper, if asked.
func (e Effects) setSubreaper() error {
	if !e.Subreaper {
		return nil
	}
	return unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}

// Create makes the container and leaves its init waiting for `start`.
// On any error everything it did is undone. ctx is checked before the
// container's process is made; a ctx done later does not undo the create.
func Create(ctx context.Context, o CreateOptions) (c *Container, err error) {
	bundle, spec, mgr, idmap, err := prepareCreate(ctx, o)
	if err != nil {
		return nil, err
	}
	testStep("bundle loaded")
	debugf("create %s: bundle %s, state in %s", o.ID, bundle, o.Root)
	debugf("cgroup: %s", mgr)
	if _, none := mgr.(cgroups.None); none {
		debugf("cgroup: running without a cgroup (rootless, and the config asks for no resources)")
	}
	c, err = newContainer(o.Root, o.ID, spec, bundle, mgr)
	if err != nil {
		return nil, err
	}
	c.Warn = o.Warn
	debugf("create %s: state saved", o.ID)
	seal := startSeal(o.Root) // meanwhile: the root exists now
	defer seal.close()
	var cg cgroups.Manager // set once the cgroup is made
	var initPid int
	defer func() {
		if err != nil {
			c.undoCreate(cg, initPid)
		}
	}()
	testStep("state saved")
	// The state names the cgroup already: a create killed from here on
	// leaves nothing that `delete -f` cannot find.
	// The pids limit waits for the init (deferredPids): the stage forks it.
	res, pids := deferredPids(spec.Linux.Resources)
	st, err := c.newCreateStage(spec, o, mgr, pids, idmap, seal)
	if err != nil {
		return c, err
	}
	ahead := planAhead(st, mgr.Paths())
	defer ahead.wait()
	if err = mgr.Create(res); err != nil {
		return c, err
	}
	cg, c.cg = mgr, mgr
	if err := beforeSpawn(ctx, spec, o, cg); err != nil {
		return c, err
	}
	initPid, err = c.spawn(spec, cg, st, ahead)
	if err != nil {
		return c, err
	}
	return c, c.afterSpawn(o, initPid)
}

// prepareCreate checks what Create is asked for and loads the bundle,
// making nothing: the context, the id, the config, how the id maps are
// written, the cgroup's manager.
func prepareCreate(ctx context.Context, o CreateOptions) (string, *specs.Spec, cgroups.Manager, [2]idMapper, error) {
	fail := func(err error) (string, *specs.Spec, cgroups.Manager, [2]idMapper, error) {
		return "", nil, nil, [2]idMapper{}, err
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if err := ValidateID(o.ID); err != nil {
		return fail(err)
	}
	bundle, spec, err := loadBundle(o.Bundle, o.Spec)
	if err != nil {
		return fail(err)
	}
	if o.ConsoleSocket != "" && !spec.Process.Terminal {
		return fail(&specconv.FieldError{Field: "/process/terminal",
			Err: fmt.Errorf("--console-socket was given but terminal is false")})
	}
	idmap, err := idMappers(spec.Linux)
	if err != nil {
		return fail(err)
	}
	rootlessCg, err := rootlessCgroup(o.RootlessCgroup)
	if err != nil {
		return fail(err)
	}
	mgr, err := newCgroup(spec, o.ID, o.SystemdCgroup, rootlessCg)
	if err != nil {
		return fail(err)
	}
	return bundle, spec, mgr, idmap, nil
}

// beforeSpawn readies what the stage needs once the cgroup cg is made:
// its warm-up, the subreaper for createContainer hooks; then it checks
// ctx a last time.
func beforeSpawn(ctx context.Context, spec *specs.Spec, o CreateOptions, cg cgroups.Manager) error {
	testStep("cgroup made")
	debugf("cgroup: made %s", debugPaths(cg.Paths()))
	if o.WarmCgroup {
		warmMigration(cg)
	}
	if h := spec.Hooks; h != nil && len(h.CreateContainer) > 0 {
		// Hook processes are orphaned by their stage: rt reaps them.
		if err := o.setSubreaper(); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// afterSpawn records the init waiting for `start`, and its pid file.
func (c *Container) afterSpawn(o CreateOptions, initPid int) error {
	testStep("stage done")
	debugf("create %s: init %d is waiting for start", o.ID, initPid)
	if err := c.recordInit(initPid); err != nil {
		return err
	}
	testStep("init recorded")
	if o.PidFile != "" {
		if err := writePidFile(o.PidFile, initPid); err != nil {
			return err
		}
		testStep("pid file written")
	}
	return nil
}

// deferredPids splits linux.resources.pids off the rest. Its limit goes on
// once the stage has forked the container's init, as runc sets the
// resources once its init exists: a limit as small as the container's
// own processes (0 or 1: no fork inside) must not stop the stage's fork.
// Every later fork (hooks in the init, the process) is under it.
func deferredPids(res *specs.LinuxResources) (*specs.LinuxResources, *specs.LinuxResources) {
	if res == nil || res.Pids == nil {
		return res, nil
	}
	rest := *res
	rest.Pids = nil
	return &rest, &specs.LinuxResources{Pids: res.Pids}
}

// newContainer makes ROOT/ID, locked, with the config snapshot and a state
// that says "creating" and names the cgroup about to be made.
func newContainer(root, id string, spec *specs.Spec, bundle string, cg cgroups.Manager) (*Container, error) {
	if err := makeRoot(root); err != nil {
		return nil, err
	}
	c := &Container{Root: root, State: State{
		OCIVersion: spec.Version, ID: id, Bundle: bundle, Rootfs: specconv.RootfsPath(spec, bundle),
		Created: time.Now().UTC(), OwnerUID: os.Getuid(), Annotations: spec.Annotations,
		CgroupPaths: cg.Paths(), SystemdUnit: cg.Unit(), Creating: true,
	}}
	if h := spec.Hooks; h != nil && (len(h.Poststart) > 0 || len(h.Poststop) > 0) {
		c.State.Hooks = &specs.Hooks{Poststart: h.Poststart, Poststop: h.Poststop}
	}
	if err := c.makeStateDir(); err != nil {
		return nil, err
	}
	testStep("state dir made")
	if err := c.lockNewStateDir(); err != nil {
		return nil, err
	}
	testStep("state dir locked")
	err := c.saveSpec(spec)
	if err == nil {
		testStep("config saved")
		err = c.save()
	}
	if err != nil {
		c.Close()
		os.RemoveAll(c.dir())
		return nil, err
	}
	return c, nil
}

// makeRoot makes --root (0700) if missing, and checks it (CheckRoot).
func makeRoot(root string) error {
	err := CheckRoot(root)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(root, 0o700); err != nil {
			return fmt.Errorf("--root %s: %w", root, err)
		}
		err = CheckRoot(root)
	}
	return err
}

// newCgroup finds the host's hierarchies and the container's cgroup path
// in them (cgroups.New); nothing is made yet.
func newCgroup(spec *specs.Spec, id string, systemd, rootless bool) (cgroups.Manager, error) {
	mgr, err := cgroups.New(cgroups.Config{ID: id, CgroupsPath: spec.Linux.CgroupsPath, Systemd: systemd,
		Rootless: rootless, Resources: spec.Linux.Resources})
	if errors.Is(err, cgroups.ErrCgroupsPath) {
		return nil, &specconv.FieldError{Field: "/linux/cgroupsPath", Err: err}
	}
	return mgr, err
}

// recordInit stores the init's pid and start time: from now on the state
// is derived from that process.
func (c *Container) recordInit(pid int) error {
	_, start, err := procStat(pid)
	if err != nil {
		return fmt.Errorf("container init %d: %w", pid, err)
	}
	c.State.Pid, c.State.PidStart, c.State.Creating = pid, start, false
	return c.save()
}

// undoCreate removes what a failed create made: the init, the cgroup, the
// state dir. Mounts vanish with the init's mount namespace.
func (c *Container) undoCreate(cg cgroups.Manager, initPid int) {
	debugf("create %s failed: removing the init (pid %d), the cgroup and the state", c.State.ID, initPid)
	if cg != nil {
		cg.Kill(unix.SIGKILL)
	}
	if initPid > 0 {
		unix.Kill(initPid, unix.SIGKILL)
		waitGone(initPid, 2*time.Second)
	}
	if cg != nil {
		cg.Destroy()
	}
	c.Close()
	os.RemoveAll(c.dir())
}

// waitGone waits until pid no longer runs (or is a zombie) or the
// deadline: it blocks on a pidfd, which turns readable at the exit.
// Without pidfd_open (Linux < 5.3) it polls /proc.
func waitGone(pid int, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return true
	}
	if err != nil {
		return pollGone(pid, deadline)
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		n, err := unix.Poll(fds, int(left.Milliseconds())+1)
		switch {
		case err == unix.EINTR:
		case err != nil:
			return pollGone(pid, deadline)
		case n > 0:
			return true
		}
	}
}

// pollGone polls /proc until pid no longer runs (or is a zombie) or the
// deadline.
func pollGone(pid int, deadline time.Time) bool {
	for delay := 100 * time.Microsecond; time.Now().Before(deadline); delay = min(delay*2, 20*time.Millisecond) {
		state, _, err := procStat(pid)
		if err != nil || state == 'Z' || state == 'X' {
			return true
		}
		time.Sleep(delay)
	}
	return false
}

func writePidFile(name string, pid int) error {
	abs, err := filepath.Abs(name)
	if err != nil {
		return err
	}
	return writeFileAtomic(abs, []byte(strconv.Itoa(pid)), 0644)
}

// dialConsole connects to the --console-socket path.
func dialConsole(path string) (*os.File, error) {
	conn, err := net.Dial("unix", path)
	if err != nil {
		return nil, fmt.Errorf("console socket: %w", err)
	}
	defer conn.Close()
	return conn.(*net.UnixConn).File()
}

// loadBundle reads (unless the caller has: spec) and validates the
// bundle's config.json; the bundle path comes back absolute.
func loadBundle(dir string, spec *specs.Spec) (string, *specs.Spec, error) {
	bundle, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, err
	}
	if spec == nil {
		if spec, err = specconv.Load(bundle); err != nil {
			return "", nil, err
		}
	}
	if err := specconv.Validate(spec, bundle); err != nil {
		return "", nil, err
	}
	return bundle, spec, nil
}
