package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"

	"github.com/rt-runtime/rt/internal/specconv"
	"github.com/rt-runtime/rt/libct"
)

// updateFlag is one of runc's update flags: its name, help, and how its
// value goes into the resources.
type updateFlag struct {
	name, usage string
	set         func(r *specs.LinuxResources, v string) error
	hidden      bool
}

// updateFlags is the table of runc's update flags (as strings: "" is
// unset, so every value, 0 included, can be given).
var updateFlags = []updateFlag{
	{name: "memory", usage: "memory limit (bytes, or with a k, m or g suffix; -1 for none)", set: memoryFlag(func(m *specs.LinuxMemory) **int64 { return &m.Limit })},
	{name: "memory-swap", usage: "memory+swap limit; -1 for unlimited swap", set: memoryFlag(func(m *specs.LinuxMemory) **int64 { return &m.Swap })},
	{name: "memory-reservation", usage: "memory soft limit", set: memoryFlag(func(m *specs.LinuxMemory) **int64 { return &m.Reservation })},
	{name: "kernel-memory", usage: "(obsolete, ignored)", set: memoryFlag(func(m *specs.LinuxMemory) **int64 { return &m.Kernel }), hidden: true},
	{name: "kernel-memory-tcp", usage: "kernel TCP buffer memory limit (cgroup v1)", set: memoryFlag(func(m *specs.LinuxMemory) **int64 { return &m.KernelTCP })},
	{name: "cpu-share", usage: "CPU shares (relative weight)", set: uintFlag(func(c *specs.LinuxCPU) **uint64 { return &c.Shares })},
	{name: "cpu-shares", usage: "same as --cpu-share", set: uintFlag(func(c *specs.LinuxCPU) **uint64 { return &c.Shares }), hidden: true},
	{name: "cpu-period", usage: "CPU CFS period (µs)", set: uintFlag(func(c *specs.LinuxCPU) **uint64 { return &c.Period })},
	{name: "cpu-quota", usage: "CPU CFS quota (µs) per period; -1 for none", set: intFlag(func(c *specs.LinuxCPU) **int64 { return &c.Quota })},
	{name: "cpu-burst", usage: "CPU CFS burst (µs)", set: uintFlag(func(c *specs.LinuxCPU) **uint64 { return &c.Burst })},
	{name: "cpu-rt-period", usage: "CPU realtime period (µs)", set: uintFlag(func(c *specs.LinuxCPU) **uint64 { return &c.RealtimePeriod })},
	{name: "cpu-rt-runtime", usage: "CPU realtime runtime (µs) per period", set: intFlag(func(c *specs.LinuxCPU) **int64 { return &c.RealtimeRuntime })},
	{name: "cpu-idle", usage: "1 to make the cgroup SCHED_IDLE, 0 for normal", set: intFlag(func(c *specs.LinuxCPU) **int64 { return &c.Idle })},
	{name: "cpuset-cpus", usage: "CPUs to use (0-3,6)", set: func(r *specs.LinuxResources, v string) error { r.CPU.Cpus = v; return nil }},
	{name: "cpuset-mems", usage: "memory nodes to use", set: func(r *specs.LinuxResources, v string) error { r.CPU.Mems = v; return nil }},
	{name: "pids-limit", usage: "maximum number of processes (-1 for no limit; 0 is a limit, written as 1, as runc)", set: pidsFlag},
	{name: "blkio-weight", usage: "block I/O weight, 10 to 1000", set: blkioWeightFlag},
	{name: "l3-cache-schema", usage: "Intel RDT L3 cache schema (not supported)", set: rdtFlag, hidden: true},
	{name: "mem-bw-schema", usage: "Intel RDT memory bandwidth schema (not supported)", set: rdtFlag, hidden: true},
}

func updateCommand() *cobra.Command {
	var file string
	values := map[string]*string{}
	cmd := &cobra.Command{
		Use:   "update [flags] ID",
		Short: "change the resource limits of a container",
		Long: `Change the resource limits of a created, running or paused container.
With --resources, the limits are read as the JSON of linux.resources from a
file, or from standard input for "-", and the other flags are ignored.`,
		Args: exactlyOneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := updateResources(file, values)
			if err != nil {
				return err
			}
			if err := specconv.ValidateUpdate(res); err != nil {
				return err
			}
			if res.Memory != nil && res.Memory.Kernel != nil {
				logWarn("kernel memory limits are ignored (Linux 5.16 and later ignore them too)")
			}
			c, err := libct.Load(g.root, args[0], true)
			if err != nil {
				return err
			}
			defer c.Close()
			return c.Update(cmd.Context(), res)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&file, "resources", "r", "", `file with the linux.resources JSON to apply ("-" for standard input)`)
	for _, f := range updateFlags {
		values[f.name] = fl.String(f.name, "", f.usage)
		if f.hidden {
			fl.MarkHidden(f.name)
		}
	}
	return cmd
}

// updateResources builds the resources to apply from the file or the flags.
func updateResources(file string, values map[string]*string) (*specs.LinuxResources, error) {
	res := &specs.LinuxResources{Memory: &specs.LinuxMemory{}, CPU: &specs.LinuxCPU{}, BlockIO: &specs.LinuxBlockIO{}}
	if file != "" {
		var in io.Reader = os.Stdin
		if file != "-" {
			f, err := os.Open(file)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			in = f
		}
		res = &specs.LinuxResources{}
		if err := json.NewDecoder(in).Decode(res); err != nil {
			return nil, fmt.Errorf("--resources %s: %w", file, err)
		}
		return res, nil
	}
	for _, f := range updateFlags {
		if v := *values[f.name]; v != "" {
			if err := f.set(res, v); err != nil {
				return nil, fmt.Errorf("invalid value for --%s: %w", f.name, err)
			}
		}
	}
	return res, nil
}

func memoryFlag(field func(*specs.LinuxMemory) **int64) func(*specs.LinuxResources, string) error {
	return func(r *specs.LinuxResources, v string) error {
		n, err := ramInBytes(v)
		if err != nil {
			return err
		}
		*field(r.Memory) = &n
		return nil
	}
}

func uintFlag(field func(*specs.LinuxCPU) **uint64) func(*specs.LinuxResources, string) error {
	return func(r *specs.LinuxResources, v string) error {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return err
		}
		*field(r.CPU) = &n
		return nil
	}
}

func intFlag(field func(*specs.LinuxCPU) **int64) func(*specs.LinuxResources, string) error {
	return func(r *specs.LinuxResources, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return err
		}
		*field(r.CPU) = &n
		return nil
	}
}

func pidsFlag(r *specs.LinuxResources, v string) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return err
	}
	r.Pids = &specs.LinuxPids{Limit: &n}
	return nil
}

func blkioWeightFlag(r *specs.LinuxResources, v string) error {
	n, err := strconv.ParseUint(v, 10, 16)
	if err != nil {
		return err
	}
	if n != 0 {
		w := uint16(n)
		r.BlockIO.Weight = &w
	}
	return nil
}

func rdtFlag(*specs.LinuxResources, string) error {
	return fmt.Errorf("Intel RDT is not supported by rt")
}

// ramPattern is the syntax of docker/go-units' RAMInBytes, which runc's
// update uses: a number, an optional space, an optional binary unit.
var ramPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$`)
})

// ramInBytes parses a memory size as runc does: "-1" (no limit), bytes, or
// a number with a k, m, g, t or p suffix (powers of 1024; "512m", "1.5g",
// "64 MiB").
func ramInBytes(s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	m := ramPattern().FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	if m[2] != "" {
		shift := 10 * (1 + strings.Index("kmgtp", strings.ToLower(m[2])))
		n *= float64(uint64(1) << shift)
	}
	return int64(n), nil
}
