package rootfs

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// indexes: the lines that start with prefix.
func indexes(lines []string, prefix string) []int {
	var at []int
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			at = append(at, i)
		}
	}
	return at
}

// A device in a subdirectory of /dev gets its parent made first, once, in
// the rootfs; with a user namespace too, before the bind (issue 10 §2.13).
func TestDeviceParents(t *testing.T) {
	dir := t.TempDir()
	spec := rootfsSpec()
	spec.Linux.Devices = []specs.LinuxDevice{
		{Path: "/dev/net/tun", Type: "c", Major: 10, Minor: 200},
		{Path: "/dev/snd/a/b", Type: "c", Major: 116, Minor: 2},
		{Path: "/dev/net/other", Type: "c", Major: 1, Minor: 3},
		{Path: "/dev/rtnull", Type: "c", Major: 1, Minor: 3},
	}
	for _, userns := range []bool{false, true} {
		lines := planLines(t, spec, Options{Rootfs: dir, Bundle: dir, NewUserNS: userns})
		node := "mknod "
		if userns {
			node = "mkfile "
		}
		for _, d := range [][2]string{{"/dev/net", "/dev/net/tun"}, {"/dev/snd/a", "/dev/snd/a/b"}} {
			mk := indexes(lines, "mkdir "+d[0]+" mode=0755 (in rootfs)  # /linux/devices/")
			nodes := indexes(lines, node+d[1]+" ")
			if len(mk) != 1 || len(nodes) != 1 || mk[0] > nodes[0] {
				t.Errorf("userns %t: want one mkdir %s (0755, in the rootfs) before %s%s:\n%s",
					userns, d[0], node, d[1], strings.Join(lines, "\n"))
			}
		}
		if mk := indexes(lines, "mkdir /dev mode"); len(mk) != 1 {
			t.Errorf("userns %t: /dev made %d times, want once (its mount point)", userns, len(mk))
		}
	}
}
