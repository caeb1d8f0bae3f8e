package rootfs

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// CheckMountOptions refuses what the mount options would silently drop: a
// bind mount with filesystem options (mount(2) ignores the data of
// MS_BIND, and they cannot be set per mount point), as runc refuses it.
func CheckMountOptions(mounts []specs.Mount) error {
	for i, m := range mounts {
		opts, err := parseOptions(m.Options)
		if err != nil {
			continue // the plan says why, at the same field
		}
		if isBind(m, opts) && opts.data != "" {
			return fieldErr(fmt.Sprintf("/mounts/%d/options", i), "a bind mount takes no filesystem options (%s)", opts.data)
		}
	}
	return nil
}
