package cgroupsfs

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Create makes the cgroup at path (as returned by ResolvePath) in every
// mounted hierarchy, v1 ones (named ones included) and the unified one (on
// hybrid hosts too, so processes are tracked in v2 and cgroup.kill works),
// with its parents; then inherits the cpuset on v1, enables controllers on
// v2 and applies res. On any error it removes exactly the directories it
// made, and nothing else.
func (h *Host) Create(path string, res *specs.LinuxResources) (_ *Cgroup, err error) {
	if err := checkCgroupPath(path); err != nil {
		return nil, err
	}
	c := &Cgroup{Path: path, Paths: h.Paths(path), host: h}
	var created []string
	defer func() {
		if err != nil {
			err = errors.Join(err, h.rollback(created))
		}
	}()
	madeIn := map[string]bool{} // mountpoint -> done (co-mounted controllers)
	for _, name := range h.hierarchies() {
		mnt, _ := h.mountpoint(name)
		if madeIn[mnt] {
			continue
		}
		madeIn[mnt] = true
		made, err := h.mkdirAll(mnt, path)
		created = append(created, made...)
		if err != nil {
			return nil, fmt.Errorf("create cgroup %s: %w", path, err)
		}
	}
	if mnt, ok := h.V1["cpuset"]; ok {
		if err := inheritCpuset(mnt, path); err != nil {
			return nil, fmt.Errorf("create cgroup %s: %w", path, err)
		}
	}
	if err := h.enableControllers(path, h.unifiedNeeds(res)); err != nil {
		return nil, fmt.Errorf("create cgroup %s: %w", path, err)
	}
	if err := c.apply(res, applyOptions{}); err != nil {
		return nil, err
	}
	return c, nil
}

// mkdirAll makes mnt+path and its missing parents, returning the ones it
// made, parents first. If a concurrent Destroy removes a parent between our
// steps (ENOENT), it starts again, a few times.
func (h *Host) mkdirAll(mnt, path string) (made []string, err error) {
	elems := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for attempt := 0; attempt < 3; attempt++ {
		dir := mnt
		for _, el := range elems {
			dir = filepath.Join(dir, el)
			err = h.doMkdir(dir)
			switch {
			case err == nil:
				made = append(made, dir)
			case errors.Is(err, unix.EEXIST):
				err = nil
			}
			if err != nil {
				break
			}
		}
		if !errors.Is(err, unix.ENOENT) {
			return made, err
		}
	}
	return made, err
}

// rollback removes the directories Create made, children first. One that
// another container has meanwhile put a cgroup in is left to it.
func (h *Host) rollback(created []string) error {
	var errs []error
	for i := len(created) - 1; i >= 0; i-- {
		err := h.doRmdir(created[i])
		if err != nil && !inUse(err) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("undo cgroup creation: %w", err))
		}
	}
	return errors.Join(errs...)
}

// inheritCpuset fills cpuset.cpus and cpuset.mems of each directory from
// the hierarchy root down to path that has them empty, with the nearest
// ancestor's values. A v1 cpuset cgroup starts with both empty, and no
// process can join it until they are set (ENOSPC). Only empty files are
// written, so a pre-existing configured ancestor is left as it is.
func inheritCpuset(mnt, path string) error {
	for _, file := range []string{"cpuset.cpus", "cpuset.mems"} {
		dir := mnt
		value, err := readFile(filepath.Join(dir, file))
		if err != nil {
			return fmt.Errorf("inherit cpuset: %w", err)
		}
		for _, el := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
			dir = filepath.Join(dir, el)
			f := filepath.Join(dir, file)
			own, err := readFile(f)
			if err != nil {
				return fmt.Errorf("inherit cpuset: %w", err)
			}
			if own != "" {
				value = own
				continue
			}
			if err := writeFile(f, value); err != nil {
				return fmt.Errorf("inherit cpuset: %w", err)
			}
		}
	}
	return nil
}
