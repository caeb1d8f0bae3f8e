package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rt-runtime/rt/libct"
)

func psCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "ps [-f table|json] ID [ps options]",
		Short: "list the processes of a container",
		Long: `List the processes of a container (its cgroup, nested ones included).
json prints their host pids as a JSON array; table runs ps with the options
(default -ef) and keeps the lines of the container's processes.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return fmt.Errorf("invalid --format %q: want table or json", format)
			}
			c, err := libct.Load(g.root, args[0], false)
			if err != nil {
				return err
			}
			pids, err := c.Processes(cmd.Context())
			if err != nil {
				return err
			}
			if format == "json" {
				return json.NewEncoder(os.Stdout).Encode(append(make([]int, 0, len(pids)), pids...))
			}
			return psTable(pids, args[1:])
		},
	}
	// Everything after the id belongs to ps.
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().StringVarP(&format, "format", "f", "table", "table or json")
	return cmd
}

// psTable runs ps and prints its header and the lines whose PID column is
// one of pids.
func psTable(pids []int, psArgs []string) error {
	if len(psArgs) == 0 {
		psArgs = []string{"-ef"}
	}
	out, err := exec.Command("ps", psArgs...).Output()
	if err != nil {
		return fmt.Errorf("ps %s: %w", strings.Join(psArgs, " "), err)
	}
	lines, err := psFilter(string(out), pids)
	if err != nil {
		return fmt.Errorf("ps %s: %w", strings.Join(psArgs, " "), err)
	}
	for _, line := range lines {
		fmt.Println(line)
	}
	return nil
}

// psFilter keeps ps's header and the lines whose PID column is one of pids.
func psFilter(out string, pids []int) ([]string, error) {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	col := slices.Index(strings.Fields(lines[0]), "PID")
	if col < 0 {
		return nil, fmt.Errorf("its output has no PID column")
	}
	kept := lines[:1]
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if col >= len(f) {
			continue
		}
		if pid, err := strconv.Atoi(f[col]); err == nil && slices.Contains(pids, pid) {
			kept = append(kept, line)
		}
	}
	return kept, nil
}
