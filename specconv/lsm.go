package specconv

import (
	"os"
	"strings"

	"github.com/rt-runtime/rt/nsenter"
)

// lsmEnabled reports whether the kernel runs the named LSM ("apparmor",
// "selinux"). /sys/kernel/security/lsm lists them; without securityfs
// mounted, the LSMs' own filesystems are the evidence.
func lsmEnabled(name string) bool {
	if data, err := os.ReadFile("/sys/kernel/security/lsm"); err == nil {
		for _, l := range strings.Split(strings.TrimSpace(string(data)), ",") {
			if l == name {
				return true
			}
		}
		return false
	}
	switch name {
	case "apparmor":
		_, err := os.Stat("/sys/module/apparmor/parameters/enabled")
		return err == nil
	case "selinux":
		_, err := os.Stat("/sys/fs/selinux/enforce")
		return err == nil
	}
	return false
}

// lsmOps labels the process for its exec: an AppArmor profile or an
// SELinux label is written to the init's own attr file, through the
// container's /proc, checked to be a procfs. Asking for a label the kernel
// cannot apply is an error: a container must not run unconfined by surprise.
func (b *planBuilder) lsmOps() error {
	p := b.proc
	if p.ApparmorProfile != "" {
		if !lsmEnabled("apparmor") {
			return fieldErr("/process/apparmorProfile", "AppArmor profile %q requested, but AppArmor is not enabled in this kernel", p.ApparmorProfile)
		}
		b.add(nsenter.Op{Code: nsenter.OpWriteFile, Flags: nsenter.FlagInRoot | nsenter.FlagProcfs,
			Strs: [4]string{"/proc/self/attr/apparmor/exec", "exec " + p.ApparmorProfile}, Field: "/process/apparmorProfile"})
	}
	if p.SelinuxLabel != "" {
		if !lsmEnabled("selinux") {
			return fieldErr("/process/selinuxLabel", "SELinux label %q requested, but SELinux is not enabled in this kernel", p.SelinuxLabel)
		}
		b.add(nsenter.Op{Code: nsenter.OpWriteFile, Flags: nsenter.FlagInRoot | nsenter.FlagProcfs,
			Strs: [4]string{"/proc/self/attr/exec", p.SelinuxLabel}, Field: "/process/selinuxLabel"})
	}
	if b.spec.Linux != nil && b.spec.Linux.MountLabel != "" && !lsmEnabled("selinux") {
		return fieldErr("/linux/mountLabel", "mount label %q requested, but SELinux is not enabled in this kernel", b.spec.Linux.MountLabel)
	}
	return nil
}
