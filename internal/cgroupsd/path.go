package cgroupsd

import (
	"fmt"
	"strings"

	"github.com/rt-runtime/rt/specerr"
)

// Unit is where a container's scope lives.
type Unit struct {
	Slice string // the parent slice unit, "system.slice"
	Name  string // the unit, "rt-ID.scope" (or a slice, "NAME.slice")
	// Path is the cgroup path of the unit relative to systemd's own cgroup
	// (the hierarchy root for the system instance): the slice expanded,
	// then the unit, "/system.slice/rt-ID.scope".
	Path string
}

// IsSlice reports whether the unit is itself a slice (a name ending in
// ".slice": runc creates a slice, not a scope, then; kubelet uses it).
func (u Unit) IsSlice() bool { return strings.HasSuffix(u.Name, ".slice") }

// DefaultPrefix is the scope prefix for an empty cgroupsPath, as "runc" is
// runc's.
const DefaultPrefix = "rt"

// ParsePath maps linux.cgroupsPath to the unit, as runc does with
// --systemd-cgroup: "slice:prefix:name" gives prefix-name.scope in slice
// (an empty slice is the default one); "" gives <prefix rt>-<id>.scope in
// the default slice, system.slice (user.slice when rootless). Any other
// form, or a slice name systemd would refuse, is an error naming
// /linux/cgroupsPath.
func ParsePath(cgroupsPath, id string, rootless bool) (Unit, error) {
	const field = "/linux/cgroupsPath"
	slice, prefix, name := "", DefaultPrefix, id
	if cgroupsPath != "" {
		parts := strings.Split(cgroupsPath, ":")
		if len(parts) != 3 {
			return Unit{}, specerr.Errorf(field, "%q: with --systemd-cgroup it must have the form \"slice:prefix:name\" (e.g. \"system.slice:rt:ID\")", cgroupsPath)
		}
		slice, prefix, name = parts[0], parts[1], parts[2]
	}
	if name == "" || strings.Contains(name, "/") || strings.Contains(prefix, "/") {
		return Unit{}, specerr.Errorf(field, "%q: the name must be non-empty, and neither it nor the prefix may hold a \"/\"", cgroupsPath)
	}
	if slice == "" {
		slice = "system.slice"
		if rootless {
			slice = "user.slice"
		}
	}
	slicePath, err := ExpandSlice(slice)
	if err != nil {
		return Unit{}, specerr.Errorf(field, "%q: %w", cgroupsPath, err)
	}
	u := Unit{Slice: slice, Name: name}
	if !u.IsSlice() {
		u.Name = prefix + "-" + name + ".scope"
	}
	u.Path = strings.TrimSuffix(slicePath, "/") + "/" + u.Name
	return u, nil
}

// ExpandSlice returns the cgroup path of a slice unit: systemd nests
// slices by the dashes in their names, so "a-b.slice" lives in
// "/a.slice/a-b.slice", and "-.slice" is the root. A name that does not end
// in ".slice", holds a "/", or has an empty component ("a--b.slice",
// "-a.slice") is refused, as systemd refuses it.
func ExpandSlice(slice string) (string, error) {
	const suffix = ".slice"
	base, ok := strings.CutSuffix(slice, suffix)
	if !ok || base == "" || strings.Contains(slice, "/") {
		return "", fmt.Errorf("invalid slice name %q: it must end in %q and hold no \"/\"", slice, suffix)
	}
	if base == "-" {
		return "/", nil
	}
	var path, prefix strings.Builder
	for _, component := range strings.Split(base, "-") {
		if component == "" {
			return "", fmt.Errorf("invalid slice name %q: empty component between dashes", slice)
		}
		prefix.WriteString(component)
		path.WriteString("/" + prefix.String() + suffix)
		prefix.WriteString("-")
	}
	return path.String(), nil
}
