package main

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rt-runtime/rt/libct"
)

func init() { commands["checkpoint"], commands["restore"] = checkpointCommand, restoreCommand }

// criuFlags are the flags checkpoint and restore share (runc's names).
type criuFlags struct {
	o libct.CriuOptions
}

func (f *criuFlags) register(cmd *cobra.Command, checkpoint bool) {
	fl := cmd.Flags()
	o := &f.o
	fl.StringVar(&o.ImagePath, "image-path", "", "directory of the CRIU images (default: ./checkpoint)")
	fl.StringVar(&o.WorkPath, "work-path", "", "directory for CRIU's work files and log")
	fl.BoolVar(&o.TCPEstablished, "tcp-established", false, "allow open TCP connections")
	fl.BoolVar(&o.ExtUnixSk, "ext-unix-sk", false, "allow external unix sockets")
	fl.BoolVar(&o.ShellJob, "shell-job", false, "allow shell jobs")
	fl.BoolVar(&o.FileLocks, "file-locks", false, "handle file locks")
	fl.StringVar(&o.ManageCgroupsMode, "manage-cgroups-mode", "", "cgroups mode: soft, full, strict or ignore (default: CRIU's, soft)")
	fl.StringArrayVar(&o.EmptyNs, "empty-ns", nil, "make this namespace but do not restore its properties (network)")
	fl.BoolVar(&o.AutoDedup, "auto-dedup", false, "deduplicate memory images")
	fl.BoolVar(&o.LazyPages, "lazy-pages", false, "restore memory pages lazily (userfaultfd)")
	if !checkpoint {
		return
	}
	fl.StringVar(&o.ParentPath, "parent-path", "", "previous (pre-dump) images, relative to --image-path")
	fl.BoolVar(&o.LeaveRunning, "leave-running", false, "leave the container running after the checkpoint")
	fl.BoolVar(&o.TCPSkipInFlight, "tcp-skip-in-flight", false, "skip in-flight TCP connections")
	fl.BoolVar(&o.LinkRemap, "link-remap", false, "link unlinked files back when possible")
	fl.BoolVar(&o.PreDump, "pre-dump", false, "dump the memory only; the container keeps running")
	fl.IntVar(&o.StatusFd, "status-fd", -1, "with --lazy-pages, CRIU writes \\0 here once ready")
	fl.StringVar(&o.PageServer, "page-server", "", "ADDRESS:PORT of the page server")
}

// absImagePath sets the image path, ./checkpoint by default as runc's,
// absolute.
func (f *criuFlags) absImagePath() error {
	p := f.o.ImagePath
	if p == "" {
		p = "checkpoint"
	}
	abs, err := filepath.Abs(p)
	f.o.ImagePath = abs
	return err
}

func checkpointCommand() *cobra.Command {
	var f criuFlags
	cmd := &cobra.Command{
		Use:   "checkpoint [flags] ID",
		Short: "checkpoint a running container with CRIU",
		Args:  exactlyOneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.absImagePath(); err != nil {
				return err
			}
			return withLocked(args[0], func(c *libct.Container) error { return c.Checkpoint(cmd.Context(), f.o) })
		},
	}
	f.register(cmd, true)
	return cmd
}

func restoreCommand() *cobra.Command {
	var f criuFlags
	var bundle, pidFile, consoleSocket string
	var detach, noPivot, noSubreaper bool
	cmd := &cobra.Command{
		Use:   "restore [flags] ID",
		Short: "restore a container from a CRIU checkpoint",
		Args:  exactlyOneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.absImagePath(); err != nil {
				return err
			}
			c, err := libct.Restore(cmd.Context(), libct.RestoreOptions{CriuOptions: f.o, Root: g.root, ID: args[0],
				Bundle: bundle, PidFile: pidFile, ConsoleSocket: consoleSocket, NoPivot: noPivot,
				Stdio: [3]*os.File{os.Stdin, os.Stdout, os.Stderr}, SystemdCgroup: g.systemdCgroup, Warn: logWarn})
			if err != nil {
				return err
			}
			defer c.Close()
			if detach {
				return nil
			}
			status, err := c.WaitRestored(cmd.Context(), libct.Foreground{ForwardSignals: true, ReapOrphans: !noSubreaper})
			if err != nil {
				return err
			}
			return &exitError{code: status}
		},
	}
	f.register(cmd, false)
	fl := cmd.Flags()
	fl.StringVarP(&bundle, "bundle", "b", ".", "bundle directory (holds config.json)")
	fl.BoolVarP(&detach, "detach", "d", false, "detach from the restored container")
	fl.StringVar(&pidFile, "pid-file", "", "write the restored init's pid to this file")
	fl.StringVar(&consoleSocket, "console-socket", "", "unix socket that receives the pty master")
	fl.BoolVar(&noPivot, "no-pivot", false, "accepted for runc compatibility (CRIU sets the root)")
	fl.BoolVar(&noSubreaper, "no-subreaper", false, "do not reap orphaned processes while waiting")
	return cmd
}

// annotationCheckpoint is runc's: clients look for it in `features` to
// know checkpoint and restore work. rt reports it only where CRIU does.
const annotationCheckpoint = "org.opencontainers.runc.checkpoint.enabled"

// checkpointAnnotation adds annotationCheckpoint where CRIU works.
func checkpointAnnotation(a map[string]string) {
	if libct.CriuWorks(g.root) {
		a[annotationCheckpoint] = "true"
	}
}
