package libct

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStageProc: the stage's process is started and reaped without
// os/exec, and its failures read as os/exec's did.
func TestStageProc(t *testing.T) {
	sh, err := filepath.Abs("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	extra, err := os.Open("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	cases := []struct {
		script, want string
	}{
		{"echo $X; [ -e /proc/self/fd/3 ]", ""},
		{"exit 3", "exit status 3"},
		{"kill -9 $$", "signal: killed"},
		{`[ "$(readlink /proc/self/fd/0)" = /dev/null ]`, ""}, // a nil stdin
	}
	for _, c := range cases {
		p := &stageProc{Path: sh, Args: []string{"sh", "-c", c.script}, Env: []string{"X=from-env"},
			Stdio: [3]*os.File{nil, out, out}, ExtraFiles: []*os.File{extra}}
		if err := p.Start(); err != nil {
			t.Fatalf("%q: Start: %v", c.script, err)
		}
		if p.Pid <= 0 {
			t.Fatalf("%q: pid %d", c.script, p.Pid)
		}
		err := p.Wait()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%q: Wait = %q, want %q", c.script, got, c.want)
		}
	}
	data, _ := os.ReadFile(out.Name())
	if !strings.Contains(string(data), "from-env") {
		t.Errorf("the environment did not reach the process: %q", data)
	}
	p := &stageProc{Path: "/nonexistent/stage", Args: []string{"x"}}
	if err := p.Start(); err == nil || !strings.HasPrefix(err.Error(), "fork/exec /nonexistent/stage: ") {
		t.Errorf("Start of a missing binary: %v, want fork/exec /nonexistent/stage: ...", err)
	}
}
