package render

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/plansync/plansync/internal/plan"
	"github.com/sergi/go-diff/diffmatchpatch"
)

// Options control text output.
type Options struct {
	// Color enables ANSI colour (only on a terminal, never with NO_COLOR).
	Color bool
	// FanoutNames is how many names a fan-out summary shows (default 5).
	FanoutNames int
	// DriftAll says where the drift items text leaves out are all
	// listed (default: "the JSON plan lists them all").
	DriftAll string
}

type styler struct{ on bool }

func (s styler) wrap(code, text string) string {
	if !s.on {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}
func (s styler) green(t string) string  { return s.wrap("32", t) }
func (s styler) yellow(t string) string { return s.wrap("33", t) }
func (s styler) red(t string) string    { return s.wrap("31", t) }
func (s styler) cyan(t string) string   { return s.wrap("36", t) }
func (s styler) bold(t string) string   { return s.wrap("1", t) }

// symbol returns the marker, coloured by its tone, and the verb for an
// action.
func symbol(st styler, action plan.Action) (string, string) {
	sym, tone := action.Symbol()
	return st.tone(tone, sym), action.Done()
}

// tone colours text by its tone.
func (s styler) tone(t plan.Tone, text string) string {
	switch t {
	case plan.ToneAdd:
		return s.green(text)
	case plan.ToneRemove:
		return s.red(text)
	case plan.ToneMove:
		return s.cyan(text)
	}
	return s.yellow(text)
}

// Thousands formats n with comma separators: 1,240.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// names renders "a, b, c and 1,237 more", each name escaped.
func names(list []string, max int) string {
	more := ""
	if len(list) > max {
		list, more = list[:max], " and "+Thousands(len(list)-max)+" more"
	}
	return escapeJoin(list, ", ") + more
}

// escapeJoin joins list with sep, each element escaped.
func escapeJoin(list []string, sep string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = Escape(s)
	}
	return strings.Join(out, sep)
}

// PlanText writes the plan for people.
func PlanText(w io.Writer, p *plan.Plan, opt Options) error {
	st := styler{on: opt.Color}
	max := opt.FanoutNames
	if max <= 0 {
		max = 5
	}
	var b strings.Builder
	if p.Partial {
		fmt.Fprintf(&b, "%s this plan is partial: only %s and what they force were planned.\n\n",
			st.yellow("Note:"), escapeJoin(p.Targets, ", "))
	}
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "%s %s\n", st.yellow("Note:"), Escape(n))
	}
	if len(p.Notes) > 0 {
		b.WriteString("\n")
	}
	writeDrift(&b, st, p, opt.DriftAll)
	groups := bulkGroups(p.Changes)
	caused, under := causedBy(p.Changes)
	shown := 0
	for _, c := range p.Changes {
		if under[c] {
			continue // summarised under the plan change that caused it
		}
		if shown == 0 {
			b.WriteString("plansync will perform these actions:\n\n")
		}
		if g := groups[c]; g != nil {
			if g.first == c {
				writeBulk(&b, st, g, max)
				shown++
			}
			continue
		}
		shown++
		writeChange(&b, st, c, max, caused[c.Address()])
	}
	if nothingToDo(p) {
		b.WriteString(noChanges(p) + "\n\n")
	}
	writeConflicts(&b, st, p)
	writeFleetFanout(&b, st, p)
	fmt.Fprintf(&b, "%s %d to add, %d to change, %d to delete, %d conflicts.\n", st.bold("Plan:"),
		p.Summary.Create, p.Summary.Update, p.Summary.Delete, p.Summary.Conflicts)
	for _, s := range p.Servers {
		fmt.Fprintf(&b, "  %s: %d to add, %d to change, %d to delete, %d conflicts (%s %s).\n", Escape(s.Name),
			s.Summary.Create, s.Summary.Update, s.Summary.Delete, s.Summary.Conflicts, Thousands(s.Subscriptions), plural(s.Subscriptions, "subscription"))
	}
	out := b.String()
	if !opt.Color {
		// Everything from the config was escaped where it was written;
		// without colour no control character is ours either.
		out = EscapeLines(out)
	}
	_, err := io.WriteString(w, out)
	return err
}

// Thresholds past which creates and deletes are summarised as a group:
// subscriptions per plan, and other objects per kind.
const (
	bulkThreshold     = 10
	bulkKindThreshold = 50
)

type bulk struct {
	server string
	action plan.Action
	kind   plan.Kind
	plan   string
	// reasons, for a status cascade: why each of them changes
	// ("customer bob suspended").
	reasons []string
	// fields, for a conflict cascade: the changes each of them gets
	// (the same for all), shown once.
	fields bool
	keys   []string
	first  *plan.Change
}

// bulkGroups groups subscription creates and deletes by plan when a plan
// has more than bulkThreshold of them, so a first plan of a large fleet
// is a summary, not a wall of lines (the JSON document lists them all);
// and so the subscriptions a customer's or reseller's suspension (or
// activation) suspends for the same reasons, changing nothing else, and
// those a customer's move takes onto its new owner's plans alike, and
// those whose conflicts a change of the system (a component installed
// or removed, a service made available or not) resolves or makes alike,
// getting the same values.
func bulkGroups(changes []*plan.Change) map[*plan.Change]*bulk {
	byPlan := map[string]*bulk{}
	members := map[*plan.Change]*bulk{}
	for _, c := range changes {
		if c.Cause != "" {
			continue
		}
		planName := c.Plan
		var reasons []string
		cascade, fields := false, false
		switch {
		case c.Action == plan.Create || c.Action == plan.Delete:
		case statusCascade(c), moveCascade(c):
			planName, reasons, cascade = "", c.Reasons, true
		case conflictCascade(c):
			planName, reasons, cascade, fields = "", c.Reasons, true, true
		default:
			continue
		}
		k := c.Server + "\x00" + string(c.Action) + "\x00" + string(c.Kind) + "\x00" + planName + "\x00" + strings.Join(reasons, "\x00")
		if cascade {
			// A cascade's members have the same field changes (a
			// group is shown by its reasons, which say them). Creates
			// and deletes are grouped by plan whatever their values.
			for _, f := range c.Fields {
				k += "\x00" + f.Path + "\x00" + f.Before.Text + "\x00" + f.After.Text
			}
		}
		g := byPlan[k]
		if g == nil {
			g = &bulk{server: c.Server, action: c.Action, kind: c.Kind, plan: planName, reasons: reasons, fields: fields, first: c}
			byPlan[k] = g
		}
		g.keys = append(g.keys, c.Key)
		members[c] = g
	}
	for c, g := range members {
		limit := bulkKindThreshold
		if g.kind == "subscription" {
			limit = bulkThreshold
		}
		if len(g.keys) <= limit {
			delete(members, c)
		}
	}
	return members
}

// statusCascade reports whether c is a subscription suspended or
// activated with its owner, changing nothing but its status and why.
func statusCascade(c *plan.Change) bool {
	if c.Kind != plan.KindSubscription || (c.Action != plan.Suspend && c.Action != plan.Activate) || len(c.Reasons) == 0 {
		return false
	}
	if !onlyFields(c, "status", "status_reasons") {
		return false
	}
	for _, r := range c.Reasons {
		r = strings.TrimPrefix(r, "no longer suspended (")
		if !strings.HasPrefix(r, "customer ") && !strings.HasPrefix(r, "reseller ") {
			return false
		}
	}
	return true
}

// moveCascade reports whether c is a subscription moved with its
// customer onto the new owner's plan, or made its own by the customer's
// conversion into a reseller, changing nothing but its owner, customer,
// plan and so sync status (its reasons say so; a group holds those with
// the same reasons and the same changes of these).
func moveCascade(c *plan.Change) bool {
	return c.Kind == plan.KindSubscription && c.Action == plan.Move && len(c.Reasons) > 0 &&
		onlyFields(c, "owner", "customer", "plan", "sync_status")
}

// conflictCascade reports whether c is a subscription changed only
// because its conflicts are gone or new (a component installed or
// removed, a service made available or not, an allocation raised): a
// change of the system, not of its config, that reaches every
// subscription with the same conflicts alike.
func conflictCascade(c *plan.Change) bool {
	if c.Kind != plan.KindSubscription || (c.Action != plan.Sync && c.Action != plan.Update) || len(c.Reasons) == 0 {
		return false
	}
	for _, r := range c.Reasons {
		if !strings.HasPrefix(r, "conflicts resolved: ") && r != "conflicts: some properties cannot be provided" {
			return false
		}
	}
	return true
}

// onlyFields reports whether c changes no field but those of paths.
func onlyFields(c *plan.Change, paths ...string) bool {
	for _, f := range c.Fields {
		if !slices.Contains(paths, f.Path) {
			return false
		}
	}
	return true
}

func writeBulk(b *strings.Builder, st styler, g *bulk, max int) {
	sym, verb := symbol(st, g.action)
	on := ""
	if g.plan != "" {
		on = " on plan " + Escape(g.plan)
	}
	if g.server != "" {
		on += " on server " + Escape(g.server)
	}
	why := ""
	if len(g.reasons) > 0 {
		why = " (" + escapeJoin(g.reasons, "; ") + ")"
	}
	fmt.Fprintf(b, "  # %s %s%s will be %s%s (listed in full by --format json)\n", Thousands(len(g.keys)), string(g.kind)+"s", on, verb, why)
	fmt.Fprintf(b, "  %s%s %s\n", serverPrefix(g.server), sym, names(g.keys, max))
	if g.fields {
		for _, f := range g.first.Fields {
			writeField(b, st, *f)
		}
	}
	b.WriteString("\n")
}

// changeVerb is the verb a change's heading uses ("created", …). A change
// that only describes a server is "recorded" or "forgotten": nothing is
// created or changed on a server, what the config says it has is
// recorded (not counted in the summary).
func changeVerb(st styler, c *plan.Change) (sym, verb string) {
	sym, verb = symbol(st, c.Action)
	if c.Describes() {
		verb = "recorded"
		if c.Action == plan.Delete {
			verb = "forgotten"
		}
	}
	return sym, verb
}

func writeChange(b *strings.Builder, st styler, c *plan.Change, max int, caused []*plan.Change) {
	sym, verb := changeVerb(st, c)
	on := ""
	if c.Server != "" {
		on = " on " + Escape(c.Server)
	}
	fmt.Fprintf(b, "  # %s%s will be %s", address(c.Kind, c.Key), on, verb)
	if len(c.Reasons) > 0 {
		fmt.Fprintf(b, " (%s)", escapeJoin(c.Reasons, "; "))
	}
	b.WriteString("\n")
	if string(c.Kind) == c.Key {
		fmt.Fprintf(b, "  %s%s %s\n", serverPrefix(c.Server), sym, c.Kind) // the one server
	} else {
		fmt.Fprintf(b, "  %s%s %s %q\n", serverPrefix(c.Server), sym, c.Kind, c.Key)
	}
	if c.Action.ShowsFields() {
		// The defaults are said in one line: "other" limits or
		// permissions when some of that kind are listed.
		var limits, perms, listedLimit, listedPerm bool
		for _, f := range c.Fields {
			perm := strings.HasPrefix(f.Path, "permissions.")
			limit := strings.HasPrefix(f.Path, "resources.")
			if c.StatesDefault(f) {
				perms, limits = perms || perm, limits || !perm
				continue
			}
			listedPerm, listedLimit = listedPerm || perm, listedLimit || limit
			writeField(b, st, *f)
		}
		var defaults []string
		if limits {
			defaults = append(defaults, otherWord(listedLimit)+"limits unlimited")
		}
		if perms {
			defaults = append(defaults, otherWord(listedPerm)+"permissions not granted")
		}
		if len(defaults) > 0 {
			fmt.Fprintf(b, "      (%s)\n", strings.Join(defaults, ", "))
		}
	}
	if f := c.Fanout; f != nil {
		if n := len(f.Reaches); n > 0 {
			fmt.Fprintf(b, "    %s reaches %s %s: %s\n", st.cyan("→"), Thousands(n), plural(n, reached(c.Kind)), names(f.Reaches, max))
			writeFanoutChanges(b, st, caused, plural(2, reached(c.Kind)), max)
		}
		if n := len(f.SkippedLocked); n > 0 {
			fmt.Fprintf(b, "    %s skips %s locked %s: %s\n", st.yellow("⊘"), Thousands(n), plural(n, "subscription"), names(f.SkippedLocked, max))
		}
	}
	b.WriteString("\n")
}

// serverPrefix is "web3: " in a multi-server plan, "" otherwise.
func serverPrefix(server string) string {
	if server == "" {
		return ""
	}
	return Escape(server) + ": "
}

// writeFleetFanout sums up, for a multi-server plan, each plan change
// made on several servers: "service_plan "Business" reaches 1,204
// subscriptions on 12 servers".
func writeFleetFanout(b *strings.Builder, st styler, p *plan.Plan) {
	if len(p.Servers) == 0 {
		return
	}
	type total struct {
		kind             plan.Kind
		reaches, servers int
	}
	var order []string
	sums := map[string]*total{}
	for _, c := range p.Changes {
		if c.Fanout == nil || len(c.Fanout.Reaches) == 0 {
			continue
		}
		k := address(c.Kind, c.Key)
		t := sums[k]
		if t == nil {
			t = &total{kind: c.Kind}
			sums[k] = t
			order = append(order, k)
		}
		t.reaches += len(c.Fanout.Reaches)
		t.servers++
	}
	if len(order) == 0 {
		return
	}
	b.WriteString("Fan-out:\n")
	for _, k := range order {
		t := sums[k]
		fmt.Fprintf(b, "  %s %s reaches %s %s on %s %s\n", st.cyan("→"), k, Thousands(t.reaches), plural(t.reaches, reached(t.kind)),
			Thousands(t.servers), plural(t.servers, "server"))
	}
	b.WriteString("\n")
}

// reached names what a plan change of kind reaches: subscriptions, or
// resellers for a reseller plan.
func reached(kind plan.Kind) string {
	if r := kind.Reaches(); r != "" {
		return string(r)
	}
	return string(plan.KindSubscription)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func writeField(b *strings.Builder, st styler, f plan.FieldChange) {
	f.Path = Escape(f.Path)
	f.Before.Text, f.After.Text = Escape(f.Before.Text), Escape(f.After.Text)
	switch {
	case f.Sensitive:
		switch {
		case !f.Before.Set:
			fmt.Fprintf(b, "      %s %s: (sensitive)\n", st.green("+"), f.Path)
		case !f.After.Set:
			fmt.Fprintf(b, "      %s %s: (sensitive)\n", st.red("-"), f.Path)
		default:
			fmt.Fprintf(b, "      %s %s: (sensitive)\n", st.yellow("~"), f.Path)
		}
	case f.Long:
		// Marked as a short field is: added, removed or changed.
		mark := st.yellow("~")
		if !f.Before.Set {
			mark = st.green("+")
		} else if !f.After.Set {
			mark = st.red("-")
		}
		fmt.Fprintf(b, "      %s %s:\n", mark, f.Path)
		writeLineDiff(b, st, textOf(f.Before), textOf(f.After))
	case !f.Before.Set:
		fmt.Fprintf(b, "      %s %s: %s\n", st.green("+"), f.Path, f.After.Text)
	case !f.After.Set:
		fmt.Fprintf(b, "      %s %s: %s\n", st.red("-"), f.Path, f.Before.Text)
	default:
		fmt.Fprintf(b, "      %s %s: %s → %s\n", st.yellow("~"), f.Path, f.Before.Text, f.After.Text)
	}
}

func textOf(v plan.Val) string {
	if s, ok := v.JSON.(string); ok && v.Set {
		return s
	}
	return ""
}

// writeLineDiff shows two texts as a line diff.
func writeLineDiff(b *strings.Builder, st styler, before, after string) {
	dmp := diffmatchpatch.New()
	a, c, lines := dmp.DiffLinesToChars(before, after)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(a, c, false), lines)
	for _, d := range diffs {
		text := strings.TrimSuffix(d.Text, "\n")
		for _, line := range strings.Split(text, "\n") {
			line = Escape(line)
			switch d.Type {
			case diffmatchpatch.DiffInsert:
				fmt.Fprintf(b, "          %s %s\n", st.green("+"), line)
			case diffmatchpatch.DiffDelete:
				fmt.Fprintf(b, "          %s %s\n", st.red("-"), line)
			default:
				fmt.Fprintf(b, "            %s\n", line)
			}
		}
	}
}

func writeConflicts(b *strings.Builder, st styler, p *plan.Plan) {
	if len(p.Conflicts) == 0 {
		return
	}
	rows := [][]string{{"SUBSCRIPTION", "PROPERTY", "PLAN VALUE", "AVAILABLE VALUE", "REASON"}}
	fixes := map[string]bool{}
	var fixList []string
	accepted := 0
	for _, g := range groupConflicts(p.Conflicts) {
		c := g.first
		reason := c.Reason
		if c.Accepted {
			reason += " (accepted)"
		}
		subs := serverPrefix(c.Server) + c.Subscription
		if len(g.subs) > 1 {
			subs = Thousands(len(g.subs)) + " subscriptions: " + names(g.subs, 3)
		}
		rows = append(rows, []string{Escape(subs), Escape(c.Property), Escape(c.PlanValue.Text), Escape(c.AvailableValue.Text), Escape(reason)})
	}
	for _, c := range p.Conflicts {
		if c.Accepted {
			accepted++
		}
		if c.Fix != "" && !fixes[c.Fix] {
			fixes[c.Fix] = true
			fixList = append(fixList, c.Fix)
		}
	}
	what := "properties cannot"
	if len(p.Conflicts) == 1 {
		what = "property cannot"
	}
	fmt.Fprintf(b, "%s %s %s be provided:\n\n", st.red("Conflicts:"), Thousands(len(p.Conflicts)), what)
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, cell := range r {
			if n := len([]rune(cell)); n > widths[i] {
				widths[i] = n
			}
		}
	}
	for _, r := range rows {
		b.WriteString("  ")
		for i, cell := range r {
			if i == len(r)-1 {
				b.WriteString(cell)
				break
			}
			b.WriteString(cell)
			b.WriteString(strings.Repeat(" ", widths[i]-len([]rune(cell))+2))
		}
		b.WriteString("\n")
	}
	b.WriteString("\nTo resolve a conflict, either:\n")
	b.WriteString("  1. adapt the plan: change the config so it asks only for available values, or\n")
	adapt := adaptTheSystem(p)
	if len(fixList) > 0 {
		fmt.Fprintf(b, "  2. %s: %s.\n", adapt, escapeJoin(fixList, "; "))
	} else {
		fmt.Fprintf(b, "  2. %s to provide what the plan offers.\n", adapt)
	}
	switch {
	case accepted == len(p.Conflicts) && accepted == 1:
		// Nothing left to accept: the hint would ask for what is done.
		fmt.Fprintf(b, "It was accepted earlier and is recorded (the subscription stays %s).\n", conflictedSync(p))
	case accepted == len(p.Conflicts):
		fmt.Fprintf(b, "All were accepted earlier and are recorded (the subscriptions stay %s).\n", conflictedSync(p))
	default:
		fmt.Fprintf(b, "Or accept the available values: plansync apply --accept-available (the subscriptions stay %s).\n", conflictedSync(p))
	}
	if accepted > 0 && accepted < len(p.Conflicts) {
		if accepted == 1 {
			b.WriteString("1 of them was accepted earlier and is recorded.\n")
		} else {
			fmt.Fprintf(b, "%d of them were accepted earlier and are recorded.\n", accepted)
		}
	}
	b.WriteString("\n")
}

// conflictGroupThreshold: past this many conflicts, identical ones
// (same property, values and reason) share one row naming the first few
// subscriptions; the JSON document lists every one.
const conflictGroupThreshold = 20

type conflictGroup struct {
	first plan.Conflict
	subs  []string
}

func groupConflicts(cs []plan.Conflict) []*conflictGroup {
	var out []*conflictGroup
	if len(cs) <= conflictGroupThreshold {
		for _, c := range cs {
			out = append(out, &conflictGroup{first: c, subs: []string{c.Subscription}})
		}
		return out
	}
	byKey := map[string]*conflictGroup{}
	for _, c := range cs {
		k := c.Property + "\x00" + c.PlanValue.Text + "\x00" + c.AvailableValue.Text + "\x00" + c.Reason + "\x00" + fmt.Sprint(c.Accepted)
		g := byKey[k]
		if g == nil {
			g = &conflictGroup{first: c}
			byKey[k] = g
			out = append(out, g)
		}
		g.subs = append(g.subs, serverPrefix(c.Server)+c.Subscription)
	}
	return out
}

// conflictedSync says which sync statuses the subscriptions in conflict
// keep when their available values are accepted: unsynced, but a locked
// or custom one stays locked or custom (SPEC §1.3).
func conflictedSync(p *plan.Plan) string {
	status := map[[2]string]string{}
	for _, s := range p.Subscriptions {
		status[[2]string{s.Server, s.Key}] = s.SyncStatus
	}
	has := map[string]bool{}
	for _, c := range p.Conflicts {
		st := status[[2]string{c.Server, c.Subscription}]
		if st != plan.Locked && st != plan.Custom {
			st = plan.Unsynced
		}
		has[st] = true
	}
	var words []string
	for _, st := range []string{plan.Unsynced, plan.Locked, plan.Custom} {
		if has[st] {
			words = append(words, st)
		}
	}
	if len(words) == 0 {
		return plan.Unsynced
	}
	return strings.Join(words, " or ")
}

// causedBy groups the changes a plan change brings to subscriptions (or
// resellers) by the address of that plan change: those it caused alone,
// and, when a plan change reaches more than bulkThreshold of them, those
// whose own reasons are only what their conflicts became (Change.Via),
// which would otherwise be a wall of one change per subscription. under
// holds every change so grouped: it is shown under its plan change.
func causedBy(changes []*plan.Change) (byPlan map[string][]*plan.Change, under map[*plan.Change]bool) {
	byPlan, under = map[string][]*plan.Change{}, map[*plan.Change]bool{}
	via := map[string][]*plan.Change{}
	for _, c := range changes {
		switch {
		case c.Cause != "":
			byPlan[c.Cause] = append(byPlan[c.Cause], c)
			under[c] = true
		case c.Via != "":
			via[c.Via] = append(via[c.Via], c)
		}
	}
	for addr, cs := range via {
		if len(cs) > bulkThreshold {
			byPlan[addr] = append(byPlan[addr], cs...)
			for _, c := range cs {
				under[c] = true
			}
		}
	}
	return byPlan, under
}

// fanoutGroupLimit is how many distinct changes a fan-out shows; the
// JSON document lists every one.
const fanoutGroupLimit = 10

// writeFanoutChanges shows what a plan change does to what it reaches:
// each distinct value change (or action) once, with how many it reaches
// and the first few of their names.
func writeFanoutChanges(b *strings.Builder, st styler, caused []*plan.Change, things string, max int) {
	type group struct {
		line string
		keys []string
	}
	var order []*group
	byLine := map[string]*group{}
	add := func(line, key string) {
		g := byLine[line]
		if g == nil {
			g = &group{line: line}
			byLine[line] = g
			order = append(order, g)
		}
		g.keys = append(g.keys, key)
	}
	for _, c := range caused {
		if c.Action != plan.Update {
			sym, verb := symbol(st, c.Action)
			add(sym+" will be "+verb, c.Key)
		}
		for _, f := range c.Fields {
			add(fanoutField(st, f), c.Key)
		}
	}
	// The changes most subscriptions get first.
	sort.SliceStable(order, func(i, j int) bool { return len(order[i].keys) > len(order[j].keys) })
	for i, g := range order {
		if i == fanoutGroupLimit {
			fmt.Fprintf(b, "      … and %s more distinct changes (--format json lists them all)\n", Thousands(len(order)-i))
			break
		}
		on := Escape(g.keys[0])
		if n := len(g.keys); n > 1 {
			on = Thousands(n) + " " + things + ": " + names(g.keys, max)
		}
		fmt.Fprintf(b, "      %s  on %s\n", g.line, on)
	}
}

// fanoutField is a field change on one line.
func fanoutField(st styler, f *plan.FieldChange) string {
	path := Escape(f.Path)
	before, after := Escape(f.Before.Text), Escape(f.After.Text)
	switch {
	case f.Sensitive:
		return fmt.Sprintf("%s %s: (sensitive)", st.yellow("~"), path)
	case f.Long:
		return fmt.Sprintf("%s %s: (changed)", st.yellow("~"), path)
	case !f.Before.Set:
		return fmt.Sprintf("%s %s: %s", st.green("+"), path, after)
	case !f.After.Set:
		return fmt.Sprintf("%s %s: %s", st.red("-"), path, before)
	}
	return fmt.Sprintf("%s %s: %s → %s", st.yellow("~"), path, before, after)
}

// address names an object for people: "service_plan Business"; an
// object that is the only one of its kind (the server, keyed "server")
// is named by its kind alone.
func address(kind plan.Kind, key string) string {
	if key == string(kind) || key == "" {
		return string(kind)
	}
	return string(kind) + " " + Escape(key)
}

// otherWord is "other " when some of the kind were listed.
func otherWord(listed bool) string {
	if listed {
		return "other "
	}
	return ""
}

// nothingToDo reports whether p changes nothing and has no conflict
// pending: conflicts accepted earlier are listed until they are gone,
// but leave nothing to do.
func nothingToDo(p *plan.Plan) bool {
	return len(p.Changes) == 0 && !slices.ContainsFunc(p.Conflicts, func(c plan.Conflict) bool { return !c.Accepted })
}

// noChanges is the sentence of a plan without changes. With drift, the
// servers, not the recorded state, match the configuration: the config
// has what was changed outside plansync, and an apply records it.
// Conflicts accepted earlier (the only ones it can have, nothingToDo)
// are the exception, listed below it.
func noChanges(p *plan.Plan) string {
	but := ""
	if len(p.Conflicts) > 0 {
		but = " but for the conflicts accepted earlier (below)"
	}
	if len(p.Drift) > 0 {
		what := "The server matches"
		if len(p.Servers) > 1 {
			what = "The servers match"
		}
		return "No changes. " + what + " the configuration" + but + "; apply records what changed outside plansync (above) in the state."
	}
	return "No changes. The recorded state matches the configuration" + but + "."
}

// adaptTheSystem names the second way out of a conflict: in a reseller's
// plan the system (components, allocations, services) is the
// administrator's.
func adaptTheSystem(p *plan.Plan) string {
	if p.Scope != nil {
		return "have the administrator adapt the system"
	}
	return "adapt the system"
}
