package nsenter

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestOpString(t *testing.T) {
	for _, c := range []struct {
		op   Op
		want string
	}{
		{Op{Code: OpSetns, Strs: [4]string{"/run/netns/a"}, Args: [3]int64{unix.CLONE_NEWNET}, Field: "/linux/namespaces/1/path"},
			"setns network /run/netns/a  # /linux/namespaces/1/path"},
		{Op{Code: OpUnshare, Args: [3]int64{unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWUSER}},
			"unshare user|mount|pid"},
		{Op{Code: OpMount, Strs: [4]string{"proc", "/proc", "proc", ""}, Flags: FlagInRoot},
			`mount "proc" on /proc type "proc" flags=0 data="" (in rootfs)`},
		{Op{Code: OpMount, Strs: [4]string{"", "/"}, Args: [3]int64{unix.MS_SLAVE | unix.MS_REC | 1<<40}},
			`mount "" on / type "" flags=rec|slave|0x10000000000 data=""`},
		{Op{Code: OpRemountKeep, Strs: [4]string{"", "/sys"}, Args: [3]int64{unix.MS_RDONLY | unix.MS_NOSUID},
			Flags: FlagInRoot | FlagSkipMissing}, "remount /sys adding ro|nosuid (in rootfs) (if present)"},
		{Op{Code: OpMknod, Strs: [4]string{"/dev/null"}, Args: [3]int64{unix.S_IFCHR | 0666, int64(unix.Mkdev(1, 3)), 5<<32 | 6}},
			"mknod /dev/null mode=020666 dev=1:3 uid=5 gid=6"},
		{Op{Code: OpSymlink, Strs: [4]string{"pts/ptmx", "/dev/ptmx"}}, "symlink /dev/ptmx -> pts/ptmx"},
		{Op{Code: OpMkfile, Strs: [4]string{"/etc/hosts"}, Args: [3]int64{0644}, Flags: FlagOptional}, "mkfile /etc/hosts mode=0644 (optional)"},
		{Op{Code: OpCaps, Args: [3]int64{1, 3, 0}}, "caps effective=0x1 permitted=0x3 inheritable=0x0"},
		{Op{Code: OpSeccomp, Args: [3]int64{unix.SECCOMP_FILTER_FLAG_TSYNC | unix.SECCOMP_FILTER_FLAG_LOG | unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW, 9 * 8}},
			"seccomp 9 instructions flags=tsync|log|spec_allow"},
		{Op{Code: OpSeccomp, Args: [3]int64{0, 8}}, "seccomp 1 instructions flags=0"},
		{Op{Code: OpExec}, "exec"},
		{Op{Code: OpArg, Strs: [4]string{"echo hi"}}, `arg "echo hi"`},
		{Op{Code: Code(999)}, "op999"},
	} {
		if got := c.op.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

// `rt plan` prints umask 0022 as "umask 18": a mode is read in octal.
func TestUmaskShownInOctal(t *testing.T) {
	if got := (Op{Code: OpUmask, Args: [3]int64{0o022}}).String(); got != "umask 0022" && got != "umask 022" {
		t.Errorf("String() = %q, want umask 0022", got)
	}
}
