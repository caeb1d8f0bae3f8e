package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/rt-runtime/rt/libct"
)

func planCommand() *cobra.Command {
	var bundle string
	var noPivot bool
	cmd := &cobra.Command{
		Use:   "plan [-b DIR | DIR]",
		Short: "print the operations the C stage would execute for a bundle",
		Long: "plan prints, one per line, the operations rt's C stage would execute to create\n" +
			"a container from the bundle: namespaces, mounts, devices, pivot_root, credentials,\n" +
			"exec. Each line ends with the config field it comes from. Nothing is changed.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				bundle = args[0]
			}
			plan, err := libct.PlanFor(bundle, "plan", noPivot, false)
			if err != nil {
				return err
			}
			if s := plan.DescribeFlags(); s != "" {
				fmt.Printf("  -  %s\n", s)
			}
			for i, op := range plan.Ops {
				fmt.Printf("%3d  %s\n", i, op)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&bundle, "bundle", "b", ".", "bundle directory")
	cmd.Flags().BoolVar(&noPivot, "no-pivot", false, "plan for --no-pivot")
	return cmd
}
