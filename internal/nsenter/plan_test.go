package nsenter

import (
	"bytes"
	"encoding/binary"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// The layout is plan.h's; these literal numbers guard against a change of
// plan.h that the Go side would follow silently (cgo reads the header).
func TestLayoutConstants(t *testing.T) {
	if planMagic != 0x31505452 || string([]byte{0x52, 0x54, 0x50, 0x31}) != "RTP1" {
		t.Errorf("planMagic = %#x, want 0x31505452 (\"RTP1\")", planMagic)
	}
	if strNone != 0xffffffff {
		t.Errorf("strNone = %#x", strNone)
	}
	if headerSize != 16 || opSize != 48 || msgSize != 16+detailSize || MsgSize != msgSize {
		t.Errorf("headerSize=%d opSize=%d msgSize=%d MsgSize=%d, want 16, 48, 272, 272", headerSize, opSize, msgSize, MsgSize)
	}
}

type rawOp struct {
	code, flags uint32
	args        [3]int64
	strs        [4]uint32
}

func decodePlan(t *testing.T, b []byte) (magic, nops, strLen, reserved uint32, ops []rawOp, table []byte) {
	t.Helper()
	le := binary.LittleEndian
	if len(b) < headerSize {
		t.Fatalf("plan of %d bytes", len(b))
	}
	magic, nops, strLen, reserved = le.Uint32(b), le.Uint32(b[4:]), le.Uint32(b[8:]), le.Uint32(b[12:])
	if want := headerSize + int(nops)*opSize + int(strLen); len(b) != want {
		t.Fatalf("plan of %d bytes, header says %d", len(b), want)
	}
	for i := 0; i < int(nops); i++ {
		o := b[headerSize+i*opSize:]
		var r rawOp
		r.code, r.flags = le.Uint32(o), le.Uint32(o[4:])
		for j := range r.args {
			r.args[j] = int64(le.Uint64(o[8+8*j:]))
		}
		for j := range r.strs {
			r.strs[j] = le.Uint32(o[32+4*j:])
		}
		ops = append(ops, r)
	}
	return magic, nops, strLen, reserved, ops, b[headerSize+int(nops)*opSize:]
}

// str reads a NUL-terminated string of the table, as the C stage does.
func str(t *testing.T, table []byte, off uint32) string {
	t.Helper()
	if off == strNone {
		return ""
	}
	if int(off) >= len(table) {
		t.Fatalf("string offset %d outside a table of %d bytes", off, len(table))
	}
	end := bytes.IndexByte(table[off:], 0)
	if end < 0 {
		t.Fatalf("string at %d is not NUL-terminated", off)
	}
	return string(table[off : int(off)+end])
}

func TestEncodeLayout(t *testing.T) {
	var p Plan
	p.Add(
		Op{Code: OpSetns, Strs: [4]string{"/proc/1/ns/net"}, Args: [3]int64{0x40000000}, Field: "/linux/namespaces/0/path"},
		Op{Code: OpMount, Flags: FlagInRoot | FlagSkipMissing, Strs: [4]string{"proc", "/proc", "proc", ""}, Args: [3]int64{-1, 1 << 40, 7}},
		Op{Code: OpMount, Strs: [4]string{"", "/proc", "", ""}, Args: [3]int64{0x40000}},
		Op{Code: OpExec},
	)
	b := p.Encode()
	magic, nops, strLen, reserved, ops, table := decodePlan(t, b)
	if magic != planMagic || !bytes.Equal(b[:4], []byte("RTP1")) {
		t.Errorf("magic %#x (%q), want RTP1", magic, b[:4])
	}
	if nops != 4 || reserved != 0 {
		t.Errorf("nops=%d reserved=%d, want 4 and 0", nops, reserved)
	}
	// "proc" and "/proc" once each, though used four times; "" not at all.
	wantTable := "/proc/1/ns/net\x00proc\x00/proc\x00"
	if string(table) != wantTable || int(strLen) != len(wantTable) {
		t.Errorf("string table %q (len %d), want %q", table, strLen, wantTable)
	}
	if ops[0].code != uint32(OpSetns) || ops[0].flags != 0 || ops[0].args[0] != 0x40000000 {
		t.Errorf("op 0 = %+v", ops[0])
	}
	if got := str(t, table, ops[0].strs[0]); got != "/proc/1/ns/net" {
		t.Errorf("op 0 str0 = %q", got)
	}
	for j := 1; j < 4; j++ {
		if ops[0].strs[j] != 0xffffffff {
			t.Errorf("op 0 str%d = %#x, want 0xffffffff (no string)", j, ops[0].strs[j])
		}
	}
	if ops[1].flags != FlagInRoot|FlagSkipMissing || ops[1].args != [3]int64{-1, 1 << 40, 7} {
		t.Errorf("op 1 = %+v", ops[1])
	}
	if ops[1].strs[0] != ops[1].strs[2] {
		t.Errorf("identical strings \"proc\" not shared: offsets %d and %d", ops[1].strs[0], ops[1].strs[2])
	}
	if ops[1].strs[1] != ops[2].strs[1] {
		t.Errorf("identical strings \"/proc\" not shared across ops: %d and %d", ops[1].strs[1], ops[2].strs[1])
	}
	if ops[1].strs[3] != strNone || ops[2].strs[0] != strNone {
		t.Errorf("\"\" not encoded as no string: %#x %#x", ops[1].strs[3], ops[2].strs[0])
	}
	for j, s := range []string{"proc", "/proc", "proc", ""} {
		if got := str(t, table, ops[1].strs[j]); got != s {
			t.Errorf("op 1 str%d = %q, want %q", j, got, s)
		}
	}
	if ops[3].code != uint32(OpExec) || ops[3].strs != [4]uint32{strNone, strNone, strNone, strNone} {
		t.Errorf("op 3 = %+v", ops[3])
	}
}

func TestEncodeEmpty(t *testing.T) {
	var p Plan
	b := p.Encode()
	if len(b) != headerSize {
		t.Fatalf("empty plan of %d bytes", len(b))
	}
	magic, nops, strLen, _, _, _ := decodePlan(t, b)
	if magic != planMagic || nops != 0 || strLen != 0 {
		t.Errorf("empty plan header: magic=%#x nops=%d strings=%d", magic, nops, strLen)
	}
}

// Strings that are prefixes of one another each get their own entry.
func TestEncodePrefixStrings(t *testing.T) {
	var p Plan
	p.Add(Op{Code: OpArg, Strs: [4]string{"ab"}}, Op{Code: OpArg, Strs: [4]string{"a"}})
	_, _, _, _, ops, table := decodePlan(t, p.Encode())
	if str(t, table, ops[0].strs[0]) != "ab" || str(t, table, ops[1].strs[0]) != "a" {
		t.Errorf("table %q, offsets %d %d", table, ops[0].strs[0], ops[1].strs[0])
	}
}

func TestMsgRoundTrip(t *testing.T) {
	for _, m := range []Msg{
		{Type: MsgContinue},
		{Type: MsgPid, Value: 4242},
		{Type: MsgError, Value: -1, Op: 17, Err: 13, Detail: "/proc/sys/net"},
		{Type: MsgError, Op: 0xfffffffe, Err: -22, Detail: strings.Repeat("x", detailSize-1)},
	} {
		b := EncodeMsg(m)
		if len(b) != MsgSize {
			t.Fatalf("EncodeMsg gave %d bytes, want %d", len(b), MsgSize)
		}
		got, err := DecodeMsg(b)
		if err != nil {
			t.Fatal(err)
		}
		if got != m {
			t.Errorf("round trip: got %+v, want %+v", got, m)
		}
	}
}

func TestMsgLayout(t *testing.T) {
	b := EncodeMsg(Msg{Type: MsgError, Value: -2, Op: 3, Err: 2, Detail: "abc"})
	le := binary.LittleEndian
	if le.Uint32(b) != MsgError || int32(le.Uint32(b[4:])) != -2 || le.Uint32(b[8:]) != 3 || le.Uint32(b[12:]) != 2 {
		t.Errorf("header fields: % x", b[:16])
	}
	if string(b[16:20]) != "abc\x00" {
		t.Errorf("detail: %q", b[16:20])
	}
}

func TestMsgDetailTruncated(t *testing.T) {
	// The detail always keeps a terminating NUL for the C side.
	long := strings.Repeat("y", detailSize+10)
	b := EncodeMsg(Msg{Type: MsgError, Detail: long})
	if b[len(b)-1] != 0 {
		t.Error("detail fills the buffer without a NUL")
	}
	m, err := DecodeMsg(b)
	if err != nil {
		t.Fatal(err)
	}
	if m.Detail != long[:detailSize-1] {
		t.Errorf("detail of %d bytes, want %d", len(m.Detail), detailSize-1)
	}
	// A C stage that filled all 256 bytes: Go still reads them all.
	full := EncodeMsg(Msg{Type: MsgError})
	copy(full[16:], strings.Repeat("z", detailSize))
	m, err = DecodeMsg(full)
	if err != nil || len(m.Detail) != detailSize {
		t.Errorf("DecodeMsg(full detail) = %d bytes, %v", len(m.Detail), err)
	}
}

func TestDecodeMsgWrongSize(t *testing.T) {
	for _, n := range []int{0, 16, msgSize - 1, msgSize + 1} {
		if _, err := DecodeMsg(make([]byte, n)); err == nil {
			t.Errorf("DecodeMsg(%d bytes) succeeded", n)
		}
	}
}

// declaredCodes reads plan.h's enum rt_op_code: every OP_* before
// OP_CODE_MAX, with its value.
func declaredCodes(t *testing.T) map[string]uint32 {
	t.Helper()
	codes := map[string]uint32{}
	for name, v := range headerEnum(t, readFile(t, "plan.h"), "rt_op_code") {
		if name != "OP_CODE_MAX" {
			codes[name] = uint32(v)
		}
	}
	if len(codes) == 0 {
		t.Fatal("no op codes found in plan.h")
	}
	return codes
}

// goCodes reads stage_cgo.go: every Go constant of type Code and the C
// name it is defined from.
func goCodes(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "stage_cgo.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Code" {
				continue
			}
			for i, n := range vs.Names {
				sel, ok := vs.Values[i].(*ast.SelectorExpr)
				if !ok {
					t.Errorf("%s is not defined from a C constant", n.Name)
					continue
				}
				out[sel.Sel.Name] = n.Name
			}
		}
	}
	return out
}

// TestEveryCodeHasAName: `rt plan` and error messages never show "opN".
func TestEveryCodeHasAName(t *testing.T) {
	declared := declaredCodes(t)
	goNames := goCodes(t)
	seen := map[string]string{}
	for cName, v := range declared {
		if _, ok := goNames[cName]; !ok {
			t.Errorf("plan.h's %s has no Go constant in stage_cgo.go", cName)
		}
		name := Code(v).Name()
		if name == "" || name == "op"+strconv.Itoa(int(v)) {
			t.Errorf("%s (%d) has no name: %q", cName, v, name)
		}
		if other, dup := seen[name]; dup {
			t.Errorf("%s and %s share the name %q", cName, other, name)
		}
		seen[name] = cName
	}
	for cName := range goNames {
		if _, ok := declared[cName]; !ok {
			t.Errorf("Go constant from C.%s, which plan.h's enum does not declare", cName)
		}
	}
	if len(opNames) != len(declared) {
		t.Errorf("opNames has %d entries, plan.h declares %d codes", len(opNames), len(declared))
	}
	if got := Code(0).Name(); got != "op0" {
		t.Errorf("Code(0).Name() = %q, want the op0 fallback", got)
	}
}

// The Go constants have the values of plan.h (spot checks by value; the
// test above checks names).
func TestCodeValues(t *testing.T) {
	declared := declaredCodes(t)
	for cName, c := range map[string]Code{
		"OP_SETNS": OpSetns, "OP_FORK": OpFork, "OP_MOUNT": OpMount, "OP_PIVOT_ROOT": OpPivotRoot,
		"OP_EXEC": OpExec, "OP_MASK": OpMask, "OP_KEYRING": OpKeyring,
	} {
		if declared[cName] != uint32(c) {
			t.Errorf("%s = %d in plan.h, %d in Go", cName, declared[cName], c)
		}
	}
}
