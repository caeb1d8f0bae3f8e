package libct

import (
	"os"
	"testing"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// TestExtraFilesFollowTheTable: the files reach the stage at the fd
// numbers the table gives them (ExtraFiles[i] is fd 3+i), whatever order
// they were opened in; a slot without its file is an error, not a shift.
func TestExtraFilesFollowTheTable(t *testing.T) {
	file := func(name string) *os.File {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	s := &stageFiles{
		fds:     nsenter.LayoutFds(nsenter.FdNeeds{Fifo: true, Console: true, IDMaps: []string{"a", "b"}}),
		idmaps:  map[string]*os.File{"b": file("idmap-b"), "a": file("idmap-a")},
		console: file("console"), fifo: file("fifo"), sync: file("sync"),
	}
	if _, err := s.extraFiles(); err == nil {
		t.Error("no error without the plan's file")
	}
	s.plan = file("plan")
	extra, err := s.extraFiles()
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]*os.File{s.fds.Sync: s.sync, s.fds.Fifo: s.fifo, s.fds.Console: s.console,
		s.fds.IDMaps[0].Fd: s.idmaps["a"], s.fds.IDMaps[1].Fd: s.idmaps["b"], s.fds.Plan: s.plan}
	if len(extra) != len(want) {
		t.Fatalf("%d extra files, want %d", len(extra), len(want))
	}
	for fd, f := range want {
		if extra[fd-3] != f {
			t.Errorf("fd %d is not its slot's file", fd)
		}
	}
	if s.fds.Plan != 3+len(extra)-1 {
		t.Errorf("the plan is fd %d, not the last (%d)", s.fds.Plan, 3+len(extra)-1)
	}
}
