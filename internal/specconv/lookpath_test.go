package specconv

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// TestExecCandidates: the paths the stage tries for argv[0] are execvp's,
// in $PATH's order; a name with a slash is tried alone, as it is.
func TestExecCandidates(t *testing.T) {
	for _, c := range []struct {
		arg0, path string
		want       []string
		search     bool
	}{
		{"sh", "/usr/bin:/bin", []string{"/usr/bin/sh", "/bin/sh"}, true},
		{"sh", "/usr/bin/:", []string{"/usr/bin//sh", "sh"}, true}, // an empty directory is the working one
		{"sh", "", []string{"sh"}, true},
		{"a:b", "/bin", []string{"/bin/a:b"}, true},
		{"/bin/sh", "/usr/bin", []string{"/bin/sh"}, false},
		{"./run", "/usr/bin", []string{"./run"}, false},
		{"", "/usr/bin", nil, true},
	} {
		got, search := execCandidates(c.arg0, c.path)
		if !slices.Equal(got, c.want) || search != c.search {
			t.Errorf("execCandidates(%q, %q) = %q, %v; want %q, %v", c.arg0, c.path, got, search, c.want, c.search)
		}
	}
}

// TestFindExecOp: the op carries the candidates, each ended by a NUL, and
// whether they come from a search; `rt plan` lists them.
func TestFindExecOp(t *testing.T) {
	op := findExecOp("sh", "/usr/bin:/bin")
	if op.Code != nsenter.OpFindExec || op.Strs[0] != "/usr/bin/sh\x00/bin/sh\x00" || op.Args[0] != 1 {
		t.Errorf("op %+v", op)
	}
	if s := op.String(); !strings.Contains(s, `find-exec in $PATH "/usr/bin/sh" "/bin/sh"`) {
		t.Errorf("described as %q", s)
	}
	if op := findExecOp("/bin/sh", "/usr/bin"); op.Strs[0] != "/bin/sh\x00" || op.Args[0] != 0 {
		t.Errorf("op %+v", op)
	}
	if op := findExecOp("", "/usr/bin"); op.Strs[0] != "" || op.Args[0] != 1 {
		t.Errorf("op %+v", op)
	}
}

// TestBoundingOp: the bounding op keeps its mask and is dropped up to the
// kernel's last capability, which Go reads from cap_last_cap.
func TestBoundingOp(t *testing.T) {
	saved := KernelFeatures
	defer func() { KernelFeatures = saved }()
	KernelFeatures = func() Kernel { return Kernel{LastCap: 37} }
	op := boundingOp(0x21)
	if op.Code != nsenter.OpCapsBounding || op.Args != [3]int64{0x21, 37, 0} || op.Field != "/process/capabilities/bounding" {
		t.Errorf("op %+v", op)
	}
	last := kernelLastCap()
	if b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap"); err == nil {
		if n, _ := strconv.Atoi(strings.TrimSpace(string(b))); n != last {
			t.Errorf("kernelLastCap() = %d, cap_last_cap is %d", last, n)
		}
	} else if _, known := capabilityKnown(last); !known {
		t.Errorf("kernelLastCap() = %d without cap_last_cap, want the highest capability rt knows", last)
	}
}

func capabilityKnown(bit int) (string, bool) {
	for n, b := range capabilities {
		if b == bit {
			return n, true
		}
	}
	return "", false
}
