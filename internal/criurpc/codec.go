package criurpc

import (
	"errors"
	"fmt"
)

// Marshal encodes the request. Fields are written in field-number order;
// the nil ones are left out.
func (r *Req) Marshal() []byte {
	var e encoder
	e.int32(1, int32(r.Type))
	if r.Opts != nil {
		e.bytes(2, r.Opts.marshal())
	}
	e.optBool(3, r.NotifySuccess)
	return e
}

// marshal encodes criu_opts' fields rt sets, by field number.
func (o *Opts) marshal() []byte {
	var e encoder
	e.int32(1, o.ImagesDirFd)
	e.optInt32(2, o.Pid)
	e.optBool(3, o.LeaveRunning)
	e.optBool(4, o.ExtUnixSk)
	e.optBool(5, o.TCPEstablished)
	e.optBool(6, o.EvasiveDevices)
	e.optBool(7, o.ShellJob)
	e.optBool(8, o.FileLocks)
	e.optInt32(9, o.LogLevel)
	e.optString(10, o.LogFile)
	if o.Ps != nil {
		e.bytes(11, o.Ps.marshal())
	}
	e.optBool(12, o.NotifyScripts)
	e.optString(13, o.Root)
	e.optString(14, o.ParentImg)
	e.optBool(15, o.TrackMem)
	e.optBool(16, o.AutoDedup)
	e.optInt32(17, o.WorkDirFd)
	e.optBool(18, o.LinkRemap)
	for _, m := range o.ExtMnt {
		e.bytes(23, m.marshal())
	}
	e.optBool(24, o.ManageCgroups)
	for _, c := range o.CgRoot {
		e.bytes(25, c.marshal())
	}
	e.optBool(26, o.RstSibling)
	for _, f := range o.InheritFd {
		e.bytes(27, f.marshal())
	}
	if o.ManageCgroupsMode != nil {
		e.int32(34, int32(*o.ManageCgroupsMode))
	}
	for _, s := range o.External {
		e.string(37, s)
	}
	e.optUint32(38, o.EmptyNs)
	for _, ns := range o.JoinNs {
		e.bytes(39, ns.marshal())
	}
	e.optString(44, o.FreezeCgroup)
	e.optBool(46, o.TCPSkipInFlight)
	e.optBool(48, o.LazyPages)
	e.optBool(50, o.OrphanPtsMaster)
	return e
}

// The nested messages of Opts, each with its own field numbers.

func (p *PageServerInfo) marshal() encoder {
	var e encoder
	e.optString(1, p.Address)
	e.optInt32(2, p.Port)
	return e
}

func (m *ExtMountMap) marshal() encoder {
	var e encoder
	e.string(1, m.Key)
	e.string(2, m.Val)
	return e
}

func (c *CgroupRoot) marshal() encoder {
	var e encoder
	e.optString(1, c.Ctrl)
	e.string(2, c.Path)
	return e
}

func (f *InheritFd) marshal() encoder {
	var e encoder
	e.string(1, f.Key)
	e.int32(2, f.Fd)
	return e
}

func (ns *JoinNamespace) marshal() encoder {
	var e encoder
	e.string(1, ns.Ns)
	e.string(2, ns.NsFile)
	return e
}

// Unmarshal decodes a response into r. The fields rt does not read, and
// the ones of a wire type their number does not have, are skipped; the
// required type and success must be there.
func (r *Resp) Unmarshal(b []byte) error {
	*r = Resp{}
	d := decoder{b: b}
	var hasType, hasSuccess bool
	for len(d.b) > 0 {
		f, err := d.next()
		if err != nil {
			return err
		}
		switch {
		case f.num == 1 && f.wire == wireVarint:
			r.Type, hasType = ReqType(f.varint), true
		case f.num == 2 && f.wire == wireVarint:
			r.Success, hasSuccess = f.varint != 0, true
		case f.num == 5 && f.wire == wireBytes:
			// A message field seen twice is merged, as protobuf does.
			if err := r.Notify.unmarshal(f.bytes); err != nil {
				return fmt.Errorf("notify: %w", err)
			}
		case f.num == 7 && f.wire == wireVarint:
			r.CrErrno = int32(f.varint)
		}
	}
	if !hasType || !hasSuccess {
		return errors.New("required field type or success missing")
	}
	return nil
}

func (n *Notify) unmarshal(b []byte) error {
	d := decoder{b: b}
	for len(d.b) > 0 {
		f, err := d.next()
		if err != nil {
			return err
		}
		switch {
		case f.num == 1 && f.wire == wireBytes:
			n.Script = string(f.bytes)
		case f.num == 2 && f.wire == wireVarint:
			n.Pid = int32(f.varint)
		}
	}
	return nil
}
