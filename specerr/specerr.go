// Package specerr owns the error about one field of a container's config:
// a JSON pointer (RFC 6901) naming the field, and what is wrong with it.
// Every package that judges a config (specconv, rootfs, cgroupsfs, libct's
// hooks) returns it, so a caller finds the field with errors.As. It
// imports nothing of rt's, so that every package may import it.
package specerr

import (
	"fmt"
	"strings"
)

// FieldError is a problem with one field of the config. Its message is
// the pointer, ": ", and the problem.
type FieldError struct {
	Field string // JSON pointer, e.g. /linux/resources/memory/limit
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// Errorf is a FieldError about field, worded as fmt.Errorf words format
// (%w wraps).
func Errorf(field, format string, args ...any) error {
	return &FieldError{Field: field, Err: fmt.Errorf(format, args...)}
}

// Escape escapes one reference token of a JSON pointer (RFC 6901: "~" is
// "~0", "/" is "~1"), e.g. a sysctl or cgroup file name used as a key.
func Escape(token string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(token)
}
