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
//     the handle from the state file ([Load]);
//   - update, freeze, stats and OOM counts ([Cgroup.Update], [Cgroup.Freeze],
//     [Cgroup.Stats], [Cgroup.OOMKills]).
//
// Every field of linux.resources is a row of the resource table
// (resources.go): the controller, and how the fields become writes in a v1
// and in a v2 directory, with the v1→v2 conversions written next to them.
// Device rules are v1 allow/deny lists, or on v2 an eBPF program built from
// the same rules (devices.go), encoded as raw bpf_insns (devices_bpf.go)
// and loaded and attached with bpf(2) (devices_bpfload.go). Stats come from a second
// table (stats.go), in runc's JSON schema (stats_types.go).
//
// What it never does: touch a cgroup it did not create (other than enabling
// controllers in an ancestor's cgroup.subtree_control on v2, which the kernel
// requires, and filling an empty v1 cpuset of an ancestor, without which no
// process can join below it); remove anything outside what it created, or a
// hierarchy root; talk to systemd (there is no systemd cgroup driver); read
// config.json or decide policy (callers pass the spec's resources and the
// resolved path; the one default it adds is runc's device allow list,
// [DefaultDeviceRules]); or print anything. Errors name the spec field as a JSON
// pointer, the file and the OS error.
//
// Imports: of rt's, only the field error type; callers reach it through
// the manager interface of package cgroups (internal/archtest checks it).
package cgroupsfs
