package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The logger. Warnings and debug lines are written in runc's (logrus')
// format, in the --log file, or on stderr without one (as runc's logrus
// does: under containerd's shim rt's stderr is the container's, so a
// warning there would reach `docker run`'s output):
//
//	text: time="2024-05-01T10:00:00.123Z" level=warning msg="..."
//	json: {"level":"warning","msg":"...","time":"2024-05-01T10:00:00.123Z"}
//
// so that a client reading either can tell them from errors by the level
// (go-runc and conmon parse the json lines of --log). The error that ends
// a command is the one line "rt: ..." on stderr, and a level=error line in
// the --log file.

var (
	logFile io.Writer
	// logIsStderr: --log names stderr itself (/dev/stderr, /proc/self/fd/2):
	// each line is written there once.
	logIsStderr bool
)

func openLog() error {
	if g.logFormat != "text" && g.logFormat != "json" {
		return fmt.Errorf("invalid --log-format %q: want text or json", g.logFormat)
	}
	if g.log == "" {
		return nil
	}
	f, err := os.OpenFile(g.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_SYNC, 0644)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	logFile = f
	logIsStderr = sameFile(f, os.Stderr)
	return nil
}

// sameFile reports whether a and b are the same open file (device and inode).
func sameFile(a, b *os.File) bool {
	var sa, sb unix.Stat_t
	if unix.Fstat(int(a.Fd()), &sa) != nil || unix.Fstat(int(b.Fd()), &sb) != nil {
		return false
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// formatLine renders one logger line, newline included, in --log-format.
func formatLine(format, level, msg string, now time.Time) []byte {
	ts := now.UTC().Format(time.RFC3339Nano)
	if format == "json" {
		line, _ := json.Marshal(struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
			Time  string `json:"time"`
		}{level, msg, ts})
		return append(line, '\n')
	}
	return fmt.Appendf(nil, "time=%q level=%s msg=%q\n", ts, level, msg)
}

// logLine writes one line to the --log file.
func logLine(level, msg string) {
	if logFile == nil {
		return
	}
	logFile.Write(formatLine(g.logFormat, level, msg, time.Now()))
}

// logError reports the error that ends the command: one line on stderr,
// and the log.
func logError(err error) {
	if !logIsStderr {
		fmt.Fprintf(os.Stderr, "rt: %v\n", err)
	}
	logLine("error", err.Error())
}

// logWarn is where every warning of rt goes (libct and specconv take it as
// their Warn function): the --log file, or stderr without one.
func logWarn(msg string) {
	if logFile != nil {
		logLine("warning", msg)
		return
	}
	os.Stderr.Write(formatLine(g.logFormat, "warning", msg, time.Now()))
}

// started is when rt's Go code began (package initialisation), the zero
// of the debug lines' elapsed times; lastDebug is when the line before was
// written.
var (
	started, lastDebug = time.Now(), time.Time{}
	debugMu            sync.Mutex
)

// logDebug writes a level=debug line with --debug: to the --log file, or
// without one to stderr (as runc's --debug, and as warnings). Each
// line carries two more fields: elapsed, the time since rt started, and
// step, the time since the debug line before (since the start for the
// first): the duration of each phase of create, run and exec. Lines about
// the C stage are written when its message arrives, on the same clock.
func logDebug(msg string) {
	if !g.debug {
		return
	}
	debugMu.Lock()
	defer debugMu.Unlock()
	now := time.Now()
	prev := lastDebug
	if prev.IsZero() {
		prev = started
	}
	lastDebug = now
	line := formatDebugLine(g.logFormat, msg, now, now.Sub(started), now.Sub(prev))
	if logFile == nil {
		os.Stderr.Write(line)
		return
	}
	logFile.Write(line)
}

// formatDebugLine is formatLine for a debug line, with its elapsed and
// step fields (in ms, µs precision).
func formatDebugLine(format, msg string, now time.Time, elapsed, step time.Duration) []byte {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.3fms", float64(d.Microseconds())/1000) }
	ts := now.UTC().Format(time.RFC3339Nano)
	if format == "json" {
		line, _ := json.Marshal(struct {
			Elapsed string `json:"elapsed"`
			Level   string `json:"level"`
			Msg     string `json:"msg"`
			Step    string `json:"step"`
			Time    string `json:"time"`
		}{ms(elapsed), "debug", msg, ms(step), ts})
		return append(line, '\n')
	}
	return fmt.Appendf(nil, "time=%q level=debug msg=%q elapsed=%s step=%s\n", ts, msg, ms(elapsed), ms(step))
}
