package main

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/rootfs"
	"github.com/rt-runtime/rt/internal/specconv"
)

// issue 12 point 6: `rt features` lists exactly what the tables that
// validation and the plan read have, narrowed only by the host.
func TestFeaturesListTheTables(t *testing.T) {
	f := rtFeatures()

	// Mount options: the whole table (rootfs's mountOptions), which is the
	// runtime-spec's whole list.
	if want := rootfs.MountOptionNames(); !slices.Equal(f.MountOptions, want) {
		t.Errorf("mountOptions %v, table %v", f.MountOptions, want)
	}
	if got, want := slices.Sorted(slices.Values(f.MountOptions)), slices.Sorted(slices.Values(specMountOptions)); !slices.Equal(got, want) {
		t.Errorf("mountOptions %v, the spec's %v", got, want)
	}

	// Namespaces: every row of nsenter.Namespaces this kernel has.
	var ns []string
	for _, n := range nsenter.Namespaces {
		if _, err := os.Lstat("/proc/self/ns/" + n.Proc); err == nil {
			ns = append(ns, string(n.Type))
		}
	}
	slices.Sort(ns)
	if !slices.Equal(f.Linux.Namespaces, ns) {
		t.Errorf("namespaces %v, table %v", f.Linux.Namespaces, ns)
	}

	// Capabilities: every number up to the kernel's last, each named by
	// the table that validation reads.
	last := unix.CAP_LAST_CAP
	if b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap"); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			last = min(last, n)
		}
	}
	var caps []string
	for bit := 0; bit <= last; bit++ {
		caps = append(caps, specconv.CapabilityName(bit))
	}
	if !slices.Equal(f.Linux.Capabilities, caps) {
		t.Errorf("capabilities %v, table %v", f.Linux.Capabilities, caps)
	}
	for _, c := range caps {
		if !strings.HasPrefix(c, "CAP_") {
			t.Errorf("the table has no name for %s", c)
		}
	}
}
