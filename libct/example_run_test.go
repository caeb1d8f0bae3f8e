package libct_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestExample runs what Example shows (runBusybox), as root, on a bundle
// tests/mkbundle.sh makes.
func TestExample(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: libct makes namespaces, cgroups and mounts")
	}
	mkbundle, err := filepath.Abs("../tests/mkbundle.sh")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(mkbundle); err != nil {
		t.Skipf("no tests/mkbundle.sh to make a busybox bundle: %v", err)
	}
	bundle, root := t.TempDir(), t.TempDir()
	if out, err := exec.Command(mkbundle, bundle).CombinedOutput(); err != nil {
		t.Skipf("tests/mkbundle.sh cannot make a busybox bundle here: %v: %s", err, out)
	}
	if err := os.Chmod(root, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	status, err := runBusybox(context.Background(), root, bundle, "libct-example", out)
	if err != nil {
		t.Fatal(err)
	}
	if status != 0 {
		t.Errorf("run: exit status %d", status)
	}
	got, _ := os.ReadFile(out.Name())
	if want := "hello from exec\nhello from run\n"; string(got) != want {
		t.Errorf("output %q, want %q", got, want)
	}
	// Only rt's own dot files may stay (.empty for the seal, the list .index).
	left, _ := os.ReadDir(root)
	for _, e := range left {
		if !strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left in the state root: %v", left)
			break
		}
	}
}
