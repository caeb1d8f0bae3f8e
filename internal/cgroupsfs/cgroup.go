package cgroupsfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// Cgroup is one container's cgroup: the same path in every hierarchy.
type Cgroup struct {
	// Path is the cgroup path relative to each hierarchy's root, e.g. "/rt/x".
	Path string
	// Paths maps a hierarchy name ("memory", "name=systemd"; "" for the
	// unified hierarchy) to the cgroup's directory in it. It is what the
	// state file stores; Load rebuilds the handle from it.
	Paths map[string]string

	host *Host
}

// Load rebuilds a Cgroup from the Paths that Create returned (and the state
// file kept), for a later command such as kill or delete; host is the one
// Detect returns now. Nothing is checked here; Destroy refuses directories
// that are not strictly inside the host's hierarchy of the same name.
func Load(host *Host, paths map[string]string) *Cgroup {
	c := &Cgroup{Paths: paths, host: host}
	if host == nil {
		return c
	}
	names := make([]string, 0, len(paths))
	for name := range paths {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if rel, ok := host.relative(name, paths[name]); ok {
			c.Path = rel
			break
		}
	}
	return c
}

// relative returns dir as a cgroup path of hierarchy name, if dir is
// strictly inside that hierarchy's mountpoint.
func (h *Host) relative(name, dir string) (string, bool) {
	mnt, ok := h.mountpoint(name)
	if !ok {
		return "", false
	}
	rel, err := filepath.Rel(mnt, dir)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", false
	}
	return "/" + rel, true
}

// dirs returns the distinct directories of the cgroup, sorted; co-mounted
// controllers share one.
func (c *Cgroup) dirs() []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range c.Paths {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}

// dirFor returns the directory serving a controller (by its v1 name) and
// whether it is a v2 one: a v1 hierarchy if one has the controller, else the
// unified hierarchy if its root offers it under its v2 name (pure v2, or a
// controller bound to v2 on a hybrid host). The v2 device filter and the
// unified row need only a cgroup2 directory.
func (c *Cgroup) dirFor(controller string) (dir string, v2, ok bool) {
	if d, ok := c.Paths[controller]; ok && controller != unifiedRow {
		return d, false, true
	}
	d, ok := c.Paths[""]
	if !ok {
		return "", false, false
	}
	if controller == unifiedRow || controller == "devices" || c.host.unifiedHas(v2Name(controller)) {
		return d, true, true
	}
	return "", false, false
}

// UnifiedOnly returns the cgroup's directory when the unified hierarchy is
// its only one (a pure v2 host). A process can then be started in it
// (clone3 with CLONE_INTO_CGROUP) instead of moved there: a move may wait
// for an RCU grace period, a start in place does not.
func (c *Cgroup) UnifiedOnly() (string, bool) {
	if len(c.Paths) != 1 {
		return "", false
	}
	d, ok := c.Paths[""]
	return d, ok
}

// Join moves a process into the cgroup in every hierarchy.
func (c *Cgroup) Join(pid int) error {
	for _, d := range c.dirs() {
		if err := writeFile(filepath.Join(d, "cgroup.procs"), strconv.Itoa(pid)); err != nil {
			switch {
			case errors.Is(err, syscall.EBUSY):
				return fmt.Errorf("join cgroup %s: %w (controllers are enabled for its children: only a leaf cgroup takes processes)", c.Path, err)
			case errors.Is(err, syscall.ENOSPC) && fileExists(filepath.Join(d, "cpuset.cpus")):
				return fmt.Errorf("join cgroup %s: %w (its cpuset.cpus or cpuset.mems is empty)", c.Path, err)
			}
			return fmt.Errorf("join cgroup %s: %w", c.Path, err)
		}
	}
	return nil
}

// listDir is the directory whose cgroup.procs lists the container's
// processes: the unified one (it tracks every process, with or without
// controllers), else pids, freezer, or any v1 hierarchy.
func (c *Cgroup) listDir() (string, error) {
	for _, name := range []string{"", "pids", "freezer"} {
		if d, ok := c.Paths[name]; ok {
			return d, nil
		}
	}
	if ds := c.dirs(); len(ds) > 0 {
		return ds[0], nil
	}
	return "", fmt.Errorf("cgroup %q has no directory", c.Path)
}

// Pids returns the processes in the cgroup and in any cgroup nested in it
// (the container may create its own), sorted. A cgroup already gone has
// none.
func (c *Cgroup) Pids() ([]int, error) {
	dir, err := c.listDir()
	if err != nil {
		return nil, err
	}
	var pids []int
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed while walking
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		ps, err := readPids(filepath.Join(p, "cgroup.procs"))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		pids = append(pids, ps...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list processes of cgroup %s: %w", c.Path, err)
	}
	slices.Sort(pids)
	return pids, nil
}
