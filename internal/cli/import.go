package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/plansync/plansync/internal/apply"
	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/fleet"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk"
	"github.com/plansync/plansync/internal/plesk/importer"
	"github.com/plansync/plansync/internal/plesk/refresh"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
	"github.com/plansync/plansync/state"
)

// importOptions are the arguments of `plansync import`.
type importOptions struct {
	Dir     string
	Format  string
	URL     string
	CAFile  string
	Force   bool
	Targets []string
	// Servers are the --server NAME[=URL] of an import of several
	// servers; Parallelism bounds how many are read at once.
	Servers     []string
	Parallelism int
	// stderr is where --force says which files it removed.
	stderr io.Writer
	// defaultIP is PLANSYNC_PLESK_DEFAULT_IP (canonical), when set: the
	// subscriptions on another address are written with their ip_address.
	defaultIP string
	// conn is the connection written in the server block of a single
	// server's import through --ca-file (nil: none is written).
	conn *importer.Conn
	// now is the clock the servers are read at (PLANSYNC_NOW, else the
	// machine's): whether a subscription a server holds expired is
	// expired by its date or suspended outside plansync is decided at
	// the time the plan recording the import goes by. Zero: every
	// expired one counts as expired by its date.
	now time.Time
}

func newImportCmd(env Env, c *common) *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import --dir OUT [--format yaml|hcl] [--target KIND/KEY]... [--force] [--url URL | --server NAME=URL...]",
		Short: "Adopt what Plesk servers have: write their config and recorded state",
		Long: `Read the business layer of a Plesk server (service and add-on plans,
reseller plans, resellers, customers, subscriptions) and write a config
directory laid out like the bundled examples (one file per kind and
owner) plus its recorded state, so that plansync plan --dir OUT right
after says "No changes". OUT/IMPORT.md lists what could not be mapped.

The server is the one PLANSYNC_PLESK_URL names (or --url), with
PLANSYNC_PLESK_KEY, or PLANSYNC_PLESK_LOGIN and PLANSYNC_PLESK_PASSWORD.
An existing recorded state or config in OUT is never overwritten without
--force.

With --target KIND/KEY (repeatable) import adopts single objects created
by hand on the server into an existing config directory: it records them
in the state and prints the config to add (in --format); everything else
is left alone. An object the config already declares is refused.

Several servers (--server NAME=URL, repeatable, in the order that
decides differences) are read in parallel (--parallelism, default 4) and
merged into one catalogue: the config lists them under servers (each
with its url and the environment variable holding its key), a plan,
add-on, reseller plan or service that is not on every server says which
servers it is on, and each subscription names its server. The key of
server NAME is PLANSYNC_PLESK_KEY_NAME (NAME upper-cased, other
characters than letters and digits as _), or PLANSYNC_PLESK_LOGIN_NAME
and PLANSYNC_PLESK_PASSWORD_NAME; the shared PLANSYNC_PLESK_KEY (or
LOGIN and PASSWORD) otherwise. --server NAME alone takes the address from
PLANSYNC_PLESK_URL_NAME. An object that differs between servers is
imported as on the first server given that has it, and the fields that
differ, with each server's value, are printed and listed in
OUT/IMPORT.md: plan right after shows the other servers' values as
changes. A domain on several servers is imported from the first given;
the other copies are reported and left alone. A server that cannot be
read fails the import, naming it, before anything is written.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImport(cmd.Context(), env, c, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Dir, "dir", "", "directory to write the config and its state into (required)")
	f.StringVar(&o.Format, "format", "yaml", "config format: yaml or hcl")
	f.StringVar(&o.URL, "url", "", "the Plesk server (env PLANSYNC_PLESK_URL)")
	f.StringVar(&o.CAFile, "ca-file", "", "PEM file of the CA that signed the server's certificate")
	f.BoolVar(&o.Force, "force", false, "overwrite an existing config and recorded state in the directory")
	f.StringArrayVar(&o.Targets, "target", nil, "adopt only KIND/KEY into the existing config directory (repeatable)")
	f.StringArrayVar(&o.Servers, "server", nil, "import several servers: NAME=URL, or NAME with PLANSYNC_PLESK_URL_NAME (repeatable; the first given wins differences)")
	f.IntVar(&o.Parallelism, "parallelism", 4, "with --server: how many servers are read at once")
	return cmd
}

func runImport(ctx context.Context, env Env, c *common, o importOptions) error {
	// What is imported is what the server has, recorded as it is.
	c.existing = true
	o.stderr = env.Stderr
	if o.Dir == "" {
		return fmt.Errorf("import needs --dir OUT: the directory to write the config into")
	}
	if err := checkFormat(o.Format, "yaml", "hcl"); err != nil {
		return err
	}
	// A bad PLANSYNC_NOW is refused before anything is read or written.
	now, err := clock(env, "")
	if err != nil {
		return err
	}
	o.now = now
	if a, err := parseAs(c.As); err != nil {
		return err
	} else if a.Reseller != "" {
		return fmt.Errorf("plansync import is the admin's: it reads the whole business layer of a server with the admin's credentials and records every tenant's objects (a reseller uses plan, apply and show with --as)")
	}
	if len(o.Servers) > 0 && len(o.Targets) > 0 {
		return runImportTargetServer(ctx, env, c, o)
	}
	if len(o.Servers) > 0 {
		return runImportServers(ctx, env, c, o)
	}
	getenv := env.Getenv
	if o.URL != "" {
		if msg := config.PleskURLProblem(o.URL); msg != "" {
			return fmt.Errorf("--url: %s", msg)
		}
		getenv = func(k string) (string, bool) {
			if k == plesk.EnvURL {
				return o.URL, true
			}
			if env.Getenv == nil {
				return "", false
			}
			return env.Getenv(k)
		}
	}
	conn, ok, err := plesk.Connect(nil, getenv)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("import needs a Plesk server: set %s (or --url) and %s (or %s and %s)", plesk.EnvURL, plesk.EnvKey, plesk.EnvLogin, plesk.EnvPassword)
	}
	if o.CAFile != "" || o.URL != "" {
		abs := ""
		if o.CAFile != "" {
			if abs, err = filepath.Abs(o.CAFile); err != nil {
				return err
			}
			conn.API.CAFile = abs
		}
		// No variable names a CA file, nor the server --url gave: the
		// written config connects through its own plesk block, with the
		// credentials' variables, so that plan --dir OUT right after
		// reads that server (SPEC 6.3).
		o.conn = &importer.Conn{URL: conn.API.URL, CAFile: abs, KeyEnv: plesk.EnvKey}
		if conn.API.Key == "" {
			o.conn.KeyEnv, o.conn.Login, o.conn.PasswordEnv = "", conn.API.Login, plesk.EnvPassword
		}
	}
	client, err := xmlapi.New(conn.API)
	if err != nil {
		return err
	}
	if a, err := netip.ParseAddr(strings.TrimSpace(env.env(EnvDefaultIP))); err == nil {
		o.defaultIP = a.Unmap().String()
	}
	if len(o.Targets) > 0 {
		return runImportTargets(ctx, env, c, o, client, "")
	}
	if err := checkImportDir(ctx, env, c, o); err != nil {
		return err
	}
	if err := lockBeforeReplacing(ctx, env, c, o); err != nil {
		return err
	}
	defer c.release()
	summary, err := importWrite(ctx, client, o, o.now)
	if err != nil {
		return err
	}
	c.replace = o.Force
	c.heldValues = summary.held
	run, err := makePlan(ctx, env, c, o.Dir, "import", "", nil)
	if err != nil {
		return fmt.Errorf("the imported config in %s does not load (please report this): %w", o.Dir, err)
	}
	defer run.close()
	summary.ids.Attach(run.plan.Result)
	refresh.MarkUnsynced(run.plan.Result, "", summary.unsynced)
	refresh.MarkOnPlan(run.plan.Result, "", summary.onPlan)
	refresh.TakeHeld(run.plan.Result, "", summary.held)
	refresh.TakeLocked(run.plan.Result, "", summary.locked)
	keepCreated(run.plan.Result, run.replaced)
	opts := apply.Options{AcceptAvailable: true, AllowDelete: o.Force, Who: env.User, Now: env.Now()}
	if err := apply.Check(run.plan, opts); err != nil {
		return err
	}
	serial, err := apply.Run(ctx, run.backend, run.plan, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", run.backend.Describe(), err)
	}
	fmt.Fprintf(env.Stdout, "Imported %s: %s.\n", client.Server(), summary.objects)
	fmt.Fprintf(env.Stdout, "Wrote %d %s to %s and recorded the state (serial %d).\n", summary.files, plural(summary.files, "config file"), o.Dir, serial)
	fmt.Fprintf(env.Stdout, "Not mapped: %d %s, listed in %s.\n", summary.notes, plural(summary.notes, "item"), filepath.Join(o.Dir, "IMPORT.md"))
	return nil
}

// checkImportDir refuses to overwrite a config or a recorded state in
// the directory without --force, before anything is read. It writes
// nothing: an import that fails leaves no trace (the directory is made
// when the import writes it).
func checkImportDir(ctx context.Context, env Env, c *common, o importOptions) error {
	if o.Force {
		return nil
	}
	refs, _ := config.ListFiles(o.Dir)
	if len(refs) > 0 {
		return fmt.Errorf("%s already holds config files (%s, …): import writes a new directory; use --force to overwrite", o.Dir, refs[0].Path)
	}
	b, err := openBackend(env, c, o.Dir)
	if err != nil {
		return err
	}
	defer b.Close()
	prior, err := readPrior(ctx, b)
	if err != nil {
		return err
	}
	if prior != nil {
		return fmt.Errorf("%s already has a recorded state (serial %d): import would overwrite it; use --force", b.Describe(), prior.Serial)
	}
	return nil
}

// lockBeforeReplacing takes the state's lock and reads the state before
// a config file is removed or written, whenever another process may hold
// that lock (a PostgreSQL state, or a state file whose folder exists)
// and, for import --force, whenever the directory holds config files or
// a recorded state: a state locked by another process (or corrupt, or
// newer) stops the import with the directory as it was, not with its
// config written or replaced and its state not. A state file whose
// folder does not exist yet is not locked first: no one holds its lock,
// and taking it would make the folder of an import that may still fail.
// The run that records takes the lock over (common.held).
func lockBeforeReplacing(ctx context.Context, env Env, c *common, o importOptions) error {
	b, err := openBackend(env, c, o.Dir)
	if err != nil {
		return err
	}
	if !stateMayBeLocked(env, c, o.Dir) {
		if !o.Force {
			b.Close()
			return nil
		}
		refs, _ := config.ListFiles(o.Dir)
		if len(refs) == 0 {
			if unprovisioned(ctx, b) {
				b.Close()
				return nil
			}
			prior, err := readPrior(ctx, b)
			if err != nil || prior == nil {
				b.Close()
				return err
			}
		}
	}
	l, err := lock(ctx, env, c, b, o.Dir, "import")
	if err != nil {
		b.Close()
		return err
	}
	prior, err := readPrior(ctx, b)
	if err == nil && prior != nil && !o.Force {
		// Recorded since checkImportDir looked, by another process.
		err = fmt.Errorf("%s already has a recorded state (serial %d): import would overwrite it; use --force", b.Describe(), prior.Serial)
	}
	if err != nil {
		_ = l.Unlock()
		b.Close()
		return err
	}
	c.held = &heldLock{backend: b, lock: l}
	return nil
}

// stateMayBeLocked reports whether another process may hold the lock of
// the state of dir: a PostgreSQL state, or a state file whose folder
// exists (where its lock file would be).
func stateMayBeLocked(env Env, c *common, dir string) bool {
	loc := statePath(env, c, dir)
	if isPostgres(loc) {
		return true
	}
	_, err := os.Stat(filepath.Dir(loc))
	return err == nil
}

type importSummary struct {
	objects      string
	files, notes int
	// ids are the Plesk identities of what was read, for the state.
	ids refresh.Identities
	// unsynced are the subscriptions the server holds unsynchronised
	// (synchronized=false): recorded unsynced, as the server has them.
	unsynced map[string]bool
	// onPlan are the subscriptions the server holds on a service plan
	// (refresh.OnPlan): recorded synced, as the server has them.
	onPlan map[string]bool
	// held are the resources the server holds for its unsynchronized
	// subscriptions (refresh.Held): planned as what they have applied.
	held map[string]model.Props
	// locked are the values the server holds for its locked
	// subscriptions (refresh.Locked): recorded without what it leaves out.
	locked map[string]model.Props
}

// importWrite reads the server and writes the config directory. What it
// read is dropped when it returns, before the config is planned.
func importWrite(ctx context.Context, client *xmlapi.Client, o importOptions, now time.Time) (importSummary, error) {
	snap, err := readForImport(ctx, client, now)
	if err != nil {
		return importSummary{}, err
	}
	snap.DefaultIP = o.defaultIP
	cfg, notes := importer.BuildToWrite(snap)
	var files []importer.File
	if o.conn != nil {
		files, err = importer.RenderConn(cfg, o.Format, *o.conn)
	} else {
		files, err = importer.Render(cfg, o.Format)
	}
	if err != nil {
		return importSummary{}, err
	}
	if err := checkRendered(o.Dir, files); err != nil {
		return importSummary{}, err
	}
	removeImported(o)
	if err := importer.WriteDir(o.Dir, files, importer.Report(client.Server(), cfg, notes)); err != nil {
		return importSummary{}, err
	}
	return importSummary{
		objects: importer.Counts(cfg),
		files:   len(files), notes: len(notes), ids: refresh.IDs(snap), unsynced: refresh.Unsynchronized(snap), onPlan: refresh.OnPlan(snap),
		held: refresh.Held(snap), locked: refresh.Locked(snap),
	}, nil
}

// checkRendered decodes the config files an import is about to write,
// in memory: a value the server holds that a config cannot hold (an
// e-mail address the loader refuses, a button URL that is no http or
// https URL) stops the import before anything is written, naming each
// object, field and the loader's reason, rather than writing a
// directory that validate then refuses.
func checkRendered(dir string, files []importer.File) error {
	parsed := make([]*config.File, 0, len(files))
	var ds diag.Diagnostics
	for _, f := range files {
		p, pd := config.ParseFile(filepath.Join(dir, filepath.FromSlash(f.Path)), f.Path, f.Data)
		ds = append(ds, pd...)
		parsed = append(parsed, p)
	}
	if !ds.HasErrors() {
		// Secrets stay references: import writes only env() ones.
		_, dd := config.Decode(parsed, config.Options{})
		ds = append(ds, dd...)
	}
	var bad []string
	for _, d := range ds {
		if d.Severity != diag.Error {
			continue
		}
		what := d.Summary
		if d.Object != "" {
			what = strings.TrimSpace(d.Object+" "+d.Path) + ": " + d.Summary
		}
		bad = append(bad, what)
	}
	if len(bad) == 0 {
		return nil
	}
	what, it := "a value", "it"
	if len(bad) > 1 {
		what, it = fmt.Sprintf("%d values", len(bad)), "them"
	}
	return fmt.Errorf("cannot import: the server holds %s that a config cannot hold, so nothing was written:\n  %s\ncorrect %s on the server (in the panel), then import again",
		what, strings.Join(bad, "\n  "), it)
}

// readForImport reads the whole server, with the definitions of its
// additional services.
func readForImport(ctx context.Context, client *xmlapi.Client, now time.Time) (*importer.Snapshot, error) {
	snap, err := importer.Read(ctx, client)
	if err != nil {
		return nil, caFileFlag(err)
	}
	snap.Now = now
	if err := importer.ReadServices(ctx, client, snap); err != nil {
		return nil, caFileFlag(err)
	}
	return snap, nil
}

// caFileFlag points a certificate not trusted to import's --ca-file:
// an import reads the server from flags and the environment, with no
// config whose ca_file could be set.
func caFileFlag(err error) error {
	var te *xmlapi.TransportError
	if errors.As(err, &te) && te.Untrusted {
		te.Hint = "give import --ca-file the CA that signed the server's certificate, or fix the certificate"
	}
	return err
}

// removeImported removes, with --force, the config files of an earlier
// import: those this one does not write again would otherwise stay and
// be loaded.
func removeImported(o importOptions) {
	if !o.Force {
		return
	}
	refs, _ := config.ListFiles(o.Dir)
	var removed []string
	for _, r := range refs {
		if os.Remove(r.Path) == nil {
			rel, err := filepath.Rel(o.Dir, r.Path)
			if err != nil {
				rel = r.Path
			}
			removed = append(removed, rel)
		}
	}
	if len(removed) > 0 && o.stderr != nil {
		fmt.Fprintf(o.stderr, "import --force: removed the config files %s held (%s), replaced by the import's.\n", o.Dir, strings.Join(removed, ", "))
	}
}

// runImportTargets adopts single objects into an existing directory.
// server, when set, names the server of a multi-server config the
// objects are adopted from (import --server NAME=URL --target …).
func runImportTargets(ctx context.Context, env Env, c *common, o importOptions, client *xmlapi.Client, server string) error {
	if o.Force {
		return fmt.Errorf("--force and --target do not go together: --target adds to an existing directory")
	}
	snap, err := readForImport(ctx, client, o.now)
	if err != nil {
		return err
	}
	full := importer.BuildConfig(snap)
	// As a whole import writes them: ip_address where it is not the
	// default address.
	importer.OmitDefaultIPs(full, o.defaultIP)
	add := model.NewConfig()
	for _, t := range o.Targets {
		ref, err := plan.ParseTarget(t)
		if err != nil {
			return err
		}
		found := false
		switch ref.Kind {
		case "service":
			// A service defined in the panel (an extension's is the
			// server block's, not adopted by name).
			if !snap.ItemsRead {
				return fmt.Errorf("--target %s: %s does not take protocol %s's plan-item operator, so its services' definitions cannot be read: add service %s to the config by hand", t, client.Server(), xmlapi.PlanItemProtocol, ref.Key)
			}
			if sv := full.Services[ref.Key]; sv != nil && sv.Extension == "" {
				add.Services[ref.Key], found = sv, true
			}
		case "service_plan":
			if p := full.ServicePlans[ref.Key]; p != nil {
				add.ServicePlans[ref.Key], found = p, true
			}
		case "addon_plan":
			if p := full.AddonPlans[ref.Key]; p != nil {
				add.AddonPlans[ref.Key], found = p, true
			}
		case "reseller_plan":
			if p := full.ResellerPlans[ref.Key]; p != nil {
				add.ResellerPlans[ref.Key], found = p, true
			}
		case "reseller":
			if r := full.Resellers[ref.Key]; r != nil {
				add.Resellers[ref.Key], found = r, true
			}
		case "customer":
			if cu := full.Customers[ref.Key]; cu != nil {
				add.Customers[ref.Key], found = cu, true
			}
		case "subscription":
			if s := full.Subscriptions[ref.Key]; s != nil {
				add.Subscriptions[ref.Key], found = s, true
			}
		default:
			return fmt.Errorf("--target %s: import adopts plans, add-ons, reseller plans, resellers, customers, subscriptions and services", t)
		}
		if !found {
			return fmt.Errorf("--target %s: %s is not on %s", t, ref.Key, client.Server())
		}
	}
	if err := checkDir(o.Dir); err != nil {
		return err
	}
	// What is printed to add must load, as a whole import's files must.
	files, err := importer.Render(add, o.Format)
	if err != nil {
		return err
	}
	if err := checkRendered(o.Dir, files); err != nil {
		return err
	}
	now := o.now
	if server != "" {
		// MakeFleet limits the plan to the targets on that server.
		c.onlyServer, c.targets = server, o.Targets
		// The server was read with the shared credentials when it has
		// none of its own: they are not ignored.
		c.connEnv = []string{plesk.EnvKey, plesk.EnvLogin, plesk.EnvPassword}
	}
	// An adopted subscription the server holds unsynchronised has
	// applied what it holds, as import plans it.
	c.heldValues = refresh.Held(snap)
	load := configFor(env, o.Dir)
	run, err := planLoaded(ctx, env, c, o.Dir, "import", now, actor{}, func(stop context.Context, stateRead <-chan struct{}) (func(*state.Snapshot) (*model.Config, error), error) {
		finish, err := load(stop, stateRead)
		if err != nil {
			return nil, err
		}
		return func(prior *state.Snapshot) (*model.Config, error) {
			cfg, err := finish(prior)
			if err != nil {
				return nil, err
			}
			if err := placeAdopted(cfg, add, server, o.Dir); err != nil {
				return nil, err
			}
			if err := mergeAdopted(cfg, add); err != nil {
				return nil, err
			}
			if ds := config.Validate(cfg); ds.HasErrors() {
				return nil, fmt.Errorf("the adopted objects do not fit the config in %s (adopt what they need with more --target):\n%s", o.Dir, ds.Error())
			}
			return cfg, nil
		}, nil
	})
	if err != nil {
		return err
	}
	defer run.close()
	if server == "" {
		if run.plan, err = plan.Target(run.plan, run.prior, o.Targets); err != nil {
			return err
		}
	}
	// The adopted objects get their Plesk identities (on server, that
	// server's); the rest is left alone.
	var adopted []string
	for _, t := range o.Targets {
		if ref, err := plan.ParseTarget(t); err == nil {
			adopted = append(adopted, ref.Kind+" "+ref.Key)
		}
	}
	if err := checkAdoptedOnly(run.plan, adopted, server); err != nil {
		return err
	}
	if server != "" {
		refresh.IDs(snap).Only(adopted).AttachOn(run.plan.Result, server)
	} else {
		refresh.IDs(snap).Only(adopted).Attach(run.plan.Result)
	}
	// An adopted subscription the server holds unsynchronised is
	// recorded so, as import records it.
	off := map[string]bool{}
	for domain := range refresh.Unsynchronized(snap) {
		if slices.Contains(adopted, "subscription "+domain) {
			off[domain] = true
		}
	}
	refresh.MarkUnsynced(run.plan.Result, server, off)
	on := map[string]bool{}
	for domain := range refresh.OnPlan(snap) {
		if slices.Contains(adopted, "subscription "+domain) {
			on[domain] = true
		}
	}
	refresh.MarkOnPlan(run.plan.Result, server, on)
	held := map[string]model.Props{}
	for domain, h := range c.heldValues {
		if slices.Contains(adopted, "subscription "+domain) {
			held[domain] = h
		}
	}
	refresh.TakeHeld(run.plan.Result, server, held)
	locked := map[string]model.Props{}
	for domain, v := range refresh.Locked(snap) {
		if slices.Contains(adopted, "subscription "+domain) {
			locked[domain] = v
		}
	}
	refresh.TakeLocked(run.plan.Result, server, locked)
	opts := apply.Options{AcceptAvailable: true, Who: env.User, Now: env.Now()}
	if err := apply.Check(run.plan, opts); err != nil {
		return err
	}
	serial, err := apply.Run(ctx, run.backend, run.plan, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", run.backend.Describe(), err)
	}
	from := client.Server()
	if server != "" {
		from = fmt.Sprintf("server %s (%s)", server, from)
	}
	them := "them"
	if len(o.Targets) == 1 {
		them = "it"
	}
	fmt.Fprintf(env.Stderr, "Adopted %d %s from %s and recorded %s (state serial %d). Add this to the config in %s:\n",
		len(o.Targets), plural(len(o.Targets), "object"), from, them, serial, o.Dir)
	if o.Format == "hcl" {
		return fleet.WriteHCL(env.Stdout, add)
	}
	return fleet.WriteYAML(env.Stdout, add)
}

// checkAdoptedOnly refuses an adoption whose plan changes more than the
// adopted objects (kind and key; on server, for a multi-server config):
// import sends nothing, so recording the changes the config has for
// other objects (a plan's new values the adopted subscription follows,
// and the subscriptions that change reaches) would say the server has
// what it does not.
func checkAdoptedOnly(p *plan.Plan, adopted []string, server string) error {
	var other []string
	for _, c := range p.Changes {
		if c.Server == server && slices.Contains(adopted, string(c.Kind)+" "+c.Key) {
			continue
		}
		other = append(other, fmt.Sprintf("%s (%s)", c.Address(), c.Action))
	}
	if len(other) == 0 {
		return nil
	}
	are := "are"
	if len(other) == 1 {
		are = "is"
	}
	n := len(other)
	// The first few name them (a plan's change may reach 100,000
	// subscriptions); plansync plan lists them all.
	const shown = 10
	list := strings.Join(other[:min(n, shown)], ", ")
	if n > shown {
		list += fmt.Sprintf(", and %d more (plansync plan lists them)", n-shown)
	}
	return fmt.Errorf("import --target records only the objects it adopts and sends nothing, but adopting them needs %d %s of the config that %s not applied yet: %s; nothing was recorded: run plansync apply first, then import again",
		n, plural(n, "change"), are, list)
}

// mergeAdopted adds the adopted objects to a loaded config; one the
// config declares already is an error.
func mergeAdopted(cfg, add *model.Config) error {
	exists := func(kind, key string) error {
		return fmt.Errorf("%s/%s is in the config already: import --target adopts objects the config does not declare", kind, key)
	}
	for k, sv := range add.Services {
		if cfg.Services[k] != nil {
			return exists("service", k)
		}
		cfg.Services[k] = sv
	}
	for k, p := range add.ServicePlans {
		if cfg.ServicePlans[k] != nil {
			return exists("service_plan", k)
		}
		cfg.ServicePlans[k] = p
	}
	for k, p := range add.AddonPlans {
		if cfg.AddonPlans[k] != nil {
			return exists("addon_plan", k)
		}
		cfg.AddonPlans[k] = p
	}
	for k, p := range add.ResellerPlans {
		if cfg.ResellerPlans[k] != nil {
			return exists("reseller_plan", k)
		}
		cfg.ResellerPlans[k] = p
	}
	for k, r := range add.Resellers {
		if cfg.Resellers[k] != nil {
			return exists("reseller", k)
		}
		cfg.Resellers[k] = r
	}
	for k, cu := range add.Customers {
		if cfg.Customers[k] != nil {
			return exists("customer", k)
		}
		cfg.Customers[k] = cu
	}
	for k, s := range add.Subscriptions {
		if cfg.Subscriptions[k] != nil {
			return exists("subscription", k)
		}
		cfg.Subscriptions[k] = s
	}
	return nil
}

// importServer is one --server of an import of several servers.
type importServer struct {
	conn importer.Conn
	api  xmlapi.Config
}

var serverNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// importServers resolves the --server flags: names, addresses and which
// environment variables hold each server's credentials.
func importServers(env Env, o importOptions) ([]importServer, error) {
	if o.URL != "" {
		return nil, fmt.Errorf("--url and --server do not go together: name every server with --server NAME=URL")
	}
	if o.Parallelism < 1 {
		return nil, fmt.Errorf("--parallelism %d: want 1 or more", o.Parallelism)
	}
	var out []importServer
	names, suffixes, addresses := map[string]bool{}, map[string]string{}, map[string]string{}
	for _, spec := range o.Servers {
		name, url, hasURL := strings.Cut(spec, "=")
		name, url = strings.TrimSpace(name), strings.TrimSpace(url)
		if !serverNameRe.MatchString(name) {
			return nil, fmt.Errorf("--server %s: want NAME=URL, NAME of letters, digits, '.', '-' and '_' (such as web1=https://web1.example.net:8443)", spec)
		}
		if names[name] {
			return nil, fmt.Errorf("--server %s: server %s is given twice", spec, name)
		}
		names[name] = true
		suffix := plesk.ServerEnv(name)
		if other, ok := suffixes[suffix]; ok {
			return nil, fmt.Errorf("--server %s: servers %s and %s would share the environment variables %s_%s: name them apart", spec, other, name, plesk.EnvKey, suffix)
		}
		suffixes[suffix] = name
		own := func(k string) string { return k + "_" + suffix }
		if !hasURL {
			if url = env.env(own(plesk.EnvURL)); url == "" {
				return nil, fmt.Errorf("--server %s: no address: write --server %s=URL or set %s", spec, name, own(plesk.EnvURL))
			}
		}
		if msg := config.PleskURLProblem(url); msg != "" {
			from := "--server " + name
			if !hasURL {
				from = own(plesk.EnvURL)
			}
			return nil, fmt.Errorf("%s: %s", from, msg)
		}
		if a, ok := config.PleskAddress(url); ok {
			if other, dup := addresses[a]; dup {
				return nil, fmt.Errorf("--server %s: servers %s and %s are the same Plesk server (%s): give each server once", spec, other, name, a)
			}
			addresses[a] = name
		}
		s := importServer{conn: importer.Conn{Name: name, URL: url}, api: xmlapi.Config{URL: url}}
		login, loginEnv := env.env(own(plesk.EnvLogin)), own(plesk.EnvLogin)
		if login == "" {
			login, loginEnv = env.env(plesk.EnvLogin), plesk.EnvLogin
		}
		password, passwordEnv := env.env(own(plesk.EnvPassword)), own(plesk.EnvPassword)
		if password == "" {
			password, passwordEnv = env.env(plesk.EnvPassword), plesk.EnvPassword
		}
		switch {
		case env.env(own(plesk.EnvKey)) != "":
			s.api.Key, s.conn.KeyEnv = env.env(own(plesk.EnvKey)), own(plesk.EnvKey)
		case env.env(own(plesk.EnvLogin)) == "" && env.env(plesk.EnvKey) != "":
			s.api.Key, s.conn.KeyEnv = env.env(plesk.EnvKey), plesk.EnvKey
		case login != "" && password != "":
			s.api.Login, s.api.Password = login, password
			s.conn.Login, s.conn.PasswordEnv = login, passwordEnv
		case login != "":
			return nil, fmt.Errorf("server %s: login %s (%s) has no password: set %s or %s", name, login, loginEnv, own(plesk.EnvPassword), plesk.EnvPassword)
		default:
			return nil, fmt.Errorf("server %s: no credentials: set %s (or %s and %s), or the shared %s (or %s and %s)", name, own(plesk.EnvKey), own(plesk.EnvLogin), own(plesk.EnvPassword), plesk.EnvKey, plesk.EnvLogin, plesk.EnvPassword)
		}
		if o.CAFile != "" {
			abs, err := filepath.Abs(o.CAFile)
			if err != nil {
				return nil, err
			}
			s.api.CAFile, s.conn.CAFile = abs, abs
		}
		if v := env.env(EnvPleskTimeout); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("%s=%q: want a duration such as 30s", EnvPleskTimeout, v)
			}
			s.api.Timeout = d
		}
		if dir := env.env("PLANSYNC_PLESK_TRACE"); dir != "" {
			// One folder per server: each client numbers its packets.
			s.api.TraceDir = filepath.Join(dir, name)
		}
		out = append(out, s)
	}
	return out, nil
}

// runImportServers imports several servers into one catalogue: every
// server is read (in parallel) before anything is written, and one that
// cannot be read fails the import.
func runImportServers(ctx context.Context, env Env, c *common, o importOptions) error {
	servers, err := importServers(env, o)
	if err != nil {
		return err
	}
	if err := checkImportDir(ctx, env, c, o); err != nil {
		return err
	}
	if err := lockBeforeReplacing(ctx, env, c, o); err != nil {
		return err
	}
	defer c.release()
	summary, err := importServersWrite(ctx, env, o, servers)
	if err != nil {
		return err
	}
	c.heldValues, c.lockedValues = summary.held, summary.locked
	serial, err := recordImport(ctx, env, c, o, summary.ids, summary.differing)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Wrote %d %s to %s and recorded the state (serial %d).\n", summary.files, plural(summary.files, "config file"), o.Dir, serial)
	fmt.Fprintf(env.Stdout, "Not mapped: %d %s, listed in %s.\n", summary.notes, plural(summary.notes, "item"), filepath.Join(o.Dir, "IMPORT.md"))
	return nil
}

// maxDuplicatesShown is how many subscriptions found on several servers
// import prints; IMPORT.md lists them all.
const maxDuplicatesShown = 10

// serversSummary is what importServersWrite leaves for the state.
type serversSummary struct {
	files, notes int
	ids          []serverIdentities
	// differing are the clients of the servers where an object differs
	// from the version imported, by server name: the state records what
	// each of them has (recordImport), so the next plan shows the
	// config's values as changes to them, not as drift.
	differing map[string]*xmlapi.Client
	// held are the resources the servers hold for their unsynchronized
	// subscriptions (refresh.Held), each from the server the merged
	// catalogue places it on; locked the values of their locked ones
	// (refresh.Locked).
	held, locked map[string]model.Props
}

// importServersWrite reads the servers, merges them, writes the config
// directory and prints what each server had and how they differ. What
// it read is dropped when it returns, before the config is planned.
func importServersWrite(ctx context.Context, env Env, o importOptions, servers []importServer) (serversSummary, error) {
	clients := make([]*xmlapi.Client, len(servers))
	for i, s := range servers {
		var err error
		if clients[i], err = xmlapi.New(s.api); err != nil {
			return serversSummary{}, fmt.Errorf("server %s: %w", s.conn.Name, err)
		}
	}
	now := o.now // zero: a subscription held expired counts as expired by its date
	snaps := make([]*importer.Snapshot, len(servers))
	errs := make([]error, len(servers))
	sem := make(chan struct{}, o.Parallelism)
	var wg sync.WaitGroup
	for i := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			snaps[i], errs[i] = readForImport(ctx, clients[i], now)
		}()
	}
	wg.Wait()
	var failed []string
	for i, err := range errs {
		if err != nil {
			failed = append(failed, fmt.Sprintf("server %s: %v", servers[i].conn.Name, err))
		}
	}
	if len(failed) > 0 {
		return serversSummary{}, fmt.Errorf("cannot import: %d of %d servers could not be read, nothing was written:\n  %s",
			len(failed), len(servers), strings.Join(failed, "\n  "))
	}
	sources := make([]importer.Source, len(servers))
	conns := make([]importer.Conn, len(servers))
	addresses := map[string]string{}
	for i, s := range servers {
		sources[i] = importer.Source{Name: s.conn.Name, Snap: snaps[i]}
		conns[i] = s.conn
		addresses[s.conn.Name] = clients[i].Server()
	}
	merged, err := importer.Merge(sources)
	if err != nil {
		return serversSummary{}, err
	}
	files, err := importer.RenderFleet(merged, conns, o.Format)
	if err != nil {
		return serversSummary{}, err
	}
	if err := checkRendered(o.Dir, files); err != nil {
		return serversSummary{}, err
	}
	removeImported(o)
	if err := importer.WriteDir(o.Dir, files, importer.ReportFleet(merged, addresses)); err != nil {
		return serversSummary{}, err
	}
	out := env.Stdout
	for _, name := range merged.Servers {
		fmt.Fprintf(out, "Imported %s (%s): %s.\n", name, addresses[name], importer.Counts(merged.Counts[name]))
	}
	fmt.Fprintf(out, "Merged into one catalogue: %s.\n", importer.Counts(merged.Config))
	if len(merged.Differences) == 0 {
		fmt.Fprintln(out, "No differences between servers: every object found on several servers is the same on each.")
	} else {
		differ := "objects differ"
		if len(merged.Differences) == 1 {
			differ = "object differs"
		}
		fmt.Fprintf(out, "%d %s between servers; each is imported as on the first server given that has it, and plan will show the others' values as changes:\n", len(merged.Differences), differ)
		for _, d := range merged.Differences {
			fmt.Fprintln(out, d.String())
		}
	}
	for i, d := range merged.Duplicates {
		if i == maxDuplicatesShown && len(merged.Duplicates) > maxDuplicatesShown+1 {
			fmt.Fprintf(out, "… and %d more subscriptions on several servers, listed in %s.\n", len(merged.Duplicates)-i, filepath.Join(o.Dir, "IMPORT.md"))
			break
		}
		fmt.Fprintln(out, d.String())
	}
	sum := serversSummary{files: len(files), notes: len(merged.Notes), ids: make([]serverIdentities, len(servers))}
	for i, s := range servers {
		sum.ids[i] = serverIdentities{s.conn.Name, serverIDs(merged, s.conn.Name, refresh.IDs(snaps[i])), refresh.Unsynchronized(snaps[i]), refresh.OnPlan(snaps[i])}
		for domain, held := range refresh.Held(snaps[i]) {
			if merged.Subscription[domain] == s.conn.Name {
				if sum.held == nil {
					sum.held = map[string]model.Props{}
				}
				sum.held[domain] = held
			}
		}
		for domain, v := range refresh.Locked(snaps[i]) {
			if merged.Subscription[domain] == s.conn.Name {
				if sum.locked == nil {
					sum.locked = map[string]model.Props{}
				}
				sum.locked[domain] = v
			}
		}
	}
	for _, d := range merged.Differences {
		for _, f := range d.Fields {
			for _, v := range f.Values {
				if v.Server == d.Chosen {
					continue
				}
				if sum.differing == nil {
					sum.differing = map[string]*xmlapi.Client{}
				}
				for i, s := range servers {
					if s.conn.Name == v.Server {
						sum.differing[v.Server] = clients[i]
					}
				}
			}
		}
	}
	return sum, nil
}

// serverIDs keeps a server's identities of what the merged catalogue
// places on it: a subscription imported from another server (a domain on
// several) is not this server's to record.
func serverIDs(m *importer.Merged, server string, ids refresh.Identities) refresh.Identities {
	for domain := range ids["subscription"] {
		if m.Subscription[domain] != server {
			delete(ids["subscription"], domain)
		}
	}
	return ids
}

// recordImport records the imported config's state, every object with
// its Plesk identity on each server it is on.
//
// On the servers in differing (an object there differs from the version
// imported), each object is recorded as that server has it: the server
// is read again and compared with what was planned, as refresh does, and
// what it has is recorded. The next plan then shows the config's values
// as changes on those servers, with no drift.
func recordImport(ctx context.Context, env Env, c *common, o importOptions, ids []serverIdentities, differing map[string]*xmlapi.Client) (uint64, error) {
	c.replace = o.Force
	run, err := makePlan(ctx, env, c, o.Dir, "import", "", nil)
	if err != nil {
		return 0, fmt.Errorf("the imported config in %s does not load (please report this): %w", o.Dir, err)
	}
	defer run.close()
	attachServers(run.plan.Result, ids)
	refresh.TakeHeld(run.plan.Result, "", c.heldValues)
	refresh.TakeLocked(run.plan.Result, "", c.lockedValues)
	keepCreated(run.plan.Result, run.replaced)
	if len(differing) > 0 {
		if run.plan.Result, err = recordAsOn(ctx, env, run.cfg, run.plan.Result, differing, o.now); err != nil {
			return 0, err
		}
	}
	opts := apply.Options{AcceptAvailable: true, AllowDelete: o.Force, Who: env.User, Now: env.Now()}
	if err := apply.Check(run.plan, opts); err != nil {
		return 0, err
	}
	serial, err := apply.Run(ctx, run.backend, run.plan, opts)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", run.backend.Describe(), err)
	}
	return serial, nil
}

// recordAsOn returns result with each server of differing recorded as
// it has its objects (read again now), the other servers as they are.
func recordAsOn(ctx context.Context, env Env, cfg *model.Config, result *state.Snapshot, differing map[string]*xmlapi.Client, now time.Time) (*state.Snapshot, error) {
	parts, diags := plan.Partition(cfg)
	if diags.HasErrors() {
		return nil, diags
	}
	names := make([]string, len(parts))
	recs := make([]*state.Snapshot, len(parts))
	for i, p := range parts {
		names[i] = p.Name
		recs[i] = plan.SliceState(result, p.Name)
		client := differing[p.Name]
		if client == nil {
			continue
		}
		srv, err := refresh.Read(ctx, client, now, refresh.WantsServices(recs[i], p.Config))
		if err != nil {
			return nil, fmt.Errorf("server %s: reading it again to record what differs: %w; nothing was recorded", p.Name, err)
		}
		recorded := recs[i]
		if recorded == nil {
			recorded = state.New(result.Lineage)
		}
		recs[i] = refresh.Compare(recorded, p.Config, srv, refresh.Options{Format: configFormat(cfg)}).Observed
	}
	return plan.JoinStates(result.Lineage, result.Serial, names, recs), nil
}

// keepCreated keeps, in a state import --force made anew, the creation
// date the replaced state recorded for a subscription that is the same
// object on the same server (same Plesk GUID): the import cannot read
// it, and an import of an unchanged server leaves the state unchanged.
// Nothing else of the replaced records is kept.
func keepCreated(s, replaced *state.Snapshot) {
	if replaced == nil {
		return
	}
	type id struct{ server, domain, guid string }
	created := map[id]time.Time{}
	for i := range replaced.Subscriptions {
		r := &replaced.Subscriptions[i]
		if r.Plesk != nil && r.Plesk.GUID != "" {
			created[id{r.Server, r.Domain, r.Plesk.GUID}] = r.CreatedAt
		}
	}
	for i := range s.Subscriptions {
		r := &s.Subscriptions[i]
		if r.Plesk == nil || r.Plesk.GUID == "" {
			continue
		}
		if t, ok := created[id{r.Server, r.Domain, r.Plesk.GUID}]; ok {
			r.CreatedAt = t
		}
	}
}

// serverIdentities are the Plesk identities of one server's objects.
type serverIdentities struct {
	server string
	ids    refresh.Identities
	// unsynced are the subscriptions the server holds unsynchronised;
	// onPlan those it holds on a service plan (refresh.OnPlan).
	unsynced, onPlan map[string]bool
}

// attachServers gives each recorded object the Plesk identity it has on
// its server: every record names its server (catalogue objects and
// accounts are recorded once per server they are on) and takes that
// server's identity, never another server's.
func attachServers(s *state.Snapshot, ids []serverIdentities) {
	for _, si := range ids {
		si.ids.AttachOn(s, si.server)
		refresh.MarkUnsynced(s, si.server, si.unsynced)
		refresh.MarkOnPlan(s, si.server, si.onPlan)
	}
}

// runImportTargetServer adopts single objects from one server of a
// multi-server config: import --dir DIR --server NAME[=URL] --target
// KIND/KEY. The server's address and credentials are resolved as for an
// import of several servers.
func runImportTargetServer(ctx context.Context, env Env, c *common, o importOptions) error {
	if len(o.Servers) != 1 {
		return fmt.Errorf("--target adopts objects from one server: give one --server NAME=URL (got %d)", len(o.Servers))
	}
	servers, err := importServers(env, o)
	if err != nil {
		return err
	}
	client, err := xmlapi.New(servers[0].api)
	if err != nil {
		return fmt.Errorf("server %s: %w", servers[0].conn.Name, err)
	}
	return runImportTargets(ctx, env, c, o, client, servers[0].conn.Name)
}

// placeAdopted places what is adopted from one server of a
// multi-server config on that server: a subscription names it, a
// catalogue object lists it (servers: [NAME]: it was found there; widen
// it by hand to put it on more servers), and a customer or reseller
// lists it unless a subscription of its own places it there. server ""
// (a single-server import) needs a config without a servers list.
func placeAdopted(cfg, add *model.Config, server, dir string) error {
	if server == "" {
		if len(cfg.Servers) > 0 {
			return fmt.Errorf("the config in %s names several servers: adopt from one of them with --server NAME=URL (or --server NAME with %s_NAME)", dir, plesk.EnvURL)
		}
		return nil
	}
	var names []string
	found := false
	for _, s := range cfg.Servers {
		names = append(names, s.Name)
		found = found || s.Name == server
	}
	if len(cfg.Servers) == 0 {
		return fmt.Errorf("--server %s: the config in %s has no servers list: --target with --server adopts into a multi-server directory; for a single server use --url (or %s), without --server", server, dir, plesk.EnvURL)
	}
	if !found {
		return fmt.Errorf("--server %s: the config in %s has no server %s (servers: %s)", server, dir, server, strings.Join(names, ", "))
	}
	on := []string{server}
	for _, sv := range add.Services {
		sv.Placement = model.Placement{Servers: on}
	}
	for _, p := range add.ServicePlans {
		p.Placement = model.Placement{Servers: on}
	}
	for _, p := range add.AddonPlans {
		p.Placement = model.Placement{Servers: on}
	}
	for _, p := range add.ResellerPlans {
		p.Placement = model.Placement{Servers: on}
	}
	placed := map[string]bool{}
	for _, s := range add.Subscriptions {
		s.Server = server
	}
	for _, s := range append(mapSubs(add.Subscriptions), mapSubs(cfg.Subscriptions)...) {
		if plan.SubscriptionServer(cfg, s) == server || s.Server == server {
			placed[s.Customer] = true
			placed[s.Owner] = true
			if cu := add.Customers[s.Customer]; cu != nil {
				placed[cu.Owner] = true
			}
			if cu := cfg.Customers[s.Customer]; cu != nil {
				placed[cu.Owner] = true
			}
		}
	}
	for login, cu := range add.Customers {
		if !placed[login] {
			cu.Servers = on
		}
	}
	for login, r := range add.Resellers {
		if !placed[login] {
			r.Servers = on
		}
	}
	return nil
}

func mapSubs(m map[string]*model.Subscription) []*model.Subscription {
	out := make([]*model.Subscription, 0, len(m))
	for _, s := range m {
		out = append(out, s)
	}
	return out
}
