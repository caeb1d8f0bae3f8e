package cgroupsfs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// fakeKernel plays the kernel's part of cgroupfs on a tmpfs: a new cgroup
// directory gets the interface files of its hierarchy, and rmdir drops them
// (and refuses while a child cgroup exists, as the kernel does).
type fakeKernel struct {
	t       *testing.T
	files   map[string]map[string]string // mountpoint -> file -> content of a new cgroup's file
	busy    map[string]int               // dir -> EBUSY answers left before rmdir works
	removed []string                     // rmdir'ed directories, in order
	filters map[string]deviceState       // dir -> v2 device program attached
}

// hierarchy describes one fake mount: its directory (relative to the temp
// root), the names it is known by, and its files with their contents in a
// new cgroup. root holds contents that differ in the root cgroup.
type hierarchy struct {
	dir   string
	names []string
	files map[string]string
	root  map[string]string
}

// newFake builds the hierarchies under t.TempDir() and a Host over them.
func newFake(t *testing.T, mode Mode, hs ...hierarchy) (*Host, *fakeKernel) {
	tmp := t.TempDir()
	k := &fakeKernel{t: t, files: map[string]map[string]string{}, busy: map[string]int{},
		filters: map[string]deviceState{}}
	h := &Host{Mode: mode, V1: map[string]string{}, mkdir: k.mkdir, rmdir: k.rmdir,
		deviceFilter: func(dir string, st deviceState) error { k.filters[dir] = st; return nil }}
	for _, hi := range hs {
		mnt := filepath.Join(tmp, hi.dir)
		files := map[string]string{"cgroup.procs": ""}
		for f, v := range hi.files {
			files[f] = v
		}
		k.files[mnt] = files
		if err := os.MkdirAll(mnt, 0o755); err != nil {
			t.Fatal(err)
		}
		k.populate(mnt, files)
		k.populate(mnt, hi.root)
		for _, name := range hi.names {
			if name == "" {
				h.Unified = mnt
				h.UnifiedControllers = strings.Fields(hi.root["cgroup.controllers"])
			} else {
				h.V1[name] = mnt
			}
		}
	}
	return h, k
}

func (k *fakeKernel) populate(dir string, files map[string]string) {
	for f, v := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(v), 0o644); err != nil {
			k.t.Fatal(err)
		}
	}
}

// mountOf finds the hierarchy a directory belongs to.
func (k *fakeKernel) mountOf(dir string) map[string]string {
	for mnt, files := range k.files {
		if strings.HasPrefix(dir, mnt+"/") {
			return files
		}
	}
	k.t.Fatalf("%s is in no fake hierarchy", dir)
	return nil
}

func (k *fakeKernel) mkdir(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	k.populate(dir, k.mountOf(dir))
	return nil
}

func (k *fakeKernel) rmdir(dir string) error {
	if k.busy[dir] > 0 {
		k.busy[dir]--
		return &os.PathError{Op: "rmdir", Path: dir, Err: unix.EBUSY}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return &os.PathError{Op: "rmdir", Path: dir, Err: errors.Unwrap(err)}
	}
	for _, e := range entries {
		if e.IsDir() {
			return &os.PathError{Op: "rmdir", Path: dir, Err: unix.EBUSY}
		}
	}
	for _, e := range entries {
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	if err := os.Remove(dir); err != nil {
		return err
	}
	k.removed = append(k.removed, dir)
	return nil
}

// read returns a fake interface file's content.
func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Layouts like this machine's (hybrid), a classic v1 one and a v2 one.

func hybridLayout() []hierarchy {
	return []hierarchy{
		{dir: "cpu", names: []string{"cpu"}, files: map[string]string{
			"cpu.shares": "1024", "cpu.cfs_quota_us": "-1", "cpu.cfs_period_us": "100000"}},
		{dir: "cpuacct", names: []string{"cpuacct"}},
		{dir: "cpuset", names: []string{"cpuset"},
			files: map[string]string{"cpuset.cpus": "", "cpuset.mems": ""},
			root:  map[string]string{"cpuset.cpus": "0-3", "cpuset.mems": "0"}},
		{dir: "memory", names: []string{"memory"}, files: map[string]string{
			"memory.limit_in_bytes": "9223372036854771712"}},
		{dir: "pids", names: []string{"pids"}, files: map[string]string{"pids.max": "max"}},
		{dir: "systemd", names: []string{"name=systemd"}},
		{dir: "unified", names: []string{""},
			files: map[string]string{"cgroup.subtree_control": "", "cgroup.kill": ""},
			root:  map[string]string{"cgroup.controllers": "hugetlb", "cgroup.kill": "-"}},
	}
}

func v1Layout() []hierarchy {
	return []hierarchy{
		{dir: "cpu,cpuacct", names: []string{"cpu", "cpuacct"}, files: map[string]string{
			"cpu.shares": "1024", "cpu.cfs_quota_us": "-1", "cpu.cfs_period_us": "100000"}},
		{dir: "memory", names: []string{"memory"}, files: map[string]string{
			"memory.limit_in_bytes": "9223372036854771712"}},
		{dir: "pids", names: []string{"pids"}, files: map[string]string{"pids.max": "max"}},
	}
}

func v2Layout() []hierarchy {
	return []hierarchy{{dir: "", names: []string{""},
		files: map[string]string{
			"cgroup.subtree_control": "", "cgroup.controllers": "", "cgroup.kill": "",
			"cpu.max": "max 100000", "cpu.weight": "100", "memory.max": "max", "pids.max": "max"},
		root: map[string]string{
			"cgroup.controllers": "cpuset cpu io memory hugetlb pids rdma misc", "cgroup.subtree_control": "cpu memory"}}}
}
