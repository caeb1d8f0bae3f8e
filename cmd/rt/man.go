//go:build man

// The man pages come from a build of rt with the tag "man" (make man):
// cobra/doc and its Markdown and YAML packages cost every other rt
// invocation half a millisecond of package initialisation.

package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// manCommand writes a man page in section 8 for rt and each of its
// commands (rt.8, rt-run.8, …) from the cobra tree. `make man` runs it;
// it is hidden, as it is for packagers, not users.
func init() { commands["man"] = manCommand }

func manCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "man DIR",
		Short:  "write the man pages (section 8) of rt and its commands into DIR",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// the whole tree: a command line builds only the command it runs
			return writeManPages(newRootCommand(nil), args[0])
		},
	}
}

// writeManPages replaces DIR's rt pages with the tree's: pages of commands
// that are gone do not linger. Hidden commands and help get none.
func writeManPages(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, root.Name()+"*.8"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	root.DisableAutoGenTag = true
	header := &doc.GenManHeader{
		Title:   "RT",
		Section: "8",
		Source:  fmt.Sprintf("rt %s", version),
		Manual:  "rt manual",
	}
	if err := doc.GenManTree(root, header, dir); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	return nil
}
