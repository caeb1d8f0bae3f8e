package specconv_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/specconv"
)

// DESIGN.md principle 4: every error names the config field as a JSON
// pointer, first, so that a user can find the line.
func TestBuildErrors(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(s *specs.Spec, bundle string)
		opts    func(o *specconv.Options)
		pointer string
		text    string // also in the message
	}{
		{name: "unknown namespace type", pointer: "/linux/namespaces/1/type", text: `"bogus"`,
			edit: func(s *specs.Spec, _ string) {
				s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "bogus"})
			}},
		{name: "duplicate namespace", pointer: "/linux/namespaces/2/type", text: "twice",
			edit: func(s *specs.Spec, _ string) {
				s.Linux.Namespaces = append(s.Linux.Namespaces,
					specs.LinuxNamespace{Type: specs.PIDNamespace}, specs.LinuxNamespace{Type: specs.PIDNamespace})
			}},
		{name: "duplicate namespace, new and by path", pointer: "/linux/namespaces/2/type", text: "twice",
			edit: func(s *specs.Spec, _ string) {
				s.Linux.Namespaces = append(s.Linux.Namespaces,
					specs.LinuxNamespace{Type: specs.NetworkNamespace},
					specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/proc/self/ns/net"})
			}},
		{name: "namespace path of the wrong type", pointer: "/linux/namespaces/1/path", text: "is not a network namespace",
			edit: func(s *specs.Spec, _ string) {
				s.Linux.Namespaces = append(s.Linux.Namespaces,
					specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/proc/self/ns/ipc"})
			}},
		{name: "namespace path that does not exist", pointer: "/linux/namespaces/1/path", text: "no such file",
			edit: func(s *specs.Spec, _ string) {
				s.Linux.Namespaces = append(s.Linux.Namespaces,
					specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/proc/self/ns/nope"})
			}},
		{name: "namespace path that is not a namespace", pointer: "/linux/namespaces/1/path", text: "not a namespace file",
			edit: func(s *specs.Spec, bundle string) {
				s.Linux.Namespaces = append(s.Linux.Namespaces,
					specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: filepath.Join(bundle, "config.json")})
			}},
		{name: "new user namespace without mappings", pointer: "/linux/uidMappings", text: "uidMappings",
			edit: func(s *specs.Spec, _ string) {
				s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
			}},
		{name: "new user namespace without gidMappings", pointer: "/linux/uidMappings", text: "gidMappings",
			edit: func(s *specs.Spec, _ string) {
				s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
				s.Linux.UIDMappings = []specs.LinuxIDMapping{{HostID: 1000, Size: 1}}
			}},
		{name: "mappings without a new user namespace", pointer: "/linux/uidMappings", text: "need a new user namespace",
			edit: func(s *specs.Spec, _ string) {
				s.Linux.UIDMappings = []specs.LinuxIDMapping{{HostID: 1000, Size: 1}}
				s.Linux.GIDMappings = []specs.LinuxIDMapping{{HostID: 1000, Size: 1}}
			}},
		{name: "uid mapping of size zero", pointer: "/linux/uidMappings/1/size", text: "zero",
			edit: func(s *specs.Spec, _ string) {
				s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
				s.Linux.UIDMappings = []specs.LinuxIDMapping{{HostID: 1000, Size: 1}, {ContainerID: 1, HostID: 2000}}
				s.Linux.GIDMappings = []specs.LinuxIDMapping{{HostID: 1000, Size: 1}}
			}},
		{name: "gid mapping of size zero", pointer: "/linux/gidMappings/0/size", text: "zero",
			edit: func(s *specs.Spec, _ string) {
				s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
				s.Linux.UIDMappings = []specs.LinuxIDMapping{{HostID: 1000, Size: 1}}
				s.Linux.GIDMappings = []specs.LinuxIDMapping{{HostID: 1000}}
			}},
		{name: "no process", pointer: "/process", text: "missing",
			edit: func(s *specs.Spec, _ string) { s.Process = nil }},
		{name: "empty args", pointer: "/process/args", text: "empty",
			edit: func(s *specs.Spec, _ string) { s.Process.Args = nil }},
		{name: "no root", pointer: "/root/path", text: "missing",
			edit: func(s *specs.Spec, _ string) { s.Root = nil }},
		{name: "empty root.path", pointer: "/root/path", text: "missing",
			edit: func(s *specs.Spec, _ string) { s.Root.Path = "" }},
		{name: "rootfs does not exist", pointer: "/root/path", text: "no such file",
			edit: func(s *specs.Spec, _ string) { s.Root.Path = "nope" }},
		{name: "rootfs is a file", pointer: "/root/path", text: "not a directory",
			edit: func(s *specs.Spec, _ string) { s.Root.Path = "config.json" }},
		{name: "no linux section", pointer: "/linux", text: "missing",
			edit: func(s *specs.Spec, _ string) { s.Linux = nil }},
		{name: "unknown rlimit", pointer: "/process/rlimits/1/type", text: `"RLIMIT_BOGUS"`,
			edit: func(s *specs.Spec, _ string) {
				s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1, Hard: 1}, {Type: "RLIMIT_BOGUS"}}
			}},
		{name: "unknown rootfs propagation", pointer: "/linux/rootfsPropagation", text: `"sideways"`,
			edit: func(s *specs.Spec, _ string) { s.Linux.RootfsPropagation = "sideways" }},
		{name: "idmap on a mount that is not a bind", pointer: "/mounts/1/options", text: "bind mount",
			edit: func(s *specs.Spec, _ string) {
				s.Mounts = []specs.Mount{
					{Destination: "/proc", Type: "proc", Source: "proc"},
					{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "idmap"}},
				}
			}},
		{name: "idmap without mappings or user namespace", pointer: "/mounts/0/options", text: "idmap needs uidMappings",
			edit: func(s *specs.Spec, _ string) {
				s.Mounts = []specs.Mount{{Destination: "/data", Type: "bind", Source: ".", Options: []string{"rbind", "idmap"}}}
			}},
		{name: "empty mount destination", pointer: "/mounts/0/destination", text: "empty",
			edit: func(s *specs.Spec, _ string) {
				s.Mounts = []specs.Mount{{Type: "tmpfs", Source: "tmpfs"}}
			}},
		{name: "bind source missing", pointer: "/mounts/0/source", text: "no such file",
			edit: func(s *specs.Spec, _ string) {
				s.Mounts = []specs.Mount{{Destination: "/data", Type: "bind", Source: "missing", Options: []string{"rbind"}}}
			}},
		{name: "unknown device type", pointer: "/linux/devices/1/type", text: `"x"`,
			edit: func(s *specs.Spec, _ string) {
				s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}, {Path: "/dev/odd", Type: "x"}}
			}},
		{name: "relative device path", pointer: "/linux/devices/0/path", text: "not absolute",
			edit: func(s *specs.Spec, _ string) {
				s.Linux.Devices = []specs.LinuxDevice{{Path: "dev/fuse", Type: "c", Major: 10, Minor: 229}}
			}},
		{name: "hostname without a uts namespace", pointer: "/hostname", text: "uts namespace",
			edit: func(s *specs.Spec, _ string) { s.Hostname = "box" }},
		{name: "hostname with the host's uts namespace by path", pointer: "/hostname", text: "uts namespace",
			edit: func(s *specs.Spec, _ string) {
				s.Hostname = "box"
				s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UTSNamespace, Path: "/proc/self/ns/uts"})
			}},
		{name: "domainname without a uts namespace", pointer: "/domainname", text: "uts namespace",
			edit: func(s *specs.Spec, _ string) { s.Domainname = "example.org" }},
		{name: "terminal without a console", pointer: "/process/terminal", text: "console-socket",
			edit: func(s *specs.Spec, _ string) { s.Process.Terminal = true }},
		{name: "relative cwd", pointer: "/process/cwd", text: "not an absolute path",
			edit: func(s *specs.Spec, _ string) { s.Process.Cwd = "home" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := minimalSpec()
			dir := writeBundle(t, spec)
			c.edit(spec, dir)
			o := defaultOptions()
			o.Bundle = dir
			if c.opts != nil {
				c.opts(&o)
			}
			plan, err := specconv.Build(spec, o)
			if err == nil {
				t.Fatalf("Build succeeded with %d ops, want an error at %s", len(plan.Ops), c.pointer)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, c.pointer+": ") {
				t.Errorf("error %q does not start with %q", msg, c.pointer+": ")
			}
			if !strings.Contains(msg, c.text) {
				t.Errorf("error %q does not mention %q", msg, c.text)
			}
			var fe *specconv.FieldError
			if !errors.As(err, &fe) || fe.Field != c.pointer {
				t.Errorf("error %q is not a *FieldError for %s (got %+v)", msg, c.pointer, fe)
			}
		})
	}
}

// Validate is what every command that reads a bundle runs (state, plan):
// the same pointers as Build for the fields it checks.
func TestValidate(t *testing.T) {
	spec := minimalSpec()
	dir := writeBundle(t, spec)
	if err := specconv.Validate(spec, dir); err != nil {
		t.Fatalf("Validate(minimal): %v", err)
	}
	spec.Root.Path = filepath.Join(dir, "rootfs") // absolute root.path
	if err := specconv.Validate(spec, "/nonexistent-bundle"); err != nil {
		t.Fatalf("Validate with an absolute root.path: %v", err)
	}
	spec.Process.Args = []string{}
	if err := specconv.Validate(spec, dir); err == nil || !strings.HasPrefix(err.Error(), "/process/args: ") {
		t.Fatalf("Validate(empty args) = %v, want /process/args", err)
	}
}

func TestRootfsPath(t *testing.T) {
	for _, c := range []struct{ root, bundle, want string }{
		{"rootfs", "/b", "/b/rootfs"},
		{"./rootfs/", "/b", "/b/rootfs"},
		{"/abs/rootfs", "/b", "/abs/rootfs"},
		{"../other", "/b/c", "/b/other"},
	} {
		s := &specs.Spec{Root: &specs.Root{Path: c.root}}
		if got := specconv.RootfsPath(s, c.bundle); got != c.want {
			t.Errorf("RootfsPath(%q, %q) = %q, want %q", c.root, c.bundle, got, c.want)
		}
	}
	if got := specconv.RootfsPath(&specs.Spec{}, "/b"); got != "" {
		t.Errorf("RootfsPath(no root) = %q, want \"\"", got)
	}
}

func TestLoadMissingConfig(t *testing.T) {
	dir := t.TempDir()
	_, err := specconv.Load(dir)
	if err == nil {
		t.Fatal("Load of a bundle without config.json succeeded")
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %q does not wrap os.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), "config.json") || !strings.Contains(err.Error(), dir) {
		t.Errorf("error %q does not name the bundle and config.json", err)
	}
}

func TestLoadMalformed(t *testing.T) {
	cases := []struct {
		name, json, want string
	}{
		{"syntax error on line 3", "{\n\t\"ociVersion\": \"1.0.0\",\n\t\"process\": {,\n}\n", "line 3"},
		{"wrong type on line 4", "{\n\t\"ociVersion\": \"1.0.0\",\n\t\"process\": {\n\t\t\"args\": \"sh\"\n\t}\n}\n", "line 4"},
		{"wrong type names the field", "{\n\t\"process\": {\n\t\t\"args\": \"sh\"\n\t}\n}\n", "process.args"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "config.json"), c.json)
			_, err := specconv.Load(dir)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
			if !strings.Contains(err.Error(), filepath.Join(dir, "config.json")) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestLoadGood(t *testing.T) {
	spec := baseSpec()
	dir := writeBundle(t, spec)
	got, err := specconv.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Hostname != "rt" || len(got.Mounts) != len(spec.Mounts) || got.Process.Args[2] != "echo hi" {
		t.Errorf("Load returned %+v", got)
	}
}
