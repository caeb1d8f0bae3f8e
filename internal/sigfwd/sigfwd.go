// Package sigfwd catches the signals sent to rt while it waits for a
// container's process, so that they can be passed on to it: what runc does
// with signal.Notify of every signal.
//
// It does not use os/signal. Go enables each signal in a round trip with
// its signal-mask thread, and disables it the same way: the 60-odd that
// are forwarded took 2 to 5 ms each way here, more than the rest of an
// `rt exec`. Here a handler written in C writes each signal's number to a
// pipe, and a goroutine turns the bytes into values on a channel. It is
// installed with one sigaction per signal, and the handlers it replaced
// are put back the same way.
//
// The signals the Go runtime needs for itself are left to it: SIGURG
// (goroutine preemption), SIGPROF, the synchronous faults (SIGSEGV,
// SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS), SIGKILL and SIGSTOP, which
// cannot be caught, and those from 32 to below the C library's SIGRTMIN,
// which it keeps for its threads and whose sigaction it refuses: 32 and 33
// with glibc, 32 to 34 with musl (which rt is built with). A
// child started by Go's os/exec or syscall gets default handlers before it
// unblocks signals, for Go's signals as for these.
//
// Imports: nothing of rt's.
package sigfwd

// #cgo CFLAGS: -Wall -Wextra -Werror -std=gnu11
// #include "sigfwd.h"
import "C"

import (
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Forwarded lists the signals a Catcher catches, in order.
var Forwarded = forwarded()

func forwarded() []unix.Signal {
	skip := map[unix.Signal]bool{
		unix.SIGKILL: true, unix.SIGSTOP: true, unix.SIGURG: true, unix.SIGPROF: true,
		unix.SIGSEGV: true, unix.SIGBUS: true, unix.SIGFPE: true, unix.SIGILL: true,
		unix.SIGTRAP: true, unix.SIGSYS: true,
	}
	for s := unix.Signal(32); s < unix.Signal(libcSigRTMin()); s++ {
		skip[s] = true
	}
	var sigs []unix.Signal
	for s := unix.Signal(1); s <= 64; s++ {
		if !skip[s] {
			sigs = append(sigs, s)
		}
	}
	return sigs
}

// A Catcher receives every signal of Forwarded sent to the process on C,
// from Catch until Stop. Several may be active at once: each gets every
// signal.
type Catcher struct {
	C chan os.Signal
}

// hub is the process's one set of handlers, installed while at least one
// Catcher is active. The pipe and its reader are made once and kept: a
// handler already running on another thread when the last Catcher stops
// may still write to the pipe, which must not be a reused fd number by then.
var hub struct {
	sync.Mutex
	catchers map[*Catcher]bool
	wfd      int // the pipe's write end, once sigs is set (the first Catch)
	sigs     []C.int
	old      []uint64 // the replaced handlers, a struct sigaction each
}

// Catch installs the handlers (unless another Catcher has) and returns a
// Catcher whose channel holds up to 64 signals not yet received; more are
// dropped, as os/signal drops them.
func Catch() (*Catcher, error) {
	hub.Lock()
	defer hub.Unlock()
	c := &Catcher{C: make(chan os.Signal, 64)}
	if hub.catchers == nil {
		if err := install(); err != nil {
			return nil, err
		}
		hub.catchers = map[*Catcher]bool{}
	}
	hub.catchers[c] = true
	return c, nil
}

// Stop ends c's catching; the last Catcher to stop puts the handlers back.
// Signals that arrive afterwards get what they got before Catch.
func (c *Catcher) Stop() {
	hub.Lock()
	defer hub.Unlock()
	if !hub.catchers[c] {
		return
	}
	delete(hub.catchers, c)
	if len(hub.catchers) > 0 {
		return
	}
	hub.catchers = nil
	C.rt_sigfwd_restore(&hub.sigs[0], C.int(len(hub.sigs)), unsafe.Pointer(&hub.old[0]))
}

func install() error {
	if hub.sigs == nil {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
			return os.NewSyscallError("pipe2", err)
		}
		hub.wfd = p[1]
		go deliver(os.NewFile(uintptr(p[0]), "sigfwd"))
		hub.sigs = make([]C.int, len(Forwarded))
		for i, s := range Forwarded {
			hub.sigs[i] = C.int(s)
		}
		hub.old = make([]uint64, (len(hub.sigs)*int(C.rt_sigfwd_old_size())+7)/8)
	}
	if rc := C.rt_sigfwd_catch(C.int(hub.wfd), &hub.sigs[0], C.int(len(hub.sigs)), unsafe.Pointer(&hub.old[0])); rc < 0 {
		return os.NewSyscallError("sigaction", unix.Errno(-rc))
	}
	return nil
}

// deliver passes each signal read from r to every active Catcher.
func deliver(r *os.File) {
	buf := make([]byte, 64)
	for {
		n, err := r.Read(buf)
		hub.Lock()
		for _, b := range buf[:n] {
			for c := range hub.catchers {
				select {
				case c.C <- unix.Signal(b):
				default:
				}
			}
		}
		hub.Unlock()
		if err != nil {
			return
		}
	}
}

// libcSigRTMin is the C library's SIGRTMIN (a function call in glibc and
// musl alike, so not a cgo constant).
func libcSigRTMin() int { return int(C.rt_sigfwd_rtmin()) }

// installed reports whether sig's handler is this package's (for tests).
func installed(sig unix.Signal) bool {
	return C.rt_sigfwd_installed(C.int(sig)) == 1
}
