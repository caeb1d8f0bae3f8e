package nsenter

import (
	"fmt"
	"slices"
)

// StageFds is the one table of the fds the C stage starts with. The stage
// is given them as exec.Cmd.ExtraFiles, numbered from 3 in this order:
//
//	fd                    slot      what
//	3 .. 3+Listen-1       Listen    LISTEN_FDS (socket activation), passed to the process
//	.. +Preserve-1        Preserve  --preserve-fds, passed to the process
//	CloseFrom()           Sync      the stage's end of the sync socket (SOCK_SEQPACKET)
//	next, if any          Fifo      the exec fifo (create only): OP_WAIT_START reads it
//	next, if any          Console   the --console-socket connection: OP_CONSOLE sends the pty on it
//	next, one each        IDMaps    user namespaces holding an idmapped mount's ids, by mapping: OP_IDMAP_TREE
//	last                  Plan      the memfd holding the encoded plan; the stage closes every fd above it
//
// LayoutFds is the only place that numbers them; the plan refers to a
// slot by its name here (specconv reads StageFds, never a number), and
// CheckFds checks that each op's fd is its slot's. A slot that is not there is 0 (fd 0 is stdin, never a slot).
type StageFds struct {
	Listen   int // how many LISTEN_FDS fds, from 3
	Preserve int // how many --preserve-fds after them
	Sync     int
	Fifo     int         // 0: none (exec)
	Console  int         // 0: none
	IDMaps   []IDMapSlot // one per distinct id mapping, named by its key
	Plan     int
}

// IDMapSlot is the fd of the user namespace holding one id mapping of
// idmapped mounts. Key names the mapping (rootfs.IDMap.Key): the plan's
// ops and the caller's files find their slot by it, never by position.
type IDMapSlot struct {
	Key string
	Fd  int
}

// IDMapFd is the fd of the slot holding the mapping key; false if the
// table has none.
func (f StageFds) IDMapFd(key string) (int, bool) {
	for _, s := range f.IDMaps {
		if s.Key == key {
			return s.Fd, true
		}
	}
	return 0, false
}

// FdNeeds says which slots a stage run has.
type FdNeeds struct {
	Listen, Preserve int
	Fifo, Console    bool
	IDMaps           []string // the keys of the distinct id mappings, one slot each
}

// LayoutFds numbers the slots a stage run needs.
func LayoutFds(n FdNeeds) StageFds {
	next := 3 + n.Listen + n.Preserve
	take := func() int { next++; return next - 1 }
	f := StageFds{Listen: n.Listen, Preserve: n.Preserve, Sync: take()}
	if n.Fifo {
		f.Fifo = take()
	}
	if n.Console {
		f.Console = take()
	}
	for _, key := range n.IDMaps {
		f.IDMaps = append(f.IDMaps, IDMapSlot{Key: key, Fd: take()})
	}
	f.Plan = take()
	return f
}

// CloseFrom is the first fd the process must not get: every fd from the
// sync socket on is rt's.
func (f StageFds) CloseFrom() int { return 3 + f.Listen + f.Preserve }

// Slot is one named fd of the table.
type Slot struct {
	Name string
	Fd   int
}

// Slots lists the table's fds in fd order, the passed-through ones too.
func (f StageFds) Slots() []Slot {
	var out []Slot
	for i := 0; i < f.Listen; i++ {
		out = append(out, Slot{fmt.Sprintf("listen[%d]", i), 3 + i})
	}
	for i := 0; i < f.Preserve; i++ {
		out = append(out, Slot{fmt.Sprintf("preserve[%d]", i), 3 + f.Listen + i})
	}
	named := []Slot{{"sync", f.Sync}, {"fifo", f.Fifo}, {"console", f.Console}}
	for i, s := range f.IDMaps {
		named = append(named, Slot{fmt.Sprintf("idmap[%d]", i), s.Fd})
	}
	named = append(named, Slot{"plan", f.Plan})
	for _, s := range named {
		if s.Fd != 0 {
			out = append(out, s)
		}
	}
	return out
}

// opSlot is the slot an op's fd must be: which argument holds it, and
// the slot's fds in the table ("" when the op uses none).
func (f StageFds) opSlot(op Op) (arg int, name string, fds []int) {
	switch op.Code {
	case OpConsole:
		return 0, "console", nonzero(f.Console)
	case OpWaitStart:
		return 0, "fifo", nonzero(f.Fifo)
	case OpIdmapTree:
		var fds []int
		for _, s := range f.IDMaps {
			fds = append(fds, s.Fd)
		}
		return 1, "idmap", fds
	case OpCloseFrom:
		return 0, "close-from", []int{f.CloseFrom()}
	}
	return 0, "", nil
}

func nonzero(fd int) []int {
	if fd == 0 {
		return nil
	}
	return []int{fd}
}

// CheckFds reports an op of plan whose fd is not the one of its slot in
// the table (the console op on the fifo's fd, an fd the table has not,
// a close-from bound that would close what the process keeps or keep
// what is rt's).
func (f StageFds) CheckFds(plan *Plan) error {
	for i, op := range plan.Ops {
		arg, name, fds := f.opSlot(op)
		if name == "" {
			continue
		}
		if !slices.Contains(fds, int(op.Args[arg])) {
			return fmt.Errorf("op %d (%s) uses fd %d, but the %s slot of the stage's fd table is %v", i, op, op.Args[arg], name, fds)
		}
	}
	return nil
}
