package cgroupsfs

import (
	"fmt"
	"path/filepath"
	"time"
)

// freezer finds the file that freezes the cgroup: the v1 freezer's
// freezer.state, else cgroup2's cgroup.freeze (which hybrid hosts have in
// the unified directory too).
func (c *Cgroup) freezer() (file string, v2 bool, err error) {
	if dir, ok := c.Paths["freezer"]; ok {
		return filepath.Join(dir, "freezer.state"), false, nil
	}
	if dir, ok := c.Paths[""]; ok {
		return filepath.Join(dir, "cgroup.freeze"), true, nil
	}
	return "", false, fmt.Errorf("no freezer: neither a v1 freezer hierarchy nor cgroup2 holds this cgroup")
}

// Freeze stops every process of the cgroup and waits until the kernel says
// they all are frozen.
func (c *Cgroup) Freeze() error { return c.setFrozen(true) }

// Thaw lets them run again.
func (c *Cgroup) Thaw() error { return c.setFrozen(false) }

func (c *Cgroup) setFrozen(frozen bool) error {
	file, v2, err := c.freezer()
	if err != nil {
		return err
	}
	want := map[bool]map[bool]string{false: {true: "FROZEN", false: "THAWED"}, true: {true: "1", false: "0"}}[v2][frozen]
	if err := writeFile(file, want); err != nil {
		return err
	}
	// v1 passes through FREEZING; cgroup2 reports "frozen 1" in cgroup.events.
	deadline := time.Now().Add(5 * time.Second)
	for delay := 50 * time.Microsecond; ; delay = min(delay*2, 10*time.Millisecond) {
		done, err := c.frozenState(frozen)
		if err != nil || done {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: the kernel did not finish (still not %s)", file, want)
		}
		if !v2 && frozen {
			writeFile(file, want) // a v1 freeze may need a retry to finish
		}
		time.Sleep(delay)
	}
}

func (c *Cgroup) frozenState(frozen bool) (bool, error) {
	file, v2, err := c.freezer()
	if err != nil {
		return false, err
	}
	if v2 {
		s, err := readFile(filepath.Join(filepath.Dir(file), "cgroup.events"))
		if err != nil {
			return false, err
		}
		want := "frozen 0"
		if frozen {
			want = "frozen 1"
		}
		for _, line := range splitLines(s) {
			if line == want {
				return true, nil
			}
		}
		return false, nil
	}
	s, err := readFile(file)
	if err != nil {
		return false, err
	}
	if frozen {
		return s == "FROZEN", nil
	}
	return s == "THAWED", nil
}

// Frozen reports whether the cgroup is frozen (a paused container). A v1
// freezer also reports FREEZING while a task that just joined a frozen
// cgroup (an `exec --ignore-paused`) is being frozen: the container is
// still paused then, as it is while a freeze is under way.
func (c *Cgroup) Frozen() bool {
	ok, err := c.frozenState(true)
	if err != nil || ok {
		return ok
	}
	file, v2, err := c.freezer()
	if err != nil || v2 {
		return false
	}
	s, err := readFile(file)
	return err == nil && s == "FREEZING"
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
