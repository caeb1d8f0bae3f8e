package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/specerr"
)

// Options are the facts about this container that the spec does not hold.
type Options struct {
	Rootfs    string // absolute host path of the root filesystem
	Bundle    string // absolute bundle directory (relative bind sources)
	NoPivot   bool   // chroot after a move mount instead of pivot_root
	NewUserNS bool   // devices are bound from the host, not created
	// Unprivileged: rt has no privilege over the host's mounts (not root,
	// or root in a user namespace that is not the initial one). Devices
	// are bound, not created; bind sources are bound by the stage inside
	// the container's namespaces, never taken (open_tree) beforehand with
	// a privilege the caller lacks.
	Unprivileged bool
	CgroupPaths  map[string]string // hierarchy ("" for cgroup2) -> host directory of the container's cgroup
	CgroupRoot   string            // host mountpoint of the cgroup tree, e.g. /sys/fs/cgroup
	NewCgroupNS  bool
	// SysfsBind: a fresh sysfs cannot be mounted (a new user namespace
	// without a network namespace of its own), so /sys is bound from the
	// host instead, read-only, as runc does.
	SysfsBind bool
	// NoMountNS: the config lists no mount namespace, so the container
	// shares the host's; rt then only chroots (see sharedMountNS).
	NoMountNS bool
	Warn      func(string)
	// IDMapFds are the stage's fds of the user namespaces the caller made
	// for the id mappings IDMaps(spec) lists, each named by its mapping's
	// Key: an idmapped mount's op takes the fd of its own mapping's key.
	IDMapFds []nsenter.IDMapSlot
	// NotifySocket is a unix socket of the host bound at the same path in
	// the container, after the spec's mounts (see notifySocketMount); "":
	// none.
	NotifySocket string
	// HostMounts are the mounts of rt's mount namespace, which the
	// container's starts as a copy of (--no-pivot hides some); nil: read
	// from /proc/self/mountinfo.
	HostMounts []*mountinfo.Info
}

// FieldError is a problem with one field of the config (specerr's).
type FieldError = specerr.FieldError

func fieldErr(field string, format string, args ...any) error {
	return specerr.Errorf(field, format, args...)
}

// Result is the filesystem part of a plan, in the parts the plan's phases
// place (specconv/phases.go): what else runs between them is not rootfs's
// business.
type Result struct {
	// Early run in the stage before a new user namespace exists: they
	// take detached copies of bind sources while rt is still host root.
	Early []nsenter.Op
	// Mounts run in the init: prepare the rootfs, mounts, /dev, the cwd.
	Mounts []nsenter.Op
	// Switch makes the rootfs the root: pivot_root, or a move and chroot.
	Switch []nsenter.Op
	// InRoot run inside the new root: read-only mounts, masked and
	// read-only paths, the read-only root, the root's propagation.
	InRoot []nsenter.Op
}

// Ops is the whole filesystem part in order, without what the plan puts
// between the parts.
func (r Result) Ops() []nsenter.Op {
	return append(append(append([]nsenter.Op(nil), r.Mounts...), r.Switch...), r.InRoot...)
}

// Plan returns the ops that build the container's filesystem.
func Plan(spec *specs.Spec, o Options) (Result, error) {
	b := &builder{spec: spec, o: o}
	if o.NoMountNS {
		return b.sharedMountNS(), nil
	}
	if err := b.prepare(); err != nil {
		return Result{}, err
	}
	for _, m := range b.defaultDevMounts() {
		if err := b.mount(m, "/mounts"); err != nil {
			return Result{}, err
		}
	}
	for i, m := range spec.Mounts {
		if err := b.mount(m, fmt.Sprintf("/mounts/%d", i)); err != nil {
			return Result{}, err
		}
	}
	if err := b.notifySocketMount(); err != nil {
		return Result{}, err
	}
	if err := b.devices(); err != nil {
		return Result{}, err
	}
	// A cwd missing from the image is created, as runc does.
	if p := spec.Process; p != nil && p.Cwd != "" && p.Cwd != "/" {
		b.add(nsenter.Op{Code: nsenter.OpMkdir, Strs: [4]string{cleanDest(p.Cwd)}, Args: [3]int64{0755},
			Flags: nsenter.FlagInRoot, Field: "/process/cwd"})
	}
	res := Result{Mounts: b.take()}
	if err := b.switchRoot(); err != nil {
		return Result{}, err
	}
	res.Switch = b.take()
	if err := b.finish(); err != nil {
		return Result{}, err
	}
	res.InRoot = b.take()
	closeIDMapFds(b.early)
	res.Early = b.early
	return res, nil
}

type builder struct {
	spec  *specs.Spec
	o     Options
	trees int // tree slots used by OP_OPEN_TREE
	early []nsenter.Op
	ops   []nsenter.Op
	late  []nsenter.Op // read-only flags applied in finish (readonlyLater)
}

func (b *builder) add(ops ...nsenter.Op) { b.ops = append(b.ops, ops...) }

// take returns the ops added since the last take.
func (b *builder) take() []nsenter.Op {
	ops := b.ops
	b.ops = nil
	return ops
}

// prepare stops mount events from reaching the host, makes the rootfs a
// mount point of its own (pivot_root needs one) and opens it.
func (b *builder) prepare() error {
	rootProp := uintptr(unix.MS_SLAVE | unix.MS_REC)
	if p := b.linuxRootfsPropagation(); p != "" {
		f, err := PropagationFlags(p)
		if err != nil {
			return fieldErr("/linux/rootfsPropagation", "%v", err)
		}
		rootProp = f
	}
	b.add(nsenter.Op{Code: nsenter.OpMount, Strs: [4]string{"", "/"}, Args: [3]int64{int64(rootProp)},
		Field: "/linux/rootfsPropagation"})
	// pivot_root refuses a new root whose parent mount is shared. Only a
	// shared rootfsPropagation leaves it shared; otherwise it stays a slave
	// so that bind mounts from it still receive the host's mount events.
	// (The mount table is read only then: a read costs a fresh process
	// 0.1 ms, and thousands of mounts cost far more.)
	if rootProp&unix.MS_SHARED != 0 {
		if parent, err := parentMount(b.o.Rootfs); err == nil {
			b.add(nsenter.Op{Code: nsenter.OpMount, Strs: [4]string{"", parent},
				Args: [3]int64{unix.MS_PRIVATE}, Field: "/root/path"})
		}
	}
	b.add(
		nsenter.Op{Code: nsenter.OpMount, Strs: [4]string{b.o.Rootfs, b.o.Rootfs},
			Args: [3]int64{unix.MS_BIND | unix.MS_REC}, Field: "/root/path"},
		nsenter.Op{Code: nsenter.OpOpenRoot, Strs: [4]string{b.o.Rootfs}, Field: "/root/path"},
	)
	return nil
}

func (b *builder) linuxRootfsPropagation() string {
	if b.spec.Linux == nil {
		return ""
	}
	return b.spec.Linux.RootfsPropagation
}

// parentMount is the mount point of the mount that holds path.
func parentMount(p string) (string, error) {
	mounts, err := mountinfo.GetMounts(mountinfo.ParentsFilter(p))
	if err != nil || len(mounts) == 0 {
		return "", fmt.Errorf("no mount holds %s", p)
	}
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i].Mountpoint) > len(mounts[j].Mountpoint) })
	return mounts[0].Mountpoint, nil
}

// cleanDest makes a mount destination absolute and clean; runc accepts
// relative ones as relative to the root, so rt does too.
func cleanDest(d string) string {
	return path.Clean("/" + d)
}

func (b *builder) mount(m specs.Mount, field string) error {
	if m.Destination == "" {
		return fieldErr(field+"/destination", "empty mount destination")
	}
	if strings.IndexByte(m.Destination, 0) >= 0 {
		return fieldErr(field+"/destination", "contains a NUL byte")
	}
	dest := cleanDest(m.Destination)
	opts, err := parseOptions(m.Options)
	if err != nil {
		return fieldErr(field+"/options", "%v", err)
	}
	idmap, mode, err := mountIDMap(b.spec, m, opts, field)
	if err != nil {
		return err
	}
	switch {
	case isBind(m):
		err = b.bindMount(m, dest, opts, field, idmap, mode)
	case m.Type == "sysfs" && b.o.SysfsBind:
		m = specs.Mount{Destination: m.Destination, Type: "bind", Source: "/sys"}
		opts.flags |= unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY
		err = b.bindMount(m, dest, opts, field, IDMap{}, noIDMap)
	case m.Type == "cgroup" || m.Type == "cgroup2":
		err = b.cgroupMount(m, dest, opts, field)
	default:
		flags := b.readonlyLater(m, dest, opts.flags, field)
		mount := nsenter.Op{Code: nsenter.OpMount, Strs: [4]string{m.Source, dest, m.Type, opts.data},
			Args: [3]int64{int64(flags)}, Flags: nsenter.FlagInRoot, Field: field}
		if opts.copyUp {
			if m.Type != "tmpfs" {
				return fieldErr(field+"/options", "tmpcopyup needs a tmpfs mount, not %q", m.Type)
			}
			mount.Flags |= nsenter.FlagCopyUp
		}
		if m.Type == "tmpfs" && !hasModeOption(opts.data) {
			// The stage makes a missing directory itself: only one that
			// was there gives the tmpfs its mode, as in runc.
			mount.Flags |= nsenter.FlagTmpfsMode
			b.add(mount)
			break
		}
		mkdir := nsenter.Op{Code: nsenter.OpMkdir, Strs: [4]string{dest}, Args: [3]int64{0755}, Flags: nsenter.FlagInRoot, Field: field + "/destination"}
		if m.Type == "proc" || m.Type == "sysfs" {
			// as runc: never through a symlink
			mount.Flags |= nsenter.FlagOrdinaryDir
			mkdir.Flags |= nsenter.FlagOrdinaryDir
		}
		b.add(mkdir, mount)
	}
	if err != nil {
		return err
	}
	b.recursiveAttrs(dest, opts, field)
	b.propagation(dest, opts, field)
	return nil
}

// NotifySocketField is what the ops of the NOTIFY_SOCKET bind name instead
// of a config field: the variable of rt's environment it comes from.
const NotifySocketField = "$NOTIFY_SOCKET"

// notifySocketMount binds the caller's NOTIFY_SOCKET at the same path, so
// that sd_notify inside the container reaches it. Its ops name the
// variable, not a /mounts entry: config.json does not have it.
func (b *builder) notifySocketMount() error {
	if b.o.NotifySocket == "" {
		return nil
	}
	ops, early := len(b.ops), len(b.early)
	m := specs.Mount{Destination: b.o.NotifySocket, Source: b.o.NotifySocket, Type: "bind",
		Options: []string{"bind", "nosuid", "nodev", "noexec"}}
	if err := b.mount(m, NotifySocketField); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			fe.Field = NotifySocketField
		}
		return err
	}
	for i := ops; i < len(b.ops); i++ {
		b.ops[i].Field = NotifySocketField
	}
	for i := early; i < len(b.early); i++ {
		b.early[i].Field = NotifySocketField
	}
	return nil
}

// readonlyLater returns the flags to mount with: a read-only tmpfs or /dev
// is mounted writable, so that what goes in it (device nodes, /dev/pts,
// tmpcopyup, the mode) can be made, and turns read-only once the root is
// set up, as runc does. Only that mount turns read-only, not those on it.
func (b *builder) readonlyLater(m specs.Mount, dest string, flags uintptr, field string) uintptr {
	if flags&unix.MS_RDONLY == 0 || (m.Type != "tmpfs" && dest != "/dev") {
		return flags
	}
	b.late = append(b.late, nsenter.Op{Code: nsenter.OpMountSetattr, Strs: [4]string{"", dest},
		Args: [3]int64{unix.MOUNT_ATTR_RDONLY, 0, 0}, Flags: nsenter.FlagInRoot, Field: field + "/options"})
	return flags &^ unix.MS_RDONLY
}

// recursiveAttrs applies the r* options to the mount just made and to
// every mount below it, so that `rbind,rro` leaves no submount writable.
func (b *builder) recursiveAttrs(dest string, opts parsedOptions, field string) {
	if opts.attrSet == 0 && opts.attrClr == 0 {
		return
	}
	b.add(nsenter.Op{Code: nsenter.OpMountSetattr, Strs: [4]string{"", dest},
		Args: [3]int64{int64(opts.attrSet), int64(opts.attrClr), unix.AT_RECURSIVE}, Flags: nsenter.FlagInRoot, Field: field + "/options"})
}

func (b *builder) propagation(dest string, opts parsedOptions, field string) {
	for _, p := range opts.propagation {
		b.add(nsenter.Op{Code: nsenter.OpMount, Strs: [4]string{"", dest}, Args: [3]int64{int64(p)},
			Flags: nsenter.FlagInRoot, Field: field + "/options"})
	}
}

// bindMount binds a host path; its mount point is a directory or a file
// like the source. Flags other than bind need a remount to take effect.
// An idmapped bind is a detached copy of the source given its mapping
// before it is attached; so is every bind in a new user namespace.
func (b *builder) bindMount(m specs.Mount, dest string, opts parsedOptions, field string, idmap IDMap, mode idmapMode) error {
	src := m.Source
	if !filepath.IsAbs(src) {
		src = filepath.Join(b.o.Bundle, src)
	}
	st, err := os.Stat(src)
	if err != nil {
		return fieldErr(field+"/source", "bind source: %v", err)
	}
	mk := nsenter.Op{Code: nsenter.OpMkdir, Strs: [4]string{dest}, Args: [3]int64{0755}, Flags: nsenter.FlagInRoot, Field: field + "/destination"}
	if !st.IsDir() {
		mk.Code, mk.Args[0] = nsenter.OpMkfile, 0644
	}
	bindFlags := opts.flags & (unix.MS_BIND | unix.MS_REC)
	mount := nsenter.Op{Code: nsenter.OpMount, Strs: [4]string{src, dest}, Args: [3]int64{int64(bindFlags | unix.MS_BIND)},
		Flags: nsenter.FlagInRoot, Field: field}
	if (b.o.NewUserNS && !b.o.Unprivileged) || mode != noIDMap {
		// The source is taken as host root, before the user namespace:
		// from inside it, a 0700 parent directory would hide it, and the
		// kernel sets an id mapping only for a caller privileged over the
		// source's filesystem. An unprivileged rt has no such power: its
		// binds are made inside, with what the container's root may reach.
		slot := b.trees
		b.trees++
		if slot >= nsenter.MaxTrees {
			return fieldErr(field, "more than %d bind mounts", nsenter.MaxTrees)
		}
		recursive := int64(0)
		if bindFlags&unix.MS_REC != 0 {
			recursive = unix.AT_RECURSIVE
		}
		b.early = append(b.early, nsenter.Op{Code: nsenter.OpOpenTree, Strs: [4]string{src},
			Args: [3]int64{int64(slot), recursive}, Field: field + "/source"})
		if mode != noIDMap {
			b.early = append(b.early, b.idmapOp(idmap, mode, slot, src, field))
		}
		mount.Flags |= nsenter.FlagSrcTree
		mount.Args[1] = int64(slot)
	}
	b.add(mk, mount)
	if extra := opts.flags &^ (unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT); extra != 0 {
		b.remount(dest, extra, keptFlags(opts), field+"/options")
	}
	return nil
}

// switchRoot makes the rootfs the container's /. With --no-pivot the old
// root stays in the mount namespace under the moved rootfs, and a full
// procfs or sysfs mount there would let the container mount a fresh one,
// without masked paths, from a new user namespace (the kernel allows it
// when such a mount is visible in the namespace): each is detached first,
// as runc does.
func (b *builder) switchRoot() error {
	if !b.o.NoPivot {
		b.add(nsenter.Op{Code: nsenter.OpPivotRoot, Strs: [4]string{b.o.Rootfs}, Field: "/root/path"})
		return nil
	}
	mounts := b.o.HostMounts
	if mounts == nil {
		var err error
		if mounts, err = mountinfo.GetMounts(nil); err != nil {
			return fmt.Errorf("--no-pivot: reading the host's mounts: %w", err)
		}
	}
	for _, h := range hostProcSysMounts(mounts, b.o.Rootfs) {
		b.add(nsenter.Op{Code: nsenter.OpHideMount, Strs: [4]string{h.path}, Args: [3]int64{int64(h.stacked)},
			Flags: nsenter.FlagSkipMissing, Field: "/root/path"})
	}
	b.add(nsenter.Op{Code: nsenter.OpMoveRoot, Strs: [4]string{b.o.Rootfs}, Field: "/root/path"})
	return nil
}

// hiddenMount is a mount point to empty: stacked mounts are there, at
// least one of them a full procfs or sysfs.
type hiddenMount struct {
	path    string
	stacked int
}

// hostProcSysMounts lists the mount points of full procfs and sysfs
// mounts (their filesystem's root mounted) outside the rootfs, parents
// first: what a chrooted container must not have in its namespace.
// Every mount stacked on such a mount point goes too (all of them are
// out of the container's reach after the chroot anyway). A submount of one
// is listed too; once its parent is gone it is missing, and skipped.
func hostProcSysMounts(mounts []*mountinfo.Info, rootfs string) []hiddenMount {
	roots := []string{filepath.Clean(rootfs)}
	if real, err := filepath.EvalSymlinks(rootfs); err == nil && real != roots[0] {
		roots = append(roots, real)
	}
	stacked := map[string]int{}
	for _, m := range mounts {
		stacked[m.Mountpoint]++
	}
	var out []hiddenMount
	seen := map[string]bool{}
	for _, m := range mounts {
		if m.Root != "/" || (m.FSType != "proc" && m.FSType != "sysfs") || underAny(m.Mountpoint, roots) ||
			seen[m.Mountpoint] {
			continue
		}
		seen[m.Mountpoint] = true
		out = append(out, hiddenMount{m.Mountpoint, stacked[m.Mountpoint]})
	}
	sort.SliceStable(out, func(i, j int) bool { return depth(out[i].path) < depth(out[j].path) })
	return out
}

func underAny(p string, roots []string) bool {
	for _, r := range roots {
		if p == r || strings.HasPrefix(p, strings.TrimSuffix(r, "/")+"/") {
			return true
		}
	}
	return false
}

func depth(p string) int { return strings.Count(path.Clean(p), "/") }

// finish runs inside the new root: read-only tmpfs mounts, masked and
// read-only paths, the read-only root, and the root's propagation (only now does "/" mean the
// container's root, so a shared or slave setting cannot reach the host's).
// Masked and read-only paths are mounted by fd, not through a procfs the
// container mounted (or failed to): only a path missing from the
// container is skipped.
func (b *builder) finish() error {
	b.add(b.late...)
	if l := b.spec.Linux; l != nil {
		for i, p := range l.MaskedPaths {
			b.add(nsenter.Op{Code: nsenter.OpMask, Strs: [4]string{cleanDest(p)}, Flags: nsenter.FlagSkipMissing,
				Field: fmt.Sprintf("/linux/maskedPaths/%d", i)})
		}
		for i, p := range l.ReadonlyPaths {
			b.add(nsenter.Op{Code: nsenter.OpReadonly, Strs: [4]string{cleanDest(p)}, Flags: nsenter.FlagSkipMissing,
				Field: fmt.Sprintf("/linux/readonlyPaths/%d", i)})
		}
	}
	if b.spec.Root != nil && b.spec.Root.Readonly {
		b.add(nsenter.Op{Code: nsenter.OpRemountKeep, Strs: [4]string{"", "/"}, Args: [3]int64{unix.MS_RDONLY, LockableFlags},
			Field: "/root/readonly"})
	}
	if p := b.linuxRootfsPropagation(); p != "" {
		f, _ := PropagationFlags(p)
		b.add(nsenter.Op{Code: nsenter.OpMount, Strs: [4]string{"", "/"}, Args: [3]int64{int64(f)}, Field: "/linux/rootfsPropagation"})
	}
	return nil
}

// sharedMountNS plans a container that shares the host's mount namespace
// (runtime-spec: an unlisted namespace is inherited). Every mount made
// there would be a mount on the host, and pivot_root would move the host's
// root, so rt only chroots into the rootfs and says what it leaves out.
func (b *builder) sharedMountNS() Result {
	warn := b.o.Warn
	if warn == nil {
		warn = func(string) {}
	}
	if n := len(b.spec.Mounts); n > 0 {
		warn(fmt.Sprintf("/linux/namespaces: no mount namespace: the %d mounts of /mounts are not made (rt never changes the host's mounts)", n))
	}
	if b.spec.Root != nil && b.spec.Root.Readonly {
		warn("/root/readonly: no mount namespace: the root cannot be made read-only without changing the host's mount")
	}
	if l := b.spec.Linux; l != nil && len(l.MaskedPaths)+len(l.ReadonlyPaths)+len(l.Sysctl) > 0 {
		warn("/linux: no mount namespace: maskedPaths, readonlyPaths and sysctl are not applied")
	}
	return Result{Switch: []nsenter.Op{{Code: nsenter.OpChroot, Strs: [4]string{b.o.Rootfs}, Field: "/root/path"}}}
}
