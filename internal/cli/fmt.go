package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newFmtCmd is replaced by the formatter implementation.
func newFmtCmd(env Env, c *common) *cobra.Command {
	return &cobra.Command{
		Use:    "fmt",
		Short:  "Rewrite HCL config files canonically",
		Hidden: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("fmt is not available yet")
		},
	}
}
