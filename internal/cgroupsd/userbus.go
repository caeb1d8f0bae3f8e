package cgroupsd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/godbus/dbus/v5"
)

// The user's systemd (rootless --systemd-cgroup), reached as runc reaches
// it (libcontainer/cgroups/systemd/user.go): on the session bus, whose
// address is $DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus; the
// scope goes in user.slice below the user's manager
// (/user.slice/user-UID.slice/user@UID.service/user.slice/rt-ID.scope).

// errNoUserBus says how to get a session bus.
var errNoUserBus = errors.New("no session bus: DBUS_SESSION_BUS_ADDRESS is unset and $XDG_RUNTIME_DIR/bus does not exist " +
	"(the user's systemd needs the dbus-user-session package and a login session, or `loginctl enable-linger USER`)")

// UserBusAddress is the address of the user's session bus:
// $DBUS_SESSION_BUS_ADDRESS, else unix:path=$XDG_RUNTIME_DIR/bus when that
// socket exists. No autolaunch.
func UserBusAddress() (string, error) {
	if addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" {
		return addr, nil
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		bus := filepath.Join(dir, "bus")
		if _, err := os.Stat(bus); err == nil {
			return "unix:path=" + dbus.EscapeBusAddressValue(bus), nil
		}
	}
	return "", errNoUserBus
}

// BusUID is the uid the bus daemon sees the caller as, which EXTERNAL
// authentication must name: the effective uid, or in a user namespace the
// uid it maps to outside (root in rootless podman's namespace is the user).
func BusUID() int {
	uid := os.Geteuid()
	data, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return uid
	}
	if outside, ok := mapID(string(data), uid); ok {
		return outside
	}
	return uid
}

// mapID maps id through a uid_map's lines ("inside outside count").
func mapID(uidMap string, id int) (int, bool) {
	for _, line := range strings.Split(uidMap, "\n") {
		var inside, outside, count int64
		if _, err := fmt.Sscan(line, &inside, &outside, &count); err != nil {
			continue
		}
		if int64(id) >= inside && int64(id)-inside < count {
			return int(outside + int64(id) - inside), true
		}
	}
	return 0, false
}

// UseUserBus reports whether --systemd-cgroup talks to the user's systemd
// rather than the system's, as runc decides: a caller that is not root
// does; root in the initial user namespace does not; root in another user
// namespace (rootless podman runs its runtime there) does when it is
// another user outside and a session bus is at hand (runc asks busctl for
// the bus's OwnerUID there; when it cannot, it takes root).
func UseUserBus() bool {
	if os.Geteuid() != 0 {
		return true
	}
	if BusUID() == 0 {
		return false
	}
	_, err := UserBusAddress()
	return err == nil
}

// userBus dials the user's session bus and says hello, authenticated as
// BusUID.
func userBus() (*dbus.Conn, error) {
	addr, err := UserBusAddress()
	if err != nil {
		return nil, err
	}
	conn, err := dbus.Dial(addr)
	if err != nil {
		return nil, fmt.Errorf("session bus %s: %w", addr, err)
	}
	uid := BusUID()
	if err := conn.Auth([]dbus.Auth{dbus.AuthExternal(strconv.Itoa(uid))}); err != nil {
		conn.Close()
		return nil, fmt.Errorf("session bus %s: authentication as uid %d: %w", addr, uid, err)
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("session bus %s: %w", addr, err)
	}
	return conn, nil
}
