package rootfs

import (
	"fmt"
	"path"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/nsenter"
)

// device is one node rt creates in /dev.
type device struct {
	path         string
	kind         uint32 // S_IFCHR, S_IFBLK, S_IFIFO
	major, minor int64
	mode         uint32
	uid, gid     uint32
	field        string
}

// defaultDevices are the nodes every container gets, as runc makes them.
var defaultDevices = []device{
	{path: "/dev/null", kind: unix.S_IFCHR, major: 1, minor: 3, mode: 0666},
	{path: "/dev/zero", kind: unix.S_IFCHR, major: 1, minor: 5, mode: 0666},
	{path: "/dev/full", kind: unix.S_IFCHR, major: 1, minor: 7, mode: 0666},
	{path: "/dev/random", kind: unix.S_IFCHR, major: 1, minor: 8, mode: 0666},
	{path: "/dev/urandom", kind: unix.S_IFCHR, major: 1, minor: 9, mode: 0666},
	{path: "/dev/tty", kind: unix.S_IFCHR, major: 5, minor: 0, mode: 0666},
}

var devSymlinks = [][2]string{
	{"/proc/self/fd", "/dev/fd"},
	{"/proc/self/fd/0", "/dev/stdin"},
	{"/proc/self/fd/1", "/dev/stdout"},
	{"/proc/self/fd/2", "/dev/stderr"},
}

func (b *builder) hasMount(dest string) (specs.Mount, bool) {
	for _, m := range b.spec.Mounts {
		if cleanDest(m.Destination) == dest {
			return m, true
		}
	}
	return specs.Mount{}, false
}

// defaultDevMounts are the /dev mounts rt adds when the config has none:
// a fresh tmpfs, so that nodes are never created in the image itself.
func (b *builder) defaultDevMounts() []specs.Mount {
	var ms []specs.Mount
	if _, ok := b.hasMount("/dev"); ok {
		return nil
	}
	ms = append(ms, specs.Mount{Destination: "/dev", Type: "tmpfs", Source: "tmpfs",
		Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}})
	if _, ok := b.hasMount("/dev/pts"); !ok {
		ms = append(ms, specs.Mount{Destination: "/dev/pts", Type: "devpts", Source: "devpts",
			Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}})
	}
	if _, ok := b.hasMount("/dev/shm"); !ok {
		ms = append(ms, specs.Mount{Destination: "/dev/shm", Type: "tmpfs", Source: "shm",
			Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}})
	}
	return ms
}

// devices plans the default nodes, linux.devices, and the /dev links.
// A /dev bound from the host is left as it is, as runc does.
func (b *builder) devices() error {
	if m, ok := b.hasMount("/dev"); ok && isBind(m) {
		return nil
	}
	m, ok := b.hasMount("/dev/pts")
	ptmxLink := !ok || m.Type == "devpts"
	devs := append([]device(nil), defaultDevices...)
	if b.spec.Linux != nil {
		for i, d := range b.spec.Linux.Devices {
			dev, err := specDevice(d, fmt.Sprintf("/linux/devices/%d", i))
			if err != nil {
				return err
			}
			// /dev/ptmx is the link to pts/ptmx made below; a node of
			// that path (some engines send c 5:2) is left out, as runc
			// leaves it.
			if ptmxLink && dev.path == "/dev/ptmx" {
				continue
			}
			devs = append(devs, dev)
		}
	}
	made := map[string]bool{"/": true, "/dev": true}
	for _, d := range devs {
		b.deviceParent(d, made)
		b.device(d)
	}
	if p := b.spec.Process; p != nil && p.Terminal {
		b.add(nsenter.Op{Code: nsenter.OpMkfile, Strs: [4]string{"/dev/console"}, Args: [3]int64{0600},
			Flags: nsenter.FlagInRoot, Field: "/process/terminal"})
	}
	for _, l := range devSymlinks {
		b.add(nsenter.Op{Code: nsenter.OpSymlink, Strs: [4]string{l[0], l[1]}, Field: "/mounts"})
	}
	if ptmxLink {
		b.add(nsenter.Op{Code: nsenter.OpSymlink, Strs: [4]string{"pts/ptmx", "/dev/ptmx"}, Field: "/mounts"})
	}
	return nil
}

// deviceParent makes the directories above a node that is not directly in
// /dev (/dev/net/tun, /dev/dri/card0, /dev/snd/...), mode 0755 as runc
// makes them. The stage resolves each one in the root, so a symlinked
// component of the image cannot send the mkdir outside it. made holds
// the directories already planned.
func (b *builder) deviceParent(d device, made map[string]bool) {
	dir := path.Dir(d.path)
	if made[dir] {
		return
	}
	made[dir] = true
	field := d.field
	if field == "" {
		field = "/mounts"
	} else {
		field += "/path"
	}
	b.add(nsenter.Op{Code: nsenter.OpMkdir, Strs: [4]string{dir}, Args: [3]int64{0755}, Flags: nsenter.FlagInRoot, Field: field})
}

// device creates a node, or in a user namespace (the container's, or the
// one an unprivileged rt runs in: mknod is not allowed there) binds the
// host's node of the same path onto an empty file, as runc does.
func (b *builder) device(d device) {
	field := d.field
	if field == "" {
		field = "/mounts"
	}
	if b.o.NewUserNS || b.o.Unprivileged {
		b.add(
			nsenter.Op{Code: nsenter.OpMkfile, Strs: [4]string{d.path}, Args: [3]int64{0600}, Flags: nsenter.FlagInRoot, Field: field},
			nsenter.Op{Code: nsenter.OpMount, Strs: [4]string{d.path, d.path}, Args: [3]int64{unix.MS_BIND},
				Flags: nsenter.FlagInRoot, Field: field},
		)
		return
	}
	b.add(nsenter.Op{Code: nsenter.OpMknod, Strs: [4]string{d.path},
		Args:  [3]int64{int64(d.kind | d.mode), int64(unix.Mkdev(uint32(d.major), uint32(d.minor))), int64(d.uid)<<32 | int64(d.gid)},
		Flags: nsenter.FlagInRoot, Field: field})
}

func specDevice(d specs.LinuxDevice, field string) (device, error) {
	kinds := map[string]uint32{"c": unix.S_IFCHR, "u": unix.S_IFCHR, "b": unix.S_IFBLK, "p": unix.S_IFIFO}
	kind, ok := kinds[d.Type]
	if !ok {
		return device{}, fieldErr(field+"/type", "unknown device type %q (want c, b, u or p)", d.Type)
	}
	if d.Path == "" || d.Path[0] != '/' {
		return device{}, fieldErr(field+"/path", "device path %q is not absolute", d.Path)
	}
	dev := device{path: cleanDest(d.Path), kind: kind, major: d.Major, minor: d.Minor, mode: 0666, field: field}
	if kind == unix.S_IFIFO {
		// a fifo has no numbers: specconv warns that they are ignored, and
		// the stage checks a node it finds against these
		dev.major, dev.minor = 0, 0
	}
	if d.FileMode != nil {
		// the JSON number is the raw mode: keep setuid, setgid and sticky
		dev.mode = uint32(*d.FileMode) & 07777
	}
	if d.UID != nil {
		dev.uid = *d.UID
	}
	if d.GID != nil {
		dev.gid = *d.GID
	}
	return dev, nil
}
