package main

import (
	"slices"
	"testing"
)

// The table onlyCommand builds from names every command of the full tree,
// by its name and each alias, and nothing else.
func TestCommandsTableIsTheTree(t *testing.T) {
	root := newRootCommand(nil)
	want := map[string]bool{}
	for _, c := range root.Commands() {
		want[c.Name()] = true
		for _, a := range c.Aliases {
			want[a] = true
		}
	}
	for name, build := range commands {
		c := build()
		if c.Name() != name && !slices.Contains(c.Aliases, name) {
			t.Errorf("commands[%q] builds %q", name, c.Name())
		}
		if !want[name] {
			t.Errorf("commands[%q] is not in the full tree", name)
		}
		delete(want, name)
	}
	for name := range want {
		t.Errorf("%q is in the tree but not in commands", name)
	}
}

func TestOnlyCommand(t *testing.T) {
	root := newRootCommand(nil)
	for _, c := range []struct {
		args []string
		want string // "" = build them all
	}{
		{[]string{"exec", "id", "ls"}, "exec"},
		{[]string{"--root", "/r", "exec", "id"}, "exec"},
		{[]string{"--root=/r", "--debug", "--systemd-cgroup", "state", "id"}, "state"},
		{[]string{"-root", "/r", "--log", "/l", "--log-format", "json", "ls"}, "list"},
		{[]string{"--rootless", "true", "kill", "id"}, "kill"},
		{[]string{"--root", "exec"}, ""}, // exec is --root's value: no command
		{[]string{"--help"}, ""},
		{[]string{"--version"}, ""},
		{[]string{"-v"}, ""},
		{[]string{"help", "exec"}, ""},
		{[]string{"completion", "bash"}, ""},
		{[]string{"__complete", "ex"}, ""},
		{[]string{"exce"}, ""}, // unknown: the full tree suggests exec
		{[]string{"--bogus", "exec"}, ""},
		{nil, ""},
	} {
		got := ""
		if build := onlyCommand(root, c.args); build != nil {
			got = build().Name()
		}
		if got != c.want {
			t.Errorf("onlyCommand(%q) builds %q, want %q", c.args, got, c.want)
		}
	}
}
