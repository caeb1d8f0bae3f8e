package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/rt-runtime/rt/libct"
)

func exactlyOneID(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("%s: expected one container id, got %d arguments", cmd.Name(), len(args))
	}
	return nil
}

// withLocked loads container id holding its lock, runs fn, and unlocks.
func withLocked(id string, fn func(*libct.Container) error) error {
	c, err := libct.Load(g.root, id, true)
	if err != nil {
		return err
	}
	defer c.Close()
	c.Warn = logWarn
	return fn(c)
}

func startCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "start ID",
		Short: "start the process of a created container",
		Args:  exactlyOneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withLocked(args[0], func(c *libct.Container) error { return c.Start(cmd.Context()) })
		},
	}
}

// stateJSON is the runtime-spec state, plus runc's extra fields.
type stateJSON struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      string            `json:"status"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     string            `json:"created"`
	Owner       string            `json:"owner"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

func toStateJSON(c *libct.Container) stateJSON {
	s := c.State
	st := c.Status()
	// A stopped container keeps reporting its init's last pid: runtime.md
	// requires the pid while created or running and allows it after.
	return stateJSON{OCIVersion: s.OCIVersion, ID: s.ID, Pid: s.Pid, Status: st, Bundle: s.Bundle,
		Rootfs: s.Rootfs, Created: formatCreated(s.Created), Owner: c.Owner(),
		Annotations: s.Annotations}
}

func stateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "state ID",
		Short: "print the state of a container as JSON",
		Args:  exactlyOneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := libct.Load(g.root, args[0], false)
			if err != nil {
				return err
			}
			out, _ := json.MarshalIndent(toStateJSON(c), "", "  ")
			fmt.Fprintln(os.Stdout, string(out))
			return nil
		},
	}
}

func killCommand() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "kill [--all] ID [SIGNAL]",
		Short: "send a signal (default SIGTERM) to a container's init",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return fmt.Errorf("kill: expected ID [SIGNAL], got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			name := "SIGTERM"
			if len(args) == 2 {
				name = args[1]
			}
			sig, err := libct.ParseSignal(name)
			if err != nil {
				return err
			}
			c, err := libct.Load(g.root, args[0], false)
			if err != nil {
				return err
			}
			return c.Kill(cmd.Context(), sig, all)
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "signal every process of the container")
	return cmd
}

func deleteCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "delete [-f] ID",
		Short: "delete a stopped container (with --force, any container)",
		Args:  exactlyOneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			err := withLocked(args[0], func(c *libct.Container) error { return c.Delete(cmd.Context(), force) })
			if !errors.Is(err, libct.ErrNotExist) {
				return err
			}
			// A state dir without state.json (its create was killed early)
			// goes, with or without --force, as runc does.
			if _, staleErr := libct.RemoveStale(g.root, args[0]); staleErr != nil {
				return staleErr
			}
			if force {
				return nil // runc: nothing to force away is not an error
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "kill the container if it runs")
	return cmd
}

func pauseCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "pause ID",
		Short: "freeze every process of a container",
		Args:  exactlyOneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withLocked(args[0], func(c *libct.Container) error { return c.Pause(cmd.Context()) })
		},
	}
}

func resumeCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "resume ID",
		Short: "thaw a paused container",
		Args:  exactlyOneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withLocked(args[0], func(c *libct.Container) error { return c.Resume(cmd.Context()) })
		},
	}
}
