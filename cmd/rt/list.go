package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/rt-runtime/rt/libct"
)

func listCommand() *cobra.Command {
	var quiet bool
	var format string
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "list containers",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return fmt.Errorf("invalid --format %q: want table or json", format)
			}
			// As runc: a missing default root is no containers yet; a
			// --root given explicitly must exist.
			if cmd.Flags().Changed("root") {
				if err := libct.CheckRoot(g.root); errors.Is(err, os.ErrNotExist) {
					return err
				}
			}
			cs, err := libct.List(g.root)
			if err != nil {
				return err
			}
			states := make([]stateJSON, 0, len(cs))
			for _, c := range cs {
				states = append(states, toStateJSON(c))
			}
			// one write for the whole list (tabwriter writes each cell)
			out := bufio.NewWriter(os.Stdout)
			switch {
			case quiet:
				for _, s := range states {
					fmt.Fprintln(out, s.ID)
				}
			case format == "json":
				data, _ := json.Marshal(states)
				fmt.Fprintln(out, string(data))
			default:
				w := tabwriter.NewWriter(out, 12, 1, 3, ' ', 0)
				fmt.Fprint(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
				for _, s := range states {
					fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", s.ID, s.Pid, s.Status, s.Bundle, s.Created, s.Owner)
				}
				w.Flush()
			}
			return out.Flush()
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the ids")
	cmd.Flags().StringVarP(&format, "format", "f", "table", "table or json")
	return cmd
}
