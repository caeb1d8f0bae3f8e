package nsenter

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Op is one operation of the plan. Field is not sent to the C stage: it is
// the JSON pointer of the config field the op comes from, used to word the
// error when the op fails.
type Op struct {
	Code  Code
	Flags uint32
	Args  [3]int64
	Strs  [4]string // "" is sent as "no string", which the C stage reads as ""
	Field string
}

// Plan is the ordered list of operations for one C stage run.
type Plan struct {
	Ops   []Op
	Flags uint32 // Plan* (plan.h RT_PLAN_F_*), in the header
}

// Add appends ops to the plan.
func (p *Plan) Add(ops ...Op) { p.Ops = append(p.Ops, ops...) }

// Encode renders the plan in plan.h's layout: header, ops, string table.
func (p *Plan) Encode() []byte {
	var table []byte
	offsets := map[string]uint32{}
	strOffset := func(s string) uint32 {
		if s == "" {
			return strNone // the C stage reads it as ""
		}
		if off, ok := offsets[s]; ok {
			return off
		}
		off := uint32(len(table))
		table = append(append(table, s...), 0)
		offsets[s] = off
		return off
	}
	ops := make([]byte, 0, len(p.Ops)*opSize)
	for _, op := range p.Ops {
		ops = binary.LittleEndian.AppendUint32(ops, uint32(op.Code))
		ops = binary.LittleEndian.AppendUint32(ops, op.Flags)
		for _, a := range op.Args {
			ops = binary.LittleEndian.AppendUint64(ops, uint64(a))
		}
		for _, s := range op.Strs {
			ops = binary.LittleEndian.AppendUint32(ops, strOffset(s))
		}
	}
	out := make([]byte, 0, headerSize+len(ops)+len(table))
	out = binary.LittleEndian.AppendUint32(out, planMagic)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(p.Ops)))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(table)))
	out = binary.LittleEndian.AppendUint32(out, p.Flags)
	return append(append(out, ops...), table...)
}

// Msg is one sync message between the parent and the C stage.
type Msg struct {
	Type   uint32
	Value  int32
	Op     uint32
	Err    int32
	Detail string
}

// DecodeMsg parses a message the C stage sent.
func DecodeMsg(b []byte) (Msg, error) {
	if len(b) != msgSize {
		return Msg{}, fmt.Errorf("sync message of %d bytes, want %d", len(b), msgSize)
	}
	detail := b[16 : 16+detailSize]
	if i := strings.IndexByte(string(detail), 0); i >= 0 {
		detail = detail[:i]
	}
	return Msg{
		Type:   binary.LittleEndian.Uint32(b[0:]),
		Value:  int32(binary.LittleEndian.Uint32(b[4:])),
		Op:     binary.LittleEndian.Uint32(b[8:]),
		Err:    int32(binary.LittleEndian.Uint32(b[12:])),
		Detail: string(detail),
	}, nil
}

// MsgSize is the size of every sync message, for receive buffers.
const MsgSize = msgSize

// EncodeMsg renders a message for the C stage (only MsgContinue is sent).
func EncodeMsg(m Msg) []byte {
	b := make([]byte, msgSize)
	binary.LittleEndian.PutUint32(b[0:], m.Type)
	binary.LittleEndian.PutUint32(b[4:], uint32(m.Value))
	binary.LittleEndian.PutUint32(b[8:], m.Op)
	binary.LittleEndian.PutUint32(b[12:], uint32(m.Err))
	copy(b[16:16+detailSize-1], m.Detail)
	return b
}
