package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/plansync/plansync/internal/model"
)

// kv is one field of an object: a scalar (string, int64, bool), a list of
// strings, a block (fields) or a map (mapOf).
type kv struct {
	k string
	v any
}

type fields []kv

// mapOf is a map of scalars (php_settings): an attribute in HCL.
type mapOf []kv

// item is one top-level object: an HCL block "kind" "label" { … } or a
// YAML list entry under the kind's list key.
type item struct {
	kind, listKey, labelField, label string
	body                             fields
}

// File is one file to write: its path relative to the config directory
// and its content.
type File struct {
	Path string
	Data []byte
}

// Render lays a config out as files, one per kind and owner, like the
// bundled examples: server, services and reseller plans at the top, then
// per owner (admin at the top, each reseller in a folder of its own) its
// plans, customers and subscriptions. format is "yaml" or "hcl".
func Render(cfg *model.Config, format string) ([]File, error) {
	if format != "yaml" && format != "hcl" {
		return nil, fmt.Errorf("format %q: want yaml or hcl", format)
	}
	groups := map[string][]item{} // file path (without extension) → items
	var order []string
	add := func(path string, it item) {
		if _, ok := groups[path]; !ok {
			order = append(order, path)
		}
		groups[path] = append(groups[path], it)
	}
	if cfg.Server != nil && len(cfg.Server.Components) > 0 {
		add("server", item{kind: "server", body: fields{{"components", append([]string(nil), cfg.Server.Components...)}}})
	}
	for _, name := range keys(cfg.Services) {
		add("server", item{kind: "service", listKey: "services", labelField: "name", label: name})
	}
	for _, name := range keys(cfg.ResellerPlans) {
		p := cfg.ResellerPlans[name]
		body := propFields(p.Props)
		body = append(body, kv{"oversell", p.Oversell})
		add("reseller-plans", item{kind: "reseller_plan", listKey: "reseller_plans", labelField: "name", label: name, body: body})
	}
	for _, login := range keys(cfg.Resellers) {
		r := cfg.Resellers[login]
		body := contactFields(r.Contact)
		body = append(body, kv{"plan", r.Plan})
		if r.Plan == model.None {
			body = append(body, propFields(r.Props)...)
			body = append(body, kv{"oversell", r.Oversell})
		}
		if r.Status != "active" && r.Status != "" {
			body = append(body, kv{"status", r.Status})
		}
		if r.Description != "" {
			body = append(body, kv{"description", r.Description})
		}
		add("resellers", item{kind: "reseller", listKey: "resellers", labelField: "login", label: login, body: body})
	}
	dirOf := func(owner string) string {
		if owner == "" || owner == model.Admin {
			return ""
		}
		return safe(owner) + "/"
	}
	for _, set := range []struct {
		m    map[string]*model.Plan
		kind string
	}{{cfg.ServicePlans, "service_plan"}, {cfg.AddonPlans, "addon_plan"}} {
		for _, key := range keys(set.m) {
			p := set.m[key]
			body := fields{}
			if p.Owner != model.Admin {
				body = append(body, kv{"owner", p.Owner})
			}
			body = append(body, propFields(p.Props)...)
			if len(p.Services) > 0 {
				body = append(body, kv{"services", append([]string(nil), p.Services...)})
			}
			add(dirOf(p.Owner)+"plans", item{kind: set.kind, listKey: set.kind + "s", labelField: "name", label: p.Name, body: body})
		}
	}
	for _, login := range keys(cfg.Customers) {
		c := cfg.Customers[login]
		body := fields{}
		if c.Owner != model.Admin {
			body = append(body, kv{"owner", c.Owner})
		}
		body = append(body, contactFields(c.Contact)...)
		if c.Status != "active" && c.Status != "" {
			body = append(body, kv{"status", c.Status})
		}
		if c.Description != "" {
			body = append(body, kv{"description", c.Description})
		}
		add(dirOf(c.Owner)+"customers", item{kind: "customer", listKey: "customers", labelField: "login", label: login, body: body})
	}
	for _, domain := range keys(cfg.Subscriptions) {
		s := cfg.Subscriptions[domain]
		body := fields{}
		if s.Customer != "" {
			body = append(body, kv{"customer", s.Customer})
		} else if s.Owner != model.Admin {
			body = append(body, kv{"owner", s.Owner})
		}
		body = append(body, kv{"plan", s.Plan})
		if len(s.Addons) > 0 {
			body = append(body, kv{"addons", append([]string(nil), s.Addons...)})
		}
		if s.Customize != nil {
			body = append(body, kv{"customize", propFields(s.Customize)})
		}
		if s.Status != "active" && s.Status != "" {
			body = append(body, kv{"status", s.Status})
		}
		if s.Expires != nil {
			body = append(body, kv{"expires", s.Expires.Format("2006-01-02")})
		}
		if s.FTPLogin != "" {
			body = append(body, kv{"ftp_login", s.FTPLogin})
		}
		add(dirOf(s.Owner)+"subscriptions", item{kind: "subscription", listKey: "subscriptions", labelField: "domain", label: domain, body: body})
	}
	var out []File
	for _, path := range order {
		var b bytes.Buffer
		b.WriteString("# Imported from a Plesk server by plansync import.\n")
		if format == "yaml" {
			writeYAML(&b, groups[path])
		} else {
			writeHCL(&b, groups[path])
		}
		out = append(out, File{Path: path + "." + format, Data: b.Bytes()})
	}
	return out, nil
}

// WriteDir writes files and IMPORT.md into dir.
func WriteDir(dir string, files []File, report []byte) error {
	for _, f := range append(files, File{Path: "IMPORT.md", Data: report}) {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Report renders IMPORT.md.
func Report(server string, cfg *model.Config, notes []string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Import of %s\n\n", server)
	fmt.Fprintf(&b, "Imported %d service plans, %d add-on plans, %d reseller plans, %d resellers, %d customers and %d subscriptions.\n\n",
		len(cfg.ServicePlans), len(cfg.AddonPlans), len(cfg.ResellerPlans), len(cfg.Resellers), len(cfg.Customers), len(cfg.Subscriptions))
	b.WriteString("## Not mapped\n\n")
	b.WriteString("Passwords cannot be read from Plesk: none is written, and a password the config does not set is not managed.\n")
	b.WriteString("Plan descriptions, plan-level expiration and the services of add-on and reseller plans do not exist on the server (see docs/plesk.md).\n\n")
	if len(notes) == 0 {
		b.WriteString("Nothing else.\n")
	}
	for _, n := range notes {
		b.WriteString("- " + n + "\n")
	}
	return b.Bytes()
}

func keys[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]`)

func safe(s string) string { return unsafeChars.ReplaceAllString(s, "_") }

func contactFields(c model.Contact) fields {
	var out fields
	for _, f := range []kv{{"name", c.Name}, {"company", c.Company}, {"email", c.Email}, {"phone", c.Phone}, {"address", c.Address}} {
		if f.v.(string) != "" {
			out = append(out, f)
		}
	}
	return out
}

// propFields groups properties into their sections, in display order.
func propFields(p model.Props) fields {
	var out fields
	for _, section := range model.Sections {
		var sec fields
		var php mapOf
		for _, path := range p.Paths() {
			rest, ok := strings.CutPrefix(path, section+".")
			if !ok {
				continue
			}
			if name, isPHP := strings.CutPrefix(path, model.PHPSettingsPrefix); isPHP {
				php = append(php, kv{name, p[path].S})
				continue
			}
			sec = append(sec, kv{rest, scalar(p[path])})
		}
		if len(php) > 0 {
			sec = append(sec, kv{"php_settings", php})
		}
		if len(sec) > 0 {
			out = append(out, kv{section, sec})
		}
	}
	return out
}

// scalar renders a value as the config writes it.
func scalar(v model.Value) any {
	switch v.K {
	case model.KindSize:
		if v.N == model.Unlimited {
			return "unlimited"
		}
		for _, u := range []struct {
			unit string
			n    int64
		}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
			if v.N >= u.n && v.N%u.n == 0 {
				return strconv.FormatInt(v.N/u.n, 10) + u.unit
			}
		}
		return strconv.FormatInt(v.N, 10)
	case model.KindCount:
		if v.N == model.Unlimited {
			return "unlimited"
		}
		return v.N
	case model.KindBool:
		return v.Truth()
	case model.KindDuration:
		return v.S
	}
	return v.S
}

// ---- YAML -----------------------------------------------------------------

func writeYAML(b *bytes.Buffer, items []item) {
	last := ""
	for i, it := range items {
		if it.kind == "server" {
			b.WriteString("server:\n")
			writeYAMLFields(b, it.body, "  ")
			b.WriteString("\n")
			continue
		}
		if it.listKey != last {
			if i > 0 && last != "" {
				b.WriteString("\n")
			}
			b.WriteString(it.listKey + ":\n")
			last = it.listKey
		} else {
			b.WriteString("\n")
		}
		b.WriteString("  - " + it.labelField + ": " + yamlScalar(it.label) + "\n")
		writeYAMLFields(b, it.body, "    ")
	}
}

func writeYAMLFields(b *bytes.Buffer, fs []kv, indent string) {
	for _, f := range fs {
		switch v := f.v.(type) {
		case fields:
			b.WriteString(indent + f.k + ":\n")
			writeYAMLFields(b, v, indent+"  ")
		case mapOf:
			b.WriteString(indent + f.k + ":\n")
			for _, e := range v {
				b.WriteString(indent + "  " + yamlKey(e.k) + ": " + yamlScalar(e.v) + "\n")
			}
		case []string:
			parts := make([]string, len(v))
			for i, s := range v {
				parts[i] = yamlScalar(s)
			}
			b.WriteString(indent + f.k + ": [" + strings.Join(parts, ", ") + "]\n")
		default:
			b.WriteString(indent + f.k + ": " + yamlScalar(v) + "\n")
		}
	}
}

var yamlPlain = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.@/-]*( [A-Za-z0-9_.@/-]+)*$`)

var yamlReserved = map[string]bool{"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true, "null": true, "y": true, "n": true}

func yamlKey(s string) string {
	if yamlPlain.MatchString(s) && !yamlReserved[strings.ToLower(s)] {
		return s
	}
	return jsonQuote(s)
}

func yamlScalar(v any) string {
	switch x := v.(type) {
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		if yamlPlain.MatchString(x) && !yamlReserved[strings.ToLower(x)] {
			return x
		}
		return jsonQuote(x)
	}
	return jsonQuote(fmt.Sprint(v))
}

func jsonQuote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// ---- HCL ------------------------------------------------------------------

func writeHCL(b *bytes.Buffer, items []item) {
	for i, it := range items {
		if i > 0 {
			b.WriteString("\n")
		}
		if it.kind == "server" {
			b.WriteString("server {\n")
		} else {
			b.WriteString(it.kind + " " + hclString(it.label) + " {\n")
		}
		writeHCLFields(b, it.body, "  ")
		b.WriteString("}\n")
	}
}

func writeHCLFields(b *bytes.Buffer, fs []kv, indent string) {
	for _, f := range fs {
		switch v := f.v.(type) {
		case fields:
			b.WriteString(indent + f.k + " {\n")
			writeHCLFields(b, v, indent+"  ")
			b.WriteString(indent + "}\n")
		case mapOf:
			b.WriteString(indent + f.k + " = {\n")
			for _, e := range v {
				b.WriteString(indent + "  " + hclString(e.k) + " = " + hclScalar(e.v) + "\n")
			}
			b.WriteString(indent + "}\n")
		case []string:
			parts := make([]string, len(v))
			for i, s := range v {
				parts[i] = hclString(s)
			}
			b.WriteString(indent + f.k + " = [" + strings.Join(parts, ", ") + "]\n")
		default:
			b.WriteString(indent + f.k + " = " + hclScalar(v) + "\n")
		}
	}
}

func hclScalar(v any) string {
	switch x := v.(type) {
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return hclString(x)
	}
	return hclString(fmt.Sprint(v))
}

func hclString(s string) string {
	q := jsonQuote(s)
	q = strings.ReplaceAll(q, "${", "$${")
	return strings.ReplaceAll(q, "%{", "%%{")
}
