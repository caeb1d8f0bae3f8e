package rootfs

import (
	"path"
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// cgroupMount shows the container its own cgroup at dest. With a cgroup2
// only host and a new cgroup namespace that is a fresh cgroup2 mount; in
// every other case it is a tmpfs holding a bind of the container's own
// directory for each hierarchy (the container never sees its parents).
// An unprivileged rt binds the container's own directory on a cgroup2 only
// host too: the kernel refuses it a fresh cgroup2 (EBUSY: the hierarchy's
// superblock belongs to the initial user namespace), and runc binds it
// then.
func (b *builder) cgroupMount(m specs.Mount, dest string, opts parsedOptions, field string) error {
	mk := nsenter.Op{Code: nsenter.OpMkdir, Strs: [4]string{dest}, Args: [3]int64{0755}, Flags: nsenter.FlagInRoot, Field: field + "/destination"}
	flags := opts.flags &^ unix.MS_RDONLY
	onlyUnified := len(b.o.CgroupPaths) == 1 && b.o.CgroupPaths[""] != ""
	if onlyUnified && b.o.NewCgroupNS && !b.o.Unprivileged {
		b.add(mk, nsenter.Op{Code: nsenter.OpMount, Strs: [4]string{"cgroup2", dest, "cgroup2"},
			Args: [3]int64{int64(opts.flags)}, Flags: nsenter.FlagInRoot, Field: field})
		return nil
	}
	if onlyUnified {
		b.add(mk, nsenter.Op{Code: nsenter.OpMount, Strs: [4]string{b.o.CgroupPaths[""], dest},
			Args: [3]int64{unix.MS_BIND | unix.MS_REC}, Flags: nsenter.FlagInRoot, Field: field})
		b.readonly(dest, opts, field)
		return nil
	}
	b.add(mk, nsenter.Op{Code: nsenter.OpMount, Strs: [4]string{"tmpfs", dest, "tmpfs", "mode=755"},
		Args: [3]int64{int64(flags)}, Flags: nsenter.FlagInRoot, Field: field})
	names := make([]string, 0, len(b.o.CgroupPaths))
	for name := range b.o.CgroupPaths {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		sub := name
		if sub == "" {
			sub = "unified"
		}
		if len(sub) > 5 && sub[:5] == "name=" {
			sub = sub[5:]
		}
		target := path.Join(dest, sub)
		b.add(
			nsenter.Op{Code: nsenter.OpMkdir, Strs: [4]string{target}, Args: [3]int64{0755}, Flags: nsenter.FlagInRoot, Field: field},
			nsenter.Op{Code: nsenter.OpMount, Strs: [4]string{b.o.CgroupPaths[name], target},
				Args: [3]int64{unix.MS_BIND | unix.MS_REC}, Flags: nsenter.FlagInRoot, Field: field},
		)
		b.readonly(target, opts, field)
	}
	// The tmpfs itself goes read-only last, after its mount points exist.
	b.readonly(dest, opts, field)
	return nil
}

func (b *builder) readonly(target string, opts parsedOptions, field string) {
	keep := opts.flags & (unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)
	if keep == 0 {
		return
	}
	b.remount(target, keep, LockableFlags, field+"/options")
}
