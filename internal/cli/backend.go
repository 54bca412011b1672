package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/plansync/plansync/state"
	"github.com/plansync/plansync/state/file"
)

// statePath returns where the state lives: --state, PLANSYNC_STATE, or
// the embedded default under the config directory.
func statePath(env Env, c *common, dir string) string {
	if c.State != "" {
		return c.State
	}
	if v := env.env("PLANSYNC_STATE"); v != "" {
		return v
	}
	return filepath.Join(dir, ".plansync", "state.json")
}

// stateName returns the name of the state within a shared backend.
func stateName(env Env, c *common) string {
	if c.StateName != "" {
		return c.StateName
	}
	if v := env.env("PLANSYNC_STATE_NAME"); v != "" {
		return v
	}
	return "default"
}

// openBackend opens the recorded state's backend.
func openBackend(env Env, c *common, dir string) (state.Backend, error) {
	loc := statePath(env, c, dir)
	if strings.HasPrefix(loc, "postgres://") || strings.HasPrefix(loc, "postgresql://") {
		return nil, fmt.Errorf("the PostgreSQL state backend is not available in this build")
	}
	return file.New(loc), nil
}
