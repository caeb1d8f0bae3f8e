package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/rt-runtime/rt/libct"
)

// event is one line of `rt events`, as runc prints it: type "stats" with
// the counters as data, or "oom".
type event struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Data any    `json:"data,omitempty"`
}

// oomPoll is how often the stream looks for new OOM kills between two
// samples.
const oomPoll = 100 * time.Millisecond

func eventsCommand() *cobra.Command {
	var stats bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "events [--stats] [--interval D] ID",
		Short: "print a container's cgroup statistics and OOM events as JSON",
		Long: `Print the container's statistics every interval and an "oom" event for
each process the OOM killer kills, one JSON object a line, until the
container stops. With --stats, print the statistics once.`,
		Args: exactlyOneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			if interval <= 0 {
				return fmt.Errorf("invalid --interval %v: must be positive", interval)
			}
			c, err := libct.Load(g.root, args[0], false)
			if err != nil {
				return err
			}
			if st := c.Status(); st == libct.Stopped || st == libct.Creating {
				return fmt.Errorf("container %q is %s (container not running)", c.State.ID, st)
			}
			enc := json.NewEncoder(os.Stdout)
			if stats {
				s, err := c.Stats(cmd.Context())
				if err != nil {
					return err
				}
				return enc.Encode(event{Type: "stats", ID: c.State.ID, Data: s})
			}
			return streamEvents(cmd.Context(), c, interval, enc)
		},
	}
	cmd.Flags().BoolVar(&stats, "stats", false, "print the statistics once and exit")
	cmd.Flags().DurationVar(&interval, "interval", 5*time.Second, "time between two samples")
	return cmd
}

// streamEvents prints a sample every interval and an OOM event for each
// new OOM kill (the oom_kill counter, read every oomPoll), until the
// container stops. The counter is read once more after the stop, so an
// OOM kill of the init itself is reported.
func streamEvents(ctx context.Context, c *libct.Container, interval time.Duration, enc *json.Encoder) error {
	seen, oomErr := c.OOMKills(ctx)
	checkOOM := func() error {
		if oomErr != nil {
			return nil // no memory controller: no OOM events
		}
		n, err := c.OOMKills(ctx)
		for ; err == nil && seen < n; seen++ {
			if err := enc.Encode(event{Type: "oom", ID: c.State.ID}); err != nil {
				return err
			}
		}
		return nil
	}
	samples := time.NewTicker(interval)
	defer samples.Stop()
	polls := time.NewTicker(min(interval, oomPoll))
	defer polls.Stop()
	for {
		select {
		case <-polls.C:
		case <-samples.C:
			if s, err := c.Stats(ctx); err != nil {
				logWarn(fmt.Sprintf("events: %v", err))
			} else if err := enc.Encode(event{Type: "stats", ID: c.State.ID, Data: s}); err != nil {
				return err
			}
		}
		stopped := c.Status() == libct.Stopped
		if err := checkOOM(); err != nil || stopped {
			return err
		}
	}
}
