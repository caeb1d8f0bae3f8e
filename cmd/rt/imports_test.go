package main

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// cmd/rt (its code, not its tests) is flags → libct → output: it never reaches the C stage or the
// cgroup filesystem itself (DESIGN.md: "cmd/rt never talks to the kernel").
func TestImportsNoStageNorCgroups(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	forbidden := map[string]bool{
		"github.com/rt-runtime/rt/nsenter":   true,
		"github.com/rt-runtime/rt/cgroupsfs": true,
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue // tests may look at the plan's tables
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); forbidden[path] {
				t.Errorf("%s imports %s: go through libct", name, path)
			}
		}
	}
}
