package cgroupsfs

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDestroyOrder(t *testing.T) {
	h, k := newFake(t, ModeHybrid, hybridLayout()...)
	c, err := h.Create("/rt/p/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	// The container made cgroups of its own inside, and the leaf is busy
	// twice (a dying process) before it can go.
	for _, d := range c.dirs() {
		for _, sub := range []string{"a", "a/b", "c"} {
			if err := h.mkdir(filepath.Join(d, sub)); err != nil {
				t.Fatal(err)
			}
		}
	}
	k.busy[c.Paths["memory"]] = 2
	if err := Load(h, c.Paths).Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, d := range c.dirs() {
		order := func(p string) int { return slices.Index(k.removed, p) }
		x, a, b, cc := order(d), order(d+"/a"), order(d+"/a/b"), order(d+"/c")
		if x < 0 || a < 0 || b < 0 || cc < 0 || !(b < a && a < x && cc < x) {
			t.Errorf("%s: removal order x=%d a=%d a/b=%d c=%d (%v)", d, x, a, b, cc, k.removed)
		}
		p := filepath.Dir(d)
		if exists(d) || exists(p) {
			t.Errorf("%s or its empty parent %s left behind", d, p)
		}
		if !exists(filepath.Dir(p)) {
			t.Errorf("%s removed: rt's parent must stay", filepath.Dir(p))
		}
	}
}

func TestDestroyKeepsBusyParent(t *testing.T) {
	h, _ := newFake(t, ModeV1, v1Layout()...)
	c, err := h.Create("/rt/p/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Create("/rt/p/y", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, d := range c.dirs() {
		if exists(d) || !exists(filepath.Join(filepath.Dir(d), "y")) {
			t.Errorf("%s: want x gone, sibling y kept", filepath.Dir(d))
		}
	}
	// Destroying again is not an error: delete may run twice.
	if err := c.Destroy(); err != nil {
		t.Errorf("second Destroy: %v", err)
	}
}

func TestDestroyAbsoluteKeepsParents(t *testing.T) {
	h, _ := newFake(t, ModeV1, v1Layout()...)
	c, err := h.Create("/machine/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Destroy(); err != nil {
		t.Fatal(err)
	}
	// rt made /machine, but it is not below /rt: only rt's own cgroups
	// there are known to be rt's, so it stays.
	if !exists(filepath.Join(h.V1["memory"], "machine")) || exists(c.Paths["memory"]) {
		t.Error("want /machine kept and /machine/x gone")
	}
}

func TestDestroyStillBusyFails(t *testing.T) {
	h, k := newFake(t, ModeV1, v1Layout()...)
	saved := rmdirWait
	rmdirWait = 50 * time.Millisecond
	t.Cleanup(func() { rmdirWait = saved })
	c, err := h.Create("/rt/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	k.busy[c.Paths["memory"]] = 1 << 30
	err = c.Destroy()
	if err == nil || !strings.Contains(err.Error(), "rmdir "+c.Paths["memory"]+": device or resource busy") {
		t.Errorf("err = %v, want the busy path named", err)
	}
	if exists(c.Paths["pids"]) {
		t.Error("other hierarchies should still be destroyed")
	}
}

func TestDestroyRefusesOutsideHierarchy(t *testing.T) {
	h, k := newFake(t, ModeV1, v1Layout()...)
	for _, paths := range []map[string]string{
		{"memory": h.V1["memory"]},                             // the root
		{"memory": filepath.Dir(h.V1["memory"])},               // above it
		{"memory": filepath.Join(h.V1["pids"], "x")},           // another hierarchy
		{"memory": filepath.Join(h.V1["memory"], "x/../../y")}, // climbs out
		{"nosuch": filepath.Join(h.V1["memory"], "x")},         // unknown hierarchy
	} {
		if err := Load(h, paths).Destroy(); err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Errorf("Destroy(%v) = %v, want refusal", paths, err)
		}
	}
	if len(k.removed) != 0 {
		t.Errorf("removed %v", k.removed)
	}
}
