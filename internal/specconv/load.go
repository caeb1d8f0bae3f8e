// Package specconv turns a bundle's config.json into a validated spec and
// then into the plan the C stage executes. It is pure apart from stat-like
// probes of the host (paths exist, namespace files are of their type): it
// never changes the system. Every error names the config field as a JSON
// pointer. It owns the capability and rlimit tables.
//
// Imports: of rt's, only nsenter, rootfs and the field error type; never
// libct or a cgroup package (internal/archtest checks it).
package specconv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/rt-runtime/rt/specerr"
)

// FieldError is a problem with one config field.
type FieldError = specerr.FieldError

func fieldErr(field, format string, args ...any) error {
	return specerr.Errorf(field, format, args...)
}

// Load reads and parses BUNDLE/config.json.
func Load(bundle string) (*specs.Spec, error) {
	name := filepath.Join(bundle, "config.json")
	data, err := os.ReadFile(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("bundle %s has no config.json: %w", bundle, err)
		}
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	var spec specs.Spec
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&spec); err != nil {
		return nil, fmt.Errorf("%s: %s", name, describeJSONError(data, err))
	}
	return &spec, nil
}

// describeJSONError adds the line and column to a decoding error.
func describeJSONError(data []byte, err error) string {
	var offset int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		offset = syn.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
		if typ.Field != "" {
			return fmt.Sprintf("invalid JSON: field %s: cannot use %s as %s (line %d)",
				typ.Field, typ.Value, typ.Type, lineOf(data, offset))
		}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Sprintf("invalid JSON: it ends early, at line %d", lineOf(data, int64(len(data))))
	}
	if offset < 0 {
		return "invalid JSON: " + err.Error()
	}
	return fmt.Sprintf("invalid JSON at line %d: %v", lineOf(data, offset), err)
}

func lineOf(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// RootfsPath is root.path made absolute against the bundle.
func RootfsPath(spec *specs.Spec, bundle string) string {
	if spec.Root == nil {
		return ""
	}
	p := spec.Root.Path
	if !filepath.IsAbs(p) {
		p = filepath.Join(bundle, p)
	}
	return filepath.Clean(p)
}
