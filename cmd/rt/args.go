package main

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// normalizeArgs lets long flags be written with one dash (-root DIR), as
// runc's flag parser and go-runc's callers allow. It stops at the first
// positional argument after the subcommand, as runc does, so the process
// arguments of the container are never touched.
func normalizeArgs(root *cobra.Command, args []string) []string {
	cmd := root
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(out, args[i:]...)
		case strings.HasPrefix(a, "--"):
			name, _, hasValue := strings.Cut(a[2:], "=")
			out = append(out, a)
			if f := lookupFlag(cmd, name); f != nil && !hasValue && !isBool(f) && i+1 < len(args) {
				i++
				out = append(out, args[i])
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			name, _, hasValue := strings.Cut(a[1:], "=")
			var f *pflag.Flag
			if len(name) > 1 {
				if f = lookupFlag(cmd, name); f != nil {
					a = "-" + a
				}
			} else {
				f = lookupShorthand(cmd, name)
			}
			out = append(out, a)
			if f != nil && !hasValue && !isBool(f) && i+1 < len(args) {
				i++
				out = append(out, args[i])
			}
		default:
			if cmd == root {
				if sub, _, err := root.Find([]string{a}); err == nil && sub != root {
					cmd = sub
					out = append(out, a)
					continue
				}
			}
			return append(out, args[i:]...)
		}
	}
	return out
}

func lookupFlag(cmd *cobra.Command, name string) *pflag.Flag {
	// cobra adds --help and --version only when it runs: make them known now.
	cmd.InitDefaultHelpFlag()
	cmd.Root().InitDefaultVersionFlag()
	if f := cmd.Flags().Lookup(name); f != nil {
		return f
	}
	return cmd.Root().PersistentFlags().Lookup(name)
}

func lookupShorthand(cmd *cobra.Command, name string) *pflag.Flag {
	if f := cmd.Flags().ShorthandLookup(name); f != nil {
		return f
	}
	return cmd.Root().PersistentFlags().ShorthandLookup(name)
}

func isBool(f *pflag.Flag) bool { return f.Value.Type() == "bool" }
