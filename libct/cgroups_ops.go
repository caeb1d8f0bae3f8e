package libct

import (
	"context"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/cgroups"
)

// Update applies new resource limits to a container that has not stopped
// (created, running or paused). Only the fields set in res change; device
// rules are not updated, as with runc. ctx is checked before anything
// changes.
func (c *Container) Update(ctx context.Context, res *specs.LinuxResources) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if st := c.Status(); st == Stopped || st == Creating {
		return fmt.Errorf("cannot update container %q: it is %s (container not running)", c.State.ID, st)
	}
	cg, err := c.cgroup()
	if err != nil {
		return err
	}
	if err := cg.Update(res); err != nil {
		return fmt.Errorf("update container %q: %w", c.State.ID, err)
	}
	return nil
}

// Stats samples the container's cgroup counters.
func (c *Container) Stats(ctx context.Context) (*cgroups.Stats, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cg, err := c.cgroup()
	if err != nil {
		return nil, err
	}
	return cg.Stats()
}

// Processes lists the host pids of every process in the container's
// cgroup, nested cgroups included, sorted.
func (c *Container) Processes(ctx context.Context) ([]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cg, err := c.cgroup()
	if err != nil {
		return nil, err
	}
	return cg.Pids()
}

// OOMKills counts the container's processes killed by the OOM killer.
func (c *Container) OOMKills(ctx context.Context) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	cg, err := c.cgroup()
	if err != nil {
		return 0, err
	}
	return cg.OOMKills()
}

// ParseSubCgroups reads `exec --cgroup` values (runc's form
// [CONTROLLER[,CONTROLLER...]:]PATH) for ExecOptions.SubCgroups.
func ParseSubCgroups(values []string) (map[string]string, error) {
	return cgroups.ParseSubCgroups(values)
}

// CgroupV2Only reports whether this host has the unified hierarchy alone
// (pure cgroup v2), where `rt spec` adds a cgroup namespace, as runc's does.
func CgroupV2Only() bool { return cgroups.UnifiedOnly() }

// SystemdAvailable reports whether systemd answers on D-Bus for the
// --systemd-cgroup driver: the system instance, and the user's.
func SystemdAvailable() (system, user bool) { return cgroups.SystemdAvailable() }
