package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/plansync/plansync/internal/apply"
	"github.com/plansync/plansync/internal/configfile"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/deploy"
	"github.com/plansync/plansync/internal/render"
	"github.com/plansync/plansync/state"
	"github.com/plansync/plansync/state/file"
)

// configDigest is a digest of the config files a plan was made from
// (their paths relative to the config directory and their contents).
func configDigest(dir string, cfg *model.Config) (string, error) {
	files := append([]string(nil), cfg.Files...)
	sort.Strings(files)
	h := sha256.New()
	for _, rel := range files {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", rel, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// savePlan writes the plan of run to o.Out, atomically.
func savePlan(o planOptions, cfg *model.Config, run *planRun, observed map[string]string, perServer map[string]map[string]string, plesk, as string) error {
	digest, err := configDigest(o.Dir, cfg)
	if err != nil {
		return err
	}
	var text bytes.Buffer
	if err := render.PlanText(&text, run.plan, render.Options{}); err != nil {
		return err
	}
	saved, err := apply.Save(run.plan, run.prior, digest, o.AllowDelete, text.String())
	if err != nil {
		return err
	}
	if saved.Doc, err = render.PlanDoc(run.plan); err != nil {
		return err
	}
	var md bytes.Buffer
	if err := render.PlanMarkdown(&md, run.plan); err != nil {
		return err
	}
	saved.Markdown = md.String()
	if observed != nil {
		saved.Observed = observed
	}
	if len(perServer) > 0 {
		saved.ObservedServers = perServer
	}
	saved.Plesk = plesk
	saved.Unrefreshed = o.NoRefresh
	a, err := parseAs(as)
	if err != nil {
		return err
	}
	saved.As = a.Reseller
	if a.Reseller != "" {
		if err := saved.ScopeTo(a.Reseller); err != nil {
			return err
		}
	}
	data, err := json.Marshal(saved)
	if err != nil {
		return err
	}
	// Through a symbolic link, to the file it names (the link stays).
	return writeFileAtomic(file.FollowLink(o.Out), data)
}

// checkPlanOut refuses, before any planning, a --out that cannot be
// written as a file: an existing directory, something that is not a
// regular file (a named pipe, a device: saving replaces the file), or a
// missing parent folder; one that is a config file of the config
// directory configDir: it would replace that file, or be read as config
// by the next command; and one that is the recorded state file stateLoc
// or a file beside it (its lock, history, backup): it would replace the
// system of record. A symbolic link is judged by the file it names, as
// the plan is written through it.
func checkPlanOut(out, configDir, stateLoc string) error {
	target := file.FollowLink(out)
	fi, err := os.Stat(target)
	if err == nil && fi.IsDir() {
		return fmt.Errorf("--out %s: is a directory; name the file to save the plan to (e.g. %s)", out, filepath.Join(out, "plan.json"))
	}
	if err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("--out %s: is not a regular file (%s); name a file to save the plan to", out, fileKind(fi.Mode()))
	}
	if inConfigTree(out, configDir) || inConfigTree(target, configDir) {
		if configDir == "" {
			configDir = "."
		}
		return fmt.Errorf("--out %s: is a config file of %s (it would replace it, or be read as config); save the plan outside it, or under a name ending in .json", out, configDir)
	}
	if stateLoc != "" && !isPostgres(stateLoc) {
		for _, f := range file.New(stateLoc).Files() {
			if samePath(target, f) {
				return fmt.Errorf("--out %s: is the recorded state file %s (or a file beside it); save the plan elsewhere", out, stateLoc)
			}
		}
	}
	dir := filepath.Dir(target)
	fi, err = os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("--out %s: folder %s does not exist", out, dir)
		}
		return fmt.Errorf("--out %s: %w", out, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("--out %s: %s is not a folder", out, dir)
	}
	return nil
}

// fileKind names what a file that is not a regular one is.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}

// samePath reports whether paths a and b name the same file: the same
// existing file, or the same name once made absolute with the links of
// their folders resolved (for a file not written yet).
func samePath(a, b string) bool {
	if fa, err := os.Stat(a); err == nil {
		if fb, err := os.Stat(b); err == nil {
			return os.SameFile(fa, fb)
		}
	}
	real := func(p string) string {
		if r, err := resolvedName(p); err == nil {
			return r
		}
		return filepath.Clean(p)
	}
	return real(a) == real(b)
}

// resolvedName is p made absolute, with the links of its folder resolved
// (p itself may not exist yet).
func resolvedName(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	if d, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		return filepath.Join(d, filepath.Base(abs)), nil
	}
	return abs, nil
}

// writeFileAtomic writes data to path through a temporary file beside
// it, renamed into place; whatever fails, no temporary file is left.
func writeFileAtomic(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("saving the plan to %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("saving the plan to %s: %w", path, err)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if fi, serr := os.Stat(path); serr == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	return os.Rename(f.Name(), path)
}

// runApplySaved applies exactly a saved plan, refusing it when stale.
func runApplySaved(ctx context.Context, env Env, c *common, o applyOptions) (err error) {
	defer func() {
		// A stale plan is named: CI may hold several.
		var stale *apply.StaleError
		if errors.As(err, &stale) {
			err = fmt.Errorf("%s: %w", o.PlanFile, err)
		}
	}()
	if err := checkFormat(o.Format, "text", "json", "markdown"); err != nil {
		return err
	}
	data, err := os.ReadFile(o.PlanFile)
	if err != nil {
		return err
	}
	saved, err := apply.ReadSaved(data)
	if err != nil {
		return fmt.Errorf("%s: %w", o.PlanFile, err)
	}
	a, err := parseAs(c.As)
	if err != nil {
		return err
	}
	if saved.As != a.Reseller {
		made, now := "as the admin", "as the admin"
		if saved.As != "" {
			made = "with --as reseller:" + saved.As
		}
		if a.Reseller != "" {
			now = "with --as reseller:" + a.Reseller
		}
		return fmt.Errorf("%s: the saved plan was made %s and is applied %s: apply it as it was made; nothing was applied", o.PlanFile, made, now)
	}
	if err := checkDir(o.Dir); err != nil {
		return err
	}
	load := configFor(env, o.Dir)
	if a.Reseller != "" {
		load = tenantConfig(env, o.Dir, a)
	}
	run, cfg, err := lockedConfig(ctx, env, c, o.Dir, "apply", load)
	if err != nil {
		return err
	}
	defer run.close()
	run.saved = true
	b, cur := run.backend, run.prior
	digest, err := configDigest(o.Dir, cfg)
	if err != nil {
		return err
	}
	// A stale plan, or one the flags do not allow (conflicts without
	// --accept-available, deletes without --allow-delete), is refused
	// before any server is read and before it is shown: its text would
	// read as what is about to be applied.
	if err := saved.Fresh(cur, digest); err != nil {
		return err
	}
	opts := apply.Options{AcceptAvailable: o.AcceptAvailable, AllowDelete: o.AllowDelete, Who: env.User, Now: env.Now()}
	if err := saved.Check(opts); err != nil {
		return err
	}
	if err := savedSecretsFresh(env, o.Dir, saved, cfg); err != nil {
		return err
	}
	show := func() {
		switch o.Format {
		case "text":
			fmt.Fprint(env.Stdout, saved.Text)
		case "markdown":
			fmt.Fprint(env.Stdout, saved.MarkdownText())
		}
	}
	// Several servers with Plesk connections: each server checked, then
	// applied in parallel, then all recorded in one write.
	if fleetConnected(cfg) {
		return runApplySavedFleet(ctx, env, c, o, run, saved, cfg, digest, opts, show)
	}
	if len(cfg.Servers) > 0 {
		// Several servers, none with a Plesk connection: the
		// environment's (one server's) is ignored, as plan says.
		warnFleetEnv(env, cfg)
	}
	// With a Plesk server, the saved plan is checked, then applied on the
	// server, then recorded.
	client, conn, err := pleskServer(env, cfg, c.As)
	if err != nil {
		return err
	}
	switch {
	case saved.Plesk != "" && client == nil:
		return &apply.StaleError{Reason: fmt.Sprintf("it was made with the Plesk server %s, and no server is connected now (server.plesk.url or PLANSYNC_PLESK_URL): applying it would only record it", saved.Plesk)}
	case saved.Plesk != "" && !sameHost(client.Server(), saved.Plesk):
		return &apply.StaleError{Reason: fmt.Sprintf("it was made with the Plesk server %s, and the server connected now is %s", saved.Plesk, client.Server())}
	}
	if client != nil {
		result, err := saved.Prepare(cur, digest)
		if err != nil {
			return err
		}
		run.cfg = cfg
		p := savedPlan(saved, result, cur)
		read, err := deploy.Read(ctx, client, a.Reseller)
		if err != nil {
			return err
		}
		// The read that checks the plan is deploy's first read too.
		run.read, run.readAt = read, time.Now()
		if saved.Observed != nil {
			now := deploy.ObserveRead(read, p, cur)
			if changed := deploy.Drifted(saved.Observed, now); len(changed) > 0 {
				return &apply.StaleError{Reason: fmt.Sprintf("objects it touches changed on %s since it was made (drift): %s", client.Server(), apply.FirstNames(changed))}
			}
		}
		if saved.Unrefreshed {
			if changed := unseenChanges(read, client, a.Reseller, p, cur, cfg, run.clockNow(env)); len(changed) > 0 {
				return &apply.StaleError{Reason: unrefreshedStale(client.Server(), changed)}
			}
		}
		show()
		return applyOnServer(ctx, env, o, a.Reseller, run, p, apply.Entry(p, opts), client, conn)
	}
	show()
	var serial uint64
	err = env.Interrupts.Critical(ctx, func(ctx context.Context) (err error) {
		serial, err = apply.RunSaved(ctx, b, saved, cur, digest, opts)
		return err
	})
	if err != nil {
		return err
	}
	if o.Format == "json" {
		return render.SavedApplyJSON(env.Stdout, saved.Doc, saved.Summary, serial)
	}
	return render.ApplyText(env.Stdout, saved.Summary, serial)
}

// unrefreshedStale says why a plan saved with --refresh=false is stale:
// objects it changes changed on server since the recorded state.
func unrefreshedStale(server string, changed []string) string {
	return fmt.Sprintf("it was made from the recorded state alone (--refresh=false), and objects it changes changed on %s since that state (drift the plan did not show): %s", server, apply.FirstNames(changed))
}

// savedSecretsFresh refuses a saved plan when a secret of an object it
// changes (a password, an FTP password) is no longer the one it was made
// with: the plan file holds only its hash, so applying it would write
// the new value to the server while recording the planned one. A secret
// read from the environment or a file is no part of the config digest.
func savedSecretsFresh(env Env, dir string, saved *apply.Saved, cfg *model.Config) error {
	planned, err := state.Decode(saved.Result)
	if err != nil {
		return fmt.Errorf("saved plan: %w", err)
	}
	recorded := map[string]string{}
	for _, r := range planned.Resellers {
		recorded[r.Server+"\x00reseller\x00"+r.Login] = r.PasswordHash
	}
	for _, c := range planned.Customers {
		recorded[c.Server+"\x00customer\x00"+c.Login] = c.PasswordHash
	}
	for _, s := range planned.Subscriptions {
		recorded[s.Server+"\x00subscription\x00"+s.Domain] = s.FTPPassword
	}
	type check struct {
		name, hash string
		secret     *model.Secret
	}
	var checks []check
	for _, o := range saved.Objects {
		if o.Action == plan.Delete {
			continue
		}
		var s *model.Secret
		switch o.Kind {
		case plan.KindReseller:
			if r := cfg.Resellers[o.Key]; r != nil {
				s = r.Password
			}
		case plan.KindCustomer:
			if c := cfg.Customers[o.Key]; c != nil {
				s = c.Password
			}
		case plan.KindSubscription:
			if sub := cfg.Subscriptions[o.Key]; sub != nil {
				s = sub.FTPPassword
			}
		default:
			continue
		}
		hash, ok := recorded[o.Server+"\x00"+string(o.Kind)+"\x00"+o.Key]
		if !ok || s == nil || hash == "" {
			continue
		}
		checks = append(checks, check{string(o.Kind) + " " + o.Key, hash, s})
	}
	if len(checks) == 0 {
		return nil
	}
	sec, err := newSecrets(env, dir)
	if err != nil {
		return err
	}
	defer sec.save()
	var changed []string
	for _, c := range checks {
		if !sec.Verify(c.hash, c.secret.Value) {
			name := c.name
			switch {
			case c.secret.Env != "":
				name += " (env " + c.secret.Env + ")"
			case c.secret.File != "":
				name += " (file " + c.secret.File + ")"
			}
			changed = append(changed, name)
		}
	}
	if len(changed) > 0 {
		sort.Strings(changed)
		return &apply.StaleError{Reason: "secrets of objects it changes are not those it was made with: " + apply.FirstNames(changed)}
	}
	return nil
}

// sameHost reports whether two URL hosts (host or host:port) name the
// same server: host names compare without case, and a default port
// (443, 80) written out is the same as none.
func sameHost(a, b string) bool {
	norm := func(h string) string {
		h = strings.ToLower(h)
		for _, p := range []string{":443", ":80"} {
			h = strings.TrimSuffix(h, p)
		}
		return h
	}
	return norm(a) == norm(b)
}

// inConfigTree reports whether path names a config file (.yaml, .yml,
// .hcl) of the config directory dir: inside it, under no skipped
// (hidden) folder.
func inConfigTree(path, dir string) bool {
	if !configfile.IsConfig(filepath.Base(path)) || configfile.Skipped(filepath.Base(path)) {
		return false
	}
	absPath, err1 := resolvedName(path)
	absDir, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	if d, err := filepath.EvalSymlinks(absDir); err == nil {
		absDir = d
	}
	rel, err := filepath.Rel(absDir, absPath)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return false
	}
	for _, part := range strings.Split(filepath.Dir(rel), string(filepath.Separator)) {
		if part != "." && configfile.Skipped(part) {
			return false
		}
	}
	return true
}
