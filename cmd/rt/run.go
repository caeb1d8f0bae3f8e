package main

import (
	"github.com/spf13/cobra"

	"github.com/rt-runtime/rt/libct"
)

func runCommand() *cobra.Command {
	var f containerFlags
	var detach, keep, noSubreaper bool
	cmd := &cobra.Command{
		Use:   "run [flags] ID",
		Short: "create and start a container; in the foreground, wait for it and exit with its status",
		Args:  exactlyOneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			if detach {
				return runDetached(cmd, &f, args[0])
			}
			// rt is the subreaper, so the init is reparented to it; it
			// forwards the signals it gets and exits with the container's
			// status.
			status, err := libct.Run(cmd.Context(), f.options(args[0]),
				libct.Foreground{ForwardSignals: true, ReapOrphans: true, Keep: keep})
			if err != nil {
				return err
			}
			return &exitError{code: status}
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.BoolVarP(&detach, "detach", "d", false, "return once the container runs")
	fl.BoolVar(&keep, "keep", false, "keep the container after it exits (foreground only)")
	fl.BoolVar(&noSubreaper, "no-subreaper", false, "accepted for runc compatibility")
	return cmd
}

func runDetached(cmd *cobra.Command, f *containerFlags, id string) error {
	c, err := libct.Create(cmd.Context(), f.options(id))
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Start(cmd.Context()); err != nil {
		c.Delete(cmd.Context(), true)
		return err
	}
	return nil
}
