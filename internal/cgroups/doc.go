// Package cgroups is the seam between a container and the driver that
// manages its control group. It owns the [Manager] interface, the factories
// that pick a driver ([New] for a new container, [Load] for a later command
// that rebuilds the handle from what the state file kept), and the types
// callers see ([Stats]).
//
// Today the only driver is the cgroup filesystem (package cgroupsfs, through
// the fs manager here); a systemd driver (a transient scope over D-Bus) is
// meant to sit beside it behind the same interface, chosen by
// [Config.Systemd] and, later, by the unit name the state keeps.
//
// A rootless caller ([Config.Rootless]) gets its cgroup in a delegated
// cgroup v2 subtree, or none: [None] is the manager of a container without
// a cgroup, and its calls that need one return [ErrNoCgroup].
//
// Imports: of rt's, only the drivers (cgroupsfs) and the field error type;
// never libct, specconv, rootfs, nsenter or cmd/rt (internal/archtest
// checks it). It never decides policy (callers pass the spec's resources)
// and never prints anything.
package cgroups
