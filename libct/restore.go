package libct

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/cgroups"
	"github.com/rt-runtime/rt/internal/criurpc"
	"github.com/rt-runtime/rt/internal/specconv"
)

// RestoreOptions are `rt restore`'s inputs: the bundle and state as for
// create, and what CRIU is asked to do.
type RestoreOptions struct {
	CriuOptions
	Root          string
	ID            string
	Bundle        string
	PidFile       string
	ConsoleSocket string // receives the pty master of a terminal container
	// NoPivot is accepted for runc's command line: CRIU sets the restored
	// processes' root itself.
	NoPivot       bool
	Stdio         [3]*os.File // handed to the restored pipes that were the init's stdio
	SystemdCgroup bool
	Warn          func(string)
}

// criuRootDir is where the rootfs is bound for CRIU, in the state dir: the
// root CRIU restores into must be a mount point whose parent is not
// overmounted (runc binds it the same way).
const criuRootDir = "criu-root"

// Restore makes container o.ID from the bundle and the images in
// o.ImagePath: its state dir and cgroup as create makes them, then its
// processes, mounts and namespaces from CRIU. It returns the running
// container (its init, a child of the caller). On any error everything is
// undone, as for create.
func Restore(ctx context.Context, o RestoreOptions) (c *Container, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ValidateID(o.ID); err != nil {
		return nil, err
	}
	bundle, spec, err := loadBundle(o.Bundle, nil)
	if err != nil {
		return nil, err
	}
	if o.ConsoleSocket != "" && !spec.Process.Terminal {
		return nil, &specconv.FieldError{Field: "/process/terminal",
			Err: fmt.Errorf("--console-socket was given but terminal is false")}
	}
	opts, err := criuRPCOpts(o.CriuOptions, true)
	if err != nil {
		return nil, err
	}
	images, err := openImageDir(o.ImagePath, false)
	if err != nil {
		return nil, err
	}
	defer images.Close()
	rootless, err := rootlessCgroup("") // auto: CRIU itself needs root
	if err != nil {
		return nil, err
	}
	mgr, err := newCgroup(spec, o.ID, o.SystemdCgroup, rootless)
	if err != nil {
		return nil, err
	}
	if c, err = newContainer(o.Root, o.ID, spec, bundle, mgr); err != nil {
		return nil, err
	}
	c.Warn = o.Warn
	var cg cgroups.Manager
	defer func() {
		if err != nil {
			c.undoCreate(cg, c.State.Pid)
		}
	}()
	if err = mgr.Create(spec.Linux.Resources); err != nil {
		return c, err
	}
	cg, c.cg = mgr, mgr
	if err = c.restore(o, opts, spec, images); err != nil {
		return c, fmt.Errorf("restore container %q: %w", o.ID, err)
	}
	if o.PidFile != "" {
		err = writePidFile(o.PidFile, c.State.Pid)
	}
	return c, err
}

// restore binds the rootfs for CRIU and runs the restore request.
func (c *Container) restore(o RestoreOptions, opts *criurpc.Opts, spec *specs.Spec, images *imageDir) error {
	if err := prepareRestoreMounts(c.State.Rootfs, spec.Mounts); err != nil {
		return err
	}
	root := filepath.Join(c.dir(), criuRootDir)
	if err := os.Mkdir(root, 0o755); err != nil {
		return err
	}
	defer os.Remove(root)
	if err := unix.Mount(c.State.Rootfs, root, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind the rootfs %s for criu: %w", c.State.Rootfs, err)
	}
	defer unix.Unmount(root, unix.MNT_DETACH)
	opts.Root = ptr(root)
	opts.ExtMnt = extMounts(spec, true, nil)
	stdio := o.Stdio
	for i, f := range []*os.File{os.Stdin, os.Stdout, os.Stderr} {
		if stdio[i] == nil {
			stdio[i] = f
		}
	}
	// CRIU opens the image and work dirs through /proc/RT'S PID/fd (rt's
	// own fds); inherited fds are the worker's: 3 the socket, 4-6 the
	// stdio, then the namespaces joined by path.
	extra := []*os.File{stdio[0], stdio[1], stdio[2]}
	opts.ImagesDirFd = int32(images.fd())
	s := &criuSession{logDir: o.ImagePath, logFile: *opts.LogFile}
	if o.WorkPath != "" {
		work, err := openImageDir(o.WorkPath, true)
		if err != nil {
			return err
		}
		defer work.Close()
		opts.WorkDirFd = ptr(int32(work.fd()))
		s.logDir = o.WorkPath
	}
	if err := inheritStdio(opts, o.ImagePath, 4); err != nil {
		return err
	}
	nsFiles, err := restoreNamespaces(opts, spec, 4+len(extra))
	if err != nil {
		return err
	}
	defer closeAll(nsFiles)
	started, err := startCriu(stdio, append(extra, nsFiles...))
	if err != nil {
		return err
	}
	started.logDir, started.logFile = s.logDir, s.logFile
	return c.runRestore(started, opts, spec, o.ConsoleSocket)
}

// runRestore puts the worker in the container's cgroup (the restored
// tasks are born there: CRIU's cgroup root is that cgroup) and answers
// CRIU's notifications: setup-namespaces runs the prestart and
// createRuntime hooks (as runc does), post-restore names the restored
// init.
func (c *Container) runRestore(s *criuSession, opts *criurpc.Opts, spec *specs.Spec, consoleSocket string) error {
	pid := s.cmd.Process.Pid
	if err := c.cg.Join(pid); err != nil {
		s.close()
		return err
	}
	roots, err := cgroupRoots(pid)
	if err != nil {
		s.close()
		return err
	}
	opts.CgRoot = roots
	t := criurpc.ReqRestore
	debugf("restore %s: criu worker %d", c.State.ID, pid)
	err = s.run(&criurpc.Req{Type: t, Opts: opts}, func(script string, pid int32, fds []int) error {
		defer closeFds(fds)
		switch script {
		case "setup-namespaces":
			return runRestoreHooks(c, spec, int(pid))
		case "post-restore":
			debugf("restore %s: init %d restored", c.State.ID, pid)
			c.State.Created = time.Now().UTC()
			return c.recordInit(int(pid))
		case "orphan-pts-master":
			if len(fds) == 0 || consoleSocket == "" {
				return fmt.Errorf("the container has a terminal: --console-socket is needed")
			}
			return sendConsole(consoleSocket, fds[0])
		}
		return nil
	})
	// A failed notification (a hook) leaves CRIU waiting for the answer:
	// closing the socket makes it abort the restore.
	s.close()
	return err
}

// runRestoreHooks runs the prestart and createRuntime hooks once CRIU
// has made the restored init's namespaces (its pid in their state), before
// the processes run: as runc, which runs no createContainer hooks on
// restore.
func runRestoreHooks(c *Container, spec *specs.Spec, pid int) error {
	h := spec.Hooks
	if h == nil || len(h.Prestart)+len(h.CreateRuntime) == 0 { //nolint:staticcheck // deprecated, still run
		return nil
	}
	debugf("restore %s: namespaces of %d set up: hooks", c.State.ID, pid)
	state := c.hookState(Created, pid)
	if err := runHooks("prestart", h.Prestart, state); err != nil { //nolint:staticcheck // deprecated, still run
		return err
	}
	return runHooks("createRuntime", h.CreateRuntime, state)
}

// inheritStdio maps the pipes and external files that were the init's
// stdio at the dump (descriptors.json) to the worker's fds first, first+1, first+2: CRIU
// gives the restored init the caller's stdio in their place.
func inheritStdio(opts *criurpc.Opts, imagePath string, first int) error {
	data, err := os.ReadFile(filepath.Join(imagePath, descriptorsFile))
	if err != nil {
		return fmt.Errorf("image path: %w", err)
	}
	var fds []string
	if err := json.Unmarshal(data, &fds); err != nil {
		return fmt.Errorf("image path: corrupt %s: %w", descriptorsFile, err)
	}
	for i, s := range fds {
		if i < 3 && (strings.HasPrefix(s, "pipe:") || strings.HasPrefix(s, "file[")) {
			opts.InheritFd = append(opts.InheritFd, criurpc.InheritFd{Key: s, Fd: int32(first + i)})
		}
	}
	return nil
}

// restoreNamespaces: the external network and PID namespaces (joined by
// path at create) are handed to CRIU as fds, from fd first on; the other
// namespaces joined by path are joined by CRIU.
func restoreNamespaces(opts *criurpc.Opts, spec *specs.Spec, first int) ([]*os.File, error) {
	var files []*os.File
	for _, ns := range joinedNamespaces(spec) {
		key, external := externalNsKeys[ns.Type]
		if !external {
			if name, ok := criuNsNames[ns.Type]; ok && ns.Type != specs.MountNamespace && ns.Type != specs.UserNamespace {
				opts.JoinNs = append(opts.JoinNs, criurpc.JoinNamespace{Ns: name, NsFile: ns.Path})
			}
			continue
		}
		f, err := os.Open(ns.Path)
		if err != nil {
			closeAll(files)
			return nil, fmt.Errorf("%s namespace: %w", ns.Type, err)
		}
		opts.InheritFd = append(opts.InheritFd, criurpc.InheritFd{Key: key, Fd: int32(first + len(files))})
		files = append(files, f)
	}
	return files, nil
}

// cgroupRoots are the worker's cgroups (the container's), from
// /proc/PID/cgroup: CRIU restores the dumped cgroups under them.
func cgroupRoots(pid int) ([]criurpc.CgroupRoot, error) {
	lines, err := cgroups.ProcCgroups(pid)
	if err != nil {
		return nil, err
	}
	var roots []criurpc.CgroupRoot
	for _, c := range lines {
		ctrls := c.Controllers
		if ctrls == nil {
			ctrls = []string{""} // the unified hierarchy
		}
		for _, ctrl := range ctrls {
			roots = append(roots, criurpc.CgroupRoot{Ctrl: ptr(ctrl), Path: c.Path})
		}
	}
	return roots, nil
}

// sendConsole sends the pty master to the --console-socket.
func sendConsole(path string, master int) error {
	conn, err := dialConsole(path)
	if err != nil {
		return err
	}
	defer conn.Close()
	return unix.Sendmsg(int(conn.Fd()), []byte("/dev/ptmx"), unix.UnixRights(master), nil, 0)
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

func closeFds(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// WaitRestored waits for the restored init (a child of the caller, CRIU's
// sibling) as `rt restore` without --detach does, passing signals on with
// f.ForwardSignals; the container is deleted afterwards unless f.Keep. It
// returns the init's exit status.
func (c *Container) WaitRestored(ctx context.Context, f Foreground) (int, error) {
	signals, err := catchSignals(f.ForwardSignals)
	if err != nil {
		return 0, err
	}
	defer signals.stop()
	status, err := waitForwarding(ctx, c.State.Pid, signals, nil, f.ReapOrphans)
	if !f.Keep {
		if derr := c.Delete(context.Background(), true); derr != nil && c.Warn != nil {
			c.Warn(derr.Error())
		}
	}
	return status, err
}
