package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/rt-runtime/rt/libct"
)

// cliEffects: rt asks libct for every change to its own process that
// makes it behave as runc (libct.Effects).
var cliEffects = libct.Effects{Subreaper: true, WarmCgroup: true}

// containerFlags are the flags create and run share.
type containerFlags struct {
	bundle        string
	pidFile       string
	consoleSocket string
	pidfdSocket   string
	noPivot       bool
	noNewKeyring  bool
	preserveFds   int
}

func (f *containerFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVarP(&f.bundle, "bundle", "b", ".", "bundle directory (holds config.json)")
	fl.StringVar(&f.pidFile, "pid-file", "", "write the init's pid to this file")
	fl.StringVar(&f.consoleSocket, "console-socket", "", "unix socket that receives the pty master")
	fl.StringVar(&f.pidfdSocket, "pidfd-socket", "", "unix socket that receives a pidfd of the container's init")
	fl.BoolVar(&f.noPivot, "no-pivot", false, "use a move mount and chroot instead of pivot_root")
	fl.BoolVar(&f.noNewKeyring, "no-new-keyring", false, "keep the caller's session keyring")
	fl.IntVar(&f.preserveFds, "preserve-fds", 0, "pass this many fds after stdio to the container")
}

func (f *containerFlags) options(id string) libct.CreateOptions {
	return libct.CreateOptions{
		Root: g.root, ID: id, Bundle: f.bundle, PidFile: f.pidFile, ConsoleSocket: f.consoleSocket,
		PidfdSocket: f.pidfdSocket, NoPivot: f.noPivot, NoNewKeyring: f.noNewKeyring, PreserveFds: f.preserveFds,
		Stdio: [3]*os.File{os.Stdin, os.Stdout, os.Stderr}, Warn: logWarn, SystemdCgroup: g.systemdCgroup, RootlessCgroup: g.rootless,
		ListenFds: libct.ListenFdsFromEnv(), NotifySocket: libct.NotifySocketFromEnv(), Effects: cliEffects,
	}
}

func createCommand() *cobra.Command {
	var f containerFlags
	cmd := &cobra.Command{
		Use:   "create [flags] ID",
		Short: "create a container; its process waits for `rt start`",
		Args:  exactlyOneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := libct.Create(cmd.Context(), f.options(args[0]))
			if err != nil {
				return err
			}
			c.Close()
			return nil
		},
	}
	f.register(cmd)
	return cmd
}
