package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"

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
			// one write for the whole list
			out := bufio.NewWriterSize(os.Stdout, 64<<10)
			switch {
			case quiet:
				for _, c := range cs {
					fmt.Fprintln(out, c.State.ID)
				}
			case format == "json":
				states := make([]stateJSON, 0, len(cs))
				for _, c := range cs {
					states = append(states, toStateJSON(c))
				}
				data, _ := json.Marshal(states)
				fmt.Fprintln(out, string(data))
			default:
				if err := writeTable(out, 6, listCells(cs)); err != nil {
					return err
				}
			}
			return out.Flush()
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the ids")
	cmd.Flags().StringVarP(&format, "format", "f", "table", "table or json")
	return cmd
}

// listCells makes the table's cells: the pids and created times are
// formatted into one buffer, one allocation for all of them.
func listCells(cs []*libct.Container) []string {
	var buf []byte
	ends := make([]int, 0, 2*len(cs))
	for _, c := range cs {
		buf = strconv.AppendInt(buf, int64(c.State.Pid), 10)
		ends = append(ends, len(buf))
		buf = appendCreated(buf, c.State.Created)
		ends = append(ends, len(buf))
	}
	text := string(buf)
	cells := make([]string, 0, 6*(len(cs)+1))
	cells = append(cells, "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER")
	start := 0
	for i, c := range cs {
		pid, created := text[start:ends[2*i]], text[ends[2*i]:ends[2*i+1]]
		start = ends[2*i+1]
		cells = append(cells, c.State.ID, pid, c.Status(), c.State.Bundle, created, c.Owner())
	}
	return cells
}
