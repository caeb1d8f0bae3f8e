package main

import (
	"strings"
	"testing"
)

// runc's flag parser (urfave/cli) takes long flags with one dash, and
// go-runc and conmon call it that way (`runc -root X create -bundle B ID`).
func TestNormalizeArgs(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"-root X create ID", "--root X create ID"},
		{"--root X create ID", "--root X create ID"},
		{"-root=X create ID", "--root=X create ID"},
		{"--log=f create ID", "--log=f create ID"},
		{"-log f -log-format json create ID", "--log f --log-format json create ID"},
		{"-debug create ID", "--debug create ID"},
		// a bool flag takes no value: "create" is the subcommand
		{"-systemd-cgroup create -bundle B ID", "--systemd-cgroup create --bundle B ID"},
		{"create -bundle B ID", "create --bundle B ID"},
		{"create -b B ID", "create -b B ID"},
		{"create -b=B ID", "create -b=B ID"},
		{"create -pid-file /p -console-socket /s -no-pivot ID", "create --pid-file /p --console-socket /s --no-pivot ID"},
		{"create -preserve-fds 2 ID", "create --preserve-fds 2 ID"},
		{"run -detach ID", "run --detach ID"},
		{"run -d ID", "run -d ID"},
		{"run -detach -bundle B ID", "run --detach --bundle B ID"},
		// the value of a flag is never rewritten, even when it looks like one
		{"create -bundle -root ID", "create --bundle -root ID"},
		{"-root -debug create ID", "--root -debug create ID"},
		// nothing after the container id is touched
		{"create ID -bundle B", "create ID -bundle B"},
		{"run ID -detach", "run ID -detach"},
		{"kill ID -9", "kill ID -9"},
		{"kill -all ID KILL", "kill --all ID KILL"},
		{"delete -force ID", "delete --force ID"},
		{"list -format json", "list --format json"},
		{"list -quiet", "list --quiet"},
		{"state ID", "state ID"},
		// -- stops
		{"-- -root X", "-- -root X"},
		{"create -- -bundle B", "create -- -bundle B"},
		// unknown flags are left for cobra to report
		{"-foo create ID", "-foo create ID"},
		{"create -foo ID", "create -foo ID"},
		{"-x", "-x"},
		{"-", "-"},
		// a global flag after the subcommand
		{"create -root X ID", "create --root X ID"},
		// a subcommand's flag is not a global one
		{"-bundle B create ID", "-bundle B create ID"},
	} {
		root := newRootCommand(nil)
		got := strings.Join(normalizeArgs(root, fields(c.in)), " ")
		if got != c.want {
			t.Errorf("normalizeArgs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// The container's own arguments are passed through untouched, element by
// element (no splitting or joining).
func TestNormalizeArgsKeepsElements(t *testing.T) {
	in := []string{"-root", "/run/x y", "create", "-bundle", "/b c", "id", "-root", ""}
	want := []string{"--root", "/run/x y", "create", "--bundle", "/b c", "id", "-root", ""}
	got := normalizeArgs(newRootCommand(nil), in)
	if len(got) != len(want) {
		t.Fatalf("normalizeArgs = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("normalizeArgs = %q, want %q", got, want)
		}
	}
	if in[0] != "-root" {
		t.Error("normalizeArgs changed its input slice")
	}
}

// The rewritten arguments parse: cobra sees the flags rt registered.
func TestNormalizedArgsParse(t *testing.T) {
	root := newRootCommand(nil)
	args := normalizeArgs(root, fields("-root /tmp/rt-test-root -log-format json create -bundle /b -no-pivot ID"))
	cmd, rest, err := root.Find(args)
	if err != nil || cmd.Name() != "create" {
		t.Fatalf("Find(%q) = %v, %v", args, cmd, err)
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Fatalf("ParseFlags(%q): %v", rest, err)
	}
	for name, want := range map[string]string{"root": "/tmp/rt-test-root", "log-format": "json", "bundle": "/b", "no-pivot": "true"} {
		f := cmd.Flags().Lookup(name)
		if f == nil {
			t.Errorf("no flag %s", name)
			continue
		}
		if f.Value.String() != want {
			t.Errorf("--%s = %q, want %q", name, f.Value.String(), want)
		}
	}
	if a := cmd.Flags().Args(); len(a) != 1 || a[0] != "ID" {
		t.Errorf("positional args %q, want [ID]", a)
	}
}

func fields(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Fields(s)
}
