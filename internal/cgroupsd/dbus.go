package cgroupsd

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	sd "github.com/coreos/go-systemd/v22/dbus"
	"github.com/godbus/dbus/v5"
)

// manager is the part of go-systemd's connection the driver uses (a fake
// in tests).
type manager interface {
	StartTransientUnitContext(ctx context.Context, name, mode string, props []sd.Property, ch chan<- string) (int, error)
	StopUnitContext(ctx context.Context, name, mode string, ch chan<- string) (int, error)
	ResetFailedUnitContext(ctx context.Context, name string) error
	SetUnitPropertiesContext(ctx context.Context, name string, runtime bool, props ...sd.Property) error
	GetManagerProperty(name string) (string, error)
	Close()
}

// Conn is a D-Bus connection to a systemd that answered.
type Conn struct {
	sd       manager
	Version  int    // systemd's version, 0 if it did not say
	Rootless bool   // the user's systemd, on the session bus
	Root     string // systemd's own cgroup: slices live below it ("" for the system instance)
}

// callTimeout bounds one call to systemd; a start or stop job has jobTimeout.
const (
	callTimeout = 10 * time.Second
	jobTimeout  = 30 * time.Second
)

// Connect reaches systemd: the system instance (the system bus, else its
// private socket, as root), or with rootless the user's instance on the
// session bus (UserBusAddress, authenticated as BusUID). It asks systemd's version, so a bus with no systemd on it
// is not mistaken for one. The error is one line that says systemd cannot
// be reached, and why.
func Connect(rootless bool) (*Conn, error) {
	type result struct {
		c   *Conn
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := connect(rootless)
		done <- result{c, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(callTimeout):
		r.err = fmt.Errorf("no answer within %s", callTimeout)
	}
	if r.err != nil && rootless {
		return nil, fmt.Errorf("--systemd-cgroup: cannot reach the user's systemd (rootless) over its session bus: %s", oneLine(r.err))
	}
	if r.err != nil {
		return nil, fmt.Errorf("--systemd-cgroup: cannot reach systemd over D-Bus: %s", oneLine(r.err))
	}
	return r.c, nil
}

// connect dials and asks the version. The connection lives until Close:
// godbus closes a connection when the context it was dialled with ends,
// so none is given.
func connect(rootless bool) (*Conn, error) {
	var conn *sd.Conn
	var err error
	if rootless {
		conn, err = sd.NewConnection(userBus)
	} else {
		conn, err = sd.NewWithContext(context.Background())
	}
	if err != nil {
		return nil, err
	}
	c := &Conn{sd: conn, Rootless: rootless}
	if err := c.init(); err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

// Ping reports whether systemd answers (rt features).
func Ping(rootless bool) bool {
	c, err := Connect(rootless)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// Close ends the connection.
func (c *Conn) Close() { c.sd.Close() }

func (c *Conn) init() error {
	v, err := c.sd.GetManagerProperty("Version")
	if err != nil {
		return err
	}
	c.Version = versionNumber(v)
	if c.Rootless {
		// The user instance's slices are below its own cgroup,
		// "/user.slice/user-1000.slice/user@1000.service".
		cg, err := c.sd.GetManagerProperty("ControlGroup")
		if err != nil {
			return err
		}
		if c.Root, err = strconv.Unquote(cg); err != nil {
			return fmt.Errorf("systemd's ControlGroup %s: %w", cg, err)
		}
		if c.Root == "" || c.Root == "/" {
			return fmt.Errorf("the systemd on the session bus has no cgroup of its own (ControlGroup %s): not a user instance", cg)
		}
	}
	return nil
}

// versionNumber reads the leading number of systemd's version ("\"v255.4-1\"",
// "\"252\""); 0 when there is none.
func versionNumber(s string) int {
	s = strings.TrimLeft(s, "\"v")
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, _ := strconv.Atoi(s[:end])
	return n
}

// isDBusError reports whether err is the D-Bus error called name.
func isDBusError(err error, name string) bool {
	var e dbus.Error
	return errors.As(err, &e) && e.Name == name
}

// oneLine keeps an error on one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// runJob starts a job (start or stop of a unit) and waits for its result.
func (c *Conn) runJob(unit, what string, start func(ctx context.Context, ch chan<- string) (int, error)) error {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	ch := make(chan string, 1)
	if _, err := start(ctx, ch); err != nil {
		return err
	}
	select {
	case result := <-ch:
		if result != "done" {
			return fmt.Errorf("systemd: %s unit %s: job result %q", what, unit, result)
		}
	case <-time.After(jobTimeout):
		return fmt.Errorf("systemd: %s unit %s: no answer within %s", what, unit, jobTimeout)
	}
	return nil
}

// resetFailed lets systemd forget a failed unit; errors are of no use to
// the caller (the unit may not exist).
func (c *Conn) resetFailed(unit string) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	c.sd.ResetFailedUnitContext(ctx, unit)
}
