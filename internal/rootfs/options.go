// Package rootfs plans the container's filesystem: the spec's mounts and
// their options, propagation, /dev, pivot_root, a read-only root, masked and
// read-only paths. It only reads host facts (stat, mountinfo); every change
// is an op in the plan that the C stage executes. It owns the mount option
// table.
//
// Imports: of rt's, only nsenter (the ops) and the field error type; never
// specconv, libct or a cgroup package (internal/archtest checks it).
package rootfs

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// mountOption is one row of the mount option table: the mount(2) flag a
// name sets or clears, or the mount_setattr(2) attribute it sets or clears
// on the mount and every mount below it, or the id mapping it asks for, or
// the propagation it gets, or tmpcopyup.
type mountOption struct {
	clear bool
	flag  uintptr
	attr  uint64 // recursive attribute (the r* options)
	// atime: attr is in the MOUNT_ATTR__ATIME field, which attr_clr must
	// then hold (mount_setattr(2)).
	atime bool
	idmap idmapMode
	// propagation: applied by a mount call of its own after the mount.
	propagation uintptr
	copyUp      bool // tmpcopyup
}

// idmapMode says whether a bind mount gets an id mapping, and how deep.
type idmapMode int

const (
	noIDMap        idmapMode = iota
	idmapTop                 // idmap: the mount itself (and uidMappings without an option, as runc)
	idmapRecursive           // ridmap: every mount of an rbind
)

// mountOptions is the one place that knows mount option names (runc's set):
// parseOptions, PropagationFlags (linux.rootfsPropagation) and
// MountOptionNames (`rt features`) all read it.
// The atime family of the recursive options sets or clears bits as runc
// 1.5 does: rstrictatime,rrelatime stays strictatime (MOUNT_ATTR_RELATIME
// is 0), rnoatime,rnorelatime stays noatime, and ratime, rnorelatime and
// rnostrictatime alone mean the kernel's default, relatime.
var mountOptions = map[string]mountOption{
	"acl":           {flag: unix.MS_POSIXACL},
	"async":         {clear: true, flag: unix.MS_SYNCHRONOUS},
	"atime":         {clear: true, flag: unix.MS_NOATIME},
	"bind":          {flag: unix.MS_BIND},
	"defaults":      {flag: 0},
	"dev":           {clear: true, flag: unix.MS_NODEV},
	"diratime":      {clear: true, flag: unix.MS_NODIRATIME},
	"dirsync":       {flag: unix.MS_DIRSYNC},
	"exec":          {clear: true, flag: unix.MS_NOEXEC},
	"iversion":      {flag: unix.MS_I_VERSION},
	"lazytime":      {flag: unix.MS_LAZYTIME},
	"loud":          {clear: true, flag: unix.MS_SILENT},
	"mand":          {flag: unix.MS_MANDLOCK},
	"noacl":         {clear: true, flag: unix.MS_POSIXACL},
	"noatime":       {flag: unix.MS_NOATIME},
	"nodev":         {flag: unix.MS_NODEV},
	"nodiratime":    {flag: unix.MS_NODIRATIME},
	"noexec":        {flag: unix.MS_NOEXEC},
	"noiversion":    {clear: true, flag: unix.MS_I_VERSION},
	"nolazytime":    {clear: true, flag: unix.MS_LAZYTIME},
	"nomand":        {clear: true, flag: unix.MS_MANDLOCK},
	"norelatime":    {clear: true, flag: unix.MS_RELATIME},
	"nostrictatime": {clear: true, flag: unix.MS_STRICTATIME},
	"nosuid":        {flag: unix.MS_NOSUID},
	"nosymfollow":   {flag: unix.MS_NOSYMFOLLOW},
	"rbind":         {flag: unix.MS_BIND | unix.MS_REC},
	"relatime":      {flag: unix.MS_RELATIME},
	"remount":       {flag: unix.MS_REMOUNT},
	"ro":            {flag: unix.MS_RDONLY},
	"rw":            {clear: true, flag: unix.MS_RDONLY},
	"silent":        {flag: unix.MS_SILENT},
	"strictatime":   {flag: unix.MS_STRICTATIME},
	"suid":          {clear: true, flag: unix.MS_NOSUID},
	"symfollow":     {clear: true, flag: unix.MS_NOSYMFOLLOW},
	"sync":          {flag: unix.MS_SYNCHRONOUS},

	"rro":            {attr: unix.MOUNT_ATTR_RDONLY},
	"rrw":            {clear: true, attr: unix.MOUNT_ATTR_RDONLY},
	"rnosuid":        {attr: unix.MOUNT_ATTR_NOSUID},
	"rsuid":          {clear: true, attr: unix.MOUNT_ATTR_NOSUID},
	"rnodev":         {attr: unix.MOUNT_ATTR_NODEV},
	"rdev":           {clear: true, attr: unix.MOUNT_ATTR_NODEV},
	"rnoexec":        {attr: unix.MOUNT_ATTR_NOEXEC},
	"rexec":          {clear: true, attr: unix.MOUNT_ATTR_NOEXEC},
	"rnosymfollow":   {attr: unix.MOUNT_ATTR_NOSYMFOLLOW},
	"rsymfollow":     {clear: true, attr: unix.MOUNT_ATTR_NOSYMFOLLOW},
	"rnodiratime":    {attr: unix.MOUNT_ATTR_NODIRATIME},
	"rdiratime":      {clear: true, attr: unix.MOUNT_ATTR_NODIRATIME},
	"rnoatime":       {atime: true, attr: unix.MOUNT_ATTR_NOATIME},
	"ratime":         {atime: true, clear: true, attr: unix.MOUNT_ATTR_NOATIME},
	"rstrictatime":   {atime: true, attr: unix.MOUNT_ATTR_STRICTATIME},
	"rnostrictatime": {atime: true, clear: true, attr: unix.MOUNT_ATTR_STRICTATIME},
	"rrelatime":      {atime: true, attr: unix.MOUNT_ATTR_RELATIME},
	"rnorelatime":    {atime: true, clear: true, attr: unix.MOUNT_ATTR_RELATIME},

	"idmap":  {idmap: idmapTop},
	"ridmap": {idmap: idmapRecursive},

	"private":     {propagation: unix.MS_PRIVATE},
	"rprivate":    {propagation: unix.MS_PRIVATE | unix.MS_REC},
	"shared":      {propagation: unix.MS_SHARED},
	"rshared":     {propagation: unix.MS_SHARED | unix.MS_REC},
	"slave":       {propagation: unix.MS_SLAVE},
	"rslave":      {propagation: unix.MS_SLAVE | unix.MS_REC},
	"unbindable":  {propagation: unix.MS_UNBINDABLE},
	"runbindable": {propagation: unix.MS_UNBINDABLE | unix.MS_REC},

	"tmpcopyup": {copyUp: true},
}

// unsupportedOptions are known options rt does not implement yet: refusing
// them is better than passing them to the kernel as filesystem data.
var unsupportedOptions = map[string]bool{}

// parsedOptions is a mount's option list turned into mount(2) arguments.
type parsedOptions struct {
	copyUp      bool // tmpcopyup: the tmpfs starts with the directory's content
	flags       uintptr
	cleared     uintptr // flags an option clears (rw, suid, dev, exec, atime…), none set again after
	propagation []uintptr
	data        string
	// attrSet and attrClr go to mount_setattr(AT_RECURSIVE) once the
	// mount is made.
	attrSet, attrClr uint64
	idmap            idmapMode
}

func parseOptions(options []string) (parsedOptions, error) {
	var p parsedOptions
	var data []string
	for _, o := range options {
		if unsupportedOptions[o] {
			return p, fmt.Errorf("mount option %q is not supported by rt yet", o)
		}
		if opt, ok := mountOptions[o]; ok {
			p.apply(opt)
			continue
		}
		data = append(data, o)
	}
	p.data = strings.Join(data, ",")
	if p.attrSet&unix.MOUNT_ATTR_NOATIME != 0 && p.attrSet&unix.MOUNT_ATTR_STRICTATIME != 0 {
		return p, fmt.Errorf("rnoatime and rstrictatime together: a mount has one atime setting")
	}
	return p, nil
}

func (p *parsedOptions) apply(opt mountOption) {
	switch {
	case opt.propagation != 0:
		p.propagation = append(p.propagation, opt.propagation)
	case opt.copyUp:
		p.copyUp = true
	case opt.idmap != noIDMap:
		p.idmap = opt.idmap
	case opt.atime && opt.clear:
		p.attrSet &^= opt.attr
		p.attrClr |= unix.MOUNT_ATTR__ATIME
	case opt.atime:
		p.attrSet |= opt.attr
		p.attrClr |= unix.MOUNT_ATTR__ATIME
	case opt.attr != 0 && opt.clear:
		p.attrSet &^= opt.attr
		p.attrClr |= opt.attr
	case opt.attr != 0:
		p.attrSet |= opt.attr
		p.attrClr &^= opt.attr
	case opt.clear:
		p.flags &^= opt.flag
		p.cleared |= opt.flag
	default:
		p.flags |= opt.flag
		p.cleared &^= opt.flag
	}
}

// hasModeOption says whether mount data holds mode=; a tmpfs without it
// gets the mode of the directory it covers.
func hasModeOption(data string) bool {
	for _, o := range strings.Split(data, ",") {
		if strings.HasPrefix(o, "mode=") {
			return true
		}
	}
	return false
}

// PropagationFlags maps linux.rootfsPropagation to mount flags.
func PropagationFlags(name string) (uintptr, error) {
	if opt, ok := mountOptions[name]; ok && opt.propagation != 0 && !unsupportedOptions[name] {
		return opt.propagation, nil
	}
	return 0, fmt.Errorf("unknown propagation %q", name)
}
