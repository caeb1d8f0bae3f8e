package cgroupsfs

import (
	"errors"
	"testing"

	"github.com/rt-runtime/rt/specerr"
)

// Errors about a config field carry its JSON pointer as a
// specerr.FieldError, for callers to find with errors.As.
func TestFieldErrorPointer(t *testing.T) {
	_, err := ResolvePath("/", "c1")
	var fe *specerr.FieldError
	if !errors.As(err, &fe) || fe.Field != "/linux/cgroupsPath" {
		t.Fatalf("ResolvePath(/): %v is not a field error of /linux/cgroupsPath", err)
	}
	if got, want := err.Error(), `/linux/cgroupsPath: "/" is the root cgroup`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
