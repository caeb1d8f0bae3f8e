package criurpc

import (
	"encoding/hex"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// The expected bytes were made once by go-criu v7.2.0's rpc package and
// google.golang.org/protobuf v1.34.2's proto.Marshal, from the same
// messages (a throwaway program, not kept): the protocol CRIU reads.
var goldenReqs = []struct {
	name string
	req  Req
	hex  string
}{
	{"dump", Req{Type: ReqDump, Opts: &Opts{
		ImagesDirFd: 5, Pid: ptr(int32(4242)), LeaveRunning: ptr(true), ExtUnixSk: ptr(false),
		TCPEstablished: ptr(true), ShellJob: ptr(false), FileLocks: ptr(true), LogLevel: ptr(int32(4)),
		LogFile: ptr("dump.log"), Ps: &PageServerInfo{Address: ptr("10.0.0.1"), Port: ptr(int32(1234))},
		NotifyScripts: ptr(true), Root: ptr("/run/rt/c1/rootfs"), ParentImg: ptr("../pre"), TrackMem: ptr(true),
		AutoDedup: ptr(false), WorkDirFd: ptr(int32(6)), LinkRemap: ptr(true),
		ExtMnt:        []ExtMountMap{{Key: "/data", Val: "/data"}, {Key: "/proc/kcore", Val: "/dev/null"}},
		ManageCgroups: ptr(true), ManageCgroupsMode: ptr(CgStrict),
		External: []string{"net[4026531840]:extRootNetNS", "/dev/pts/0"},
		EmptyNs:  ptr(uint32(0x40000000)), FreezeCgroup: ptr("/sys/fs/cgroup/rt/c1"),
		TCPSkipInFlight: ptr(true), LazyPages: ptr(false), OrphanPtsMaster: ptr(true),
	}}, "080112d7010805109221180120002801380040014804520864756d702e6c6f675a0d0a0831302e302e302e3110d20960016a112f72756e2f72742f63312f726f6f74667372062e2e2f7072657801800100880106900101ba010e0a052f6461746112052f64617461ba01180a0b2f70726f632f6b636f726512092f6465762f6e756c6cc00101900205aa021c6e65745b343032363533313834305d3a657874526f6f744e65744e53aa020a2f6465762f7074732f30b0028080808004e202142f7379732f66732f6367726f75702f72742f6331f00201800300900301"},
	{"restore", Req{Type: ReqRestore, Opts: &Opts{
		ImagesDirFd: 4, EvasiveDevices: ptr(true), LogLevel: ptr(int32(-1)), LogFile: ptr("restore.log"),
		NotifyScripts: ptr(true), Root: ptr("/run/rt/c1/rootfs"), WorkDirFd: ptr(int32(-7)),
		ExtMnt:            []ExtMountMap{{Key: "/data", Val: "/srv/data"}, {Key: "/dev/null", Val: "/dev/null"}},
		ManageCgroups:     ptr(true),
		CgRoot:            []CgroupRoot{{Ctrl: ptr(""), Path: "/rt/c1"}, {Ctrl: ptr("cpu,cpuacct"), Path: "/x"}, {Path: "/y"}},
		RstSibling:        ptr(true),
		InheritFd:         []InheritFd{{Key: "pipe:[12345]", Fd: 4}, {Key: "extRootNetNS", Fd: 7}},
		ManageCgroupsMode: ptr(CgDefault), EmptyNs: ptr(uint32(0xffffffff)),
		JoinNs:   []JoinNamespace{{Ns: "ipc", NsFile: "/proc/1/ns/ipc"}, {Ns: "uts", NsFile: "/proc/1/ns/uts"}},
		ShellJob: ptr(true), TCPEstablished: ptr(false), ExtUnixSk: ptr(false), FileLocks: ptr(false),
		AutoDedup: ptr(false), LazyPages: ptr(true), OrphanPtsMaster: ptr(true),
	}}, "0802128a0208042000280030013801400048ffffffffffffffffff01520b726573746f72652e6c6f6760016a112f72756e2f72742f63312f726f6f7466738001008801f9ffffffffffffffff01ba01120a052f6461746112092f7372762f64617461ba01160a092f6465762f6e756c6c12092f6465762f6e756c6cc00101ca010a0a0012062f72742f6331ca01110a0b6370752c6370756163637412022f78ca010412022f79d00101da01100a0c706970653a5b31323334355d1004da01100a0c657874526f6f744e65744e531007900206b002ffffffff0fba02150a03697063120e2f70726f632f312f6e732f697063ba02150a03757473120e2f70726f632f312f6e732f757473800301900301"},
	{"pre-dump, negative fd, empty page server", Req{Type: ReqPreDump, Opts: &Opts{ImagesDirFd: -1, Ps: &PageServerInfo{}}},
		"0804120d08ffffffffffffffffff015a00"},
	{"notification answer", Req{Type: ReqNotify, NotifySuccess: ptr(true)}, "08061801"},
	{"two-byte lengths", Req{Type: ReqDump, Opts: &Opts{ImagesDirFd: 3, Root: ptr(strings.Repeat("\x00", 200))}},
		"080112cd0108036ac801" + strings.Repeat("00", 200)},
}

// A request is encoded byte for byte as go-criu encoded it.
func TestMarshalGolden(t *testing.T) {
	for _, g := range goldenReqs {
		if got := hex.EncodeToString(g.req.Marshal()); got != g.hex {
			t.Errorf("%s:\n got %s\nwant %s", g.name, got, g.hex)
		}
	}
}

func mustHex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// unknownFields are fields criu_resp does not have (or not with these wire
// types), one of each wire type, a nested group among them.
const unknownFields = "" +
	"f806ffffffffffffffffff01" + // 111: varint, ten bytes
	"f906" + "0102030405060708" + // 111: fixed64
	"fd06" + "01020304" + // 111: fixed32
	"fa0603616263" + // 111: bytes
	"fb06" + "0801" + "8b07" + "1203787878" + "8c07" + "fc06" + // 111: group holding a group
	"0a0100" + // type as bytes: not the type
	"1501000000" // success as fixed32: not success

func TestUnmarshalResp(t *testing.T) {
	for _, c := range []struct {
		name, hex string
		want      Resp
	}{
		// From go-criu: a notification.
		{"notify", "080610012a0e0a09706f73742d64756d7010d209",
			Resp{Type: ReqNotify, Success: true, Notify: Notify{Script: "post-dump", Pid: 1234}}},
		// From go-criu: a failure with every other field criu_resp has
		// (dump, ps, features, cr_errmsg, version, status).
		{"failure with fields rt does not read", "080410001a02080132090a016810011802200338164204080110004a0a626164207468696e6773520c080310111a0361626332017858fbffffffffffffffff01",
			Resp{Type: ReqPreDump, CrErrno: 22}},
		{"restore", "080210012202082a", Resp{Type: ReqRestore, Success: true}},
		{"negative errno", "0801100038feffffffffffffffff01", Resp{Type: ReqDump, CrErrno: -2}},
		{"unknown fields", "08061001" + unknownFields + "2a0e0a09706f73742d64756d7010d209" + unknownFields,
			Resp{Type: ReqNotify, Success: true, Notify: Notify{Script: "post-dump", Pid: 1234}}},
		{"unknown fields in notify", "080610012a" + "41" + unknownFields + "0a01781001" + "0a0179",
			Resp{Type: ReqNotify, Success: true, Notify: Notify{Script: "y", Pid: 1}}},
		// A field seen twice: the last value; a message: merged.
		{"repeated fields", "0801080610001001" + "2a030a0161" + "2a021005",
			Resp{Type: ReqNotify, Success: true, Notify: Notify{Script: "a", Pid: 5}}},
		{"unknown type", "086310013800", Resp{Type: 99, Success: true}},
	} {
		var r Resp
		if err := r.Unmarshal(mustHex(t, c.hex)); err != nil {
			t.Errorf("%s: %v", c.name, err)
		} else if r != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, r, c.want)
		}
	}
}

func TestUnmarshalRespErrors(t *testing.T) {
	for _, c := range []struct{ name, hex string }{
		{"empty", ""},
		{"no success", "0806"},
		{"no type", "1001"},
		{"truncated varint", "08061080"},
		{"truncated length", "080610012a0e0a09706f7374"},
		{"truncated fixed64", "08061001f9060102"},
		{"truncated fixed32", "08061001fd0601"},
		{"varint over 64 bits", "08ffffffffffffffffff02" + "1001"},
		{"varint of eleven bytes", "08ffffffffffffffffffff01" + "1001"},
		{"field number 0", "0006" + "08061001"},
		{"field number 2^29", "8080808010" + "00" + "08061001"},
		{"wire type 6", "0e" + "08061001"},
		{"end group alone", "08061001" + "fc06"},
		{"group not ended", "08061001" + "fb060801"},
		{"group ended by another", "08061001" + "fb06" + "8c07"},
		{"bad notify", "080610012a020a05"},
	} {
		var r Resp
		if err := r.Unmarshal(mustHex(t, c.hex)); err == nil {
			t.Errorf("%s: no error, got %+v", c.name, r)
		}
	}
}

// marshalResp encodes a response as CRIU would (for the round trips).
func marshalResp(r Resp) []byte {
	var e encoder
	e.int32(1, int32(r.Type))
	e.bool(2, r.Success)
	var n encoder
	n.string(1, r.Notify.Script)
	n.int32(2, r.Notify.Pid)
	e.bytes(5, n)
	e.int32(7, r.CrErrno)
	return e
}

func TestRespRoundTrip(t *testing.T) {
	for _, r := range []Resp{
		{},
		{Type: ReqNotify, Success: true, Notify: Notify{Script: "network-lock", Pid: 1<<31 - 1}},
		{Type: ReqRestore, Notify: Notify{Script: strings.Repeat("é", 300), Pid: -1 << 31}, CrErrno: -1},
		{Type: -3, Success: true, CrErrno: 1 << 30},
	} {
		var got Resp
		if err := got.Unmarshal(marshalResp(r)); err != nil || got != r {
			t.Errorf("%+v: got %+v, %v", r, got, err)
		}
	}
}

// The names libct's error messages use ("criu pre-dump failed").
func TestReqTypeString(t *testing.T) {
	for typ, want := range map[ReqType]string{ReqDump: "DUMP", ReqPreDump: "PRE_DUMP", ReqRestore: "RESTORE",
		ReqNotify: "NOTIFY", ReqSinglePreDump: "SINGLE_PRE_DUMP", 14: "14", -1: "-1"} {
		if got := typ.String(); got != want {
			t.Errorf("%d: %q, want %q", typ, got, want)
		}
	}
}
