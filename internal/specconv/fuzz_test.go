package specconv_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/internal/nsenter"
	"github.com/rt-runtime/rt/internal/specconv"
)

// Fuzz targets for the path from config.json to the plan (issue 10,
// section 3). The seed corpora are in testdata/fuzz/<target>: configs that
// `runc spec` and `rt spec` write and the golden specs. Whatever the input,
// rt must not panic, and each error is one line.
//
//	go test ./specconv -run XXX -fuzz FuzzBuild -fuzztime 1m

// fuzzBundle makes a bundle with a rootfs whose config.json the targets
// rewrite for each input.
func fuzzBundle(f *testing.F) string {
	dir := f.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		f.Fatal(err)
	}
	return dir
}

// addSeeds adds the golden specs as seeds (the corpus files hold more).
func addSeeds(f *testing.F) {
	for _, s := range []*specs.Spec{minimalSpec(), baseSpec()} {
		data, err := json.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// fuzzLoad writes data as the bundle's config.json and loads it.
func fuzzLoad(t *testing.T, bundle string, data []byte) (*specs.Spec, error) {
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := specconv.Load(bundle)
	if err != nil {
		checkOneLine(t, err)
		if spec != nil {
			t.Fatalf("Load returned a spec and the error %v", err)
		}
		return nil, err
	}
	if spec == nil {
		t.Fatal("Load returned neither a spec nor an error")
	}
	return spec, nil
}

func checkOneLine(t *testing.T, err error) {
	t.Helper()
	if msg := err.Error(); msg == "" || strings.ContainsAny(msg, "\n\r") {
		t.Fatalf("error %q is not one line", msg)
	}
}

// checkPlanError: an error of a plan builder is one line and, when it is
// about a field, names it as a JSON pointer.
func checkPlanError(t *testing.T, err error) {
	t.Helper()
	checkOneLine(t, err)
	var fe *specconv.FieldError
	if errors.As(err, &fe) && !strings.HasPrefix(fe.Field, "/") {
		t.Fatalf("error %q names the field %q, not a JSON pointer", err, fe.Field)
	}
}

// checkPlan: a plan is encodable and carries no string the C stage would
// cut short.
func checkPlan(t *testing.T, plan *nsenter.Plan) {
	t.Helper()
	if plan == nil {
		t.Fatal("no plan and no error")
	}
	for i, op := range plan.Ops {
		if op.Code == nsenter.OpSeccomp {
			continue
		}
		if op.Code == nsenter.OpFindExec {
			// A list of paths, each ended by a NUL: none may be empty,
			// which would end the list early.
			list := op.Strs[0]
			if strings.HasPrefix(list, "\x00") || strings.Contains(list, "\x00\x00") || (list != "" && !strings.HasSuffix(list, "\x00")) {
				t.Fatalf("op %d (%s) has a malformed list of paths %q", i, op, list)
			}
			continue
		}
		for _, s := range op.Strs {
			if strings.IndexByte(s, 0) >= 0 {
				t.Fatalf("op %d (%s) has a string with a NUL", i, op)
			}
		}
	}
	_ = plan.Encode()
}

// FuzzLoad: config.json parsing, then Validate (what every command that
// reads a bundle runs).
func FuzzLoad(f *testing.F) {
	addSeeds(f)
	bundle := fuzzBundle(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := fuzzLoad(t, bundle, data)
		if err != nil {
			return
		}
		if err := specconv.Validate(spec, bundle); err != nil {
			checkPlanError(t, err)
		}
	})
}

// FuzzBuild: the create plan.
func FuzzBuild(f *testing.F) {
	addSeeds(f)
	bundle := fuzzBundle(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := fuzzLoad(t, bundle, data)
		if err != nil {
			return
		}
		o := defaultOptions()
		o.Bundle = bundle
		o.Warn = func(w string) {
			if strings.ContainsAny(w, "\n\r") {
				t.Fatalf("warning %q is not one line", w)
			}
		}
		plan, err := specconv.Build(spec, o)
		if err != nil {
			checkPlanError(t, err)
			return
		}
		checkPlan(t, plan)
	})
}

// FuzzBuildExec: the exec plan, for the config's process or one given as
// `rt exec --process` JSON (proc, when it parses).
func FuzzBuildExec(f *testing.F) {
	for _, s := range []*specs.Spec{minimalSpec(), baseSpec()} {
		data, _ := json.Marshal(s)
		proc, _ := json.Marshal(s.Process)
		f.Add(data, []byte{})
		f.Add(data, proc)
	}
	bundle := fuzzBundle(f)
	f.Fuzz(func(t *testing.T, data, proc []byte) {
		spec, err := fuzzLoad(t, bundle, data)
		if err != nil {
			return
		}
		p := spec.Process
		var given specs.Process
		if json.Unmarshal(proc, &given) == nil {
			p = &given
		}
		plan, err := specconv.BuildExec(spec, p, specconv.ExecOptions{InitPid: 1, Fds: nsenter.LayoutFds(nsenter.FdNeeds{Console: true})})
		if err != nil {
			checkPlanError(t, err)
			return
		}
		checkPlan(t, plan)
	})
}

// setPointer sets the value at a JSON pointer in a decoded JSON document,
// making the objects on the way and appending to arrays at their length.
func setPointer(doc any, tokens []string, value any) any {
	if len(tokens) == 0 {
		return value
	}
	key := strings.NewReplacer("~1", "/", "~0", "~").Replace(tokens[0])
	switch d := doc.(type) {
	case map[string]any:
		d[key] = setPointer(d[key], tokens[1:], value)
		return d
	case []any:
		i := 0
		for _, c := range key {
			if c < '0' || c > '9' || i > len(d) {
				return d
			}
			i = i*10 + int(c-'0')
		}
		if i == len(d) {
			d = append(d, nil)
		}
		if i < len(d) {
			d[i] = setPointer(d[i], tokens[1:], value)
		}
		return d
	}
	return setPointer(map[string]any{}, tokens, value)
}

// FuzzBuildField: `rt spec`'s config with one field set to a value (any
// JSON), then the create and exec plans. The mutations go where bytes of a
// whole config rarely reach: values of the right shape in every field.
func FuzzBuildField(f *testing.F) {
	base, err := json.Marshal(baseSpec())
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][2]string{
		{"/linux/resources", `{"memory":{"limit":1048576,"reservation":2097152}}`},
		{"/linux/devices/0", `{"path":"/dev/x","type":"p","major":1}`},
		{"/process/rlimits/1", `{"type":"RLIMIT_NOFILE","soft":2,"hard":1}`},
		{"/hooks/poststop/0", `{"path":"/bin/true","timeout":0}`},
		{"/linux/seccomp", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`},
		{"/mounts/0/options", `["rbind","idmap"]`},
		{"/linux/namespaces/5", `{"type":"user"}`},
		{"/process/capabilities", `null`},
		{"/process/user/additionalGids", `[1,2,3]`},
		{"/linux/timeOffsets/monotonic", `{"secs":1}`},
		{"/process/scheduler", `{"policy":"SCHED_DEADLINE","runtime":1}`},
		{"/linux", `{}`},
		{"/ociVersion", `"1.0.2-dev"`},
	} {
		f.Add(seed[0], []byte(seed[1]))
	}
	bundle := fuzzBundle(f)
	f.Fuzz(func(t *testing.T, pointer string, value []byte) {
		var doc, v any
		if json.Unmarshal(base, &doc) != nil || json.Unmarshal(value, &v) != nil || !strings.HasPrefix(pointer, "/") {
			return
		}
		data, err := json.Marshal(setPointer(doc, strings.Split(pointer[1:], "/"), v))
		if err != nil {
			return
		}
		spec, err := fuzzLoad(t, bundle, data)
		if err != nil {
			return
		}
		o := defaultOptions()
		o.Bundle = bundle
		if plan, err := specconv.Build(spec, o); err != nil {
			checkPlanError(t, err)
		} else {
			checkPlan(t, plan)
		}
		plan, err := specconv.BuildExec(spec, spec.Process, specconv.ExecOptions{InitPid: 1, Fds: nsenter.LayoutFds(nsenter.FdNeeds{Console: true})})
		if err != nil {
			checkPlanError(t, err)
			return
		}
		checkPlan(t, plan)
	})
}
