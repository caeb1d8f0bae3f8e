package specconv_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/specconv"
)

// runc writes linux.sysctl before it makes readonlyPaths read-only
// (standard_init_linux.go: sysctl, then readonlyPath, then maskPath). rt
// makes /proc/sys read-only first, so any sysctl with runc's default
// readonlyPaths fails with EROFS (podman adds net.ipv4.ping_group_range to
// every container).
func TestSysctlBeforeReadonlyPaths(t *testing.T) {
	spec := minimalSpec()
	spec.Linux.Namespaces = append(spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.NetworkNamespace})
	spec.Linux.ReadonlyPaths = []string{"/proc/sys"}
	spec.Linux.MaskedPaths = []string{"/proc/sys/net/core"}
	spec.Linux.Sysctl = map[string]string{"net.ipv4.ping_group_range": "0 0"}
	plan := mustBuild(t, spec)
	write := index(plan.Ops, code(nsenter.OpWriteFile))
	ro := index(plan.Ops, func(op nsenter.Op) bool { return op.Code == nsenter.OpReadonly && op.Strs[0] == "/proc/sys" })
	mask := index(plan.Ops, code(nsenter.OpMask))
	if write < 0 || ro < 0 || mask < 0 {
		t.Fatalf("missing ops: write=%d readonly=%d mask=%d", write, ro, mask)
	}
	if write > ro || write > mask {
		t.Errorf("sysctl write at op %d comes after the read-only /proc/sys (op %d) or the mask (op %d)", write, ro, mask)
	}
}

// `rt plan` prints the same plan for the same bundle, and golden tests
// need that: linux.sysctl is a map, iterated in random order.
func TestSysctlOrderIsStable(t *testing.T) {
	spec := minimalSpec()
	spec.Linux.Namespaces = append(spec.Linux.Namespaces,
		specs.LinuxNamespace{Type: specs.NetworkNamespace}, specs.LinuxNamespace{Type: specs.IPCNamespace})
	spec.Linux.Sysctl = map[string]string{}
	for _, k := range []string{"net.ipv4.ip_forward", "net.core.somaxconn", "kernel.shmmax", "kernel.msgmax",
		"net.ipv4.tcp_syncookies", "net.ipv6.conf.all.forwarding", "kernel.sem", "net.ipv4.ping_group_range"} {
		spec.Linux.Sysctl[k] = "1"
	}
	dir := writeBundle(t, spec)
	o := defaultOptions()
	o.Bundle = dir
	build := func() string {
		plan, err := specconv.Build(spec, o)
		if err != nil {
			t.Fatal(err)
		}
		return renderOps(plan)
	}
	first := build()
	for i := 0; i < 20; i++ {
		if got := build(); got != first {
			t.Fatalf("build %d differs from the first:\n%s", i+2, lineDiff(first, got))
		}
	}
}

// runc refuses sysctls that would change the host: net.* needs a network
// namespace of the container's own, IPC sysctls an ipc namespace, and
// sysctls no namespace covers are refused (libcontainer/configs/validate
// sysctl()). rt writes /proc/sys/... inside the container, which for a
// shared namespace is the host's setting.
func TestSysctlNeedsItsNamespace(t *testing.T) {
	cases := []struct {
		name string
		key  string
		ns   []specs.LinuxNamespace
	}{
		{"net without a netns", "net.ipv4.ip_forward", nil},
		{"net in the host's netns by path", "net.ipv4.ip_forward",
			[]specs.LinuxNamespace{{Type: specs.NetworkNamespace, Path: "/proc/self/ns/net"}}},
		{"ipc without an ipc ns", "kernel.shmmax", nil},
		{"not namespaced at all", "vm.swappiness", []specs.LinuxNamespace{{Type: specs.NetworkNamespace}, {Type: specs.IPCNamespace}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := minimalSpec()
			spec.Linux.Namespaces = append(spec.Linux.Namespaces, c.ns...)
			spec.Linux.Sysctl = map[string]string{c.key: "1"}
			dir := writeBundle(t, spec)
			o := defaultOptions()
			o.Bundle = dir
			_, err := specconv.Build(spec, o)
			want := "/linux/sysctl/" + c.key + ": "
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Build = %v, want an error starting with %q", err, want)
			}
		})
	}
}

// A truncated config.json is the commonest malformed one; json.Decoder
// returns io.ErrUnexpectedEOF for it, not a *json.SyntaxError, so the
// message loses its line number.
func TestLoadTruncatedNamesLine(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "config.json"), "{\n\t\"process\": {\n\t\t\"args\": [\"sh\"]\n")
	_, err := specconv.Load(dir)
	if err == nil || !strings.Contains(err.Error(), "line ") {
		t.Errorf("Load(truncated) = %v, want a line number", err)
	}
}

func mustBuild(t *testing.T, spec *specs.Spec) *nsenter.Plan {
	t.Helper()
	dir := writeBundle(t, spec)
	o := defaultOptions()
	o.Bundle = dir
	plan, err := specconv.Build(spec, o)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

func renderOps(p *nsenter.Plan) string {
	var sb strings.Builder
	for _, op := range p.Ops {
		sb.WriteString(op.String() + "\n")
	}
	return sb.String()
}

// The plan's strings are NUL-terminated in C, so a config string holding a
// NUL (JSON "\u0000") reaches the container cut short: args ["sh\u0000x"]
// runs "sh". runc fails such a config (Go's syscalls refuse NUL with
// EINVAL); rt should refuse it with the field's pointer.
func TestNULInStringsRejected(t *testing.T) {
	for _, c := range []struct {
		pointer string
		edit    func(s *specs.Spec)
	}{
		{"/process/args/1", func(s *specs.Spec) { s.Process.Args = []string{"sh", "-c\x00rm -rf /"} }},
		{"/process/env/0", func(s *specs.Spec) { s.Process.Env = []string{"A=1\x00B=2"} }},
		{"/mounts/0/destination", func(s *specs.Spec) {
			s.Mounts = []specs.Mount{{Destination: "/tmp\x00/x", Type: "tmpfs", Source: "tmpfs"}}
		}},
	} {
		spec := minimalSpec()
		c.edit(spec)
		dir := writeBundle(t, spec)
		o := defaultOptions()
		o.Bundle = dir
		_, err := specconv.Build(spec, o)
		if err == nil || !strings.HasPrefix(err.Error(), c.pointer) {
			t.Errorf("Build = %v, want an error at %s", err, c.pointer)
		}
	}
}

// config-linux.md: a namespace type the config does not list is inherited.
// Without a mount namespace rt shares the host's and only chroots: no
// mount, no pivot_root, and a warning for each thing left out.
func TestNoMountNamespaceOnlyChroots(t *testing.T) {
	bundle := t.TempDir()
	if err := os.Mkdir(filepath.Join(bundle, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	spec := &specs.Spec{Version: specs.Version, Root: &specs.Root{Path: "rootfs", Readonly: true}, Process: &specs.Process{Args: []string{"sh"}, Cwd: "/"},
		Mounts: []specs.Mount{{Destination: "/proc", Type: "proc", Source: "proc"}},
		Linux:  &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}}}}
	var warnings []string
	plan, err := specconv.Build(spec, specconv.Options{Bundle: bundle, Fds: nsenter.LayoutFds(nsenter.FdNeeds{Fifo: true}),
		Warn: func(w string) { warnings = append(warnings, w) }})
	if err != nil {
		t.Fatal(err)
	}
	chroots := 0
	for _, op := range plan.Ops {
		switch op.Code {
		case nsenter.OpMount, nsenter.OpPivotRoot, nsenter.OpMoveRoot, nsenter.OpRemountKeep, nsenter.OpMknod:
			t.Errorf("op %s in a container sharing the host's mount namespace", op)
		case nsenter.OpChroot:
			chroots++
		}
	}
	if chroots != 1 {
		t.Errorf("%d chroot ops, want 1", chroots)
	}
	if len(warnings) != 2 {
		t.Errorf("warnings %q, want one for the mounts and one for the read-only root", warnings)
	}
}
