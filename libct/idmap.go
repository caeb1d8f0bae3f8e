package libct

import (
	"fmt"
	"os"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/rootfs"
)

// idmapUserns returns, for each id mapping of the spec's idmapped mounts
// (rootfs.IDMaps), an fd of a user namespace holding it, by the mapping's
// key, for the C stage's mount_setattr(MOUNT_ATTR_IDMAP). The process made to hold each namespace
// is killed and reaped before this returns: the fd alone keeps the
// namespace alive, and no process is left behind, whatever happens next.
func idmapUserns(maps []rootfs.IDMap) (map[string]*os.File, error) {
	files := map[string]*os.File{}
	for _, m := range maps {
		f, err := usernsHolding(m)
		if err != nil {
			for _, f := range files {
				f.Close()
			}
			return nil, fmt.Errorf("user namespace for an idmapped mount: %w", err)
		}
		files[m.Key()] = f
	}
	return files, nil
}

// usernsHolding makes a user namespace with m's maps and opens it. Its
// process never runs any code of its own: traced (PTRACE_TRACEME), it stops
// at its execve before the new image's first instruction, and is killed
// there; Go writes the maps before it execs. runc does the same. It costs
// 1 to 10 ms per distinct mapping, paid only by containers that ask for
// idmapped mounts.
func usernsHolding(m rootfs.IDMap) (*os.File, error) {
	proc, err := os.StartProcess("/proc/self/exe", []string{"rt-idmap-userns"}, &os.ProcAttr{
		Env: []string{},
		Sys: &syscall.SysProcAttr{
			Cloneflags:                 unix.CLONE_NEWUSER,
			UidMappings:                sysIDMaps(m.UIDMappings),
			GidMappings:                sysIDMaps(m.GIDMappings),
			GidMappingsEnableSetgroups: false,
			Ptrace:                     true,
			Pdeathsig:                  unix.SIGKILL,
		},
	})
	if err != nil {
		return nil, err
	}
	defer func() {
		_ = proc.Kill()
		_, _ = proc.Wait()
	}()
	f, err := os.OpenFile(fmt.Sprintf("/proc/%d/ns/user", proc.Pid), os.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func sysIDMaps(maps []specs.LinuxIDMapping) []syscall.SysProcIDMap {
	out := make([]syscall.SysProcIDMap, 0, len(maps))
	for _, m := range maps {
		out = append(out, syscall.SysProcIDMap{ContainerID: int(m.ContainerID), HostID: int(m.HostID), Size: int(m.Size)})
	}
	return out
}
