package cgroupsfs

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Destroy removes the cgroup, and the cgroups nested in it, in every
// hierarchy, children first; each rmdir is retried while busy for a moment
// (a killed process leaves shortly after it is reaped). Then it removes the
// parents that are empty and strictly below DefaultParent, which only rt
// makes; DefaultParent itself stays, so that a concurrent Create never
// sees it vanish. A cgroup already gone is not an error. It refuses, before
// removing anything, a directory that is not strictly inside the host's
// hierarchy of the same name.
func (c *Cgroup) Destroy() error {
	if c.host == nil {
		return fmt.Errorf("destroy cgroup %s: no host (use Load)", c.Path)
	}
	for name, dir := range c.Paths {
		if _, ok := c.host.relative(name, dir); !ok {
			return fmt.Errorf("destroy cgroup: refusing to remove %s: not inside the %q hierarchy", dir, name)
		}
	}
	var errs []error
	for _, dir := range c.dirs() {
		if err := c.host.removeTree(dir); err != nil {
			errs = append(errs, fmt.Errorf("destroy cgroup %s: %w", c.Path, err))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	c.removeParents()
	return nil
}

// removeTree removes dir and every directory below it, deepest first.
// Most cgroups have none below them, so one rmdir is tried first: a v1
// cgroup directory lists dozens of files, and walking one in each of a
// dozen hierarchies was a tenth of an `rt run`'s CPU time.
func (h *Host) removeTree(dir string) error {
	if err := h.doRmdir(dir); err == nil || errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	var tree []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // already gone (or going)
			}
			return err
		}
		if d.IsDir() {
			tree = append(tree, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// WalkDir lists a directory before its children; the reverse removes
	// children first.
	for i := len(tree) - 1; i >= 0; i-- {
		if err := h.rmdirRetry(tree[i]); err != nil {
			return err
		}
	}
	return nil
}

// removeParents removes, in each hierarchy, the empty parents of the
// cgroup strictly below DefaultParent. One attempt each, no retry: a parent
// that is busy holds another container's cgroup, and that is expected.
func (c *Cgroup) removeParents() {
	for _, name := range slices.Sorted(maps.Keys(c.Paths)) {
		mnt, _ := c.host.mountpoint(name)
		rel, _ := c.host.relative(name, c.Paths[name])
		for p := path.Dir(rel); strings.HasPrefix(p, DefaultParent+"/"); p = path.Dir(p) {
			err := c.host.doRmdir(filepath.Join(mnt, p))
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				break // in use (or not ours to judge): leave it and what is above
			}
		}
	}
}
