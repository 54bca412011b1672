package fake

import (
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// The descriptor operations (get-limit-descriptor, get-permission-
// descriptor) name the limits or permissions an operator's objects take,
// as Plesk's ObjectDescriptor: one property per name, with its type. The
// emulator answers one descriptor per operation (the filter selects
// nothing: every object of a kind takes the same names).
var descriptorOps = map[string]model.Where{
	"service-plan":       model.InServicePlan,
	"service-plan-addon": model.InAddonPlan,
	"webspace":           model.InCustomize,
	"reseller-plan":      model.InResellerPlan,
	"reseller":           model.InResellerPlan,
}

type descriptorResult struct {
	xmlapi.Status
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
