package libct

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// deadPid is a pid above any pid_max: kill(2) says ESRCH.
const deadPid = 1 << 30

func fullState(bundle string) State {
	return State{OCIVersion: "1.2.0", Pid: deadPid, PidStart: 77, Bundle: bundle, Rootfs: bundle + "/rootfs",
		Created: time.Date(2025, 1, 2, 3, 4, 5, 600, time.UTC), OwnerUID: 1000,
		Annotations: map[string]string{"k": "v", "x": ""},
		CgroupPaths: map[string]string{"": "/sys/fs/cgroup/x", "pids": "/sys/fs/cgroup/pids/x"},
		SystemdUnit: "x.scope"}
}

func inode(t *testing.T, name string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(name, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

func readIndex(t *testing.T, root string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, indexName))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// listed returns List's containers by id, failing on an error.
func listed(t *testing.T, root string) map[string]*Container {
	t.Helper()
	cs, err := List(root)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*Container{}
	for _, c := range cs {
		m[c.State.ID] = c
	}
	return m
}

// shown is what list shows of a state (the record's fields).
func shown(s State) string {
	return fmt.Sprintf("%s %s %d %d %s %s %s %d %v", s.OCIVersion, s.ID, s.Pid, s.PidStart, s.Bundle, s.Rootfs,
		s.Created.Format(time.RFC3339Nano), s.OwnerUID, s.Annotations)
}

func TestIndexRecordRoundTrip(t *testing.T) {
	st := fullState("/b")
	st.ID = "c1"
	data := append(slicesClone(indexMagic), stateRecord(42, &st)...)
	data = append(data, tombstoneRecord("gone")...)
	recs, total, ok := parseIndex(data, string(data))
	if !ok || total != 2 || len(recs) != 1 {
		t.Fatalf("parseIndex = %v, %d, %v", recs, total, ok)
	}
	var got State
	ino, ok := decodeRecord(data, string(data), recs["c1"].off, &got)
	if !ok || ino != 42 || shown(got) != shown(st) || !got.Created.Equal(st.Created) {
		t.Errorf("decoded %v %d %q, want %q", ok, ino, shown(got), shown(st))
	}
	if got.CgroupPaths != nil || got.Hooks != nil || got.SystemdUnit != "" {
		t.Errorf("the record carries the cgroup or hooks: %+v", got)
	}
}

func slicesClone(b []byte) []byte { return append([]byte(nil), b...) }

// Every corruption of the index makes the whole of it unusable: a
// tombstone lost would make an older record lie.
func TestIndexCorruptIgnored(t *testing.T) {
	st := fullState("/b")
	st.ID = "c1"
	rec := stateRecord(42, &st)
	good := append(append(slicesClone(indexMagic), rec...), tombstoneRecord("c1")...)
	bad := map[string][]byte{
		"foreign magic": append([]byte("rt list index v0\n"), good[len(indexMagic):]...),
		"torn tail":     good[:len(good)-3],
		"flipped byte":  func() []byte { b := slicesClone(good); b[len(indexMagic)+12] ^= 1; return b }(),
		"huge length":   append(slicesClone(indexMagic), 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0),
		"garbage":       []byte("hello\x00world"),
	}
	for name, data := range bad {
		if recs, _, ok := parseIndex(data, string(data)); ok || recs != nil {
			t.Errorf("%s: parseIndex = %v, %v, want not ok", name, recs, ok)
		}
	}
	// On disk: list reads the states and writes a good index again.
	root := t.TempDir()
	writeState(t, root, "c1", fullState("/real"))
	for name, data := range bad {
		if err := os.WriteFile(filepath.Join(root, indexName), data, 0o600); err != nil {
			t.Fatal(err)
		}
		cs := listed(t, root)
		if len(cs) != 1 || cs["c1"] == nil || cs["c1"].State.Bundle != "/real" {
			t.Errorf("%s: list = %v", name, cs)
		}
		if data := readIndex(t, root); !bytes.HasPrefix(data, indexMagic) {
			t.Errorf("%s: index not rebuilt: %q", name, data)
		}
	}
}

// With no index, list reads every state and builds one; the next list
// takes the final states from it, and they say the same.
func TestIndexBuiltAndUsed(t *testing.T) {
	root := t.TempDir()
	for i := 0; i < 5; i++ {
		writeState(t, root, "c"+strconv.Itoa(i), fullState("/b"+strconv.Itoa(i)))
	}
	creating := fullState("/creating")
	creating.Pid, creating.Creating = 0, true
	writeState(t, root, "creating", creating)
	first := listed(t, root)
	if len(first) != 6 {
		t.Fatalf("first list: %d containers", len(first))
	}
	recs, _, ok := parseIndex(readIndex(t, root), string(readIndex(t, root)))
	if _, creating := recs["creating"]; !ok || len(recs) != 5 || creating {
		t.Fatalf("index after first list: %v, %v", recs, ok)
	}
	second := listed(t, root)
	for id, c := range first {
		d := second[id]
		if d == nil || shown(d.State) != shown(c.State) || d.Status() != c.Status() {
			t.Errorf("%s: second list %+v, first %+v", id, d, c)
		}
		if d.brief != (id != "creating") {
			t.Errorf("%s: brief = %v", id, d.brief)
		}
	}
	// A brief state becomes the whole one when a method needs the cgroup.
	c := second["c1"]
	if _, err := c.cgroup(); err != nil {
		t.Fatal(err)
	}
	if c.brief || c.State.CgroupPaths["pids"] != "/sys/fs/cgroup/pids/x" || c.State.SystemdUnit != "x.scope" {
		t.Errorf("after cgroup(): brief %v, %+v", c.brief, c.State)
	}
}

// A record is used only while its dir is the one it was written for, and
// no create of the id came after it.
func TestIndexStaleRecordIgnored(t *testing.T) {
	root := t.TempDir()
	dir := writeState(t, root, "c1", fullState("/old"))
	listed(t, root) // builds the index
	ino := inode(t, dir)

	// A record naming another inode is not used.
	other := fullState("/other")
	other.ID = "c1"
	data := append(slicesClone(indexMagic), stateRecord(ino+1, &other)...)
	if err := os.WriteFile(filepath.Join(root, indexName), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if c := listed(t, root)["c1"]; c == nil || c.State.Bundle != "/old" {
		t.Errorf("record of another inode used: %+v", c)
	}

	// The dir goes without a tombstone (as if an older rt deleted it);
	// a create of the same id cancels the record before it makes the dir,
	// whatever inode the new dir gets.
	listed(t, root)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	c := &Container{Root: root, State: State{ID: "c1"}}
	if err := c.makeStateDir(); err != nil {
		t.Fatal(err)
	}
	newSt := fullState("/new")
	newSt.Pid = deadPid + 1
	writeState(t, root, "c1", newSt)
	if c := listed(t, root)["c1"]; c == nil || c.State.Bundle != "/new" || c.State.Pid != deadPid+1 {
		t.Errorf("after recreate: %+v", c)
	}

	// A later save of the state re-appends the record.
	c = load(t, root, "c1")
	c.State.Bundle = "/saved"
	if err := c.save(); err != nil {
		t.Fatal(err)
	}
	if c := listed(t, root)["c1"]; c == nil || c.State.Bundle != "/saved" || !c.brief {
		t.Errorf("after save: %+v", c)
	}
}

// Delete's tombstone: the id's record is dead, and the dir gone.
func TestIndexTombstone(t *testing.T) {
	root := t.TempDir()
	writeState(t, root, "c1", fullState("/b"))
	writeState(t, root, "c2", fullState("/b"))
	listed(t, root)
	c := load(t, root, "c1")
	c.unindex()
	recs, total, ok := parseIndex(readIndex(t, root), string(readIndex(t, root)))
	if _, c2 := recs["c2"]; !ok || total != 3 || len(recs) != 1 || !c2 {
		t.Errorf("after tombstone: %v %d %v", recs, total, ok)
	}
	// A missing index gets no tombstone (nothing to cancel) and is not made.
	os.Remove(filepath.Join(root, indexName))
	c.unindex()
	if _, err := os.Stat(filepath.Join(root, indexName)); !os.IsNotExist(err) {
		t.Errorf("tombstone made an index: %v", err)
	}
}

// Many appenders at once, from goroutines (each its own open file
// description, as processes) and processes: every record arrives whole.
func TestIndexConcurrentAppends(t *testing.T) {
	root := t.TempDir()
	const goroutines, procs, each = 8, 4, 50
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			appendMany(root, "g"+strconv.Itoa(g), each)
		}()
	}
	var cmds []*exec.Cmd
	for p := 0; p < procs; p++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestIndexAppendHelper$")
		cmd.Env = append(os.Environ(), "RT_INDEX_HELPER="+root+":p"+strconv.Itoa(p)+":"+strconv.Itoa(each))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	wg.Wait()
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	data := readIndex(t, root)
	recs, total, ok := parseIndex(data, string(data))
	if !ok || total != (goroutines+procs)*each || len(recs) != (goroutines+procs)*each {
		t.Errorf("index: ok %v, %d records, %d ids, want %d", ok, total, len(recs), (goroutines+procs)*each)
	}
}

func appendMany(root, prefix string, n int) error {
	for i := 0; i < n; i++ {
		st := fullState("/b")
		st.ID = prefix + "-" + strconv.Itoa(i)
		if err := appendIndex(root, stateRecord(uint64(i+1), &st), true); err != nil {
			return err
		}
	}
	return nil
}

func TestIndexAppendHelper(t *testing.T) {
	arg := os.Getenv("RT_INDEX_HELPER")
	if arg == "" {
		t.Skip("run by TestIndexConcurrentAppends")
	}
	var root, prefix string
	var n int
	parts := bytes.Split([]byte(arg), []byte(":"))
	root, prefix = string(parts[0]), string(parts[1])
	n, _ = strconv.Atoi(string(parts[2]))
	if err := appendMany(root, prefix, n); err != nil {
		t.Fatal(err)
	}
}

// Dead records beyond the live ones are compacted away by list.
func TestIndexCompaction(t *testing.T) {
	root := t.TempDir()
	writeState(t, root, "c1", fullState("/b"))
	listed(t, root)
	for i := 0; i < 200; i++ {
		if err := appendIndex(root, tombstoneRecord("gone"+strconv.Itoa(i)), false); err != nil {
			t.Fatal(err)
		}
	}
	if c := listed(t, root)["c1"]; c == nil || c.State.Bundle != "/b" {
		t.Errorf("list: %+v", c)
	}
	data := readIndex(t, root)
	if recs, total, ok := parseIndex(data, string(data)); !ok || total != 1 || len(recs) != 1 {
		t.Errorf("after compaction: %v %d %v", recs, total, ok)
	}
}

// The state json of a record and of state.json agree for what list shows.
func TestIndexSameAsStateJSON(t *testing.T) {
	root := t.TempDir()
	writeState(t, root, "c1", fullState("/b"))
	slow := listed(t, root)["c1"]
	fast := listed(t, root)["c1"]
	if !fast.brief {
		t.Fatal("second list did not use the index")
	}
	a, _ := json.Marshal(slow.State)
	fast.loadFull()
	b, _ := json.Marshal(fast.State)
	if !bytes.Equal(a, b) {
		t.Errorf("index %s, state.json %s", b, a)
	}
}

// An init found gone is recorded, and the next list trusts that: a dead
// init never comes back. The record names the init, so it does not
// apply to a later state of the id.
func TestIndexInitGone(t *testing.T) {
	root := t.TempDir()
	writeState(t, root, "dead", fullState("/b"))
	alive := fullState("/b")
	alive.Pid, alive.PidStart = os.Getpid(), startTime(t, os.Getpid())
	writeState(t, root, "alive", alive)
	listed(t, root) // builds the index
	cs := listed(t, root)
	if !cs["dead"].initGone || cs["alive"].initGone {
		t.Errorf("initGone: dead %v, alive %v", cs["dead"].initGone, cs["alive"].initGone)
	}
	data := readIndex(t, root)
	recs, _, ok := parseIndex(data, string(data))
	if !ok || !recs["dead"].initGone || recs["alive"].initGone {
		t.Fatalf("index: %+v %v", recs, ok)
	}
	if st := listed(t, root)["dead"].Status(); st != Stopped {
		t.Errorf("status %s", st)
	}
	// Another init of the same id: the mark does not carry over.
	st := fullState("/b")
	st.ID, st.PidStart = "dead", 78
	rec := append(stateRecord(inode(t, filepath.Join(root, "dead")), &st), initGoneRecord("dead", deadPid, 77)...)
	if err := appendIndex(root, rec, false); err != nil {
		t.Fatal(err)
	}
	data = readIndex(t, root)
	if recs, _, ok := parseIndex(data, string(data)); !ok || recs["dead"].initGone || recs["dead"].pidStart != 78 {
		t.Errorf("a mark for another init applied: %+v", recs["dead"])
	}
}

// Where nobody lists, appends stop at maxIndexSize: the index goes, and
// the next list rebuilds it.
func TestIndexBounded(t *testing.T) {
	root := t.TempDir()
	name := filepath.Join(root, indexName)
	if err := appendIndex(root, tombstoneRecord("a"), true); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(name, maxIndexSize-4); err != nil {
		t.Fatal(err)
	}
	if err := appendIndex(root, tombstoneRecord("b"), true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Fatalf("index past its bound still there (%v)", err)
	}
}
