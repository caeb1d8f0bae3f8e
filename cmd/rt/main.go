// Command rt is an OCI container runtime with runc's command line.
// Each subcommand lives in its own file; this one holds the root command,
// global flags, logging and the exit path. It never talks to the kernel
// itself: libct does.
//
// Imports: of rt's, libct, and specconv and rootfs for plan, spec and
// features; not nsenter or a cgroup driver (internal/archtest checks it).
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

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"

	"github.com/rt-runtime/rt/libct" // links the C stage's constructor (nsenter)
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

// extraCommands are added by files that only some builds have (man.go).
var extraCommands []func() *cobra.Command

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

func newRootCommand() *cobra.Command {
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
	root.AddCommand(cgroupCommands()...)
	root.AddCommand(createCommand(), startCommand(), stateCommand(), killCommand(), deleteCommand(),
		runCommand(), execCommand(), pauseCommand(), resumeCommand(), listCommand(), specCommand(), planCommand(),
		featuresCommand())
	for _, extra := range extraCommands {
		root.AddCommand(extra())
	}
	return root
}

func main() {
	// One P: rt's Go code is a sequence of syscalls, and a second P only
	// adds the scheduler's spinning and hand-offs between threads (measured
	// here: exec 0.4 ms faster, 20 parallel runs 10% faster, run the same).
	// A GOMAXPROCS in the environment still wins.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	root := newRootCommand()
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
