// Command errwordsgen writes internal/nsenter/errwords.h: Go's words for
// each errno, for the messages the C stage prints itself after READY (when
// no Go process is left to word them). The C library's strerror says some
// of them differently (musl: "Symbolic link loop", "Resource busy"), and
// rt's users expect Go's and runc's words. Entries are keyed by the errno's
// name, so the C compiler places them for the architecture it builds for.
//
// Run from internal/nsenter: go run ./errwordsgen errwords.h (go generate
// does it). TestErrWordsCurrent checks the file is current.
//
// Imports: of rt's, only nsenter/errwords.
package main

import (
	"fmt"
	"os"

	"github.com/rt-runtime/rt/internal/nsenter/errwords"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: errwordsgen FILE")
		os.Exit(2)
	}
	if err := os.WriteFile(os.Args[1], []byte(errwords.Header()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
