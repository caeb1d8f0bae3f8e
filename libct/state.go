// Package libct is the container: its state store and lifecycle (create,
// start, kill, delete, run), spawning the C stage and the sync protocol
// with it. It owns the state directories under --root. It never parses
// mount options or cgroup files itself: specconv, rootfs and cgroupsfs do.
package libct

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Status values, as runtime.md names them.
const (
	Creating = "creating"
	Created  = "created"
	Running  = "running"
	Stopped  = "stopped"
	Paused   = "paused"
)

const (
	stateFile = "state.json"
	fifoFile  = "exec.fifo"
	lockFile  = "lock"
)

// State is what rt keeps about a container in ROOT/ID/state.json. Status
// is not stored: it is derived from the process and the fifo.
type State struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	PidStart    uint64            `json:"pidStartTime"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	OwnerUID    int               `json:"ownerUID"`
	Annotations map[string]string `json:"annotations,omitempty"`
	CgroupPaths map[string]string `json:"cgroupPaths,omitempty"`
	Hooks       *specs.Hooks      `json:"hooks,omitempty"` // poststart and poststop, run after create
	Creating    bool              `json:"creating,omitempty"`
}

// Container is a state directory and what it holds.
type Container struct {
	Root  string // --root
	State State
	Warn  func(string) // receives warnings (failed poststart/poststop hooks)
	lock  *os.File
}

var idPattern = regexp.MustCompile(`^[a-zA-Z0-9_+-][a-zA-Z0-9_+.-]*$`)

// ValidateID enforces runc's id rule; it also keeps ids from naming a path.
func ValidateID(id string) error {
	if !idPattern.MatchString(id) || id == "." || id == ".." {
		return fmt.Errorf("invalid container id %q: it must match [a-zA-Z0-9_+-][a-zA-Z0-9_+.-]*", id)
	}
	return nil
}

// ErrNotExist is returned (wrapped) for an unknown container id.
var ErrNotExist = errors.New("does not exist")

func (c *Container) dir() string { return filepath.Join(c.Root, c.State.ID) }

// Load reads the state of container id, taking its lock when lock is set
// (commands that change the container hold it until Close).
func Load(root, id string, lock bool) (*Container, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	c := &Container{Root: root, State: State{ID: id}}
	if lock {
		f, err := os.OpenFile(filepath.Join(c.dir(), lockFile), os.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, notExist(id, err)
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
			f.Close()
			return nil, fmt.Errorf("lock container %q: %w", id, err)
		}
		c.lock = f
	}
	data, err := os.ReadFile(filepath.Join(c.dir(), stateFile))
	if err != nil {
		c.Close()
		return nil, notExist(id, err)
	}
	if err := json.Unmarshal(data, &c.State); err != nil {
		c.Close()
		return nil, fmt.Errorf("container %q: corrupt %s: %w", id, stateFile, err)
	}
	return c, nil
}

func notExist(id string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("container %q %w", id, ErrNotExist)
	}
	return fmt.Errorf("container %q: %w", id, err)
}

// Close releases the lock, if held.
func (c *Container) Close() {
	if c.lock != nil {
		c.lock.Close()
		c.lock = nil
	}
}

// save replaces state.json atomically: temp file, rename. No fsync: the
// rename already keeps a crash of rt from leaving a torn file, and after a
// power loss no container is left for the state to describe.
func (c *Container) save() error {
	data, err := json.Marshal(c.State)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(c.dir(), stateFile), data, 0600)
}

func writeFileAtomic(name string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// Status derives the container's status from its init and the fifo.
func (c *Container) Status() string {
	if c.State.Pid == 0 || c.State.Creating {
		return Creating
	}
	if !processAlive(c.State.Pid, c.State.PidStart) {
		return Stopped
	}
	if _, err := os.Lstat(filepath.Join(c.dir(), fifoFile)); err == nil {
		return Created
	}
	if cg, err := c.cgroup(); err == nil && cg.Frozen() {
		return Paused
	}
	return Running
}

// List loads every container under root, sorted by id.
func List(root string) ([]*Container, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []*Container
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c, err := Load(root, e.Name(), false)
		if err != nil {
			continue // being created or deleted right now
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].State.ID < out[j].State.ID })
	return out, nil
}

// Owner names the user that created the container. It is looked up when
// shown, not at create: a user database lookup costs milliseconds there.
func (c *Container) Owner() string {
	if u, err := user.LookupId(strconv.Itoa(c.State.OwnerUID)); err == nil {
		return u.Username
	}
	return strconv.Itoa(c.State.OwnerUID)
}
