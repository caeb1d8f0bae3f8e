package libct

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	criurpc "github.com/checkpoint-restore/go-criu/v7/rpc"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

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
		{"leave_running", opts.GetLeaveRunning(), true},
		{"tcp_established", opts.GetTcpEstablished(), true},
		{"ext_unix_sk", opts.GetExtUnixSk(), true},
		{"shell_job", opts.GetShellJob(), true},
		{"file_locks", opts.GetFileLocks(), true},
		{"auto_dedup", opts.GetAutoDedup(), true},
		{"lazy_pages", opts.GetLazyPages(), true},
		{"tcp_skip_in_flight", opts.GetTcpSkipInFlight(), true},
		{"link_remap", opts.GetLinkRemap(), true},
		{"parent_img", opts.GetParentImg(), "../pre"},
		{"track_mem", opts.GetTrackMem(), true},
		{"manage_cgroups_mode", opts.GetManageCgroupsMode(), criurpc.CriuCgMode_STRICT},
		{"empty_ns", opts.GetEmptyNs(), uint32(unix.CLONE_NEWNET)},
		{"ps.address", opts.GetPs().GetAddress(), "10.0.0.1"},
		{"ps.port", opts.GetPs().GetPort(), int32(1234)},
		{"log_file", opts.GetLogFile(), "dump.log"},
		{"orphan_pts_master", opts.GetOrphanPtsMaster(), true},
		{"notify_scripts", opts.GetNotifyScripts(), true},
		{"rst_sibling", opts.GetRstSibling(), false},
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
	if !opts.GetRstSibling() || !opts.GetEvasiveDevices() || !opts.GetMntnsCompatMode() || opts.GetLogFile() != "restore.log" || !opts.GetShellJob() {
		t.Errorf("restore options: %v", opts)
	}
	// Dump-only options stay unset on restore.
	if opts.LeaveRunning != nil || opts.ParentImg != nil || opts.TrackMem != nil {
		t.Errorf("dump options in a restore: %v", opts)
	}
	if opts.GetManageCgroupsMode() != criurpc.CriuCgMode_DEFAULT {
		t.Errorf("default cgroup mode = %v", opts.GetManageCgroupsMode())
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
	format := func(m []*criurpc.ExtMountMap) string {
		var s []string
		for _, e := range m {
			s = append(s, e.GetKey()+"="+e.GetVal())
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
