package specconv

import (
	"fmt"
	"path"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/specerr"
)

// checkLinux validates the linux section's fields that the plan builders
// take as they come: devices, masked and read-only paths, sysctl, time
// offsets.
func checkLinux(spec *specs.Spec) error {
	l := spec.Linux
	if l == nil {
		return nil
	}
	if err := checkDevices(l.Devices); err != nil {
		return err
	}
	if err := checkPathLists(l); err != nil {
		return err
	}
	if _, ok := l.Sysctl["kernel.hostname"]; ok {
		// runc refuses it too: /hostname is the one place for it.
		return fieldErr("/linux/sysctl/kernel.hostname", "conflicts with /hostname: set the hostname there")
	}
	for clock, off := range l.TimeOffsets {
		if off.Nanosecs >= 1e9 {
			return fieldErr("/linux/timeOffsets/"+specerr.Escape(clock)+"/nanosecs", "%d is not below one second (1000000000)", off.Nanosecs)
		}
	}
	return nil
}

// deviceKinds are the file types of linux.devices' types.
var deviceKinds = map[string]uint32{"c": unix.S_IFCHR, "u": unix.S_IFCHR, "b": unix.S_IFBLK, "p": unix.S_IFIFO}

// Device numbers as mknod(2) takes them: a 12-bit major, a 20-bit minor.
const (
	maxMajor = 1<<12 - 1
	maxMinor = 1<<20 - 1
)

// checkDevices: config-linux.md Devices. The path names one node inside the
// container (no "..", not the root); the numbers of a device other than a
// fifo are numbers mknod(2) can hold; fileMode is permission bits
// (07777), optionally with the file type bits of the device's own type, as
// podman writes them. Unknown types and relative paths are rootfs's.
func checkDevices(devs []specs.LinuxDevice) error {
	for i, d := range devs {
		field := fmt.Sprintf("/linux/devices/%d", i)
		kind, ok := deviceKinds[d.Type]
		if !ok {
			continue
		}
		if slices.Contains(strings.Split(d.Path, "/"), "..") {
			return fieldErr(field+"/path", "device path %q has a \"..\" component", d.Path)
		}
		if path.IsAbs(d.Path) && path.Clean(d.Path) == "/" {
			return fieldErr(field+"/path", "device path %q is the container's root", d.Path)
		}
		if err := checkDeviceNumbers(d, field); err != nil {
			return err
		}
		if d.FileMode != nil {
			mode := uint32(*d.FileMode)
			if extra := mode &^ 0o7777; extra != 0 && extra != kind {
				return fieldErr(field+"/fileMode", "mode %#o has bits beyond 07777", mode)
			}
		}
	}
	return nil
}

func checkDeviceNumbers(d specs.LinuxDevice, field string) error {
	if d.Type == "p" {
		return nil // numbers of a fifo are ignored, with a warning
	}
	if d.Major < 0 || d.Major > maxMajor {
		return fieldErr(field+"/major", "major %d is not in 0..%d", d.Major, maxMajor)
	}
	if d.Minor < 0 || d.Minor > maxMinor {
		return fieldErr(field+"/minor", "minor %d is not in 0..%d", d.Minor, maxMinor)
	}
	return nil
}

// checkPathLists: config-linux.md says maskedPaths and readonlyPaths MUST be
// absolute. Like runc, rt refuses them without a mount namespace: they
// could only be applied by changing the host's mounts.
func checkPathLists(l *specs.Linux) error {
	for _, list := range []struct {
		name  string
		paths []string
	}{{"maskedPaths", l.MaskedPaths}, {"readonlyPaths", l.ReadonlyPaths}} {
		for i, p := range list.paths {
			if !path.IsAbs(p) {
				return fieldErr(fmt.Sprintf("/linux/%s/%d", list.name, i), "path %q is not absolute", p)
			}
		}
		if len(list.paths) > 0 && !slices.ContainsFunc(l.Namespaces, func(ns specs.LinuxNamespace) bool {
			return ns.Type == specs.MountNamespace
		}) {
			return fieldErr("/linux/"+list.name, "needs a mount namespace: add one to /linux/namespaces, or remove the %d paths", len(list.paths))
		}
	}
	return nil
}
