package specconv

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/nsenter"
)

const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// capMask turns a capability list into a bit mask; unknown names are
// reported as warnings and skipped, as runc does.
//
// A capability rt itself does not hold (outside its own bounding set, e.g.
// CAP_SYS_RESOURCE on a restricted host) cannot be granted: config.md says
// to warn and not fail, so it is skipped the same way.
func capMask(names []string, field string, warn func(string)) int64 {
	var mask int64
	grantable := hostBounding()
	for _, n := range names {
		bit, ok := capabilities[strings.ToUpper(n)]
		if !ok {
			warn(fmt.Sprintf("%s: unknown capability %q ignored", field, n))
			continue
		}
		if grantable&(1<<bit) == 0 {
			warn(fmt.Sprintf("%s: capability %s cannot be granted (rt does not hold it): ignored", field, n))
			continue
		}
		mask |= 1 << bit
	}
	return mask
}

// hostBounding is rt's own bounding set (CapBnd in /proc/self/status);
// every bit set when it cannot be read.
var hostBounding = sync.OnceValue(func() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "CapBnd:"); ok {
			if mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64); err == nil {
				return int64(mask)
			}
		}
	}
	return -1
})

func (b *planBuilder) utsOps() error {
	if b.spec.Hostname != "" {
		if !b.ns.ownsNamespace(specs.UTSNamespace) {
			return fieldErr("/hostname", "setting the hostname needs a uts namespace of the container's own")
		}
		b.addTo(phaseUTS, nsenter.Op{Code: nsenter.OpSethostname, Strs: [4]string{b.spec.Hostname}, Field: "/hostname"})
	}
	if b.spec.Domainname != "" {
		if !b.ns.ownsNamespace(specs.UTSNamespace) {
			return fieldErr("/domainname", "setting the domainname needs a uts namespace of the container's own")
		}
		b.addTo(phaseUTS, nsenter.Op{Code: nsenter.OpSetdomainname, Strs: [4]string{b.spec.Domainname}, Field: "/domainname"})
	}
	return nil
}

// processOps does the process's part of the stage's own work, which needs
// rt's privileges and resources: the console, scheduling, the keyring, fd
// hygiene, the LSM label, the umask and the working directory. execOps
// continues. The order is runc's init's (DESIGN.md "rt create, step by
// step"): this work, the rlimits, seccomp when it must precede the
// credentials, the credentials, the ready report, the wait for `start`.
func (b *planBuilder) processOps() error {
	if err := b.consoleOp(); err != nil {
		return err
	}
	if err := b.schedulerOp(); err != nil {
		return err
	}
	if err := b.ioPriorityOp(); err != nil {
		return err
	}
	if b.spec.Linux != nil {
		if err := b.personalityOp(); err != nil {
			return err
		}
		if err := b.memoryPolicyOp(); err != nil {
			return err
		}
	}
	if !b.o.NoNewKeyring {
		b.add(nsenter.Op{Code: nsenter.OpKeyring, Strs: [4]string{"_ses." + b.o.ID}, Field: "/process"})
	}
	// Before seccomp, which may come early and not know close_range.
	b.add(nsenter.Op{Code: nsenter.OpCloseFrom, Args: [3]int64{int64(b.o.Fds.CloseFrom())}, Field: "/process"})
	if err := b.lsmOps(); err != nil {
		return err
	}
	umask := int64(0022)
	if b.proc.User.Umask != nil {
		umask = int64(*b.proc.User.Umask)
	}
	b.add(nsenter.Op{Code: nsenter.OpUmask, Args: [3]int64{umask}, Field: "/process/user/umask"})
	cwd, err := b.cwd()
	if err != nil {
		return err
	}
	b.add(nsenter.Op{Code: nsenter.OpChdir, Flags: nsenter.FlagDeferDenied, Strs: [4]string{cwd}, Field: "/process/cwd"})
	return nil
}

func (b *planBuilder) consoleOp() error {
	if b.consoleEarly {
		return nil
	}
	console, err := b.newConsoleOp()
	if console != nil {
		b.add(*console)
	}
	return err
}

// newConsoleOp is the console op of a process with a terminal, or nil.
func (b *planBuilder) newConsoleOp() (*nsenter.Op, error) {
	p := b.proc
	if !p.Terminal {
		return nil, nil
	}
	if b.o.Fds.Console == 0 {
		return nil, fieldErr("/process/terminal", "terminal is true but no --console-socket was given")
	}
	var size int64
	if p.ConsoleSize != nil {
		size = int64(p.ConsoleSize.Height&0xffff)<<16 | int64(p.ConsoleSize.Width&0xffff)
	}
	// The process user owns the pty, so that it can use its console, as
	// runc's init gives it its stdio (root's is left as it is).
	owner := int64(-1)
	if p.User.UID != 0 {
		owner = int64(p.User.UID)
	}
	console := nsenter.Op{Code: nsenter.OpConsole, Args: [3]int64{int64(b.o.Fds.Console), size, owner}, Field: "/process/terminal"}
	if b.o.Fds.Fifo != 0 { // create, not exec: the container's /dev/console is this pty
		console.Flags |= nsenter.FlagBindConsole
	}
	// rt's own relay passes the output on as written, as runc's does; a
	// --console-socket receiver gets the pty as the kernel makes it.
	if b.o.ConsoleRelay {
		console.Flags |= nsenter.FlagClearONLCR
	}
	return &console, nil
}

func (b *planBuilder) cwd() (string, error) {
	cwd := b.proc.Cwd
	if cwd == "" {
		cwd = "/"
	}
	if !strings.HasPrefix(cwd, "/") {
		return "", fieldErr("/process/cwd", "cwd %q is not an absolute path", cwd)
	}
	return cwd, nil
}

// rlimitOps: the limits go on once the stage's own work is done, so that
// they bind the process and not rt (a small RLIMIT_NOFILE or RLIMIT_STACK
// must not stop the stage), and before the credentials change, which may
// take the right to raise them (runc sets them when its init reports
// ready, before seccomp and the user switch).
func (b *planBuilder) rlimitOps() error {
	for i, rl := range b.proc.Rlimits {
		field := fmt.Sprintf("/process/rlimits/%d", i)
		res, ok := rlimits[rl.Type]
		if !ok {
			return fieldErr(field+"/type", "unknown rlimit %q", rl.Type)
		}
		b.add(nsenter.Op{Code: nsenter.OpRlimit, Args: [3]int64{int64(res), int64(rl.Soft), int64(rl.Hard)}, Field: field})
	}
	return nil
}

// credentialOps: bounding set first (dropping needs CAP_SETPCAP), then the
// user, then the other sets, ambient last.
func (b *planBuilder) credentialOps() {
	p := b.proc
	caps := p.Capabilities
	if caps != nil {
		b.addTo(phaseCredentials, boundingOp(capMask(caps.Bounding, "/process/capabilities/bounding", b.warn)))
	}
	for i, g := range p.User.AdditionalGids {
		b.addTo(phaseCredentials, nsenter.Op{Code: nsenter.OpGroup, Args: [3]int64{int64(g)}, Field: fmt.Sprintf("/process/user/additionalGids/%d", i)})
	}
	user := nsenter.Op{Code: nsenter.OpUser, Args: [3]int64{int64(p.User.UID), int64(p.User.GID)}, Field: "/process/user"}
	if b.o.SetgroupsDenied {
		user.Flags |= nsenter.FlagNoSetgroups
	}
	b.addTo(phaseCredentials, user)
	if caps != nil {
		b.addTo(phaseCredentials, nsenter.Op{Code: nsenter.OpCaps, Args: [3]int64{
			capMask(caps.Effective, "/process/capabilities/effective", b.warn),
			capMask(caps.Permitted, "/process/capabilities/permitted", b.warn),
			capMask(caps.Inheritable, "/process/capabilities/inheritable", b.warn)}, Field: "/process/capabilities"})
		if ambient := b.ambientMask(caps); ambient != 0 {
			b.addTo(phaseCredentials, nsenter.Op{Code: nsenter.OpCapsAmbient, Args: [3]int64{ambient}, Field: "/process/capabilities/ambient"})
		}
	}
	if p.NoNewPrivileges {
		b.addTo(phaseCredentials, nsenter.Op{Code: nsenter.OpNoNewPrivs, Field: "/process/noNewPrivileges"})
	}
}

// execOps: arguments, environment, the executable resolved, then the
// rlimits, seccomp (in the phase seccompPhase picks), the credentials, the
// ready report, the wait for `start`, and the exec.
//
// The working directory and the executable are first resolved by rt,
// before the rlimits and before a filter loaded ahead of the credentials
// change (see seccompPhase), which must meet none of the stage's own
// syscalls (openat2, say) that the profile may refuse. What rt is denied is
// redone as the user after the user switch, with the calls runc's init
// makes there (chdir and getcwd; stat and faccessat), as runc and crun do
// for a directory only the user may enter (root-squashed NFS). Without such
// an early filter the executable is always looked up again as the user, as
// runc does, so that one only root may run fails the create.
func (b *planBuilder) execOps() error {
	p := b.proc
	for i, a := range p.Args {
		b.add(nsenter.Op{Code: nsenter.OpArg, Strs: [4]string{a}, Field: fmt.Sprintf("/process/args/%d", i)})
	}
	path := b.envOps()
	if b.finalAffinity != nil {
		b.add(*b.finalAffinity)
	}
	arg0 := ""
	if len(p.Args) > 0 {
		arg0 = p.Args[0]
	}
	findExec := findExecOp(arg0, path)
	b.add(findExec)
	if err := b.rlimitOps(); err != nil {
		return err
	}
	if err := b.seccompOps(); err != nil {
		return err
	}
	b.credentialOps()
	cwd, _ := b.cwd()
	findExec.Flags = 0
	if b.seccompBeforeCredentials() {
		findExec.Flags = nsenter.FlagRedo
	}
	b.addTo(phaseCredentials,
		nsenter.Op{Code: nsenter.OpChdir, Flags: nsenter.FlagRedo, Strs: [4]string{cwd}, Field: "/process/cwd"},
		findExec,
	)
	// The words of a failure after this, printed by the stage: %s the
	// path, %e the OS error (plan.h).
	b.addTo(phaseReady, nsenter.Op{Code: nsenter.OpReady, Strs: [4]string{"rt: %s: %e"}, Field: "/process"})
	if b.o.Fds.Fifo != 0 {
		b.addTo(phaseWait, nsenter.Op{Code: nsenter.OpWaitStart, Args: [3]int64{int64(b.o.Fds.Fifo)}, Field: "/process"})
		b.startContainerHooks()
	}
	// runc's words for a failed exec (its init prints them): "exec
	// /bin/x: no such file or directory".
	b.addTo(phaseExec, nsenter.Op{Code: nsenter.OpExec, Strs: [4]string{"exec %s: %e"}, Field: "/process/args/0"})
	return nil
}

// envOps adds the process's environment, with the variables rt adds and
// HOME (homeEnv), and returns the $PATH the executable is searched in.
func (b *planBuilder) envOps() (path string) {
	p := b.proc
	path = defaultPath
	extra := b.hostEnv()
	env := append([]string(nil), p.Env...)
	for _, e := range extra {
		env = append(env, e.entry)
	}
	keep, passwdHome := homeEnv(env, p.Env == nil && len(extra) == 0)
	for i, e := range env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			path = v
		}
		field := fmt.Sprintf("/process/env/%d", i)
		if i >= len(p.Env) {
			field = extra[i-len(p.Env)].field
		}
		if keep[i] {
			b.add(nsenter.Op{Code: nsenter.OpEnv, Strs: [4]string{e}, Field: field})
		}
	}
	if passwdHome {
		b.add(nsenter.Op{Code: nsenter.OpPasswdHome, Strs: [4]string{passwdFile}, Args: [3]int64{int64(p.User.UID)}, Field: "/process/env"})
	}
	return path
}

// envEntry is a variable rt adds to the process's environment, and what
// its op names instead of a config field: the variable of rt's own
// environment it comes from.
type envEntry struct{ entry, field string }

// hostEnv is what rt's caller passes into the container through rt's
// environment (socket activation, sd_notify), as runc does; not for exec.
func (b *planBuilder) hostEnv() []envEntry {
	var out []envEntry
	if n := b.o.Fds.Listen; n > 0 {
		out = append(out, envEntry{"LISTEN_FDS=" + strconv.Itoa(n), "$LISTEN_FDS"}, envEntry{"LISTEN_PID=1", "$LISTEN_FDS"})
	}
	if b.o.NotifySocket != "" {
		out = append(out, envEntry{"NOTIFY_SOCKET=" + b.o.NotifySocket, "$NOTIFY_SOCKET"})
	}
	return out
}

// ambientMask keeps the ambient capabilities the kernel can raise: only
// those both permitted and inheritable. The rest are warned about and
// skipped, as runc does.
func (b *planBuilder) ambientMask(caps *specs.LinuxCapabilities) int64 {
	const field = "/process/capabilities/ambient"
	want := capMask(caps.Ambient, field, b.warn)
	can := capMask(caps.Permitted, "", func(string) {}) & capMask(caps.Inheritable, "", func(string) {})
	if skipped := want &^ can; skipped != 0 {
		var names []string
		for _, n := range caps.Ambient {
			if bit, ok := capabilities[strings.ToUpper(n)]; ok && skipped&(1<<bit) != 0 && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		b.warn(fmt.Sprintf("%s: can't raise ambient capability %s: an ambient capability must be both permitted and inheritable", field, strings.Join(names, ", ")))
	}
	return want & can
}

// startContainerHooks run in the init after `start`, in the container's
// namespaces and root, before the process execs. They read the state that
// `rt start` wrote into the exec fifo.
func (b *planBuilder) startContainerHooks() {
	if b.spec.Hooks == nil {
		return
	}
	for i, h := range b.spec.Hooks.StartContainer {
		field := fmt.Sprintf("/hooks/startContainer/%d", i)
		timeout := int64(0)
		if h.Timeout != nil {
			timeout = int64(*h.Timeout)
		}
		// The words of a failure, which the init prints itself: after
		// `start` nobody reads its reports (templates: plan.h).
		what := "rt: " + stderrTemplate(fmt.Sprintf("%s: error running startContainer hook #%d: %s", field, i, h.Path))
		b.addTo(phaseStartHooks, nsenter.Op{Code: nsenter.OpHook, Args: [3]int64{timeout}, Field: field, Strs: [4]string{h.Path,
			what + ": exit status %s", what + ": killed by signal %s", what + ": timed out"}})
		args := h.Args
		if len(args) == 0 {
			args = []string{h.Path}
		}
		for _, a := range args {
			b.addTo(phaseStartHooks, nsenter.Op{Code: nsenter.OpHookArg, Strs: [4]string{a}, Field: field + "/args"})
		}
		for _, e := range h.Env {
			b.addTo(phaseStartHooks, nsenter.Op{Code: nsenter.OpHookEnv, Strs: [4]string{e}, Field: field + "/env"})
		}
	}
}
