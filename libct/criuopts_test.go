package libct

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/rt-runtime/rt/internal/criurpc"
)

// val is what an optional field holds (the zero value when it is not set).
func val[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// runc's flags map to CRIU's RPC options as runc maps them
// (libcontainer/criu_linux.go).
func TestCriuRPCOptsDump(t *testing.T) {
	o := CriuOptions{LeaveRunning: true, TCPEstablished: true, ExtUnixSk: true, ShellJob: true, FileLocks: true,
		AutoDedup: true, LazyPages: true, ParentPath: "../pre", ManageCgroupsMode: "strict", EmptyNs: []string{"network"},
		PageServer: "10.0.0.1:1234", TCPSkipInFlight: true, LinkRemap: true}
	opts, err := criuRPCOpts(o, false)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"leave_running", val(opts.LeaveRunning), true},
		{"tcp_established", val(opts.TCPEstablished), true},
		{"ext_unix_sk", val(opts.ExtUnixSk), true},
		{"shell_job", val(opts.ShellJob), true},
		{"file_locks", val(opts.FileLocks), true},
		{"auto_dedup", val(opts.AutoDedup), true},
		{"lazy_pages", val(opts.LazyPages), true},
		{"tcp_skip_in_flight", val(opts.TCPSkipInFlight), true},
		{"link_remap", val(opts.LinkRemap), true},
		{"parent_img", val(opts.ParentImg), "../pre"},
		{"track_mem", val(opts.TrackMem), true},
		{"manage_cgroups_mode", val(opts.ManageCgroupsMode), criurpc.CgStrict},
		{"empty_ns", val(opts.EmptyNs), uint32(unix.CLONE_NEWNET)},
		{"ps.address", val(opts.Ps.Address), "10.0.0.1"},
		{"ps.port", val(opts.Ps.Port), int32(1234)},
		{"log_file", val(opts.LogFile), "dump.log"},
		{"orphan_pts_master", val(opts.OrphanPtsMaster), true},
		{"notify_scripts", val(opts.NotifyScripts), true},
		{"rst_sibling", val(opts.RstSibling), false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestCriuRPCOptsRestore(t *testing.T) {
	opts, err := criuRPCOpts(CriuOptions{LeaveRunning: true, ParentPath: "p", ShellJob: true}, true)
	if err != nil {
		t.Fatal(err)
	}
	if !val(opts.RstSibling) || !val(opts.EvasiveDevices) || val(opts.LogFile) != "restore.log" || !val(opts.ShellJob) {
		t.Errorf("restore options: %v", opts)
	}
	// Dump-only options stay unset on restore.
	if opts.LeaveRunning != nil || opts.ParentImg != nil || opts.TrackMem != nil {
		t.Errorf("dump options in a restore: %v", opts)
	}
	if val(opts.ManageCgroupsMode) != criurpc.CgDefault {
		t.Errorf("default cgroup mode = %v", val(opts.ManageCgroupsMode))
	}
}

func TestCriuRPCOptsErrors(t *testing.T) {
	for _, o := range []CriuOptions{
		{ManageCgroupsMode: "loose"},
		{EmptyNs: []string{"pid"}},
		{PageServer: "10.0.0.1"},
		{PageServer: ":80"},
		{PageServer: "host:port"},
	} {
		if _, err := criuRPCOpts(o, false); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

// The external mount map: binds by destination (dump: key = value;
// restore: the value is the source), masked files from /dev/null, device
// nodes by path.
func TestExtMounts(t *testing.T) {
	spec := &specs.Spec{
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/data/", Type: "bind", Source: "/srv/data"},
			{Destination: "etc/../hosts", Source: "/etc/hosts", Options: []string{"rbind", "ro"}},
			{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs"},
		},
		Linux: &specs.Linux{
			MaskedPaths: []string{"/proc/kcore", "/proc/acpi", "/proc/missing"},
			Devices:     []specs.LinuxDevice{{Path: "/dev/fuse"}},
		},
	}
	format := func(m []criurpc.ExtMountMap) string {
		var s []string
		for _, e := range m {
			s = append(s, e.Key+"="+e.Val)
		}
		return strings.Join(s, " ")
	}
	maskedFile := func(p string) bool { return p == "/proc/kcore" }
	if got, want := format(extMounts(spec, false, maskedFile)), "/data=/data /dev/fuse=/dev/fuse /hosts=/hosts /proc/kcore=/dev/null"; got != want {
		t.Errorf("dump: %s, want %s", got, want)
	}
	if got, want := format(extMounts(spec, true, nil)), "/data=/srv/data /dev/fuse=/dev/fuse /dev/null=/dev/null /hosts=/etc/hosts"; got != want {
		t.Errorf("restore: %s, want %s", got, want)
	}
}

// --parent-path is relative to --image-path and must be a directory there.
func TestCheckParentPath(t *testing.T) {
	img := t.TempDir()
	os.Mkdir(filepath.Join(img, "pre"), 0o700)
	os.WriteFile(filepath.Join(img, "file"), nil, 0o600)
	if err := CheckParentPath(img, ""); err != nil {
		t.Error(err)
	}
	if err := CheckParentPath(img, "pre"); err != nil {
		t.Error(err)
	}
	for _, p := range []string{"/abs", "missing", "file"} {
		if err := CheckParentPath(img, p); err == nil {
			t.Errorf("%s: no error", p)
		}
	}
}

// A failed dump takes back what it added to the image dir, or the dir
// itself when it made it.
func TestImageDirUndo(t *testing.T) {
	base := t.TempDir()
	made := filepath.Join(base, "new")
	d, err := openImageDir(made, true)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(made, "pages-1.img"), nil, 0o600)
	d.Close()
	d.undo()
	if _, err := os.Stat(made); !os.IsNotExist(err) {
		t.Errorf("made dir left: %v", err)
	}
	kept := filepath.Join(base, "old")
	os.Mkdir(kept, 0o700)
	os.WriteFile(filepath.Join(kept, "mine"), nil, 0o600)
	d, err = openImageDir(kept, true)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(kept, "core-1.img"), nil, 0o600)
	os.WriteFile(filepath.Join(kept, "dump.log"), nil, 0o600)
	d.Close()
	d.undo()
	names, _ := os.ReadDir(kept)
	var got []string
	for _, n := range names {
		got = append(got, n.Name())
	}
	if strings.Join(got, " ") != "dump.log mine" {
		t.Errorf("left in the user's dir: %v", got)
	}
}

func TestFirstErrorLine(t *testing.T) {
	log := "(00.001) Version: 3.17\n(00.013) Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds\n(00.014) Error (b)\n"
	if got := firstErrorLine([]byte(log)); got != "Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds" {
		t.Errorf("got %q", got)
	}
}
