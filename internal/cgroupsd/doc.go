// Package cgroupsd is the systemd cgroup driver (`rt --systemd-cgroup`):
// the container's cgroup is a transient scope unit that systemd creates and
// removes, asked over D-Bus, as runc's systemd driver does.
//
// It owns:
//   - naming: linux.cgroupsPath as "slice:prefix:name" (or empty) → the
//     slice, the unit name ("prefix-name.scope") and the cgroup path the
//     scope gets, nested slices expanded ([ParsePath], [ExpandSlice]);
//   - the conversion of linux.resources to unit properties ([Properties]):
//     what systemd has a property for, with runc's conversions;
//   - the conversation with systemd ([Connect], [Manager]): start the scope
//     with the container's first pid in it, set properties on update, stop
//     the unit and reset it when failed on delete.
//
// The cgroup files are still written by cgroupsfs on the scope's path, as
// runc writes them after setting the properties, so that the values in
// force are exactly the spec's (systemd rounds some, and has no property
// for others). Freezing, listing, signalling and stats are cgroupsfs's on
// that path too.
//
// What it never does: decide policy or read config.json (callers pass the
// spec's fields), write a cgroup file itself, or talk to systemd other than
// through go-systemd's D-Bus client. It imports of rt's packages only
// cgroupsfs (and the field error type); never libct, cgroups or specconv.
package cgroupsd
