package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/plansync/plansync/internal/apply"
	"github.com/plansync/plansync/internal/config"
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
}

func newImportCmd(env Env, c *common) *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import --dir OUT [--format yaml|hcl] [--url URL] [--force] [--target KIND/KEY]...",
		Short: "Adopt what a Plesk server has: write its config and recorded state",
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
is left alone. An object the config already declares is refused.`,
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
	return cmd
}

func runImport(ctx context.Context, env Env, c *common, o importOptions) error {
	if o.Dir == "" {
		return fmt.Errorf("import needs --dir OUT: the directory to write the config into")
	}
	if err := checkFormat(o.Format, "yaml", "hcl"); err != nil {
		return err
	}
	getenv := env.Getenv
	if o.URL != "" {
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
	if o.CAFile != "" {
		conn.API.CAFile = o.CAFile
	}
	client, err := xmlapi.New(conn.API)
	if err != nil {
		return err
	}
	if len(o.Targets) > 0 {
		return runImportTargets(ctx, env, c, o, client)
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return err
	}
	// Refuse to overwrite before reading anything from the server.
	if !o.Force {
		refs, _ := config.ListFiles(o.Dir)
		if len(refs) > 0 {
			return fmt.Errorf("%s already holds config files (%s, …): import writes a new directory; use --force to overwrite", o.Dir, refs[0].Path)
		}
		run, err := lockedState(ctx, env, c, o.Dir, "import")
		if err != nil {
			return err
		}
		prior := run.prior
		desc := run.backend.Describe()
		run.close()
		if prior != nil {
			return fmt.Errorf("%s already has a recorded state (serial %d): import would overwrite it; use --force", desc, prior.Serial)
		}
	}
	summary, err := importWrite(ctx, client, o)
	if err != nil {
		return err
	}
	run, err := makePlan(ctx, env, c, o.Dir, "import", "", nil)
	if err != nil {
		return fmt.Errorf("the imported config in %s does not load (please report this): %w", o.Dir, err)
	}
	defer run.close()
	summary.ids.Attach(run.plan.Result)
	opts := apply.Options{AcceptAvailable: true, AllowDelete: o.Force, Who: env.User, Now: env.Now()}
	if err := apply.Check(run.plan, opts); err != nil {
		return err
	}
	serial, err := apply.Run(ctx, run.backend, run.plan, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", run.backend.Describe(), err)
	}
	fmt.Fprintf(env.Stdout, "Imported %s: %s.\n", client.Server(), summary.objects)
	fmt.Fprintf(env.Stdout, "Wrote %d config files to %s and recorded the state (serial %d).\n", summary.files, o.Dir, serial)
	fmt.Fprintf(env.Stdout, "Not mapped: %d items, listed in %s.\n", summary.notes, filepath.Join(o.Dir, "IMPORT.md"))
	return nil
}

type importSummary struct {
	objects      string
	files, notes int
	// ids are the Plesk identities of what was read, for the state.
	ids refresh.Identities
}

// importWrite reads the server and writes the config directory. What it
// read is dropped when it returns, before the config is planned.
func importWrite(ctx context.Context, client *xmlapi.Client, o importOptions) (importSummary, error) {
	snap, err := importer.Read(ctx, client)
	if err != nil {
		return importSummary{}, err
	}
	cfg, notes := importer.Build(snap)
	files, err := importer.Render(cfg, o.Format)
	if err != nil {
		return importSummary{}, err
	}
	if o.Force {
		// Files of an earlier import that this one does not write again
		// would otherwise stay and be loaded.
		refs, _ := config.ListFiles(o.Dir)
		for _, r := range refs {
			_ = os.Remove(r.Path)
		}
	}
	if err := importer.WriteDir(o.Dir, files, importer.Report(client.Server(), cfg, notes)); err != nil {
		return importSummary{}, err
	}
	return importSummary{
		objects: fmt.Sprintf("%d service plans, %d add-on plans, %d reseller plans, %d resellers, %d customers, %d subscriptions",
			len(cfg.ServicePlans), len(cfg.AddonPlans), len(cfg.ResellerPlans), len(cfg.Resellers), len(cfg.Customers), len(cfg.Subscriptions)),
		files: len(files), notes: len(notes), ids: refresh.IDs(snap),
	}, nil
}

// runImportTargets adopts single objects into an existing directory.
func runImportTargets(ctx context.Context, env Env, c *common, o importOptions, client *xmlapi.Client) error {
	if o.Force {
		return fmt.Errorf("--force and --target do not go together: --target adds to an existing directory")
	}
	snap, err := importer.Read(ctx, client)
	if err != nil {
		return err
	}
	full, _ := importer.Build(snap)
	add := model.NewConfig()
	for _, t := range o.Targets {
		ref, err := plan.ParseTarget(t)
		if err != nil {
			return err
		}
		found := false
		switch ref.Kind {
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
			return fmt.Errorf("--target %s: import adopts plans, add-ons, reseller plans, resellers, customers and subscriptions", t)
		}
		if !found {
			return fmt.Errorf("--target %s: %s is not on %s", t, ref.Key, client.Server())
		}
	}
	if err := checkDir(o.Dir); err != nil {
		return err
	}
	now, err := clock(env, "")
	if err != nil {
		return err
	}
	run, err := planLoaded(ctx, env, c, o.Dir, "import", now, actor{}, func(prior *state.Snapshot) (*model.Config, error) {
		cfg, err := loadConfigFor(env, o.Dir, prior)
		if err != nil {
			return nil, err
		}
		if err := mergeAdopted(cfg, add); err != nil {
			return nil, err
		}
		if ds := config.Validate(cfg); ds.HasErrors() {
			return nil, fmt.Errorf("the adopted objects do not fit the config in %s (adopt what they need with more --target):\n%s", o.Dir, ds.Error())
		}
		return cfg, nil
	})
	if err != nil {
		return err
	}
	defer run.close()
	if run.plan, err = plan.Target(run.plan, run.prior, o.Targets); err != nil {
		return err
	}
	// The adopted objects get their Plesk identities; the rest is left
	// alone.
	var adopted []string
	for _, t := range o.Targets {
		if ref, err := plan.ParseTarget(t); err == nil {
			adopted = append(adopted, ref.Kind+" "+ref.Key)
		}
	}
	refresh.IDs(snap).Only(adopted).Attach(run.plan.Result)
	opts := apply.Options{AcceptAvailable: true, Who: env.User, Now: env.Now()}
	if err := apply.Check(run.plan, opts); err != nil {
		return err
	}
	serial, err := apply.Run(ctx, run.backend, run.plan, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", run.backend.Describe(), err)
	}
	fmt.Fprintf(env.Stderr, "Adopted %d objects from %s and recorded them (state serial %d). Add this to the config in %s:\n",
		len(o.Targets), client.Server(), serial, o.Dir)
	if o.Format == "hcl" {
		return fleet.WriteHCL(env.Stdout, add)
	}
	return fleet.WriteYAML(env.Stdout, add)
}

// mergeAdopted adds the adopted objects to a loaded config; one the
// config declares already is an error.
func mergeAdopted(cfg, add *model.Config) error {
	exists := func(kind, key string) error {
		return fmt.Errorf("%s/%s is in the config already: import --target adopts objects the config does not declare", kind, key)
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
