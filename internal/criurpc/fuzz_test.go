package criurpc

import (
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// wellFormed says, by the protobuf runtime's own wire reader, whether b is
// a sequence of well-formed fields (with field numbers a message may have).
func wellFormed(b []byte) bool {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || num > protowire.MaxValidNumber {
			return false
		}
		b = b[n:]
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return false
		}
		b = b[n:]
	}
	return true
}

// FuzzUnmarshalResp: decoding never panics; it reads a message's fields
// exactly when the protobuf runtime's wire reader does; what it decodes
// encodes back to the same response.
func FuzzUnmarshalResp(f *testing.F) {
	for _, s := range []string{
		"080610012a0e0a09706f73742d64756d7010d209",
		"080410001a02080132090a016810011802200338164204080110004a0a626164207468696e6773520c080310111a0361626332017858fbffffffffffffffff01",
		"080210012202082a",
		"0801100038feffffffffffffffff01",
		"08061001" + unknownFields,
		"08061001fb060801",
	} {
		f.Add(mustHex(f, s))
	}
	for _, g := range goldenReqs {
		f.Add(g.req.Marshal())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Resp
		err := r.Unmarshal(b)
		fieldsOK := true
		for d := (decoder{b: b}); len(d.b) > 0; {
			if _, err := d.next(); err != nil {
				fieldsOK = false
				break
			}
		}
		if fieldsOK != wellFormed(b) {
			t.Fatalf("fields read: %v; protowire: %v", fieldsOK, !fieldsOK)
		}
		if err != nil {
			return
		}
		var again Resp
		if err := again.Unmarshal(marshalResp(r)); err != nil || again != r {
			t.Fatalf("%+v encodes to %+v, %v", r, again, err)
		}
	})
}
