package libct

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/cgroups"
	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/rootfs"
	"github.com/rt-runtime/rt/internal/specconv"
)

// stageIO is what a stage run needs from its caller besides the plan.
type stageIO struct {
	root          string   // --root: holds the empty dir the sealed binary needs
	seal          *sealing // the sealed binary, started early; nil: sealed when needed
	listen        int      // LISTEN_FDS fds from 3, passed through (callerEnv)
	preserve      int      // --preserve-fds after them, passed through
	consoleSocket string   // path of the console socket, or ""
	consoleConn   *os.File // or an already connected one
	fifo          string   // exec fifo to create and hand over ("" for exec)
	stdio         [3]*os.File
	// listenerState is the container's state sent with a seccomp notify fd
	// (SCMP_ACT_NOTIFY), given the pid the stage reported; nil: none expected.
	listenerState func(pid int) specs.State
	idmaps        []rootfs.IDMap // a user namespace fd is passed for each
	// onInitPid runs when the stage reports the pid of the process it
	// forked, before it is answered anything else; nil: nothing to do.
	onInitPid   func(pid int) error
	warn        func(string) // the stage's warnings; nil: dropped
	pidfdSocket string       // --pidfd-socket: receives a pidfd of the process
	pidfdKind   string       // the message sent with it (pidfdKindInit, pidfdKindExec)
	// joinForked (exec): the stage stays outside the cgroup and the process
	// it forks joins it at SYNC_CGROUP, as runc's exec joins after its
	// forks, so that an exec starts in a container at its pids limit.
	joinForked bool
	// joinBestEffort (a rootless exec): a refused move into the cgroup
	// leaves the process where rt runs, as runc's rootless exec does.
	joinBestEffort bool
	idmap          [2]idMapper // how the maps are written (create; idMappers)
	// insideFirst (with joinForked): the stage starts inside the cgroup
	// after all when it can do so without a move (startInside).
	insideFirst bool
	// planLater (exec): the stage is started before its plan is built,
	// with an empty plan memfd, and waits for MSG_CONTINUE before it maps
	// it; lateSpec then gives the config the plan was built from. The
	// stage's exec and rt's decoding and planning overlap.
	planLater bool
	lateSpec  func() *specs.Spec
	// moveBack, once closed, lets the thread that started the stage inside
	// the cgroup (startInside) move back out: runStage closes it when it
	// first waits for the stage, so the moves are not on its way.
	moveBack chan struct{}
}

// runStage starts the C stage with the plan that build returns for the fd
// layout, serves its requests, and returns the pid it reports (the
// container's init, or the exec'd process) once it is ready.
func runStage(io stageIO, spec *specs.Spec, cg cgroups.Manager, build func(nsenter.StageFds) (*nsenter.Plan, error), onSync func(id int32, pid int) error) (pid int, err error) {
	files, err := openStageFiles(io)
	if files != nil {
		defer files.release()
	}
	if err != nil {
		return 0, err
	}
	var plan *nsenter.Plan
	var extra []*os.File
	if io.planLater {
		extra, err = files.emptyPlan()
	} else {
		plan, extra, err = files.loadPlan(build)
	}
	if err != nil {
		return 0, err
	}
	var exe *os.File
	if io.seal != nil {
		exe, err = io.seal.take()
	} else {
		exe, err = sealedExe(io.root)
	}
	if err != nil {
		return 0, err
	}
	defer exe.Close()
	debugf("seal: the rt binary the stage runs")
	io.moveBack = make(chan struct{})
	moveBack := sync.OnceFunc(func() { close(io.moveBack) })
	defer moveBack()
	// As runc: the caller's fds above stdio reach neither the stage nor
	// the hooks rt runs (ExtraFiles are passed all the same).
	_ = unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	cmd, joined, err := launchStage(io, files.fds, exe, extra, cg)
	if err != nil {
		return 0, fmt.Errorf("start container init: %w", err)
	}
	files.closeChildCopies()
	testStagePid(cmd.Pid)
	testStep("stage started")
	debugf("stage: started, pid %d", cmd.Pid)
	s := &session{spec: spec, plan: plan, conn: files.parent, cmd: cmd, onSync: onSync,
		listenerState: io.listenerState, joined: joined, cg: cg, onPid: io.onInitPid, warn: io.warn,
		pidfd: -1, wantPidfd: files.pidfd != nil, idmap: io.idmap, bestEffort: io.joinBestEffort}
	if io.planLater {
		if s.plan, err = files.writePlan(build); err != nil {
			return 0, s.finish(err, files, io.pidfdKind)
		}
		s.spec = io.lateSpec()
		if err := s.send(nsenter.MsgContinue); err != nil {
			return 0, s.finish(errStageGone, files, io.pidfdKind)
		}
	}
	moveBack() // rt now waits for the stage
	pid, err = s.run()
	return pid, s.finish(err, files, io.pidfdKind)
}

// release closes what rt keeps of the stage's files: the copies meant for
// the stage, rt's end of the sync socket, the --pidfd-socket connection.
func (s *stageFiles) release() {
	if s.plan != nil {
		s.plan.Close() // it may be closed already (closeIn): then nothing happens
	}
	if s.pidfd != nil {
		s.pidfd.Close()
	}
	if s.parent != nil {
		s.parent.Close()
	}
	s.closeChildCopies()
}

// loadPlan builds the plan for the files' fd table, checks each op's fd
// against it, puts the plan in its memfd, and lays the files out for
// stageProc.ExtraFiles.
func (s *stageFiles) loadPlan(build func(nsenter.StageFds) (*nsenter.Plan, error)) (*nsenter.Plan, []*os.File, error) {
	plan, err := s.buildPlan(build)
	if err != nil {
		return nil, nil, err
	}
	if s.plan, err = planMemfd(plan); err != nil {
		return nil, nil, err
	}
	s.closeIn = append(s.closeIn, s.plan)
	extra, err := s.extraFiles()
	if err != nil {
		return nil, nil, err
	}
	return plan, extra, nil
}

// buildPlan builds the plan for the files' fd table and checks each op's
// fd against it.
func (s *stageFiles) buildPlan(build func(nsenter.StageFds) (*nsenter.Plan, error)) (*nsenter.Plan, error) {
	plan, err := build(s.fds)
	if err != nil {
		return nil, err
	}
	if err := s.fds.CheckFds(plan); err != nil {
		return nil, fmt.Errorf("internal error: %w", err)
	}
	debugf("plan: %d ops: %s", len(plan.Ops), planPhases{plan})
	return plan, nil
}

// launchStage starts the sealed rt binary exe as the C stage, with its fds
// (extra, numbered by fds), in cg, or where rt runs when the process it
// forks joins cg itself (joinForked).
func launchStage(io stageIO, fds nsenter.StageFds, exe *os.File, extra []*os.File, cg cgroups.Manager) (*stageProc, <-chan error, error) {
	exeFd, err := stageExecFd(exe, io.stdio[:], extra)
	if err != nil {
		return nil, nil, err
	}
	defer unix.Close(exeFd)
	return startStageFor(io, cg, func() *stageProc {
		return &stageProc{
			Path:       fmt.Sprintf("/proc/self/fd/%d", exeFd),
			Args:       []string{"rt", "init"},
			Env:        []string{stageEnv(fds, io.planLater)},
			Stdio:      io.stdio,
			ExtraFiles: extra,
		}
	})
}

// stageExecFd returns a copy of exe's fd that the child's fd shuffle
// cannot reach, for the stage's exec through /proc/self/fd/N. Before its
// exec, the child moves the fds it passes (and its error pipe) to the
// numbers right above the highest one passed; exe's own fd, when it sat
// there, was replaced by a pipe, and the exec failed (EACCES, seen with
// podman). The copy is closed by the caller; it is close-on-exec.
func stageExecFd(exe *os.File, stdio, extra []*os.File) (int, error) {
	top, n := 2, 1+len(stdio)+len(extra) // n: the moves, error pipe included
	for _, files := range [][]*os.File{stdio, extra} {
		for _, f := range files {
			if f != nil {
				top = max(top, int(f.Fd()))
			}
		}
	}
	fd, err := unix.FcntlInt(exe.Fd(), unix.F_DUPFD_CLOEXEC, top+n+1)
	if err != nil {
		// runStage says "start container init: " before it
		return -1, fmt.Errorf("dup the sealed binary's fd: %w", err)
	}
	return fd, nil
}

// stageEnv tells the stage its sync and plan fds, and with planLater to
// wait for MSG_CONTINUE before it maps the plan (nsenter/stage.c).
func stageEnv(fds nsenter.StageFds, planLater bool) string {
	env := fmt.Sprintf("_RT_STAGE=%d,%d", fds.Sync, fds.Plan)
	if planLater {
		env += ",wait"
	}
	return env
}

// startStageFor starts the stage in cg (startStage), or, when io.joinForked,
// outside it: then the process it forks joins cg. Unless io.insideFirst
// and the stage can be started inside cg without a move (startInside):
// then it is.
func startStageFor(io stageIO, cg cgroups.Manager, newCmd func() *stageProc) (*stageProc, <-chan error, error) {
	if !io.joinForked {
		return startStage(newCmd, cg, io.moveBack)
	}
	if io.insideFirst {
		if cmd, err := startInside(newCmd, cg, io.moveBack); !errors.Is(err, cgroups.ErrNotInside) {
			joined := make(chan error, 1)
			joined <- nil
			return cmd, joined, err
		}
	}
	return startStage(newCmd, nil, nil)
}

// finish ends the session whose run returned err: it sends the process's
// pidfd to --pidfd-socket (kind says which process) if all went well,
// and reaps the stage.
func (s *session) finish(err error, files *stageFiles, kind string) error {
	if s.pidfd >= 0 {
		if err == nil {
			err = sendPidfd(files.pidfd, kind, s.pidfd)
		}
		unix.Close(s.pidfd)
	}
	if err != nil {
		// The stage may be waiting for an answer (a refused cgroup move is
		// refused while it waits): the closed socket is one, and it exits.
		files.parent.Close()
	}
	waitErr := s.cmd.Wait()
	if err == nil && waitErr != nil {
		err = fmt.Errorf("container init setup process: %w", waitErr)
	}
	return err
}

// warmMigration starts, in the background, the wait that the stage's move
// into cg will have (Cgroup.WarmMigration), when it will be moved. Not
// before cg exists: while the warm-up waits the kernel holds the lock that
// creating a cgroup, and starting a process in one, take.
func warmMigration(cg cgroups.Manager) {
	if _, bornThere := cg.BornInto(); !bornThere && !canStartInside(cg) {
		go cg.WarmJoin()
	}
}

// canStartInside: startInside will start the stage in cg. Then nothing
// is moved, and a warm-up would only hold the kernel's cgroup mutex while
// the thread moves.
func canStartInside(cg cgroups.Manager) bool {
	in, ok := cg.(cgroups.InsideStarter)
	return ok && in.CanStartInside()
}

// startInside starts the stage inside cg on a host with v1 hierarchies
// (cgroups.InsideStarter): forked from a thread in cg's v1 cgroups, into
// its cgroup2 directory, if any, with CLONE_INTO_CGROUP. No move, so no
// wait for the kernel's thread-group lock. The thread moves back once
// moveBack is closed. An error wrapping cgroups.ErrNotInside: not
// started, the caller moves it instead.
func startInside(newCmd func() *stageProc, cg cgroups.Manager, moveBack <-chan struct{}) (*stageProc, error) {
	if !canStartInside(cg) {
		return nil, cgroups.ErrNotInside
	}
	in := cg.(cgroups.InsideStarter)
	// The stage's files are all open already (stdio are *os.File: a nil
	// one would be /dev/null, opened by the thread in the container's
	// devices cgroup; rt's commands give all three).
	cmd := newCmd()
	err := in.StartInside(func(dir string) error {
		if dir != "" {
			// O_PATH will not do: the kernel wants an open cgroup directory.
			fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
			if err != nil {
				return fmt.Errorf("%w: %w", cgroups.ErrNotInside, err)
			}
			defer unix.Close(fd)
			cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
		}
		if err := cmd.Start(); err != nil {
			// clone3 may be missing (ENOSYS) or refused (seccomp):
			// the stage is moved instead, and says what fails.
			return fmt.Errorf("%w: %w", cgroups.ErrNotInside, err)
		}
		return nil
	}, moveBack)
	if err != nil && !errors.Is(err, cgroups.ErrNotInside) && cmd.Pid != 0 {
		// started, but rt's thread did not come back: the stage runs
		return cmd, nil
	}
	return cmd, err
}

// startStage starts the stage in the container's cgroup. On a pure v2 host
// it is born there (CLONE_INTO_CGROUP). Otherwise it is moved there: a move
// can wait for an RCU grace period (milliseconds), so it starts at once,
// beside the stage's loading, and the stage waits at its first sync until
// joined says it is done. A nil cg: the stage is started where rt runs,
// and joined is nil. moveBack is startInside's.
func startStage(newCmd func() *stageProc, cg cgroups.Manager, moveBack <-chan struct{}) (*stageProc, <-chan error, error) {
	if cg == nil {
		cmd := newCmd()
		return cmd, nil, cmd.Start()
	}
	joined := make(chan error, 1)
	if cmd, err := startInside(newCmd, cg, moveBack); !errors.Is(err, cgroups.ErrNotInside) {
		joined <- nil
		return cmd, joined, err
	}
	if dir, ok := cg.BornInto(); ok {
		// O_PATH will not do: the kernel wants an open cgroup directory.
		if fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err == nil {
			cmd := newCmd()
			cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
			err := cmd.Start()
			unix.Close(fd)
			if err == nil {
				joined <- nil
				return cmd, joined, nil
			}
			// No clone3, or the cgroup refuses processes (EBUSY: it has
			// controllers for its children): the move says why, as always.
		}
	}
	cmd := newCmd()
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	go func() { joined <- cg.Join(cmd.Pid) }()
	return cmd, joined, nil
}

// createStage is what the C stage of `create` starts from: its files,
// and the builder of its plan for an fd table and the cgroup's paths.
type createStage struct {
	io    stageIO
	build func(fds nsenter.StageFds, cgroupPaths map[string]string) (*nsenter.Plan, error)
}

// newCreateStage readies the stage of `create`; pids (the pids limit) is
// applied once the init is forked.
func (c *Container) newCreateStage(spec *specs.Spec, o CreateOptions, cg cgroups.Manager, pids *specs.LinuxResources, idmap [2]idMapper, seal *sealing) (*createStage, error) {
	notifySocket, listen := o.NotifySocket, o.ListenFds
	idmaps := rootfs.IDMaps(spec)
	if len(idmaps) > 0 && Rootless() {
		if err := rootfs.UnprivilegedIDMapError(spec); err != nil {
			return nil, err
		}
	}
	io := stageIO{root: c.Root, seal: seal, listen: listen, preserve: o.PreserveFds, consoleSocket: o.ConsoleSocket, consoleConn: o.ConsoleConn,
		fifo: filepath.Join(c.dir(), fifoFile), stdio: o.Stdio, warn: o.Warn, pidfdSocket: o.PidfdSocket, pidfdKind: pidfdKindInit,
		listenerState: func(pid int) specs.State { return c.ociState(Creating, pid) }, idmaps: idmaps, idmap: idmap}
	if pids != nil {
		io.onInitPid = func(int) error { return cg.Update(pids) }
	}
	return &createStage{io: io, build: func(fds nsenter.StageFds, cgroupPaths map[string]string) (*nsenter.Plan, error) {
		return specconv.BuildValidated(spec, specconv.Options{
			ID: c.State.ID, Bundle: c.State.Bundle, NoPivot: o.NoPivot, NoNewKeyring: o.NoNewKeyring,
			ConsoleRelay: o.ConsoleConn != nil, CgroupPaths: cgroupPaths, Warn: o.Warn, Fds: fds, NotifySocket: notifySocket,
			SetgroupsDenied: setgroupsDenied(idmap), Unprivileged: Rootless(), SeccompCache: seccompCache(c.Root),
		}) // loadBundle validated it
	}}, nil
}

// spawn runs the C stage of `create` with the plan built ahead, when it
// was built for this fd table and these cgroup paths (planAhead).
func (c *Container) spawn(spec *specs.Spec, cg cgroups.Manager, st *createStage, ahead *plannedAhead) (int, error) {
	return runStage(st.io, spec, cg, func(fds nsenter.StageFds) (*nsenter.Plan, error) {
		if plan, ok, err := ahead.result(fds, cg.Paths()); ok {
			return plan, err
		}
		return st.build(fds, cg.Paths())
	}, func(id int32, pid int) error {
		if id != specconv.SyncHooks {
			return nil
		}
		return c.runCreateHooks(spec, cg, pid)
	})
}

// planMemfd holds the encoded plan for the stage to map.
func planMemfd(plan *nsenter.Plan) (*os.File, error) {
	fd, err := unix.MemfdCreate("rt-plan", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("plan memfd: %w", err)
	}
	f := os.NewFile(uintptr(fd), "rt-plan")
	if _, err := f.Write(plan.Encode()); err != nil {
		f.Close()
		return nil, fmt.Errorf("plan memfd: %w", err)
	}
	return f, nil
}

// session is one conversation with a C stage.
type session struct {
	joined        <-chan error // the move of the stage into the cgroup; nil: the forked process joins cg
	cg            cgroups.Manager
	onSync        func(id int32, pid int) error
	onPid         func(pid int) error
	listenerState func(pid int) specs.State
	spec          *specs.Spec
	plan          *nsenter.Plan
	conn          *os.File
	cmd           *stageProc
	initPid       int
	warn          func(string)
	wantPidfd     bool        // open a pidfd of the process when its pid comes
	pidfd         int         // that pidfd, or -1
	idmap         [2]idMapper // how the uid and gid maps are written
	bestEffort    bool        // stageIO.joinBestEffort
}

// recv reads one message and the fd it carries, if any (MSG_SECCOMP_FD).
func (s *session) recv() (nsenter.Msg, *os.File, error) {
	buf := make([]byte, nsenter.MsgSize)
	oob := make([]byte, unix.CmsgSpace(4))
	raw, err := s.conn.SyscallConn()
	if err != nil {
		return nsenter.Msg{}, nil, errStageGone
	}
	var n, oobn int
	var rerr error
	err = raw.Read(func(fd uintptr) bool {
		for {
			n, oobn, _, _, rerr = unix.Recvmsg(int(fd), buf, oob, unix.MSG_CMSG_CLOEXEC)
			if rerr != unix.EINTR {
				return rerr != unix.EAGAIN // EAGAIN: wait in the poller
			}
		}
	})
	if err != nil || rerr != nil || n == 0 {
		return nsenter.Msg{}, nil, errStageGone
	}
	fd := receivedFile(oob[:oobn])
	m, err := nsenter.DecodeMsg(buf[:n])
	return m, fd, err
}

var errStageGone = errors.New("container init exited during setup")

func (s *session) send(t uint32) error {
	_, err := s.conn.Write(nsenter.EncodeMsg(nsenter.Msg{Type: t}))
	return err
}

// run puts the stage (or the process it forked) in the cgroup and serves
// it until it is ready.
func (s *session) run() (int, error) {
	for {
		m, fd, err := s.recv()
		if fd != nil && (err != nil || m.Type != nsenter.MsgSeccompFd) {
			fd.Close()
		}
		if err != nil {
			return s.initPid, err
		}
		if m.Type == nsenter.MsgPid {
			testStagePid(int(m.Value))
		}
		testStep(fmt.Sprintf("stage message %d (value %d)", m.Type, m.Value))
		debugMsg(m)
		answer, ready, err := s.handle(m, fd)
		if err != nil || ready {
			return s.initPid, err
		}
		if !answer {
			continue
		}
		if err := s.send(nsenter.MsgContinue); err != nil {
			return s.initPid, errStageGone
		}
	}
}

// handle acts on one message of the stage. answer: the stage waits for
// MSG_CONTINUE; ready: the process is ready, the session is over.
func (s *session) handle(m nsenter.Msg, fd *os.File) (answer, ready bool, err error) {
	switch m.Type {
	case nsenter.MsgUsermapReq:
		if err := writeIDMaps(int(m.Value), s.idmap); err != nil {
			return false, false, err
		}
		return true, false, nil
	case nsenter.MsgPid:
		return false, false, s.gotPid(int(m.Value))
	case nsenter.MsgWarning:
		s.stageWarning(m)
		return false, false, nil
	case nsenter.MsgSync:
		return true, false, s.syncPoint(m)
	case nsenter.MsgSeccompFd:
		return true, false, s.sendToListener(fd)
	case nsenter.MsgReady:
		return false, true, nil
	case nsenter.MsgError:
		return false, false, s.stageError(m)
	}
	return false, false, fmt.Errorf("container init sent unknown message %d", m.Type)
}

// gotPid takes the pid of the process the stage forked: a pidfd of it if
// one is wanted, then the caller's onPid.
func (s *session) gotPid(pid int) error {
	s.initPid = pid
	if s.wantPidfd {
		var err error
		if s.pidfd, err = openPidfd(pid); err != nil {
			return err
		}
	}
	if s.onPid != nil {
		return s.onPid(pid)
	}
	return nil
}

// syncPoint does what the parent does at one of the plan's sync points
// (nsenter/sync.md): the cgroup join, the time offsets, or the caller's.
func (s *session) syncPoint(m nsenter.Msg) error {
	switch {
	case m.Value == specconv.SyncCgroup:
		return s.joinCgroup()
	case m.Value == specconv.SyncTimeOffsets:
		return s.writeTimeOffsets(m.Op)
	case s.onSync != nil:
		return s.onSync(m.Value, s.initPid)
	}
	return nil
}

// joinCgroup waits for the stage's move into the cgroup or, when the
// stage stays outside it (joinForked), moves the process it forked.
func (s *session) joinCgroup() error {
	if s.joined != nil {
		err := <-s.joined
		debugf("cgroup: the stage is in it")
		return err
	}
	if s.initPid <= 0 {
		return fmt.Errorf("container init sent the cgroup sync before its pid")
	}
	err := s.cg.Join(s.initPid)
	if err != nil && s.bestEffort {
		debugf("exec: not joining the cgroup (rootless): %v", err)
		return nil
	}
	debugf("cgroup: pid %d is in it", s.initPid)
	return err
}

// writeTimeOffsets writes the offsets the plan's op holds for the stage's
// new time namespace, which nothing has entered yet: the stage has not
// forked (specconv puts the op before the fork).
func (s *session) writeTimeOffsets(opIndex uint32) error {
	if int(opIndex) >= len(s.plan.Ops) {
		return fmt.Errorf("container init sent time offsets sync for op %d", opIndex)
	}
	op := s.plan.Ops[opIndex]
	name := fmt.Sprintf("/proc/%d/timens_offsets", s.cmd.Pid)
	if err := os.WriteFile(name, []byte(op.Strs[0]), 0); err != nil {
		return &specconv.FieldError{Field: op.Field, Err: fmt.Errorf("write %s: %w", name, errors.Unwrap(err))}
	}
	return nil
}

// writeIDMaps writes the uid and then the gid map for pid.
func writeIDMaps(pid int, m [2]idMapper) error {
	for i := range m {
		if err := m[i].write(pid); err != nil {
			return &specconv.FieldError{Field: m[i].field, Err: err}
		}
	}
	return nil
}
