package cgroupsfs

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
)

// v2Controllers are the controllers rt enables for a container on a pure v2
// host, when the root offers them, whether or not the spec sets a limit:
// their interface files then exist for a later update and for stats.
var v2Controllers = []string{"cpu", "memory", "pids", "io", "cpuset"}

// enableControllers writes "+controller" into cgroup.subtree_control of
// each ancestor of path in the unified hierarchy, from the root down to the
// parent, for the controllers not yet enabled there: a v2 cgroup has a
// controller's files only if its parent enables it. The cgroup itself gets
// none, since it holds processes ("no internal processes").
//
// need are the controllers that res sets (they must be enabled, or Create
// fails); the others are enabled where possible, and a level that refuses
// one (e.g. a pre-existing ancestor holding processes) only stops that one
// from going deeper.
func (h *Host) enableControllers(path string, need map[string]bool) error {
	if h.Unified == "" {
		return nil
	}
	var want []string
	for _, c := range v2Controllers {
		if h.unifiedHas(c) && (h.Mode == ModeV2 || need[c]) {
			want = append(want, c)
		}
	}
	for _, c := range slices.Sorted(maps.Keys(need)) {
		if !slices.Contains(want, c) && h.unifiedHas(c) {
			want = append(want, c)
		}
	}
	dir := h.Unified
	for _, el := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		if len(want) == 0 {
			return nil
		}
		var err error
		if want, err = enableIn(dir, want, need); err != nil {
			return err
		}
		dir = filepath.Join(dir, el)
	}
	return nil
}

// enableIn enables want in dir's subtree_control and returns those that
// are now enabled there. All missing ones go in one write; if the kernel
// refuses it, they are retried one by one to find which.
func enableIn(dir string, want []string, need map[string]bool) ([]string, error) {
	file := filepath.Join(dir, "cgroup.subtree_control")
	s, err := readFile(file)
	if err != nil {
		return nil, fmt.Errorf("enable controllers: %w", err)
	}
	have := strings.Fields(s)
	var missing []string
	for _, c := range want {
		if !slices.Contains(have, c) {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 || writeFile(file, "+"+strings.Join(missing, " +")) == nil {
		return want, nil
	}
	var enabled []string
	for _, c := range want {
		if slices.Contains(have, c) {
			enabled = append(enabled, c)
			continue
		}
		if err := writeFile(file, "+"+c); err != nil {
			if need[c] {
				return nil, fmt.Errorf("enable the %s controller: %w", c, err)
			}
			continue
		}
		enabled = append(enabled, c)
	}
	return enabled, nil
}
