package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/plansync/plansync/internal/apply"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk"
	"github.com/plansync/plansync/internal/plesk/deploy"
	"github.com/plansync/plansync/internal/plesk/importer"
	"github.com/plansync/plansync/internal/plesk/mapping"
	"github.com/plansync/plansync/internal/plesk/refresh"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
	"github.com/plansync/plansync/internal/render"
	"github.com/plansync/plansync/state"
)

// EnvDefaultIP sets the IP address of new subscriptions when the config
// has no server.plesk.default_ip (for CI and the emulator).
const EnvDefaultIP = "PLANSYNC_PLESK_DEFAULT_IP"

// pleskServer returns a client for the Plesk server the config or the
// environment names, or nil when none is named (apply then records the
// plan only). With --as reseller:LOGIN the credentials are the
// reseller's: PLANSYNC_PLESK_LOGIN (LOGIN) and PLANSYNC_PLESK_PASSWORD;
// an admin key is not used.
func pleskServer(env Env, cfg *model.Config, as string) (*xmlapi.Client, plesk.Connection, error) {
	a, err := parseAs(as)
	if err != nil {
		return nil, plesk.Connection{}, err
	}
	if len(cfg.Servers) > 0 {
		// Several servers: plan and apply reach each through its own
		// plesk block (fleet.go); here only a config without any.
		for _, s := range cfg.Servers {
			if s.Plesk != nil {
				return nil, plesk.Connection{}, fmt.Errorf("the config names several servers with Plesk connections: this command reaches one server only; use plan and apply (without a plan file)")
			}
		}
		return nil, plesk.Connection{}, nil
	}
	getenv := env.Getenv
	if a.Reseller != "" {
		getenv = func(k string) (string, bool) {
			if k == plesk.EnvKey || env.Getenv == nil {
				return "", false
			}
			return env.Getenv(k)
		}
	}
	conn, ok, err := plesk.Connect(cfg, getenv)
	if a.Reseller != "" && (ok || err != nil) {
		login := strings.TrimSpace(env.env(plesk.EnvLogin))
		if login == "" || env.env(plesk.EnvPassword) == "" {
			return nil, conn, fmt.Errorf("--as reseller:%s with a Plesk server needs the reseller's credentials: set %s=%s and %s", a.Reseller, plesk.EnvLogin, a.Reseller, plesk.EnvPassword)
		}
		if !strings.EqualFold(login, a.Reseller) {
			return nil, conn, fmt.Errorf("--as reseller:%s, but %s is %s: the credentials must be the reseller's", a.Reseller, plesk.EnvLogin, login)
		}
		conn.API.Key, conn.API.Login, conn.API.Password = "", login, env.env(plesk.EnvPassword)
	}
	if err != nil || !ok {
		return nil, conn, err
	}
	if conn.DefaultIP == "" {
		conn.DefaultIP = strings.TrimSpace(env.env(EnvDefaultIP))
	}
	if err := pleskTimeout(env, &conn); err != nil {
		return nil, conn, err
	}
	client, err := xmlapi.New(conn.API)
	return client, conn, err
}

// secretsOf returns the clear secrets of the config, for the writes that
// carry them (they are never printed, and traces mask them).
func secretsOf(cfg *model.Config) func(kind, key, field string) string {
	return func(kind, key, field string) string {
		var s *model.Secret
		switch kind {
		case "customer":
			if c := cfg.Customers[key]; c != nil {
				s = c.Password
			}
		case "reseller":
			if r := cfg.Resellers[key]; r != nil {
				s = r.Password
			}
		case "subscription":
			if sub := cfg.Subscriptions[key]; sub != nil {
				s = sub.FTPPassword
			}
		}
		if s == nil {
			return ""
		}
		return s.Value
	}
}

// deployAndRecord makes the server match the plan, then records what
// was done (all of it, or, after a failed operation, what succeeded).
// applyErr is the failed operation, writeErr a failure to record.
func deployAndRecord(ctx context.Context, env Env, run *planRun, p *plan.Plan, entry *state.HistoryEntry, client *xmlapi.Client, conn plesk.Connection, reseller string, progress bool) (out *deploy.Outcome, serial uint64, applyErr, writeErr error) {
	opts := deploy.Options{
		DefaultIP: conn.DefaultIP, Secret: secretsOf(run.cfg), Billing: billingOf(run.cfg),
		Reseller: reseller, Read: run.serverRead(), ReadAt: run.serverReadAt(), OnlyChanges: run.saved,
	}
	if !run.saved && reuseServerRead && !readNow(opts) {
		basis := run.prior
		if run.observed != nil {
			basis = run.observed.Observed
		}
		if opts.Read, opts.ReadAt, applyErr = readUnseen(ctx, client, reseller, p, basis, run.cfg, run.clockNow(env)); applyErr != nil {
			return nil, p.PriorSerial, applyErr, nil
		}
		opts.OnlyChanges = true
	}
	bar := newProgressLine(env.Stderr, progress, client.Server())
	opts.Progress = bar.update
	out, applyErr = deploy.Run(ctx, client, p, run.prior, opts)
	bar.done(applyErr)
	if out == nil || out.Record == nil {
		return out, p.PriorSerial, applyErr, nil
	}
	recordCreated(ctx, client, reseller, run.cfg, p.Result, out, run.clockNow(env))
	if applyErr != nil || len(out.Pending) > 0 {
		pending := map[string]bool{}
		for _, k := range out.Pending {
			pending[k] = true
		}
		entry = apply.EntryExcept(p, entry, func(_, kind, key string) bool { return pending[kind+" "+key] })
		entry.Summary += fmt.Sprintf(" (on %s: %s pending)", client.Server(), counted(len(out.Pending), "object"))
	}
	if out.Succeeded > 0 && entry != nil {
		// What was written is in the history even when the record is
		// the one the state had (an apply that set back drift). Writes
		// that all failed changed nothing: the state is written only if
		// what it records changed.
		e := *entry
		e.Always = true
		entry = &e
	}
	serial, writeErr = run.backend.Write(ctx, out.Record, p.PriorSerial, entry)
	return out, serial, applyErr, writeErr
}

// recordCreated takes into the record of an apply that stopped what the
// server has of the objects it created but could not finish (a later
// write of theirs failed: deploy.Outcome.Created), and of the objects it
// changed only in part (deploy.Outcome.Changed). They are there as
// plansync's writes left them: the next plan finishes them from what
// they are, instead of finding them "created" or "edited outside
// plansync". A read that fails leaves the record as it is (the next plan
// then finds them so). A subscription it created is recorded created when
// the plan (planned, its result) had it created, the clock of --now
// included: its expiration date, written from that time, stays the one
// the next plan computes.
func recordCreated(ctx context.Context, client *xmlapi.Client, reseller string, cfg *model.Config, planned *state.Snapshot, out *deploy.Outcome, now time.Time) {
	refs := append(slices.Clone(out.Created), out.Changed...)
	if len(refs) == 0 || out.Record == nil {
		return
	}
	read, err := deploy.Read(ctx, client, reseller)
	if err != nil {
		return
	}
	srv := refresh.FromSnapshot(withRecordedComponents(read, client, reseller, out.Record), now)
	res := refresh.Compare(out.Record, cfg, srv, refresh.Options{Reseller: reseller})
	observed := res.Observed
	if observed != nil && srv.Records != nil {
		// A subscription a plan write of this apply reached on the
		// server, while its own writes are not done (deploy.Outcome
		// .Changed, on its prior record, synced): Plesk gave it the
		// plan's change, which its prior record does not hold, and a
		// refresh would take that for a model disagreement and keep the
		// record. It is recorded with what the server has, as an import
		// reads it.
		changed := map[string]bool{}
		for _, ref := range out.Changed {
			if ref.Kind == "subscription" {
				changed[ref.Key] = true
			}
		}
		read := map[string]*state.Subscription{}
		for i := range srv.Records.Subscriptions {
			read[srv.Records.Subscriptions[i].Domain] = &srv.Records.Subscriptions[i]
		}
		for i := range observed.Subscriptions {
			o := &observed.Subscriptions[i]
			r := read[o.Domain]
			if !changed[o.Domain] || r == nil || o.SyncStatus != "synced" || r.SyncStatus != "synced" || o.Plan != r.Plan || o.Owner != r.Owner {
				continue
			}
			if v, ok := srv.Records.PropertySets[r.Effective]; ok && r.Effective != o.Effective {
				o.Effective = r.Effective
				observed.PropertySets[r.Effective] = v
			}
		}
	}
	if observed != nil {
		recordDisagreeing(observed, read, out)

		// Still locked in the panel, the config keeping it synced (its
		// sync not reached, or failed): recorded so, as a refresh
		// records it (SPEC §6.4).
		res.MarkLockedInPanel(observed.Subscriptions)
	}
	if observed != nil && planned != nil {
		unfinished := map[string]bool{}
		for _, ref := range out.Created {
			if ref.Kind == "subscription" {
				unfinished[ref.Key] = true
			}
		}
		created := map[string]time.Time{}
		custom := map[string]*state.Subscription{}
		for i := range planned.Subscriptions {
			s := &planned.Subscriptions[i]
			if unfinished[s.Domain] && !s.CreatedAt.IsZero() {
				created[s.Domain] = s.CreatedAt
			}
			if unfinished[s.Domain] && s.Plan == model.None {
				custom[s.Domain] = s
			}
		}
		converted := map[string]*state.Reseller{}
		for _, ref := range out.Created {
			if ref.Kind != "reseller" {
				continue
			}
			for i := range planned.Resellers {
				if p := &planned.Resellers[i]; p.Login == ref.Key && p.Plan == model.None && p.Allocation != "" {
					converted[p.Login] = p
				}
			}
		}
		for i := range observed.Resellers {
			o := &observed.Resellers[i]
			if p := converted[o.Login]; p != nil && o.Plan == model.None {
				// Converted onto no plan, the write of its allocation
				// not done: it keeps the allocation it was converted
				// with (the totals of its subscriptions, fixed then),
				// which the next plan writes over the server's own,
				// as this one would have.
				o.Allocation, o.Services, o.Oversell = p.Allocation, p.Services, p.Oversell
				if v, ok := planned.PropertySets[p.Allocation]; ok {
					if observed.PropertySets == nil {
						observed.PropertySets = map[string]state.Values{}
					}
					observed.PropertySets[p.Allocation] = v
				}
			}
		}
		for i := range observed.Subscriptions {
			o := &observed.Subscriptions[i]
			if t, ok := created[o.Domain]; ok {
				o.CreatedAt = t
			}
			if p := custom[o.Domain]; p != nil && o.Plan == model.None {
				// A custom one keeps the base and customisation it was
				// created from (the default plan's values and services),
				// as a recorded custom subscription does: the next plan
				// attaches the services its add-plan-item did not.
				o.Base, o.Customize, o.Customized = p.Base, p.Customize, p.Customized
				for _, id := range []string{p.Base, p.Customize} {
					if v, ok := planned.PropertySets[id]; ok && id != "" {
						if observed.PropertySets == nil {
							observed.PropertySets = map[string]state.Values{}
						}
						observed.PropertySets[id] = v
					}
				}
			}
		}
	}
	out.Record = state.Merge(out.Record, observed, refs)
}

// recordDisagreeing records a subscription this run created that the
// server reports with other values than predicted (a model disagreement:
// the server combines its plans otherwise) with the server's values for
// the properties in disagreement. It has no prior record to keep, and
// its record as read (plan ⊕ add-ons, for a synced one) is the
// prediction: recording that would hide the disagreement from the next
// plan (SPEC §6.5: not silently recorded either way). Recorded as the
// server has it, the next plan shows the difference, as it does for a
// subscription that keeps its previous record.
func recordDisagreeing(observed *state.Snapshot, read *importer.Snapshot, out *deploy.Outcome) {
	created := map[string]bool{}
	for _, ref := range out.Created {
		if ref.Kind == "subscription" {
			created[ref.Key] = true
		}
	}
	paths := map[string][]string{}
	for _, d := range out.Disagreements {
		if d.Subscription != "" && created[d.Subscription] && model.Lookup(d.Property) != nil {
			paths[d.Subscription] = append(paths[d.Subscription], d.Property)
		}
	}
	if len(paths) == 0 {
		return
	}
	webspaces := map[string]*xmlapi.WebspaceData{}
	for _, w := range read.Webspaces {
		if w.Data != nil && w.Data.GenInfo != nil {
			webspaces[w.Data.GenInfo.Domain()] = w
		}
	}
	for i := range observed.Subscriptions {
		o := &observed.Subscriptions[i]
		w := webspaces[o.Domain]
		if len(paths[o.Domain]) == 0 || w == nil {
			continue
		}
		set, ok := observed.PropertySets[o.Effective]
		if !ok {
			continue
		}
		have, _, err := mapping.ToPropsOn(mapping.FromWebspace(w), read.PHP)
		if err != nil {
			continue
		}
		props, services := plan.PropsFromValues(set)
		for _, path := range paths[o.Domain] {
			if v, ok := have[path]; ok {
				props[path] = v
			}
		}
		o.Effective = observed.PutValues(plan.ValuesFromProps(props, services))
	}
}

// readNow reports whether the plan deploy applies was made from a read
// of the server as it is now: the run's own read, recent enough to stand
// for deploy's first one (deploy.MaxReadAge; a reseller's deploy reads
// its scoped view again, which the plan's read was too).
func readNow(opts deploy.Options) bool {
	return opts.Read != nil && time.Since(opts.ReadAt) <= deploy.MaxReadAge && !opts.ReadAt.After(time.Now())
}

// readUnseen reads the server for an apply whose plan was not made from
// a read of it as it is now: a plan from the recorded state alone
// (--refresh=false), one confirmed after a while, watch's plan from its
// kept read. What changed on the server since basis, the state the plan
// was made from, was never shown: such an apply writes only the objects
// the plan changes (deploy.Options.OnlyChanges: the rest is left as the
// server has it, and the next plan shows it as drift), and is refused,
// before any write, when one of those objects changed on the server
// since, as a saved plan is. It returns the read, for deploy's first.
func readUnseen(ctx context.Context, client *xmlapi.Client, reseller string, p *plan.Plan, basis *state.Snapshot, cfg *model.Config, now time.Time) (*importer.Snapshot, time.Time, error) {
	at := time.Now()
	read, err := deploy.Read(ctx, client, reseller)
	if err != nil {
		return nil, at, err
	}
	if changed := unseenChanges(read, client, reseller, p, basis, cfg, now); len(changed) > 0 {
		return nil, at, &unseenDriftError{changed}
	}
	return read, at, nil
}

// unseenChanges are the objects p changes that changed on the server
// (read) since basis, the state p was planned from, sorted.
func unseenChanges(read *importer.Snapshot, client *xmlapi.Client, reseller string, p *plan.Plan, basis *state.Snapshot, cfg *model.Config, now time.Time) []string {
	srv := refresh.FromSnapshot(withRecordedComponents(read, client, reseller, basis), now)
	changed := driftTouched(p.Changes, refresh.Compare(basis, cfg, srv, refresh.Options{Reseller: reseller}).Drift)
	slices.Sort(changed)
	return changed
}

// withRecordedComponents is snap, a read of the server with a
// reseller's credentials, with the components recorded in basis: a
// reseller cannot read them (refreshing.read does the same).
func withRecordedComponents(snap *importer.Snapshot, client *xmlapi.Client, reseller string, basis *state.Snapshot) *importer.Snapshot {
	if reseller != "" && client.Login() == reseller && basis != nil && basis.Server != nil {
		snap.Components = slices.Clone(basis.Server.Components)
	}
	return snap
}

// unseenDriftError refuses an apply whose plan did not see what changed
// on the server for objects it changes (readUnseen).
type unseenDriftError struct{ objects []string }

func (e *unseenDriftError) Error() string {
	return fmt.Sprintf("the plan was not made from what the server has now: %s changed on the server since the state it was planned from (drift the plan did not show); nothing was written. Run plansync plan (it reads the server) to review the drift", apply.FirstNames(e.objects))
}

// billingOf reports the objects the config marks managed_by: billing.
func billingOf(cfg *model.Config) func(kind, key string) bool {
	return func(kind, key string) bool {
		if cfg == nil {
			return false
		}
		switch kind {
		case "customer":
			c := cfg.Customers[key]
			return c != nil && c.ManagedBy == "billing"
		case "reseller":
			r := cfg.Resellers[key]
			return r != nil && r.ManagedBy == "billing"
		case "subscription":
			s := cfg.Subscriptions[key]
			return s != nil && s.ManagedBy == "billing"
		}
		return false
	}
}

// applyOnServer applies a plan on the server and prints the outcome; it
// returns the error that ends the run.
func applyOnServer(ctx context.Context, env Env, o applyOptions, reseller string, run *planRun, p *plan.Plan, entry *state.HistoryEntry, client *xmlapi.Client, conn plesk.Connection) error {
	progress := o.Format == "text" && env.IsTerminal != nil && env.IsTerminal(env.Stderr)
	var out *deploy.Outcome
	var serial uint64
	var applyErr, writeErr error
	err := env.Interrupts.Critical(ctx, func(ctx context.Context) error {
		out, serial, applyErr, writeErr = deployAndRecord(ctx, env, run, p, entry, client, conn, reseller, progress)
		return nil
	})
	if err != nil {
		return err
	}
	if writeErr != nil {
		if applyErr != nil {
			return fmt.Errorf("%v; and recording what succeeded failed: %w", applyErr, backendErr(run.backend, writeErr))
		}
		if out != nil && out.Succeeded > 0 {
			return unrecorded([]string{client.Server()}, out.Succeeded, backendErr(run.backend, writeErr))
		}
		return backendErr(run.backend, writeErr)
	}
	var msg error
	if applyErr != nil {
		msg = applyFailure(applyErr, client.Server(), out, serial)
	}
	if o.Format == "json" {
		env.view.fail(msg)
		if jerr := applyServerJSON(env.Stdout, p, out, applyErr == nil, serial, env); jerr != nil {
			return jerr
		}
	} else if out != nil {
		printOutcome(env.Stdout, out)
		if applyErr != nil {
			printDisagreementRecords(env.Stdout, "", out)
		}
	}
	if applyErr != nil {
		if o.Format == "json" {
			return afterDocument{msg}
		}
		return msg
	}
	if o.Format != "json" {
		printApplied(env.Stdout, client.Server(), p, out, serial)
	}
	return nil
}

// printApplied ends the text of an apply on a Plesk server that
// succeeded (apply, watch --apply): the server, the summary and the
// writes sent, and what model disagreements left as recorded: an object
// that was there keeps its previous record; one this run created has
// none to keep and, being on the server, is recorded as the server has
// it (recordCreated), not planned to be created again.
func printApplied(w io.Writer, server string, p *plan.Plan, out *deploy.Outcome, serial uint64) {
	fmt.Fprintf(w, "Apply complete on %s! %d added, %d changed, %d deleted (%s sent). State serial %d.\n",
		server, p.Summary.Create, p.Summary.Update, p.Summary.Delete, counted(out.Writes, "write"), serial)
	printDisagreementRecords(w, "", out)
}

// printDisagreementRecords says what became of the records of the
// objects in model disagreement of one server's outcome, each line
// starting with at (a fleet's "web1: ", or nothing for one server).
func printDisagreementRecords(w io.Writer, at string, out *deploy.Outcome) {
	kept, created, noted := disagreeingObjects(out.Disagreements, out.Created, out.Noted)
	if kept == 1 {
		fmt.Fprintln(w, at+"1 object in model disagreement keeps its previous record: the plan will show it again until the config or the server changes.")
	} else if kept > 1 {
		fmt.Fprintf(w, "%s%s objects in model disagreement keep their previous records: the plan will show them again until the config or the server changes.\n", at, render.Thousands(kept))
	}
	if created == 1 {
		fmt.Fprintln(w, at+"1 new object in model disagreement is recorded as the server has it: the plan will show the difference until the config or the server changes.")
	} else if created > 1 {
		fmt.Fprintf(w, "%s%s new objects in model disagreement are recorded as the server has them: the plan will show the difference until the config or the server changes.\n", at, render.Thousands(created))
	}
	if noted == 1 {
		fmt.Fprintln(w, at+"1 subscription whose sync status the server changed on a write of its own is recorded as predicted, with the server's sync status beside it: the plan will show the difference until the config or the server changes.")
	} else if noted > 1 {
		fmt.Fprintf(w, "%s%s subscriptions whose sync status the server changed on a write of their own are recorded as predicted, with the server's sync status beside it: the plan will show the difference until the config or the server changes.\n", at, render.Thousands(noted))
	}
}

// disagreeingObjects counts the objects (subscriptions, accounts) a
// list of model disagreements names, each once: not the other objects
// an apply left pending (what follows them, what billing owns). Those
// among created (the run's new objects) are counted apart, and so are
// the subscriptions noted (recorded as predicted, with the server's
// sync status beside it).
func disagreeingObjects(ds []deploy.Disagreement, created []state.Ref, noted []string) (kept, made, note int) {
	isNew := make(map[string]bool, len(created))
	for _, ref := range created {
		isNew[ref.Kind+" "+ref.Key] = true
	}
	isNoted := make(map[string]bool, len(noted))
	for _, d := range noted {
		isNoted[d] = true
	}
	seen := map[[2]string]bool{}
	for _, d := range ds {
		k := [2]string{d.Subscription, d.Account}
		if seen[k] {
			continue
		}
		seen[k] = true
		what := d.Account
		if what == "" {
			what = "subscription " + d.Subscription
		}
		switch {
		case d.Account == "" && isNoted[d.Subscription]:
			note++
		case isNew[what]:
			made++
		default:
			kept++
		}
	}
	return kept, made, note
}

// unrecorded is the error of an apply whose writes to the server
// succeeded but whose record could not be written (the state is as it
// was): the server has changes the state does not record, which the
// user must be told, not only that the state was not written.
func unrecorded(servers []string, writes int, err error) error {
	the, has := "the server", "The server has"
	if len(servers) > 1 {
		the, has = "the servers", "The servers have"
	}
	return fmt.Errorf("apply on %s: %s to %s succeeded, but writing the state failed: %w. %s changes the recorded state does not: the next plan reads them from %s (shown as changed or created outside plansync), and apply records them",
		strings.Join(servers, ", "), counted(writes, "write"), the, err, has, the)
}

// applyFailure is the one line naming the object, the operation and
// Plesk's errcode and errtext, and what was recorded.
// objectError is an error about one object, which a JSON diagnostic
// names (its "object").
type objectError struct {
	err    error
	object string
}

func (e objectError) Error() string { return e.err.Error() }
func (e objectError) Unwrap() error { return e.err }

func applyFailure(err error, server string, out *deploy.Outcome, serial uint64) error {
	recorded := ""
	if out != nil && out.Record != nil {
		recorded = fmt.Sprintf("; what succeeded is recorded (state serial %d), %s pending: run apply again to finish", serial, counted(len(out.Pending), "object"))
	}
	if oe := deploy.OpError(err); oe != nil {
		return objectError{fmt.Errorf("apply on %s stopped: %s %s of %s failed: errcode %d, errtext %q%s",
			server, oe.Operator, oe.Operation, oe.Object, oe.Code, oe.Text, recorded), oe.Object}
	}
	return fmt.Errorf("apply on %s stopped: %v%s", server, err, recorded)
}

func printOutcome(w io.Writer, out *deploy.Outcome) {
	printOutcomes(w, []serverOutcome{{out: out}})
}

// printOutcomes prints what the servers reported after an apply: what
// was left undone, the problems Plesk reported, the model disagreements.
// With several servers (outcomes named), each section gathers every
// server's lines, each line naming its server.
func printOutcomes(w io.Writer, outcomes []serverOutcome) {
	fleet := len(outcomes) > 1 || len(outcomes) == 1 && outcomes[0].Name != ""
	on, reports := "the server", "the server reports"
	if fleet {
		on, reports = "the servers", "the servers report"
	}
	var notes, leftovers, problems, disagreements []string
	for _, oc := range outcomes {
		out := oc.out
		if out == nil {
			continue
		}
		at := ""
		if oc.Name != "" {
			at = render.Escape(oc.Name) + ": "
		}
		for _, n := range out.Notes {
			notes = append(notes, "  "+at+n)
		}
		for _, n := range out.Leftovers {
			leftovers = append(leftovers, "  "+at+n)
		}
		for _, pr := range out.Problems {
			lines := shownProblemLines(problemLines(pr.Text))
			if len(lines) == 1 {
				problems = append(problems, fmt.Sprintf("  %s%s: %s", at, pr.Object, lines[0]))
				continue
			}
			problems = append(problems, fmt.Sprintf("  %s%s:", at, pr.Object))
			for _, l := range lines {
				problems = append(problems, "    "+l)
			}
		}
		for _, d := range out.Disagreements {
			what := "subscription " + d.Subscription
			if d.Account != "" {
				what = d.Account
			}
			disagreements = append(disagreements, fmt.Sprintf("  %s%s: %s: predicted %s, server has %s", at, what, d.Property, d.Predicted, d.Observed))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintf(w, "\nLeft undone on %s (kept on their previous record):\n", on)
		printLines(w, notes)
	}
	if len(leftovers) > 0 {
		fmt.Fprintf(w, "\nLeft on %s (no longer in plansync's records):\n", on)
		printLines(w, leftovers)
	}
	if len(problems) > 0 {
		fmt.Fprintf(w, "\nPlesk reported problems (the subscriptions stay unsynchronized on %s):\n", on)
		printLines(w, problems)
	}
	if len(disagreements) > 0 {
		fmt.Fprintf(w, "\nModel disagreements (%s other values than plansync predicted; not recorded):\n", reports)
		printLines(w, disagreements)
		fmt.Fprintln(w)
	}
}

func printLines(w io.Writer, lines []string) {
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// problemLinesShown is how many lines of one problem Plesk reported
// apply prints; the rest are counted. A plan change that reaches a whole
// fleet leaves a line per subscription, where the plan summarises them.
const problemLinesShown = 20

// shownProblemLines keeps the first problemLinesShown of lines and a
// line counting the others.
func shownProblemLines(lines []string) []string {
	return apply.FirstItems(lines, problemLinesShown, "apply --format json")
}

// problemLines are the lines of a problems text Plesk reported, each with
// its spaces collapsed, blank ones left out (at least one line).
func problemLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = oneLine(l); l != "" {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		out = append(out, "")
	}
	return out
}

// applyServerJSON is apply's JSON document with the server's outcome
// added after its other keys (their order kept): model_disagreements
// (always present), plesk_problems, pending and left_undone.
func applyServerJSON(w io.Writer, p *plan.Plan, out *deploy.Outcome, applied bool, serial uint64, env Env) error {
	dis := []deploy.Disagreement{}
	probs := []deploy.Problem{}
	pending, notes := []string{}, []string{}
	if out != nil {
		dis = append(dis, out.Disagreements...)
		probs = append(probs, out.Problems...)
		pending = append(pending, out.Pending...)
		notes = append(notes, out.Notes...)
		notes = append(notes, out.Leftovers...)
	}
	return writeApplyJSON(w, p, applied, serial, env, []keyValue{{"model_disagreements", dis}, {"plesk_problems", probs}, {"pending", pending}, {"left_undone", notes}})
}

// keyValue is a key added to apply's JSON document.
type keyValue struct {
	k string
	v any
}

// writeWithKeys writes apply's JSON document to stdout with keys added.
func writeWithKeys(env Env, p *plan.Plan, applied bool, serial uint64, kvs []keyValue) error {
	return writeApplyJSON(env.Stdout, p, applied, serial, env, kvs)
}

// writeApplyJSON is apply's JSON document with kvs added after its other
// keys (their order kept).
func writeApplyJSON(w io.Writer, p *plan.Plan, applied bool, serial uint64, env Env, kvs []keyValue) error {
	var buf bytes.Buffer
	if err := render.ApplyJSON(&buf, p, applied, serial, env.view.warnings()); err != nil {
		return err
	}
	doc := bytes.TrimRight(buf.Bytes(), "\n")
	if len(doc) == 0 || doc[len(doc)-1] != '}' {
		return fmt.Errorf("apply JSON: unexpected document")
	}
	doc = bytes.TrimRight(doc[:len(doc)-1], "\n ")
	var b bytes.Buffer
	b.Write(doc)
	for _, kv := range kvs {
		var v bytes.Buffer
		enc := json.NewEncoder(&v)
		enc.SetIndent("  ", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(kv.v); err != nil {
			return err
		}
		fmt.Fprintf(&b, ",\n  %q: %s", kv.k, bytes.TrimRight(v.Bytes(), "\n"))
	}
	b.WriteString("\n}\n")
	_, err := w.Write(b.Bytes())
	return err
}

// progressLine says on a terminal how far an apply on a server is
// ("Applying on HOST: 37/120 operations"), at most every 100ms.
type progressLine struct {
	line   *render.StatusLine
	on     bool
	server string
	last   time.Time
	n, of  int
}

func newProgressLine(w io.Writer, on bool, server string) *progressLine {
	return &progressLine{line: render.NewStatusLine(w), on: on, server: server}
}

func (l *progressLine) update(done, total int) {
	l.n, l.of = done, total
	if !l.on || (time.Since(l.last) < 100*time.Millisecond && done < total) {
		return
	}
	l.last = time.Now()
	l.line.Show(fmt.Sprintf("Applying on %s: %s/%s operations", l.server, render.Thousands(done), render.Thousands(total)))
}

func (l *progressLine) done(err error) {
	if !l.on {
		return
	}
	if err != nil {
		l.line.End(fmt.Sprintf("Applying on %s: stopped after %s/%s operations", l.server, render.Thousands(l.n), render.Thousands(l.of)))
		return
	}
	l.line.End(fmt.Sprintf("Applying on %s: %s/%s operations done", l.server, render.Thousands(l.n), render.Thousands(l.of)))
}

// savedPlan is the plan a saved plan stands for, for an apply on a
// server: its result (prepared against the current state) and its
// objects. A saved plan does not keep field changes: an account or
// subscription it updates gets its configured password sent again (a
// password cannot be read back to compare), and shows that field.
func savedPlan(s *apply.Saved, result, cur *state.Snapshot) *plan.Plan {
	p := &plan.Plan{Result: result, Summary: s.Summary, Partial: s.Partial, Targets: s.Targets, SavedDoc: s.Doc}
	if cur != nil {
		p.PriorSerial, p.PriorLineage = cur.Serial, cur.Lineage
	}
	for _, o := range s.Objects {
		ch := &plan.Change{Server: o.Server, Kind: o.Kind, Key: o.Key, Action: o.Action, RenamedFrom: o.RenamedFrom}
		if o.Action != plan.Create && o.Action != plan.Delete {
			switch o.Kind {
			case plan.KindCustomer, plan.KindReseller:
				ch.SetsSecret = true
				ch.Fields = []*plan.FieldChange{{Path: "password", Sensitive: true}}
			case plan.KindSubscription:
				ch.SetsSecret = true
				ch.Fields = []*plan.FieldChange{{Path: "ftp_password", Sensitive: true}}
			}
		}
		p.Changes = append(p.Changes, ch)
	}
	return p
}

// reuseServerRead lets deploy use plan's read of the server (off only in
// a benchmark that measures what it saves).
var reuseServerRead = true

// serverRead is the server as plan read it in this run (nil when it did
// not read it): deploy uses it for its first read while it is fresh.
func (r *planRun) serverRead() *importer.Snapshot {
	if !reuseServerRead {
		return nil
	}
	if r.read != nil {
		return r.read
	}
	if r.observed == nil || r.observed.Server == nil {
		return nil
	}
	return r.observed.Server.Read
}

func (r *planRun) serverReadAt() time.Time {
	if r.read != nil {
		return r.readAt
	}
	if r.observed == nil || r.observed.Server == nil {
		return time.Time{}
	}
	return r.observed.Server.ReadAt
}
