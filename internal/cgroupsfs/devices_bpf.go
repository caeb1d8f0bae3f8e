package cgroupsfs

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// The device types in bpf_cgroup_dev_ctx.access_type's low 16 bits.
const (
	bpfDevBlock = 1
	bpfDevChar  = 2
)

// bpfInsn is the kernel's struct bpf_insn (include/uapi/linux/bpf.h):
// opcode, dst_reg:4 and src_reg:4 in one byte, a signed 16-bit offset
// (jumps: instructions to skip) and a signed 32-bit immediate; 8 bytes, in
// the machine's byte order, as the kernel reads them.
type bpfInsn struct {
	code uint8
	regs uint8
	off  int16
	imm  int32
}

// The eBPF registers the program uses: R0 returns, R1 holds the context.
const (
	r0 uint8 = iota
	r1
	r2
	r3
	r4
	r5
	r6
	r7
)

// The instructions the device program is made of; 32-bit ALU and JMP32
// jumps against an immediate, as cilium/ebpf's asm encoded them before.
const (
	opLoadWord = unix.BPF_LDX | unix.BPF_MEM | unix.BPF_W   // dst = *(u32 *)(src + off)
	opMovReg   = unix.BPF_ALU | unix.BPF_MOV | unix.BPF_X   // dst = src
	opMovImm   = unix.BPF_ALU | unix.BPF_MOV | unix.BPF_K   // dst = imm
	opAndImm   = unix.BPF_ALU | unix.BPF_AND | unix.BPF_K   // dst &= imm
	opRshImm   = unix.BPF_ALU | unix.BPF_RSH | unix.BPF_K   // dst >>= imm
	opJneImm   = unix.BPF_JMP32 | unix.BPF_JNE | unix.BPF_K // if dst != imm goto +off
	opJeqImm   = unix.BPF_JMP32 | unix.BPF_JEQ | unix.BPF_K // if dst == imm goto +off
	opExit     = unix.BPF_JMP | unix.BPF_EXIT               // return R0
)

// bpfAssembler collects instructions; jumps name the block they go to and
// are resolved into offsets by program.
type bpfAssembler struct {
	insns  []bpfInsn
	blocks []int // first instruction of each block
	jumps  []bpfJump
}

type bpfJump struct{ at, block int }

func (a *bpfAssembler) emit(code, dst, src uint8, off int16, imm int32) {
	regs := dst | src<<4 // the bit-field's order on little-endian machines
	if binary.NativeEndian.Uint16([]byte{0, 1}) == 1 {
		regs = dst<<4 | src
	}
	a.insns = append(a.insns, bpfInsn{code: code, regs: regs, off: off, imm: imm})
}

// block starts the next block at the next instruction.
func (a *bpfAssembler) block() { a.blocks = append(a.blocks, len(a.insns)) }

// jump emits a conditional jump on dst against imm to the start of block.
func (a *bpfAssembler) jump(code, dst uint8, imm int32, block int) {
	a.jumps = append(a.jumps, bpfJump{at: len(a.insns), block: block})
	a.emit(code, dst, 0, 0, imm)
}

// program resolves the jumps: an offset counts from the next instruction.
// Every jump goes to the following block, a few instructions on, so the
// offsets are small.
func (a *bpfAssembler) program() []bpfInsn {
	for _, j := range a.jumps {
		a.insns[j.at].off = int16(a.blocks[j.block] - j.at - 1)
	}
	return a.insns
}

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
func deviceProgram(st deviceState) []bpfInsn {
	var a bpfAssembler
	a.emit(opLoadWord, r2, r1, 0, 0)
	a.emit(opMovReg, r3, r2, 0, 0)
	a.emit(opAndImm, r3, 0, 0, 0xFFFF) // R3: type
	a.emit(opMovReg, r4, r2, 0, 0)
	a.emit(opRshImm, r4, 0, 0, 16)   // R4: access
	a.emit(opLoadWord, r5, r1, 4, 0) // R5: major
	a.emit(opLoadWord, r6, r1, 8, 0) // R6: minor
	for i, e := range st.exceptions {
		next := i + 1
		a.block()
		typ := int32(bpfDevChar)
		if e.typ == 'b' {
			typ = bpfDevBlock
		}
		a.jump(opJneImm, r3, typ, next)
		if e.major >= 0 {
			a.jump(opJneImm, r5, int32(uint32(e.major)), next)
		}
		if e.minor >= 0 {
			a.jump(opJneImm, r6, int32(uint32(e.minor)), next)
		}
		a.emit(opMovReg, r7, r4, 0, 0)
		if st.defaultAllow {
			a.emit(opAndImm, r7, 0, 0, int32(e.access))
			a.jump(opJeqImm, r7, 0, next)
		} else {
			a.emit(opAndImm, r7, 0, 0, int32(^e.access&7))
			a.jump(opJneImm, r7, 0, next)
		}
		a.emit(opMovImm, r0, 0, 0, verdict(!st.defaultAllow))
		a.emit(opExit, 0, 0, 0, 0)
	}
	a.block()
	a.emit(opMovImm, r0, 0, 0, verdict(st.defaultAllow))
	a.emit(opExit, 0, 0, 0, 0)
	return a.program()
}

func verdict(allow bool) int32 {
	if allow {
		return 1
	}
	return 0
}
