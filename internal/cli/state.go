package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/render"
	"github.com/plansync/plansync/state"
	"github.com/spf13/cobra"
	"golang.org/x/crypto/bcrypt"
)

// showOptions are the arguments of `plansync show`.
type showOptions struct {
	Dir    string
	Format string
	Kind   string
	Key    string
	Server string
}

func newShowCmd(env Env, c *common) *cobra.Command {
	return showCommand(func(ctx context.Context, o showOptions) error {
		env.view.setFormat(o.Format)
		return runShow(ctx, env, c, o)
	})
}

// showCommand parses show's flags and KIND KEY into showOptions for run.
func showCommand(run func(context.Context, showOptions) error) *cobra.Command {
	var o showOptions
	cmd := &cobra.Command{
		Use:   "show [--dir DIR] [KIND [KEY]] [--format text|json] [--as admin|reseller:LOGIN]",
		Short: "Show the recorded state",
		Long: `Show the recorded state: every object, those of KIND, or one object,
named as KIND KEY (show subscription doe.example) or as --target writes it,
KIND/KEY (show subscription/doe.example, show service_plan/acme/Basic).
Names match exactly (Basic and basic are two plans); a key that matches
none is an error naming those meant.

Each object is shown with what the state records: effective values,
statuses and their reasons, managed_by, a subscription's
subscriber_settings, and with a Plesk server the object's identity there
(plesk: guid, id). Secrets show as (sensitive).`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				o.Kind = args[0]
			}
			if len(args) > 1 {
				o.Key = args[1]
			} else if kind, key, ok := strings.Cut(o.Kind, "/"); ok && key != "" {
				// KIND/KEY, as --target writes it (subscription/doe.example,
				// service_plan/acme/Web), names the same object.
				if _, known := showKind(kind); known {
					o.Kind, o.Key = kind, key
				}
			}
			return run(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.Dir, "dir", ".", "config directory")
	cmd.Flags().StringVar(&o.Format, "format", "text", "output format: text or json")
	cmd.Flags().StringVar(&o.Server, "server", "", "with several servers: show only the objects recorded on server NAME")
	return cmd
}

// showKind is the kind show names name: one of plan's kinds, or the
// subscriber settings, which show gives as objects of their own.
func showKind(name string) (plan.Kind, bool) {
	if strings.ReplaceAll(name, "-", "_") == string(render.KindSubscriberSettings) {
		return render.KindSubscriberSettings, true
	}
	return plan.KindNamed(name)
}

// serverObjects lists the recorded objects of kind and key (both
// optional) server by server, each object of a named server with its
// "server"; server, when set, keeps only that server's.
func serverObjects(snap *state.Snapshot, kind, key, server string) ([]render.Object, error) {
	names := plan.RecordedServers(snap)
	if server != "" {
		if !slices.Contains(names, server) && !(server == model.DefaultServer && slices.Contains(names, "")) {
			return nil, fmt.Errorf("--server %s: the recorded state holds no object of server %s", server, server)
		}
		if server == model.DefaultServer && !slices.Contains(names, server) {
			server = ""
		}
		names = []string{server}
	}
	if len(names) == 0 {
		names = []string{""}
	}
	var out []render.Object
	for _, name := range names {
		part := snap
		if len(names) > 1 || name != "" {
			part = plan.SliceState(snap, name)
		}
		for _, o := range render.Objects(part, kind, key) {
			if name != "" {
				o["server"] = name
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// recordedElsewhere says on which servers the recorded state holds an
// object that --server did not find (" (it is on web2)"), or nothing.
func recordedElsewhere(snap *state.Snapshot, kind, key string, a actor) string {
	all, err := serverObjects(snap, kind, key, "")
	if err != nil {
		return ""
	}
	var on []string
	for _, o := range visibleTo(all, a) {
		if name, _ := o["server"].(string); name != "" && !slices.Contains(on, name) {
			on = append(on, name)
		}
	}
	if len(on) == 0 {
		return ""
	}
	return " (it is on " + strings.Join(on, ", ") + ")"
}

// otherCase names the recorded objects of kind whose key differs from
// key only in case, or that are a reseller's plan of that name
// (" (did you mean "Basic"?)", "acme/Basic"), or nothing: names of plans
// and services match exactly, and a reseller's plans are keyed
// OWNER/NAME.
func otherCase(snap *state.Snapshot, kind, key string, a actor) string {
	all, err := serverObjects(snap, kind, "", "")
	if err != nil {
		return ""
	}
	var names []string
	for _, o := range visibleTo(all, a) {
		k, _ := o["key"].(string)
		_, name, owned := strings.Cut(k, "/")
		if (strings.EqualFold(k, key) || owned && strings.EqualFold(name, key)) && !slices.Contains(names, strconv.Quote(k)) {
			names = append(names, strconv.Quote(k))
		}
	}
	if len(names) == 0 {
		return ""
	}
	return " (did you mean " + strings.Join(names, " or ") + "?)"
}

func runShow(ctx context.Context, env Env, c *common, o showOptions) error {
	if err := checkFormat(o.Format, "text", "json"); err != nil {
		return err
	}
	if err := checkDir(o.Dir); err != nil {
		return err
	}
	kind := ""
	if o.Kind != "" {
		k, ok := showKind(o.Kind)
		if !ok {
			return fmt.Errorf("unknown kind %q: expected one of %s", o.Kind, strings.Join(append(plan.KindNames(), string(render.KindSubscriberSettings)), ", "))
		}
		kind = string(k)
	}
	b, err := openBackend(env, c, o.Dir)
	if err != nil {
		return err
	}
	defer b.Close()
	snap, err := readPrior(ctx, b)
	if err != nil {
		return err
	}
	a, err := parseAs(c.As)
	if err != nil {
		return err
	}
	if a.Reseller != "" && (snap == nil || !slices.ContainsFunc(snap.Resellers, func(r state.Reseller) bool { return r.Login == a.Reseller })) {
		// An unknown reseller (a typo) sees nothing: say so, as plan
		// does, rather than show an empty state.
		return withState(&missingResellerError{login: a.Reseller, empty: snap == nil}, b)
	}
	if snap == nil {
		snap = &state.Snapshot{}
	}
	key, server := o.Key, o.Server
	if k := plan.Kind(kind); k == plan.KindServicePlan || k == plan.KindAddonPlan {
		key = a.scope().PlanKey(key) // NAME names the actor's own
	}
	isServer := plan.Kind(kind) == plan.KindServer
	if isServer && key != "" && key != string(plan.KindServer) {
		// The server has no key (its recorded key is the word "server"):
		// KEY names a server, as --target server/NAME does.
		if server != "" && server != key {
			return fmt.Errorf("show server %s --server %s: name one server", key, server)
		}
		key, server = string(plan.KindServer), o.Key
	}
	all, err := serverObjects(snap, kind, key, server)
	if err != nil {
		if server != o.Server {
			return fmt.Errorf("no server %q in the recorded state", o.Key)
		}
		return err
	}
	objs := visibleTo(all, a)
	if o.Key != "" && len(objs) == 0 {
		// The JSON diagnostic names the object looked for.
		object := kind + " " + o.Key
		if o.Server != "" {
			return objectError{fmt.Errorf("no %s %q on server %s in the recorded state%s", kind, o.Key, o.Server, recordedElsewhere(snap, kind, o.Key, a)), object}
		}
		return objectError{fmt.Errorf("no %s %q in the recorded state%s", kind, o.Key, otherCase(snap, kind, key, a)), object}
	}
	if o.Format == "json" {
		return render.ShowJSON(env.Stdout, objs)
	}
	// The server, having no key, is shown in full by "show server".
	return render.ShowText(env.Stdout, objs, o.Key != "" || isServer)
}

func newStateCmd(env Env, c *common) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "state pull | push FILE [--force] | list | history",
		Short: "Read and manage the recorded state",
		// A subcommand it does not have is an error (cobra's
		// "unknown command"), and so is none, rather than the help
		// text with exit 0.
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return errors.New("state needs a subcommand: pull, push, list or history")
		},
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := c.check(cmd); err != nil {
				return err
			}
			a, err := parseAs(c.As)
			if err != nil {
				return err
			}
			if a.Reseller != "" {
				return fmt.Errorf("plansync state is the admin's: it reads and writes every tenant's objects (a reseller uses plan, apply and show with --as)")
			}
			// A mistyped --dir is an error, as for show, not an empty
			// state; state push never creates the folder.
			return checkDir(dir)
		},
	}
	cmd.PersistentFlags().StringVar(&dir, "dir", ".", "config directory (locates the default state file)")
	var format string
	history := &cobra.Command{
		Use:   "history [--format text|json]",
		Short: "List the applied changes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStateHistory(cmd.Context(), env, c, dir, format)
		},
	}
	history.Flags().StringVar(&format, "format", "text", "output format: text or json")
	var server string
	list := &cobra.Command{
		Use:   "list [--server NAME]",
		Short: "List the recorded objects",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStateList(cmd.Context(), env, c, dir, server)
		},
	}
	list.Flags().StringVar(&server, "server", "", "with several servers: list only the objects recorded on server NAME")
	var force bool
	push := &cobra.Command{
		Use:   "push FILE [--force]",
		Short: "Replace the recorded state with FILE (lineage checked; - reads standard input)",
		Args:  oneArg("state push needs FILE, the state to push (as state pull prints it; - reads standard input): plansync state push FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStatePush(cmd.Context(), env, c, dir, args[0], force)
		},
	}
	push.Flags().BoolVar(&force, "force", false, "replace even when the lineage differs")
	cmd.AddCommand(
		&cobra.Command{
			Use:   "pull",
			Short: "Print the recorded state as JSON",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				return runStatePull(cmd.Context(), env, c, dir)
			},
		},
		list,
		push, history,
	)
	return cmd
}

func readState(ctx context.Context, env Env, c *common, dir string) (*state.Snapshot, state.Backend, error) {
	b, err := openBackend(env, c, dir)
	if err != nil {
		return nil, nil, err
	}
	s, err := readPrior(ctx, b)
	if err != nil {
		b.Close()
		return nil, nil, err
	}
	return s, b, nil
}

func runStatePull(ctx context.Context, env Env, c *common, dir string) error {
	s, b, err := readState(ctx, env, c, dir)
	if err != nil {
		return err
	}
	defer b.Close()
	if s == nil {
		return fmt.Errorf("%s: %w", b.Describe(), state.ErrNotFound)
	}
	data, err := state.Encode(s)
	if err != nil {
		return err
	}
	_, err = env.Stdout.Write(data)
	return err
}

func runStateList(ctx context.Context, env Env, c *common, dir, server string) error {
	s, b, err := readState(ctx, env, c, dir)
	if err != nil {
		return err
	}
	defer b.Close()
	if s == nil {
		return nil
	}
	objs, err := serverObjects(s, "", "", server)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if o["kind"] == string(render.KindSubscriberSettings) {
			// Recorded with its subscription, which is listed: show
			// gives them as objects of their own, but they are no
			// record of the state, nor a --target.
			continue
		}
		// Keys are the config's text: escaped as show escapes them, so
		// a name cannot redraw the terminal or forge a line.
		line := fmt.Sprintf("%s %s", o["kind"], o["key"])
		if name, ok := o["server"]; ok {
			line = fmt.Sprintf("%s: %s", name, line)
		}
		fmt.Fprintln(env.Stdout, render.Escape(line))
	}
	return nil
}

func runStatePush(ctx context.Context, env Env, c *common, dir, path string, force bool) error {
	var (
		data []byte
		err  error
	)
	summary := "state push " + path // the history entry
	if path == "-" {
		// As terraform state push -: plansync state pull | edit | push -.
		path, summary = "standard input", "state push (standard input)"
		data, err = io.ReadAll(env.Stdin)
		if err != nil {
			return fmt.Errorf("reading the state from standard input: %w", err)
		}
	} else if data, err = os.ReadFile(path); err != nil {
		return err
	}
	incoming, err := state.Decode(data)
	if err != nil {
		// The file pushed is what is wrong, not the recorded state.
		const kept = "; the recorded state was not changed"
		var se *state.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("%s:%d:%d: cannot push: not a valid state file: %s%s", path, se.Line, se.Column, se.Msg, kept)
		}
		if errors.Is(err, state.ErrNewerFormat) {
			// The file is of the newer version, not the recorded state.
			return fmt.Errorf("%s: cannot push: it was written by a newer version of plansync %s%s", path, strings.TrimPrefix(err.Error(), state.ErrNewerFormat.Error()+" "), kept)
		}
		if errors.Is(err, state.ErrCorrupt) {
			return fmt.Errorf("%s: cannot push: not a valid state file: %s%s", path, strings.TrimPrefix(err.Error(), state.ErrCorrupt.Error()+": "), kept)
		}
		return fmt.Errorf("%s: cannot push: %w%s", path, err, kept)
	}
	if err := secretsInClear(incoming); err != nil {
		return fmt.Errorf("%s: cannot push: %w; the recorded state was not changed", path, err)
	}
	run, err := lockedState(ctx, env, c, dir, "state push")
	if err != nil {
		return err
	}
	defer run.close()
	b, cur := run.backend, run.prior
	var expect uint64
	if cur != nil {
		expect = cur.Serial
		if cur.Lineage != incoming.Lineage {
			if !force {
				return fmt.Errorf("%s has lineage %s but the recorded state has lineage %s: they are different states; use --force to replace it anyway", path, incoming.Lineage, cur.Lineage)
			}
			incoming.Lineage = cur.Lineage
		} else if incoming.Serial < cur.Serial && !force {
			return fmt.Errorf("%s has serial %d, older than the recorded serial %d; use --force to replace it anyway", path, incoming.Serial, cur.Serial)
		}
	}
	var serial uint64
	err = env.Interrupts.Critical(ctx, func(ctx context.Context) (err error) {
		// Into a new backend, the state keeps its serial (as its
		// lineage): a copy of it older than what is applied there later
		// is then refused as older.
		serial, err = b.Write(ctx, incoming, expect, &state.HistoryEntry{Who: env.User, When: env.Now().UTC(), Summary: summary, KeepSerial: true})
		return err
	})
	if err != nil {
		return err
	}
	if cur != nil && serial == expect {
		// Nothing written (the backend keeps a state equal to what is
		// stored as it is): no new serial, no history entry.
		fmt.Fprintf(env.Stdout, "State unchanged: %s holds what is recorded (serial %d).\n", path, serial)
		return nil
	}
	fmt.Fprintf(env.Stdout, "State replaced from %s (serial %d).\n", path, serial)
	return nil
}

// Every state read is checked for recorded property values not in their
// property's JSON form, the form plansync records and prints (SPEC §4):
// sizes and counts integers (-1 unlimited), booleans, a duration as
// written (or -1), other values strings (an enum's word too: a server's
// value the model has no word for is recorded as the server has it); so
// are the plan and available values of recorded conflicts (an available
// value null: not available at all). Paths plansync does not know are
// left as they are. state.Decode checks them as it decodes, so such a
// state is corrupt when read (SPEC §5), and not a valid state file to
// push.
func init() { state.SetValueForms(valueForm) }

// valueForm is the form of the recorded values of the property at path
// (nil for a path plansync does not know).
func valueForm(path string) state.ValueForm {
	p := model.Lookup(path)
	if p == nil {
		return nil
	}
	if p.Kind == model.KindDuration {
		// A duration is parsed (a regular expression): the few
		// durations a state holds, once each. The form serves one
		// Decode, so the map is not shared.
		valid := map[string]bool{}
		return func(x any) string {
			str, ok := x.(string)
			if ok && valid[str] {
				return ""
			}
			want := recordedForm(p, x)
			if ok && want == "" {
				valid[str] = true
			}
			return want
		}
	}
	return func(x any) string { return recordedForm(p, x) }
}

// recordedForm says what a recorded value x of property p should be
// ("" when it is that).
func recordedForm(p *model.Prop, x any) string {
	n, integral := x.(int64)
	switch p.Kind {
	case model.KindSize:
		if !integral || n < model.Unlimited {
			return "a size in bytes (an integer, -1 for unlimited)"
		}
	case model.KindCount:
		if !integral || n < model.Unlimited {
			return "a count (an integer, -1 for unlimited)"
		}
	case model.KindBool:
		if _, ok := x.(bool); !ok {
			return "true or false"
		}
	case model.KindDuration:
		str, ok := x.(string)
		if _, err := model.ParseDuration(str); !(integral && n == model.Unlimited) && (!ok || err != nil) {
			return "a duration (30d, 6mo, 1y) or -1 for unlimited"
		}
	default:
		if _, ok := x.(string); !ok {
			return "a string"
		}
	}
	return ""
}

// secretsInClear refuses a state whose secret fields hold anything but a
// salted hash (bcrypt, as plansync writes, or argon2id) or a secret
// encrypted with PLANSYNC_SECRETS_KEY: the state never holds a password
// in clear, even one written into a pulled state by hand. The value is
// not shown.
func secretsInClear(s *state.Snapshot) error {
	check := func(kind, server, key, field, v string) error {
		if v == "" || isSealed(v) || strings.HasPrefix(v, "$argon2id$") {
			return nil
		}
		if _, err := bcrypt.Cost([]byte(v)); err == nil {
			return nil
		}
		if server != "" {
			key += " (server " + server + ")"
		}
		return fmt.Errorf("%s %s: %s is not a salted hash or an encrypted secret (the state never holds a password in clear)", kind, key, field)
	}
	for _, r := range s.Resellers {
		if err := check("reseller", r.Server, r.Login, "password_hash", r.PasswordHash); err != nil {
			return err
		}
	}
	for _, c := range s.Customers {
		if err := check("customer", c.Server, c.Login, "password_hash", c.PasswordHash); err != nil {
			return err
		}
	}
	for _, sub := range s.Subscriptions {
		if err := check("subscription", sub.Server, sub.Domain, "ftp_password_hash", sub.FTPPassword); err != nil {
			return err
		}
	}
	return nil
}

func runStateHistory(ctx context.Context, env Env, c *common, dir, format string) error {
	if err := checkFormat(format, "text", "json"); err != nil {
		return err
	}
	b, err := openBackend(env, c, dir)
	if err != nil {
		return err
	}
	defer b.Close()
	var hist []state.HistoryEntry
	if !unprovisioned(ctx, b) {
		if hist, err = b.History(ctx); err != nil {
			return err
		}
	}
	if format == "json" {
		return render.HistoryJSON(env.Stdout, hist)
	}
	return render.HistoryText(env.Stdout, hist)
}

// oneArg accepts exactly one argument; without it, the error is missing
// (which names the argument and where it comes from) rather than an
// argument count.
func oneArg(missing string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return errors.New(missing)
		}
		return cobra.ExactArgs(1)(cmd, args)
	}
}

func newForceUnlockCmd(env Env, c *common) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "force-unlock LOCK_ID",
		Short: "Break a stale state lock",
		Args:  oneArg("force-unlock needs LOCK_ID, the ID of the lock to break (a lock error names it): plansync force-unlock LOCK_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkDir(dir); err != nil {
				return err
			}
			b, err := openBackend(env, c, dir)
			if err != nil {
				return err
			}
			defer b.Close()
			if err := b.ForceUnlock(cmd.Context(), args[0]); err != nil {
				return backendErr(b, err)
			}
			fmt.Fprintf(env.Stdout, "Lock %s released.\n", args[0])
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", ".", "config directory (locates the default state file)")
	return cmd
}

// Every state read is checked, too, for record fields holding a word no
// state plansync writes holds (SPEC §3, §4): a sync status other than
// synced, locked, unsynced or custom, a status other than active or
// suspended, a domain not in lower case (SPEC §2.1: another spelling
// would be planned as another subscription). Such a state is corrupt
// when read (SPEC §5), and not a valid state file to push.
func init() { state.SetRecordChecks(recordCheck) }

// recordCheck says what the field of a record of kind should be ("" when
// value is that).
func recordCheck(kind, field, value string) string {
	switch {
	case field == "status":
		if value != plan.Active && value != plan.Suspended {
			return "active or suspended"
		}
	case kind == "subscription" && field == "sync_status":
		switch value {
		case plan.Synced, plan.Locked, plan.Unsynced, plan.Custom:
		default:
			return "synced, locked, unsynced or custom"
		}
	case kind == "subscription" && field == "domain":
		if value != strings.ToLower(value) {
			return "in lower case"
		}
	}
	return ""
}
