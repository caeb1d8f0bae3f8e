package cgroupsd

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
)

func TestMapID(t *testing.T) {
	for _, c := range []struct {
		uidMap string
		id     int
		want   int
		ok     bool
	}{
		{"         0          0 4294967295\n", 0, 0, true},
		{"         0          0 4294967295\n", 1000, 1000, true},
		// rootless podman's namespace: root is the user, 1.. the subuids.
		{"         0       1000          1\n         1     100000      65536\n", 0, 1000, true},
		{"         0       1000          1\n         1     100000      65536\n", 5, 100004, true},
		{"         0       1000          1\n", 1, 0, false},
		{"", 0, 0, false},
	} {
		got, ok := mapID(c.uidMap, c.id)
		if got != c.want || ok != c.ok {
			t.Errorf("mapID(%q, %d) = %d, %v; want %d, %v", c.uidMap, c.id, got, ok, c.want, c.ok)
		}
	}
}

func TestUserBusAddress(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/x/bus")
	t.Setenv("XDG_RUNTIME_DIR", dir)
	if got, err := UserBusAddress(); err != nil || got != "unix:path=/x/bus" {
		t.Errorf("with DBUS_SESSION_BUS_ADDRESS: %q, %v", got, err)
	}

	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	if _, err := UserBusAddress(); !errors.Is(err, errNoUserBus) {
		t.Errorf("no $XDG_RUNTIME_DIR/bus: got %v, want errNoUserBus", err)
	}
	l, err := net.Listen("unix", filepath.Join(dir, "bus"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	want := "unix:path=" + filepath.Join(dir, "bus")
	if got, err := UserBusAddress(); err != nil || got != want {
		t.Errorf("with $XDG_RUNTIME_DIR/bus: %q, %v; want %q", got, err, want)
	}

	t.Setenv("XDG_RUNTIME_DIR", "")
	if _, err := UserBusAddress(); !errors.Is(err, errNoUserBus) {
		t.Errorf("nothing set: got %v, want errNoUserBus", err)
	}
}

// A caller that is not root always uses its own systemd; root in the
// initial namespace never does.
func TestUseUserBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/x/bus")
	got := UseUserBus()
	switch {
	case os.Geteuid() != 0 && !got:
		t.Error("not root: UseUserBus is false")
	case os.Geteuid() == 0 && BusUID() == 0 && got:
		t.Error("root outside any user namespace: UseUserBus is true")
	}
}
