package cgroupsfs

import (
	"fmt"
	"os"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// The device types in bpf_cgroup_dev_ctx.access_type's low 16 bits.
const (
	bpfDevBlock = 1
	bpfDevChar  = 2
)

// deviceProgram compiles a device state into a BPF_PROG_TYPE_CGROUP_DEVICE
// program. Its context is struct bpf_cgroup_dev_ctx { u32 access_type
// (access << 16 | type); u32 major; u32 minor; }; it returns 1 to allow the
// access and 0 to refuse it. Each exception is one block that jumps to the
// next unless the device matches; the last block returns the default:
//
//	default deny:  allow if (type, major, minor) match and access ⊆ exception
//	default allow: deny  if (type, major, minor) match and access ∩ exception ≠ ∅
//
// which is what the v1 kernel answers for the same rules (deviceState.allows).
func deviceProgram(st deviceState) asm.Instructions {
	insns := asm.Instructions{
		asm.LoadMem(asm.R2, asm.R1, 0, asm.Word),
		asm.Mov.Reg32(asm.R3, asm.R2),
		asm.And.Imm32(asm.R3, 0xFFFF), // R3: type
		asm.Mov.Reg32(asm.R4, asm.R2),
		asm.RSh.Imm32(asm.R4, 16),                // R4: access
		asm.LoadMem(asm.R5, asm.R1, 4, asm.Word), // R5: major
		asm.LoadMem(asm.R6, asm.R1, 8, asm.Word), // R6: minor
	}
	label := func(i int) string { return fmt.Sprintf("exception%d", i) }
	for i, e := range st.exceptions {
		next := label(i + 1)
		typ := int32(bpfDevChar)
		if e.typ == 'b' {
			typ = bpfDevBlock
		}
		block := asm.Instructions{asm.JNE.Imm32(asm.R3, typ, next)}
		if e.major >= 0 {
			block = append(block, asm.JNE.Imm32(asm.R5, int32(uint32(e.major)), next))
		}
		if e.minor >= 0 {
			block = append(block, asm.JNE.Imm32(asm.R6, int32(uint32(e.minor)), next))
		}
		block = append(block, asm.Mov.Reg32(asm.R7, asm.R4))
		if st.defaultAllow {
			block = append(block, asm.And.Imm32(asm.R7, int32(e.access)), asm.JEq.Imm32(asm.R7, 0, next))
		} else {
			block = append(block, asm.And.Imm32(asm.R7, int32(^e.access&7)), asm.JNE.Imm32(asm.R7, 0, next))
		}
		block = append(block, asm.Mov.Imm32(asm.R0, verdict(!st.defaultAllow)), asm.Return())
		block[0] = block[0].WithSymbol(label(i))
		insns = append(insns, block...)
	}
	return append(insns,
		asm.Mov.Imm32(asm.R0, verdict(st.defaultAllow)).WithSymbol(label(len(st.exceptions))),
		asm.Return())
}

func verdict(allow bool) int32 {
	if allow {
		return 1
	}
	return 0
}

// attachDeviceFilter loads the program for st and attaches it to the
// cgroup2 directory dir (BPF_F_ALLOW_MULTI, as runc does, so that programs
// of ancestors keep applying). The attachment holds the program: nothing
// needs pinning, and it goes with the cgroup.
func (h *Host) attachDeviceFilter(dir string, st deviceState) error {
	if h.deviceFilter != nil {
		return h.deviceFilter(dir, st)
	}
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         ebpf.CGroupDevice,
		Instructions: deviceProgram(st),
		License:      "Apache",
	})
	if err != nil {
		return fmt.Errorf("load the device cgroup program: %w", err)
	}
	defer prog.Close()
	f, err := os.OpenFile(dir, unix.O_DIRECTORY|os.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	err = link.RawAttachProgram(link.RawAttachProgramOptions{
		Target: int(f.Fd()), Program: prog, Attach: ebpf.AttachCGroupDevice, Flags: unix.BPF_F_ALLOW_MULTI,
	})
	if err != nil {
		return fmt.Errorf("attach the device cgroup program to %s: %w", dir, err)
	}
	return nil
}
