package libct

import (
	"fmt"
	"os"
	"sync"
)

// unprivileged: rt runs without privilege over the host: not as root, or
// as root in a user namespace that is not the initial one (rootless
// podman's, `unshare -r`'s). The kernel then refuses mknod, a sysfs
// without a network namespace of its own, and open_tree and fsopen in
// the host's mount namespace; the plan and the binary's seal take other
// ways (rootfs.Options.Unprivileged, sealedExe). Read once.
var unprivileged = sync.OnceValue(func() bool {
	return os.Geteuid() != 0 || inNestedUserNS()
})

// inNestedUserNS: rt's uid_map is not the identity of the whole range,
// which only the initial user namespace has.
func inNestedUserNS() bool {
	data, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return false
	}
	var inside, outside, size uint64
	if _, err := fmt.Sscan(string(data), &inside, &outside, &size); err != nil {
		return false
	}
	return inside != 0 || outside != 0 || size != 4294967295
}
