package config

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
)

// secretFilesAsConfig keeps the content of a secret file that is also a
// config file (a *.yaml, *.yml or *.hcl file in the config directory,
// which the loader reads as config too) out of the diagnostics: read as
// config, a secret is an error whose source line, or message, shows it.
// The diagnostics of such a file are dropped, and each reference to it
// is an error saying what to do instead.
func secretFilesAsConfig(cfg *model.Config, diags diag.Diagnostics) diag.Diagnostics {
	if cfg == nil || len(diags) == 0 {
		return diags
	}
	// The working directory is looked up once, and only the references
	// to a file with diagnostics are kept (and sorted): a fleet may have
	// 100,000 of them.
	wd, _ := os.Getwd()
	abs := func(p string) string { return absIn(wd, p) }
	withDiags := map[string]bool{}
	for _, d := range diags {
		if d.Subject.File != "" {
			withDiags[abs(d.Subject.File)] = true
		}
	}
	type ref struct {
		s           *model.Secret
		path        string
		object, key string
	}
	var refs []ref
	add := func(s *model.Secret, object, key string) {
		if s == nil || s.File == "" || s.Range.File == "" {
			return
		}
		if p := abs(secretPath(s.File, s.Range.File)); withDiags[p] {
			refs = append(refs, ref{s, p, object, key})
		}
	}
	for _, c := range cfg.Customers {
		add(c.Password, "customer "+c.Login, "password")
	}
	for _, r := range cfg.Resellers {
		add(r.Password, "reseller "+r.Login, "password")
	}
	for _, s := range cfg.Subscriptions {
		add(s.FTPPassword, "subscription "+s.Domain, "ftp_password")
	}
	for _, s := range everyServer(cfg) {
		if s == nil || s.Plesk == nil {
			continue
		}
		object := "server"
		if s.Name != "" {
			object = "server " + s.Name
		}
		add(s.Plesk.Key, object, "plesk.key")
		add(s.Plesk.Password, object, "plesk.password")
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].s.Range.String() < refs[j].s.Range.String() })
	hidden := map[string]bool{}
	var out diag.Diagnostics
	for _, r := range refs {
		p := r.path
		hidden[p] = true
		out = append(out, diag.Diagnostic{Severity: diag.Error, Subject: r.s.Range, Object: r.object, Path: r.key,
			Summary: fmt.Sprintf("secret file %s is read as a config file too (it is in the config directory, named *%s): rename it (e.g. %s.txt) or move it out of the config directory",
				r.s.File, filepath.Ext(p), trimExt(filepath.Base(p)))})
	}
	if len(hidden) == 0 {
		return diags
	}
	for _, d := range diags {
		if d.Subject.File == "" || !hidden[abs(d.Subject.File)] {
			out = append(out, d)
		}
	}
	return out
}

// absIn is p made absolute as filepath.Abs does, wd being the working
// directory ("" when unknown: p is only cleaned).
func absIn(wd, p string) string {
	if filepath.IsAbs(p) || wd == "" {
		return filepath.Clean(p)
	}
	return filepath.Join(wd, p)
}

func trimExt(name string) string {
	return name[:len(name)-len(filepath.Ext(name))]
}

// HideSecretFiles does for diagnostics found without loading the config
// (fmt's syntax errors) what a load does: the diagnostics of a secret
// file that is also a config file are dropped for an error at each
// reference to it. The references are found by decoding dir without
// resolving any secret.
func HideSecretFiles(dir string, ds diag.Diagnostics) diag.Diagnostics {
	if !ds.HasErrors() {
		return ds
	}
	p, err := Prepare(context.Background(), dir, Options{})
	if err != nil || p.cfg == nil {
		return ds
	}
	return secretFilesAsConfig(p.cfg, ds)
}
