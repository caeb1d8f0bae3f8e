package archtest

import (
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/rt-runtime/rt/"

// allowed is, for each package (its path in the module, without any
// "internal/" folder, so the rules survive a move under internal/), the
// packages of rt it may import directly; the ones not listed it must not.
// It follows docs/design.md's layout, from the bottom up:
//
//   - nsenter is the C stage and the plan's encoding: nothing of rt's.
//     Its errwordsgen writes the stage's errno words: nothing of rt's.
//   - specerr is the field error every layer returns: nothing of rt's.
//   - sigfwd catches signals for forwarding: nothing of rt's.
//   - criurpc is CRIU's RPC messages and their encoding: nothing of rt's.
//   - sysfile reads and writes small kernel files: nothing of rt's.
//   - cgroupsfs drives the cgroup filesystem: only the error type and
//     sysfile.
//   - cgroupsd is the systemd driver (issue 13): cgroupsfs for the files.
//   - cgroups is the manager interface and picks a driver: the drivers.
//   - rootfs plans the mounts: the plan's ops (nsenter) and the error type.
//   - specconv turns config.json into a plan: rootfs, nsenter, the error
//     type; never libct or a cgroup driver (it is pure).
//   - libct is the container: everything above, cgroups only through the
//     manager (cgroups), never cgroupsfs.
//   - onep gives the program one P early in its inits: nothing of rt's.
//   - cmd/rt is flags → libct → output; specconv and rootfs for `plan`,
//     `spec` and `features`; onep.
//   - the test helpers under tests/ are programs of their own.
//
// A package without a rule fails the test: a new package states its rule
// here and in its doc comment.
var allowed = map[string][]string{
	"nsenter":                     nil,
	"nsenter/errwordsgen":         nil,
	"specerr":                     nil,
	"sigfwd":                      nil,
	"criurpc":                     nil,
	"sysfile":                     nil,
	"cgroupsfs":                   {"specerr", "sysfile"},
	"cgroups":                     {"cgroupsfs", "cgroupsd", "specerr", "sysfile"},
	"cgroupsd":                    {"cgroupsfs", "specerr"},
	"rootfs":                      {"nsenter", "specerr"},
	"specconv":                    {"nsenter", "rootfs", "specerr"},
	"libct":                       {"cgroups", "criurpc", "nsenter", "rootfs", "sigfwd", "specconv", "specerr", "sysfile"},
	"archtest":                    nil,
	"tests/bats/nolowerdirplus":   nil,
	"tests/bats/recvtty":          nil,
	"tests/bats/seccomp/listener": nil,
	"onep":                        nil,
	"cmd/rt":                      {"libct", "onep", "specconv", "rootfs", "specerr"},
}

type pkg struct {
	path    string // in the module, "internal/" left out
	dir     string
	imports []string
}

// short names a package of rt by its path in the module, "internal/" left
// out; ok is false for a package that is not rt's.
func short(importPath string) (string, bool) {
	rel, ok := strings.CutPrefix(importPath, module)
	if !ok {
		return "", false
	}
	rel = strings.TrimPrefix(rel, "internal/")
	return strings.ReplaceAll(rel, "/internal/", "/"), true
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	// Non-test imports only: a test may reach into what it checks.
	cmd := exec.Command("go", "list", "-e", "-f", "{{.ImportPath}}\x1f{{join .Imports \" \"}}\x1f{{.Dir}}\x1e", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	for _, rec := range strings.Split(string(out), "\x1e") {
		f := strings.Split(strings.TrimSpace(rec), "\x1f")
		if len(f) != 3 {
			continue
		}
		p, ok := short(f[0])
		if !ok {
			continue
		}
		var imps []string
		for _, imp := range strings.Fields(f[1]) {
			if s, ok := short(imp); ok {
				imps = append(imps, s)
			}
		}
		pkgs = append(pkgs, pkg{path: p, imports: imps, dir: f[2]})
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no package")
	}
	return pkgs
}

// issue 12 point 7: each package imports only what its rule allows.
func TestImportRules(t *testing.T) {
	for _, p := range listPackages(t) {
		rule, ok := allowed[p.path]
		if !ok {
			t.Errorf("%s has no import rule: add one to allowed and to its doc comment", p.path)
			continue
		}
		for _, imp := range p.imports {
			if !slices.Contains(rule, imp) {
				t.Errorf("%s imports %s; its rule allows only %v", p.path, imp, rule)
			}
		}
	}
}

// Every package says in its doc comment what it owns and what it must not
// import.
func TestPackageDocsStateImports(t *testing.T) {
	for _, p := range listPackages(t) {
		doc := packageDoc(t, p.dir)
		if doc == "" {
			t.Errorf("%s has no package doc comment", p.path)
			continue
		}
		if strings.HasPrefix(p.path, "tests/") {
			continue // test helpers: programs, not layers
		}
		if !strings.Contains(strings.ToLower(doc), "import") {
			t.Errorf("%s: its doc comment does not say what it must not import:\n%s", p.path, doc)
		}
	}
}

// packageDoc is the package's doc comment, from every non-test file of dir
// that has one.
func packageDoc(t *testing.T, dir string) string {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.PackageClauseOnly|parser.ParseComments)
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	var doc strings.Builder
	for _, pk := range pkgs {
		for _, f := range pk.Files {
			if f.Doc != nil {
				doc.WriteString(f.Doc.Text())
			}
		}
	}
	return doc.String()
}
