package criurpc

import (
	"errors"
	"fmt"
	"math"
)

// The protobuf wire format (protobuf.dev/programming-guides/encoding):
// a message is a sequence of fields, each a tag (field number << 3 | wire
// type) as a varint, then the value.

// The wire types.
const (
	wireVarint     = 0
	wireFixed64    = 1
	wireBytes      = 2
	wireStartGroup = 3
	wireEndGroup   = 4
	wireFixed32    = 5
)

// maxField is the largest field number the wire format allows.
const maxField = 1<<29 - 1

// maxGroupDepth is how deep skipped groups may nest (the protobuf
// runtime's recursion limit).
const maxGroupDepth = 10000

var (
	errTruncated = errors.New("truncated message")
	errOverflow  = errors.New("varint overflows 64 bits")
)

// encoder appends fields to a message.
type encoder []byte

func (e *encoder) varint(v uint64) {
	for v >= 0x80 {
		*e = append(*e, byte(v)|0x80)
		v >>= 7
	}
	*e = append(*e, byte(v))
}

func (e *encoder) tag(num, wire int) { e.varint(uint64(num)<<3 | uint64(wire)) }

// int32 is a varint field of an int32 (or an enum): a negative value is
// sign-extended to 64 bits, ten bytes, as protobuf does.
func (e *encoder) int32(num int, v int32) {
	e.tag(num, wireVarint)
	e.varint(uint64(int64(v)))
}

func (e *encoder) uint32(num int, v uint32) {
	e.tag(num, wireVarint)
	e.varint(uint64(v))
}

func (e *encoder) bool(num int, v bool) {
	e.tag(num, wireVarint)
	if v {
		e.varint(1)
	} else {
		e.varint(0)
	}
}

func (e *encoder) bytes(num int, v []byte) {
	e.tag(num, wireBytes)
	e.varint(uint64(len(v)))
	*e = append(*e, v...)
}

func (e *encoder) string(num int, v string) {
	e.tag(num, wireBytes)
	e.varint(uint64(len(v)))
	*e = append(*e, v...)
}

// The optional fields: nothing when nil.

func (e *encoder) optInt32(num int, v *int32) {
	if v != nil {
		e.int32(num, *v)
	}
}

func (e *encoder) optUint32(num int, v *uint32) {
	if v != nil {
		e.uint32(num, *v)
	}
}

func (e *encoder) optBool(num int, v *bool) {
	if v != nil {
		e.bool(num, *v)
	}
}

func (e *encoder) optString(num int, v *string) {
	if v != nil {
		e.string(num, *v)
	}
}

// decoder reads a message's fields one by one.
type decoder struct {
	b []byte
}

// field is one field read: its number and wire type, and its value (the
// varint, or the bytes of a length-delimited field).
type field struct {
	num, wire int
	varint    uint64
	bytes     []byte
}

func (d *decoder) varint() (uint64, error) {
	var v uint64
	for i := 0; i < 10; i++ {
		if i >= len(d.b) {
			return 0, errTruncated
		}
		c := d.b[i]
		if i == 9 && c > 1 {
			return 0, errOverflow
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			d.b = d.b[i+1:]
			return v, nil
		}
	}
	return 0, errOverflow
}

// tag reads a field's tag. The protobuf runtime takes field numbers up to
// maxField in a message, and any positive int32 in a group it skips.
func (d *decoder) tag(max uint64) (num, wire int, err error) {
	v, err := d.varint()
	if err != nil {
		return 0, 0, err
	}
	if v>>3 < 1 || v>>3 > max {
		return 0, 0, fmt.Errorf("invalid field number %d", v>>3)
	}
	return int(v >> 3), int(v & 7), nil
}

func (d *decoder) take(n uint64) ([]byte, error) {
	if n > uint64(len(d.b)) {
		return nil, errTruncated
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v, nil
}

// next reads the next field; a group is skipped whole (its bytes are not
// kept: no field rt reads is a group).
func (d *decoder) next() (field, error) {
	num, wire, err := d.tag(maxField)
	if err != nil {
		return field{}, err
	}
	f := field{num: num, wire: wire}
	return f, d.value(&f, maxGroupDepth)
}

// value reads the value of f; depth is how many groups may still nest.
func (d *decoder) value(f *field, depth int) error {
	var err error
	switch f.wire {
	case wireVarint:
		f.varint, err = d.varint()
	case wireFixed64:
		f.bytes, err = d.take(8)
	case wireFixed32:
		f.bytes, err = d.take(4)
	case wireBytes:
		var n uint64
		if n, err = d.varint(); err == nil {
			f.bytes, err = d.take(n)
		}
	case wireStartGroup:
		err = d.skipGroup(f.num, depth)
	case wireEndGroup:
		err = fmt.Errorf("end of group %d outside a group", f.num)
	default:
		err = fmt.Errorf("field %d: invalid wire type %d", f.num, f.wire)
	}
	return err
}

// skipGroup skips a group's fields up to its end, nested groups included.
func (d *decoder) skipGroup(num, depth int) error {
	if depth < 0 {
		return errors.New("groups nested too deep")
	}
	for {
		n, wire, err := d.tag(math.MaxInt32)
		if err != nil {
			return err
		}
		if wire == wireEndGroup {
			if n != num {
				return fmt.Errorf("group %d ended by the end of group %d", num, n)
			}
			return nil
		}
		if err := d.value(&field{num: n, wire: wire}, depth-1); err != nil {
			return err
		}
	}
}
