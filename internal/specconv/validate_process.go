package specconv

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ngroupsMax is the kernel's NGROUPS_MAX: setgroups(2) takes no more.
const ngroupsMax = 65536

// validateProcess checks a process (the config's, at field "/process", or
// the one `rt exec` runs) for what the kernel would refuse, clamp or
// silently cut short.
func validateProcess(p *specs.Process, field string) error {
	if p == nil {
		return nil
	}
	if err := checkEnv(p.Env, field+"/env"); err != nil {
		return err
	}
	if err := checkRlimits(p.Rlimits, field+"/rlimits"); err != nil {
		return err
	}
	if n := len(p.User.AdditionalGids); n > ngroupsMax {
		return fieldErr(field+"/user/additionalGids", "%d groups, the kernel takes at most %d (NGROUPS_MAX)", n, ngroupsMax)
	}
	if u := p.User.Umask; u != nil && *u > 0o777 {
		return fieldErr(field+"/user/umask", "umask %#o has bits beyond 0777", *u)
	}
	if a := p.OOMScoreAdj; a != nil && (*a < -1000 || *a > 1000) {
		return fieldErr(field+"/oomScoreAdj", "%d is not in -1000..1000", *a)
	}
	return checkScheduler(p.Scheduler, field+"/scheduler")
}

// checkRlimits: config.md says a type given twice MUST be an error; a soft
// limit above the hard one is refused by setrlimit(2).
func checkRlimits(rls []specs.POSIXRlimit, field string) error {
	seen := map[string]int{}
	for i, rl := range rls {
		f := fmt.Sprintf("%s/%d", field, i)
		if first, ok := seen[rl.Type]; ok {
			return fieldErr(f+"/type", "%s is already set by %s/%d", rl.Type, field, first)
		}
		seen[rl.Type] = i
		if _, ok := rlimits[rl.Type]; ok && rl.Soft > rl.Hard {
			return fieldErr(f+"/soft", "soft limit %d is above the hard limit %d", rl.Soft, rl.Hard)
		}
	}
	return nil
}

// checkScheduler: what sched_setattr(2) would refuse or clamp, as runc
// checks it: nice in -20..19 for SCHED_OTHER and SCHED_BATCH, a priority
// only for the realtime policies, runtime/deadline/period only for
// SCHED_DEADLINE. Unknown flags are the plan builder's.
func checkScheduler(s *specs.Scheduler, field string) error {
	if s == nil {
		return nil
	}
	if _, ok := schedPolicies[s.Policy]; !ok {
		return fieldErr(field+"/policy", "unknown scheduler policy %q", s.Policy)
	}
	if (s.Policy == specs.SchedOther || s.Policy == specs.SchedBatch) && (s.Nice < -20 || s.Nice > 19) {
		return fieldErr(field+"/nice", "nice %d is not in -20..19", s.Nice)
	}
	if s.Priority != 0 && s.Policy != specs.SchedFIFO && s.Policy != specs.SchedRR {
		return fieldErr(field+"/priority", "a priority is only for SCHED_FIFO and SCHED_RR, not %s", s.Policy)
	}
	if s.Policy != specs.SchedDeadline && (s.Runtime != 0 || s.Deadline != 0 || s.Period != 0) {
		return fieldErr(field, "runtime, deadline and period are only for SCHED_DEADLINE, not %s", s.Policy)
	}
	return nil
}
