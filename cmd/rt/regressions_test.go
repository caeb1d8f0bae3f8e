package main

import (
	"strings"
	"testing"
)

// runc (urfave/cli) accepts -help and -version like any long flag. cobra
// adds its help and version flags only when the command executes, so
// normalizeArgs does not know them and `rt -version` fails with
// "unknown shorthand flag: 'e' in -ersion".
func TestNormalizeArgsHelpVersion(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"-version", "--version"},
		{"-help", "--help"},
		{"create -help", "create --help"},
		{"-v", "-v"},
		{"-h", "-h"},
	} {
		got := strings.Join(normalizeArgs(newRootCommand(nil), fields(c.in)), " ")
		if got != c.want {
			t.Errorf("normalizeArgs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
