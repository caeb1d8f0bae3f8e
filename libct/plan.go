package libct

import (
	"github.com/rt-runtime/rt/cgroupsfs"
	"github.com/rt-runtime/rt/nsenter"
	"github.com/rt-runtime/rt/rootfs"
	"github.com/rt-runtime/rt/specconv"
)

// PlanFor builds the plan `create` would run for bundle, touching nothing:
// the fd table is the one a create without --preserve-fds would have, and
// rt's environment (NOTIFY_SOCKET, LISTEN_FDS) is read as create reads it.
func PlanFor(bundle, id string, noPivot, terminal bool) (*nsenter.Plan, error) {
	bundle, spec, err := loadBundle(bundle, nil)
	if err != nil {
		return nil, err
	}
	paths := map[string]string{}
	if host, err := cgroupsfs.Detect(); err == nil {
		path, err := cgroupsfs.ResolvePath(spec.Linux.CgroupsPath, id)
		if err != nil {
			return nil, &specconv.FieldError{Field: "/linux/cgroupsPath", Err: err}
		}
		paths = host.Paths(path)
	}
	notifySocket, listen := callerEnv()
	fds := nsenter.LayoutFds(nsenter.FdNeeds{Listen: listen, Fifo: true, Console: terminal || spec.Process.Terminal,
		IDMaps: len(rootfs.IDMaps(spec))})
	return specconv.Build(spec, specconv.Options{ID: id, Bundle: bundle, NoPivot: noPivot, Fds: fds,
		NotifySocket: notifySocket, CgroupPaths: paths})
}
