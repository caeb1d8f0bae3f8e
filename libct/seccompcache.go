package libct

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"runtime"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/specconv"
	"github.com/rt-runtime/rt/internal/sysfile"
)

// seccompCacheDir is where compiled seccomp programs are kept, under
// --root. A name no container id can have (ids never start with '.').
const seccompCacheDir = ".seccomp"

// seccompCacheMax bounds the entries: past it, a new entry clears the
// others (they are only a cache).
const seccompCacheMax = 64

// seccompEntry is one compiled profile: libseccomp's program (native
// struct sock_filter), its filter flags, and the warnings its compile
// gave, which a hit gives again.
type seccompEntry struct {
	Key      []byte   `json:"key"` // all the compile depends on (seccompKey)
	Flags    int64    `json:"flags"`
	Warnings []string `json:"warnings,omitempty"`
	Program  []byte   `json:"program"`
}

// seccompCache keeps the programs libseccomp compiled, in ROOT/.seccomp,
// one file per profile: a profile such as Docker's or podman's default
// takes libseccomp about 20 ms to compile, for every create and every
// exec. The key is the profile and all the compile depends on besides:
// libseccomp's version, the kernel (its release: the filter flags it
// takes) and the rt binary itself (a new rt may compile otherwise). An
// entry is named by the key's FNV-1a hash and holds the whole key, which
// a hit must match byte for byte: a profile made to collide with
// another's name only misses (a cryptographic hash would pull Go's crypto
// packages, and their start-up, into every rt command). The root is trusted as its state.json files are (CheckRoot); an entry that
// is not rt's user's own, not private, or malformed is compiled again and
// replaced. Any failure to keep an entry only costs the next compile.
func seccompCache(root string) specconv.SeccompCache {
	return func(sc *specs.LinuxSeccomp, warn func(string), compile func(func(string)) ([]byte, int64, error)) ([]byte, int64, error) {
		key, err := seccompKey(sc)
		if err != nil {
			return compile(warn)
		}
		h := fnv.New64a()
		h.Write(key)
		dir := filepath.Join(root, seccompCacheDir)
		name := filepath.Join(dir, fmt.Sprintf("%016x", h.Sum64()))
		if e, ok := readSeccompEntry(dir, name, key); ok {
			debugf("seccomp: compiled program %s from the cache", filepath.Base(name))
			for _, w := range e.Warnings {
				warn(w)
			}
			return e.Program, e.Flags, nil
		}
		e := seccompEntry{Key: key}
		prog, flags, err := compile(func(w string) {
			e.Warnings = append(e.Warnings, w)
			warn(w)
		})
		if err != nil {
			return nil, 0, err
		}
		e.Program, e.Flags = prog, flags
		if err := writeSeccompEntry(dir, name, &e); err != nil {
			debugf("seccomp: not cached: %v", err)
		}
		return prog, flags, nil
	}
}

// seccompKey is the profile with what else its compile depends on.
func seccompKey(sc *specs.LinuxSeccomp) ([]byte, error) {
	profile, err := json.Marshal(sc)
	if err != nil {
		return nil, err
	}
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		return nil, err
	}
	var exe unix.Stat_t
	if err := unix.Stat("/proc/self/exe", &exe); err != nil {
		return nil, err
	}
	key := fmt.Appendf(nil, "rt seccomp cache 1\x00%s\x00%s\x00%s\x00%d:%d:%d:%d.%09d\x00", runtime.GOARCH, specconv.LibseccompVersion(),
		unix.ByteSliceToString(uts.Release[:]), exe.Dev, exe.Ino, exe.Size, exe.Mtim.Sec, exe.Mtim.Nsec)
	return append(key, profile...), nil
}

// readSeccompEntry reads the entry at name, if the directory and the file
// are rt's user's own and private, and it is well formed.
func readSeccompEntry(dir, name string, key []byte) (*seccompEntry, bool) {
	if !privateTo(dir, unix.S_IFDIR) {
		return nil, false
	}
	fd, err := unix.Open(name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || !ownPrivate(&st, unix.S_IFREG) || st.Size > 1<<20 {
		return nil, false
	}
	data, err := sysfile.ReadFd(fd, name)
	if err != nil {
		return nil, false
	}
	var e seccompEntry
	if json.Unmarshal(data, &e) != nil || !bytes.Equal(e.Key, key) || len(e.Program) == 0 || len(e.Program)%8 != 0 || len(e.Program) > 4096*8 {
		return nil, false
	}
	return &e, true
}

// privateTo: path is a file of type kind (S_IFDIR, S_IFREG), owned by
// rt's user, writable by nobody else; not a symlink.
func privateTo(path string, kind uint32) bool {
	var st unix.Stat_t
	return unix.Lstat(path, &st) == nil && ownPrivate(&st, kind)
}

func ownPrivate(st *unix.Stat_t, kind uint32) bool {
	return st.Mode&unix.S_IFMT == kind && int(st.Uid) == os.Geteuid() && st.Mode&0o022 == 0
}

// writeSeccompEntry stores e at name (a new file renamed over it), and
// clears the other entries once there are too many.
func writeSeccompEntry(dir, name string, e *seccompEntry) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		return err
	}
	if !privateTo(dir, unix.S_IFDIR) {
		return fmt.Errorf("%s: not a private directory of rt's user", dir)
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(name, data, 0o600); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) <= seccompCacheMax {
		return nil
	}
	for _, old := range entries {
		if p := filepath.Join(dir, old.Name()); p != name {
			os.Remove(p)
		}
	}
	return nil
}
