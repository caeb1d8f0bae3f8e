package cgroupsfs

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Update applies res to the existing cgroup, as `rt update` does: only the
// fields set in res are written (rows skip unset ones), controllers it
// needs are enabled first on cgroup2, and the device rules are left alone,
// as runc leaves them (a running container's devices do not change under
// it). Values that depend on the ones in force (half of cpu.max, the order
// of the v1 memory and swap limits, the v2 swap conversion) read them.
func (c *Cgroup) Update(res *specs.LinuxResources) error {
	if c.host == nil {
		return fmt.Errorf("update cgroup %s: no host (use Load)", c.Path)
	}
	if res == nil {
		return nil
	}
	if err := c.host.enableControllers(c.Path, c.host.unifiedNeeds(res)); err != nil {
		return fmt.Errorf("update cgroup %s: %w", c.Path, err)
	}
	return c.apply(res, applyOptions{skipDevices: true})
}

// OOMKills returns how many processes of the cgroup the OOM killer has
// killed so far: oom_kill in memory.oom_control (v1, Linux 4.13+) or in
// memory.events (v2).
func (c *Cgroup) OOMKills() (uint64, error) {
	dir, v2, ok := c.dirFor("memory")
	if !ok {
		return 0, fmt.Errorf("cgroup %s: no memory controller", c.Path)
	}
	file := "memory.oom_control"
	if v2 {
		file = "memory.events"
	}
	kv, err := readKeyValues(dir, file)
	if err != nil {
		return 0, err
	}
	return kv["oom_kill"], nil
}
