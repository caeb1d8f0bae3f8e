package cgroupsfs

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// deviceProgramCases are device states with the program cilium/ebpf's asm
// encoded for them (asm.Instructions.Marshal, little-endian), the encoder
// rt used before its own: one line for the loads, one per exception block,
// one for the default.
var deviceProgramCases = []struct {
	name   string
	state  deviceState
	golden string
}{{
	name: "default deny, exceptions with and without numbers",
	state: deviceState{exceptions: []exception{
		{typ: 'c', major: 1, minor: 3, access: accessMknod | accessRead | accessWrite},
		{typ: 'c', major: -1, minor: -1, access: accessMknod},
		{typ: 'b', major: 8, minor: -1, access: accessRead},
		{typ: 'c', major: -1, minor: 5, access: accessRead | accessWrite},
		{typ: 'b', major: 259, minor: 65536, access: accessWrite},
	}},
	golden: `
		6112000000000000 bc23000000000000 54030000ffff0000 bc24000000000000 7404000010000000 6115040000000000 6116080000000000
		5603070002000000 5605060001000000 5606050003000000 bc47000000000000 5407000000000000 5607020000000000 b400000001000000 9500000000000000
		5603050002000000 bc47000000000000 5407000006000000 5607020000000000 b400000001000000 9500000000000000
		5603060001000000 5605050008000000 bc47000000000000 5407000005000000 5607020000000000 b400000001000000 9500000000000000
		5603060002000000 5606050005000000 bc47000000000000 5407000001000000 5607020000000000 b400000001000000 9500000000000000
		5603070001000000 5605060003010000 5606050000000100 bc47000000000000 5407000003000000 5607020000000000 b400000001000000 9500000000000000
		b400000000000000 9500000000000000`,
}, {
	name: "default allow, two denied",
	state: deviceState{defaultAllow: true, exceptions: []exception{
		{typ: 'c', major: 1, minor: 5, access: accessRead},
		{typ: 'b', major: -1, minor: -1, access: accessWrite | accessMknod},
	}},
	golden: `
		6112000000000000 bc23000000000000 54030000ffff0000 bc24000000000000 7404000010000000 6115040000000000 6116080000000000
		5603070002000000 5605060001000000 5606050005000000 bc47000000000000 5407000002000000 1607020000000000 b400000000000000 9500000000000000
		5603050001000000 bc47000000000000 5407000005000000 1607020000000000 b400000000000000 9500000000000000
		b400000001000000 9500000000000000`,
}, {
	name:  "default allow, nothing else",
	state: deviceState{defaultAllow: true},
	golden: `
		6112000000000000 bc23000000000000 54030000ffff0000 bc24000000000000 7404000010000000 6115040000000000 6116080000000000
		b400000001000000 9500000000000000`,
}, {
	name:  "rt's defaults (DefaultDeviceRules)",
	state: emulate(defaultRules()),
	golden: `
		6112000000000000 bc23000000000000 54030000ffff0000 bc24000000000000 7404000010000000 6115040000000000 6116080000000000
		5603050002000000 bc47000000000000 5407000006000000 5607020000000000 b400000001000000 9500000000000000
		5603050001000000 bc47000000000000 5407000006000000 5607020000000000 b400000001000000 9500000000000000
		5603070002000000 5605060001000000 5606050003000000 bc47000000000000 5407000000000000 5607020000000000 b400000001000000 9500000000000000
		5603070002000000 5605060001000000 5606050008000000 bc47000000000000 5407000000000000 5607020000000000 b400000001000000 9500000000000000
		5603070002000000 5605060001000000 5606050007000000 bc47000000000000 5407000000000000 5607020000000000 b400000001000000 9500000000000000
		5603070002000000 5605060005000000 5606050000000000 bc47000000000000 5407000000000000 5607020000000000 b400000001000000 9500000000000000
		5603070002000000 5605060001000000 5606050005000000 bc47000000000000 5407000000000000 5607020000000000 b400000001000000 9500000000000000
		5603070002000000 5605060001000000 5606050009000000 bc47000000000000 5407000000000000 5607020000000000 b400000001000000 9500000000000000
		5603060002000000 5605050088000000 bc47000000000000 5407000000000000 5607020000000000 b400000001000000 9500000000000000
		5603070002000000 5605060005000000 5606050002000000 bc47000000000000 5407000000000000 5607020000000000 b400000001000000 9500000000000000
		5603070002000000 560506000a000000 56060500c8000000 bc47000000000000 5407000000000000 5607020000000000 b400000001000000 9500000000000000
		b400000000000000 9500000000000000`,
}}

// insnBytes is the program as the kernel reads it.
func insnBytes(insns []bpfInsn) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(&insns[0])), len(insns)*int(unsafe.Sizeof(insns[0])))
}

func TestDeviceProgramGolden(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the golden programs are little-endian")
	}
	for _, c := range deviceProgramCases {
		got := hex.EncodeToString(insnBytes(deviceProgram(c.state)))
		want := strings.Join(strings.Fields(c.golden), "")
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, want)
		}
	}
}

// The attrs as include/uapi/linux/bpf.h lays out union bpf_attr.
func TestBPFAttrLayout(t *testing.T) {
	var l bpfProgLoadAttr
	var a bpfProgAttachAttr
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"sizeof(bpf_insn)", unsafe.Sizeof(bpfInsn{}), 8},
		{"prog load: insns", unsafe.Offsetof(l.insns), 8},
		{"prog load: log_buf", unsafe.Offsetof(l.logBuf), 32},
		{"prog load: prog_name", unsafe.Offsetof(l.progName), 48},
		{"prog load: expected_attach_type", unsafe.Offsetof(l.expectedAttachType), 68},
		{"prog load: size", unsafe.Sizeof(l), 72},
		{"prog attach: replace_bpf_fd", unsafe.Offsetof(a.replaceBpfFd), 16},
		{"prog attach: expected_revision", unsafe.Offsetof(a.expectedRevision), 24},
		{"prog attach: size", unsafe.Sizeof(a), 32},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}

// requireBPF skips unless this process may load BPF programs.
func requireBPF(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to load BPF programs")
	}
	_, err := loadDeviceProgram(deviceProgram(deviceState{defaultAllow: true}))
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) || errors.Is(err, unix.EINVAL) {
		t.Skipf("no BPF_PROG_TYPE_CGROUP_DEVICE programs here: %v", err)
	}
}

// The kernel's verifier takes every program the encoder writes.
func TestKernelLoadDeviceProgram(t *testing.T) {
	requireBPF(t)
	for _, c := range deviceProgramCases {
		fd, err := loadDeviceProgram(deviceProgram(c.state))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		unix.Close(fd)
	}
}

// A program the verifier refuses says why: R0 is never set.
func TestKernelLoadVerifierError(t *testing.T) {
	requireBPF(t)
	var a bpfAssembler
	a.emit(opExit, 0, 0, 0, 0)
	fd, err := loadDeviceProgram(a.program())
	if err == nil {
		unix.Close(fd)
		t.Fatal("the verifier took a program that returns nothing")
	}
	if !errors.Is(err, unix.EACCES) || !strings.Contains(err.Error(), "(verifier: R0 !read_ok)") {
		t.Errorf("err = %v, want EACCES with the verifier's reason", err)
	}
}

func TestVerifierReason(t *testing.T) {
	for log, want := range map[string]string{
		"": "",
		"processed 1 insns (limit 1000000)\n\x00\x00":                                                  "",
		"0: (95) exit\nR0 !read_ok\nprocessed 1 insns (limit 1000000) max_states_per_insn 0\n\x00junk": "R0 !read_ok",
		"15: (61) r0 = *(u32 *)(r1 +64)\ninvalid bpf_context access off=64 size=4\n":                   "invalid bpf_context access off=64 size=4",
	} {
		if got := verifierReason([]byte(log)); got != want {
			t.Errorf("verifierReason(%q) = %q, want %q", log, got, want)
		}
	}
}
