package libct

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/criurpc"
)

// CriuOptions are the options `rt checkpoint` and `rt restore` share with
// runc: what CRIU is asked to do. They map to CRIU's RPC options in
// criuRPCOpts, a pure function (tested without CRIU).
type CriuOptions struct {
	ImagePath         string // where the images are (checkpoint: made if missing)
	WorkPath          string // CRIU's work files and log ("": the image dir, or the state dir on checkpoint)
	ParentPath        string // pre-dump parent images, relative to ImagePath
	LeaveRunning      bool
	TCPEstablished    bool
	TCPSkipInFlight   bool
	LinkRemap         bool
	ExtUnixSk         bool
	ShellJob          bool
	FileLocks         bool
	PreDump           bool
	AutoDedup         bool
	LazyPages         bool
	StatusFd          int      // lazy pages: CRIU writes \0 here once ready (-1: none)
	PageServer        string   // ADDRESS:PORT
	ManageCgroupsMode string   // soft, full, strict, ignore ("": CRIU's default)
	EmptyNs           []string // namespaces made but not restored ("network")
}

// cgroupModes is the table of --manage-cgroups-mode values.
var cgroupModes = map[string]criurpc.CgMode{
	"":       criurpc.CgDefault,
	"soft":   criurpc.CgSoft,
	"full":   criurpc.CgFull,
	"strict": criurpc.CgStrict,
	"ignore": criurpc.CgIgnore,
}

// emptyNsFlags is the table of --empty-ns values (runc takes network only).
var emptyNsFlags = map[string]uint32{string(specs.NetworkNamespace): unix.CLONE_NEWNET}

func ptr[T any](v T) *T { return &v }

// criuRPCOpts maps the options to CRIU's RPC options, for a dump (restore
// false) or a restore. The directories' fds, the root, the pid and the
// mounts are filled in by the caller.
func criuRPCOpts(o CriuOptions, restore bool) (*criurpc.Opts, error) {
	mode, ok := cgroupModes[o.ManageCgroupsMode]
	if !ok {
		return nil, fmt.Errorf("--manage-cgroups-mode %q: want soft, full, strict or ignore", o.ManageCgroupsMode)
	}
	// rt does not manage network devices (as runc): a new network
	// namespace is always restored empty.
	emptyNs := uint32(unix.CLONE_NEWNET)
	for _, ns := range o.EmptyNs {
		f, ok := emptyNsFlags[ns]
		if !ok {
			return nil, fmt.Errorf("--empty-ns %q: only network is supported", ns)
		}
		emptyNs |= f
	}
	opts := &criurpc.Opts{
		ImagesDirFd:       -1, // the caller's fd of the image dir
		LogLevel:          ptr(int32(4)),
		ManageCgroups:     ptr(true),
		ManageCgroupsMode: &mode,
		NotifyScripts:     ptr(true),
		ShellJob:          ptr(o.ShellJob),
		TCPEstablished:    ptr(o.TCPEstablished),
		ExtUnixSk:         ptr(o.ExtUnixSk),
		FileLocks:         ptr(o.FileLocks),
		EmptyNs:           &emptyNs,
		OrphanPtsMaster:   ptr(true),
		AutoDedup:         ptr(o.AutoDedup),
		LazyPages:         ptr(o.LazyPages),
	}
	if restore {
		opts.LogFile = ptr("restore.log")
		opts.EvasiveDevices = ptr(true)
		opts.RstSibling = ptr(true)
		// CRIU's default mount engine, as runc 1.5 (no mntns_compat_mode):
		// CRIU 3.17's mount-v2 restores the masked files' /dev/null binds
		// and the external binds in the VM's tests (tests/systemd).
		return opts, nil
	}
	opts.LogFile = ptr("dump.log")
	opts.LeaveRunning = ptr(o.LeaveRunning)
	opts.TCPSkipInFlight = ptr(o.TCPSkipInFlight)
	opts.LinkRemap = ptr(o.LinkRemap)
	if o.ParentPath != "" {
		opts.ParentImg = ptr(o.ParentPath)
		opts.TrackMem = ptr(true)
	}
	if o.PageServer != "" {
		ps, err := pageServer(o.PageServer)
		if err != nil {
			return nil, err
		}
		opts.Ps = ps
	}
	return opts, nil
}

func pageServer(s string) (*criurpc.PageServerInfo, error) {
	host, port, ok := strings.Cut(s, ":")
	var n int32
	if _, err := fmt.Sscanf(port, "%d", &n); !ok || host == "" || err != nil || n <= 0 {
		return nil, fmt.Errorf("--page-server %q: want ADDRESS:PORT", s)
	}
	return &criurpc.PageServerInfo{Address: ptr(host), Port: ptr(n)}, nil
}

// CheckParentPath checks --parent-path as runc does: relative to the image
// path, and a directory there.
func CheckParentPath(imagePath, parent string) error {
	if parent == "" {
		return nil
	}
	if filepath.IsAbs(parent) {
		return errors.New("--parent-path must be relative (to --image-path)")
	}
	real := filepath.Join(imagePath, parent)
	fi, err := os.Stat(real)
	if err == nil && !fi.IsDir() {
		err = &os.PathError{Op: "stat", Path: real, Err: unix.ENOTDIR}
	}
	if err != nil {
		return fmt.Errorf("invalid --parent-path: %w", err)
	}
	return nil
}

// extMounts is CRIU's external mount map for a container's spec: every
// bind mount (by its destination), the masked files (bound from
// /dev/null; a masked directory is a tmpfs CRIU dumps, and maskedFile
// tells them apart at dump) and the device nodes. At dump, a key names the
// mount and the value is the same key; at restore, the value is what to
// mount there (the bind's source). Keys are absolute paths in the
// container, cleaned.
func extMounts(spec *specs.Spec, restore bool, maskedFile func(string) bool) []criurpc.ExtMountMap {
	m := map[string]string{}
	for _, mnt := range spec.Mounts {
		if !isBind(mnt) {
			continue
		}
		dst := containerPath(mnt.Destination)
		if restore {
			m[dst] = mnt.Source
		} else {
			m[dst] = dst
		}
	}
	if l := spec.Linux; l != nil {
		for _, p := range l.MaskedPaths {
			if !restore && maskedFile(containerPath(p)) {
				m[containerPath(p)] = "/dev/null"
			}
		}
		if restore && len(l.MaskedPaths) > 0 {
			m["/dev/null"] = "/dev/null"
		}
		for _, d := range l.Devices {
			m[containerPath(d.Path)] = containerPath(d.Path)
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]criurpc.ExtMountMap, 0, len(keys))
	for _, k := range keys {
		out = append(out, criurpc.ExtMountMap{Key: k, Val: m[k]})
	}
	return out
}

// containerPath cleans a path in the container: absolute, no "..".
func containerPath(p string) string { return path.Clean("/" + p) }

// isBind says whether a spec mount is a bind mount (type bind, or an
// option bind/rbind).
func isBind(m specs.Mount) bool {
	if m.Type == "bind" {
		return true
	}
	for _, o := range m.Options {
		if o == "bind" || o == "rbind" {
			return true
		}
	}
	return false
}
