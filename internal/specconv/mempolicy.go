package specconv

// linux.memoryPolicy (config-linux.md "Memory policy", runtime-spec 1.3):
// the NUMA policy the stage sets with set_mempolicy(2) before the exec, for
// the container's process and for every `rt exec`, as runc (1.4+) does.
// The checks here are runc's: a known mode, known flags, and the nodes a
// mode needs; whatever else the kernel refuses (a node that is not online,
// a flag the mode does not take) is its EINVAL, reported against the field.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
)

const memoryPolicyField = "/linux/memoryPolicy"

// maxMemoryNode bounds the node numbers (runc's limit: a 1024-bit mask).
const maxMemoryNode = 1023

// memoryPolicyModes and memoryPolicyFlags are the one table of the names.
var memoryPolicyModes = map[specs.MemoryPolicyModeType]int64{
	specs.MpolDefault: unix.MPOL_DEFAULT, specs.MpolPreferred: unix.MPOL_PREFERRED,
	specs.MpolBind: unix.MPOL_BIND, specs.MpolInterleave: unix.MPOL_INTERLEAVE,
	specs.MpolLocal: unix.MPOL_LOCAL, specs.MpolPreferredMany: unix.MPOL_PREFERRED_MANY,
	specs.MpolWeightedInterleave: unix.MPOL_WEIGHTED_INTERLEAVE,
}

var memoryPolicyFlags = map[specs.MemoryPolicyFlagType]int64{
	specs.MpolFStaticNodes: unix.MPOL_F_STATIC_NODES, specs.MpolFRelativeNodes: unix.MPOL_F_RELATIVE_NODES,
	specs.MpolFNumaBalancing: unix.MPOL_F_NUMA_BALANCING,
}

// MemoryPolicyFeatures is the memoryPolicy part of `rt features`: every
// mode and flag rt recognises (features-linux.md: whatever the host runs).
func MemoryPolicyFeatures() *features.MemoryPolicy {
	f := &features.MemoryPolicy{}
	for m := range memoryPolicyModes {
		f.Modes = append(f.Modes, string(m))
	}
	for fl := range memoryPolicyFlags {
		f.Flags = append(f.Flags, string(fl))
	}
	slices.Sort(f.Modes)
	slices.Sort(f.Flags)
	return f
}

// memoryPolicyOp: arg0 the mode with its flags, str0 the nodes, str1 the
// policy as the config wrote it (for the error message).
func (b *planBuilder) memoryPolicyOp() error {
	mp := b.spec.Linux.MemoryPolicy
	if mp == nil {
		return nil
	}
	if mp.Mode == "" {
		return fieldErr(memoryPolicyField+"/mode", "missing: a memory policy needs a mode")
	}
	mode, ok := memoryPolicyModes[mp.Mode]
	if !ok {
		return fieldErr(memoryPolicyField+"/mode", "invalid memory policy mode %q", mp.Mode)
	}
	flags := int64(0)
	for i, f := range mp.Flags {
		bit, ok := memoryPolicyFlags[f]
		if !ok {
			return fieldErr(fmt.Sprintf("%s/flags/%d", memoryPolicyField, i), "invalid memory policy flag %q", f)
		}
		flags |= bit
	}
	nodes, err := memoryNodes(mp.Nodes)
	if err != nil {
		return err
	}
	if err := checkNodeCount(mode, len(nodes)); err != nil {
		return err
	}
	desc := string(mp.Mode)
	if len(nodes) > 0 {
		desc += " nodes " + mp.Nodes
	}
	for _, f := range mp.Flags {
		desc += " " + string(f)
	}
	b.add(nsenter.Op{Code: nsenter.OpMempolicy, Args: [3]int64{mode | flags},
		Strs: [4]string{strings.Join(nodes, ","), desc}, Field: memoryPolicyField})
	return nil
}

// memoryNodes parses "0-3,7" (spaces and empty elements allowed, as runc
// allows them) into the node numbers, in order, each once.
func memoryNodes(list string) ([]string, error) {
	const field = memoryPolicyField + "/nodes"
	var set [maxMemoryNode + 1]bool
	for _, r := range strings.Split(list, ",") {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(r, "-")
		first, err := strconv.ParseUint(strings.TrimSpace(lo), 10, 32)
		last := first
		if err == nil && isRange {
			last, err = strconv.ParseUint(strings.TrimSpace(hi), 10, 32)
		}
		if err != nil || last < first {
			return nil, fieldErr(field, "invalid memory policy nodes %q", list)
		}
		if last > maxMemoryNode {
			return nil, fieldErr(field, "invalid memory policy nodes %q: nodes above %d are not supported", list, maxMemoryNode)
		}
		for n := first; n <= last; n++ {
			set[n] = true
		}
	}
	var nodes []string
	for n, ok := range set {
		if ok {
			nodes = append(nodes, strconv.Itoa(n))
		}
	}
	return nodes, nil
}

// checkNodeCount: MPOL_DEFAULT and MPOL_LOCAL take no node; BIND,
// INTERLEAVE, WEIGHTED_INTERLEAVE and PREFERRED_MANY at least one;
// PREFERRED any number (none: local allocation).
func checkNodeCount(mode int64, n int) error {
	const field = memoryPolicyField + "/nodes"
	switch mode {
	case unix.MPOL_DEFAULT, unix.MPOL_LOCAL:
		if n != 0 {
			return fieldErr(field, "memory policy mode requires 0 nodes but got %d", n)
		}
	case unix.MPOL_BIND, unix.MPOL_INTERLEAVE, unix.MPOL_WEIGHTED_INTERLEAVE, unix.MPOL_PREFERRED_MANY:
		if n == 0 {
			return fieldErr(field, "memory policy mode requires at least one node but got 0")
		}
	}
	return nil
}
