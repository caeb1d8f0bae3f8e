package cgroupsfs

import (
	"fmt"
	"path"
	"strings"

	"github.com/rt-runtime/rt/specerr"
)

// DefaultParent is the cgroup under which rt places containers whose
// linux.cgroupsPath is empty or relative. rt treats everything below it as
// its own, which is what lets Destroy remove empty intermediate directories.
const DefaultParent = "/rt"

// ResolvePath maps linux.cgroupsPath to the absolute cgroup path (relative to
// each hierarchy's root) that rt uses: "" gives DefaultParent/<id>, a relative
// path goes below DefaultParent, an absolute one is kept (cleaned). A ".."
// that climbs above its base, and a path that is a hierarchy root or
// DefaultParent itself, are refused: the container would share a cgroup it
// does not own.
func ResolvePath(cgroupsPath, id string) (string, error) {
	const field = "/linux/cgroupsPath"
	p := cgroupsPath
	if p == "" {
		if id == "" || strings.Contains(id, "/") || id == "." || id == ".." {
			return "", specerr.Errorf(field, "container id %q cannot name a cgroup", id)
		}
		p = id
	}
	if err := checkNoEscape(p); err != nil {
		return "", specerr.Errorf(field, "%q: %w", cgroupsPath, err)
	}
	if !path.IsAbs(p) {
		p = path.Join(DefaultParent, p)
		if p == DefaultParent {
			return "", specerr.Errorf(field, "%q names rt's parent cgroup %s", cgroupsPath, DefaultParent)
		}
		return p, nil
	}
	p = path.Clean(p)
	if p == "/" {
		return "", specerr.Errorf(field, "%q is the root cgroup", cgroupsPath)
	}
	return p, nil
}

// checkNoEscape fails if a ".." element climbs above the path's start.
// path.Clean alone would silently turn "/../x" into "/x".
func checkNoEscape(p string) error {
	depth := 0
	for _, el := range strings.Split(p, "/") {
		switch el {
		case "", ".":
		case "..":
			depth--
			if depth < 0 {
				return fmt.Errorf(`".." climbs above the start of the path`)
			}
		default:
			depth++
		}
	}
	return nil
}

// checkCgroupPath validates a path given to Create: absolute, clean, and not
// a hierarchy root.
func checkCgroupPath(p string) error {
	if !path.IsAbs(p) || path.Clean(p) != p || p == "/" {
		return fmt.Errorf("cgroup path %q must be absolute, clean and not the root (see ResolvePath)", p)
	}
	return nil
}
