package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"
)

// createdLayout is how state and list show a container's creation time.
const createdLayout = "2006-01-02T15:04:05.999999999Z"

// formatCreated is t.Format(createdLayout) (appendCreated).
func formatCreated(t time.Time) string { return string(appendCreated(nil, t)) }

// appendCreated appends t.Format(createdLayout), by hand for a UTC time of
// years 0-9999 (what create records): list formats one per container, and
// Format's layout walk cost more than the rest of list's work on it.
func appendCreated(b []byte, t time.Time) []byte {
	year, month, day := t.Date()
	if t.Location() != time.UTC || year < 0 || year > 9999 {
		return t.AppendFormat(b, createdLayout)
	}
	hour, min, sec := t.Clock()
	b = append4(b, year)
	b = append(b, '-')
	b = append2(b, int(month))
	b = append(b, '-')
	b = append2(b, day)
	b = append(b, 'T')
	b = append2(b, hour)
	b = append(b, ':')
	b = append2(b, min)
	b = append(b, ':')
	b = append2(b, sec)
	if ns := t.Nanosecond(); ns != 0 {
		b = append(b, '.')
		for div := 100000000; ns != 0; div /= 10 {
			b = append(b, byte('0'+ns/div))
			ns %= div
		}
	}
	return append(b, 'Z')
}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

func append4(b []byte, v int) []byte { return append2(append2(b, v/100), v%100) }

// writeTable writes cells, cols to a row, as text/tabwriter.NewWriter(w,
// 12, 1, 3, ' ', 0) would (each cell but a row's last padded to its
// column's widest cell plus 3, at least 12), without its per-byte work. A
// cell holding a character tabwriter may treat specially (a control
// character, 0xff) sends the whole table through tabwriter itself.
func writeTable(w io.Writer, cols int, cells []string) error {
	if cols < 1 || len(cells)%cols != 0 {
		return fmt.Errorf("table: %d cells do not make rows of %d", len(cells), cols)
	}
	widths := make([]int, cols)
	for i, cell := range cells {
		n, ok := cellWidth(cell)
		if !ok {
			return writeTabwriter(w, cols, cells)
		}
		widths[i%cols] = max(widths[i%cols], n+3, 12)
	}
	size := 0
	for _, n := range widths {
		size += n
	}
	b := make([]byte, 0, len(cells)/cols*(size+1))
	for i, cell := range cells {
		b = append(b, cell...)
		if i%cols == cols-1 {
			b = append(b, '\n')
		} else {
			n, _ := cellWidth(cell)
			b = append(b, spaces[:widths[i%cols]-n]...)
		}
	}
	_, err := w.Write(b)
	return err
}

func writeTabwriter(w io.Writer, cols int, cells []string) error {
	tw := tabwriter.NewWriter(w, 12, 1, 3, ' ', 0)
	for i := 0; i < len(cells); i += cols {
		io.WriteString(tw, strings.Join(cells[i:i+cols], "\t")+"\n")
	}
	return tw.Flush()
}

var spaces = strings.Repeat(" ", 4096)

// cellWidth is the width tabwriter gives cell (its runes); ok is false if
// the cell holds a control character or 0xff (which tabwriter may treat
// specially), or is too wide for spaces.
func cellWidth(cell string) (int, bool) {
	ascii := true
	for i := 0; i < len(cell); i++ {
		switch c := cell[i]; {
		case c < 0x20 || c == 0xff:
			return 0, false
		case c >= 0x80:
			ascii = false
		}
	}
	n := len(cell)
	if !ascii {
		n = utf8.RuneCountInString(cell)
	}
	return n, n < len(spaces)-16
}
