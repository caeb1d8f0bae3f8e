package main

import (
	"os"
	"strings"
	"testing"
)

// TestErrWordsCurrent: the generated header in internal/nsenter is what
// header gives now (run `go generate ./internal/nsenter` when it fails).
func TestErrWordsCurrent(t *testing.T) {
	got, err := os.ReadFile("../errwords.h")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != header() {
		t.Fatal("internal/nsenter/errwords.h is stale: run go generate ./internal/nsenter")
	}
}

func TestHeaderWords(t *testing.T) {
	h := header()
	for _, want := range []string{
		"\t[ENOENT] = \"no such file or directory\",",
		"\t[ELOOP] = \"too many levels of symbolic links\",",
		"\t[EBUSY] = \"device or resource busy\",",
	} {
		if !strings.Contains(h, want) {
			t.Errorf("header lacks %q", want)
		}
	}
	if strings.Count(h, "[EAGAIN]")+strings.Count(h, "[EWOULDBLOCK]") != 1 {
		t.Error("EAGAIN and EWOULDBLOCK (one number) must appear once")
	}
}
