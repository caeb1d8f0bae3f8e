package cgroupsfs

import (
	"os"
	"path/filepath"
	"testing"
)

// A v1 freezer says FREEZING while a task that joined a frozen cgroup (an
// `exec --ignore-paused`) is being frozen: the container is still paused.
// Seen as a flaky "container not paused" on resume before this.
func TestFrozenV1States(t *testing.T) {
	for state, want := range map[string]bool{"FROZEN": true, "FREEZING": true, "THAWED": false} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "freezer.state"), []byte(state+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := Load(nil, map[string]string{"freezer": dir}).Frozen(); got != want {
			t.Errorf("freezer.state %s: Frozen() = %v, want %v", state, got, want)
		}
	}
}

func TestFrozenV2States(t *testing.T) {
	for events, want := range map[string]bool{"populated 1\nfrozen 1\n": true, "populated 1\nfrozen 0\n": false} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "cgroup.events"), []byte(events), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := Load(nil, map[string]string{"": dir}).Frozen(); got != want {
			t.Errorf("cgroup.events %q: Frozen() = %v, want %v", events, got, want)
		}
	}
}
