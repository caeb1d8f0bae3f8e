package nsenter

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// planFromBytes turns fuzz input into a plan: each op takes a code, flags,
// three arguments and up to four strings (length-prefixed) from data.
func planFromBytes(data []byte) Plan {
	var p Plan
	take := func(n int) []byte {
		if n > len(data) {
			n = len(data)
		}
		b := data[:n]
		data = data[n:]
		return b
	}
	u64 := func() uint64 {
		var b [8]byte
		copy(b[:], take(8))
		return binary.LittleEndian.Uint64(b[:])
	}
	for len(data) > 0 && len(p.Ops) < 512 {
		head := take(2)
		op := Op{Code: Code(head[0])}
		if len(head) > 1 {
			op.Flags = uint32(head[1])
		}
		for i := range op.Args {
			op.Args[i] = int64(u64())
		}
		for i := range op.Strs {
			n := take(1)
			if len(n) == 0 {
				break
			}
			op.Strs[i] = string(take(int(n[0]) % 64))
		}
		p.Add(op)
	}
	return p
}

// checkEncoded decodes b as the C stage does (stage.c load_plan and its
// string reads) and checks it says exactly what p says: the header matches
// the size, the table is NUL-terminated, every offset is "no string" or in
// the table, and each string is there whole, followed by a NUL. (A string
// with a NUL inside reaches the C stage cut short: the builders refuse
// those, see checkNoNUL, except the seccomp program that carries its length.)
func checkEncoded(t *testing.T, p Plan, b []byte) {
	t.Helper()
	magic, nops, strLen, reserved, ops, table := decodePlan(t, b)
	if magic != planMagic || reserved != 0 || int(nops) != len(p.Ops) || int(strLen) != len(table) {
		t.Fatalf("header magic=%#x reserved=%d nops=%d strings=%d for %d ops", magic, reserved, nops, strLen, len(p.Ops))
	}
	if len(table) > 0 && table[len(table)-1] != 0 {
		t.Fatal("string table is not NUL-terminated")
	}
	for i, want := range p.Ops {
		got := ops[i]
		if got.code != uint32(want.Code) || got.flags != want.Flags || got.args != want.Args {
			t.Fatalf("op %d: decoded %+v, encoded %+v", i, got, want)
		}
		for j, s := range want.Strs {
			off := got.strs[j]
			if s == "" {
				if off != strNone {
					t.Fatalf("op %d str %d: \"\" encoded at %d, want no string", i, j, off)
				}
				continue
			}
			if off == strNone || int(off)+len(s) >= len(table) {
				t.Fatalf("op %d str %d: offset %#x outside the table of %d bytes", i, j, off, len(table))
			}
			if string(table[off:int(off)+len(s)]) != s || table[int(off)+len(s)] != 0 {
				t.Fatalf("op %d str %d: table holds %q at %d, want %q and a NUL", i, j, table[off:int(off)+len(s)], off, s)
			}
			if c, _, _ := strings.Cut(s, "\x00"); str(t, table, off) != c {
				t.Fatalf("op %d str %d: the C stage reads %q, want %q", i, j, str(t, table, off), c)
			}
		}
	}
}

// The plan codec (issue 10, section 3): whatever the plan, its encoding is
// one the C stage accepts and reads back as the same plan.
func FuzzPlanCodec(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x05\x01aaaaaaaabbbbbbbbcccccccc\x05/proc\x04proc\x00\x05/proc"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := planFromBytes(data)
		b := p.Encode()
		checkEncoded(t, p, b)
		if !bytes.Equal(p.Encode(), b) {
			t.Fatal("Encode is not deterministic")
		}
	})
}

// The sync messages: any message survives EncodeMsg and DecodeMsg (the
// detail cut at the buffer's size or its first NUL), and DecodeMsg takes
// any bytes without panicking.
func FuzzMsgCodec(f *testing.F) {
	f.Add(uint32(1), int32(-1), uint32(3), int32(2), "mount /proc", []byte{})
	f.Add(uint32(0), int32(0), uint32(0), int32(0), strings.Repeat("x", 300), make([]byte, msgSize))
	f.Fuzz(func(t *testing.T, typ uint32, value int32, op uint32, errno int32, detail string, raw []byte) {
		m := Msg{Type: typ, Value: value, Op: op, Err: errno, Detail: detail}
		got, err := DecodeMsg(EncodeMsg(m))
		if err != nil {
			t.Fatal(err)
		}
		want := m
		if len(want.Detail) > detailSize-1 {
			want.Detail = want.Detail[:detailSize-1]
		}
		want.Detail, _, _ = strings.Cut(want.Detail, "\x00")
		if got != want {
			t.Fatalf("round trip of %+v gave %+v", want, got)
		}
		if _, err := DecodeMsg(raw); (err == nil) != (len(raw) == msgSize) {
			t.Fatalf("DecodeMsg of %d bytes: %v", len(raw), err)
		}
	})
}
