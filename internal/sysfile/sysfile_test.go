package sysfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadGrowsPastFirstBuffer(t *testing.T) {
	name := filepath.Join(t.TempDir(), "big")
	want := strings.Repeat("0123456789", 1000) // more than one 4 kB read
	if err := os.WriteFile(name, []byte(want), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Read(name)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("read %d bytes, want %d", len(got), len(want))
	}
}

func TestReadMissingIsPathError(t *testing.T) {
	name := filepath.Join(t.TempDir(), "missing")
	_, err := Read(name)
	var pe *os.PathError
	if !errors.As(err, &pe) || pe.Op != "open" || pe.Path != name || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Read of a missing file: %v, want open %s: ENOENT", err, name)
	}
}

func TestWriteTruncates(t *testing.T) {
	name := filepath.Join(t.TempDir(), "value")
	if err := os.WriteFile(name, []byte("a longer old value"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(name, "max"); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "max" {
		t.Fatalf("file holds %q, want %q", got, "max")
	}
}

// A missing cgroup file means a missing kernel feature: Write must fail
// and never create it.
func TestWriteNeverCreates(t *testing.T) {
	name := filepath.Join(t.TempDir(), "cpu.max")
	err := Write(name, "max")
	var pe *os.PathError
	if !errors.As(err, &pe) || pe.Op != "open" || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Write of a missing file: %v, want open ...: ENOENT", err)
	}
	if _, err := os.Lstat(name); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Write created %s (%v)", name, err)
	}
}

func TestWriteErrorIsWriteOp(t *testing.T) {
	// /dev/full takes the open and refuses every write with ENOSPC
	err := Write("/dev/full", "1")
	var pe *os.PathError
	if !errors.As(err, &pe) || pe.Op != "write" || pe.Path != "/dev/full" {
		t.Fatalf("Write to /dev/full: %v, want write /dev/full: ...", err)
	}
}
