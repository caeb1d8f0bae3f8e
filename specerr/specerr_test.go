package specerr

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
)

func TestFieldErrorAs(t *testing.T) {
	err := fmt.Errorf("create: %w", Errorf("/mounts/1/source", "open %s: %w", "/x", fs.ErrNotExist))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "/mounts/1/source" {
		t.Fatalf("errors.As: %v", err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the cause is not unwrapped: %v", err)
	}
	if got, want := err.Error(), "create: /mounts/1/source: open /x: file does not exist"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{"a/b": "a~1b", "~x": "~0x", "~/": "~0~1", "net.ipv4.ip_forward": "net.ipv4.ip_forward"} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}
