package libct

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/cgroups"
	"github.com/rt-runtime/rt/internal/criurpc"
)

// descriptorsFile names, in the image dir, what the init's fds 0-2 were
// at the dump ("pipe:[123]", "/dev/null", ...): restore hands its own
// stdio to CRIU for the pipes (as runc's descriptors.json).
const descriptorsFile = "descriptors.json"

// criuWorkDir is the default work dir of a dump, in the state dir: the
// log of a failed dump stays there until the container is deleted.
const criuWorkDir = "criu"

// Checkpoint dumps a running (or paused) container with CRIU into
// o.ImagePath. Unless o.LeaveRunning or o.PreDump, the container is then
// deleted (CRIU has killed its processes). On failure the container keeps
// running, the image dir loses what the dump added (it is removed if the
// dump made it), and the error names CRIU's first error and its log.
func (c *Container) Checkpoint(ctx context.Context, o CriuOptions) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if st := c.Status(); st != Running && st != Paused {
		return stateErr(kindOf(st), c.State.ID, st, "cannot checkpoint container %q: it is %s, not running", c.State.ID, st)
	}
	if o.ImagePath == "" {
		return fmt.Errorf("checkpoint: no image path")
	}
	if err := checkStatusFd(o); err != nil {
		return err
	}
	opts, err := criuRPCOpts(o, false)
	if err != nil {
		return err
	}
	spec, err := c.Spec()
	if err != nil {
		return err
	}
	images, err := openImageDir(o.ImagePath, true)
	if err != nil {
		return err
	}
	defer images.Close()
	if err := CheckParentPath(o.ImagePath, o.ParentPath); err != nil {
		images.undo()
		return err
	}
	err = c.dump(o, opts, spec, images)
	if err != nil {
		images.undo()
		return err
	}
	os.RemoveAll(filepath.Join(c.dir(), criuWorkDir))
	if o.LeaveRunning || o.PreDump {
		return nil
	}
	return c.Delete(context.Background(), true)
}

func (c *Container) dump(o CriuOptions, opts *criurpc.Opts, spec *specs.Spec, images *imageDir) error {
	if err := c.loadFull(); err != nil {
		return err
	}
	opts.ImagesDirFd = int32(images.fd())
	opts.Root = ptr(c.State.Rootfs)
	opts.Pid = ptr(int32(c.State.Pid))
	if err := externalNamespaces(opts, spec); err != nil {
		return err
	}
	if fcg := freezerPath(c.State.CgroupPaths); fcg != "" {
		opts.FreezeCgroup = ptr(fcg)
	}
	if !o.PreDump {
		opts.ExtMnt = extMounts(spec, false, func(p string) bool {
			fi, err := os.Stat(fmt.Sprintf("/proc/%d/root%s", c.State.Pid, p))
			return err == nil && !fi.IsDir()
		})
		if err := saveDescriptors(opts, c.State.Pid, o.ImagePath); err != nil {
			return err
		}
	}
	work := o.WorkPath
	if work == "" {
		work = filepath.Join(c.dir(), criuWorkDir)
	}
	workDir, err := openImageDir(work, true)
	if err != nil {
		return err
	}
	defer workDir.Close()
	var null [3]*os.File
	s, err := startCriu(null, nil)
	if err != nil {
		return err
	}
	// CRIU opens the dirs through /proc/RT'S PID/fd: rt's own fds.
	opts.WorkDirFd = ptr(int32(workDir.fd()))
	s.logDir, s.logFile = work, *opts.LogFile
	t := criurpc.ReqDump
	if o.PreDump {
		t = criurpc.ReqPreDump
	}
	debugf("checkpoint %s: criu %s of pid %d into %s", c.State.ID, t, c.State.Pid, o.ImagePath)
	err = s.run(&criurpc.Req{Type: t, Opts: opts}, func(script string, _ int32, fds []int) error {
		closeFds(fds)
		if script == "status-ready" && o.StatusFd >= 0 {
			// --lazy-pages: the images are ready to be served.
			unix.Write(o.StatusFd, []byte{0})
			unix.Close(o.StatusFd)
			o.StatusFd = -1
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("checkpoint container %q: %w", c.State.ID, err)
	}
	s.close()
	return nil
}

// freezerPath is the cgroup CRIU freezes the tasks with: v1's freezer
// hierarchy, else the unified one (CRIU ≥ 3.14 drives the v2 freezer).
func freezerPath(paths map[string]string) string {
	if p, ok := paths["freezer"]; ok {
		return p
	}
	if p, ok := paths[""]; ok && cgroups.UnifiedOnly() {
		return p
	}
	return ""
}

// externalNamespaces marks the network and PID namespaces the container
// joined by path as external: CRIU does not dump them, and restore joins
// the same ones (restoreNamespaces).
func externalNamespaces(opts *criurpc.Opts, spec *specs.Spec) error {
	for _, ns := range joinedNamespaces(spec) {
		key, ok := externalNsKeys[ns.Type]
		if !ok {
			continue
		}
		var st unix.Stat_t
		if err := unix.Stat(ns.Path, &st); err != nil {
			return fmt.Errorf("checkpoint: %s namespace %s: %w", ns.Type, ns.Path, err)
		}
		opts.External = append(opts.External, fmt.Sprintf("%s[%d]:%s", criuNsNames[ns.Type], st.Ino, key))
	}
	return nil
}

// externalNsKeys are the keys CRIU knows the external namespaces by
// (runc's, so images move between the runtimes).
var externalNsKeys = map[specs.LinuxNamespaceType]string{
	specs.NetworkNamespace: "extRootNetNS",
	specs.PIDNamespace:     "extRootPidNS",
}

// criuNsNames are CRIU's names of the namespaces.
var criuNsNames = map[specs.LinuxNamespaceType]string{
	specs.NetworkNamespace: "net", specs.PIDNamespace: "pid", specs.IPCNamespace: "ipc",
	specs.UTSNamespace: "uts", specs.MountNamespace: "mnt", specs.UserNamespace: "user",
	specs.CgroupNamespace: "cgroup", specs.TimeNamespace: "time",
}

func joinedNamespaces(spec *specs.Spec) []specs.LinuxNamespace {
	if spec.Linux == nil {
		return nil
	}
	var out []specs.LinuxNamespace
	for _, ns := range spec.Linux.Namespaces {
		if ns.Path != "" {
			out = append(out, ns)
		}
	}
	return out
}

// saveDescriptors writes what the init's fds 0-2 are: a pipe by its name
// ("pipe:[123]"), a file on a mount the container does not see (the
// caller's /dev/null) by CRIU's external file key, which it also marks
// external for the dump. Restore hands its own stdio in their place.
func saveDescriptors(opts *criurpc.Opts, pid int, imagePath string) error {
	fds := make([]string, 3)
	for i := range fds {
		fds[i], _ = os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", pid, i))
		if key, ok := externalFileKey(pid, i); ok {
			if !slices.Contains(opts.External, key) {
				opts.External = append(opts.External, key)
			}
			fds[i] = key
		}
	}
	data, _ := json.Marshal(fds)
	return os.WriteFile(filepath.Join(imagePath, descriptorsFile), data, 0o600)
}

// externalFileKey is CRIU's key of fd of pid, "file[MNT_ID:INODE]" in hex,
// when the fd is a file on a mount outside the process's mount namespace.
func externalFileKey(pid, fd int) (string, bool) {
	var st unix.Stat_t
	if err := unix.Stat(fmt.Sprintf("/proc/%d/fd/%d", pid, fd), &st); err != nil || st.Mode&unix.S_IFMT == unix.S_IFIFO ||
		st.Mode&unix.S_IFMT == unix.S_IFSOCK {
		return "", false
	}
	info, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%d", pid, fd))
	if err != nil {
		return "", false
	}
	mnt := fieldOf(string(info), "mnt_id:")
	if mnt == "" || mountVisible(pid, mnt) {
		return "", false
	}
	var id uint64
	fmt.Sscan(mnt, &id)
	return fmt.Sprintf("file[%x:%x]", id, st.Ino), true
}

// fieldOf is the value after name in a "name:\tvalue" listing.
func fieldOf(text, name string) string {
	for _, l := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(l, name); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// mountVisible says whether mount id mnt is in pid's mount namespace.
func mountVisible(pid int, mnt string) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
	if err != nil {
		return true
	}
	for _, l := range strings.Split(string(data), "\n") {
		if id, _, ok := strings.Cut(l, " "); ok && id == mnt {
			return true
		}
	}
	return false
}

// imageDir is a directory CRIU reads or writes, and what it held before,
// so that a failed dump can take back what it added.
type imageDir struct {
	path    string
	f       *os.File
	made    bool
	entries map[string]bool
}

// openImageDir opens dir, making it (0700) when make is set.
func openImageDir(dir string, make bool) (*imageDir, error) {
	d := &imageDir{path: dir}
	if make {
		err := os.Mkdir(dir, 0o700)
		d.made = err == nil
		if err != nil && !os.IsExist(err) {
			return nil, fmt.Errorf("image path: %w", err)
		}
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("criu directory: %w", err)
	}
	d.f = f
	names, _ := f.Readdirnames(-1)
	d.entries = map[string]bool{}
	for _, n := range names {
		d.entries[n] = true
	}
	return d, nil
}

func (d *imageDir) fd() int { return int(d.f.Fd()) }
func (d *imageDir) Close()  { d.f.Close() }

// undo removes the dir if it was made here, else what was added to it.
func (d *imageDir) undo() {
	if d.made {
		os.RemoveAll(d.path)
		return
	}
	names, _ := os.ReadDir(d.path)
	for _, e := range names {
		if !d.entries[e.Name()] && !strings.HasSuffix(e.Name(), ".log") {
			os.RemoveAll(filepath.Join(d.path, e.Name()))
		}
	}
}

// checkStatusFd checks --status-fd: only with --lazy-pages, and writable.
func checkStatusFd(o CriuOptions) error {
	if o.StatusFd < 0 {
		return nil
	}
	if !o.LazyPages {
		return fmt.Errorf("--status-fd is for --lazy-pages")
	}
	flags, err := unix.FcntlInt(uintptr(o.StatusFd), unix.F_GETFL, 0)
	if err != nil {
		return fmt.Errorf("--status-fd %d: %w", o.StatusFd, err)
	}
	if flags&(unix.O_WRONLY|unix.O_RDWR) == 0 {
		return fmt.Errorf("--status-fd %d: not open for writing", o.StatusFd)
	}
	return nil
}
