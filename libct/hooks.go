package libct

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/cgroups"
	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/specconv"
	"github.com/rt-runtime/rt/specerr"
)

// hookState is the runtime-spec state a hook reads on stdin: ociState,
// encoded.
func (c *Container) hookState(status string, pid int) []byte {
	data, _ := json.Marshal(c.ociState(status, pid))
	return data
}

func hookContext(h specs.Hook) (context.Context, context.CancelFunc) {
	if h.Timeout != nil && *h.Timeout > 0 {
		return context.WithTimeout(context.Background(), time.Duration(*h.Timeout)*time.Second)
	}
	return context.WithCancel(context.Background())
}

// runHooks runs hooks in the runtime namespace, in order, each with the
// state on stdin; the first failure stops them. A hook past its timeout is
// killed and counts as failed.
func runHooks(kind string, hooks []specs.Hook, state []byte) error {
	for i, h := range hooks {
		debugf("hooks: running %s hook #%d: %s", kind, i, h.Path)
		if err := runHook(h, state); err != nil {
			return hookError(kind, i, h.Path, err)
		}
	}
	return nil
}

// hookError words a failed hook as runc does, which scripts match
// ("error running prestart hook #1: ..."), after its JSON pointer.
func hookError(kind string, i int, path string, err error) error {
	return specerr.Errorf(fmt.Sprintf("/hooks/%s/%d", kind, i), "error running %s hook #%d: %s: %w", kind, i, path, err)
}

func runHook(h specs.Hook, state []byte) error {
	ctx, cancel := hookContext(h)
	defer cancel()
	args := h.Args
	if len(args) == 0 {
		args = []string{h.Path}
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, h.Path)
	cmd.Args, cmd.Env = args, h.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(state), os.Stderr, &stderr
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("timed out after %ds", *h.Timeout)
	}
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return fmt.Errorf("%w: %s", err, msg)
		}
		return err
	}
	return nil
}

// runCreateContainerHooks runs each hook inside the container's namespaces
// (joined through a stage, like exec) while its mount namespace still has
// the host's root, so the path resolves in the runtime namespace.
func runCreateContainerHooks(root string, spec *specs.Spec, cg cgroups.Manager, initPid int, state []byte) error {
	for i, h := range spec.Hooks.CreateContainer {
		debugf("hooks: running createContainer hook #%d in the container's namespaces: %s", i, h.Path)
		if err := runHookInContainer(root, spec, cg, initPid, h, state); err != nil {
			return hookError("createContainer", i, h.Path, err)
		}
	}
	return nil
}

func runHookInContainer(root string, spec *specs.Spec, cg cgroups.Manager, initPid int, h specs.Hook, state []byte) error {
	args := h.Args
	if len(args) == 0 {
		args = []string{h.Path}
	}
	proc := &specs.Process{Args: append([]string{h.Path}, args[1:]...), Env: h.Env, Cwd: "/"}
	stdin, err := hookStdin(state)
	if err != nil {
		return err
	}
	defer stdin.Close()
	io := stageIO{root: root, stdio: [3]*os.File{stdin, os.Stderr, os.Stderr}, joinForked: true, // BuildExec joins after its fork
		joinBestEffort: Rootless()}
	pid, err := runStage(io, spec, cg, func(fds nsenter.StageFds) (*nsenter.Plan, error) {
		return specconv.BuildExec(spec, proc, specconv.ExecOptions{InitPid: initPid, Fds: fds, NoSeccomp: true,
			SetgroupsDenied: procSetgroupsDenied(initPid), Unprivileged: Rootless()})
	}, nil)
	if err != nil {
		return err
	}
	ctx, cancel := hookContext(h)
	defer cancel()
	return waitChild(ctx, pid)
}

// hookStdin is a memfd holding the state, to be a hook's stdin.
func hookStdin(state []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate("rt-hook-state", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "rt-hook-state")
	if _, err := f.Write(state); err != nil {
		f.Close()
		return nil, err
	}
	_, err = f.Seek(0, 0)
	return f, err
}

// waitChild waits for a process that was reparented to us (we are the
// subreaper while hooks run), killing it when ctx ends.
func waitChild(ctx context.Context, pid int) error {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		if errors.Is(err, unix.ESRCH) {
			return nil
		}
		return err
	}
	defer unix.Close(fd)
	deadline, hasDeadline := ctx.Deadline()
	for {
		timeout := -1
		if hasDeadline {
			timeout = int(time.Until(deadline).Milliseconds())
			if timeout <= 0 {
				unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
				var ws unix.WaitStatus
				unix.Wait4(pid, &ws, 0, nil)
				return fmt.Errorf("timed out")
			}
		}
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, timeout)
		if err == unix.EINTR || n == 0 {
			continue
		}
		var ws unix.WaitStatus
		if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil {
			return err
		}
		if ws.Signaled() {
			return fmt.Errorf("killed by signal %d", ws.Signal())
		}
		if ws.ExitStatus() != 0 {
			return fmt.Errorf("exit status %d", ws.ExitStatus())
		}
		return nil
	}
}

// runCreateHooks runs, at the sync point before pivot_root, the prestart
// and createRuntime hooks (runtime namespace) and the createContainer
// hooks (container namespaces). Any failure fails the create.
func (c *Container) runCreateHooks(spec *specs.Spec, cg cgroups.Manager, initPid int) error {
	h := spec.Hooks
	if h == nil {
		return nil
	}
	// runtime.md, lifecycle: "creating" is step 2; these hooks are steps
	// 3 to 5, after it, so the container is "created" — in the state they
	// read and in what `rt state` says meanwhile.
	if err := c.recordInit(initPid); err != nil {
		return err
	}
	testStep("init recorded before the hooks")
	state := c.hookState(Created, initPid)
	if err := runHooks("prestart", h.Prestart, state); err != nil { //nolint:staticcheck // deprecated, still run
		return err
	}
	if err := runHooks("createRuntime", h.CreateRuntime, state); err != nil {
		return err
	}
	return runCreateContainerHooks(c.Root, spec, cg, initPid, state)
}

// runPoststart and runPoststop: a failing hook is a warning and the next
// ones still run (runtime.md, lifecycle).
func (c *Container) runPoststart() {
	c.loadHooks()
	if h := c.State.Hooks; h != nil {
		c.runHooksWarning("poststart", h.Poststart, c.hookState(Running, c.State.Pid))
	}
}

func (c *Container) runPoststop() {
	c.loadHooks()
	if h := c.State.Hooks; h != nil {
		c.runHooksWarning("poststop", h.Poststop, c.hookState(Stopped, 0))
	}
}

// loadHooks makes sure a state from the list index has its hooks.
func (c *Container) loadHooks() {
	if err := c.loadFull(); err != nil {
		c.warn(fmt.Sprintf("container %q: cannot read its hooks: %v", c.State.ID, err))
	}
}

func (c *Container) runHooksWarning(kind string, hooks []specs.Hook, state []byte) {
	for i, h := range hooks {
		debugf("hooks: running %s hook #%d: %s", kind, i, h.Path)
		if err := runHook(h, state); err != nil {
			c.warn(hookError(kind, i, h.Path, err).Error())
		}
	}
}

func (c *Container) warn(msg string) {
	if c.Warn != nil {
		c.Warn(msg)
	}
}
