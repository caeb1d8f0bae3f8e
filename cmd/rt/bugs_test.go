package main

import (
	"os"
	"strings"
	"testing"
)

// knownBug skips a test that shows an open bug, so that the suite stays
// green for everyone; RT_TEST_BUGS=1 runs it.
func knownBug(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("RT_TEST_BUGS") == "" {
		t.Skip("BUG: " + what + " (RT_TEST_BUGS=1 runs this test)")
	}
}

// runc (urfave/cli) accepts -help and -version like any long flag. cobra
// adds its help and version flags only when the command executes, so
// normalizeArgs does not know them and `rt -version` fails with
// "unknown shorthand flag: 'e' in -ersion".
func TestNormalizeArgsHelpVersion(t *testing.T) {
	knownBug(t, "-version and -help are not rewritten: cobra's help/version flags do not exist yet when normalizeArgs runs")
	for _, c := range []struct{ in, want string }{
		{"-version", "--version"},
		{"-help", "--help"},
		{"create -help", "create --help"},
		{"-v", "-v"},
		{"-h", "-h"},
	} {
		got := strings.Join(normalizeArgs(newRootCommand(), fields(c.in)), " ")
		if got != c.want {
			t.Errorf("normalizeArgs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
