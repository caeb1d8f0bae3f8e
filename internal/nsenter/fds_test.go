package nsenter

import "testing"

// TestLayoutFds: the slots come in the table's order, the plan last; an
// absent slot is 0; the process keeps only what is below CloseFrom.
func TestLayoutFds(t *testing.T) {
	f := LayoutFds(FdNeeds{Listen: 2, Preserve: 1, Console: true, IDMaps: []string{"u0:1000:1,"}})
	if f.CloseFrom() != 6 || f.Sync != 6 || f.Fifo != 0 || f.Console != 7 || len(f.IDMaps) != 1 || f.IDMaps[0].Fd != 8 || f.Plan != 9 {
		t.Errorf("layout %+v", f)
	}
	if fd, ok := f.IDMapFd("u0:1000:1,"); !ok || fd != 8 {
		t.Errorf("IDMapFd = %d, %v; want 8", fd, ok)
	}
	if _, ok := f.IDMapFd("u0:2000:1,"); ok {
		t.Error("IDMapFd found a mapping the table has not")
	}
	var names []string
	for i, s := range f.Slots() {
		if s.Fd != 3+i {
			t.Errorf("slot %s is fd %d, want %d", s.Name, s.Fd, 3+i)
		}
		names = append(names, s.Name)
	}
	if len(names) != 7 || names[0] != "listen[0]" || names[2] != "preserve[0]" || names[6] != "plan" {
		t.Errorf("slots %v", names)
	}
}

// TestCheckFds: an op whose fd is not its slot's is caught, be it the
// slot of another op, no slot, or an fd the process keeps.
func TestCheckFds(t *testing.T) {
	f := LayoutFds(FdNeeds{Preserve: 1, Fifo: true, Console: true, IDMaps: []string{"u0:1000:1,"}})
	good := &Plan{Ops: []Op{{Code: OpCloseFrom, Args: [3]int64{4}}, {Code: OpWaitStart, Args: [3]int64{5}},
		{Code: OpConsole, Args: [3]int64{6}}, {Code: OpIdmapTree, Args: [3]int64{0, 7}}}}
	if err := f.CheckFds(good); err != nil {
		t.Error(err)
	}
	for _, bad := range []Op{
		{Code: OpWaitStart, Args: [3]int64{6}},     // the console's fd
		{Code: OpConsole, Args: [3]int64{5}},       // the fifo's fd
		{Code: OpConsole, Args: [3]int64{9}},       // no such slot
		{Code: OpWaitStart, Args: [3]int64{3}},     // a preserved fd, the process's
		{Code: OpCloseFrom, Args: [3]int64{3}},     // would close the preserved fd
		{Code: OpIdmapTree, Args: [3]int64{0, -1}}, // no user namespace given
	} {
		if err := f.CheckFds(&Plan{Ops: []Op{bad}}); err == nil {
			t.Errorf("%v passed", bad)
		}
	}
	if err := LayoutFds(FdNeeds{}).CheckFds(&Plan{Ops: []Op{{Code: OpConsole}}}); err == nil {
		t.Error("a console op without a console slot passed")
	}
}
