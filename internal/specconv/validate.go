package specconv

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// validateConfig is the validation pass over the fields the plan builders
// do not check as they go (runc's configs/validate, and what the spec says
// MUST be an error). It runs before anything is made, for create, run and
// plan alike. Each check is nil-safe: the presence of the required
// sections is Validate's.
func validateConfig(spec *specs.Spec) error {
	checks := []func(*specs.Spec) error{
		checkOCIVersion,
		checkUnsupported,
		checkHooks,
		func(s *specs.Spec) error { return validateProcess(s.Process, "/process") },
		checkLinux,
	}
	for _, check := range checks {
		if err := check(spec); err != nil {
			return err
		}
	}
	if spec.Linux != nil {
		return ValidateResources(spec.Linux.Resources)
	}
	return nil
}

// semver is SemVer 2.0.0's grammar (semver.org's regular expression),
// compiled when first needed, not in every rt command's start-up.
var semver = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
		`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
		`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
})

// checkOCIVersion: config.md says ociVersion is REQUIRED and in SemVer
// 2.0.0 form; rt implements the 1.x specs, whose minor versions are
// backwards compatible, so any 1.x.y (with a pre-release or build suffix)
// is accepted and anything else refused.
func checkOCIVersion(spec *specs.Spec) error {
	v := spec.Version
	switch m := semver().FindStringSubmatch(v); {
	case v == "":
		return fieldErr("/ociVersion", "missing: name the runtime-spec version the bundle follows (rt implements 1.x, e.g. %q)", specs.Version)
	case m == nil:
		return fieldErr("/ociVersion", "%q is not a semantic version (want 1.MINOR.PATCH, e.g. %q)", v, specs.Version)
	case m[1] != "1":
		return fieldErr("/ociVersion", "version %s of the runtime spec is not supported: rt implements 1.x (up to %s)", v, specs.Version)
	}
	return nil
}

// unsupported are config fields rt does not implement yet: asking for one
// is an error, never a setting silently left out (config.md: "Runtimes
// MUST generate an error when ... unsupported values are encountered").
// `rt features` says the same.
var unsupported = []struct {
	field string
	set   func(*specs.Linux) bool
}{
	{"/linux/intelRdt", func(l *specs.Linux) bool { return l.IntelRdt != nil }},
	{"/linux/netDevices", func(l *specs.Linux) bool { return len(l.NetDevices) > 0 }},
}

func checkUnsupported(spec *specs.Spec) error {
	if spec.Linux == nil {
		return nil
	}
	for _, u := range unsupported {
		if u.set(spec.Linux) {
			return fieldErr(u.field, "not supported by rt: remove it, or use a runtime that implements it")
		}
	}
	return nil
}

// checkHooks: config.md (POSIX-platform hooks): path MUST be absolute, and a
// timeout, if set, MUST be greater than zero. env holds NAME=VALUE entries.
func checkHooks(spec *specs.Spec) error {
	h := spec.Hooks
	if h == nil {
		return nil
	}
	for _, kind := range []struct {
		name  string
		hooks []specs.Hook
	}{
		{"prestart", h.Prestart}, //nolint:staticcheck // deprecated, still run
		{"createRuntime", h.CreateRuntime}, {"createContainer", h.CreateContainer},
		{"startContainer", h.StartContainer}, {"poststart", h.Poststart}, {"poststop", h.Poststop},
	} {
		for i, hook := range kind.hooks {
			field := fmt.Sprintf("/hooks/%s/%d", kind.name, i)
			if !path.IsAbs(hook.Path) {
				return fieldErr(field+"/path", "hook path %q is not absolute", hook.Path)
			}
			if hook.Timeout != nil && *hook.Timeout <= 0 {
				return fieldErr(field+"/timeout", "timeout %d must be greater than zero (seconds)", *hook.Timeout)
			}
			if err := checkEnv(hook.Env, field+"/env"); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkEnv: every entry is NAME=VALUE with a non-empty NAME (runc refuses
// the others too).
func checkEnv(env []string, field string) error {
	for i, e := range env {
		name, _, ok := strings.Cut(e, "=")
		switch {
		case !ok:
			return fieldErr(fmt.Sprintf("%s/%d", field, i), "%q is not NAME=VALUE: it has no '='", e)
		case name == "":
			return fieldErr(fmt.Sprintf("%s/%d", field, i), "%q has an empty variable name", e)
		}
	}
	return nil
}

// warnIgnored reports the fields rt accepts and leaves out, as runc does:
// kernel memory limits (Linux 5.16 and later ignore them too), mount
// destinations that are not absolute (taken as relative to /), and the
// device numbers of a fifo (config-linux.md makes them optional for type
// p; the runtime-tools suite's linux_devices gives some, and runc takes it).
func warnIgnored(spec *specs.Spec, warn func(string)) {
	if l := spec.Linux; l != nil && l.Resources != nil && l.Resources.Memory != nil && l.Resources.Memory.Kernel != nil { //nolint:staticcheck
		warn("/linux/resources/memory/kernel: kernel memory limits are ignored (Linux 5.16 and later ignore them too)")
	}
	if spec.Linux != nil {
		for i, d := range spec.Linux.Devices {
			if d.Type == "p" && (d.Major != 0 || d.Minor != 0) {
				warn(fmt.Sprintf("/linux/devices/%d: a fifo (type p) has no device numbers: major %d and minor %d are ignored", i, d.Major, d.Minor))
			}
		}
	}
	for i, m := range spec.Mounts {
		if m.Destination != "" && !path.IsAbs(m.Destination) {
			warn(fmt.Sprintf("/mounts/%d/destination: %q is not absolute: taken as relative to /", i, m.Destination))
		}
	}
}
