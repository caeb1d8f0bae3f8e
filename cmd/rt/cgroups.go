package main

import "github.com/spf13/cobra"

// cgroupCommands are update, events and ps (update.go, events.go, ps.go).
func cgroupCommands() []*cobra.Command {
	return []*cobra.Command{updateCommand(), eventsCommand(), psCommand()}
}
