package xmlapi

import (
	"encoding/xml"
	"errors"
)

// Additional services ("plan items"). Protocol 1.6.9.1 attaches them to
// plans and subscriptions (service-plan and webspace add-plan-item /
// remove-plan-item) but has no operator that defines them: the plan-item
// operator exists up to protocol 1.6.9.0, and the client sends packets
// holding it with that version.

// PlanItemProtocol is the packet version of the plan-item operator.
const PlanItemProtocol = "1.6.9.0"

// ItemName names one additional service.
type ItemName struct {
	Name string `xml:"name"`
}

// ServicePlanAddItem attaches an additional service to service plans.
type ServicePlanAddItem struct {
	XMLName xml.Name   `xml:"add-plan-item"`
	Filter  PlanFilter `xml:"filter"`
	Owner
	PlanItem ItemName `xml:"plan-item"`
}

// ServicePlanRemoveItem detaches an additional service from service plans.
type ServicePlanRemoveItem struct {
	XMLName xml.Name   `xml:"remove-plan-item"`
	Filter  PlanFilter `xml:"filter"`
	Owner
	PlanItem ItemName `xml:"plan-item"`
}

// WebspaceAddItem attaches an additional service to subscriptions.
type WebspaceAddItem struct {
	XMLName  xml.Name       `xml:"add-plan-item"`
	Filter   WebspaceFilter `xml:"filter"`
	PlanItem ItemName       `xml:"plan-item"`
}

// WebspaceRemoveItem detaches an additional service from subscriptions.
type WebspaceRemoveItem struct {
	XMLName  xml.Name       `xml:"remove-plan-item"`
	Filter   WebspaceFilter `xml:"filter"`
	PlanItem ItemName       `xml:"plan-item"`
}

// PlanItemResult is the result of a service plan's add/remove-plan-item.
type PlanItemResult struct {
	Status
	ID   int    `xml:"id,omitempty"`
	Item string `xml:"item,omitempty"`
}

// WebspaceItemResult is the result of a subscription's
// add/remove-plan-item.
type WebspaceItemResult struct {
	Status
	FilterID string `xml:"filter-id,omitempty"`
	ID       int    `xml:"id,omitempty"`
	Item     string `xml:"item,omitempty"`
}

// URLComponents says what a service's button request carries.
type URLComponents struct {
	DomID   *Empty `xml:"dom_id"`
	DomName *Empty `xml:"dom_name"`
	FTPUser *Empty `xml:"ftp_user"`
	FTPPass *Empty `xml:"ftp_pass"`
	ClID    *Empty `xml:"cl_id"`
	CName   *Empty `xml:"cname"`
	PName   *Empty `xml:"pname"`
	Email   *Empty `xml:"email"`
}

// PlanItemAdd defines an additional service (protocol 1.6.9.0).
type PlanItemAdd struct {
	XMLName       xml.Name       `xml:"add"`
	Visible       string         `xml:"visible"`
	Label         string         `xml:"label"`
	Tooltip       string         `xml:"tooltip,omitempty"`
	URL           string         `xml:"url,omitempty"`
	Internal      string         `xml:"internal,omitempty"`
	URLComponents *URLComponents `xml:"url-components"`
}

// PlanItemFilter selects additional services: all, or by name.
type PlanItemFilter struct {
	All  *Empty   `xml:"all"`
	Name []string `xml:"name"`
}

// PlanItemGet lists additional services (protocol 1.6.9.0).
type PlanItemGet struct {
	XMLName xml.Name       `xml:"get"`
	Filter  PlanItemFilter `xml:"filter"`
}

// PlanItemRemove deletes additional services (protocol 1.6.9.0).
type PlanItemRemove struct {
	XMLName xml.Name       `xml:"remove"`
	Filter  PlanItemFilter `xml:"filter"`
}

// PlanItemUpdate changes the definition of additional services
// (protocol 1.6.9.0): only the fields it carries. Protocol 1.6.9.0's
// schema is not at hand; its fields follow the filter in the order of
// PlanItemAdd's (visible, label, tooltip, url, internal, noframe,
// url-components, image-file), as the research notes give plan-item
// update{filter, …same fields}. A nil Tooltip or URL is not sent; an
// empty one clears it. URLComponents, when sent, is the whole list of
// what the button sends (an empty element: nothing).
type PlanItemUpdate struct {
	XMLName       xml.Name       `xml:"update"`
	Filter        PlanItemFilter `xml:"filter"`
	Visible       string         `xml:"visible,omitempty"`
	Label         string         `xml:"label,omitempty"`
	Tooltip       *string        `xml:"tooltip"`
	URL           *string        `xml:"url"`
	Internal      string         `xml:"internal,omitempty"`
	URLComponents *URLComponents `xml:"url-components"`
}

// PlanItemData is an additional service's definition.
type PlanItemData struct {
	Status
	Name     string `xml:"name,omitempty"`
	UUID     string `xml:"uuid,omitempty"`
	Visible  string `xml:"visible,omitempty"`
	Label    string `xml:"label,omitempty"`
	Tooltip  string `xml:"tooltip,omitempty"`
	URL      string `xml:"url,omitempty"`
	Internal string `xml:"internal,omitempty"`
	// URLComponents are the values the button sends.
	URLComponents *URLComponents `xml:"url-components"`
}

// sendComponents pairs plansync's send fields with Plesk's url-components
// elements.
var sendComponents = []struct {
	field, elem string
	get         func(*URLComponents) **Empty
}{
	{"subscription_id", "dom_id", func(u *URLComponents) **Empty { return &u.DomID }},
	{"primary_domain", "dom_name", func(u *URLComponents) **Empty { return &u.DomName }},
	{"ftp_credentials", "ftp_user", func(u *URLComponents) **Empty { return &u.FTPUser }},
	{"ftp_credentials", "ftp_pass", func(u *URLComponents) **Empty { return &u.FTPPass }},
	{"customer_id", "cl_id", func(u *URLComponents) **Empty { return &u.ClID }},
	{"customer_name", "pname", func(u *URLComponents) **Empty { return &u.PName }},
	{"customer_email", "email", func(u *URLComponents) **Empty { return &u.Email }},
	{"customer_company", "cname", func(u *URLComponents) **Empty { return &u.CName }},
}

// URLComponentsWith is the url-components whose elements has reports
// present (a request's, read by element name).
func URLComponentsWith(has func(elem string) bool) *URLComponents {
	u := &URLComponents{}
	for _, sc := range sendComponents {
		if has(sc.elem) {
			*sc.get(u) = &Empty{}
		}
	}
	return u
}

// URLComponentsOf is the url-components of a button that sends fields
// (plansync's send names); nil when it sends none.
func URLComponentsOf(fields []string) *URLComponents {
	if len(fields) == 0 {
		return nil
	}
	u := &URLComponents{}
	for _, f := range fields {
		for _, sc := range sendComponents {
			if sc.field == f {
				*sc.get(u) = &Empty{}
			}
		}
	}
	return u
}

// Fields is the send names of url-components, in plansync's order
// (model.SendFields).
func (u *URLComponents) Fields() []string {
	if u == nil {
		return nil
	}
	var out []string
	for _, sc := range sendComponents {
		if *sc.get(u) != nil && (len(out) == 0 || out[len(out)-1] != sc.field) {
			out = append(out, sc.field)
		}
	}
	return out
}

func itemsText(f PlanItemFilter) string {
	if f.All != nil || len(f.Name) == 0 {
		return "additional services (all)"
	}
	return "additional service " + filterText(f.Name, nil)
}

func (ServicePlanAddItem) Operator() string     { return "service-plan" }
func (ServicePlanRemoveItem) Operator() string  { return "service-plan" }
func (WebspaceAddItem) Operator() string        { return "webspace" }
func (WebspaceRemoveItem) Operator() string     { return "webspace" }
func (PlanItemAdd) Operator() string            { return "plan-item" }
func (PlanItemGet) Operator() string            { return "plan-item" }
func (PlanItemRemove) Operator() string         { return "plan-item" }
func (PlanItemUpdate) Operator() string         { return "plan-item" }
func (PlanItemUpdate) Operation() string        { return "update" }
func (o PlanItemUpdate) Object() string         { return itemsText(o.Filter) }
func (PlanItemUpdate) Read() bool               { return false }
func (PlanItemUpdate) resultOf() any            { return new(PlanItemData) }
func (PlanItemUpdate) allowEmpty() bool         { return false }
func (PlanItemUpdate) protocol() string         { return PlanItemProtocol }
func (ServicePlanAddItem) Operation() string    { return "add-plan-item" }
func (ServicePlanRemoveItem) Operation() string { return "remove-plan-item" }
func (WebspaceAddItem) Operation() string       { return "add-plan-item" }
func (WebspaceRemoveItem) Operation() string    { return "remove-plan-item" }
func (PlanItemAdd) Operation() string           { return "add" }
func (PlanItemGet) Operation() string           { return "get" }
func (PlanItemRemove) Operation() string        { return "remove" }
func (o ServicePlanAddItem) Object() string     { return planText("service plan", o.Filter, o.Owner) }
func (o ServicePlanRemoveItem) Object() string  { return planText("service plan", o.Filter, o.Owner) }
func (o WebspaceAddItem) Object() string        { return webspaceText(o.Filter) }
func (o WebspaceRemoveItem) Object() string     { return webspaceText(o.Filter) }
func (o PlanItemAdd) Object() string            { return "additional service " + o.Label }
func (o PlanItemGet) Object() string            { return itemsText(o.Filter) }
func (o PlanItemRemove) Object() string         { return itemsText(o.Filter) }
func (ServicePlanAddItem) Read() bool           { return false }
func (ServicePlanRemoveItem) Read() bool        { return false }
func (WebspaceAddItem) Read() bool              { return false }
func (WebspaceRemoveItem) Read() bool           { return false }
func (PlanItemAdd) Read() bool                  { return false }
func (PlanItemGet) Read() bool                  { return true }
func (PlanItemRemove) Read() bool               { return false }
func (ServicePlanAddItem) resultOf() any        { return new(PlanItemResult) }
func (ServicePlanRemoveItem) resultOf() any     { return new(PlanItemResult) }
func (WebspaceAddItem) resultOf() any           { return new(WebspaceItemResult) }
func (WebspaceRemoveItem) resultOf() any        { return new(WebspaceItemResult) }
func (PlanItemAdd) resultOf() any               { return new(PlanItemData) }
func (PlanItemGet) resultOf() any               { return new(PlanItemData) }
func (PlanItemRemove) resultOf() any            { return new(PlanItemData) }
func (ServicePlanAddItem) allowEmpty() bool     { return false }
func (ServicePlanRemoveItem) allowEmpty() bool  { return false }
func (WebspaceAddItem) allowEmpty() bool        { return false }
func (WebspaceRemoveItem) allowEmpty() bool     { return false }
func (PlanItemAdd) allowEmpty() bool            { return false }
func (PlanItemGet) allowEmpty() bool            { return true }
func (PlanItemRemove) allowEmpty() bool         { return false }
func (PlanItemAdd) protocol() string            { return PlanItemProtocol }
func (PlanItemGet) protocol() string            { return PlanItemProtocol }
func (PlanItemRemove) protocol() string         { return PlanItemProtocol }

// RefusesOperator reports whether err, the answer to an operation, says
// that the server does not take its operator (an older Plesk, another
// protocol): the packet refused whole, or the operation refused as
// unsupported or unreadable; not an operation that failed (such as
// error 1023), nor a packet not answered.
func RefusesOperator(err error) bool {
	var se *SystemError
	if errors.As(err, &se) {
		return true
	}
	var oe *OpError
	return errors.As(err, &oe) && (oe.Code == ErrUnsupported || oe.Code == ErrParse || oe.Code == ErrVersion)
}
