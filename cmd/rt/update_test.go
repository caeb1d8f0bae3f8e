package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// runc's update accepts docker/go-units RAMInBytes sizes (powers of 1024).
func TestRAMInBytes(t *testing.T) {
	for in, want := range map[string]int64{
		"-1": -1, "0": 0, "1024": 1024, "1k": 1024, "1K": 1024, "512m": 512 << 20, "1g": 1 << 30,
		"1.5g": 3 << 29, "64 MiB": 64 << 20, "10mb": 10 << 20, "2t": 2 << 40, "100b": 100,
	} {
		if got, err := ramInBytes(in); err != nil || got != want {
			t.Errorf("ramInBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-2", "abc", "1x", "1 g b", "m"} {
		if _, err := ramInBytes(in); err == nil {
			t.Errorf("ramInBytes(%q) succeeded", in)
		}
	}
}

func flagValues(set map[string]string) map[string]*string {
	values := map[string]*string{}
	for _, f := range updateFlags {
		v := set[f.name]
		values[f.name] = &v
	}
	return values
}

func i64(v int64) *int64   { return &v }
func u64(v uint64) *uint64 { return &v }
func u16(v uint16) *uint16 { return &v }

func TestUpdateFlags(t *testing.T) {
	res, err := updateResources("", flagValues(map[string]string{
		"memory": "256m", "memory-swap": "-1", "memory-reservation": "128m", "kernel-memory-tcp": "1m",
		"cpu-share": "512", "cpu-period": "100000", "cpu-quota": "-1", "cpu-burst": "0", "cpu-rt-period": "1000000",
		"cpu-rt-runtime": "5000", "cpu-idle": "1", "cpuset-cpus": "0-1", "cpuset-mems": "0", "pids-limit": "0", "blkio-weight": "300",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64(256 << 20), Swap: i64(-1), Reservation: i64(128 << 20), KernelTCP: i64(1 << 20)},
		CPU: &specs.LinuxCPU{Shares: u64(512), Period: u64(100000), Quota: i64(-1), Burst: u64(0), RealtimePeriod: u64(1000000),
			RealtimeRuntime: i64(5000), Idle: i64(1), Cpus: "0-1", Mems: "0"},
		Pids:    &specs.LinuxPids{Limit: i64(0)},
		BlockIO: &specs.LinuxBlockIO{Weight: u16(300)},
	}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("resources = %+v\nwant %+v", res, want)
	}
	// no flag: nothing is set
	res, err = updateResources("", flagValues(nil))
	if err != nil || res.Pids != nil || res.Memory.Limit != nil || res.CPU.Shares != nil || res.BlockIO.Weight != nil {
		t.Errorf("no flags: %+v, %v", res, err)
	}
	for flag, want := range map[string]string{"memory": "invalid value for --memory: invalid size", "cpu-share": "invalid value for --cpu-share",
		"pids-limit": "invalid value for --pids-limit", "l3-cache-schema": "Intel RDT is not supported"} {
		if _, err := updateResources("", flagValues(map[string]string{flag: "x"})); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--%s x: err = %v, want %q", flag, err, want)
		}
	}
}

func TestUpdateResourcesFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "r.json")
	if err := os.WriteFile(file, []byte(`{"memory":{"limit":1048576},"pids":{"limit":5},"unified":{"memory.high":"1"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// the flags are ignored when a file is given
	res, err := updateResources(file, flagValues(map[string]string{"cpu-share": "2"}))
	if err != nil {
		t.Fatal(err)
	}
	if *res.Memory.Limit != 1048576 || *res.Pids.Limit != 5 || res.Unified["memory.high"] != "1" || res.CPU != nil {
		t.Errorf("resources = %+v", res)
	}
	if err := os.WriteFile(file, []byte(`{"memory":`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := updateResources(file, flagValues(nil)); err == nil || !strings.HasPrefix(err.Error(), "--resources "+file) {
		t.Errorf("bad JSON: err = %v", err)
	}
}

func TestPSFilter(t *testing.T) {
	out := "UID          PID    PPID  C STIME TTY          TIME CMD\n" +
		"root           1       0  0 03:00 ?        00:00:01 /sbin/init\n" +
		"root        4420       1  0 03:15 ?        00:00:00 sleep 1000\n" +
		"root        4421    4420  0 03:15 ?        00:00:00 sh\n"
	got, err := psFilter(out, []int{4420, 4421})
	if err != nil || len(got) != 3 || !strings.Contains(got[1], "sleep 1000") || !strings.HasPrefix(got[0], "UID") {
		t.Errorf("psFilter = %q, %v", got, err)
	}
	if _, err := psFilter("USER COMMAND\nroot x\n", nil); err == nil {
		t.Error("no PID column accepted")
	}
}
