// Package rootfs plans the container's filesystem: the spec's mounts and
// their options, propagation, /dev, pivot_root, a read-only root, masked and
// read-only paths. It only reads host facts (stat, mountinfo); every change
// is an op in the plan that the C stage executes.
package rootfs

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// mountOption is one row of the mount option table: the flags a name sets
// or clears.
type mountOption struct {
	clear bool
	flag  uintptr
}

// mountOptions is the one place that knows mount option names (runc's set).
var mountOptions = map[string]mountOption{
	"acl":           {false, unix.MS_POSIXACL},
	"async":         {true, unix.MS_SYNCHRONOUS},
	"atime":         {true, unix.MS_NOATIME},
	"bind":          {false, unix.MS_BIND},
	"defaults":      {false, 0},
	"dev":           {true, unix.MS_NODEV},
	"diratime":      {true, unix.MS_NODIRATIME},
	"dirsync":       {false, unix.MS_DIRSYNC},
	"exec":          {true, unix.MS_NOEXEC},
	"iversion":      {false, unix.MS_I_VERSION},
	"lazytime":      {false, unix.MS_LAZYTIME},
	"loud":          {true, unix.MS_SILENT},
	"mand":          {false, unix.MS_MANDLOCK},
	"noacl":         {true, unix.MS_POSIXACL},
	"noatime":       {false, unix.MS_NOATIME},
	"nodev":         {false, unix.MS_NODEV},
	"nodiratime":    {false, unix.MS_NODIRATIME},
	"noexec":        {false, unix.MS_NOEXEC},
	"noiversion":    {true, unix.MS_I_VERSION},
	"nolazytime":    {true, unix.MS_LAZYTIME},
	"nomand":        {true, unix.MS_MANDLOCK},
	"norelatime":    {true, unix.MS_RELATIME},
	"nostrictatime": {true, unix.MS_STRICTATIME},
	"nosuid":        {false, unix.MS_NOSUID},
	"nosymfollow":   {false, unix.MS_NOSYMFOLLOW},
	"rbind":         {false, unix.MS_BIND | unix.MS_REC},
	"relatime":      {false, unix.MS_RELATIME},
	"remount":       {false, unix.MS_REMOUNT},
	"ro":            {false, unix.MS_RDONLY},
	"rw":            {true, unix.MS_RDONLY},
	"silent":        {false, unix.MS_SILENT},
	"strictatime":   {false, unix.MS_STRICTATIME},
	"suid":          {true, unix.MS_NOSUID},
	"symfollow":     {true, unix.MS_NOSYMFOLLOW},
	"sync":          {false, unix.MS_SYNCHRONOUS},
}

// propagationOptions are applied by separate mount calls after the mount.
var propagationOptions = map[string]uintptr{
	"private":     unix.MS_PRIVATE,
	"rprivate":    unix.MS_PRIVATE | unix.MS_REC,
	"shared":      unix.MS_SHARED,
	"rshared":     unix.MS_SHARED | unix.MS_REC,
	"slave":       unix.MS_SLAVE,
	"rslave":      unix.MS_SLAVE | unix.MS_REC,
	"unbindable":  unix.MS_UNBINDABLE,
	"runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

// unsupportedOptions are known options rt does not implement yet: refusing
// them is better than passing them to the kernel as filesystem data.
var unsupportedOptions = map[string]bool{
	"rro": true, "rrw": true, "rnosuid": true, "rsuid": true, "rnodev": true, "rdev": true,
	"rnoexec": true, "rexec": true, "rnodiratime": true, "rdiratime": true, "rrelatime": true,
	"rnorelatime": true, "rnoatime": true, "ratime": true, "rstrictatime": true,
	"rnostrictatime": true, "rnosymfollow": true, "rsymfollow": true,
	"idmap": true, "ridmap": true,
}

// parsedOptions is a mount's option list turned into mount(2) arguments.
type parsedOptions struct {
	copyUp      bool // tmpcopyup: the tmpfs starts with the directory's content
	flags       uintptr
	propagation []uintptr
	data        string
}

func parseOptions(options []string) (parsedOptions, error) {
	var p parsedOptions
	var data []string
	for _, o := range options {
		if opt, ok := mountOptions[o]; ok {
			if opt.clear {
				p.flags &^= opt.flag
			} else {
				p.flags |= opt.flag
			}
			continue
		}
		if prop, ok := propagationOptions[o]; ok {
			p.propagation = append(p.propagation, prop)
			continue
		}
		if o == "tmpcopyup" {
			p.copyUp = true
			continue
		}
		if unsupportedOptions[o] {
			return p, fmt.Errorf("mount option %q is not supported by rt yet", o)
		}
		data = append(data, o)
	}
	p.data = strings.Join(data, ",")
	return p, nil
}

// PropagationFlags maps linux.rootfsPropagation to mount flags.
func PropagationFlags(name string) (uintptr, error) {
	if f, ok := propagationOptions[name]; ok {
		return f, nil
	}
	return 0, fmt.Errorf("unknown propagation %q", name)
}
