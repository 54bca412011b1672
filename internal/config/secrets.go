package config

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
)

// Options says where the secrets a config refers to come from. Both
// functions may be called from several goroutines at once.
type Options struct {
	// Getenv looks an environment variable up. When nil, {env: NAME}
	// references are kept but not resolved (Secret.Value stays empty).
	Getenv func(name string) (string, bool)
	// ReadFile reads a secret file; the path is already joined with the
	// directory of the config file that names it. When nil, {file: path}
	// references are kept but not resolved.
	ReadFile func(path string) ([]byte, error)
	// RecordedExtensionServices names the services that extensions
	// provided when the state was last applied (service → extension). A
	// plan may still list one whose extension was removed since: that is
	// not a config error but a conflict the planner reports.
	RecordedExtensionServices map[string]string
	// Complete, when set, completes a config that decoded without error
	// and checks it in place of the cross-object checks, which it is
	// given (validate) to run when it is ready: a reseller's view of its
	// own directory is completed from the recorded state
	// (plan.ResellerConfig) before it can be checked.
	Complete func(cfg *model.Config, validate func(*model.Config) diag.Diagnostics) diag.Diagnostics
	// CheckRest, when set, runs the checks that come after the load
	// (the plan engine's: a subscriber setting needs its permission)
	// on a config that has errors: it is given the config without the
	// objects that have errors and what uses them (when the rest passes
	// the cross-object checks), and the errors it finds on that rest
	// are reported with the load's, so that independent errors are all
	// shown together. Not with Complete.
	CheckRest func(rest *model.Config) diag.Diagnostics
	// Shared, when set, says the caller works on a core of its own
	// while the files are parsed (Prepare), until it is closed: one
	// worker fewer parses them meanwhile, so that the two do not take
	// turns on the same cores.
	Shared <-chan struct{}
}

// OSOptions resolves secrets from the process environment and the file
// system (by ReadSecretFile: regular files of bounded size only).
func OSOptions() Options {
	return Options{Getenv: os.LookupEnv, ReadFile: ReadSecretFile}
}

// secretHelp says how to write a secret reference in both syntaxes.
const secretHelp = `write {env: NAME} or {file: path} in YAML, env("NAME") or file("path") in HCL`

// secret decodes a secret field: a {env: NAME} or {file: path} map (HCL's
// env() and file() calls arrive as such maps) or a plain literal, which
// is accepted with a warning. The reference is resolved through opts.
func (d *decoder) secret(n *Node, obj decAddr, field string) *model.Secret {
	switch n.Kind {
	case ScalarNode:
		if n.Type == BoolScalar {
			break
		}
		if n.Text == "" {
			// Like an empty variable or secret file: never a usable
			// password, and Plesk refuses it only mid-apply.
			d.errorf(n.Range, obj, field, "%s is empty: give it a value (%s), or leave the field out for it not to be managed", field, secretHelp)
			return nil
		}
		d.warn(n.Range, obj, field, "plain-text password in config; use env(...) or file(...)", secretHelp)
		return &model.Secret{Literal: true, Value: n.Text, Range: n.Range}
	case MapNode:
		if len(n.Entries) != 1 {
			d.errorf(n.Range, obj, field, "a secret reference has exactly one key, env or file; %s", secretHelp)
			return nil
		}
		e := &n.Entries[0]
		if e.Key != "env" && e.Key != "file" {
			d.errorf(e.KeyRange, obj, field, "unknown secret source %q; %s", e.Key, secretHelp)
			return nil
		}
		if e.Value.Kind != ScalarNode || e.Value.Type != StringScalar || e.Value.Text == "" {
			d.errorf(e.Value.Range, obj, field, "%s expects a non-empty string, got %s", e.Key, decDescribe(e.Value))
			return nil
		}
		s := &model.Secret{Range: n.Range}
		if e.Key == "env" {
			s.Env = e.Value.Text
			if !decEnvName(s.Env) {
				d.errorf(e.Value.Range, obj, field, "%q is not a valid environment variable name", s.Env)
				return nil
			}
			d.resolveEnv(s, e.Value, obj, field)
		} else {
			s.File = e.Value.Text
			d.resolveFile(s, e.Value, obj, field)
		}
		return s
	}
	d.errorf(n.Range, obj, field, "expected a secret ({env: NAME}, {file: path} or a string), got %s", decDescribe(n))
	return nil
}

func (d *decoder) resolveEnv(s *model.Secret, n *Node, obj decAddr, field string) {
	if d.opts.Getenv == nil {
		return
	}
	v, ok := d.opts.Getenv(s.Env)
	if !ok {
		d.errorf(n.Range, obj, field, "environment variable %s is not set", s.Env)
		return
	}
	if v == "" {
		d.errorf(n.Range, obj, field, "environment variable %s is empty", s.Env)
		return
	}
	s.Value = v
}

func (d *decoder) resolveFile(s *model.Secret, n *Node, obj decAddr, field string) {
	if d.opts.ReadFile == nil {
		return
	}
	b, err := d.opts.ReadFile(secretPath(s.File, d.file.Path))
	if err != nil {
		d.errorf(n.Range, obj, field, "cannot read secret file %s: %s", s.File, decErrText(err))
		return
	}
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		d.errorf(n.Range, obj, field, "secret file %s is empty", s.File)
		return
	}
	s.Value = v
}

// secretPath is the path of secret file name ({file: name}) referenced
// from the config file declaredIn: relative to that file's folder.
func secretPath(name, declaredIn string) string {
	p := filepath.FromSlash(name)
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(declaredIn), p)
	}
	return p
}

// decErrText shortens a file-system error to its cause.
func decErrText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// decEnvName reports whether s is a usable environment variable name.
func decEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
