package render

import (
	"encoding/json"
	"io"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/plan"
)

// FormatVersion is the version of every JSON document plansync prints.
const FormatVersion = "1"

type jsonField struct {
	Path      string `json:"path"`
	Before    any    `json:"before"`
	After     any    `json:"after"`
	Sensitive bool   `json:"sensitive"`
}

type jsonFanout struct {
	Reaches       []string `json:"reaches"`
	SkippedLocked []string `json:"skipped_locked"`
}

type jsonChange struct {
	Server  string      `json:"server,omitempty"`
	Kind    plan.Kind   `json:"kind"`
	Key     string      `json:"key"`
	Action  plan.Action `json:"action"`
	Reasons []string    `json:"reasons"`
	Fields  []jsonField `json:"fields"`
	Cause   string      `json:"cause,omitempty"`
	Fanout  *jsonFanout `json:"fanout,omitempty"`
}

type jsonConflict struct {
	Server         string `json:"server,omitempty"`
	Subscription   string `json:"subscription"`
	Property       string `json:"property"`
	PlanValue      any    `json:"plan_value"`
	AvailableValue any    `json:"available_value"`
	Reason         string `json:"reason"`
	Resolve        string `json:"resolve,omitempty"`
	Accepted       bool   `json:"accepted"`
}

type jsonSub struct {
	Server        string   `json:"server,omitempty"`
	Key           string   `json:"key"`
	DisplayName   string   `json:"display_name"`
	SyncStatus    string   `json:"sync_status"`
	Status        string   `json:"status"`
	StatusReasons []string `json:"status_reasons"`
}

type jsonSummary struct {
	Create            int `json:"create"`
	Update            int `json:"update"`
	Delete            int `json:"delete"`
	Conflicts         int `json:"conflicts"`
	AcceptedConflicts int `json:"accepted_conflicts"`
	SkippedLocked     int `json:"skipped_locked"`
}

type jsonPlan struct {
	FormatVersion string `json:"format_version"`
	// Drift is there when a Plesk server was read before planning.
	Drift         *[]jsonDrift   `json:"drift,omitempty"`
	Changes       []jsonChange   `json:"changes"`
	Conflicts     []jsonConflict `json:"conflicts"`
	Subscriptions []jsonSub      `json:"subscriptions"`
	Summary       jsonSummary    `json:"summary"`
	// Servers counts each server's share of a multi-server plan.
	Servers []jsonServer `json:"servers,omitempty"`
	Partial bool         `json:"partial,omitempty"`
	Notes   []string     `json:"notes,omitempty"`
	Applied *bool        `json:"applied,omitempty"`
	Serial  uint64       `json:"serial,omitempty"`
	// Diagnostics are the warnings of the run, and the error of an
	// apply refused or failed; the key is left out when there are none.
	Diagnostics []jsonDiagnostic `json:"diagnostics,omitempty"`
}

type jsonServer struct {
	Name          string      `json:"name"`
	Subscriptions int         `json:"subscriptions"`
	Summary       jsonSummary `json:"summary"`
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// PlanJSON builds the JSON document of a plan.
func planJSON(p *plan.Plan) jsonPlan {
	doc := jsonPlan{FormatVersion: FormatVersion, Drift: driftJSON(p), Changes: make([]jsonChange, 0, len(p.Changes)),
		Conflicts: make([]jsonConflict, 0, len(p.Conflicts)), Subscriptions: make([]jsonSub, 0, len(p.Subscriptions)),
		Partial: p.Partial, Notes: p.Notes}
	for _, c := range p.Changes {
		jc := jsonChange{Server: c.Server, Kind: c.Kind, Key: c.Key, Action: c.Action, Reasons: nonNil(c.Reasons), Fields: make([]jsonField, 0, len(c.Fields)), Cause: c.Cause}
		for _, f := range c.Fields {
			jf := jsonField{Path: f.Path, Before: f.Before.JSON, After: f.After.JSON, Sensitive: f.Sensitive}
			if f.Sensitive {
				jf.Before, jf.After = sensitiveJSON(f.Before), sensitiveJSON(f.After)
			}
			jc.Fields = append(jc.Fields, jf)
		}
		if c.Fanout != nil {
			jc.Fanout = &jsonFanout{Reaches: nonNil(c.Fanout.Reaches), SkippedLocked: nonNil(c.Fanout.SkippedLocked)}
		}
		doc.Changes = append(doc.Changes, jc)
	}
	for _, c := range p.Conflicts {
		doc.Conflicts = append(doc.Conflicts, jsonConflict{Server: c.Server, Subscription: c.Subscription, Property: c.Property,
			PlanValue: c.PlanValue.JSON, AvailableValue: c.AvailableValue.JSON, Reason: c.Reason, Resolve: c.Fix, Accepted: c.Accepted})
	}
	for _, s := range p.Subscriptions {
		doc.Subscriptions = append(doc.Subscriptions, jsonSub{Server: s.Server, Key: s.Key, DisplayName: s.DisplayName, SyncStatus: s.SyncStatus,
			Status: s.Status, StatusReasons: nonNil(s.StatusReasons)})
	}
	doc.Summary = jsonSummary{Create: p.Summary.Create, Update: p.Summary.Update, Delete: p.Summary.Delete,
		Conflicts: p.Summary.Conflicts, AcceptedConflicts: p.Summary.Accepted, SkippedLocked: p.Summary.Skipped}
	for _, s := range p.Servers {
		doc.Servers = append(doc.Servers, jsonServer{Name: s.Name, Subscriptions: s.Subscriptions, Summary: jsonSummary{Create: s.Summary.Create,
			Update: s.Summary.Update, Delete: s.Summary.Delete, Conflicts: s.Summary.Conflicts, AcceptedConflicts: s.Summary.Accepted, SkippedLocked: s.Summary.Skipped}})
	}
	return doc
}

// sensitiveJSON never carries a secret: a set value is "(sensitive)".
func sensitiveJSON(v plan.Val) any {
	if !v.Set {
		return nil
	}
	return "(sensitive)"
}

// PlanJSON writes the plan as one JSON document, with the warnings
// found while making it under "diagnostics" (left out when none).
func PlanJSON(w io.Writer, p *plan.Plan, warnings diag.Diagnostics) error {
	doc := planJSON(p)
	doc.Diagnostics = diagnosticsJSON(warnings)
	return writeJSON(w, doc)
}

// ApplyJSON writes the applied plan as one JSON document, with whether
// it was applied, the serial recorded and the warnings (as PlanJSON).
func ApplyJSON(w io.Writer, p *plan.Plan, applied bool, serial uint64, warnings diag.Diagnostics) error {
	doc := planJSON(p)
	if len(p.SavedDoc) > 0 {
		// A saved plan: the document of the plan it was saved from.
		var err error
		if doc, err = savedDoc(p.SavedDoc); err != nil {
			return err
		}
	}
	doc.Diagnostics = diagnosticsJSON(warnings)
	doc.Applied = &applied
	doc.Serial = serial
	return writeJSON(w, doc)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
