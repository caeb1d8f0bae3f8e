package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"

	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/specconv"
)

// specMountOptions is every mount option the runtime-spec names
// (features.md's example list, config.md's idmap options).
var specMountOptions = []string{
	"acl", "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "iversion",
	"lazytime", "loud", "mand", "noacl", "noatime", "nodev", "nodiratime", "noexec", "noiversion",
	"nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid", "nosymfollow", "private",
	"ratime", "rbind", "rdev", "rdiratime", "relatime", "remount", "rexec", "rnoatime", "rnodev",
	"rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime", "rnosuid", "rnosymfollow", "ro",
	"rprivate", "rrelatime", "rro", "rrw", "rshared", "rslave", "rstrictatime", "rsuid",
	"rsymfollow", "runbindable", "rw", "shared", "silent", "slave", "strictatime", "suid",
	"symfollow", "sync", "tmpcopyup", "unbindable", "idmap", "ridmap",
}

// features.md: the structure holds only its own properties, the two
// versions are set, ociVersionMax is the spec rt is built with.
func TestFeaturesStructure(t *testing.T) {
	data, err := json.Marshal(rtFeatures())
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f features.Features
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("not a features.Features: %v", err)
	}
	if f.OCIVersionMin != "1.0.0" || f.OCIVersionMax != specs.Version {
		t.Errorf("versions %q..%q, want 1.0.0..%s", f.OCIVersionMin, f.OCIVersionMax, specs.Version)
	}
	if !slices.Equal(f.Hooks, []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}) {
		t.Errorf("hooks %v", f.Hooks)
	}
	for name, l := range map[string][]string{"mountOptions": f.MountOptions, "namespaces": f.Linux.Namespaces,
		"capabilities": f.Linux.Capabilities, "seccomp.actions": f.Linux.Seccomp.Actions,
		"seccomp.operators": f.Linux.Seccomp.Operators, "seccomp.archs": f.Linux.Seccomp.Archs,
		"seccomp.knownFlags": f.Linux.Seccomp.KnownFlags} {
		if len(l) == 0 {
			t.Errorf("%s is empty", name)
		}
		if len(slices.Compact(slices.Sorted(slices.Values(l)))) != len(l) {
			t.Errorf("%s has duplicates: %v", name, l)
		}
	}
	for _, fl := range f.Linux.Seccomp.SupportedFlags {
		if !slices.Contains(f.Linux.Seccomp.KnownFlags, fl) {
			t.Errorf("supported seccomp flag %s is not known", fl)
		}
	}
	for _, o := range f.MountOptions {
		if !slices.Contains(specMountOptions, o) {
			t.Errorf("mount option %s is not one of the spec's (filesystem options must not be listed)", o)
		}
	}
	// features-linux.md: what rt implements, whatever the host runs. rt
	// applies AppArmor and SELinux labels (specconv/lsm.go), idmapped
	// binds, seccomp, cgroup v1, v2 and rdma; systemd where it answers
	// (features.bats); it does not implement Intel RDT or net devices.
	l := f.Linux
	for name, got := range map[string]*bool{"apparmor": l.Apparmor.Enabled, "selinux": l.Selinux.Enabled,
		"seccomp": l.Seccomp.Enabled, "idmap": l.MountExtensions.IDMap.Enabled, "cgroup.v1": l.Cgroup.V1,
		"cgroup.v2": l.Cgroup.V2, "cgroup.rdma": l.Cgroup.Rdma} {
		if got == nil || !*got {
			t.Errorf("%s = %s, want true", name, boolString(got))
		}
	}
	if l.Cgroup.Systemd == nil || l.Cgroup.SystemdUser == nil {
		t.Errorf("cgroup.systemd and systemdUser must be said")
	}
	for name, got := range map[string]*bool{"intelRdt": l.IntelRdt.Enabled, "netDevices": l.NetDevices.Enabled} {
		if got == nil || *got {
			t.Errorf("%s = %s, want false", name, boolString(got))
		}
	}
	if mp := l.MemoryPolicy; mp == nil || len(mp.Modes) != 7 || len(mp.Flags) != 3 {
		t.Errorf("memoryPolicy %+v, want the spec's 7 modes and 3 flags", mp)
	}
	for _, k := range []string{annotationVersion, annotationCommit, annotationLibseccomp} {
		if f.Annotations[k] == "" {
			t.Errorf("annotation %s missing", k)
		}
	}
}

// boolString renders an optional bool of the features structure.
func boolString(b *bool) string {
	if b == nil {
		return "absent"
	}
	return strconv.FormatBool(*b)
}

// testBundle is a bundle with an empty rootfs and the default config.
func testBundle(t *testing.T) (string, *specs.Spec) {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	spec := defaultSpec()
	spec.Process.Terminal = false
	return dir, spec
}

// build runs the plan builder, as `rt plan` and `rt create` do, and
// returns its error and warnings.
func build(t *testing.T, bundle string, spec *specs.Spec) (error, []string) {
	t.Helper()
	var warnings []string
	_, err := specconv.Build(spec, specconv.Options{ID: "features-test", Bundle: bundle, Fds: nsenter.LayoutFds(nsenter.FdNeeds{Fifo: true}),
		Warn: func(s string) { warnings = append(warnings, s) }})
	return err, warnings
}

// heldCapabilities: the capabilities in this process's bounding set.
func heldCapabilities(t *testing.T) map[string]bool {
	t.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	var bnd uint64
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "CapBnd:"); ok {
			if bnd, err = strconv.ParseUint(strings.TrimSpace(v), 16, 64); err != nil {
				t.Fatal(err)
			}
		}
	}
	held := map[string]bool{}
	for bit, name := range capabilityBits {
		if bnd&(1<<bit) != 0 {
			held[name] = true
		}
	}
	return held
}

// capabilityBits: the capabilities by number (linux/capability.h).
var capabilityBits = []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
	"CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
	"CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE"}

// Everything `rt features` lists, the plan builder takes without error or
// warning; what the spec knows and it does not list, it refuses.
func TestFeaturesAcceptedByPlan(t *testing.T) {
	f := rtFeatures()
	t.Run("mountOptions", func(t *testing.T) {
		for _, o := range specMountOptions {
			bundle, spec := testBundle(t)
			m := specs.Mount{Destination: "/mnt", Type: "tmpfs", Source: "tmpfs", Options: []string{o}}
			switch o {
			case "bind", "rbind":
				m = specs.Mount{Destination: "/mnt", Type: "bind", Source: bundle, Options: []string{o}}
			case "idmap", "ridmap":
				maps := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
				m = specs.Mount{Destination: "/mnt", Type: "bind", Source: bundle, Options: []string{"rbind", o},
					UIDMappings: maps, GIDMappings: maps}
			}
			spec.Mounts = append(spec.Mounts, m)
			err, _ := build(t, bundle, spec)
			if listed := slices.Contains(f.MountOptions, o); listed && err != nil {
				t.Errorf("%s is listed but refused: %v", o, err)
			} else if !listed && err == nil {
				t.Errorf("%s is not listed but accepted", o)
			}
		}
	})
	t.Run("capabilities", func(t *testing.T) {
		held := heldCapabilities(t)
		for _, c := range f.Linux.Capabilities {
			if !held[c] {
				continue // rt warns that it cannot grant what it does not hold
			}
			bundle, spec := testBundle(t)
			caps := []string{c}
			spec.Process.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Effective: caps,
				Permitted: caps, Inheritable: caps, Ambient: caps}
			if err, w := build(t, bundle, spec); err != nil || len(w) > 0 {
				t.Errorf("%s: error %v, warnings %q", c, err, w)
			}
		}
		// all of the kernel's, by number (features-linux.md's order)
		last, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(last)))
		if err != nil {
			t.Fatal(err)
		}
		if want := capabilityBits[:min(n+1, len(capabilityBits))]; !slices.Equal(f.Linux.Capabilities, want) {
			t.Errorf("capabilities %v, want %v", f.Linux.Capabilities, want)
		}
		bundle, spec := testBundle(t)
		spec.Process.Capabilities.Bounding = []string{"CAP_NO_SUCH_THING"}
		if _, w := build(t, bundle, spec); len(w) != 1 || !strings.Contains(w[0], "CAP_NO_SUCH_THING") {
			t.Errorf("an unknown capability: warnings %q, want one", w)
		}
	})
	t.Run("namespaces", func(t *testing.T) {
		for _, n := range f.Linux.Namespaces {
			bundle, spec := testBundle(t)
			spec.Linux.Namespaces = append(slices.DeleteFunc(spec.Linux.Namespaces, func(ns specs.LinuxNamespace) bool {
				return string(ns.Type) == n
			}), specs.LinuxNamespace{Type: specs.LinuxNamespaceType(n)})
			if n == "user" {
				spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
				spec.Linux.GIDMappings = spec.Linux.UIDMappings
			}
			if err, _ := build(t, bundle, spec); err != nil {
				t.Errorf("new %s namespace: %v", n, err)
			}
		}
		bundle, spec := testBundle(t)
		spec.Linux.Namespaces = append(spec.Linux.Namespaces, specs.LinuxNamespace{Type: "nosuchns"})
		if err, _ := build(t, bundle, spec); err == nil {
			t.Error("an unknown namespace type is accepted")
		}
	})
	t.Run("seccomp", func(t *testing.T) {
		sc := f.Linux.Seccomp
		profile := func(edit func(*specs.LinuxSeccomp)) error {
			bundle, spec := testBundle(t)
			spec.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
				Syscalls: []specs.LinuxSyscall{{Names: []string{"getcwd"}, Action: specs.ActErrno}}}
			edit(spec.Linux.Seccomp)
			err, _ := build(t, bundle, spec)
			return err
		}
		for _, a := range sc.Actions {
			err := profile(func(s *specs.LinuxSeccomp) {
				s.Syscalls[0].Action = specs.LinuxSeccompAction(a)
				if a == string(specs.ActAllow) {
					s.DefaultAction = specs.ActErrno
				}
				s.ListenerPath = "/run/features-test.sock"
			})
			if err != nil {
				t.Errorf("action %s: %v", a, err)
			}
		}
		for _, op := range sc.Operators {
			if err := profile(func(s *specs.LinuxSeccomp) {
				s.Syscalls[0].Args = []specs.LinuxSeccompArg{{Index: 0, Value: 1, ValueTwo: 1, Op: specs.LinuxSeccompOperator(op)}}
			}); err != nil {
				t.Errorf("operator %s: %v", op, err)
			}
		}
		for _, arch := range append(slices.Clone(sc.Archs), "SCMP_ARCH_S390X", "SCMP_ARCH_NOSUCH") {
			err := profile(func(s *specs.LinuxSeccomp) { s.Architectures = []specs.Arch{specs.Arch(arch)} })
			if listed := slices.Contains(sc.Archs, arch); listed && err != nil {
				t.Errorf("arch %s is listed but refused: %v", arch, err)
			} else if !listed && err == nil {
				t.Errorf("arch %s is not listed but accepted", arch)
			}
		}
		for _, fl := range append(slices.Clone(sc.KnownFlags), "SECCOMP_FILTER_FLAG_NOSUCH") {
			err := profile(func(s *specs.LinuxSeccomp) { s.Flags = []specs.LinuxSeccompFlag{specs.LinuxSeccompFlag(fl)} })
			if listed := slices.Contains(sc.KnownFlags, fl); listed && err != nil {
				t.Errorf("flag %s is listed but refused: %v", fl, err)
			} else if !listed && err == nil {
				t.Errorf("flag %s is not listed but accepted", fl)
			}
		}
	})
}

// cobra's completion command exists and its scripts call back into rt.
func TestCompletionScripts(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		root := newRootCommand(nil)
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetArgs([]string{"completion", shell})
		if err := root.Execute(); err != nil {
			t.Fatalf("completion %s: %v", shell, err)
		}
		if !strings.Contains(out.String(), "__complete") {
			t.Errorf("completion %s: the script does not call rt __complete", shell)
		}
	}
	root := newRootCommand(nil)
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs([]string{"__complete", ""})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"create", "run", "exec", "features", "delete"} {
		if !strings.Contains(out.String(), "\n"+c+"\t") && !strings.HasPrefix(out.String(), c+"\t") {
			t.Errorf("__complete does not offer %s:\n%s", c, out.String())
		}
	}
	if strings.Contains(out.String(), "\nman\t") {
		t.Errorf("__complete offers the hidden man command")
	}
}
