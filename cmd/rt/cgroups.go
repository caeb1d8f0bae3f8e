package main

import "github.com/spf13/cobra"

// cgroupCommands are update, events and ps.
func cgroupCommands() []*cobra.Command { return nil }
