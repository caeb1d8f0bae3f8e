package onep

import (
	"runtime"
	"syscall"
	"testing"
)

// The package's init left one P, unless the environment chose.
func TestOneP(t *testing.T) {
	if v, set := syscall.Getenv("GOMAXPROCS"); set {
		t.Skipf("GOMAXPROCS=%s in the environment wins", v)
	}
	if n := runtime.GOMAXPROCS(0); n != 1 {
		t.Fatalf("GOMAXPROCS is %d, want 1", n)
	}
}
