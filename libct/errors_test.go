package libct

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// State errors keep runc's words and are told apart with errors.Is.
func TestStateErrorKinds(t *testing.T) {
	err := fmt.Errorf("rt: %w", stateErr(ErrNotRunning, "c1", Stopped, "cannot kill container %q: container not running", "c1"))
	if !errors.Is(err, ErrNotRunning) || errors.Is(err, ErrPaused) {
		t.Errorf("errors.Is: %v", err)
	}
	var se *StateError
	if !errors.As(err, &se) || se.ID != "c1" || se.Status != Stopped {
		t.Errorf("errors.As: %#v", se)
	}
	if got, want := err.Error(), `rt: cannot kill container "c1": container not running`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	for st, kind := range map[string]error{Paused: ErrPaused, Creating: ErrCreating, Running: ErrRunning, Stopped: ErrNotRunning} {
		if kindOf(st) != kind {
			t.Errorf("kindOf(%s) = %v, want %v", st, kindOf(st), kind)
		}
	}
}

// Load of an unknown id is ErrNotExist, in runc's words.
func TestLoadNotExist(t *testing.T) {
	root := t.TempDir()
	_, err := Load(root, "nope", false)
	if !errors.Is(err, ErrNotExist) {
		t.Fatalf("Load: %v", err)
	}
	if got, want := err.Error(), `container "nope" does not exist`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A done context stops Create before it makes anything.
func TestCreateContextDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	root := filepath.Join(t.TempDir(), "root")
	_, err := Create(ctx, CreateOptions{Root: root, ID: "c1", Bundle: t.TempDir()})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Create: %v", err)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("Create made %s: %v", root, err)
	}
}

// A failed hook is a field error of its entry in /hooks, worded as runc's.
func TestHookErrorField(t *testing.T) {
	err := hookError("prestart", 1, "/bin/false", errors.New("exit status 1"))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "/hooks/prestart/1" {
		t.Fatalf("errors.As: %v", err)
	}
	if got, want := err.Error(), "/hooks/prestart/1: error running prestart hook #1: /bin/false: exit status 1"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
