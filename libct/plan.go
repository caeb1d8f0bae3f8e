package libct

import (
	"errors"

	"github.com/rt-runtime/rt/cgroups"
	"github.com/rt-runtime/rt/nsenter"
	"github.com/rt-runtime/rt/rootfs"
	"github.com/rt-runtime/rt/specconv"
)

// PlanFor builds the plan `create` would run for bundle, touching nothing:
// fds are given the numbers a create without extra fds would use.
func PlanFor(bundle, id string, noPivot, terminal bool) (*nsenter.Plan, error) {
	bundle, spec, err := loadBundle(bundle, nil)
	if err != nil {
		return nil, err
	}
	paths := map[string]string{}
	mgr, err := newCgroup(spec, id)
	switch {
	case err == nil:
		paths = mgr.Paths()
	case errors.Is(err, cgroups.ErrCgroupsPath):
		return nil, err
	}
	console, next := -1, 5
	if terminal || spec.Process.Terminal {
		console, next = 5, 6
	}
	idmaps := rootfs.IDMaps(spec)
	return specconv.BuildValidated(spec, specconv.Options{ID: id, Bundle: bundle, NoPivot: noPivot, ConsoleFd: console,
		FifoFd: 4, CloseFrom: 3, CgroupPaths: paths, IDMaps: idmaps, IDMapFds: planIDMapFds(len(idmaps), next)})
}
