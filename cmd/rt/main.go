// Command rt is an OCI container runtime with runc's command line.
// Each subcommand lives in its own file; this one holds the root command,
// global flags, logging and the exit path. It never talks to the kernel
// itself: libct does.
//
// Imports: of rt's, libct, onep (one P), and specconv and rootfs for plan,
// spec and features; not nsenter or a cgroup driver (internal/archtest
// checks it).
//
// rt lives for milliseconds, so the Go runtime's work for long runs is
// turned off below: the goroutine that updates GOMAXPROCS as the cgroup's
// CPU limit changes, and the names given to each anonymous mapping.
//
//go:debug updatemaxprocs=0
//go:debug decoratemappings=0
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"

	_ "github.com/rt-runtime/rt/internal/onep" // one P, from early in the package inits
	"github.com/rt-runtime/rt/libct"           // links the C stage's constructor (nsenter)
)

var (
	version = "0.1.0"
	commit  = "unknown"
)

// globals are the flags every command shares.
type globals struct {
	root          string
	log           string
	logFormat     string
	debug         bool
	systemdCgroup bool
	rootless      string
}

var g globals

// commands builds each of rt's commands, by the name (or alias) that
// runs it. A command line builds only the command it names (onlyCommand):
// building all of them with their flags took 0.15 to 0.2 ms of every rt
// command. Files that only some builds have (man.go) add theirs in init.
var commands = map[string]func() *cobra.Command{
	"create": createCommand, "start": startCommand, "state": stateCommand, "kill": killCommand,
	"delete": deleteCommand, "run": runCommand, "exec": execCommand, "pause": pauseCommand,
	"resume": resumeCommand, "list": listCommand, "ls": listCommand, "spec": specCommand,
	"plan": planCommand, "features": featuresCommand, "update": updateCommand,
	"events": eventsCommand, "ps": psCommand,
}

// exitError carries a status to exit with, without a message (run uses it
// to pass the container's status through).
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// defaultRoot is /run/rt for root in the initial user namespace and
// $XDG_RUNTIME_DIR/rt otherwise (rootless); "" when that is unset, which
// checkRoot turns into an error for the commands that keep state.
func defaultRoot() string {
	if !libct.Rootless() {
		return "/run/rt"
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, "rt")
	}
	return ""
}

// stateless are the commands that use no --root.
var stateless = map[string]bool{"spec": true, "features": true, "plan": true, "help": true,
	"completion": true, "man": true, "rt": true, "__complete": true}

// checkRoot refuses an empty --root: a rootless rt without
// $XDG_RUNTIME_DIR has no default.
func checkRoot(cmd *cobra.Command) error {
	if g.root != "" || stateless[cmd.Name()] {
		return nil
	}
	if !cmd.Flags().Changed("root") {
		return errors.New("XDG_RUNTIME_DIR is not set: rootless rt keeps its state in $XDG_RUNTIME_DIR/rt; set it or give --root")
	}
	return errors.New("--root is empty")
}

func newRootCommand(args []string) *cobra.Command {
	root := &cobra.Command{
		Use:           "rt",
		Short:         "rt runs OCI containers (a runc-compatible runtime)",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if g.debug {
				libct.Debug = logDebug
			}
			err := openLog()
			logDebug(fmt.Sprintf("%s: command line parsed", cmd.CommandPath()))
			if err != nil {
				return err
			}
			return checkRoot(cmd)
		},
	}
	root.SetVersionTemplate(fmt.Sprintf("rt version %s\ncommit: %s\nspec: %s\ngo: %s\n",
		version, commit, specs.Version, runtime.Version()))
	f := root.PersistentFlags()
	f.StringVar(&g.root, "root", defaultRoot(), "directory for the containers' state")
	f.StringVar(&g.log, "log", "", "log file (default: stderr only)")
	f.StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	f.BoolVar(&g.debug, "debug", false, "log debug messages")
	f.BoolVar(&g.systemdCgroup, "systemd-cgroup", false, "make the container's cgroup a systemd scope (cgroupsPath \"slice:prefix:name\")")
	f.StringVar(&g.rootless, "rootless", "auto", "whether the container's cgroup is a rootless one: true, false or auto (not root, or root in a nested user namespace)")
	if build := onlyCommand(root, args); build != nil {
		root.AddCommand(build())
		return root
	}
	built := map[string]bool{}
	for _, build := range commands {
		if cmd := build(); !built[cmd.Name()] {
			built[cmd.Name()] = true
			root.AddCommand(cmd)
		}
	}
	return root
}

// onlyCommand is the builder of the command args run, when they name one
// after nothing but root's global flags (--root DIR, -root DIR,
// --root=DIR, --debug); nil means build them all (help, a version,
// completion, an unknown command and its suggestions).
func onlyCommand(root *cobra.Command, args []string) func() *cobra.Command {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			return commands[a]
		}
		name, _, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		f := root.PersistentFlags().Lookup(name)
		if f == nil {
			return nil
		}
		if !hasValue && !isBool(f) {
			i++ // the flag's value
		}
	}
	return nil
}

func main() {
	root := newRootCommand(os.Args[1:])
	root.SetArgs(normalizeArgs(root, os.Args[1:]))
	err := root.Execute()
	if err == nil {
		return
	}
	var exit *exitError
	if errors.As(err, &exit) {
		os.Exit(exit.code)
	}
	logError(err)
	os.Exit(1)
}
