package specconv

import "github.com/rt-runtime/rt/internal/nsenter"

// phase is one step of the plan. The builders (namespaceOps, rootfs.Plan,
// processOps, execOps, seccompOps, …) each add their ops to the phase they
// belong to; orderPlan alone puts the phases in order. No builder moves or
// injects another's ops. The steps, grouped as docs/plan-and-sync.md
// shows them:
//
//	join     phaseAffinity … phaseJoinUser
//	unshare  phaseUnshareUser
//	maps     phaseMaps
//	fork     phaseUnshare … phaseFork
//	mounts   phaseMounts, phaseHooks
//	pivot    phasePivot, phaseSysctl, phaseInRoot, phaseUTS
//	process  phaseProcess … phaseCredentials
//	ready    phaseNotify, phaseReady
//	wait     phaseWait, phaseSeccompLate, phaseStartHooks
//	exec     phaseExec
type phase int

const (
	phaseAffinity     phase = iota // execCPUAffinity.initial: the stage's own work runs there
	phaseCgroup                    // SYNC_CGROUP: nothing runs before the stage is in the cgroup (exec: in phaseFork, after the fork)
	phaseJoin                      // setns by path, as the host's root (ip netns add's namespaces)
	phaseEarly                     // rootfs.Result.Early: copies of bind sources, as host root
	phaseJoinUser                  // setns into the user namespace (then become root), then the mount namespace
	phaseUnshareUser               // unshare(CLONE_NEWUSER)
	phaseMaps                      // the parent writes the id maps; become root in the namespace
	phaseUnshare                   // the other new namespaces
	phaseTimeOffsets               // SYNC_TIME_OFFSETS: before any process is in the new time namespace
	phaseFork                      // fork the init (a new PID namespace takes children only), setsid
	phaseOOMScore                  // the init's oom_score_adj, through the host's /proc
	phaseMounts                    // rootfs.Result.Mounts: the rootfs, the mounts, /dev, the cwd
	phaseHooks                     // SYNC_HOOKS (prestart, createRuntime, createContainer), the host's console
	phasePivot                     // rootfs.Result.Switch: pivot_root, move-root or chroot
	phaseSysctl                    // linux.sysctl, before masked and read-only paths hide /proc
	phaseInRoot                    // rootfs.Result.InRoot: read-only mounts, masked paths, read-only root
	phaseUTS                       // hostname, domainname
	phaseProcess                   // the stage's own work for the process (processOps), argv, env, rlimits
	phaseSeccompEarly              // a filter the process could not load after the credentials change
	phaseCredentials               // bounding set, groups, user, capabilities; chdir, find-exec as the user
	phaseNotify                    // a filter with a listener: its fd goes over the sync socket
	phaseReady                     // MSG_READY
	phaseWait                      // wait for `rt start` on the exec fifo
	phaseSeccompLate               // the filter, as late as it can go
	phaseStartHooks                // startContainer hooks, under the filter
	phaseExec                      // execve
	phaseCount
)

var phaseNames = [phaseCount]string{
	"affinity", "cgroup", "join", "early", "join-user", "unshare-user", "maps", "unshare",
	"time-offsets", "fork", "oom-score", "mounts", "hooks", "pivot", "sysctl", "in-root", "uts",
	"process", "seccomp-early", "credentials", "notify", "ready", "wait", "seccomp-late",
	"start-hooks", "exec",
}

func (p phase) String() string { return phaseNames[p] }

// phasedOps holds each phase's ops in the order they were added.
type phasedOps [phaseCount][]nsenter.Op

// addTo adds ops to phase p.
func (b *planBuilder) addTo(p phase, ops ...nsenter.Op) {
	b.phases[p] = append(b.phases[p], ops...)
}

// add adds ops to the process phase, where most of the process's settings
// go (processOps, rlimitOps and the attributes they call).
func (b *planBuilder) add(ops ...nsenter.Op) { b.addTo(phaseProcess, ops...) }

// each calls f for every op added so far, phase by phase.
func (b *planBuilder) each(f func(*nsenter.Op)) {
	for p := range b.phases {
		for i := range b.phases[p] {
			f(&b.phases[p][i])
		}
	}
}

// orderPlan is the one place that orders the plan: the phases, in order.
func orderPlan(phases *phasedOps) *nsenter.Plan {
	plan := &nsenter.Plan{}
	for _, ops := range phases {
		plan.Add(ops...)
	}
	return plan
}
