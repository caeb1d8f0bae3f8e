package specconv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// withLSMs makes lsmEnabled report exactly the named LSMs for one test.
func withLSMs(t *testing.T, names ...string) {
	t.Helper()
	saved := lsmEnabled
	t.Cleanup(func() { lsmEnabled = saved })
	lsmEnabled = func(name string) bool {
		for _, n := range names {
			if n == name {
				return true
			}
		}
		return false
	}
}

// labelSpec has a mount of every kind mountLabel treats apart.
func labelSpec(t *testing.T) (*specs.Spec, string) {
	t.Helper()
	bundle := t.TempDir()
	if err := os.Mkdir(filepath.Join(bundle, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	return &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{Args: []string{"/bin/true"}, Cwd: "/"},
		Root:    &specs.Root{Path: "rootfs"},
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "mode=755"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"newinstance", "gid=5"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm"},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue"},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"ro"}},
			{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"ro"}},
			{Destination: "/mnt", Type: "bind", Source: bundle, Options: []string{"rbind", "ro"}},
			{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"tmpcopyup"}},
		},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.IPCNamespace}, {Type: specs.MountNamespace}},
			MountLabel: "system_u:object_r:container_file_t:s0:c1,c2",
		},
	}, bundle
}

func buildLabel(t *testing.T, spec *specs.Spec, bundle string) (*nsenter.Plan, error) {
	t.Helper()
	return Build(spec, Options{ID: "label", Bundle: bundle, Fds: nsenter.LayoutFds(nsenter.FdNeeds{Fifo: true}),
		CgroupPaths: map[string]string{"": "/sys/fs/cgroup/unified/rt/label", "cpu": "/sys/fs/cgroup/cpu/rt/label"}})
}

// config-linux.md "Mount Label": with SELinux, linux.mountLabel is the
// context of the container's new filesystems, as runc gives it
// (label.FormatMountLabel): `context="LABEL"` after the mount's own data,
// on tmpfs, devpts and the tmpfs of a cgroup v1 tree; not on proc, sysfs,
// mqueue, binds, nor on propagation changes and remounts.
func TestMountLabelApplied(t *testing.T) {
	withLSMs(t, "selinux")
	spec, bundle := labelSpec(t)
	plan, err := buildLabel(t, spec, bundle)
	if err != nil {
		t.Fatal(err)
	}
	ctx := `context="system_u:object_r:container_file_t:s0:c1,c2"`
	want := map[string]string{ // mount destination -> data
		"/dev":           "mode=755," + ctx,
		"/dev/pts":       "newinstance,gid=5," + ctx,
		"/dev/shm":       ctx,
		"/tmp":           ctx,
		"/sys/fs/cgroup": "mode=755," + ctx,
		"/proc":          "",
		"/sys":           "",
		"/dev/mqueue":    "",
	}
	seen := map[string]bool{}
	for _, op := range plan.Ops {
		if op.Code != nsenter.OpMount {
			continue
		}
		dest, data := op.Strs[1], op.Strs[3]
		if w, ok := want[dest]; ok && op.Strs[2] != "" {
			seen[dest] = true
			if data != w {
				t.Errorf("mount on %s: data %q, want %q", dest, data, w)
			}
		} else if strings.Contains(data, "context=") {
			t.Errorf("%s: %q has the label", op.Field, op.String())
		}
	}
	for dest := range want {
		if !seen[dest] {
			t.Errorf("no mount of a filesystem on %s in the plan", dest)
		}
	}
}

// Without SELinux, the kernel takes no context option: a mount label is
// an error naming the field (runc's mount fails with EINVAL).
func TestMountLabelWithoutSELinux(t *testing.T) {
	withLSMs(t, "apparmor")
	spec, bundle := labelSpec(t)
	_, err := buildLabel(t, spec, bundle)
	if err == nil || !strings.HasPrefix(err.Error(), "/linux/mountLabel: ") || !strings.Contains(err.Error(), "SELinux is not enabled") {
		t.Fatalf("error %v, want one naming /linux/mountLabel and SELinux", err)
	}
	// no label, no error, no context anywhere
	spec.Linux.MountLabel = ""
	plan, err := buildLabel(t, spec, bundle)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range plan.Ops {
		if strings.Contains(op.Strs[3], "context=") {
			t.Errorf("%s: %q", op.Field, op.String())
		}
	}
}

// config.md "Linux Process": apparmorProfile and selinuxLabel are written
// to the init's attr files for its exec when the kernel runs the LSM
// (features says both are supported), and refused by field otherwise.
func TestProcessLabels(t *testing.T) {
	for _, tt := range []struct {
		lsm, field, file, value string
		set                     func(*specs.Process)
	}{
		{"apparmor", "/process/apparmorProfile", "/proc/self/attr/apparmor/exec", "exec rt-test",
			func(p *specs.Process) { p.ApparmorProfile = "rt-test" }},
		{"selinux", "/process/selinuxLabel", "/proc/self/attr/exec", "system_u:system_r:container_t:s0",
			func(p *specs.Process) { p.SelinuxLabel = "system_u:system_r:container_t:s0" }},
	} {
		spec, bundle := labelSpec(t)
		spec.Linux.MountLabel = ""
		tt.set(spec.Process)
		withLSMs(t, tt.lsm)
		plan, err := buildLabel(t, spec, bundle)
		if err != nil {
			t.Fatalf("%s: %v", tt.field, err)
		}
		found := false
		for _, op := range plan.Ops {
			if op.Code == nsenter.OpWriteFile && op.Strs[0] == tt.file && op.Strs[1] == tt.value && op.Field == tt.field {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no write of %q to %s in the plan", tt.field, tt.value, tt.file)
		}
		withLSMs(t)
		if _, err := buildLabel(t, spec, bundle); err == nil || !strings.HasPrefix(err.Error(), tt.field+": ") {
			t.Errorf("%s without the LSM: error %v, want one naming the field", tt.field, err)
		}
	}
}
