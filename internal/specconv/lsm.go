package specconv

import (
	"fmt"
	"os"
	"strings"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// lsmEnabled reports whether the kernel runs the named LSM ("apparmor",
// "selinux"); a variable so that tests can stand in for a kernel.
var lsmEnabled = kernelLSMEnabled

// kernelLSMEnabled: /sys/kernel/security/lsm lists the LSMs; without
// securityfs mounted, the LSMs' own filesystems are the evidence.
func kernelLSMEnabled(name string) bool {
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
	return b.mountLabel()
}

// mountLabel applies linux.mountLabel as runc does: `context="LABEL"` is
// added to the data of every mount of a new filesystem (tmpfs, devpts,
// the tmpfs under a cgroup v1 tree, …) that the plan holds by now. Not to
// binds (the kernel ignores their data), nor to proc and sysfs (runc
// labels neither), nor to cgroup and cgroup2, nor to mqueue: one
// superblock serves all of an IPC namespace's mounts, and the kernel
// refuses a second context for it (runc labels the mount point's inode
// instead, which rt does not). The tmpfs that hides a masked directory is
// not labelled either (runc's is).
//
// Without SELinux the kernel knows no context option and fails the first
// mount that has one ("tmpfs: Unknown parameter 'context'", which is what
// runc then reports); rt says so before it starts.
func (b *planBuilder) mountLabel() error {
	if b.spec.Linux == nil || b.spec.Linux.MountLabel == "" {
		return nil
	}
	label := b.spec.Linux.MountLabel
	if !lsmEnabled("selinux") {
		return fieldErr("/linux/mountLabel", "mount label %q requested, but SELinux is not enabled in this kernel", label)
	}
	b.each(func(op *nsenter.Op) {
		if op.Code != nsenter.OpMount || !takesMountLabel(op.Strs[2]) {
			return
		}
		opt := fmt.Sprintf("context=%q", label)
		if op.Strs[3] != "" {
			opt = op.Strs[3] + "," + opt
		}
		op.Strs[3] = opt
	})
	return nil
}

// takesMountLabel: whether a mount of filesystem type fstype ("" for a
// bind, a move or a propagation change) gets the context option.
func takesMountLabel(fstype string) bool {
	switch fstype {
	case "", "bind", "proc", "sysfs", "mqueue", "cgroup", "cgroup2":
		return false
	}
	return true
}
