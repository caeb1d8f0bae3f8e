package rootfs

import (
	"slices"
	"testing"
)

// Every option MountOptionNames lists is taken by parseOptions as an
// option, not passed on as filesystem data.
func TestMountOptionNamesAreParsed(t *testing.T) {
	names := MountOptionNames()
	if len(names) == 0 {
		t.Fatal("no mount options")
	}
	if !slices.IsSorted(names) {
		t.Errorf("not sorted: %v", names)
	}
	for _, n := range names {
		p, err := parseOptions([]string{n})
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if p.data != "" {
			t.Errorf("%s: passed as mount data %q", n, p.data)
		}
	}
	for _, n := range []string{"ro", "rbind", "rprivate", "tmpcopyup", "nosymfollow"} {
		if !slices.Contains(names, n) {
			t.Errorf("%s missing from %v", n, names)
		}
	}
}

// The options rt knows but refuses are refused, and not listed.
func TestMountOptionNamesLeaveOutUnsupported(t *testing.T) {
	names := MountOptionNames()
	for n := range unsupportedOptions {
		if slices.Contains(names, n) {
			t.Errorf("%s is listed but not supported", n)
		}
		if _, err := parseOptions([]string{n}); err == nil {
			t.Errorf("%s: accepted, want an error", n)
		}
	}
}
