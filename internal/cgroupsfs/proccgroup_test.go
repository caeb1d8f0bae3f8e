package cgroupsfs

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestReadProcCgroup(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cgroup")
	data := "12:cpu,cpuacct:/a\n1:name=systemd:/b (deleted)\nmalformed\n0::/c\n"
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadProcCgroup(file)
	if err != nil {
		t.Fatal(err)
	}
	want := []ProcCgroup{
		{ID: "12", Controllers: []string{"cpu", "cpuacct"}, Path: "/a"},
		{ID: "1", Controllers: []string{"name=systemd"}, Path: "/b (deleted)"},
		{ID: "0", Path: "/c"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if got[0].Unified() || !got[2].Unified() {
		t.Errorf("Unified: %v %v, want false true", got[0].Unified(), got[2].Unified())
	}
	if !got[1].Deleted() || got[0].Deleted() {
		t.Errorf("Deleted: %v %v, want true false", got[1].Deleted(), got[0].Deleted())
	}
	if _, err := ReadProcCgroup(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("a missing file: no error")
	}
}
