package specconv

import (
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// schedPolicies and schedFlags are the one table of scheduler names.
var schedPolicies = map[specs.LinuxSchedulerPolicy]int64{
	specs.SchedOther: 0, specs.SchedFIFO: 1, specs.SchedRR: 2, specs.SchedBatch: 3,
	specs.SchedISO: 4, specs.SchedIdle: 5, specs.SchedDeadline: 6,
}

var schedFlags = map[specs.LinuxSchedulerFlag]int64{
	specs.SchedFlagResetOnFork: 0x01, specs.SchedFlagReclaim: 0x02, specs.SchedFlagDLOverrun: 0x04,
	specs.SchedFlagKeepPolicy: 0x08, specs.SchedFlagKeepParams: 0x10,
	specs.SchedFlagUtilClampMin: 0x20, specs.SchedFlagUtilClampMax: 0x40,
}

var ioprioClasses = map[specs.IOPriorityClass]int64{
	specs.IOPRIO_CLASS_RT: 1, specs.IOPRIO_CLASS_BE: 2, specs.IOPRIO_CLASS_IDLE: 3,
}

var personalityDomains = map[specs.LinuxPersonalityDomain]int64{
	specs.PerLinux: 0x0000, specs.PerLinux32: 0x0008, // PER_LINUX, PER_LINUX32
}

func (b *planBuilder) schedulerOp() error {
	s := b.proc.Scheduler
	if s == nil {
		return nil
	}
	const field = "/process/scheduler"
	policy, ok := schedPolicies[s.Policy]
	if !ok {
		return fieldErr(field+"/policy", "unknown scheduler policy %q", s.Policy)
	}
	var flags int64
	for i, f := range s.Flags {
		v, ok := schedFlags[f]
		if !ok {
			return fieldErr(fmt.Sprintf("%s/flags/%d", field, i), "unknown scheduler flag %q", f)
		}
		flags |= v
	}
	b.add(nsenter.Op{Code: nsenter.OpSched, Field: field,
		Args: [3]int64{policy | flags<<32, int64(uint32(s.Nice)) | int64(s.Priority)<<32, int64(s.Runtime)},
		Strs: [4]string{fmt.Sprintf("%d %d", s.Deadline, s.Period)}})
	return nil
}

// ioPriorityOp: ioprio = class << 13 | level, level in 0..7.
func (b *planBuilder) ioPriorityOp() error {
	p := b.proc.IOPriority
	if p == nil {
		return nil
	}
	class, ok := ioprioClasses[p.Class]
	if !ok {
		return fieldErr("/process/ioPriority/class", "unknown I/O priority class %q", p.Class)
	}
	if p.Priority < 0 || p.Priority > 7 {
		return fieldErr("/process/ioPriority/priority", "priority %d is not in 0..7", p.Priority)
	}
	b.add(nsenter.Op{Code: nsenter.OpIoprio, Args: [3]int64{class<<13 | int64(p.Priority)}, Field: "/process/ioPriority"})
	return nil
}

func (b *planBuilder) personalityOp() error {
	p := b.spec.Linux.Personality
	if p == nil {
		return nil
	}
	domain, ok := personalityDomains[p.Domain]
	if !ok {
		return fieldErr("/linux/personality/domain", "unknown personality domain %q", p.Domain)
	}
	if len(p.Flags) > 0 {
		return fieldErr("/linux/personality/flags", "personality flags are not supported")
	}
	b.add(nsenter.Op{Code: nsenter.OpPersonality, Args: [3]int64{domain}, Field: "/linux/personality"})
	return nil
}

// affinityOp turns a cpu list ("0-3,7") into the op, or nil when empty.
func affinityOp(list, field string) (*nsenter.Op, error) {
	if list == "" {
		return nil, nil
	}
	var cpus []string
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		first, err1 := strconv.Atoi(lo)
		last := first
		var err2 error
		if isRange {
			last, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || first < 0 || last < first || last >= 8192 {
			return nil, fieldErr(field, "invalid cpu list %q", list)
		}
		for c := first; c <= last; c++ {
			cpus = append(cpus, strconv.Itoa(c))
		}
	}
	return &nsenter.Op{Code: nsenter.OpAffinity, Strs: [4]string{strings.Join(cpus, ",")}, Field: field}, nil
}

// oomScoreAdjOp writes the init's own oom_score_adj (the host's /proc:
// this runs before the switch of root).
func (b *planBuilder) oomScoreAdjOp() []nsenter.Op {
	if b.proc.OOMScoreAdj == nil {
		return nil
	}
	return []nsenter.Op{{Code: nsenter.OpWriteFile, Strs: [4]string{"/proc/self/oom_score_adj", strconv.Itoa(*b.proc.OOMScoreAdj)},
		Field: "/process/oomScoreAdj"}}
}

// timeOffsetOps: a new time namespace takes its offsets before any
// process runs in it, so before the fork. The parent writes them, as runc's
// does: the kernel wants CAP_SYS_TIME over the namespace's owner from the
// writer of /proc/PID/timens_offsets, and the file of the non-dumpable stage
// is the host root's, whom the stage is not once in a user namespace.
func timeOffsetOps(l *specs.Linux, set *namespaceSet) ([]nsenter.Op, error) {
	if len(l.TimeOffsets) == 0 {
		return nil, nil
	}
	if !set.isNew(specs.TimeNamespace) {
		return nil, fieldErr("/linux/timeOffsets", "time offsets need a new time namespace")
	}
	var lines []string
	for _, clock := range []string{"monotonic", "boottime"} {
		if off, ok := l.TimeOffsets[clock]; ok {
			lines = append(lines, fmt.Sprintf("%s %d %d", clock, off.Secs, off.Nanosecs))
		}
	}
	if len(lines) != len(l.TimeOffsets) {
		return nil, fieldErr("/linux/timeOffsets", "only monotonic and boottime clocks have offsets")
	}
	return []nsenter.Op{{Code: nsenter.OpSync, Args: [3]int64{SyncTimeOffsets}, Strs: [4]string{strings.Join(lines, "\n")},
		Field: "/linux/timeOffsets"}}, nil
}

// checkAffinity plans execCPUAffinity; without one (neither initial nor
// final), the affinity is reset where final would be set (in the cgroup,
// before the exec) to every cpu the cpuset allows, as runc does, so that
// the container does not inherit that of the shell that made it (taskset).
// A failure there is no error (runc warns).
func (b *planBuilder) checkAffinity() error {
	a := b.proc.ExecCPUAffinity
	if a == nil || a.Initial == "" && a.Final == "" {
		b.finalAffinity = &nsenter.Op{Code: nsenter.OpAffinity, Flags: nsenter.FlagOptional, Field: "/process/execCPUAffinity"}
		return nil
	}
	var err error
	if b.initialAffinity, err = affinityOp(a.Initial, "/process/execCPUAffinity/initial"); err != nil {
		return err
	}
	b.finalAffinity, err = affinityOp(a.Final, "/process/execCPUAffinity/final")
	return err
}
