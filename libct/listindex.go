package libct

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// The list index, ROOT/.index, lets `list` show a container without reading
// its state.json (see docs/design.md, "State"). It is a cache: every
// record is checked before use, and a missing, corrupt or foreign index
// only makes list read the state files, as it did without one.
//
// The file is a magic line, then records appended one write(2) each:
// u32 length, u32 CRC-32 (IEEE) of the body, body. A body is a kind byte, the id,
// and for a state record the container dir's inode and what list shows of
// the State (stateRecord).
// For each id the last record wins; a tombstone says "no record". An
// init-gone record marks the id's state record with that init as stopped
// (a dead init never comes back), so list skips its liveness check.
//
// The rules that keep a record true (all under an exclusive flock of the
// root directory; list reads the index and the root's entries under a
// shared one):
//   - a state record is appended by save() once the state is final (init
//     recorded, Creating cleared), after the rename of state.json;
//   - create appends a tombstone for its id before it makes the dir, so a
//     record is never taken for a later container of the same id, even
//     with the dir's inode reused; and every later save happens in a
//     create after that tombstone;
//   - delete appends a tombstone before it removes the dir (for the
//     compaction's count; the create's one is what correctness needs);
//   - list uses a record only if the dir ROOT/ID exists with the recorded
//     inode; otherwise it reads state.json.
//
// It assumes every rt that changes the root keeps the index: an older rt's
// delete and create of the same id, getting the same inode back, would go
// unnoticed (see design.md).
const indexName = ".index"

var indexMagic = []byte("rt list index v1\n")

const (
	recState     = 1
	recTombstone = 2
	recInitGone  = 3
	maxRecord    = 1 << 20
	// maxIndexSize bounds the index: some 10,000 lifecycles of containers
	// without a list in between (appendLocked).
	maxIndexSize = 4 << 20
)

// finalState: the state save that ends create, after which the state
// never changes again.
func finalState(s *State) bool { return s.Pid > 0 && !s.Creating }

// encodeRecord frames body: length, checksum, body.
func encodeRecord(body []byte) []byte {
	out := make([]byte, 8, 8+len(body))
	binary.LittleEndian.PutUint32(out, uint32(len(body)))
	binary.LittleEndian.PutUint32(out[4:], crc32.ChecksumIEEE(body))
	return append(out, body...)
}

func tombstoneRecord(id string) []byte {
	return encodeRecord(appendStr([]byte{recTombstone}, id))
}

// stateRecord encodes what list shows of a final state. The cgroup and
// the hooks stay out: only a live init's status (paused?) and the
// lifecycle need them, and those read state.json (Container.loadFull).
func stateRecord(ino uint64, s *State) []byte {
	b := appendStr([]byte{recState}, s.ID)
	b = binary.AppendUvarint(b, ino)
	b = binary.AppendUvarint(b, uint64(s.Pid))
	b = binary.AppendUvarint(b, s.PidStart)
	b = binary.AppendVarint(b, s.Created.Unix())
	b = binary.AppendUvarint(b, uint64(s.Created.Nanosecond()))
	b = binary.AppendVarint(b, int64(s.OwnerUID))
	for _, str := range []string{s.OCIVersion, s.Bundle, s.Rootfs} {
		b = appendStr(b, str)
	}
	return encodeRecord(appendMap(b, s.Annotations))
}

func appendStr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendMap(b []byte, m map[string]string) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	for k, v := range m {
		b = appendStr(appendStr(b, k), v)
	}
	return b
}

// indexEntry is where the live state record of an id is, and what
// parseIndex learnt of its init.
type indexEntry struct {
	off      int // of the record's body in the file
	pid      int
	pidStart uint64
	initGone bool // a later recInitGone names this init
}

// parseIndex checks an index file and finds the live state record of
// each id (total counts the state records and tombstones), decoded later (decodeRecord) and only for a container that
// list shows. ok is false for anything but a whole, well-formed index;
// the caller then uses none of it (a lost tombstone would make a record
// lie). data is the file; text, the same as a string, for the ids.
func parseIndex(data []byte, text string) (recs map[string]indexEntry, total int, ok bool) {
	if !bytes.HasPrefix(data, indexMagic) || len(text) != len(data) {
		return nil, 0, false
	}
	recs = make(map[string]indexEntry, len(data)/128)
	for off := len(indexMagic); off < len(data); total++ {
		if len(data)-off < 8 {
			return nil, 0, false
		}
		n := binary.LittleEndian.Uint32(data[off:])
		sum := binary.LittleEndian.Uint32(data[off+4:])
		off += 8
		if n > maxRecord || uint64(len(data)-off) < uint64(n) {
			return nil, 0, false
		}
		if crc32.ChecksumIEEE(data[off:off+int(n)]) != sum {
			return nil, 0, false
		}
		d := decoder{b: text[off : off+int(n)]}
		kind, id := d.byte(), d.str()
		switch kind {
		case recTombstone:
			delete(recs, id)
		case recState:
			d.uvarint() // the dir's inode
			recs[id] = indexEntry{off: off, pid: int(d.uvarint()), pidStart: d.uvarint()}
		case recInitGone:
			total-- // at most one a record: not counted for compaction
			pid, start := int(d.uvarint()), d.uvarint()
			if e, ok := recs[id]; ok && e.pid == pid && e.pidStart == start {
				e.initGone = true
				recs[id] = e
			}
		default:
			d.bad = true
		}
		if d.bad {
			return nil, 0, false
		}
		off += int(n)
	}
	return recs, total, true
}

// initGoneRecord says that the init pid (started at start) of the id's
// state record is gone: its container is stopped for good, and list
// checks it no more.
func initGoneRecord(id string, pid int, start uint64) []byte {
	b := appendStr([]byte{recInitGone}, id)
	b = binary.AppendUvarint(b, uint64(pid))
	return encodeRecord(binary.AppendUvarint(b, start))
}

// decodeRecord decodes into s the state record whose body starts at off
// (an offset parseIndex returned), and returns the dir's inode it holds.
// The strings share text's memory.
func decodeRecord(data []byte, text string, off int, s *State) (uint64, bool) {
	n := binary.LittleEndian.Uint32(data[off-8:])
	d := decoder{b: text[off : off+int(n)]}
	d.byte()
	ino := d.record(d.str(), s)
	return ino, !d.bad && len(d.b) == 0
}

// decoder reads a record body; bad is set on the first malformed field.
type decoder struct {
	b   string
	bad bool
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.bad = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := uvarint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

// varint is zig-zag decoded, as binary.AppendVarint wrote it.
func (d *decoder) varint() int64 {
	ux := d.uvarint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.b)) {
		d.bad = true
		return ""
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

func (d *decoder) strMap() map[string]string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.b)) {
		d.bad = true
		return nil
	}
	if n == 0 {
		return nil
	}
	m := make(map[string]string, n)
	for i := uint64(0); i < n && !d.bad; i++ {
		k := d.str()
		m[k] = d.str()
	}
	return m
}

func (d *decoder) record(id string, s *State) (ino uint64) {
	ino = d.uvarint()
	s.ID = id
	s.Pid = int(d.uvarint())
	s.PidStart = d.uvarint()
	sec, nsec := d.varint(), d.uvarint()
	if nsec >= 1e9 {
		d.bad = true
	}
	s.Created = time.Unix(sec, int64(nsec)).UTC()
	s.OwnerUID = int(d.varint())
	s.OCIVersion, s.Bundle, s.Rootfs = d.str(), d.str(), d.str()
	s.Annotations = d.strMap()
	if s.Pid <= 0 {
		d.bad = true
	}
	return ino
}

// lockRoot opens the root directory and flocks it (LOCK_SH or LOCK_EX):
// the index's lock. Close the fd to release it.
func lockRoot(root string, how int) (int, error) {
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: root, Err: err}
	}
	for {
		err = unix.Flock(fd, how)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		return -1, &os.PathError{Op: "flock", Path: root, Err: err}
	}
	return fd, nil
}

// appendIndex appends one framed record under the root's lock.
func appendIndex(root string, rec []byte, create bool) error {
	fd, err := lockRoot(root, unix.LOCK_EX)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return appendLocked(fd, root, rec, create)
}

// appendLocked appends rec to the index of the root open (and locked) at
// rootFd. With create unset, a missing index stays missing (a tombstone
// has nothing to cancel). A short write is cut off again, so the file
// stays whole.
func appendLocked(rootFd int, root string, rec []byte, create bool) error {
	name := filepath.Join(root, indexName)
	flags := unix.O_WRONLY | unix.O_APPEND | unix.O_CLOEXEC | unix.O_NOFOLLOW
	if create {
		flags |= unix.O_CREAT
	}
	f, err := unix.Openat(rootFd, indexName, flags, 0o600)
	if err != nil {
		if err == unix.ENOENT && !create {
			return nil
		}
		return &os.PathError{Op: "open", Path: name, Err: err}
	}
	defer unix.Close(f)
	var st unix.Stat_t
	if err := unix.Fstat(f, &st); err != nil {
		return &os.PathError{Op: "fstat", Path: name, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return &os.PathError{Op: "open", Path: name, Err: errors.New("not a regular file")}
	}
	if st.Size == 0 {
		rec = append(append([]byte{}, indexMagic...), rec...)
	}
	if st.Size+int64(len(rec)) > maxIndexSize {
		// Only list compacts the index: where nobody lists, creates and
		// deletes would grow it for ever. Without it, the next list reads
		// the states and writes it anew, compact.
		if err := unix.Unlinkat(rootFd, indexName, 0); err != nil && err != unix.ENOENT {
			return &os.PathError{Op: "unlink", Path: name, Err: err}
		}
		return nil
	}
	n, err := unix.Write(f, rec)
	if err == nil && n != len(rec) {
		err = unix.EIO
	}
	if err != nil {
		unix.Ftruncate(f, st.Size)
		return &os.PathError{Op: "write", Path: name, Err: err}
	}
	return nil
}

// invalidateLocked appends a tombstone for id; if that fails, the index
// goes: no record for id may outlive this call.
func invalidateLocked(rootFd int, root, id string) error {
	err := appendLocked(rootFd, root, tombstoneRecord(id), false)
	if err == nil {
		return nil
	}
	if rmErr := unix.Unlinkat(rootFd, indexName, 0); rmErr != nil && rmErr != unix.ENOENT {
		return errors.Join(err, &os.PathError{Op: "unlink", Path: filepath.Join(root, indexName), Err: rmErr})
	}
	return nil
}

// unindex cancels the container's record (invalidateLocked) before delete
// removes its dir. The create's tombstone (makeStateDir) is what keeps
// records true; this one is for the compaction's count, so its failure is
// not an error.
func (c *Container) unindex() {
	if fd, err := lockRoot(c.Root, unix.LOCK_EX); err == nil {
		invalidateLocked(fd, c.Root, c.State.ID)
		unix.Close(fd)
	}
}

// indexState records a final state just saved. Errors are ignored: a
// container without a record is only read the slow way.
func (c *Container) indexState() {
	var st unix.Stat_t
	if unix.Stat(c.dir(), &st) != nil {
		return
	}
	appendIndex(c.Root, stateRecord(st.Ino, &c.State), true)
}

// uvarint is binary.Uvarint for a string (no copy to a []byte).
func uvarint(s string) (uint64, int) {
	var x uint64
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		b := s[i]
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				return 0, -1
			}
			return x | uint64(b)<<(7*i), i + 1
		}
		x |= uint64(b&0x7f) << (7 * i)
	}
	return 0, 0
}

// loadFull replaces a state taken from the list index (which lacks the
// cgroup and the hooks) with the whole of state.json; the methods that need
// those call it first.
func (c *Container) loadFull() error {
	if !c.brief {
		return nil
	}
	full, err := readState(c.Root, c.State.ID, false)
	if err != nil {
		return err
	}
	c.State, c.brief = full.State, false
	return nil
}
