package main

import (
	"bytes"
	"strings"
	"testing"
	"text/tabwriter"
	"time"
)

func TestFormatCreated(t *testing.T) {
	times := []time.Time{
		time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 100, time.UTC),
		time.Date(5, 6, 7, 8, 9, 10, 1000000, time.UTC),
		time.Date(12000, 1, 1, 0, 0, 0, 5, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600)),
		time.Unix(1700000000, 999999999).UTC(),
	}
	for _, tm := range times {
		if got, want := formatCreated(tm), tm.Format(createdLayout); got != want {
			t.Errorf("formatCreated(%v) = %q, want %q", tm, got, want)
		}
	}
}

// writeTable writes what text/tabwriter would, special cells included.
func TestWriteTable(t *testing.T) {
	tables := [][]string{
		{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"},
		{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER",
			"a-very-long-container-id", "1", "running", "/b", "2026-01-02T03:04:05Z", "root",
			"c", "123456", "stopped", "/a/much/longer/bundle/path/é", "x", "1000"},
		{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER",
			"c", "1", "stopped", "/with\ttab", "x", "root",
			"d", "2", "stopped", "/with\nnewline", "x", "root"},
		{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER",
			"c", "1", "stopped", "/ctl\x01char\xff", "", "root"},
	}
	for _, cells := range tables {
		var want bytes.Buffer
		tw := tabwriter.NewWriter(&want, 12, 1, 3, ' ', 0)
		for i := 0; i < len(cells); i += 6 {
			tw.Write([]byte(strings.Join(cells[i:i+6], "\t") + "\n"))
		}
		tw.Flush()
		var got bytes.Buffer
		if err := writeTable(&got, 6, cells); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("writeTable:\n%q\nwant\n%q", got.String(), want.String())
		}
	}
}
