package cli

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/plansync/plansync/state"
	"github.com/plansync/plansync/state/file"
	"github.com/plansync/plansync/state/postgres"
)

// statePath returns where the state lives: --state, PLANSYNC_STATE, or
// the embedded default under the config directory; for a watch whose
// state file is reached through a link, the file it resolved to when
// the watch started (common.stateFile).
func statePath(env Env, c *common, dir string) string {
	if c.stateFile != "" {
		return c.stateFile
	}
	return givenStatePath(env, c, dir)
}

// givenStatePath is statePath as given, its links not resolved.
func givenStatePath(env Env, c *common, dir string) string {
	if c.State != "" {
		return c.State
	}
	if v := env.env("PLANSYNC_STATE"); v != "" {
		return v
	}
	if name := stateName(env, c); name != "default" {
		// Several named states can live side by side in one config dir
		// (openBackend refuses a name fileStateName changes).
		return filepath.Join(dir, ".plansync", "state-"+fileStateName(name)+".json")
	}
	return filepath.Join(dir, ".plansync", "state.json")
}

// fileStateName is a state name as its file's name holds it: safe
// file-name characters only, not starting with a dot.
func fileStateName(name string) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, name)
	return strings.TrimLeft(safe, ".")
}

// checkFileStateName refuses a state name that its file's name cannot
// hold as it is: two such names would share one file (eu/prod and
// eu_prod, .x and x), and a plan or apply of one would read and write
// the other's state.
func checkFileStateName(name string) error {
	safe := fileStateName(name)
	if safe == name {
		return nil
	}
	if safe == "" {
		return fmt.Errorf("state name %q (--state-name or PLANSYNC_STATE_NAME): a state kept in a state file is named with letters, digits, '-', '_' and '.' only, not starting with '.'", name)
	}
	return fmt.Errorf("state name %q (--state-name or PLANSYNC_STATE_NAME): a state kept in a state file is named with letters, digits, '-', '_' and '.' only, not starting with '.', or its file would be another name's too (.plansync/state-%s.json is also the state named %s); name it %s (the same file), or keep it in PostgreSQL, where every name is its own", name, safe, safe, safe)
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

// backendErr names the backend in an error from it, unless the error
// already does (so that no message names it twice).
func backendErr(b state.Backend, err error) error {
	if strings.Contains(err.Error(), b.Describe()) {
		return err
	}
	return fmt.Errorf("%s: %w", b.Describe(), err)
}

// isPostgres reports whether loc names a PostgreSQL database.
func isPostgres(loc string) bool {
	return strings.HasPrefix(loc, "postgres://") || strings.HasPrefix(loc, "postgresql://")
}

// schemeRe matches a location that starts with a URL scheme ("mysql:",
// "postgress://"). One letter is not a scheme: "C:\\state.json" is a path.
var schemeRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]+:`)

// knownSchemes lists the URL schemes --state accepts.
const knownSchemes = "postgres://, postgresql://"

// checkLocation refuses a state location that looks like a URL of a
// backend plansync does not have: a misspelt "postgress://…" must not
// quietly become a local file of that name.
func checkLocation(loc string) error {
	if isPostgres(loc) {
		return nil
	}
	if m := schemeRe.FindString(loc); m != "" {
		return fmt.Errorf("state location %q has an unknown URL scheme %q (known schemes: %s; a file whose name has a colon is written with a leading ./)", redactURL(loc), strings.TrimSuffix(m, ":"), knownSchemes)
	}
	return nil
}

// redactURL leaves a URL's password out, from its user info
// ("postgres://u:pw@h" gives "postgres://u@h") or its query
// ("?password=pw"); a URL that cannot be parsed and may hold one is not
// shown at all.
func redactURL(loc string) string {
	u, err := url.Parse(loc)
	if err != nil || u.Scheme == "" {
		if strings.Contains(loc, "@") || strings.Contains(strings.ToLower(loc), "password") {
			return "(the state URL given)"
		}
		return loc
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.User(u.User.Username())
		}
	}
	if q := u.Query(); q.Has("password") {
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// openBackend opens the recorded state's backend: the PostgreSQL state
// named by --state-name for a postgres:// URL, else the state file.
// Nothing is read or connected to until the backend is used.
func openBackend(env Env, c *common, dir string) (state.Backend, error) {
	loc := statePath(env, c, dir)
	if err := checkLocation(loc); err != nil {
		return nil, err
	}
	if isPostgres(loc) {
		return postgres.New(loc, stateName(env, c))
	}
	// A file holds one state: --state-name given together with an
	// explicit state file is ambiguous (PLANSYNC_STATE_NAME, set for a
	// team's shared backend, does not apply to a file named directly).
	explicit := c.State != "" || env.env("PLANSYNC_STATE") != ""
	if name := c.StateName; explicit && name != "" && name != "default" {
		return nil, fmt.Errorf("--state-name %s cannot name a state in the state file %s: a file holds one state (name the file itself, or use the default .plansync folder, where --state-name picks .plansync/state-%s.json)", name, loc, name)
	}
	if name := stateName(env, c); !explicit && name != "default" {
		if err := checkFileStateName(name); err != nil {
			return nil, err
		}
	}
	if env.useCache {
		return cachedFileBackend(env, file.New(loc), dir), nil
	}
	return file.New(loc), nil
}
