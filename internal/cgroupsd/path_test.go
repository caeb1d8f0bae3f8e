package cgroupsd

import (
	"strings"
	"testing"
)

// runc's ExpandSlice: systemd nests slices by the dashes of their names.
func TestExpandSlice(t *testing.T) {
	for in, want := range map[string]string{
		"-.slice":                  "/",
		"system.slice":             "/system.slice",
		"a-b.slice":                "/a.slice/a-b.slice",
		"test-a-b.slice":           "/test.slice/test-a.slice/test-a-b.slice",
		"kubepods-burstable.slice": "/kubepods.slice/kubepods-burstable.slice",
	} {
		got, err := ExpandSlice(in)
		if err != nil || got != want {
			t.Errorf("ExpandSlice(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", ".slice", "a", "a.scope", "a--b.slice", "-a.slice", "a-.slice", "a/b.slice", "../x.slice"} {
		if got, err := ExpandSlice(in); err == nil {
			t.Errorf("ExpandSlice(%q) = %q, want an error", in, got)
		}
	}
}

// The three forms of linux.cgroupsPath with --systemd-cgroup (runc's
// CreateCgroupConfig and getUnitName).
func TestParsePath(t *testing.T) {
	for _, c := range []struct {
		path     string
		rootless bool
		want     Unit
	}{
		{"", false, Unit{"system.slice", "rt-ID.scope", "/system.slice/rt-ID.scope"}},
		{"", true, Unit{"user.slice", "rt-ID.scope", "/user.slice/rt-ID.scope"}},
		{"system.slice:docker:1234", false, Unit{"system.slice", "docker-1234.scope", "/system.slice/docker-1234.scope"}},
		{"a-b.slice:crio:x", false, Unit{"a-b.slice", "crio-x.scope", "/a.slice/a-b.slice/crio-x.scope"}},
		{":cri-containerd:abc", false, Unit{"system.slice", "cri-containerd-abc.scope", "/system.slice/cri-containerd-abc.scope"}},
		{"-.slice:p:n", false, Unit{"-.slice", "p-n.scope", "/p-n.scope"}},
		// kubelet's form: a name that is a slice makes a slice unit.
		{"kubepods.slice:p:kubepods-pod1.slice", false, Unit{"kubepods.slice", "kubepods-pod1.slice", "/kubepods.slice/kubepods-pod1.slice"}},
	} {
		got, err := ParsePath(c.path, "ID", c.rootless)
		if err != nil || got != c.want {
			t.Errorf("ParsePath(%q, rootless %v) = %+v, %v; want %+v", c.path, c.rootless, got, err, c.want)
		}
	}
}

// A malformed path is refused, naming the field.
func TestParsePathErrors(t *testing.T) {
	for _, p := range []string{"/rt/x", "a:b", "a:b:c:d", "system.slice:p:", "system.scope:p:n", "a--b.slice:p:n", "system.slice:p:a/b", "x/y.slice:p:n"} {
		_, err := ParsePath(p, "ID", false)
		if err == nil || !strings.HasPrefix(err.Error(), "/linux/cgroupsPath: ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("ParsePath(%q): %v; want a one-line error naming /linux/cgroupsPath", p, err)
		}
	}
}

func TestVersionNumber(t *testing.T) {
	for in, want := range map[string]int{`"v245.4-1.fc32"`: 245, `"252"`: 252, `"v255-1"`: 255, `""`: 0, `"x"`: 0} {
		if got := versionNumber(in); got != want {
			t.Errorf("versionNumber(%s) = %d, want %d", in, got, want)
		}
	}
}
