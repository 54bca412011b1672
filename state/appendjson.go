package state

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The snapshot encoder: Encode's output written straight from the record
// types, without reflection and without an indentation pass. It writes
// exactly what encoding/json (HTML escaping off) followed by indent
// writes: the fields in their declaration order under their JSON names,
// omitempty as encoding/json reads it, map keys sorted, strings escaped
// as encoding/json escapes them. For what it does not handle (a property
// value of another type, a float JSON cannot hold, a time encoding/json
// refuses) it reports failure, and Encode uses encoding/json, which
// writes the same bytes or says what is wrong.

// jsonWriter appends indented JSON to b.
type jsonWriter struct {
	b     []byte
	depth int
	ok    bool // false once something was met the writer does not handle
	// like, when set, is the prior snapshot whose encoding is copied
	// from (EncodeLike).
	like *likeSource
	// check, when set, is an encoding the output is compared with as it
	// is written (EncodesAs): every spillAt bytes, what was written is
	// compared and dropped, so the whole output is never held. checked
	// is how much of check was compared, differs whether it differed.
	check   []byte
	checked int
	differs bool
}

// spillAt is how much output a writer that checks holds at most (but
// for one element of a list or object).
const spillAt = 64 << 10

// compare compares what is held with the next bytes of check, and drops
// it.
func (w *jsonWriter) compare() {
	if rest := w.check[w.checked:]; len(rest) < len(w.b) || !bytes.Equal(rest[:len(w.b)], w.b) {
		w.differs = true
	}
	w.checked += len(w.b)
	w.b = w.b[:0]
}

// newline starts a line at the current depth.
func (w *jsonWriter) newline() {
	const spaces = "\n                                "
	if n := 1 + 2*w.depth; n <= len(spaces) {
		w.b = append(w.b, spaces[:n]...)
		return
	}
	w.b = append(w.b, '\n')
	for range w.depth {
		w.b = append(w.b, ' ', ' ')
	}
}

// item starts the next element of an object or array of which n
// elements are written.
func (w *jsonWriter) item(n *int) {
	if w.check != nil && len(w.b) >= spillAt {
		w.compare() // what is held is complete up to here
	}
	if *n == 0 {
		w.depth++
	} else {
		w.b = append(w.b, ',')
	}
	*n++
	w.newline()
}

// field starts the member name of an object of which n members are
// written; name needs no escaping.
func (w *jsonWriter) field(n *int, name string) {
	w.item(n)
	w.b = append(w.b, '"')
	w.b = append(w.b, name...)
	w.b = append(w.b, '"', ':', ' ')
}

// key starts a member whose name is any string.
func (w *jsonWriter) key(n *int, name string) {
	w.item(n)
	w.b = appendJSONString(w.b, name)
	w.b = append(w.b, ':', ' ')
}

// end closes an object or array (c is '}' or ']') of n elements.
func (w *jsonWriter) end(n int, c byte) {
	if n > 0 {
		w.depth--
		w.newline()
	}
	w.b = append(w.b, c)
}

func (w *jsonWriter) str(s string) { w.b = appendJSONString(w.b, s) }

// strField writes a string member; omitEmpty leaves an empty one out.
func (w *jsonWriter) strField(n *int, name, v string, omitEmpty bool) {
	if omitEmpty && v == "" {
		return
	}
	w.field(n, name)
	w.str(v)
}

func (w *jsonWriter) boolField(n *int, name string, v, omitEmpty bool) {
	if omitEmpty && !v {
		return
	}
	w.field(n, name)
	w.b = strconv.AppendBool(w.b, v)
}

// strings writes a []string member (omitempty).
func (w *jsonWriter) strings(n *int, name string, list []string) {
	if len(list) == 0 {
		return
	}
	w.field(n, name)
	w.b = append(w.b, '[')
	m := 0
	for _, s := range list {
		w.item(&m)
		w.str(s)
	}
	w.end(m, ']')
}

func (w *jsonWriter) time(t time.Time) {
	w.b = append(w.b, '"')
	var err error
	if w.b, err = t.AppendText(w.b); err != nil {
		w.ok = false
	}
	w.b = append(w.b, '"')
}

// appendJSON appends the indented encoding of the canonical snapshot c
// and a newline to dst. ok is false when c holds what only encoding/json
// can write (or refuse).
func appendJSON(dst []byte, c *Snapshot) (out []byte, ok bool) {
	w := &jsonWriter{b: dst, ok: true}
	return w.snapshot(c)
}

// EncodesAs reports whether Encode(s) returns exactly data, without
// holding that encoding: it is compared with data as it is written (a
// state file of 100,000 subscriptions is 50 MB).
func EncodesAs(s *Snapshot, data []byte) bool {
	c, err := canonical(s)
	if err != nil {
		return false
	}
	w := &jsonWriter{b: make([]byte, 0, 2*spillAt), ok: true, check: data}
	if _, ok := w.snapshot(c); !ok {
		enc, err := encodeReflect(c)
		return err == nil && bytes.Equal(enc, data)
	}
	w.compare()
	return !w.differs && w.checked == len(data)
}

// snapshot appends the encoding of the canonical snapshot c, as
// appendJSON does.
func (w *jsonWriter) snapshot(c *Snapshot) (out []byte, ok bool) {
	n := 0
	w.b = append(w.b, '{')
	w.field(&n, "format_version")
	w.b = append(w.b, '"')
	w.b = strconv.AppendInt(w.b, int64(c.FormatVersion), 10)
	w.b = append(w.b, '"')
	w.strField(&n, "lineage", c.Lineage, false)
	w.field(&n, "serial")
	w.b = strconv.AppendUint(w.b, c.Serial, 10)
	if c.Server != nil {
		w.field(&n, "server")
		w.server(c.Server)
	}
	if len(c.Servers) > 0 {
		w.field(&n, "servers")
		w.list(len(c.Servers), func(i int) { w.server(&c.Servers[i]) })
	}
	if len(c.Services) > 0 {
		w.field(&n, "services")
		w.list(len(c.Services), func(i int) { w.service(&c.Services[i]) })
	}
	for _, pl := range []struct {
		name  string
		plans []Plan
	}{{"service_plans", c.ServicePlans}, {"addon_plans", c.AddonPlans}, {"reseller_plans", c.ResellerPlans}} {
		if len(pl.plans) > 0 {
			w.field(&n, pl.name)
			w.list(len(pl.plans), func(i int) { w.plan(&pl.plans[i]) })
		}
	}
	if len(c.Resellers) > 0 {
		w.field(&n, "resellers")
		w.resellers(c.Resellers)
	}
	if len(c.Customers) > 0 {
		w.field(&n, "customers")
		w.customers(c.Customers)
	}
	if len(c.Subscriptions) > 0 {
		w.field(&n, "subscriptions")
		w.subscriptions(c.Subscriptions)
	}
	if len(c.PropertySets) > 0 {
		w.field(&n, "property_sets")
		ids := make([]string, 0, len(c.PropertySets))
		for id := range c.PropertySets {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		w.b = append(w.b, '{')
		m := 0
		for _, id := range ids {
			w.propertySet(&m, id, c.PropertySets[id])
		}
		w.end(m, '}')
	}
	w.end(n, '}')
	w.b = append(w.b, '\n')
	return w.b, w.ok
}

// list writes an array of count elements, each written by elem.
func (w *jsonWriter) list(count int, elem func(i int)) {
	w.b = append(w.b, '[')
	m := 0
	for i := range count {
		w.item(&m)
		elem(i)
	}
	w.end(m, ']')
}

func (w *jsonWriter) server(s *Server) {
	n := 0
	w.b = append(w.b, '{')
	w.strField(&n, "name", s.Name, true)
	w.strings(&n, "components", s.Components)
	if len(s.Extensions) > 0 {
		w.field(&n, "extensions")
		w.list(len(s.Extensions), func(i int) {
			e := &s.Extensions[i]
			m := 0
			w.b = append(w.b, '{')
			w.strField(&m, "name", e.Name, false)
			w.strings(&m, "services", e.Services)
			w.end(m, '}')
		})
	}
	w.strField(&n, "default_plan", s.DefaultPlan, true)
	w.end(n, '}')
}

func (w *jsonWriter) service(s *Service) {
	n := 0
	w.b = append(w.b, '{')
	w.strField(&n, "server", s.Server, true)
	w.strField(&n, "name", s.Name, false)
	w.strField(&n, "description", s.Description, true)
	if s.Button != nil {
		w.field(&n, "button")
		m := 0
		w.b = append(w.b, '{')
		w.strField(&m, "url", s.Button.URL, false)
		w.strField(&m, "background_image", s.Button.BackgroundImage, true)
		w.boolField(&m, "open_in_panel", s.Button.OpenInPanel, false)
		w.end(m, '}')
	}
	w.strings(&n, "send", s.Send)
	w.boolField(&n, "available_to_resellers", s.AvailableToResellers, false)
	w.strField(&n, "extension", s.Extension, true)
	w.end(n, '}')
}

func (w *jsonWriter) plan(p *Plan) {
	n := 0
	w.b = append(w.b, '{')
	w.strField(&n, "server", p.Server, true)
	w.strField(&n, "key", p.Key, false)
	w.strField(&n, "owner", p.Owner, false)
	w.strField(&n, "name", p.Name, false)
	w.strField(&n, "description", p.Description, true)
	w.strField(&n, "props", p.Props, false)
	w.strings(&n, "services", p.Services)
	w.boolField(&n, "oversell", p.Oversell, true)
	w.plesk(&n, p.Plesk)
	w.end(n, '}')
}

func (w *jsonWriter) plesk(n *int, p *PleskID) {
	if p == nil {
		return
	}
	w.field(n, "plesk")
	m := 0
	w.b = append(w.b, '{')
	w.strField(&m, "guid", p.GUID, true)
	if p.ID != 0 {
		w.field(&m, "id")
		w.b = strconv.AppendInt(w.b, int64(p.ID), 10)
	}
	w.end(m, '}')
}

func (w *jsonWriter) contact(n *int, c *Contact) {
	w.field(n, "contact")
	m := 0
	w.b = append(w.b, '{')
	w.strField(&m, "name", c.Name, true)
	w.strField(&m, "company", c.Company, true)
	w.strField(&m, "email", c.Email, true)
	w.strField(&m, "phone", c.Phone, true)
	w.strField(&m, "address", c.Address, true)
	w.end(m, '}')
}

func (w *jsonWriter) reseller(r *Reseller) {
	n := 0
	w.b = append(w.b, '{')
	w.strField(&n, "server", r.Server, true)
	w.strField(&n, "login", r.Login, false)
	w.strField(&n, "password_hash", r.PasswordHash, true)
	w.contact(&n, &r.Contact)
	w.strField(&n, "plan", r.Plan, false)
	w.strField(&n, "sync_status", r.SyncStatus, true)
	w.strField(&n, "allocation", r.Allocation, true)
	w.strings(&n, "services", r.Services)
	w.boolField(&n, "oversell", r.Oversell, true)
	w.strField(&n, "status", r.Status, false)
	w.strField(&n, "description", r.Description, true)
	w.strField(&n, "managed_by", r.ManagedBy, true)
	w.plesk(&n, r.Plesk)
	w.end(n, '}')
}

func (w *jsonWriter) customer(c *Customer) {
	n := 0
	w.b = append(w.b, '{')
	w.strField(&n, "server", c.Server, true)
	w.strField(&n, "login", c.Login, false)
	w.strField(&n, "password_hash", c.PasswordHash, true)
	w.contact(&n, &c.Contact)
	w.strField(&n, "owner", c.Owner, false)
	w.strField(&n, "status", c.Status, false)
	w.strings(&n, "status_reasons", c.StatusReasons)
	w.strField(&n, "description", c.Description, true)
	w.strField(&n, "admin_description", c.AdminDescription, true)
	w.strField(&n, "managed_by", c.ManagedBy, true)
	w.plesk(&n, c.Plesk)
	w.end(n, '}')
}

func (w *jsonWriter) subscription(s *Subscription) {
	n := 0
	w.b = append(w.b, '{')
	w.strField(&n, "server", s.Server, true)
	w.strField(&n, "domain", s.Domain, false)
	w.strField(&n, "owner", s.Owner, false)
	w.strField(&n, "customer", s.Customer, true)
	w.strField(&n, "plan", s.Plan, false)
	w.strings(&n, "addons", s.Addons)
	w.strField(&n, "sync_status", s.SyncStatus, false)
	w.strField(&n, "server_sync_status", s.ServerSyncStatus, true)
	w.boolField(&n, "locked_in_panel", s.LockedInPanel, true)
	w.strField(&n, "effective", s.Effective, false)
	w.strField(&n, "base", s.Base, true)
	w.strField(&n, "customize", s.Customize, true)
	w.strings(&n, "customized", s.Customized)
	w.strField(&n, "settings", s.Settings, true)
	w.strField(&n, "dropped_settings", s.DroppedSettings, true)
	if len(s.Conflicts) > 0 {
		w.field(&n, "conflicts")
		w.list(len(s.Conflicts), func(i int) {
			c := &s.Conflicts[i]
			m := 0
			w.b = append(w.b, '{')
			w.strField(&m, "property", c.Property, false)
			w.field(&m, "plan_value")
			w.value(c.PlanValue)
			w.field(&m, "available_value")
			w.value(c.AvailableValue)
			w.strField(&m, "reason", c.Reason, false)
			w.end(m, '}')
		})
	}
	w.strField(&n, "config_status", s.ConfigStatus, true)
	w.strField(&n, "status", s.Status, false)
	w.strings(&n, "status_reasons", s.StatusReasons)
	w.field(&n, "created_at")
	w.time(s.CreatedAt)
	if s.Expires != nil {
		w.field(&n, "expires")
		w.time(*s.Expires)
	}
	w.strField(&n, "ftp_login", s.FTPLogin, true)
	w.strField(&n, "ftp_password_hash", s.FTPPassword, true)
	w.strField(&n, "ip_address", s.IPAddress, true)
	w.strField(&n, "managed_by", s.ManagedBy, true)
	w.plesk(&n, s.Plesk)
	w.end(n, '}')
}

// values writes a property set: its keys sorted, as encoding/json writes
// a map.
func (w *jsonWriter) values(v map[string]any) {
	if v == nil {
		w.b = append(w.b, "null"...)
		return
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, strings.Compare)
	w.b = append(w.b, '{')
	m := 0
	for _, k := range keys {
		w.key(&m, k)
		w.value(v[k])
	}
	w.end(m, '}')
}

// value writes a property value (or a conflict's): the JSON scalars, and
// lists and objects of them. Anything else marks the writer failed.
func (w *jsonWriter) value(v any) {
	switch x := v.(type) {
	case nil:
		w.b = append(w.b, "null"...)
	case string:
		w.str(x)
	case bool:
		w.b = strconv.AppendBool(w.b, x)
	case int64:
		w.b = strconv.AppendInt(w.b, x, 10)
	case int:
		w.b = strconv.AppendInt(w.b, int64(x), 10)
	case float64:
		w.float(x)
	case []any:
		if x == nil {
			w.b = append(w.b, "null"...)
			return
		}
		w.list(len(x), func(i int) { w.value(x[i]) })
	case []string:
		if x == nil {
			w.b = append(w.b, "null"...)
			return
		}
		w.list(len(x), func(i int) { w.str(x[i]) })
	case Values:
		w.values(x)
	case map[string]any:
		w.values(x)
	default:
		w.ok = false
	}
}

// float writes f as encoding/json writes a float64.
func (w *jsonWriter) float(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		w.ok = false
		return
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	w.b = strconv.AppendFloat(w.b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(w.b)
		if n >= 4 && w.b[n-4] == 'e' && w.b[n-3] == '-' && w.b[n-2] == '0' {
			w.b[n-2] = w.b[n-1]
			w.b = w.b[:n-1]
		}
	}
}

// appendJSONString appends s quoted as encoding/json quotes a string with
// HTML escaping off: quote, backslash and control characters escaped,
// invalid UTF-8 replaced by \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
