package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"
)

var logFile io.Writer

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
	return nil
}

// logLine writes one line to the --log file in its format: json lines are
// {"level","msg","time"}, which go-runc and conmon parse.
func logLine(level, msg string) {
	if logFile == nil {
		return
	}
	writeLogLine(logFile, level, msg)
}

// writeLogLine writes one line in the --log-format to w.
func writeLogLine(w io.Writer, level, msg string) {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	if g.logFormat == "json" {
		line, _ := json.Marshal(struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
			Time  string `json:"time"`
		}{level, msg, now})
		fmt.Fprintf(w, "%s\n", line)
		return
	}
	fmt.Fprintf(w, "time=%q level=%s msg=%q\n", now, level, msg)
}

// logError reports the error that ends the command: one line on stderr,
// and the log.
func logError(err error) {
	fmt.Fprintf(os.Stderr, "rt: %v\n", err)
	logLine("error", err.Error())
}

func logWarn(msg string) {
	fmt.Fprintf(os.Stderr, "rt: warning: %s\n", msg)
	logLine("warning", msg)
}

// logDebug writes a level=debug line with --debug: to the --log file, or
// without one to stderr, in the --log-format (as runc's --debug).
func logDebug(msg string) {
	if !g.debug {
		return
	}
	if logFile == nil {
		writeLogLine(os.Stderr, "debug", msg)
		return
	}
	logLine("debug", msg)
}
