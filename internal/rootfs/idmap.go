package rootfs

import (
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// maxIDMapLines is the kernel's limit on the lines of a uid_map or gid_map.
const maxIDMapLines = 340

// IDMap is the id mapping of an idmapped bind mount (config.md "mounts":
// uidMappings, gidMappings, the idmap and ridmap options). The kernel takes
// it as a user namespace holding these maps (mount_setattr with
// MOUNT_ATTR_IDMAP). As in a user namespace's uid_map, an id stored in the
// source filesystem is looked up in the containerID column and shows
// through the mount as the hostID one: with containerID 0, hostID 1000, a
// file of uid 0 on disk is owned by 1000 in the mount, which a container
// whose user namespace maps 0 to 1000 sees as its root. This is runc's and
// crun's reading of the spec.
type IDMap struct {
	UIDMappings []specs.LinuxIDMapping
	GIDMappings []specs.LinuxIDMapping
}

// Key identifies a mapping, so that mounts with the same one share a user
// namespace: the stage's fd table names each namespace's slot by it.
func (m IDMap) Key() string {
	var b strings.Builder
	for _, x := range m.UIDMappings {
		fmt.Fprintf(&b, "u%d:%d:%d,", x.ContainerID, x.HostID, x.Size)
	}
	for _, x := range m.GIDMappings {
		fmt.Fprintf(&b, "g%d:%d:%d,", x.ContainerID, x.HostID, x.Size)
	}
	return b.String()
}

// IDMaps lists the distinct id mappings of the spec's idmapped mounts, in
// the order of the first mount using each. The caller makes a user
// namespace holding each one, hands their fds to the C stage in slots
// named by Key (nsenter.FdNeeds.IDMaps), and passes those slots to Plan
// (Options.IDMapFds), which finds each mount's fd by its mapping's key.
// A mount whose mapping is invalid is left out: Plan reports it.
func IDMaps(spec *specs.Spec) []IDMap {
	if !hasMountNamespace(spec) {
		return nil // rt makes no mounts then (Options.NoMountNS)
	}
	var maps []IDMap
	seen := map[string]bool{}
	for i, m := range spec.Mounts {
		opts, err := parseOptions(m.Options)
		if err != nil {
			continue
		}
		idmap, mode, err := mountIDMap(spec, m, opts, fmt.Sprintf("/mounts/%d", i))
		if err != nil || mode == noIDMap || seen[idmap.Key()] {
			continue
		}
		seen[idmap.Key()] = true
		maps = append(maps, idmap)
	}
	return maps
}

// IDMapKeys are the keys of maps, in order: the slots of the stage's fd
// table (nsenter.FdNeeds.IDMaps).
func IDMapKeys(maps []IDMap) []string {
	keys := make([]string, 0, len(maps))
	for _, m := range maps {
		keys = append(keys, m.Key())
	}
	return keys
}

// userNamespace reports whether the spec asks for a new user namespace or
// joins one by path.
func userNamespace(spec *specs.Spec) (isNew, joined bool) {
	if spec.Linux == nil {
		return false, false
	}
	for _, ns := range spec.Linux.Namespaces {
		if ns.Type == specs.UserNamespace {
			return ns.Path == "", ns.Path != ""
		}
	}
	return false, false
}

func hasMountNamespace(spec *specs.Spec) bool {
	if spec.Linux == nil {
		return false
	}
	for _, ns := range spec.Linux.Namespaces {
		if ns.Type == specs.MountNamespace {
			return true
		}
	}
	return false
}

// isBind is the one definition of a bind mount: its type says so, or one
// of its options is a row of the option table that sets MS_BIND (bind,
// rbind).
func isBind(m specs.Mount) bool {
	if m.Type == "bind" {
		return true
	}
	for _, o := range m.Options {
		if opt, ok := mountOptions[o]; ok && !opt.clear && opt.flag&unix.MS_BIND != 0 {
			return true
		}
	}
	return false
}

// mountIDMap checks the id mapping of mount m (at field) and returns it
// with how deep it applies; noIDMap if the mount is not idmapped.
// Mappings without idmap or ridmap map the mount itself, as runc does.
// Without mappings of its own the mount takes those of the container's
// new user namespace, as the spec allows and runc does.
func mountIDMap(spec *specs.Spec, m specs.Mount, opts parsedOptions, field string) (IDMap, idmapMode, error) {
	mode := opts.idmap
	hasMaps := len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0
	if mode == noIDMap && !hasMaps {
		return IDMap{}, noIDMap, nil
	}
	what, where := "idmap", field+"/options"
	switch {
	case mode == idmapRecursive:
		what = "ridmap"
	case mode == noIDMap:
		mode, what, where = idmapTop, "uidMappings", field+"/uidMappings"
	}
	if !isBind(m) {
		return IDMap{}, mode, fieldErr(where, "%s needs a bind mount (bind or rbind), not type %q", what, m.Type)
	}
	newUserNS, joinedUserNS := userNamespace(spec)
	if joinedUserNS {
		return IDMap{}, mode, fieldErr(where, "%s with a user namespace joined by path is not supported: the mapping must be applied as host root", what)
	}
	if !hasMaps {
		if !newUserNS {
			return IDMap{}, mode, fieldErr(where, "%s needs uidMappings and gidMappings in the mount, or a new user namespace whose mappings it takes", what)
		}
		return IDMap{UIDMappings: spec.Linux.UIDMappings, GIDMappings: spec.Linux.GIDMappings}, mode, nil
	}
	for _, c := range []struct {
		name string
		maps []specs.LinuxIDMapping
	}{{"uidMappings", m.UIDMappings}, {"gidMappings", m.GIDMappings}} {
		if len(c.maps) == 0 {
			return IDMap{}, mode, fieldErr(field+"/"+c.name, "missing: uidMappings and gidMappings go together")
		}
		if len(c.maps) > maxIDMapLines {
			return IDMap{}, mode, fieldErr(field+"/"+c.name, "%d ranges, the kernel takes at most %d", len(c.maps), maxIDMapLines)
		}
		for j, x := range c.maps {
			if x.Size == 0 {
				return IDMap{}, mode, fieldErr(fmt.Sprintf("%s/%s/%d/size", field, c.name, j), "size must not be zero")
			}
		}
	}
	return IDMap{UIDMappings: m.UIDMappings, GIDMappings: m.GIDMappings}, mode, nil
}

// idmapOp is the op that gives the detached tree in slot its mapping,
// through the user namespace fd the caller made for it (-1 when the caller
// gave none, e.g. for golden tests: the stage would fail with EBADF).
func (b *builder) idmapOp(idmap IDMap, mode idmapMode, slot int, src, field string) nsenter.Op {
	fd := -1
	if f, ok := (nsenter.StageFds{IDMaps: b.o.IDMapFds}).IDMapFd(idmap.Key()); ok {
		fd = f
	}
	recursive := int64(0)
	if mode == idmapRecursive {
		recursive = unix.AT_RECURSIVE
	}
	return nsenter.Op{Code: nsenter.OpIdmapTree, Strs: [4]string{src}, Args: [3]int64{int64(slot), int64(fd), recursive},
		Field: field + "/options"}
}

// closeIDMapFds marks the last op using each user namespace fd: the stage
// closes it there, so it does not stay open in the init until exec.
func closeIDMapFds(early []nsenter.Op) {
	seen := map[int64]bool{}
	for i := len(early) - 1; i >= 0; i-- {
		op := &early[i]
		if op.Code != nsenter.OpIdmapTree || op.Args[1] < 0 || seen[op.Args[1]] {
			continue
		}
		seen[op.Args[1]] = true
		op.Flags |= nsenter.FlagCloseFd
	}
}

// UnprivilegedIDMapError is the error for the first idmapped mount of spec
// when rt runs unprivileged (Options.Unprivileged), nil when it has none:
// the kernel gives a mount an id mapping only for a caller privileged over
// the source's filesystem, which for a host path means root in the
// initial user namespace, and an unprivileged rt cannot even make the
// user namespace holding a mapping other than its own ids.
func UnprivilegedIDMapError(spec *specs.Spec) error {
	if !hasMountNamespace(spec) {
		return nil
	}
	for i, m := range spec.Mounts {
		opts, err := parseOptions(m.Options)
		if err != nil {
			continue
		}
		field := fmt.Sprintf("/mounts/%d", i)
		if _, mode, err := mountIDMap(spec, m, opts, field); err == nil && mode != noIDMap {
			return fieldErr(field+"/options", "an idmapped mount needs privilege over the source's filesystem (root in the initial user namespace); rt runs unprivileged")
		}
	}
	return nil
}
