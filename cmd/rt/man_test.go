//go:build man

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The man pages: one per visible command, none for help or hidden ones;
// stale pages are replaced.
func TestManPages(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rt-gone.8"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "other.8"), []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := newRootCommand(nil)
	if err := writeManPages(root, dir); err != nil {
		t.Fatal(err)
	}
	want := []string{"other.8", "rt.8"}
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() {
			want = append(want, "rt-"+c.Name()+".8")
			for _, sub := range c.Commands() {
				if sub.IsAvailableCommand() {
					want = append(want, "rt-"+c.Name()+"-"+sub.Name()+".8")
				}
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("pages %v, want %v", got, want)
	}
	for _, p := range []string{"rt.8", "rt-run.8", "rt-features.8", "rt-completion.8"} {
		if !slices.Contains(got, p) {
			t.Errorf("%s missing", p)
		}
	}
	for _, p := range []string{"rt-man.8", "rt-help.8"} {
		if slices.Contains(got, p) {
			t.Errorf("%s made", p)
		}
	}
	page, err := os.ReadFile(filepath.Join(dir, "rt-run.8"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte(`.TH "RT" "8"`)) || !bytes.Contains(page, []byte("bundle")) {
		t.Errorf("rt-run.8 is not a section 8 page about run:\n%s", page)
	}
}
