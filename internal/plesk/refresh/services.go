package refresh

import (
	"slices"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/state"
)

// WantsServices reports whether a refresh of a server should read the
// additional services' definitions (Read with services): the recorded
// state (nil: none) or the config (nil: none) names a service that no
// extension provides. A server's read without them is one packet fewer.
func WantsServices(recorded *state.Snapshot, cfg *model.Config) bool {
	if cfg != nil {
		for _, sv := range cfg.Services {
			if sv.Extension == "" {
				return true
			}
		}
	}
	if recorded != nil {
		for _, sv := range recorded.Services {
			if sv.Extension == "" {
				return true
			}
		}
	}
	return false
}

// services compares the recorded additional services with the
// definitions the server holds, when they were read (Server.ServicesRead:
// protocol 1.6.9.0's plan-item get): a description, who may use it, or a
// button (its URL, where it opens, what it sends) changed in the panel
// is drift, and the observed record takes the server's value. An
// extension's service is the extension's; a button's background image
// is plansync's only (Plesk holds an uploaded file) and keeps its record.
// A service the server does not list (deleted in the panel, or never
// defined there) is drift too, missing on the server: its record goes
// from the observed state, so the plan defines it again.
func (c *comparer) services() []state.Service {
	out := slices.Clone(c.rec.Services)
	if !c.srv.ServicesRead || c.opt.Reseller != "" {
		return out
	}
	srv := map[string]*state.Service{}
	for i := range c.srv.Records.Services {
		srv[c.srv.Records.Services[i].Name] = &c.srv.Records.Services[i]
	}
	var missing []string
	for i := range out {
		r := &out[i]
		s := srv[r.Name]
		if r.Extension != "" {
			continue
		}
		if s == nil || !c.srv.defines(r.Name) {
			missing = append(missing, r.Name)
			c.add("service", r.Name, plan.DriftMissing)
			continue
		}
		var fields []plan.DriftField
		if r.Description != s.Description {
			fields = append(fields, plan.DriftField{Path: "description", Recorded: plan.StringOf(r.Description), Observed: plan.StringOf(s.Description)})
			r.Description = s.Description
		}
		rb, sb := button(r.Button), button(s.Button)
		btn := false
		if rb.URL != sb.URL {
			fields = append(fields, plan.DriftField{Path: "button.url", Recorded: plan.StringOf(rb.URL), Observed: plan.StringOf(sb.URL)})
			btn = true
		}
		if sb.URL != "" && rb.OpenInPanel != sb.OpenInPanel {
			fields = append(fields, plan.DriftField{Path: "button.open_in_panel", Recorded: boolVal(rb.OpenInPanel), Observed: boolVal(sb.OpenInPanel)})
			btn = true
		}
		if (rb.URL != "" || sb.URL != "") && !slices.Equal(model.InSendOrder(r.Send), model.InSendOrder(s.Send)) {
			fields = append(fields, plan.DriftField{Path: "send", Recorded: plan.ListOf(r.Send, false), Observed: plan.ListOf(s.Send, false)})
			r.Send = slices.Clone(s.Send)
		}
		switch {
		case btn && sb.URL == "":
			// The button taken away in the panel: nothing to send.
			r.Button, r.Send = nil, nil
		case btn:
			r.Button = &state.Button{URL: sb.URL, OpenInPanel: sb.OpenInPanel, BackgroundImage: rb.BackgroundImage}
		}
		if r.AvailableToResellers != s.AvailableToResellers {
			fields = append(fields, plan.DriftField{Path: "available_to_resellers", Recorded: boolVal(r.AvailableToResellers), Observed: boolVal(s.AvailableToResellers)})
			r.AvailableToResellers = s.AvailableToResellers
		}
		if len(fields) > 0 {
			c.add("service", r.Name, plan.DriftEdited, fields...)
		}
	}
	return slices.DeleteFunc(out, func(s state.Service) bool { return slices.Contains(missing, s.Name) })
}

// defines reports whether the server's read lists the definition of the
// additional service name (plan-item get): a plan may name a service the
// server no longer defines.
func (srv *Server) defines(name string) bool {
	return slices.Contains(srv.Defined, name)
}

// button is b, or a button with no URL.
func button(b *state.Button) state.Button {
	if b == nil {
		return state.Button{}
	}
	return *b
}
