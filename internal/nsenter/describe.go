package nsenter

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

var opNames = map[Code]string{
	OpSetns: "setns", OpUnshare: "unshare", OpUsermap: "write-id-maps", OpSetidRoot: "become-root",
	OpFork: "fork-init", OpSync: "sync", OpSetsid: "setsid", OpOpenRoot: "open-rootfs",
	OpMount: "mount", OpRemountKeep: "remount", OpMkdir: "mkdir", OpMkfile: "mkfile",
	OpMknod: "mknod", OpSymlink: "symlink", OpPivotRoot: "pivot_root", OpMoveRoot: "move-root+chroot",
	OpSethostname: "sethostname", OpSetdomainname: "setdomainname", OpWriteFile: "write",
	OpConsole: "console", OpRlimit: "rlimit", OpGroup: "group", OpUser: "user", OpUmask: "umask",
	OpCapsBounding: "caps-bounding", OpCaps: "caps", OpCapsAmbient: "caps-ambient",
	OpNoNewPrivs: "no_new_privs", OpChdir: "chdir", OpArg: "arg", OpEnv: "env",
	OpCloseFrom: "close-from", OpReady: "ready", OpWaitStart: "wait-start",
	OpFindExec: "find-exec", OpExec: "exec", OpMask: "mask", OpKeyring: "session-keyring", OpOpenTree: "open_tree", OpHook: "hook", OpHookArg: "hook-arg", OpHookEnv: "hook-env", OpSeccomp: "seccomp", OpSched: "sched_setattr", OpIoprio: "ioprio_set", OpPersonality: "personality", OpAffinity: "sched_setaffinity", OpChroot: "chroot",
	OpMountSetattr: "mount_setattr", OpIdmapTree: "idmap",
	OpReadonly: "readonly", OpHideMount: "hide-mount", OpPasswdHome: "home-from-passwd",
	OpMempolicy: "set_mempolicy",
}

// Name is the op's name as `rt plan` prints it.
func (c Code) Name() string {
	if n, ok := opNames[c]; ok {
		return n
	}
	return fmt.Sprintf("op%d", uint32(c))
}

// msNames names mount(2) flag bits for display only.
var msNames = []struct {
	flag int64
	name string
}{
	{unix.MS_RDONLY, "ro"}, {unix.MS_NOSUID, "nosuid"}, {unix.MS_NODEV, "nodev"},
	{unix.MS_NOEXEC, "noexec"}, {unix.MS_SYNCHRONOUS, "sync"}, {unix.MS_REMOUNT, "remount"},
	{unix.MS_MANDLOCK, "mand"}, {unix.MS_DIRSYNC, "dirsync"}, {unix.MS_NOSYMFOLLOW, "nosymfollow"},
	{unix.MS_NOATIME, "noatime"}, {unix.MS_NODIRATIME, "nodiratime"}, {unix.MS_BIND, "bind"},
	{unix.MS_MOVE, "move"}, {unix.MS_REC, "rec"}, {unix.MS_SILENT, "silent"},
	{unix.MS_UNBINDABLE, "unbindable"}, {unix.MS_PRIVATE, "private"}, {unix.MS_SLAVE, "slave"},
	{unix.MS_SHARED, "shared"}, {unix.MS_RELATIME, "relatime"}, {unix.MS_STRICTATIME, "strictatime"},
	{unix.MS_LAZYTIME, "lazytime"},
}

// attrNames names mount_setattr(2) attributes for display only. The atime
// field is a value, shown by describeAttrs.
var attrNames = []struct {
	flag int64
	name string
}{
	{unix.MOUNT_ATTR_RDONLY, "ro"}, {unix.MOUNT_ATTR_NOSUID, "nosuid"}, {unix.MOUNT_ATTR_NODEV, "nodev"},
	{unix.MOUNT_ATTR_NOEXEC, "noexec"}, {unix.MOUNT_ATTR_NODIRATIME, "nodiratime"},
	{unix.MOUNT_ATTR_IDMAP, "idmap"}, {unix.MOUNT_ATTR_NOSYMFOLLOW, "nosymfollow"},
}

// seccompFlagNames names the SECCOMP_FILTER_FLAG_* bits for display only.
var seccompFlagNames = []struct {
	flag int64
	name string
}{
	{unix.SECCOMP_FILTER_FLAG_TSYNC, "tsync"}, {unix.SECCOMP_FILTER_FLAG_LOG, "log"},
	{unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW, "spec_allow"}, {unix.SECCOMP_FILTER_FLAG_NEW_LISTENER, "new_listener"},
	{unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH, "tsync_esrch"},
	{unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, "wait_killable_recv"},
}

// describeAttrs renders an attr_set value; withAtime: the op sets the
// atime field (attr_clr holds it), whose value is then named too.
func describeAttrs(v int64, withAtime bool) string {
	s := flagNames(v&^unix.MOUNT_ATTR__ATIME, attrNames)
	if !withAtime {
		return s
	}
	var a string
	switch v & unix.MOUNT_ATTR__ATIME {
	case unix.MOUNT_ATTR_RELATIME:
		a = "relatime"
	case unix.MOUNT_ATTR_NOATIME:
		a = "noatime"
	case unix.MOUNT_ATTR_STRICTATIME:
		a = "strictatime"
	default:
		a = fmt.Sprintf("atime=%#x", v&unix.MOUNT_ATTR__ATIME)
	}
	if s == "0" {
		return a
	}
	return s + "|" + a
}

func flagNames(v int64, table []struct {
	flag int64
	name string
}) string {
	var names []string
	for _, f := range table {
		if v&f.flag != 0 {
			names = append(names, f.name)
			v &^= f.flag
		}
	}
	if v != 0 {
		names = append(names, fmt.Sprintf("%#x", v))
	}
	if len(names) == 0 {
		return "0"
	}
	return strings.Join(names, "|")
}

// String renders the op as one readable line.
func (o Op) String() string {
	s := o.describe()
	if o.Flags&FlagInRoot != 0 {
		s += " (in rootfs)"
	}
	if o.Flags&FlagCopyUp != 0 {
		s += " (copy up)"
	}
	if o.Flags&FlagTmpfsMode != 0 {
		s += " (mode of the directory it covers)"
	}
	if o.Flags&FlagCloseFd != 0 {
		s += " (then closes the fd)"
	}
	if o.Flags&FlagSkipMissing != 0 {
		s += " (if present)"
	}
	if o.Flags&FlagOptional != 0 {
		s += " (optional)"
	}
	if o.Flags&FlagDeferDenied != 0 {
		s += " (as rt; a denial is left to the op as the user)"
	}
	if o.Flags&FlagRedo != 0 {
		s += " (as the user, only if denied to rt)"
	}
	s += describeFallbacks(o.Flags)
	if o.Field != "" {
		s += "  # " + o.Field
	}
	return s
}

func (o Op) describe() string {
	if line, ok := o.describeFS(); ok {
		return line
	}
	if line, ok := o.describeProcess(); ok {
		return line
	}
	var parts []string
	for _, str := range o.Strs {
		if str != "" {
			parts = append(parts, fmt.Sprintf("%q", str))
		}
	}
	return strings.TrimSpace(o.Code.Name() + " " + strings.Join(parts, " "))
}

// describeFS renders the namespace, mount and file ops; false for others.
func (o Op) describeFS() (string, bool) {
	n := o.Code.Name()
	a, s := o.Args, o.Strs
	switch o.Code {
	case OpSetns:
		return fmt.Sprintf("%s %s %s", n, flagNames(a[0], nsNames), s[0]), true
	case OpUnshare:
		return fmt.Sprintf("%s %s", n, flagNames(a[0], nsNames)), true
	case OpOpenTree:
		return fmt.Sprintf("%s %s slot=%d recursive=%t", n, s[0], a[0], a[1] != 0), true
	case OpMount:
		if o.Flags&FlagSrcTree != 0 {
			return fmt.Sprintf("%s tree-slot %d on %s", n, a[1], s[1]), true
		}
		return fmt.Sprintf("%s %q on %s type %q flags=%s data=%q", n, s[0], s[1], s[2], flagNames(a[0], msNames), s[3]), true
	case OpMountSetattr:
		atime := a[1]&unix.MOUNT_ATTR__ATIME != 0
		clr := flagNames(a[1]&^unix.MOUNT_ATTR__ATIME, attrNames)
		if atime {
			clr = strings.TrimPrefix(clr+"|atime", "0|")
		}
		return fmt.Sprintf("%s %s set=%s clear=%s recursive=%t", n, s[1], describeAttrs(a[0], atime), clr,
			a[2]&unix.AT_RECURSIVE != 0), true
	case OpIdmapTree:
		return fmt.Sprintf("%s %s slot=%d userns-fd=%d recursive=%t", n, s[0], a[0], a[1], a[2]&unix.AT_RECURSIVE != 0), true
	case OpHideMount:
		return fmt.Sprintf("%s %s mounts=%d", n, s[0], a[0]), true
	case OpRemountKeep:
		if dropped := LockableFlags &^ a[1]; dropped != 0 && a[1] != 0 {
			return fmt.Sprintf("%s %s adding %s, not repeating the mount's %s", n, s[1], flagNames(a[0], msNames), flagNames(dropped, msNames)), true
		}
		return fmt.Sprintf("%s %s adding %s", n, s[1], flagNames(a[0], msNames)), true
	case OpMkdir, OpMkfile:
		return fmt.Sprintf("%s %s mode=%#o", n, s[0], a[0]), true
	case OpMknod:
		return fmt.Sprintf("%s %s mode=%#o dev=%d:%d uid=%d gid=%d", n, s[0], a[0],
			unix.Major(uint64(a[1])), unix.Minor(uint64(a[1])), a[2]>>32, a[2]&0xffffffff), true
	case OpSymlink:
		return fmt.Sprintf("%s %s -> %s", n, s[1], s[0]), true
	case OpWriteFile:
		return fmt.Sprintf("%s %s %q", n, s[0], s[1]), true
	}
	return "", false
}

// describeProcess renders the process, sync and exec ops; false for others.
func (o Op) describeProcess() (string, bool) {
	n := o.Code.Name()
	a, s := o.Args, o.Strs
	switch o.Code {
	case OpMempolicy:
		return fmt.Sprintf("%s mode=%#x nodes=%q (%s)", n, a[0], s[0], s[1]), true
	case OpRlimit:
		return fmt.Sprintf("%s %d soft=%d hard=%d", n, a[0], a[1], a[2]), true
	case OpCapsBounding, OpCapsAmbient:
		return fmt.Sprintf("%s %#x", n, a[0]), true
	case OpCaps:
		return fmt.Sprintf("%s effective=%#x permitted=%#x inheritable=%#x", n, a[0], a[1], a[2]), true
	case OpUser:
		return fmt.Sprintf("%s uid=%d gid=%d", n, a[0], a[1]), true
	case OpUmask:
		return fmt.Sprintf("%s %#o", n, a[0]), true
	case OpSync:
		if s[0] != "" { // what the parent writes (time offsets)
			return fmt.Sprintf("%s %d %q", n, a[0], s[0]), true
		}
		if o.Flags&FlagDumpable != 0 {
			return fmt.Sprintf("%s %d (dumpable while it waits)", n, a[0]), true
		}
		return fmt.Sprintf("%s %d", n, a[0]), true
	case OpGroup, OpCloseFrom, OpWaitStart:
		return fmt.Sprintf("%s %d", n, a[0]), true
	case OpSeccomp: // the program is binary: its size, not its bytes
		return fmt.Sprintf("%s %d instructions flags=%s", n, a[1]/8, flagNames(a[0], seccompFlagNames)), true
	case OpConsole:
		return o.describeConsole(), true
	case OpAffinity:
		return n + " every cpu", s[0] == ""
	case OpPasswdHome:
		return fmt.Sprintf("%s %s uid=%d", n, s[0], a[0]), true
	case OpFindExec:
		return describeFindExec(n, s[0], a[0] != 0), true
	}
	return "", false
}

func (o Op) describeConsole() string {
	a := o.Args
	line := fmt.Sprintf("%s socket-fd=%d rows=%d cols=%d", o.Code.Name(), a[0], a[1]>>16, a[1]&0xffff)
	if a[2] >= 0 {
		line += fmt.Sprintf(" owner=%d", a[2])
	}
	if o.Flags&FlagClearONLCR != 0 {
		line += " -onlcr"
	}
	return line
}

// describeFindExec lists the paths the op tries, in order (plan.h).
func describeFindExec(name, list string, search bool) string {
	var paths []string
	for _, p := range strings.Split(strings.TrimSuffix(list, "\x00"), "\x00") {
		if p != "" {
			paths = append(paths, fmt.Sprintf("%q", p))
		}
	}
	if search {
		name += " in $PATH"
	}
	return strings.TrimSpace(name + " " + strings.Join(paths, " "))
}

// fallbackNames: what `rt plan` says of each fallback flag (plan.h).
var fallbackNames = []struct {
	flag uint32
	text string
}{
	{FlagFdLoop, " (fallback: each fd below the open-files limit)"},
	{FlagChmodByProc, " (fallback: chmod through /proc/self/fd)"},
	{FlagRemountByProc, " (fallback: remount through the container's /proc)"},
	{FlagKeepLocked, " (keeps the mount's locked flags)"},
	{FlagAlarmTimeout, " (fallback: timeout by alarm without a pidfd)"},
	{FlagNosysOK, " (not needed without the syscall)"},
	{FlagOwnerAsIs, " (owner as is if refused)"},
	{FlagCoverLocked, " (covered by a tmpfs where locked)"},
}

// DescribeFlags renders the plan's own flags as `rt plan` prints them
// before its ops; "" when none is set.
func (p *Plan) DescribeFlags() string {
	if p.Flags&PlanKeepLeaked != 0 {
		return "fds above the plan's left to close-from (fallback: no close_range)"
	}
	return ""
}

func describeFallbacks(flags uint32) string {
	s := ""
	for _, f := range fallbackNames {
		if flags&f.flag != 0 {
			s += f.text
		}
	}
	return s
}
