package cgroupsfs

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/moby/sys/mountinfo"

	"github.com/rt-runtime/rt/internal/sysfile"
)

// Mode is the host's cgroup layout.
type Mode int

const (
	// ModeNone means no cgroup filesystem is mounted.
	ModeNone Mode = iota
	// ModeV1 has only v1 hierarchies.
	ModeV1
	// ModeHybrid has v1 hierarchies with controllers and a cgroup2 mount
	// (usually /sys/fs/cgroup/unified) that tracks processes.
	ModeHybrid
	// ModeV2 has the unified hierarchy only (named v1 hierarchies such as
	// name=systemd may still be mounted).
	ModeV2
)

func (m Mode) String() string {
	switch m {
	case ModeV1:
		return "v1"
	case ModeHybrid:
		return "hybrid"
	case ModeV2:
		return "v2"
	}
	return "none"
}

// Host describes the cgroup filesystems mounted on this machine. Its
// mountpoints are plain directories, so tests point them at a temporary tree.
type Host struct {
	Mode Mode
	// V1 maps a hierarchy name to its mountpoint: a controller ("memory") or
	// a named hierarchy ("name=systemd"). Co-mounted controllers (cpu,cpuacct)
	// appear under each name, with the same mountpoint.
	V1 map[string]string
	// Unified is the cgroup2 mountpoint, "" if none.
	Unified string
	// UnifiedControllers are the controllers available in the cgroup2 root
	// (its cgroup.controllers).
	UnifiedControllers []string
	// Rootless: the cgroup is in a subtree delegated to an unprivileged
	// user, who cannot load a device program; device rules that fail are
	// skipped, as runc's rootless cgroups skip them (the container's
	// devices are binds of nodes the user could open anyway).
	Rootless bool

	// mkdir and rmdir create and remove one cgroup directory; nil means the
	// system calls. On cgroupfs the kernel adds and drops the interface files
	// itself, so tests on a tmpfs swap in versions that do the same.
	mkdir func(dir string) error
	rmdir func(dir string) error
	// deviceFilter replaces attaching the v2 device program (tests).
	deviceFilter func(dir string, st deviceState) error
}

// v1MountOptions are the cgroup v1 super options that are not controllers
// (the kernel's cgroup1_parse_param, plus rw/ro). Everything else in a v1
// mount's super options names a controller; "name=" names a hierarchy.
var v1MountOptions = map[string]bool{
	"rw": true, "ro": true, "none": true, "all": true, "noprefix": true,
	"clone_children": true, "cpuset_v2_mode": true, "xattr": true,
	"favordynmods": true, "nofavordynmods": true,
}

// Detect reads /proc/self/mountinfo and the cgroup2 root's controllers,
// once per process: the cgroup mounts do not change under a command, and
// one read of the mount table cost a fresh rt 0.1 ms here (hosts with
// thousands of mounts pay far more); `run` needed it at create and again
// at delete. Each call gets its own copy. A failed read is not kept.
func Detect() (*Host, error) {
	detected.Lock()
	defer detected.Unlock()
	if detected.host == nil {
		h, err := detect()
		if err != nil {
			return nil, err
		}
		detected.host = h
	}
	c := *detected.host
	c.V1 = maps.Clone(c.V1)
	c.UnifiedControllers = slices.Clone(c.UnifiedControllers)
	return &c, nil
}

var detected struct {
	sync.Mutex
	host *Host
}

func detect() (*Host, error) {
	mounts, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup", "cgroup2"))
	if err != nil {
		return nil, fmt.Errorf("detect cgroups: %w", err)
	}
	h := DetectFrom(mounts)
	if h.Mode == ModeNone {
		return nil, errors.New("detect cgroups: no cgroup filesystem is mounted")
	}
	if h.Unified != "" {
		file := filepath.Join(h.Unified, "cgroup.controllers")
		b, err := sysfile.Read(file)
		if err != nil {
			return nil, fmt.Errorf("detect cgroups: %w", err)
		}
		h.UnifiedControllers = strings.Fields(string(b))
	}
	return h, nil
}

// DetectFrom builds a Host from mount entries (other filesystems are
// ignored). It reads no file, so UnifiedControllers is left empty.
//
// When a hierarchy is mounted more than once, a mount of its root ("/") is
// preferred, then the first one listed: a mount of a subdirectory (a bind
// mount, or a container's view) cannot hold paths relative to the root.
func DetectFrom(mounts []*mountinfo.Info) *Host {
	h := &Host{V1: map[string]string{}}
	fromRoot := map[string]bool{} // hierarchy name -> chosen mount is of "/"
	choose := func(name string, m *mountinfo.Info) {
		if _, seen := h.V1[name]; !seen || (!fromRoot[name] && m.Root == "/") {
			h.V1[name] = m.Mountpoint
			fromRoot[name] = m.Root == "/"
		}
	}
	unifiedFromRoot := false
	for _, m := range mounts {
		switch m.FSType {
		case "cgroup2":
			if h.Unified == "" || (!unifiedFromRoot && m.Root == "/") {
				h.Unified = m.Mountpoint
				unifiedFromRoot = m.Root == "/"
			}
		case "cgroup":
			for _, name := range v1Hierarchies(m.VFSOptions) {
				choose(name, m)
			}
		}
	}
	h.Mode = modeOf(h)
	return h
}

// v1Hierarchies returns the hierarchy names in a v1 mount's super options.
func v1Hierarchies(opts string) []string {
	var names []string
	for _, o := range strings.Split(opts, ",") {
		if o == "" || v1MountOptions[o] || strings.HasPrefix(o, "release_agent=") {
			continue
		}
		names = append(names, o)
	}
	return names
}

func modeOf(h *Host) Mode {
	controllers := false
	for name := range h.V1 {
		if !strings.HasPrefix(name, "name=") {
			controllers = true
		}
	}
	switch {
	case controllers && h.Unified != "":
		return ModeHybrid
	case controllers:
		return ModeV1
	case h.Unified != "":
		return ModeV2
	case len(h.V1) > 0: // named hierarchies only: still v1 directories
		return ModeV1
	}
	return ModeNone
}

// mountpoint returns where a hierarchy ("" for unified) is mounted.
func (h *Host) mountpoint(name string) (string, bool) {
	if name == "" {
		return h.Unified, h.Unified != ""
	}
	m, ok := h.V1[name]
	return m, ok
}

// Paths maps every hierarchy ("" for unified) to the directory the cgroup
// path has in it: what Create makes, and what `rt plan` shows untouched.
func (h *Host) Paths(path string) map[string]string {
	paths := map[string]string{}
	for _, name := range h.hierarchies() {
		mnt, _ := h.mountpoint(name)
		paths[name] = filepath.Join(mnt, path)
	}
	return paths
}

// hierarchies lists every hierarchy name, "" for unified, sorted.
func (h *Host) hierarchies() []string {
	names := make([]string, 0, len(h.V1)+1)
	for name := range h.V1 {
		names = append(names, name)
	}
	if h.Unified != "" {
		names = append(names, "")
	}
	sort.Strings(names)
	return names
}

// unifiedHas reports whether the cgroup2 root offers a controller.
func (h *Host) unifiedHas(controller string) bool {
	return slices.Contains(h.UnifiedControllers, controller)
}
