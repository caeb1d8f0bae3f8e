package cgroupsfs

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ParseSubCgroups reads `exec --cgroup` values, in runc's form
// [CONTROLLER[,CONTROLLER...]:]PATH: PATH for those v1 hierarchies, or for
// every hierarchy when no controller is named. It returns hierarchy name
// ("" for every one) → PATH, a relative path below the container's cgroup.
func ParseSubCgroups(values []string) (map[string]string, error) {
	subs := map[string]string{}
	for _, v := range values {
		names, path := []string{""}, v
		if i := strings.LastIndex(v, ":"); i >= 0 {
			names, path = strings.Split(v[:i], ","), v[i+1:]
		}
		rel, err := subPath(path)
		if err != nil {
			return nil, fmt.Errorf("--cgroup %q: bad sub cgroup path: %w", v, err)
		}
		for _, name := range names {
			if name == "" && len(names) > 1 {
				return nil, fmt.Errorf("--cgroup %q: an empty controller name", v)
			}
			if _, dup := subs[name]; dup {
				what := "every hierarchy"
				if name != "" {
					what = "controller " + name
				}
				return nil, fmt.Errorf("--cgroup %q: %s already has a sub-cgroup", v, what)
			}
			subs[name] = rel
		}
	}
	return subs, nil
}

// subPath checks that p names a cgroup strictly below another one.
func subPath(p string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("no sub-cgroup path")
	}
	if filepath.IsAbs(p) {
		return "", fmt.Errorf("the sub-cgroup path must be relative to the container's cgroup")
	}
	rel := filepath.Clean(p)
	if rel == "." || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("the sub-cgroup must be inside the container's cgroup")
	}
	return rel, nil
}

// Sub returns the cgroup made of, in each hierarchy, the sub-cgroup that
// subs (from ParseSubCgroups) gives for it by name, else the one it gives
// for every hierarchy, else the cgroup itself. Each sub-cgroup must exist.
func (c *Cgroup) Sub(subs map[string]string) (*Cgroup, error) {
	for name := range subs {
		if name == "" {
			continue
		}
		if _, ok := c.Paths[name]; !ok {
			if _, v2 := c.UnifiedOnly(); v2 {
				return nil, fmt.Errorf("--cgroup: %q: cgroup v2 has one hierarchy: give the path without controller names", name)
			}
			return nil, fmt.Errorf("--cgroup: the container has no cgroup v1 hierarchy %q", name)
		}
	}
	names := make([]string, 0, len(c.Paths))
	for name := range c.Paths {
		names = append(names, name)
	}
	sort.Strings(names)
	sub := &Cgroup{Path: c.Path, Paths: map[string]string{}, host: c.host}
	byDir := map[string]string{} // a directory's sub-cgroup, for co-mounted controllers
	for _, name := range names {
		dir := c.Paths[name]
		rel, ok := subs[name]
		if !ok {
			rel, ok = subs[""]
		}
		if !ok {
			rel = "."
		}
		if prev, seen := byDir[dir]; seen && prev != rel {
			return nil, fmt.Errorf("--cgroup: %s is one hierarchy for several controllers: give them the same sub-cgroup (%s, %s)", dir, prev, rel)
		}
		byDir[dir] = rel
		target := filepath.Join(dir, rel)
		if fi, err := os.Stat(target); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("--cgroup: sub-cgroup %s does not exist", target)
		}
		sub.Paths[name] = target
	}
	if rel, ok := subs[""]; ok {
		sub.Path = c.Path + "/" + rel
	}
	return sub, nil
}
