package libct

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/sysfile"
)

// List loads every container under root, sorted by id, to show them. A
// container whose list index record (listindex.go) matches its dir is
// taken from the index, and its State has neither CgroupPaths,
// SystemdUnit nor Hooks until a method that needs them reads state.json;
// Load a container to see its whole state. Any other container is read
// from its state.json.
func List(root string) ([]*Container, error) {
	if err := CheckRoot(root); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	rootFd, err := lockRoot(root, unix.LOCK_SH)
	if err != nil {
		return nil, err
	}
	data := readIndexAt(rootFd)
	dirs, err := readDirs(rootFd, root)
	unix.Close(rootFd)
	if err != nil {
		return nil, err
	}
	text := string(data) // one copy: the records' strings share it
	recs, total, _ := parseIndex(data, text)
	out := make([]*Container, 0, len(dirs))
	block := make([]Container, len(dirs)) // one allocation, not one each
	used, stale := 0, false
	var gone []byte // init-gone records to append
	for _, d := range dirs {
		if e, ok := recs[d.name]; ok {
			c := &block[used]
			if ino, ok := decodeRecord(data, text, e.off, &c.State); ok && ino == d.ino && c.State.ID == d.name {
				c.Root, c.brief, c.initGone = root, true, e.initGone
				if !c.initGone && !processAlive(c.State.Pid, c.State.PidStart) {
					c.initGone = true
					gone = append(gone, initGoneRecord(d.name, c.State.Pid, c.State.PidStart)...)
				}
				out = append(out, c)
				used++
				continue
			}
			*c = Container{}
		}
		c, err := readState(root, d.name, false)
		if err != nil {
			continue // being created or deleted right now
		}
		stale = stale || finalState(&c.State)
		out = append(out, c)
	}
	if stale || total > 2*used+64 {
		if cs, err := rebuildIndex(root); err == nil {
			return cs, nil
		}
	}
	if len(gone) > 0 {
		appendIndex(root, gone, false) // only saves the next list some work
	}
	return out, nil
}

// rebuildIndex reads every container's state.json and writes an index of
// the final ones, replacing the old index. It holds the root's lock
// throughout: a create's tombstone and mkdir, and a final state's record,
// come before or after it, never in between.
func rebuildIndex(root string) ([]*Container, error) {
	rootFd, err := lockRoot(root, unix.LOCK_EX)
	if err != nil {
		return nil, err
	}
	defer unix.Close(rootFd)
	dirs, err := readDirs(rootFd, root)
	if err != nil {
		return nil, err
	}
	data := slices.Clone(indexMagic)
	out := make([]*Container, 0, len(dirs))
	for _, d := range dirs {
		c, err := readState(root, d.name, false)
		if err != nil {
			continue
		}
		out = append(out, c)
		if finalState(&c.State) && c.State.ID == d.name {
			data = append(data, stateRecord(d.ino, &c.State)...)
			if !processAlive(c.State.Pid, c.State.PidStart) {
				c.initGone = true
				data = append(data, initGoneRecord(d.name, c.State.Pid, c.State.PidStart)...)
			}
		}
	}
	if err := writeFileAtomic(filepath.Join(root, indexName), data, 0o600); err != nil {
		return nil, err
	}
	return out, nil
}

// readIndexAt returns the index, or nil if there is none (or it cannot be
// read: then list reads the states).
func readIndexAt(rootFd int) []byte {
	fd, err := unix.Openat(rootFd, indexName, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil
	}
	data, err := sysfile.ReadFd(fd, indexName)
	if err != nil {
		return nil
	}
	return data
}

// dirent is a root entry that may be a container: its name and inode.
type dirent struct {
	name string
	ino  uint64
}

// readDirs lists the root's subdirectories with valid ids, sorted, with
// their inodes, which getdents gives for free (os.ReadDir drops them).
func readDirs(rootFd int, root string) ([]dirent, error) {
	if _, err := unix.Seek(rootFd, 0, 0); err != nil {
		return nil, &os.PathError{Op: "seek", Path: root, Err: err}
	}
	var out []dirent
	buf := make([]byte, 64<<10)
	for {
		n, err := unix.Getdents(rootFd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "getdents", Path: root, Err: err}
		}
		if n <= 0 {
			break
		}
		out = parseDirents(rootFd, buf[:n], string(buf[:n]), out)
	}
	slices.SortFunc(out, func(a, b dirent) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// parseDirents appends the dirs with valid ids of a getdents64 buffer:
// struct linux_dirent64 { u64 ino; s64 off; u16 reclen; u8 type; char name[]; }.
// text is buf as a string: the names are its substrings.
func parseDirents(rootFd int, buf []byte, text string, out []dirent) []dirent {
	for p := 0; len(buf)-p >= 19; {
		reclen := int(binary.NativeEndian.Uint16(buf[p+16:]))
		if reclen < 19 || reclen > len(buf)-p {
			break
		}
		ino, typ, name := binary.NativeEndian.Uint64(buf[p:]), buf[p+18], text[p+19:p+reclen]
		p += reclen
		if i := strings.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if !validID(name) { // also ".", "..", and rt's own dot files
			continue
		}
		if typ == unix.DT_UNKNOWN {
			var st unix.Stat_t
			if unix.Fstatat(rootFd, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR {
				typ = unix.DT_DIR
			}
		}
		if typ == unix.DT_DIR {
			out = append(out, dirent{name: name, ino: ino})
		}
	}
	return out
}
