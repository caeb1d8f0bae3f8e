package rootfs

import "sort"

// MountOptionNames lists every mount option rt recognises and implements,
// sorted: the option table (mountOptions). The known options rt refuses
// (unsupportedOptions) are left out, and so are filesystem options, which
// go to the kernel as mount data. This is the list `rt features` prints as
// mountOptions.
func MountOptionNames() []string {
	names := make([]string, 0, len(mountOptions))
	for n := range mountOptions {
		if !unsupportedOptions[n] {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// IDMapMountsSupported reports whether rt applies mounts' uidMappings and
// gidMappings (config.md; features-linux.md mountExtensions.idmap): it
// does when it takes the idmap option, which asks for them.
func IDMapMountsSupported() bool {
	_, ok := mountOptions["idmap"]
	return ok && !unsupportedOptions["idmap"]
}
