package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// newWatchCmd is replaced by the watch mode implementation.
func newWatchCmd(env Env, c *common) *cobra.Command {
	return &cobra.Command{
		Use:    "watch",
		Short:  "Plan (and optionally apply) continuously on a config directory",
		Hidden: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("watch is not available yet")
		},
	}
}
