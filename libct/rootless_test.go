package libct

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestSubIDsAndAllowed(t *testing.T) {
	file := filepath.Join(t.TempDir(), "subuid")
	uid := strconv.Itoa(os.Geteuid())
	data := "other:1000:10\n" + uid + ":100000:65536\nbad line\n" + uid + ":300000:10\n"
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	ranges, _, err := subIDs(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(ranges) != 2 || ranges[0] != [2]uint64{100000, 65536} || ranges[1] != [2]uint64{300000, 10} {
		t.Fatalf("subIDs = %v", ranges)
	}
	m := idMapper{own: 4242}
	cases := []struct {
		r  specs.LinuxIDMapping
		ok bool
	}{
		{specs.LinuxIDMapping{ContainerID: 0, HostID: 4242, Size: 1}, true},
		{specs.LinuxIDMapping{ContainerID: 0, HostID: 4242, Size: 2}, false},
		{specs.LinuxIDMapping{ContainerID: 1, HostID: 100000, Size: 65536}, true},
		{specs.LinuxIDMapping{ContainerID: 1, HostID: 100001, Size: 65536}, false},
		{specs.LinuxIDMapping{ContainerID: 1, HostID: 300005, Size: 5}, true},
		{specs.LinuxIDMapping{ContainerID: 1, HostID: 1000, Size: 1}, false},
		{specs.LinuxIDMapping{ContainerID: 1, HostID: 100000, Size: 0}, false},
	}
	for _, c := range cases {
		if got := m.allowed(c.r, ranges); got != c.ok {
			t.Errorf("allowed(%+v) = %v, want %v", c.r, got, c.ok)
		}
	}
	if got := rangesText(ranges); got != "100000-165535, 300000-300009" {
		t.Errorf("rangesText = %q", got)
	}
}

func TestOwnOnly(t *testing.T) {
	m := idMapper{own: 7, maps: []specs.LinuxIDMapping{{ContainerID: 0, HostID: 7, Size: 1}}}
	if !m.ownOnly() {
		t.Error("a single mapping of the own id is ownOnly")
	}
	m.maps = append(m.maps, specs.LinuxIDMapping{ContainerID: 1, HostID: 100000, Size: 1})
	if m.ownOnly() {
		t.Error("two mappings are not ownOnly")
	}
}
