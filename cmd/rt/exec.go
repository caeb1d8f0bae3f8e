package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"

	"github.com/rt-runtime/rt/libct"
)

type execFlags struct {
	process, consoleSocket, pidFile, cwd, user, apparmor, label string
	tty, detach, noNewPrivs, ignorePaused, noSubreaper          bool
	env, caps, additionalGids, cgroups                          []string
	preserveFds                                                 int
	pidfdSocket                                                 string
}

func execCommand() *cobra.Command {
	var f execFlags
	cmd := &cobra.Command{
		Use:   "exec [flags] ID [COMMAND [ARG...]]",
		Short: "run a process in a running container",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExec(cmd, &f, args[0], args[1:])
		},
	}
	cmd.Flags().SetInterspersed(false)
	fl := cmd.Flags()
	fl.StringVarP(&f.process, "process", "p", "", "JSON file with the process (runtime-spec process object)")
	fl.BoolVarP(&f.tty, "tty", "t", false, "allocate a pseudo-TTY")
	fl.StringVar(&f.consoleSocket, "console-socket", "", "unix socket that receives the pty master")
	fl.StringVar(&f.pidfdSocket, "pidfd-socket", "", "unix socket that receives a pidfd of the process")
	fl.BoolVarP(&f.detach, "detach", "d", false, "do not wait for the process")
	fl.StringVar(&f.pidFile, "pid-file", "", "write the process's pid to this file")
	fl.StringVar(&f.cwd, "cwd", "", "working directory inside the container")
	fl.StringArrayVarP(&f.env, "env", "e", nil, "set an environment variable (K=V)")
	fl.StringVarP(&f.user, "user", "u", "", "UID[:GID] to run as")
	fl.StringSliceVarP(&f.additionalGids, "additional-gids", "g", nil, "additional group ids")
	fl.StringArrayVarP(&f.caps, "cap", "c", nil, "add a capability (effective, permitted, bounding; ambient when the config has an inheritable set)")
	fl.BoolVar(&f.noNewPrivs, "no-new-privs", false, "set no_new_privs")
	fl.StringVar(&f.apparmor, "apparmor", "", "AppArmor profile")
	fl.StringVar(&f.label, "process-label", "", "SELinux label")
	fl.IntVar(&f.preserveFds, "preserve-fds", 0, "pass this many fds after stdio to the process")
	fl.StringArrayVar(&f.cgroups, "cgroup", nil, "run in this sub-cgroup of the container: [CONTROLLER[,CONTROLLER...]:]PATH (repeatable)")
	fl.BoolVar(&f.ignorePaused, "ignore-paused", false, "exec even if the container is paused")
	fl.BoolVar(&f.noSubreaper, "no-subreaper", false, "accepted for runc compatibility")
	return cmd
}

// setProcess gives o the process: the --process file's, read now; or the
// command line's, made from the container's config (execProcess) while
// the stage starts.
func (f *execFlags) setProcess(o *libct.ExecOptions, args []string) error {
	if f.process != "" {
		p, err := f.processFile()
		if err != nil {
			return err
		}
		o.Process, o.Terminal = p, p.Terminal
		return nil
	}
	if len(args) == 0 {
		return fmt.Errorf("exec: no command given (and no --process)")
	}
	o.ProcessFor = func(spec *specs.Spec) (*specs.Process, error) { return f.execProcess(spec, args) }
	o.Terminal = f.tty
	return nil
}

// execProcess is the container's process with the command line's args and
// flags over it.
func (f *execFlags) execProcess(spec *specs.Spec, args []string) (*specs.Process, error) {
	if spec.Process == nil {
		return nil, fmt.Errorf("/process: the container's config has none to take the exec's defaults from (give --process)")
	}
	p := *spec.Process
	p.Args, p.Terminal = args, f.tty
	p.Env = mergeEnv(p.Env, f.env)
	if f.cwd != "" {
		p.Cwd = f.cwd
	}
	if err := f.applyUser(&p); err != nil {
		return nil, err
	}
	if len(f.caps) > 0 {
		p.Capabilities = f.withCaps(p.Capabilities)
	}
	if f.noNewPrivs {
		p.NoNewPrivileges = true
	}
	if f.apparmor != "" {
		p.ApparmorProfile = f.apparmor
	}
	if f.label != "" {
		p.SelinuxLabel = f.label
	}
	return &p, nil
}

// processFile reads the --process file. As runc: the file is the whole
// process, nothing is taken from the container's.
func (f *execFlags) processFile() (*specs.Process, error) {
	data, err := os.ReadFile(f.process)
	if err != nil {
		return nil, fmt.Errorf("--process: %w", err)
	}
	var p specs.Process
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("--process %s: %w", f.process, err)
	}
	if len(p.Args) == 0 {
		return nil, fmt.Errorf("--process %s: /args: missing (the command to run)", f.process)
	}
	if p.Cwd == "" {
		return nil, fmt.Errorf("--process %s: /cwd: missing (an absolute path)", f.process)
	}
	return &p, nil
}

// applyUser sets --user and adds --additional-gids to p's user.
func (f *execFlags) applyUser(p *specs.Process) error {
	if f.user != "" {
		uid, gid, err := parseUser(f.user)
		if err != nil {
			return err
		}
		p.User.UID, p.User.GID = uid, gid
	}
	for _, g := range f.additionalGids {
		n, err := strconv.ParseUint(g, 10, 32)
		if err != nil {
			return fmt.Errorf("--additional-gids: %q is not a number", g)
		}
		p.User.AdditionalGids = append(p.User.AdditionalGids, uint32(n))
	}
	return nil
}

// withCaps is caps with the --cap ones added, a copy.
func (f *execFlags) withCaps(caps *specs.LinuxCapabilities) *specs.LinuxCapabilities {
	c := specs.LinuxCapabilities{}
	if caps != nil {
		c = *caps
	}
	// Never the inheritable set (the CVE-2022-29162 class).
	c.Bounding = append(append([]string(nil), c.Bounding...), f.caps...)
	c.Effective = append(append([]string(nil), c.Effective...), f.caps...)
	c.Permitted = append(append([]string(nil), c.Permitted...), f.caps...)
	// As runc: the ambient set too when the config has an inheritable
	// set, which a capability must already be in to be raised there.
	if c.Inheritable != nil {
		c.Ambient = append(append([]string(nil), c.Ambient...), f.caps...)
	}
	return &c
}

func parseUser(s string) (uint32, uint32, error) {
	us, gs, hasGid := strings.Cut(s, ":")
	uid, err := strconv.ParseUint(us, 10, 32)
	if err != nil {
		return 0, 0, fmt.Errorf("--user %q: want UID[:GID] as numbers", s)
	}
	gid := uint64(0)
	if hasGid {
		if gid, err = strconv.ParseUint(gs, 10, 32); err != nil {
			return 0, 0, fmt.Errorf("--user %q: want UID[:GID] as numbers", s)
		}
	}
	return uint32(uid), uint32(gid), nil
}

func runExec(cmd *cobra.Command, f *execFlags, id string, args []string) error {
	subCgroups, err := libct.ParseSubCgroups(f.cgroups)
	if err != nil {
		return err
	}
	c, err := libct.Load(g.root, id, false)
	if err != nil {
		return err
	}
	o := libct.ExecOptions{ConsoleSocket: f.consoleSocket, PidfdSocket: f.pidfdSocket, PidFile: f.pidFile,
		PreserveFds: f.preserveFds, IgnorePaused: f.ignorePaused, SubCgroups: subCgroups,
		Stdio: [3]*os.File{os.Stdin, os.Stdout, os.Stderr}, Warn: logWarn, Effects: cliEffects}
	if err := f.setProcess(&o, args); err != nil {
		return err
	}
	if f.detach {
		if o.Terminal && f.consoleSocket == "" {
			return fmt.Errorf("exec --detach with a terminal needs --console-socket")
		}
		_, err := c.Exec(cmd.Context(), o)
		return notStarted(err)
	}
	status, err := c.ExecAndWait(cmd.Context(), o, libct.Foreground{ForwardSignals: true, ReapOrphans: true})
	if err != nil {
		return notStarted(err)
	}
	return &exitError{code: status}
}

// notStarted: a process the stage could not start makes exec exit 255, as
// runc's does (a process that started and then failed to exec exits 255
// itself); other errors are rt's, status 1.
func notStarted(err error) error {
	var stage *libct.StageError
	if !errors.As(err, &stage) {
		return err
	}
	logError(err)
	return &exitError{code: 255}
}

// mergeEnv adds extra to env; a name given again takes the new value, as
// runc does.
func mergeEnv(env, extra []string) []string {
	out := append([]string(nil), env...)
	for _, kv := range extra {
		name, _, _ := strings.Cut(kv, "=")
		replaced := false
		for i, old := range out {
			if oldName, _, _ := strings.Cut(old, "="); oldName == name {
				out[i], replaced = kv, true
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return out
}
