package libct

import (
	"regexp"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseSignal(t *testing.T) {
	for _, c := range []struct {
		in   string
		want unix.Signal
	}{
		{"KILL", unix.SIGKILL}, {"SIGKILL", unix.SIGKILL}, {"kill", unix.SIGKILL}, {"sigkill", unix.SIGKILL},
		{"9", unix.SIGKILL}, {"TERM", unix.SIGTERM}, {"SigTerm", unix.SIGTERM}, {"15", unix.SIGTERM},
		{"HUP", unix.SIGHUP}, {"1", unix.SIGHUP}, {"USR1", unix.SIGUSR1}, {"SIGWINCH", unix.SIGWINCH},
		{"SIGCHLD", unix.SIGCHLD}, {"STOP", unix.SIGSTOP}, {"CONT", unix.SIGCONT}, {"SYS", unix.SIGSYS},
		{"64", 64}, {"0", 0},
		// glibc's SIGRTMIN is 34 (two are kept for NPTL), SIGRTMAX 64.
		{"SIGRTMIN", 34}, {"RTMIN", 34}, {"SIGRTMIN+1", 35}, {"rtmin+1", 35}, {"RTMIN+30", 64},
		{"SIGRTMAX", 64}, {"RTMAX-2", 62}, {"sigrtmax-2", 62}, {"RTMAX-30", 34},
	} {
		got, err := ParseSignal(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseSignal(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

func TestParseSignalRejects(t *testing.T) {
	for _, in := range []string{
		"", "65", "-1", "-9", "1000", "SIG", "SIGFOO", "FOO", "KIL", "SIGKILLX", " KILL",
		"RTMIN+31", "RTMIN-1", "RTMAX+1", "RTMAX-31", "RTMIN+x", "RTMAX-", "RTMIN+", "SIGRTMAXX",
	} {
		if got, err := ParseSignal(in); err == nil {
			t.Errorf("ParseSignal(%q) = %d, want an error", in, got)
		}
	}
}

func TestValidateID(t *testing.T) {
	for _, id := range []string{"a", "a.b", "A_b+c-1", "0", "-a", "+", "a..b", "abc.", strRepeat("x", 1024)} {
		if err := ValidateID(id); err != nil {
			t.Errorf("ValidateID(%q) = %v", id, err)
		}
	}
	for _, id := range []string{"", ".", "..", "a/b", "/a", "a/", ".a", "a b", "a\x00b", "a\nb", "é", "a:b", "../x"} {
		if err := ValidateID(id); err == nil {
			t.Errorf("ValidateID(%q) succeeded", id)
		}
	}
}

func strRepeat(s string, n int) string {
	b := make([]byte, 0, len(s)*n)
	for i := 0; i < n; i++ {
		b = append(b, s...)
	}
	return string(b)
}

// FuzzValidID checks the hand-written id rule against runc's regexp.
func FuzzValidID(f *testing.F) {
	rule := regexp.MustCompile(`^[a-zA-Z0-9_+-][a-zA-Z0-9_+.-]*$`)
	for _, s := range []string{"a", ".a", "a.", "", "a/b", "é", "-", "a..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if got, want := validID(id), rule.MatchString(id); got != want {
			t.Fatalf("validID(%q) = %v, the regexp says %v", id, got, want)
		}
	})
}
