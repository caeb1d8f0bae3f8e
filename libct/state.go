// Package libct is the container: its state store and lifecycle (create,
// start, kill, delete, run), spawning the C stage and the sync protocol
// with it. It owns the state directories under --root. It never parses
// mount options or cgroup files itself: specconv, rootfs and cgroups do.
//
// It is a library: a Go program creates, starts, runs (Run), execs
// (Exec, ExecAndWait), kills and deletes containers without cmd/rt, which
// is only flags → libct → output (see Example). Every operation takes a
// context; errors are typed (errors.go: ErrNotExist, ErrNotRunning, ...,
// *StateError, and *FieldError with the config field's JSON pointer). It
// changes the calling process only where asked: Effects (subreaper, cgroup
// warm-up), Foreground (signal forwarding, reaping), and the caller's
// environment is read only through ListenFdsFromEnv and
// NotifySocketFromEnv.
//
// It also checkpoints and restores containers (Checkpoint, Restore: the
// criu binary driven over its RPC socket, criu*.go), and runs them for a
// caller without privilege (rootless.go: who writes the id maps, the
// caller's subordinate id ranges, a delegated cgroup or none).
//
// Imports: of rt's, specconv, rootfs, nsenter, the field error type, and
// cgroups (the manager interface), never a cgroup driver such as cgroupsfs
// directly (internal/archtest checks it).
package libct

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/cgroups"
	"github.com/rt-runtime/rt/internal/sysfile"
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
	stateFile  = "state.json"
	configFile = "config.json" // the config as it was at create
	fifoFile   = "exec.fifo"
	lockFile   = "lock"
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
	Hooks       *specs.Hooks      `json:"hooks,omitempty"` // poststart and poststop, as at create
	Creating    bool              `json:"creating,omitempty"`

	// SystemdUnit is the systemd unit holding the cgroup; "" for the fs
	// driver (cgroups.Load picks the driver from it).
	SystemdUnit string `json:"systemdUnit,omitempty"`
}

// Container is a state directory and what it holds.
type Container struct {
	Root  string // --root
	State State
	Warn  func(string) // receives warnings (failed poststart/poststop hooks)
	lock  *os.File
	cg    cgroups.Manager // the cgroup's manager, once asked for (cgroup())
	brief bool            // State is from the list index: no cgroup, no hooks (loadFull)
	// initGone: the init (pid and start time) is known to be gone, and the
	// container stopped for good (from the list index).
	initGone bool
}

// validID is runc's id rule, ^[a-zA-Z0-9_+-][a-zA-Z0-9_+.-]*$, by hand:
// a regexp compiled at start-up cost every rt command its time.
func validID(id string) bool {
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '_', b == '+', b == '-':
		case b == '.' && i > 0:
		default:
			return false
		}
	}
	return id != ""
}

// ValidateID enforces runc's id rule; it also keeps ids from naming a path.
func ValidateID(id string) error {
	if !validID(id) || id == "." || id == ".." {
		return fmt.Errorf("invalid container id %q: it must match [a-zA-Z0-9_+-][a-zA-Z0-9_+.-]*", id)
	}
	return nil
}

func (c *Container) dir() string { return filepath.Join(c.Root, c.State.ID) }

// Load reads the state of container id, taking its lock when lock is set
// (commands that change the container hold it until Close).
func Load(root, id string, lock bool) (*Container, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	if err := CheckRoot(root); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, notExist(id, err)
		}
		return nil, err
	}
	return readState(root, id, lock)
}

func readState(root, id string, lock bool) (*Container, error) {
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
	data, err := sysfile.Read(filepath.Join(c.dir(), stateFile))
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

// CheckRoot refuses a --root that anyone but rt's own user could have
// written: rt runs the hooks that a state.json there names, so a planted
// one must never be read. The root must be a directory owned by the
// effective uid, without group or other write permission; and not "/"
// (as runc). A root that does not exist yet passes with ErrNotExist wrapped:
// create makes it, mode 0700. Only the root itself is checked, not its
// parents.
func CheckRoot(root string) error {
	if abs, err := filepath.Abs(root); err == nil && abs == "/" {
		return fmt.Errorf("--root %s: the state root must not be /", root)
	}
	var st unix.Stat_t
	if err := unix.Stat(root, &st); err != nil {
		return &os.PathError{Op: "--root", Path: root, Err: err}
	}
	switch uid := os.Geteuid(); {
	case st.Mode&unix.S_IFMT != unix.S_IFDIR:
		return fmt.Errorf("--root %s: not a directory", root)
	case int(st.Uid) != uid:
		return fmt.Errorf("--root %s: owned by uid %d, not by rt's user (uid %d): refusing to use it", root, st.Uid, uid)
	case st.Mode&0o022 != 0:
		return fmt.Errorf("--root %s: writable by group or others (mode %04o): refusing to use it", root, st.Mode&0o7777)
	}
	return nil
}

func notExist(id string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("container %q %w", id, ErrNotExist)
	}
	return fmt.Errorf("container %q: %w", id, err)
}

// Close releases the lock, if held, and the cgroup manager.
func (c *Container) Close() {
	if c.cg != nil {
		c.cg.Close()
		c.cg = nil
	}
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
	if err := writeFileAtomic(filepath.Join(c.dir(), stateFile), data, 0600); err != nil {
		return err
	}
	// The list index (listindex.go) records the final state. No record
	// can precede it: create's tombstone came before the dir was made.
	if finalState(&c.State) {
		c.indexState()
	}
	return nil
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
	if c.initGone || !processAlive(c.State.Pid, c.State.PidStart) {
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

// Owner names the user that created the container. It is looked up when
// shown, not at create: a user database lookup costs milliseconds there.
func (c *Container) Owner() string {
	uid := c.State.OwnerUID
	if name, ok := ownerNames.Load(uid); ok {
		return name.(string)
	}
	name := strconv.Itoa(uid)
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	ownerNames.Store(uid, name)
	return name
}

// ownerNames caches Owner's lookups by uid: each one reads the passwd
// database, and `list` asks once per container (most often for one uid).
var ownerNames sync.Map
