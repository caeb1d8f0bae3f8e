// Package cgroupsfs manages a container's control groups through the cgroup
// filesystem, on cgroup v1, v2 (unified) and hybrid hosts.
//
// It owns the whole life of a container's cgroup:
//   - detect: which hierarchies are mounted where, and which controllers the
//     unified hierarchy offers ([Detect], [DetectFrom]);
//   - name: where the container's cgroup lives ([ResolvePath]);
//   - create: the directory in every hierarchy, controllers enabled on v2,
//     cpuset inherited on v1, and the spec's resources written ([Host.Create]);
//   - join, list, signal and destroy ([Cgroup.Join], [Cgroup.Pids],
//     [Cgroup.Kill], [Cgroup.Destroy]), also from a later command that rebuilds
//     the handle from the state file ([Load]).
//
// Later growth (all resources, update, stats, freeze, the v2 eBPF device
// filter) adds rows to the resource table in resources.go and methods on
// [Cgroup]; the layout knowledge stays here.
//
// What it never does: touch a cgroup it did not create (other than enabling
// controllers in an ancestor's cgroup.subtree_control on v2, which the kernel
// requires, and filling an empty v1 cpuset of an ancestor, without which no
// process can join below it); remove anything outside what it created, or a
// hierarchy root; talk to systemd (there is no systemd cgroup driver); read
// config.json or decide policy (callers pass the spec's resources and the
// resolved path); or print anything. Errors name the spec field as a JSON
// pointer, the file and the OS error.
package cgroupsfs
