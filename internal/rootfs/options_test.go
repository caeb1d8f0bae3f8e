package rootfs

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseOptions(t *testing.T) {
	for _, c := range []struct {
		name        string
		options     []string
		flags       uintptr
		propagation []uintptr
		data        string
	}{
		{"none", nil, 0, nil, ""},
		{"defaults sets nothing", []string{"defaults"}, 0, nil, ""},
		{"ro", []string{"ro"}, unix.MS_RDONLY, nil, ""},
		{"ro then rw clears", []string{"ro", "rw"}, 0, nil, ""},
		{"rw then ro sets", []string{"rw", "ro"}, unix.MS_RDONLY, nil, ""},
		{"nosuid nodev noexec", []string{"nosuid", "nodev", "noexec"}, unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, nil, ""},
		{"suid dev exec clear", []string{"nosuid", "nodev", "noexec", "suid", "dev", "exec"}, 0, nil, ""},
		{"atime family", []string{"noatime", "nodiratime", "relatime", "strictatime", "atime", "diratime", "norelatime", "nostrictatime"}, 0, nil, ""},
		{"noatime", []string{"noatime", "nodiratime"}, unix.MS_NOATIME | unix.MS_NODIRATIME, nil, ""},
		{"sync async", []string{"sync", "dirsync", "async"}, unix.MS_DIRSYNC, nil, ""},
		{"bind", []string{"bind"}, unix.MS_BIND, nil, ""},
		{"rbind sets bind and rec", []string{"rbind"}, unix.MS_BIND | unix.MS_REC, nil, ""},
		{"rbind ro nosuid", []string{"rbind", "ro", "nosuid"}, unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY | unix.MS_NOSUID, nil, ""},
		{"remount", []string{"remount", "ro"}, unix.MS_REMOUNT | unix.MS_RDONLY, nil, ""},
		{"mand lazytime silent", []string{"mand", "lazytime", "silent"}, unix.MS_MANDLOCK | unix.MS_LAZYTIME | unix.MS_SILENT, nil, ""},
		{"cleared again", []string{"mand", "lazytime", "silent", "nomand", "nolazytime", "loud"}, 0, nil, ""},
		{"acl iversion nosymfollow", []string{"acl", "iversion", "nosymfollow"}, unix.MS_POSIXACL | unix.MS_I_VERSION | unix.MS_NOSYMFOLLOW, nil, ""},
		{"noacl noiversion symfollow", []string{"acl", "iversion", "nosymfollow", "noacl", "noiversion", "symfollow"}, 0, nil, ""},
		{"propagation in order", []string{"rslave", "private", "runbindable"}, 0,
			[]uintptr{unix.MS_SLAVE | unix.MS_REC, unix.MS_PRIVATE, unix.MS_UNBINDABLE | unix.MS_REC}, ""},
		{"every propagation", []string{"shared", "rshared", "slave", "rprivate", "unbindable"}, 0,
			[]uintptr{unix.MS_SHARED, unix.MS_SHARED | unix.MS_REC, unix.MS_SLAVE, unix.MS_PRIVATE | unix.MS_REC, unix.MS_UNBINDABLE}, ""},
		{"propagation is not a flag", []string{"rbind", "rprivate"}, unix.MS_BIND | unix.MS_REC, []uintptr{unix.MS_PRIVATE | unix.MS_REC}, ""},
		{"unknown options are data", []string{"mode=755", "size=65536k"}, 0, nil, "mode=755,size=65536k"},
		{"data keeps its order among flags", []string{"nosuid", "newinstance", "ptmxmode=0666", "noexec", "mode=0620", "gid=5"},
			unix.MS_NOSUID | unix.MS_NOEXEC, nil, "newinstance,ptmxmode=0666,mode=0620,gid=5"},
		{"overlay data", []string{"lowerdir=/a:/b", "upperdir=/u", "workdir=/w", "ro"}, unix.MS_RDONLY, nil, "lowerdir=/a:/b,upperdir=/u,workdir=/w"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := parseOptions(c.options)
			if err != nil {
				t.Fatal(err)
			}
			if p.flags != c.flags {
				t.Errorf("flags = %#x, want %#x", p.flags, c.flags)
			}
			if !reflect.DeepEqual(p.propagation, c.propagation) {
				t.Errorf("propagation = %#x, want %#x", p.propagation, c.propagation)
			}
			if p.data != c.data {
				t.Errorf("data = %q, want %q", p.data, c.data)
			}
		})
	}
}

// Options rt does not implement are refused, never passed to the kernel
// as filesystem data (where "rro" would be silently ignored by most).
func TestParseOptionsUnsupported(t *testing.T) {
	for o := range unsupportedOptions {
		_, err := parseOptions([]string{"nosuid", o, "mode=755"})
		if err == nil || !strings.Contains(err.Error(), `"`+o+`"`) {
			t.Errorf("parseOptions(%q) = %v, want an error naming it", o, err)
		}
	}
}

// One table, and each row means one thing: a flag, an attribute, an id
// mapping, a propagation or tmpcopyup ("defaults" alone means nothing).
func TestOptionRowsMeanOneThing(t *testing.T) {
	for name, o := range mountOptions {
		kinds := 0
		for _, set := range []bool{o.flag != 0, o.attr != 0 || o.atime, o.idmap != noIDMap, o.propagation != 0, o.copyUp} {
			if set {
				kinds++
			}
		}
		if kinds > 1 || (kinds == 0 && name != "defaults") {
			t.Errorf("%q: %+v", name, o)
		}
		if unsupportedOptions[name] {
			t.Errorf("%q is both a row and unsupported", name)
		}
	}
}

func TestPropagationFlags(t *testing.T) {
	for name, want := range map[string]uintptr{
		"private": unix.MS_PRIVATE, "rprivate": unix.MS_PRIVATE | unix.MS_REC,
		"shared": unix.MS_SHARED, "rshared": unix.MS_SHARED | unix.MS_REC,
		"slave": unix.MS_SLAVE, "rslave": unix.MS_SLAVE | unix.MS_REC,
		"unbindable": unix.MS_UNBINDABLE, "runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
	} {
		got, err := PropagationFlags(name)
		if err != nil || got != want {
			t.Errorf("PropagationFlags(%q) = %#x, %v; want %#x", name, got, err, want)
		}
	}
	for _, bad := range []string{"", "rec", "Private", "ro", "sideways"} {
		if _, err := PropagationFlags(bad); err == nil {
			t.Errorf("PropagationFlags(%q) succeeded", bad)
		}
	}
}

func TestCleanDest(t *testing.T) {
	for in, want := range map[string]string{
		"/proc": "/proc", "proc": "/proc", "/dev/../etc/": "/etc", "../../etc": "/etc", "//a//b/": "/a/b", "/": "/",
	} {
		if got := cleanDest(in); got != want {
			t.Errorf("cleanDest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFieldError(t *testing.T) {
	err := fieldErr("/mounts/3/destination", "bad %s", "thing")
	if err.Error() != "/mounts/3/destination: bad thing" {
		t.Errorf("Error() = %q", err)
	}
	var fe *FieldError = err.(*FieldError)
	if fe.Unwrap() == nil || fe.Unwrap().Error() != "bad thing" {
		t.Errorf("Unwrap() = %v", fe.Unwrap())
	}
}

// config.md "Linux mount options": the r* options are mount_setattr(2)
// attributes, set or cleared; the last of a set/clear pair wins. The atime
// family sets bits in MOUNT_ATTR__ATIME, which attr_clr must then hold
// (mount_setattr(2)), as runc 1.5 does: MOUNT_ATTR_RELATIME is 0, so
// rrelatime and rnorelatime leave an earlier rstrictatime or rnoatime.
func TestParseRecursiveOptions(t *testing.T) {
	const atime = unix.MOUNT_ATTR__ATIME
	for _, c := range []struct {
		options  []string
		set, clr uint64
		flags    uintptr
	}{
		{[]string{"rro"}, unix.MOUNT_ATTR_RDONLY, 0, 0},
		{[]string{"rrw"}, 0, unix.MOUNT_ATTR_RDONLY, 0},
		{[]string{"rro", "rrw"}, 0, unix.MOUNT_ATTR_RDONLY, 0},
		{[]string{"rrw", "rro"}, unix.MOUNT_ATTR_RDONLY, 0, 0},
		{[]string{"rbind", "rro", "ro"}, unix.MOUNT_ATTR_RDONLY, 0, unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY},
		{[]string{"rnosuid", "rnodev", "rnoexec", "rnosymfollow", "rnodiratime"},
			unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NOSYMFOLLOW | unix.MOUNT_ATTR_NODIRATIME, 0, 0},
		{[]string{"rsuid", "rdev", "rexec", "rsymfollow", "rdiratime"},
			0, unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NOSYMFOLLOW | unix.MOUNT_ATTR_NODIRATIME, 0},
		{[]string{"rnoatime"}, unix.MOUNT_ATTR_NOATIME, atime, 0},
		{[]string{"rstrictatime"}, unix.MOUNT_ATTR_STRICTATIME, atime, 0},
		{[]string{"rrelatime"}, unix.MOUNT_ATTR_RELATIME, atime, 0},
		{[]string{"rnoatime", "ratime"}, unix.MOUNT_ATTR_RELATIME, atime, 0},
		{[]string{"rstrictatime", "rrelatime"}, unix.MOUNT_ATTR_STRICTATIME, atime, 0},
		{[]string{"rstrictatime", "rnorelatime"}, unix.MOUNT_ATTR_STRICTATIME, atime, 0},
		{[]string{"rnoatime", "rnorelatime"}, unix.MOUNT_ATTR_NOATIME, atime, 0},
		{[]string{"rstrictatime", "rnostrictatime"}, unix.MOUNT_ATTR_RELATIME, atime, 0},
		{[]string{"rnoatime", "rstrictatime", "rnostrictatime"}, unix.MOUNT_ATTR_NOATIME, atime, 0},
		{[]string{"rnoatime", "rnodiratime"}, unix.MOUNT_ATTR_NOATIME | unix.MOUNT_ATTR_NODIRATIME, atime, 0},
		// nosymfollow stays a mount(2) flag (Linux 5.10), rnosymfollow an attribute.
		{[]string{"nosymfollow"}, 0, 0, unix.MS_NOSYMFOLLOW},
	} {
		p, err := parseOptions(c.options)
		if err != nil {
			t.Fatalf("%v: %v", c.options, err)
		}
		if p.attrSet != c.set || p.attrClr != c.clr || p.flags != c.flags || p.data != "" {
			t.Errorf("%v: set=%#x clr=%#x flags=%#x data=%q, want set=%#x clr=%#x flags=%#x", c.options,
				p.attrSet, p.attrClr, p.flags, p.data, c.set, c.clr, c.flags)
		}
	}
}

// rnoatime and rstrictatime both set would be EINVAL from mount_setattr;
// rt says which options clash before anything runs.
func TestParseAtimeConflict(t *testing.T) {
	_, err := parseOptions([]string{"rbind", "rnoatime", "rstrictatime"})
	if err == nil || !strings.Contains(err.Error(), "rnoatime and rstrictatime") {
		t.Fatalf("err = %v, want the clash named", err)
	}
}

// idmap and ridmap are options, never mount data (config.md: they SHOULD
// NOT be passed to mount(2)).
func TestParseIDMapOptions(t *testing.T) {
	for o, want := range map[string]idmapMode{"idmap": idmapTop, "ridmap": idmapRecursive} {
		p, err := parseOptions([]string{"rbind", o})
		if err != nil || p.idmap != want || p.data != "" {
			t.Errorf("%s: idmap=%d data=%q err=%v, want idmap=%d", o, p.idmap, p.data, err, want)
		}
	}
}

// Every recursive option of config.md's table is implemented.
func TestRecursiveOptionsSupported(t *testing.T) {
	for _, o := range []string{"rro", "rrw", "rnosuid", "rsuid", "rnodev", "rdev", "rnoexec", "rexec",
		"rnosymfollow", "rsymfollow", "ratime", "rnoatime", "rrelatime", "rnorelatime", "rstrictatime",
		"rnostrictatime", "rdiratime", "rnodiratime", "idmap", "ridmap"} {
		if _, ok := mountOptions[o]; !ok || unsupportedOptions[o] {
			t.Errorf("%s: not in the option table", o)
		}
	}
}
