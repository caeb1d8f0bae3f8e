package libct

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/sysfile"
)

// A state dir is born, in this order: mkdir ROOT/ID (EEXIST is the one test
// of a duplicate id); the lock file, made with O_EXCL and locked at once;
// config.json, the snapshot of the config; state.json, status "creating",
// naming the cgroup before it is made. A create killed before state.json
// leaves a dir without it, which nothing could find: removeStale takes
// such a dir away, for `delete` and for a new `create` of the same id.

// makeStateDir makes ROOT/ID, replacing a stale one (removeStale). It
// holds the root's lock while it cancels the id's list index record and
// makes the dir, so that no list or index rebuild sees one without the
// other (listindex.go).
func (c *Container) makeStateDir() error {
	rootFd, err := lockRoot(c.Root, unix.LOCK_EX)
	if err != nil {
		return fmt.Errorf("--root %s: %w", c.Root, err)
	}
	defer unix.Close(rootFd)
	if err := invalidateLocked(rootFd, c.Root, c.State.ID); err != nil {
		return fmt.Errorf("--root %s: list index: %w", c.Root, err)
	}
	err = os.Mkdir(c.dir(), 0o700)
	if errors.Is(err, os.ErrExist) {
		if removed, _ := removeStale(c.dir()); removed {
			err = os.Mkdir(c.dir(), 0o700)
		}
	}
	if errors.Is(err, os.ErrExist) {
		return stateErr(ErrExist, c.State.ID, "", "container with given ID already exists: %q", c.State.ID)
	}
	if err != nil {
		return fmt.Errorf("--root %s: state dir: %w", c.Root, err)
	}
	return nil
}

// lockNewStateDir makes and takes the lock of the state dir just made. The
// lock file is made exclusively and checked to be still the one at its
// path once locked: a delete or create that judged the dir stale in
// between may have removed it, and then this create lost the id.
func (c *Container) lockNewStateDir() error {
	name := filepath.Join(c.dir(), lockFile)
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_RDWR|unix.O_CLOEXEC, 0o600)
	if errors.Is(err, os.ErrExist) || errors.Is(err, os.ErrNotExist) {
		return stateErr(ErrExist, c.State.ID, "", "container with given ID already exists: %q (its state dir was taken over while being made)", c.State.ID)
	}
	if err != nil {
		os.Remove(c.dir()) // still empty: ours
		return fmt.Errorf("state dir lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return fmt.Errorf("state dir lock: %w", err)
	}
	var held, now unix.Stat_t
	if unix.Fstat(int(f.Fd()), &held) != nil || unix.Stat(name, &now) != nil || held.Ino != now.Ino || held.Dev != now.Dev {
		f.Close()
		return stateErr(ErrExist, c.State.ID, "", "container with given ID already exists: %q (its state dir was taken over while being made)", c.State.ID)
	}
	c.lock = f
	return nil
}

// saveSpec writes the snapshot of the config that exec, state and delete
// use from now on: the bundle's config.json may change after create, and
// whoever can write the bundle must not steer a later exec (runc and crun
// keep their copy in the state dir too). It is the spec as parsed and
// validated, not the file read again.
func (c *Container) saveSpec(spec *specs.Spec) error {
	data, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(c.dir(), configFile), data, 0o600); err != nil {
		return fmt.Errorf("config snapshot: %w", err)
	}
	return nil
}

// Spec returns the container's config as it was at create: the snapshot in
// its state dir, never the bundle's file.
func (c *Container) Spec() (*specs.Spec, error) {
	var spec specs.Spec
	if err := c.readSpec(&spec); err != nil {
		return nil, err
	}
	return &spec, nil
}

// execSpecJSON is the config snapshot as exec reads it: without its
// mounts, which exec never uses and whose types cost a fresh process
// about 0.2 ms to decode (json builds each type's decoder on first use).
type execSpecJSON struct {
	specs.Spec
	Mounts json.RawMessage `json:"mounts,omitempty"` // shadows Spec.Mounts: kept undecoded
}

// execConfig is Spec for exec: Mounts is left nil.
func (c *Container) execConfig() (*specs.Spec, error) {
	var x execSpecJSON
	if err := c.readSpec(&x); err != nil {
		return nil, err
	}
	return &x.Spec, nil
}

func (c *Container) readSpec(v any) error {
	name := filepath.Join(c.dir(), configFile)
	data, err := sysfile.Read(name)
	if err != nil {
		return fmt.Errorf("container %q: config snapshot: %w", c.State.ID, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("container %q: corrupt %s: %w", c.State.ID, name, err)
	}
	return nil
}

// RemoveStale removes ROOT/ID if it is a state dir without state.json
// whose creator is gone (a create killed early), as runc's delete does. It
// reports whether it removed one.
func RemoveStale(root, id string) (bool, error) {
	if err := ValidateID(id); err != nil {
		return false, err
	}
	if err := CheckRoot(root); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	return removeStale(filepath.Join(root, id))
}

// removeStale: a dir is stale when it has no state.json and no live
// process holds its lock. A lock file that exists is taken (without
// waiting) and held while the dir goes, so that its creator, if it only
// now gets to lock, sees its lock file gone. A dir without a lock file is
// removed only if it is empty when removed (rmdir): its creator may be
// about to make the lock.
func removeStale(dir string) (bool, error) {
	if _, err := os.Lstat(filepath.Join(dir, stateFile)); !errors.Is(err, os.ErrNotExist) {
		return false, nil // it has one (or cannot be looked at): not stale
	}
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|unix.O_CLOEXEC, 0)
	if errors.Is(err, os.ErrNotExist) {
		return removeLockless(dir)
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return false, nil // its creator is alive
	}
	if _, err := os.Lstat(filepath.Join(dir, stateFile)); !errors.Is(err, os.ErrNotExist) {
		return false, nil // written just before we locked
	}
	if err := os.RemoveAll(dir); err != nil {
		return false, fmt.Errorf("remove stale state dir: %w", err)
	}
	return true, nil
}

func removeLockless(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, nil
	}
	if len(entries) == 0 {
		err = os.Remove(dir)
	} else {
		// Not a dir of this rt's making (its creator locks before it
		// writes anything): old, or planted by hand.
		err = os.RemoveAll(dir)
	}
	if err != nil {
		if errors.Is(err, unix.ENOTEMPTY) || errors.Is(err, unix.EEXIST) {
			return false, nil // its creator just made the lock
		}
		return false, fmt.Errorf("remove stale state dir: %w", err)
	}
	return true, nil
}
