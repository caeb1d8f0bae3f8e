package cgroupsfs

import (
	"fmt"
	"path/filepath"
)

// ThreadJoin moves the calling thread, and only it, into c in every v1
// hierarchy, and returns back, which moves it to where it was. The caller
// locks the goroutine to its OS thread (runtime.LockOSThread) first, starts
// the process that must begin life in c from that thread (a child is born
// in its forking thread's cgroups), then calls back. The unified hierarchy
// is not touched: a process is started in its cgroup2 directory with
// clone3's CLONE_INTO_CGROUP.
//
// Why: moving a process (a write to cgroup.procs) takes the kernel's
// thread-group lock for writing, which after a quiet spell waits for an RCU
// grace period (5 to 15 ms at HZ=250); moving the writer's own thread
// ("0" into tasks) needs no such lock, and takes some 100 µs.
//
// The thread's original cgroups come from /proc/thread-self/cgroup. On an
// error nothing stays moved: the moves made are undone before it returns.
func (c *Cgroup) ThreadJoin() (back func() error, err error) {
	if c.host == nil {
		return nil, fmt.Errorf("cgroup: ThreadJoin needs the host's layout")
	}
	from, err := threadCgroups(c.host, "/proc/thread-self/cgroup")
	if err != nil {
		return nil, err
	}
	var moved []string // original directories, to move back to
	back = func() error {
		var first error
		for _, dir := range moved {
			if err := writeFile(filepath.Join(dir, "tasks"), "0"); err != nil && first == nil {
				first = fmt.Errorf("cgroup: move the thread back to %s: %w", dir, err)
			}
		}
		return first
	}
	seen := map[string]bool{}
	for name, dir := range c.Paths {
		if name == "" || seen[dir] {
			continue
		}
		seen[dir] = true
		orig, ok := from[name]
		if !ok {
			err = fmt.Errorf("cgroup: hierarchy %s is not in /proc/thread-self/cgroup", name)
		} else if err = writeFile(filepath.Join(dir, "tasks"), "0"); err == nil {
			moved = append(moved, orig)
			continue
		}
		if berr := back(); berr != nil {
			err = fmt.Errorf("%w; %v", err, berr)
		}
		return nil, err
	}
	return back, nil
}

// threadCgroups maps each v1 hierarchy name of h (a controller or
// "name=..."; co-mounted ones under each of their names) to the directory
// of the cgroup that cgroupFile (/proc/thread-self/cgroup) lists.
func threadCgroups(h *Host, cgroupFile string) (map[string]string, error) {
	lines, err := ReadProcCgroup(cgroupFile)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, c := range lines {
		if c.Controllers == nil || c.Deleted() {
			continue
		}
		for _, name := range c.Controllers {
			if mnt, ok := h.V1[name]; ok {
				for _, n := range c.Controllers {
					out[n] = filepath.Join(mnt, c.Path)
				}
				break
			}
		}
	}
	return out, nil
}
