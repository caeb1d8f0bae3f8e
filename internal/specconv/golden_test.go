package specconv_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/specconv"
)

var update = flag.Bool("update", false, "rewrite specconv/testdata/*.golden from the current plans")

// fixedCgroupPaths is a v1 hybrid host (DESIGN.md: the machines rt is
// tested on) with fixed paths, so that goldens do not depend on the host.
var fixedCgroupPaths = map[string]string{
	"":             "/sys/fs/cgroup/unified/rt/golden",
	"cpu":          "/sys/fs/cgroup/cpu/rt/golden",
	"memory":       "/sys/fs/cgroup/memory/rt/golden",
	"name=systemd": "/sys/fs/cgroup/systemd/rt/golden",
	"pids":         "/sys/fs/cgroup/pids/rt/golden",
}

// defaultOptions are what `rt create` without extra fds passes.
func defaultOptions() specconv.Options {
	return specconv.Options{ID: "golden", Fds: nsenter.LayoutFds(nsenter.FdNeeds{Fifo: true}), CgroupPaths: fixedCgroupPaths}
}

func u32(v uint32) *uint32 { return &v }

// baseSpec is close to what `runc spec` writes: the usual namespaces and
// mounts, masked and read-only paths, runc's default capabilities.
func baseSpec() *specs.Spec {
	caps := []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}
	return &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			Args: []string{"sh", "-c", "echo hi"},
			Env:  []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"},
			Cwd:  "/",
			Capabilities: &specs.LinuxCapabilities{
				Bounding: caps, Effective: caps, Permitted: caps,
			},
			Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}},
			NoNewPrivileges: true,
		},
		Root:     &specs.Root{Path: "rootfs"},
		Hostname: "rt",
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
			{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
		},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace}, {Type: specs.MountNamespace},
			},
			MaskedPaths:   []string{"/proc/acpi", "/proc/kcore", "/sys/firmware"},
			ReadonlyPaths: []string{"/proc/bus", "/proc/sys"},
		},
	}
}

// minimalSpec has only what a plan needs, so a case shows its feature.
func minimalSpec() *specs.Spec {
	return &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{Args: []string{"/bin/true"}, Cwd: "/"},
		Root:    &specs.Root{Path: "rootfs"},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{{Type: specs.MountNamespace}},
		},
	}
}

type goldenCase struct {
	name   string
	spec   func() *specs.Spec
	opts   func(*specconv.Options)
	bundle func(t *testing.T, dir string) // extra files in the bundle
}

var goldenCases = []goldenCase{
	{name: "default", spec: baseSpec},
	{name: "userns", spec: func() *specs.Spec {
		s := baseSpec()
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		s.Linux.UIDMappings = []specs.LinuxIDMapping{
			{ContainerID: 0, HostID: 100000, Size: 1},
			{ContainerID: 1, HostID: 200001, Size: 999},
			{ContainerID: 1000, HostID: 300000, Size: 65536},
		}
		s.Linux.GIDMappings = []specs.LinuxIDMapping{
			{ContainerID: 0, HostID: 100000, Size: 1},
			{ContainerID: 1, HostID: 400001, Size: 65535},
		}
		return s
	}},
	{name: "netns-path-userns", spec: func() *specs.Spec {
		s := minimalSpec()
		s.Linux.Namespaces = []specs.LinuxNamespace{
			{Type: specs.PIDNamespace},
			{Type: specs.NetworkNamespace, Path: "/proc/self/ns/net"},
			{Type: specs.MountNamespace},
			{Type: specs.UserNamespace},
		}
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
		// The joined netns belongs to the host's userns: no fresh sysfs.
		s.Mounts = []specs.Mount{{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}}}
		return s
	}},
	{name: "readonly-root", spec: func() *specs.Spec {
		s := minimalSpec()
		s.Root.Readonly = true
		s.Linux.MaskedPaths = []string{"/proc/kcore"}
		s.Linux.ReadonlyPaths = []string{"/proc/sys"}
		return s
	}},
	{name: "rootfs-propagation", spec: func() *specs.Spec {
		s := minimalSpec()
		s.Linux.RootfsPropagation = "rshared"
		return s
	}},
	{name: "bind-mounts", spec: func() *specs.Spec {
		s := minimalSpec()
		s.Mounts = []specs.Mount{
			// a file, relative to the bundle
			{Destination: "/etc/hosts", Type: "bind", Source: "hosts", Options: []string{"bind", "ro", "nosuid"}},
			// a directory, absolute source, recursive, with propagation
			{Destination: "/data", Type: "none", Source: "$BUNDLE/data", Options: []string{"rbind", "ro", "nosuid", "rprivate"}},
			// ro then rw: the last one wins
			{Destination: "data2", Source: "data", Options: []string{"bind", "ro", "rw"}},
		}
		return s
	}, bundle: func(t *testing.T, dir string) {
		writeFile(t, filepath.Join(dir, "hosts"), "127.0.0.1 localhost\n")
		if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
			t.Fatal(err)
		}
	}},
	{name: "no-pivot", spec: minimalSpec, opts: func(o *specconv.Options) {
		o.NoPivot = true
		// Full procfs and sysfs mounts are hidden (a second procfs stacked
		// at /proc goes too); not a partial one, nor another filesystem,
		// nor one inside the rootfs.
		o.HostMounts = []*mountinfo.Info{
			{Mountpoint: "/", Root: "/", FSType: "ext4"},
			{Mountpoint: "/proc", Root: "/", FSType: "proc"},
			{Mountpoint: "/proc", Root: "/", FSType: "proc"},
			{Mountpoint: "/proc/sys/fs/binfmt_misc", Root: "/", FSType: "autofs"},
			{Mountpoint: "/sys", Root: "/", FSType: "sysfs"},
			{Mountpoint: "/run/other/proc", Root: "/", FSType: "proc"},
			{Mountpoint: "/run/part", Root: "/sys", FSType: "proc"},
			{Mountpoint: o.Bundle + "/rootfs/proc", Root: "/", FSType: "proc"},
			{Mountpoint: o.Bundle + "/rootfs2/proc", Root: "/", FSType: "proc"},
		}
	}},
	{name: "terminal", spec: func() *specs.Spec {
		s := minimalSpec()
		s.Process.Terminal = true
		s.Process.ConsoleSize = &specs.Box{Height: 25, Width: 80}
		return s
	}, opts: func(o *specconv.Options) { o.Fds = nsenter.LayoutFds(nsenter.FdNeeds{Fifo: true, Console: true}) }},
	{name: "capabilities", spec: func() *specs.Spec {
		s := minimalSpec()
		s.Process.Capabilities = &specs.LinuxCapabilities{
			Bounding:    []string{"CAP_CHOWN", "CAP_NET_ADMIN", "CAP_SYS_ADMIN", "cap_kill", "CAP_NOT_A_CAP"},
			Effective:   []string{"CAP_CHOWN", "CAP_NET_ADMIN"},
			Permitted:   []string{"CAP_CHOWN", "CAP_NET_ADMIN", "CAP_SYS_ADMIN"},
			Inheritable: []string{"CAP_NET_ADMIN"},
			Ambient:     []string{"CAP_NET_ADMIN", "CAP_CHOWN"}, // CAP_CHOWN is not inheritable: warned, not raised
		}
		s.Process.NoNewPrivileges = true
		s.Process.User = specs.User{UID: 1000, GID: 1000}
		return s
	}},
	{name: "rlimits", spec: func() *specs.Spec {
		s := minimalSpec()
		s.Process.Rlimits = []specs.POSIXRlimit{
			{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 4096},
			{Type: "RLIMIT_CORE", Soft: 0, Hard: 0},
			{Type: "RLIMIT_NPROC", Soft: 100, Hard: 200},
		}
		return s
	}},
	{name: "additional-gids", spec: func() *specs.Spec {
		s := minimalSpec()
		umask := uint32(0o077)
		s.Process.User = specs.User{UID: 1000, GID: 100, AdditionalGids: []uint32{10, 20, 30}, Umask: &umask}
		s.Process.Cwd = "/home/user"
		return s
	}, opts: func(o *specconv.Options) { o.SetgroupsDenied = true }},
	{name: "hostname", spec: func() *specs.Spec {
		s := minimalSpec()
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UTSNamespace},
			specs.LinuxNamespace{Type: specs.NetworkNamespace}, specs.LinuxNamespace{Type: specs.IPCNamespace})
		s.Hostname = "box"
		s.Domainname = "example.org"
		s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1", "kernel.shmmax": "65536"}
		return s
	}},
	{name: "devices", spec: func() *specs.Spec {
		s := minimalSpec()
		s.Linux.Devices = []specs.LinuxDevice{
			{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229, FileMode: modePtr(0o600), UID: u32(0), GID: u32(0)},
			{Path: "/dev/loop7", Type: "b", Major: 7, Minor: 7, GID: u32(6)},
			{Path: "/dev/myfifo", Type: "p"},
		}
		return s
	}},
	{name: "cgroupns-unified", spec: func() *specs.Spec {
		s := minimalSpec()
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.CgroupNamespace})
		s.Mounts = []specs.Mount{{Destination: "/sys/fs/cgroup", Type: "cgroup2", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "ro"}}}
		return s
	}, opts: func(o *specconv.Options) { o.CgroupPaths = map[string]string{"": "/sys/fs/cgroup/rt/golden"} }},
	{name: "exec-no-fifo", spec: func() *specs.Spec {
		s := minimalSpec()
		s.Process.Env = []string{"HOME=/root"}
		return s
	}, opts: func(o *specconv.Options) {
		o.Fds = nsenter.LayoutFds(nsenter.FdNeeds{Listen: 2})
		o.NoNewKeyring = true
	}},
	// rt's environment, not config.json: the bind and the variables name
	// the variable they come from (issue 12: plan prints what create runs).
	{name: "notify-socket", spec: minimalSpec, bundle: func(t *testing.T, dir string) {
		listenUnix(t, filepath.Join(dir, "notify.sock"))
	}, opts: func(o *specconv.Options) {
		o.NotifySocket = filepath.Join(o.Bundle, "notify.sock")
		o.Fds = nsenter.LayoutFds(nsenter.FdNeeds{Listen: 1, Fifo: true})
	}},
}

// listenUnix leaves a unix socket at path.
func listenUnix(t *testing.T, path string) {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
}

func modePtr(m os.FileMode) *os.FileMode { return &m }

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeBundle writes spec as BUNDLE/config.json next to an empty rootfs.
// "$BUNDLE" in mount sources is replaced by the bundle's path.
func writeBundle(t *testing.T, spec *specs.Spec) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range spec.Mounts {
		spec.Mounts[i].Source = strings.ReplaceAll(spec.Mounts[i].Source, "$BUNDLE", dir)
	}
	data, err := json.MarshalIndent(spec, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "config.json"), string(data))
	return dir
}

// renderPlan prints one op a line, as `rt plan` does, with the facts of
// this machine replaced: the bundle by $BUNDLE and the mount that holds
// the rootfs (made private so that pivot_root works) by $ROOTFS_PARENT.
func renderPlan(plan *nsenter.Plan, bundle string, warnings []string) string {
	var sb strings.Builder
	for i, op := range plan.Ops {
		if op.Code == nsenter.OpMount && op.Field == "/root/path" && op.Strs[0] == "" && op.Args[0] == unix.MS_PRIVATE {
			op.Strs[1] = "$ROOTFS_PARENT"
		}
		line := strings.ReplaceAll(op.String(), bundle, "$BUNDLE")
		sb.WriteString(strings.TrimRight(strings.Join([]string{pad(i), line}, "  "), " "))
		sb.WriteByte('\n')
	}
	for _, w := range warnings {
		sb.WriteString("warning: " + strings.ReplaceAll(w, bundle, "$BUNDLE") + "\n")
	}
	return sb.String()
}

func pad(i int) string {
	s := []byte("   ")
	n := []byte(strings.TrimSpace(strings.Repeat(" ", 0) + itoa(i)))
	copy(s[len(s)-len(n):], n)
	return string(s)
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func buildCase(t *testing.T, c goldenCase) (string, *nsenter.Plan, []string) {
	t.Helper()
	spec := c.spec()
	dir := writeBundle(t, spec)
	if c.bundle != nil {
		c.bundle(t, dir)
	}
	loaded, err := specconv.Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	o := defaultOptions()
	o.Bundle = dir
	var warnings []string
	o.Warn = func(w string) { warnings = append(warnings, w) }
	if c.opts != nil {
		c.opts(&o)
	}
	plan, err := specconv.Build(loaded, o)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return dir, plan, warnings
}

// TestGolden compares each bundle's plan with testdata/NAME.golden.
// Regenerate with: go test ./specconv -run TestGolden -update
func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			dir, plan, warnings := buildCase(t, c)
			got := renderPlan(plan, dir, warnings)
			golden := filepath.Join("testdata", c.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("plan differs from %s (run with -update to accept):\n%s", golden, lineDiff(string(want), got))
			}
		})
	}
}

// lineDiff shows the lines that differ, with their numbers.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var sb strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			sb.WriteString("- " + a + "\n+ " + b + "\n")
		}
	}
	return sb.String()
}
