package cgroupsfs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// bpfProgLoadAttr is union bpf_attr as BPF_PROG_LOAD reads it
// (include/uapi/linux/bpf.h), up to expected_attach_type: the kernel takes
// a shorter attr and zero-fills the fields after it.
type bpfProgLoadAttr struct {
	progType           uint32
	insnCnt            uint32
	insns              uint64 // __aligned_u64 pointer to the bpfInsns
	license            uint64 // pointer to a NUL-terminated string
	logLevel           uint32
	logSize            uint32
	logBuf             uint64
	kernVersion        uint32
	progFlags          uint32
	progName           [unix.BPF_OBJ_NAME_LEN]byte
	progIfindex        uint32
	expectedAttachType uint32
}

// bpfProgAttachAttr is union bpf_attr as BPF_PROG_ATTACH reads it.
type bpfProgAttachAttr struct {
	targetFd         uint32
	attachBpfFd      uint32
	attachType       uint32
	attachFlags      uint32
	replaceBpfFd     uint32
	relativeFd       uint32
	expectedRevision uint64
}

// bpfLicense: the program calls no helper, so any license loads it.
var bpfLicense = []byte("Apache\x00")

// bpfLogSize is the verifier log asked for when a load fails.
const bpfLogSize = 256 << 10

// attachDeviceFilter loads the program for st and attaches it to the
// cgroup2 directory dir (BPF_F_ALLOW_MULTI, as runc does, so that programs
// of ancestors keep applying). The attachment holds the program: nothing
// needs pinning, and it goes with the cgroup.
func (h *Host) attachDeviceFilter(dir string, st deviceState) error {
	if h.deviceFilter != nil {
		return h.deviceFilter(dir, st)
	}
	prog, err := loadDeviceProgram(deviceProgram(st))
	if err != nil {
		return fmt.Errorf("load the device cgroup program: %w", err)
	}
	defer unix.Close(prog)
	f, err := os.OpenFile(dir, unix.O_DIRECTORY|os.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	attr := bpfProgAttachAttr{
		targetFd:    uint32(f.Fd()),
		attachBpfFd: uint32(prog),
		attachType:  unix.BPF_CGROUP_DEVICE,
		attachFlags: unix.BPF_F_ALLOW_MULTI,
	}
	if _, err := bpf(unix.BPF_PROG_ATTACH, unsafe.Pointer(&attr), unsafe.Sizeof(attr)); err != nil {
		return fmt.Errorf("attach the device cgroup program to %s: %w", dir, err)
	}
	return nil
}

// loadDeviceProgram loads insns as a BPF_PROG_TYPE_CGROUP_DEVICE program
// and returns its file descriptor (close-on-exec, as the kernel makes every
// bpf fd). When the kernel refuses it, a second load with the verifier log
// on tells why: the error is the first load's, with the verifier's reason.
func loadDeviceProgram(insns []bpfInsn) (int, error) {
	fd, err := progLoad(insns, nil)
	if err == nil {
		return fd, nil
	}
	log := make([]byte, bpfLogSize)
	if fd, err2 := progLoad(insns, log); err2 == nil {
		return fd, nil // refused once, loaded the second time
	}
	if line := verifierReason(log); line != "" {
		return -1, fmt.Errorf("%w (verifier: %s)", err, line)
	}
	return -1, err
}

// progLoad is BPF_PROG_LOAD, with the verifier's log in log if not nil;
// again when a signal interrupted the verifier (EAGAIN, since Linux 4.20).
func progLoad(insns []bpfInsn, log []byte) (int, error) {
	attr := bpfProgLoadAttr{
		progType: unix.BPF_PROG_TYPE_CGROUP_DEVICE,
		insnCnt:  uint32(len(insns)),
		insns:    uint64(uintptr(unsafe.Pointer(&insns[0]))),
		license:  uint64(uintptr(unsafe.Pointer(&bpfLicense[0]))),
	}
	if log != nil {
		attr.logLevel, attr.logSize = 1, uint32(len(log))
		attr.logBuf = uint64(uintptr(unsafe.Pointer(&log[0])))
	}
	fd, err := -1, error(unix.EAGAIN)
	for i := 0; i < 100 && errors.Is(err, unix.EAGAIN); i++ {
		fd, err = bpf(unix.BPF_PROG_LOAD, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	}
	// The kernel read them through the attr's addresses, which the garbage
	// collector does not see.
	runtime.KeepAlive(insns)
	runtime.KeepAlive(log)
	return fd, err
}

func bpf(cmd uintptr, attr unsafe.Pointer, size uintptr) (int, error) {
	r, _, errno := unix.Syscall(unix.SYS_BPF, cmd, uintptr(attr), size)
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}

// verifierReason is the log's last line before the verifier's statistics
// ("processed N insns ..."): what it refused.
func verifierReason(log []byte) string {
	if i := bytes.IndexByte(log, 0); i >= 0 {
		log = log[:i]
	}
	lines := strings.Split(strings.TrimSpace(string(log)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if !strings.HasPrefix(lines[i], "processed ") {
			return lines[i]
		}
	}
	return ""
}
