package fake

import (
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// The descriptor operations (get-limit-descriptor, get-permission-
// descriptor) name the limits or permissions an operator's objects take,
// as Plesk's ObjectDescriptor: one property per name, with its type. Every
// object of a kind takes the same names: the emulator answers one
// descriptor per operation, except for a webspace filter that names
// subscriptions, answered per subscription (see webspaceDescriptor).
var descriptorOps = map[string]model.Where{
	"service-plan":       model.InServicePlan,
	"service-plan-addon": model.InAddonPlan,
	"webspace":           model.InCustomize,
	"reseller-plan":      model.InResellerPlan,
	"reseller":           model.InResellerPlan,
}

type descriptorResult struct {
	xmlapi.Status
	FilterID   string           `xml:"filter-id,omitempty"`
	ID         int              `xml:"id,omitempty"`
	Descriptor objectDescriptor `xml:"descriptor"`
}

type objectDescriptor struct {
	Properties []propertyDescriptor `xml:"property"`
}

type propertyDescriptor struct {
	Name       string `xml:"name"`
	Type       string `xml:"type"`
	WritableBy string `xml:"writable-by"`
}

func isDescriptorOp(name string) bool {
	return name == "get-limit-descriptor" || name == "get-permission-descriptor"
}

// descriptor answers a descriptor operation of operator.
func descriptor(operator, op string) []any {
	where, known := descriptorOps[operator]
	if !known {
		return []any{opErr(xmlapi.ErrUnsupported, "not supported")}
	}
	group, typ := model.PleskLimit, "int"
	if op == "get-permission-descriptor" {
		group, typ = model.PleskPermission, "bool"
	}
	seen := map[string]bool{}
	var props []propertyDescriptor
	add := func(name string) {
		if name != "" && !seen[name] {
			seen[name] = true
			props = append(props, propertyDescriptor{Name: name, Type: typ, WritableBy: "admin"})
		}
	}
	for _, p := range model.Catalog() {
		if p.Where&where == 0 || p.Plesk.Group != group {
			continue
		}
		add(p.Plesk.Name)
		for _, n := range p.Plesk.Also {
			add(n)
		}
	}
	return []any{&descriptorResult{Status: ok, Descriptor: objectDescriptor{Properties: props}}}
}

// webspaceDescriptor answers a webspace descriptor operation. Plesk
// documents it for "the specified subscription (or multiple subscriptions
// specified by customer ID or login name), or the server-level
// subscription limits descriptor": a filter that names subscriptions gets
// one result per subscription, with its filter-id and id, and 1013 for a
// name that does not exist; an empty filter, the server-level descriptor.
func (s *Server) webspaceDescriptor(o *node) []any {
	f := o.child("filter")
	if f == nil || len(f.kids) == 0 {
		return descriptor("webspace", o.name)
	}
	server := descriptor("webspace", o.name)[0].(*descriptorResult)
	ws, ids, out := s.selectWebspaces(f)
	for i, w := range ws {
		out = append(out, &descriptorResult{Status: ok, FilterID: ids[i], ID: w.ID, Descriptor: server.Descriptor})
	}
	return out
}
