package libct

import (
	"errors"
	"fmt"

	"github.com/rt-runtime/rt/specerr"
)

// The kinds of error a Go program using libct tells apart with errors.Is.
// The words are runc's, which containerd and podman match.
var (
	// ErrNotExist: no container has that id (wrapped).
	ErrNotExist = errors.New("does not exist")
	// ErrExist: create was given an id that is taken.
	ErrExist = errors.New("container with given ID already exists")
	// ErrNotRunning: the container (or its init) has stopped, or is not
	// running as the operation needs.
	ErrNotRunning = errors.New("container not running")
	// ErrRunning: start was called on a running container.
	ErrRunning = errors.New("container is already running")
	// ErrPaused: the container is paused (exec without IgnorePaused).
	ErrPaused = errors.New("container paused")
	// ErrNotPaused: resume was called on a container that is not paused.
	ErrNotPaused = errors.New("container not paused")
	// ErrCreating: the container is still being created (or its create
	// died half-way: delete --force removes it).
	ErrCreating = errors.New("container is being created")
	// ErrNotStopped: delete without force of a container that is not
	// stopped.
	ErrNotStopped = errors.New("container is not stopped")
)

// FieldError is an error about one field of the config: errors.As finds
// it, with the field's JSON pointer, in what Create, Exec and the hooks
// return.
type FieldError = specerr.FieldError

// StateError is an operation refused because of the container's status.
// errors.Is(err, Kind) holds; the message is worded for the user as runc
// words it.
type StateError struct {
	ID     string
	Status string // the status the container was found in
	Kind   error  // ErrNotRunning, ErrRunning, ErrPaused, ...
	msg    string
}

func (e *StateError) Error() string        { return e.msg }
func (e *StateError) Is(target error) bool { return target == e.Kind }

// stateErr words a StateError: format is the whole message.
func stateErr(kind error, id, status, format string, args ...any) error {
	return &StateError{ID: id, Status: status, Kind: kind, msg: fmt.Sprintf(format, args...)}
}
