package nsenter

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// headerEnum parses `enum NAME { A = 1, B, ... };` of plan.h as text (no
// cgo), so that a message added to the header without its Go mirror, or
// the other way round, fails here.
func headerEnum(t *testing.T, header, name string) map[string]int64 {
	t.Helper()
	start := strings.Index(header, "enum "+name+" {")
	if start < 0 {
		t.Fatalf("plan.h has no enum %s", name)
	}
	body := header[start+len("enum "+name+" {"):]
	body = body[:strings.Index(body, "};")]
	body = regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(body, "")
	out := map[string]int64{}
	next := int64(0)
	for _, item := range strings.Split(body, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		id, val, explicit := strings.Cut(item, "=")
		id = strings.TrimSpace(id)
		if explicit {
			v, err := strconv.ParseInt(strings.TrimSpace(val), 0, 64)
			if err != nil {
				t.Fatalf("enum %s: %q: %v", name, item, err)
			}
			next = v
		}
		out[id] = next
		next++
	}
	return out
}

func headerDefine(t *testing.T, header, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^#define ` + name + `\s+(\S+)`).FindStringSubmatch(header)
	if m == nil {
		t.Fatalf("plan.h has no #define %s", name)
	}
	return m[1]
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSyncMirror: the Go mirror of the sync protocol is plan.h's, message
// for message, sync point for sync point, and the exec fifo's bytes.
func TestSyncMirror(t *testing.T) {
	header := readFile(t, "plan.h")
	msgs := headerEnum(t, header, "rt_msg_type")
	if len(msgs) != len(MsgNames) {
		t.Errorf("plan.h has %d message types, Go names %d", len(msgs), len(MsgNames))
	}
	for name, v := range msgs {
		if MsgNames[uint32(v)] != name {
			t.Errorf("plan.h %s = %d; Go's MsgNames[%d] = %q", name, v, v, MsgNames[uint32(v)])
		}
	}
	syncs := headerEnum(t, header, "rt_sync_id")
	if len(syncs) != len(SyncNames) {
		t.Errorf("plan.h has %d sync points, Go names %d", len(syncs), len(SyncNames))
	}
	for name, v := range syncs {
		if SyncNames[int32(v)] != name {
			t.Errorf("plan.h %s = %d; Go's SyncNames[%d] = %q", name, v, v, SyncNames[int32(v)])
		}
	}
	if got := headerDefine(t, header, "RT_FIFO_NOT_STARTED"); got != "'"+string(FifoNotStarted)+"'" {
		t.Errorf("RT_FIFO_NOT_STARTED is %s, Go has %q", got, FifoNotStarted)
	}
	if got := headerDefine(t, header, "RT_FIFO_LEN_SIZE"); got != strconv.Itoa(FifoLenSize) {
		t.Errorf("RT_FIFO_LEN_SIZE is %s, Go has %d", got, FifoLenSize)
	}
}

// TestSyncDiagram: the sequence diagram (sync.md) shows every message and
// sync point of the header, and docs/plan-and-sync.md carries the same
// diagram.
func TestSyncDiagram(t *testing.T) {
	header := readFile(t, "plan.h")
	doc := readFile(t, "sync.md")
	for _, enum := range []string{"rt_msg_type", "rt_sync_id"} {
		for name := range headerEnum(t, header, enum) {
			if !strings.Contains(doc, name) {
				t.Errorf("sync.md does not show %s", name)
			}
		}
	}
	diagram := func(text, file string) string {
		t.Helper()
		start := strings.Index(text, "```text\n")
		if start < 0 {
			t.Fatalf("%s has no ```text block", file)
		}
		rest := text[start:]
		return rest[:strings.Index(rest[len("```text\n"):], "```")]
	}
	design := readFile(t, "../../docs/plan-and-sync.md")
	if diagram(doc, "sync.md") != diagram(design[strings.Index(design, "## The sync protocol"):], "docs/plan-and-sync.md") {
		t.Error("the diagram of docs/plan-and-sync.md is not sync.md's: copy it over")
	}
}
