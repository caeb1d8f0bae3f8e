package libct

import (
	"errors"

	"github.com/rt-runtime/rt/internal/cgroups"
	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/rootfs"
	"github.com/rt-runtime/rt/internal/specconv"
)

// PlanFor builds the plan `create` would run for bundle, touching nothing:
// the fd table is the one a create without --preserve-fds would have, and
// rt's environment (NOTIFY_SOCKET, LISTEN_FDS) is read as create reads it.
func PlanFor(bundle, id string, noPivot, terminal bool) (*nsenter.Plan, error) {
	bundle, spec, err := loadBundle(bundle, nil)
	if err != nil {
		return nil, err
	}
	idmap, err := idMappers(spec.Linux)
	if err != nil {
		return nil, err
	}
	paths := map[string]string{}
	mgr, err := newCgroup(spec, id, false, Rootless())
	switch {
	case err == nil:
		paths = mgr.Paths()
	case errors.Is(err, cgroups.ErrCgroupsPath):
		return nil, err
	}
	notifySocket, listen := callerEnv()
	idmaps := rootfs.IDMaps(spec)
	fds := nsenter.LayoutFds(nsenter.FdNeeds{Listen: listen, Fifo: true, Console: terminal || spec.Process.Terminal,
		IDMaps: rootfs.IDMapKeys(idmaps)})
	return specconv.BuildValidated(spec, specconv.Options{ID: id, Bundle: bundle, NoPivot: noPivot, Fds: fds,
		NotifySocket: notifySocket, CgroupPaths: paths,
		SetgroupsDenied: setgroupsDenied(idmap), Unprivileged: Rootless()}) // loadBundle validated it
}
