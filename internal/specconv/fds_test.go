package specconv_test

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/rootfs"
	"github.com/rt-runtime/rt/internal/specconv"
)

// TestPlanFds: every fd an op of a plan uses is a slot of the stage's fd
// table (nsenter.StageFds), and the process keeps none of rt's (issue 12:
// the fd numbers are no longer an unwritten contract).
func TestPlanFds(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			o := defaultOptions() // the case's fd table, as buildCase gives it
			if c.opts != nil {
				c.opts(&o)
			}
			_, plan, _ := buildCase(t, c)
			if err := o.Fds.CheckFds(plan); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestPlanFdsIDMapped: the user namespace fds of idmapped mounts come from
// the table, one per mapping, after the console.
func TestPlanFdsIDMapped(t *testing.T) {
	spec := minimalSpec()
	maps := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	other := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 200000, Size: 65536}}
	spec.Mounts = []specs.Mount{
		{Destination: "/a", Source: "/tmp", Type: "bind", Options: []string{"bind"}, UIDMappings: maps, GIDMappings: maps},
		{Destination: "/b", Source: "/tmp", Type: "bind", Options: []string{"bind"}, UIDMappings: other, GIDMappings: other},
	}
	dir := writeBundle(t, spec)
	loaded, err := specconv.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	idmaps := rootfs.IDMaps(loaded) // computed once, as libct does
	fds := nsenter.LayoutFds(nsenter.FdNeeds{Preserve: 2, Fifo: true, Console: true, IDMaps: rootfs.IDMapKeys(idmaps)})
	if len(fds.IDMaps) != 2 || fds.CloseFrom() != 5 || fds.Sync != 5 || fds.Fifo != 6 || fds.Console != 7 || fds.IDMaps[0].Fd != 8 || fds.Plan != 10 {
		t.Fatalf("table %+v", fds)
	}
	o := defaultOptions()
	o.Bundle, o.Fds = dir, fds
	plan, err := specconv.Build(loaded, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := fds.CheckFds(plan); err != nil {
		t.Error(err)
	}
	used := 0
	for _, op := range plan.Ops {
		if op.Code == nsenter.OpIdmapTree {
			used++
		}
	}
	if used != 2 {
		t.Errorf("%d idmap ops, want 2", used)
	}
	// A table without the user namespaces: the plan's fds are not its.
	if err := nsenter.LayoutFds(nsenter.FdNeeds{Fifo: true}).CheckFds(plan); err == nil {
		t.Error("a plan using fds missing from the table passed the check")
	}
}
