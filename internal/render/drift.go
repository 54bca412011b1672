package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/plansync/plansync/internal/plan"
)

// driftShown is how many drift items text and markdown show in full; the
// JSON document lists them all.
const driftShown = 20

// DriftText writes the drift section of a refreshed plan: what the server
// changed outside plansync, each with its two resolutions.
func DriftText(w io.Writer, p *plan.Plan, opt Options) error {
	var b strings.Builder
	writeDrift(&b, styler{on: opt.Color}, p, opt.DriftAll)
	out := b.String()
	if !opt.Color {
		out = EscapeLines(out)
	}
	_, err := io.WriteString(w, out)
	return err
}

func writeDrift(b *strings.Builder, st styler, p *plan.Plan, all string) {
	if all == "" {
		all = "the JSON plan lists them all"
	}
	if len(p.Drift) == 0 {
		return
	}
	verb := "differ"
	if len(p.Drift) == 1 {
		verb = "differs"
	}
	on := p.Server
	if p.Drift[0].Server != "" {
		on = driftServers(p)
	}
	fmt.Fprintf(b, "%s (drift on %s): %s %s %s from the recorded state.\n\n",
		st.bold("Objects changed outside plansync"), Escape(on), Thousands(len(p.Drift)), plural(len(p.Drift), "item"), verb)
	for i := range p.Drift {
		if i == driftShown {
			fmt.Fprintf(b, "  … and %s more drift %s (%s).\n\n", Thousands(len(p.Drift)-i), plural(len(p.Drift)-i, "item"), all)
			break
		}
		d := &p.Drift[i]
		detail := ""
		if d.Detail != "" {
			detail = " (" + Escape(d.Detail) + ")"
		}
		if d.Server != "" {
			// "plan Business differs on web7 (plan edited in the panel)"
			fmt.Fprintf(b, "  %s %s differs on %s: %s%s\n", st.yellow("!"), address(d.Kind, d.Key), Escape(d.Server), d.Cause.Text(), detail)
		} else {
			fmt.Fprintf(b, "  %s %s: %s%s\n", st.yellow("!"), address(d.Kind, d.Key), d.Cause.Text(), detail)
		}
		for _, f := range d.Fields {
			fmt.Fprintf(b, "      %s: %s (recorded) → %s (on the server)\n", Escape(f.Path), valText(f.Recorded), valText(f.Observed))
		}
		switch {
		case d.Adopt != "":
			fmt.Fprintf(b, "    Adopt it: %s:\n", Escape(d.AdoptNote))
			for _, line := range strings.Split(strings.TrimRight(d.Adopt, "\n"), "\n") {
				fmt.Fprintf(b, "        %s\n", Escape(line))
			}
		case d.AdoptNote != "":
			fmt.Fprintf(b, "    Adopt it: %s.\n", Escape(d.AdoptNote))
		}
		switch {
		case d.Revert != "" && d.Gone:
			fmt.Fprintf(b, "    Or leave it out of the config: %s.\n", d.Revert)
		case d.Revert != "":
			fmt.Fprintf(b, "    Or revert it: %s.\n", d.Revert)
		}
		b.WriteString("\n")
	}
}

// driftServers names the servers drift was found on.
func driftServers(p *plan.Plan) string {
	var out []string
	seen := map[string]bool{}
	for _, d := range p.Drift {
		if !seen[d.Server] {
			seen[d.Server] = true
			out = append(out, d.Server)
		}
	}
	return strings.Join(out, ", ")
}

func valText(v plan.Val) string {
	if !v.Set {
		return "(none)"
	}
	return Escape(v.Text)
}

type jsonDriftField struct {
	Path     string `json:"path"`
	Recorded any    `json:"recorded"`
	Observed any    `json:"observed"`
}

type jsonDrift struct {
	Server string           `json:"server,omitempty"`
	Kind   plan.Kind        `json:"kind"`
	Key    string           `json:"key"`
	Cause  plan.DriftCause  `json:"cause"`
	Detail string           `json:"detail,omitempty"`
	Fields []jsonDriftField `json:"fields"`
	// Adopt is the config block that adopts what the server has;
	// AdoptNote says what to do with it (or, without a block, what to
	// remove from the config); Revert what apply does otherwise.
	Adopt     string `json:"adopt,omitempty"`
	AdoptNote string `json:"adopt_note,omitempty"`
	Revert    string `json:"revert,omitempty"`
}

// driftJSON is the drift list of a refreshed plan (nil when the plan was
// not refreshed: the key is then left out).
func driftJSON(p *plan.Plan) *[]jsonDrift {
	if !p.Refreshed {
		return nil
	}
	out := make([]jsonDrift, 0, len(p.Drift))
	for _, d := range p.Drift {
		j := jsonDrift{Server: d.Server, Kind: d.Kind, Key: d.Key, Cause: d.Cause, Detail: d.Detail, Fields: make([]jsonDriftField, 0, len(d.Fields)),
			Adopt: d.Adopt, AdoptNote: d.AdoptNote, Revert: d.Revert}
		for _, f := range d.Fields {
			j.Fields = append(j.Fields, jsonDriftField{Path: f.Path, Recorded: f.Recorded.JSON, Observed: f.Observed.JSON})
		}
		out = append(out, j)
	}
	return &out
}

// RefreshDriftAll is where a refresh's drift items are all listed: its
// history entry's changes (DriftHistory).
const RefreshDriftAll = "plansync state history --format json lists them all"

// DriftHistory is the "changes" of the history entry of a refresh that
// recorded drift: each item's server, kind, key, cause and fields
// (recorded and observed), so that what text output leaves out stays
// readable once the next plan no longer shows it.
func DriftHistory(drift []plan.Drift) []byte {
	type item struct {
		Server string           `json:"server,omitempty"`
		Kind   plan.Kind        `json:"kind"`
		Key    string           `json:"key"`
		Action string           `json:"action"`
		Cause  plan.DriftCause  `json:"cause"`
		Detail string           `json:"detail,omitempty"`
		Fields []jsonDriftField `json:"fields"`
	}
	out := make([]item, 0, len(drift))
	for _, d := range drift {
		it := item{Server: d.Server, Kind: d.Kind, Key: d.Key, Action: "refresh", Cause: d.Cause, Detail: d.Detail, Fields: make([]jsonDriftField, 0, len(d.Fields))}
		for _, f := range d.Fields {
			it.Fields = append(it.Fields, jsonDriftField{Path: f.Path, Recorded: f.Recorded.JSON, Observed: f.Observed.JSON})
		}
		out = append(out, it)
	}
	data, err := json.Marshal(out)
	if err != nil {
		return nil
	}
	return data
}

// driftMarkdown writes the drift section of a pull-request comment.
func driftMarkdown(b *strings.Builder, p *plan.Plan) {
	if len(p.Drift) == 0 {
		return
	}
	// Several servers: the heading names those with drift, and each
	// row its server.
	on, multi := p.Server, p.Drift[0].Server != ""
	if multi {
		on = driftServers(p)
	}
	fmt.Fprintf(b, "#### Objects changed outside plansync (drift on %s)\n\n", mdCell(on))
	server := func(d *plan.Drift) string { return "" }
	if multi {
		b.WriteString("| Server | Object | Cause | Field | Recorded | On the server |\n|---|---|---|---|---|---|\n")
		server = func(d *plan.Drift) string { return "| " + mdCell(d.Server) + " " }
	} else {
		b.WriteString("| Object | Cause | Field | Recorded | On the server |\n|---|---|---|---|---|\n")
	}
	for i := range p.Drift {
		d := &p.Drift[i]
		if i == driftShown {
			more := ""
			if multi {
				more = " |"
			}
			fmt.Fprintf(b, "| … and %s more | | | | |%s\n", Thousands(len(p.Drift)-i), more)
			break
		}
		if len(d.Fields) == 0 {
			fmt.Fprintf(b, "%s| %s | %s | | | |\n", server(d), mdCell(string(d.Kind)+" "+d.Key), mdCell(d.Cause.Text()))
		}
		for _, f := range d.Fields {
			observed := valText(f.Observed)
			if d.Detail != "" && f.Path == "status" {
				observed += " (" + d.Detail + ")"
			}
			fmt.Fprintf(b, "%s| %s | %s | %s | %s | %s |\n", server(d), mdCell(string(d.Kind)+" "+d.Key), mdCell(d.Cause.Text()), mdCell(f.Path), mdCell(valText(f.Recorded)), mdCell(observed))
		}
	}
	b.WriteString("\nEach can be **reverted** (apply sets it back to the config's values) or **adopted** into the config:\n\n")
	for i, d := range p.Drift {
		if i == driftShown {
			break
		}
		what := string(d.Kind) + " " + d.Key
		if d.Server != "" {
			what += " on " + d.Server
		}
		fmt.Fprintf(b, "<details><summary>%s: %s</summary>\n\n", mdSummary(what), mdSummary(d.Cause.Text()))
		// The notes name objects from the config: markdown text, escaped
		// as table cells are; the block to adopt is fenced longer than
		// any run of backticks in it.
		if d.Adopt != "" {
			fence := mdFence(d.Adopt)
			fmt.Fprintf(b, "Adopt it: %s:\n\n%s\n%s%s\n\n", mdCell(d.AdoptNote), fence, d.Adopt, fence)
		} else if d.AdoptNote != "" {
			fmt.Fprintf(b, "Adopt it: %s.\n\n", mdCell(d.AdoptNote))
		}
		switch {
		case d.Revert != "" && d.Gone:
			fmt.Fprintf(b, "Or leave it out of the config: %s.\n\n", mdCell(d.Revert))
		case d.Revert != "":
			fmt.Fprintf(b, "Or revert it: %s.\n\n", mdCell(d.Revert))
		}
		b.WriteString("</details>\n\n")
	}
}
