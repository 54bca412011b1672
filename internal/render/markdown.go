package render

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/plansync/plansync/internal/plan"
)

// MarkdownLimit is the size a pull-request comment must stay under
// (GitHub's limit is 65,536 characters), with room for the cut note.
const MarkdownLimit = 65536 - 1024

// mdCell makes text safe in a table cell: control
// characters escaped, HTML and the cell separator neutralised, and a
// backtick escaped so that a name shows as written (not as a code
// span); a backslash is escaped too, so that it cannot escape them.
func mdCell(s string) string {
	return mdReplacer.Replace(Escape(s))
}

var mdReplacer = strings.NewReplacer(`\`, `\\`, "`", "\\`", "|", `\|`, "&", "&amp;", "<", "&lt;", ">", "&gt;")

// mdSummary makes text safe in a <summary>: control characters escaped
// and HTML neutralised. It is HTML, not a table cell: a backslash there
// is no escape, so a "|" stays as it is.
func mdSummary(s string) string {
	return htmlReplacer.Replace(Escape(s))
}

var htmlReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// mdFence is a code fence longer than any run of backticks in body, so
// no text from the config can close it early.
func mdFence(body string) string {
	return strings.Repeat("`", max(3, backtickRun(body)+1))
}

// backtickRun is the length of the longest run of backticks in s.
func backtickRun(s string) int {
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// PlanMarkdown writes the plan as a pull-request comment: a summary
// table, a conflicts table and the details in collapsible sections. It
// stays under GitHub's comment limit, saying what was cut.
func PlanMarkdown(w io.Writer, p *plan.Plan) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### plansync plan: %d to add, %d to change, %d to delete, %d conflicts\n\n",
		p.Summary.Create, p.Summary.Update, p.Summary.Delete, p.Summary.Conflicts)
	if p.Partial {
		fmt.Fprintf(&b, "> **Partial plan**: only %s and what they force.\n\n", mdCell(strings.Join(p.Targets, ", ")))
	}
	// As in text: a server planned from the recorded state, records of a
	// server the config does not name, … A note is markdown text, and
	// the names in it are escaped as in a table cell.
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "> **Note**: %s\n\n", mdCell(n))
	}
	driftMarkdown(&b, p)
	// As in text: accepted conflicts stay listed until they are gone.
	if nothingToDo(p) {
		b.WriteString(noChanges(p) + "\n")
		if len(p.Conflicts) == 0 {
			_, err := io.WriteString(w, b.String())
			return err
		}
		b.WriteString("\n")
	}
	b.WriteString("| | count |\n|---|---:|\n")
	fmt.Fprintf(&b, "| to add | %s |\n| to change | %s |\n| to delete | %s |\n| conflicts | %s |\n| locked subscriptions skipped | %s |\n\n",
		Thousands(p.Summary.Create), Thousands(p.Summary.Update), Thousands(p.Summary.Delete),
		Thousands(p.Summary.Conflicts), Thousands(p.Summary.Skipped))
	if len(p.Servers) > 0 {
		b.WriteString("| server | subscriptions | to add | to change | to delete | conflicts |\n|---|---:|---:|---:|---:|---:|\n")
		for _, s := range p.Servers {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", mdCell(s.Name), Thousands(s.Subscriptions), Thousands(s.Summary.Create),
				Thousands(s.Summary.Update), Thousands(s.Summary.Delete), Thousands(s.Summary.Conflicts))
		}
		b.WriteString("\n")
	}
	if len(p.Deletes) > 0 {
		fmt.Fprintf(&b, "**This plan deletes %s object(s)**; apply needs `--allow-delete`.\n\n", Thousands(len(p.Deletes)))
	}
	cutConflicts, cutChanges := 0, 0
	if len(p.Conflicts) > 0 {
		b.WriteString("#### Conflicts\n\n| Subscription | Property | Plan value | Available value | Reason |\n|---|---|---|---|---|\n")
		for i, g := range groupConflicts(p.Conflicts) {
			if b.Len() > MarkdownLimit/2 {
				cutConflicts = len(groupConflicts(p.Conflicts)) - i
				break
			}
			c := g.first
			subs := serverPrefix(c.Server) + c.Subscription
			if len(g.subs) > 1 {
				subs = Thousands(len(g.subs)) + " subscriptions: " + names(g.subs, 3)
			}
			reason := c.Reason
			if c.Accepted {
				reason += " (accepted)"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdCell(subs), mdCode(c.Property), mdCell(c.PlanValue.Text), mdCell(c.AvailableValue.Text), mdCell(reason))
		}
		// How to adapt the system, as the text plan says it (the
		// conflicts' own fixes), when they are few enough to list (the
		// search stops at one too many: 50,000 conflicts have one fix
		// or a few, and looking each up is then a handful of compares).
		how := "install the component, raise the reseller's allocation"
		const listed = 5
		var fixes []string
		for _, c := range p.Conflicts {
			if c.Fix != "" && !slices.Contains(fixes, c.Fix) {
				if fixes = append(fixes, c.Fix); len(fixes) > listed {
					break
				}
			}
		}
		if len(fixes) > 0 && len(fixes) <= listed {
			how = strings.Join(fixes, "; ")
		}
		fmt.Fprintf(&b, "\nTo resolve a conflict: **adapt the plan** (change the config) or **%s** (%s)", adaptTheSystem(p), mdCell(how))
		if slices.ContainsFunc(p.Conflicts, func(c plan.Conflict) bool { return !c.Accepted }) {
			b.WriteString("; or accept the available values with `plansync apply --accept-available`.\n\n")
		} else {
			b.WriteString(". Every conflict was accepted earlier and is recorded.\n\n")
		}
	}
	if len(p.Changes) > 0 {
		b.WriteString("#### Details\n\n")
	}
	groups := bulkGroups(p.Changes)
	caused, under := causedBy(p.Changes)
	st := styler{}
	var visible []*plan.Change
	for _, c := range p.Changes {
		if !under[c] {
			visible = append(visible, c)
		}
	}
	// A multi-server plan is grouped by server.
	sort.SliceStable(visible, func(i, j int) bool { return visible[i].Server < visible[j].Server })
	server := ""
	for i, c := range visible {
		if c.Server != server {
			server = c.Server
			fmt.Fprintf(&b, "##### Server %s\n\n", mdCell(server))
		}
		var body strings.Builder
		title := ""
		if g := groups[c]; g != nil {
			if g.first != c {
				continue
			}
			writeBulk(&body, st, g, 20)
			_, verb := symbol(st, g.action)
			title = fmt.Sprintf("%s %ss will be %s", Thousands(len(g.keys)), g.kind, verb)
		} else {
			writeChange(&body, st, c, 20, caused[c.Address()])
			_, verb := changeVerb(st, c)
			title = fmt.Sprintf("%s%s will be %s", serverPrefix(c.Server), address(c.Kind, c.Key), verb)
			if c.Fanout != nil {
				title += fmt.Sprintf(" — reaches %s, skips %s locked", Thousands(len(c.Fanout.Reaches)), Thousands(len(c.Fanout.SkippedLocked)))
			}
		}
		text := strings.TrimRight(body.String(), "\n") + "\n"
		fence := mdFence(text)
		section := fmt.Sprintf("<details><summary>%s</summary>\n\n%sdiff\n%s%s\n\n</details>\n\n", mdSummary(title), fence, text, fence)
		if b.Len()+len(section) > MarkdownLimit {
			// Count the sections left out: a bulk group is one.
			for _, rest := range visible[i:] {
				if g := groups[rest]; g == nil || g.first == rest {
					cutChanges++
				}
			}
			break
		}
		b.WriteString(section)
	}
	if cutChanges > 0 || cutConflicts > 0 {
		fmt.Fprintf(&b, "> **Cut to fit a pull-request comment**: %s more change section(s) and %s more conflict row(s) are not shown. Run `plansync plan --format json` for the whole plan.\n",
			Thousands(cutChanges), Thousands(cutConflicts))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdCode is text as an inline code span in a table cell, fenced by
// more backticks than any run of them in the text (and padded with a
// space then, so that a backtick at either end stays text).
func mdCode(s string) string {
	s = strings.ReplaceAll(Escape(s), "|", `\|`)
	if !strings.Contains(s, "`") {
		return "`" + s + "`"
	}
	fence := strings.Repeat("`", backtickRun(s)+1)
	return fence + " " + s + " " + fence
}
