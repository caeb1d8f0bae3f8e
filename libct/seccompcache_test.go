package libct

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func denyProfile(names ...string) *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{{Names: names, Action: specs.ActErrno}}}
}

// fakeCompile counts its calls and gives one warning.
type fakeCompile struct{ calls int }

func (f *fakeCompile) compile(warn func(string)) ([]byte, int64, error) {
	f.calls++
	warn("a warning")
	return []byte("12345678abcdefgh"), 4, nil
}

func TestSeccompCacheHit(t *testing.T) {
	root := t.TempDir()
	cache, sc, f := seccompCache(root), denyProfile("mkdir"), &fakeCompile{}
	for i := range 2 {
		var warnings []string
		prog, flags, err := cache(sc, func(w string) { warnings = append(warnings, w) }, f.compile)
		if err != nil || string(prog) != "12345678abcdefgh" || flags != 4 {
			t.Fatalf("call %d: %q %d %v", i, prog, flags, err)
		}
		if !slices.Equal(warnings, []string{"a warning"}) {
			t.Fatalf("call %d: warnings %q, want the compile's again", i, warnings)
		}
	}
	if f.calls != 1 {
		t.Fatalf("compiled %d times, want once", f.calls)
	}
	if _, _, err := cache(denyProfile("rmdir"), func(string) {}, f.compile); err != nil || f.calls != 2 {
		t.Fatalf("another profile: %v, %d compiles, want 2", err, f.calls)
	}
}

func TestSeccompCacheCompileErrorNotKept(t *testing.T) {
	root := t.TempDir()
	cache := seccompCache(root)
	failed := errors.New("bad profile")
	if _, _, err := cache(denyProfile("mkdir"), func(string) {}, func(func(string)) ([]byte, int64, error) { return nil, 0, failed }); !errors.Is(err, failed) {
		t.Fatalf("err %v, want the compile's", err)
	}
	entries, _ := os.ReadDir(filepath.Join(root, seccompCacheDir))
	if len(entries) != 0 {
		t.Fatalf("a failed compile left %d entries", len(entries))
	}
}

func TestSeccompCacheRefusesOthersDir(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, seccompCacheDir)
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	cache, f := seccompCache(root), &fakeCompile{}
	for range 2 {
		if _, _, err := cache(denyProfile("mkdir"), func(string) {}, f.compile); err != nil {
			t.Fatal(err)
		}
	}
	if f.calls != 2 {
		t.Fatalf("%d compiles with a world-writable cache dir, want 2 (no cache)", f.calls)
	}
}

func TestSeccompCachePrunes(t *testing.T) {
	root := t.TempDir()
	cache, f := seccompCache(root), &fakeCompile{}
	for i := range seccompCacheMax + 1 {
		if _, _, err := cache(denyProfile(fmt.Sprintf("sys%d", i)), func(string) {}, f.compile); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(filepath.Join(root, seccompCacheDir))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("%d entries past the bound, want only the newest", len(entries))
	}
}

// An entry under the name of the key's hash but holding another key (a
// collision, made or not) is a miss: compiled again and replaced.
func TestSeccompCacheKeyMustMatch(t *testing.T) {
	root := t.TempDir()
	cache, sc, f := seccompCache(root), denyProfile("mkdir"), &fakeCompile{}
	if _, _, err := cache(sc, func(string) {}, f.compile); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(root, seccompCacheDir))
	if err != nil || len(entries) != 1 {
		t.Fatalf("entries %v %v", entries, err)
	}
	name := filepath.Join(root, seccompCacheDir, entries[0].Name())
	other := seccompEntry{Key: []byte("another profile"), Flags: 0, Program: []byte("AAAAAAAA")}
	data, err := json.Marshal(other)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	prog, _, err := cache(sc, func(string) {}, f.compile)
	if err != nil || string(prog) != "12345678abcdefgh" || f.calls != 2 {
		t.Fatalf("prog %q, %d compiles, %v: want the profile's own program, compiled again", prog, f.calls, err)
	}
}
