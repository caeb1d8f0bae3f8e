package cgroupsfs

import (
	"fmt"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/specerr"
)

const ptrBlockIO = "/linux/resources/blockIO"

// blkioWeightV1: blkio.weight and blkio.weight_device ("MAJ:MIN W") where
// the kernel has them (the CFQ scheduler, gone since Linux 5.0), else
// their BFQ counterparts blkio.bfq.weight and blkio.bfq.weight_device, as
// runc chooses; blkio.leaf_weight and blkio.leaf_weight_device (CFQ only).
// A weight of 0 is unset.
func blkioWeightV1(r *specs.LinuxResources, cur current) ([]write, error) {
	b := r.BlockIO
	if b == nil {
		return nil, nil
	}
	weightFile, deviceFile := "blkio.bfq.weight", "blkio.bfq.weight_device"
	if _, ok := cur("blkio.weight"); ok {
		weightFile, deviceFile = "blkio.weight", "blkio.weight_device"
	}
	var ws []write
	if b.Weight != nil && *b.Weight != 0 {
		ws = append(ws, write{pointer: ptrBlockIO + "/weight", file: weightFile, value: strconv.FormatUint(uint64(*b.Weight), 10)})
	}
	if b.LeafWeight != nil && *b.LeafWeight != 0 {
		ws = append(ws, write{pointer: ptrBlockIO + "/leafWeight", file: "blkio.leaf_weight", value: strconv.FormatUint(uint64(*b.LeafWeight), 10)})
	}
	for i, d := range b.WeightDevice {
		ptr := fmt.Sprintf("%s/weightDevice/%d", ptrBlockIO, i)
		if d.Weight != nil && *d.Weight != 0 {
			ws = append(ws, write{pointer: ptr + "/weight", file: deviceFile, value: fmt.Sprintf("%d:%d %d", d.Major, d.Minor, *d.Weight)})
		}
		if d.LeafWeight != nil && *d.LeafWeight != 0 {
			ws = append(ws, write{pointer: ptr + "/leafWeight", file: "blkio.leaf_weight_device", value: fmt.Sprintf("%d:%d %d", d.Major, d.Minor, *d.LeafWeight)})
		}
	}
	return ws, nil
}

// ioWeightV2: with the BFQ scheduler, io.bfq.weight takes the blkio weight
// as is (same [1, 1000] range) and "MAJ:MIN W" lines; otherwise io.weight,
// converted linearly from blkio's [10, 1000] onto [1, 10000] (runc's map):
//
//	io.weight = 1 + (weight − 10) * 9999 / 990
//
// so 10 -> 1, 500 -> 4950, 1000 -> 10000 (weights are clamped to [10, 1000]
// first). Leaf weights have no cgroup2 counterpart: an error.
func ioWeightV2(r *specs.LinuxResources, cur current) ([]write, error) {
	b := r.BlockIO
	if b == nil {
		return nil, nil
	}
	if b.LeafWeight != nil && *b.LeafWeight != 0 {
		return nil, specerr.Errorf(ptrBlockIO+"/leafWeight", "cgroup v2 has no leaf weight: remove the field")
	}
	_, bfq := cur("io.bfq.weight")
	file, conv := "io.weight", blkioToIOWeight
	if bfq {
		file, conv = "io.bfq.weight", func(w uint16) uint64 { return uint64(w) }
	}
	var ws []write
	if b.Weight != nil && *b.Weight != 0 {
		ws = append(ws, write{pointer: ptrBlockIO + "/weight", file: file, value: strconv.FormatUint(conv(*b.Weight), 10)})
	}
	for i, d := range b.WeightDevice {
		ptr := fmt.Sprintf("%s/weightDevice/%d", ptrBlockIO, i)
		if d.LeafWeight != nil && *d.LeafWeight != 0 {
			return nil, specerr.Errorf(ptr+"/leafWeight", "cgroup v2 has no leaf weight: remove the field")
		}
		if d.Weight != nil && *d.Weight != 0 {
			ws = append(ws, write{pointer: ptr + "/weight", file: file, value: fmt.Sprintf("%d:%d %d", d.Major, d.Minor, conv(*d.Weight))})
		}
	}
	return ws, nil
}

func blkioToIOWeight(w uint16) uint64 {
	v := uint64(min(max(w, 10), 1000))
	return 1 + (v-10)*9999/990
}

// throttleLists names the four throttle lists: the spec's field, the v1
// file, and the io.max key on v2.
var throttleLists = []struct {
	field, v1File, v2Key string
	get                  func(*specs.LinuxBlockIO) []specs.LinuxThrottleDevice
}{
	{"throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps",
		func(b *specs.LinuxBlockIO) []specs.LinuxThrottleDevice { return b.ThrottleReadBpsDevice }},
	{"throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps",
		func(b *specs.LinuxBlockIO) []specs.LinuxThrottleDevice { return b.ThrottleWriteBpsDevice }},
	{"throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops",
		func(b *specs.LinuxBlockIO) []specs.LinuxThrottleDevice { return b.ThrottleReadIOPSDevice }},
	{"throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops",
		func(b *specs.LinuxBlockIO) []specs.LinuxThrottleDevice { return b.ThrottleWriteIOPSDevice }},
}

// blkioThrottleV1: each entry is "MAJ:MIN RATE" in its blkio.throttle file
// (a rate of 0 removes the device's limit).
func blkioThrottleV1(r *specs.LinuxResources, _ current) ([]write, error) {
	if r.BlockIO == nil {
		return nil, nil
	}
	var ws []write
	for _, l := range throttleLists {
		for i, d := range l.get(r.BlockIO) {
			ws = append(ws, write{pointer: fmt.Sprintf("%s/%s/%d", ptrBlockIO, l.field, i), file: l.v1File,
				value: fmt.Sprintf("%d:%d %d", d.Major, d.Minor, d.Rate)})
		}
	}
	return ws, nil
}

// ioMaxV2: each entry is "MAJ:MIN KEY=RATE" in io.max, KEY being rbps,
// wbps, riops or wiops; a rate of 0 (no limit on v1) is "max".
func ioMaxV2(r *specs.LinuxResources, _ current) ([]write, error) {
	if r.BlockIO == nil {
		return nil, nil
	}
	var ws []write
	for _, l := range throttleLists {
		for i, d := range l.get(r.BlockIO) {
			rate := "max"
			if d.Rate != 0 {
				rate = strconv.FormatUint(d.Rate, 10)
			}
			ws = append(ws, write{pointer: fmt.Sprintf("%s/%s/%d", ptrBlockIO, l.field, i), file: "io.max",
				value: fmt.Sprintf("%d:%d %s=%s", d.Major, d.Minor, l.v2Key, rate)})
		}
	}
	return ws, nil
}
