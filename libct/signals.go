package libct

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ParseSignal accepts a signal name with or without SIG, in any case, or a
// number, as runc does. 0 is accepted: sent, it only checks that the
// process is alive (kill(2)), which is what `runc kill ID 0` is used for.
func ParseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || n > 64 {
			return 0, fmt.Errorf("invalid signal number %d", n)
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	if rt, ok := realtimeSignal(name); ok {
		return rt, nil
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

// realtimeSignal parses SIGRTMIN+n and SIGRTMAX-n.
func realtimeSignal(name string) (unix.Signal, bool) {
	const rtmin, rtmax = 34, 64
	for _, base := range []struct {
		prefix string
		value  int
		sign   int
	}{{"SIGRTMIN", rtmin, 1}, {"SIGRTMAX", rtmax, -1}} {
		rest, ok := strings.CutPrefix(name, base.prefix)
		if !ok {
			continue
		}
		off := 0
		if rest != "" {
			n, err := strconv.Atoi(rest)
			if err != nil {
				return 0, false
			}
			off = n
		}
		v := base.value + off
		if base.sign < 0 && off > 0 {
			return 0, false
		}
		if v >= rtmin && v <= rtmax {
			return unix.Signal(v), true
		}
	}
	return 0, false
}
