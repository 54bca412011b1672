package config

import (
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
)

// Decode turns parsed files into the desired state. One schema-driven
// decoder serves YAML and HCL alike: it sees only the syntax-neutral tree.
// Files are decoded concurrently and merged in the order given, so the
// result and its diagnostics do not depend on scheduling; an object key
// declared twice (within a file or across files) is an error on the second
// declaration naming the first.
//
// Decode checks every field on its own (types, ranges, unknown fields,
// where a property may be set) and resolves secrets through opts; checks
// between objects (references, owners, add-on rules) are Validate's. A
// subscription that names a customer but no owner gets its owner from
// Validate. The config is returned even when there are errors, partly
// filled; diagnostics are sorted.
func Decode(files []*File, opts Options) (*model.Config, diag.Diagnostics) {
	decoded := make([]*Decoded, len(files))
	workers := min(runtime.GOMAXPROCS(0), len(files))
	if workers <= 1 {
		for i, f := range files {
			decoded[i] = DecodeFile(f, opts)
		}
	} else {
		var wg sync.WaitGroup
		next := make(chan int)
		var once sync.Once
		var crash string
		for range workers {
			wg.Go(func() {
				defer func() {
					// A panic here would end the process before the CLI
					// can report it as a bug: raise it again below.
					if r := recover(); r != nil {
						once.Do(func() { crash = fmt.Sprintf("%v\n\nin a worker goroutine:\n%s", r, debug.Stack()) })
						for range next { // let the sender finish
						}
					}
				}()
				for i := range next {
					decoded[i] = DecodeFile(files[i], opts)
				}
			})
		}
		for i := range files {
			next <- i
		}
		close(next)
		wg.Wait()
		if crash != "" {
			panic(crash)
		}
	}
	return Merge(files, decoded)
}

// Decoded is what one file declares, decoded on its own (DecodeFile).
// Nothing modifies it afterwards: Merge gives the config copies of what
// Validate completes, so a caller that watches a directory may keep it
// while the file and the secrets it read are unchanged.
type Decoded struct{ res *decResult }

// DecodeFile decodes one parsed file: the first half of Decode.
func DecodeFile(f *File, opts Options) *Decoded { return &Decoded{res: decodeFile(f, opts)} }

// Merge puts decoded files together, in the order given, into one
// config: the second half of Decode.
func Merge(files []*File, decoded []*Decoded) (*model.Config, diag.Diagnostics) {
	cfg := model.NewConfig()
	// The large maps are made at their size (a fleet has 100,000
	// subscriptions): they are not grown step by step. (The copies of
	// the subscriptions stay one allocation each: a watcher's next plan
	// may carry some over, which must not keep all the others alive.)
	var subs, customers int
	for _, d := range decoded {
		subs += len(d.res.subscriptions)
		customers += len(d.res.customers)
	}
	cfg.Subscriptions = make(map[string]*model.Subscription, subs)
	cfg.Customers = make(map[string]*model.Customer, customers)
	var diags diag.Diagnostics
	m := valMerger{cfg: cfg, diags: &diags, logins: make(map[string]valSeen, customers)}
	for i, d := range decoded {
		cfg.Files = append(cfg.Files, files[i].Rel)
		diags = append(diags, d.res.diags...)
		m.add(d.res)
	}
	diags.Sort()
	return cfg, diags
}

// decResult is what one file declares, in source order.
type decResult struct {
	servers       []*model.Server
	namedServers  []*model.Server
	services      []*model.Service // declared in services
	servicePlans  []*model.Plan
	addonPlans    []*model.Plan
	resellerPlans []*model.Plan
	resellers     []*model.Reseller
	customers     []*model.Customer
	subscriptions []*model.Subscription
	settings      []*model.SubscriberSettings
	diags         diag.Diagnostics
}

// decoder decodes one file.
type decoder struct {
	file *File
	opts Options
	res  *decResult
}

func (d *decoder) errorf(at diag.Range, obj decAddr, path, format string, args ...any) {
	d.res.diags = append(d.res.diags, diag.Diagnostic{
		Severity: diag.Error, Summary: fmt.Sprintf(format, args...),
		Subject: at, Object: obj.String(), Path: path,
	})
}

func (d *decoder) warn(at diag.Range, obj decAddr, path, summary, detail string) {
	d.res.diags = append(d.res.diags, diag.Diagnostic{
		Severity: diag.Warning, Summary: summary, Detail: detail,
		Subject: at, Object: obj.String(), Path: path,
	})
}

// decTopKeys are the valid top-level keys, in documentation order.
var decTopKeys = []string{"server", "servers", "services", "service_plans", "addon_plans", "reseller_plans",
	"resellers", "customers", "subscriptions", "subscriber_settings"}

func decodeFile(f *File, opts Options) *decResult {
	d := &decoder{file: f, opts: opts, res: &decResult{}}
	root := f.Root
	if root == nil {
		return d.res
	}
	if root.Kind != MapNode {
		d.errorf(root.Range, decAddr{}, "", "a config file holds a map of %s, got %s", strings.Join(decTopKeys, ", "), decDescribe(root))
		return d.res
	}
	for i := range root.Entries {
		e := &root.Entries[i]
		if decNull(e.Value) {
			if decContains(decTopKeys, e.Key) {
				d.nullValue(e, decAddr{}, "")
			} else {
				d.unknown(e, decAddr{}, "", decTopKeys)
			}
			continue
		}
		switch e.Key {
		case "server":
			if s := d.server(e.Value, e.KeyRange); s != nil {
				d.res.servers = append(d.res.servers, s)
			}
			continue
		case "services", "service_plans", "addon_plans", "reseller_plans", "resellers",
			"customers", "subscriptions", "subscriber_settings", "servers":
		default:
			d.errorf(e.KeyRange, decAddr{}, "", "unknown top-level key %q%s", e.Key, decDidYouMean(e.Key, decTopKeys))
			d.res.diags[len(d.res.diags)-1].Detail = "valid keys: " + strings.Join(decTopKeys, ", ")
			continue
		}
		if e.Value.Kind != ListNode {
			d.errorf(e.Value.Range, decAddr{}, e.Key, "%s must be a list, one item per %s; got %s", e.Key, decItemWord[e.Key], decDescribe(e.Value))
			continue
		}
		for _, item := range e.Value.Items {
			if item.Kind != MapNode {
				d.errorf(item.Range, decAddr{}, e.Key, "expected a map describing one %s, got %s", decItemWord[e.Key], decDescribe(item))
				continue
			}
			switch e.Key {
			case "servers":
				if s := d.namedServer(item); s != nil {
					d.res.namedServers = append(d.res.namedServers, s)
				}
			case "services":
				if s := d.service(item, ""); s != nil {
					d.res.services = append(d.res.services, s)
				}
			case "service_plans":
				d.res.servicePlans = append(d.res.servicePlans, d.plan(item, model.ServicePlanKind))
			case "addon_plans":
				d.res.addonPlans = append(d.res.addonPlans, d.plan(item, model.AddonPlanKind))
			case "reseller_plans":
				d.res.resellerPlans = append(d.res.resellerPlans, d.plan(item, model.ResellerPlanKind))
			case "resellers":
				d.res.resellers = append(d.res.resellers, d.reseller(item))
			case "customers":
				d.res.customers = append(d.res.customers, d.customer(item))
			case "subscriptions":
				d.res.subscriptions = append(d.res.subscriptions, d.subscription(item))
			case "subscriber_settings":
				d.res.settings = append(d.res.settings, d.settings(item))
			}
		}
	}
	return d.res
}

var decItemWord = map[string]string{
	"servers":  "server",
	"services": "service", "service_plans": "service plan", "addon_plans": "add-on plan",
	"reseller_plans": "reseller plan", "resellers": "reseller", "customers": "customer",
	"subscriptions": "subscription", "subscriber_settings": "subscriber settings entry",
}

// ---------------------------------------------------------------------
// Generic helpers.

// decNull reports whether a value counts as absent.
func decNull(n *Node) bool {
	return n == nil || n.Kind == ScalarNode && n.Type == NullScalar
}

// decDescribe names what a node is, for "expected X, got Y" messages.
func decDescribe(n *Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case MapNode:
		if ref, ok := decSecretRef(n); ok {
			return "the secret reference " + ref + ": only a password or key takes a secret"
		}
		return "a map"
	case ListNode:
		return "a list"
	}
	switch n.Type {
	case NullScalar:
		return "nothing (null)"
	case BoolScalar:
		return "the boolean " + n.Text
	case IntScalar, FloatScalar:
		return "the number " + n.Text
	}
	return "the string " + strconv.Quote(n.Text)
}

// decSecretRef writes n as the secret reference it is, if it is one, in
// the syntax of its file: env("X") and file("p") in HCL (which reads them
// as the maps {env: X} and {file: p}), {env: X} and {file: p} in YAML.
func decSecretRef(n *Node) (string, bool) {
	if len(n.Entries) != 1 {
		return "", false
	}
	e := n.Entries[0]
	if (e.Key != "env" && e.Key != "file") || e.Value == nil || e.Value.Kind != ScalarNode || e.Value.Type != StringScalar {
		return "", false
	}
	if strings.HasSuffix(n.Range.File, ".hcl") {
		return fmt.Sprintf("%s(%q)", e.Key, e.Value.Text), true
	}
	return fmt.Sprintf("{%s: %s}", e.Key, e.Value.Text), true
}

// nullValue reports a key given an empty (null) value: it does not mean
// "left out" (YAML `disk_space:` or `~`, HCL `= null`), which would
// silently give the default; the key must have a value or go.
func (d *decoder) nullValue(e *Entry, obj decAddr, prefix string) {
	if prefix == "" && slices.Contains(decRequiredKeys[obj.kind], e.Key) {
		// Left out, it would be missing: there is no default to have.
		d.errorf(e.KeyRange, obj, e.Key, "%s has no value (it is empty or null): it is required, give it a value", e.Key)
		return
	}
	d.errorf(e.KeyRange, obj, prefix+e.Key, "%s has no value (it is empty or null): give it a value, or leave it out for the default", e.Key)
}

// decRequiredKeys are, per kind of object, the fields it must have
// (required): a null one cannot be left out instead.
var decRequiredKeys = map[string][]string{
	"service":                      {"name"},
	"extension":                    {"name"},
	string(model.ServicePlanKind):  {"name"},
	string(model.AddonPlanKind):    {"name"},
	string(model.ResellerPlanKind): {"name"},
	"reseller":                     {"login", "plan"},
	"customer":                     {"login"},
	"subscription":                 {"domain", "plan"},
	"subscriber_settings":          {"domain"},
}

// fields walks the entries of the map n in source order. A null value is
// an error (nullValue) when the key is known. fn decodes one entry and returns false when the key is
// unknown; that is reported with a suggestion taken from valid. The range
// of every known entry's value is recorded in src under prefix+key. A key
// set twice is reported on the second occurrence.
func (d *decoder) fields(n *Node, obj decAddr, prefix string, src *model.Src, valid []string, fn func(e *Entry) bool) {
	for i := range n.Entries {
		e := &n.Entries[i]
		if decNull(e.Value) {
			if decContains(valid, e.Key) {
				d.nullValue(e, obj, prefix)
			} else {
				d.unknown(e, obj, prefix, valid)
			}
			continue
		}
		if dup := decFindKey(n.Entries[:i], e.Key); dup != nil {
			d.res.diags = append(d.res.diags, diag.Diagnostic{
				Severity: diag.Error, Summary: fmt.Sprintf("%q is set twice", e.Key),
				Subject: e.KeyRange, Related: []diag.Range{dup.KeyRange}, Object: obj.String(), Path: prefix + e.Key,
			})
			continue
		}
		if !fn(e) {
			d.unknown(e, obj, prefix, valid)
			continue
		}
		if src != nil {
			src.SetField(prefix+e.Key, e.Value.Range)
		}
	}
}

func decFindKey(entries []Entry, key string) *Entry {
	for i := range entries {
		if entries[i].Key == key && !decNull(entries[i].Value) {
			return &entries[i]
		}
	}
	return nil
}

// blockLists are the nested fields written in HCL as labeled blocks, one
// per item (extension "x" { } makes the list extensions): the only block
// types an unknown one is said to mean.
var decBlockLists = map[string]bool{"extensions": true, "services": true}

// decBlockNames says what the label of a block whose items are names
// names: a service block names a service, an addon block an add-on.
var decBlockNames = map[string]string{"service": "a service", "addon": "an add-on"}

// decListFields are the fields whose value is a list of names or
// words, written in HCL as an attribute: addons = ["X"].
var decListFields = map[string]bool{"addons": true, "services": true, "components": true, "send": true, "servers": true}

// decSectionBlocks are the fields written in HCL as a block without a
// label (resources { }).
var decSectionBlocks = map[string]bool{"resources": true, "permissions": true, "hosting": true, "mail": true, "dns": true,
	"customize": true, "button": true, "plesk": true, "labels": true, "server_selector": true}

func (d *decoder) unknown(e *Entry, obj decAddr, prefix string, valid []string) {
	where := ""
	if prefix != "" {
		where = " in " + strings.TrimSuffix(prefix, ".")
	}
	if typ, ok := d.file.block(e.Value); ok && decSectionBlocks[typ] && slices.Contains(valid, typ) {
		// resources "x" { }: a section block, written with a label.
		d.errorf(e.KeyRange, obj, prefix+typ, "a %s block takes no label: %s { ... }", typ, typ)
		return
	}
	if _, ok := d.file.block(e.Value); !ok && d.file != nil && d.file.Syntax == "hcl" && e.Value.Kind == MapNode &&
		decBlockLists[e.Key+"s"] && slices.Contains(valid, e.Key+"s") {
		// extension { }: a block that adds to a list, without its name.
		d.errorf(e.KeyRange, obj, prefix+e.Key, "%s %s block takes one label, its name: %s \"NAME\" { ... }", decArticle(e.Key), e.Key, e.Key)
		return
	}
	if typ, ok := d.file.block(e.Value); ok && slices.Contains(valid, typ) && !decSectionBlocks[typ] && !decBlockLists[typ] {
		// addons "X" { }: a field that is an attribute, written as a
		// block. No block type has its name, but the field is valid:
		// say how to write it.
		form := "..."
		if decListFields[typ] {
			form = "[ ... ]"
		}
		d.res.diags = append(d.res.diags, diag.Diagnostic{
			Severity: diag.Error,
			Summary:  fmt.Sprintf("unknown block type %q%s: %s is an attribute, not a block", typ, where, typ),
			Detail:   fmt.Sprintf("write %s = %s", typ, form),
			Subject:  e.KeyRange, Object: obj.String(), Path: prefix + typ,
		})
		return
	}
	if typ, ok := d.file.block(e.Value); ok {
		// An HCL block: name it as written, and suggest a block type
		// (extension "x" { } makes the list extensions).
		hint := ""
		var lists []string
		for _, f := range valid {
			if decBlockLists[f] {
				lists = append(lists, f)
			}
		}
		if best := strings.TrimSuffix(decSuggest(e.Key, lists), "s"); best != "" && best != typ {
			hint = fmt.Sprintf("; did you mean %q?", best)
		}
		d.res.diags = append(d.res.diags, diag.Diagnostic{
			Severity: diag.Error,
			Summary:  fmt.Sprintf("unknown block type %q%s%s", typ, where, hint),
			Detail:   "valid fields: " + strings.Join(valid, ", "),
			Subject:  e.KeyRange, Object: obj.String(), Path: prefix + typ,
		})
		return
	}
	if obj.kind == "subscription" && prefix == "" && decContains(decCustomizeFields, e.Key) {
		// hosting { } in a subscription: its own values go in customize.
		form := fmt.Sprintf("customize: {%s: {...}}", e.Key)
		if d.file != nil && d.file.Syntax == "hcl" {
			form = fmt.Sprintf("customize { %s { ... } }", e.Key)
		}
		d.res.diags = append(d.res.diags, diag.Diagnostic{
			Severity: diag.Error,
			Summary:  fmt.Sprintf("unknown field %q", e.Key),
			Detail:   "a subscription's own values go in customize: " + form,
			Subject:  e.KeyRange, Object: obj.String(), Path: e.Key,
		})
		return
	}
	d.res.diags = append(d.res.diags, diag.Diagnostic{
		Severity: diag.Error,
		Summary:  fmt.Sprintf("unknown field %q%s%s", e.Key, where, decDidYouMean(e.Key, valid)),
		Detail:   "valid fields: " + strings.Join(valid, ", "),
		Subject:  e.KeyRange, Object: obj.String(), Path: prefix + e.Key,
	})
}

// str decodes a free-text scalar; numbers are kept as written.
func (d *decoder) str(n *Node, obj decAddr, path string) (string, bool) {
	if n.Kind == ScalarNode {
		switch n.Type {
		case StringScalar, IntScalar, FloatScalar:
			return n.Text, true
		}
	}
	d.errorf(n.Range, obj, path, "expected a string, got %s", decDescribe(n))
	return "", false
}

// name decodes a non-empty name.
func (d *decoder) name(n *Node, obj decAddr, path string) (string, bool) {
	s, ok := d.str(n, obj, path)
	if !ok {
		return "", false
	}
	if strings.TrimSpace(s) == "" {
		d.errorf(n.Range, obj, path, "%s must not be empty", path)
		return "", false
	}
	return s, true
}

func (d *decoder) boolean(n *Node, obj decAddr, path string) (bool, bool) {
	if n.Kind == ScalarNode && n.Type == BoolScalar {
		return n.Text == "true", true
	}
	d.errorf(n.Range, obj, path, "expected true or false, got %s", decDescribe(n))
	return false, false
}

// list checks that n is a list and calls fn for every non-null item,
// recording each item's range as path[i].
func (d *decoder) list(n *Node, obj decAddr, path string, src *model.Src, fn func(i int, path string, item *Node)) {
	if n.Kind != ListNode {
		d.errorf(n.Range, obj, path, "expected a list, got %s", decDescribe(n))
		return
	}
	for i, item := range n.Items {
		p := decIndex(path, i)
		if decNull(item) {
			d.errorf(item.Range, obj, p, "list items must not be null")
			continue
		}
		if src != nil {
			src.SetField(p, item.Range)
		}
		fn(i, p, item)
	}
}

// blockList is list for a list of objects that HCL writes one labeled
// block per item (extension "NAME" { }): given a map there (extensions
// { } or extensions = { }), the error says so.
func (d *decoder) blockList(n *Node, obj decAddr, path, block string, src *model.Src, fn func(i int, path string, item *Node)) {
	if n.Kind == MapNode && d.file != nil && d.file.Syntax == "hcl" {
		d.res.diags = append(d.res.diags, diag.Diagnostic{
			Severity: diag.Error, Summary: fmt.Sprintf("expected a list, got %s", decDescribe(n)),
			Detail:  fmt.Sprintf("in HCL write one block per %s: %s \"NAME\" { ... }", block, block),
			Subject: n.Range, Object: obj.String(), Path: path,
		})
		return
	}
	d.list(n, obj, path, src, fn)
}

// names decodes a list of non-empty names, reporting duplicates.
//
// The ranges are recorded by the index in the list returned: an item
// refused (null, or not a name) is left out, and the errors about the
// items after it (an add-on not declared) must still point at them.
func (d *decoder) names(n *Node, obj decAddr, path string, src *model.Src) []string {
	if typ, ok := d.file.block(n); ok && n.Kind == ListNode {
		// service "premium" { } where a list of names is meant (a
		// plan's services, a subscription's addons): say to write the
		// list, once, at the first block.
		var labels []string
		for _, it := range n.Items {
			if it.Kind == MapNode && len(it.Entries) > 0 && it.Entries[0].Key == "name" && it.Entries[0].Value.Kind == ScalarNode {
				labels = append(labels, strconv.Quote(it.Entries[0].Value.Text))
			}
		}
		what, ok := decBlockNames[typ]
		if !ok {
			what = decArticle(typ) + " " + typ
		}
		field := strings.TrimSuffix(path, "s") + "s"
		if i := strings.LastIndexByte(field, '.'); i >= 0 {
			field = field[i+1:]
		}
		d.errorf(n.Range, obj, path, "%s %s block does not name %s here: %s is a list of names: write %s = [%s]",
			decArticle(typ), typ, what, field, field, strings.Join(labels, ", "))
		return nil
	}
	out := make([]string, 0, len(n.Items))
	d.list(n, obj, path, src, func(i int, p string, item *Node) {
		s, ok := d.name(item, obj, p)
		if !ok {
			return
		}
		out = append(out, s)
		if k := len(out) - 1; k != i && src != nil {
			src.SetField(decIndex(path, k), item.Range)
		}
	})
	return out
}

// login decodes an account login: lower-cased, checked for syntax.
// reserved says whether "admin" is refused (it is valid as an owner).
func (d *decoder) login(n *Node, obj decAddr, path string, reserved bool) (string, bool) {
	s, ok := d.str(n, obj, path)
	if !ok {
		return "", false
	}
	l := strings.ToLower(s)
	if msg := decCheckLogin(l); msg != "" {
		d.errorf(n.Range, obj, path, "invalid login %q: %s", s, msg)
		return "", false
	}
	if reserved && l == model.Admin {
		d.errorf(n.Range, obj, path, "login %q is reserved for the administrator", s)
		return "", false
	}
	if l != s {
		// Logins are lower-case (the panel's, and every reference's);
		// changing one silently would hide which account is meant. The
		// error stops the run; the checks between objects go on with the
		// login meant, so what refers to it in lower case finds it rather
		// than being told it is not declared.
		d.errorf(n.Range, obj, path, "login %q has upper-case letters: logins are lower-case, write %q", s, l)
	}
	return l, true
}

// ipAddress decodes an IPv4 or IPv6 address (no zone), returned in its
// canonical form: the server reports addresses that way, so a
// differently spelled but equal address is not a change.
func (d *decoder) ipAddress(n *Node, obj decAddr, path string) (string, bool) {
	s, ok := d.str(n, obj, path)
	if !ok {
		return "", false
	}
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil || a.Zone() != "" {
		d.errorf(n.Range, obj, path, "%q is not an IPv4 or IPv6 address (such as 192.0.2.20 or 2001:db8::20)", s)
		return "", false
	}
	return a.Unmap().String(), true
}

// owner decodes an owner: "admin" or a reseller login.
func (d *decoder) owner(n *Node, obj decAddr, path string) (string, bool) {
	return d.login(n, obj, path, false)
}

// decCheckLogin checks ^[a-z0-9][a-z0-9._@-]{0,63}$ on a lower-cased login.
func decCheckLogin(s string) string {
	if s == "" {
		return "it is empty"
	}
	if len(s) > 64 {
		return "it is longer than 64 characters"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '.' || c == '_' || c == '@' || c == '-':
			if i == 0 {
				return "it must start with a letter or a digit"
			}
		default:
			r, _ := utf8.DecodeRuneInString(s[i:]) // the character, not its first byte
			return fmt.Sprintf("%q is not allowed (letters, digits, '.', '_', '@' and '-' only)", r)
		}
	}
	return ""
}

// domain decodes a domain name: lower-cased, checked for syntax.
func (d *decoder) domain(n *Node, obj decAddr, path string) (string, bool) {
	s, ok := d.str(n, obj, path)
	if !ok {
		return "", false
	}
	l := strings.ToLower(s)
	// Checked as written, so that the message quotes what the user
	// wrote (an upper-case Ü, a label -Doe), not its lower-case form.
	if msg := decCheckDomain(s); msg != "" {
		d.errorf(n.Range, obj, path, "invalid domain %q: %s", s, msg)
		return "", false
	}
	return l, true
}

// decCheckDomain checks a host name: at least two labels of 1-63
// characters [A-Za-z0-9-], none starting or ending with '-', 253
// characters at most.
func decCheckDomain(s string) string {
	if s == "" {
		return "it is empty"
	}
	if len(s) > 253 {
		return "it is longer than 253 characters"
	}
	labels, start, digitsOnly := 0, 0, true
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			c := s[i]
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
				digitsOnly = false
			case c >= '0' && c <= '9':
			case c == '-':
				digitsOnly = false
			default:
				r, _ := utf8.DecodeRuneInString(s[i:]) // the character, not its first byte
				return fmt.Sprintf("%q is not allowed in a domain name (letters, digits and '-' only; use punycode xn--… for other scripts)", r)
			}
			continue
		}
		l := s[start:i]
		switch {
		case l == "" && i == len(s):
			// The DNS's absolute form (shop.example.): not how Plesk
			// names a subscription. What it says without the dot is
			// said first when that is refused too (10.0.0.1., example.):
			// the message never suggests a domain that is refused.
			if msg := decCheckDomain(s[:len(s)-1]); msg != "" {
				return msg
			}
			return fmt.Sprintf("it ends with a dot: write %q", s[:len(s)-1])
		case l == "":
			return "it has an empty label"
		case len(l) > 63:
			return fmt.Sprintf("label %q is longer than 63 characters", l)
		case l[0] == '-' || l[len(l)-1] == '-':
			return fmt.Sprintf("label %q starts or ends with '-'", l)
		}
		labels++
		if i < len(s) {
			digitsOnly = true
		}
		start = i + 1
	}
	if labels < 2 {
		return "a domain has at least two labels, such as example.com"
	}
	if digitsOnly {
		return "the top-level label is numeric; IP addresses are not domain names"
	}
	return ""
}

func (d *decoder) email(n *Node, obj decAddr, path string) (string, bool) {
	s, ok := d.str(n, obj, path)
	if !ok {
		return "", false
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		d.errorf(n.Range, obj, path, "invalid e-mail address %q", s)
		return "", false
	}
	if a.Name == "" && strings.ContainsRune(s[:strings.LastIndexByte(s, '@')+1], '"') {
		// "john doe"@doe.example: its address without the quotes is
		// no address; say what is refused instead.
		d.errorf(n.Range, obj, path, "invalid e-mail address %q: a quoted part before the @ is not accepted", s)
		return "", false
	}
	if a.Name != "" || a.Address != s {
		d.errorf(n.Range, obj, path, "write the bare e-mail address %q, without a display name or brackets", a.Address)
		return "", false
	}
	if strings.HasPrefix(s[strings.LastIndexByte(s, '@')+1:], "[") {
		// An address literal (john@[192.0.2.1]): an e-mail address of
		// Plesk's, as of the JSON Schema, names a domain after the @.
		d.errorf(n.Range, obj, path, "invalid e-mail address %q: after the @ is an IP address in brackets; write a domain name there (john@doe.example)", s)
		return "", false
	}
	return s, true
}

// urlValue checks an http or https URL with a host.
func (d *decoder) urlValue(n *Node, obj decAddr, path string) (string, bool) {
	s, ok := d.str(n, obj, path)
	if !ok {
		return "", false
	}
	if msg := decCheckURL(s); msg != "" {
		d.errorf(n.Range, obj, path, "invalid URL %q: %s", s, msg)
		return "", false
	}
	return s, true
}

func decCheckURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "it cannot be parsed"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "the scheme must be http or https"
	}
	if u.Host == "" || u.Hostname() == "" {
		return "it has no host"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "its port must be a number from 1 to 65535"
		}
	}
	if strings.ContainsFunc(s, unicode.IsSpace) {
		return "it contains a blank; write a space as %20"
	}
	return ""
}

// managedBy decodes managed_by: plansync (the default) or billing.
func (d *decoder) managedBy(n *Node, obj decAddr, path string) (string, bool) {
	s, ok := d.str(n, obj, path)
	if !ok {
		return "", false
	}
	if s != "plansync" && s != "billing" {
		d.errorf(n.Range, obj, path, "invalid managed_by %q; valid: plansync, billing%s", s, decDidYouMean(s, []string{"plansync", "billing"}))
		return "", false
	}
	if s == "plansync" {
		s = ""
	}
	return s, true
}

func (d *decoder) status(n *Node, obj decAddr, path string) (string, bool) {
	s, ok := d.str(n, obj, path)
	if !ok {
		return "", false
	}
	if s != "active" && s != "suspended" {
		d.errorf(n.Range, obj, path, "invalid status %q; valid: active, suspended%s", s, decDidYouMean(s, []string{"active", "suspended"}))
		return "", false
	}
	return s, true
}

// required reports fields missing from an object.
func (d *decoder) required(n *Node, obj decAddr, src *model.Src, names ...string) {
	for _, f := range names {
		// A field that is present is recorded even when its value is
		// invalid (that is reported already).
		if src.Has(f) {
			continue
		}
		if n.Get(f) != nil || d.file.refused(n, f) {
			continue // given an empty or a refused value: reported as such
		}
		d.errorf(n.Range, obj, f, "missing required field %q", f)
	}
}

// decKeyText returns the text of the key field of an item, for the object
// address of its diagnostics.
func decKeyText(n *Node, field string, lower bool) string {
	v := n.Get(field)
	if v == nil || v.Kind != ScalarNode || v.Type == NullScalar {
		return ""
	}
	if lower {
		return strings.ToLower(v.Text)
	}
	return v.Text
}

// decAddr is the address of the object a diagnostic is about, made
// into text only when there is something to report.
type decAddr struct{ kind, key string }

func (a decAddr) String() string {
	if a.key == "" {
		return a.kind
	}
	return a.kind + " " + a.key
}

func decObj(kind, key string) decAddr { return decAddr{kind: kind, key: key} }

// decItemAddr is the address the decoder gives the object n declares as
// an item of the top-level list listKey (or as the server map).
func decItemAddr(listKey string, n *Node) decAddr {
	switch listKey {
	case "server":
		return decAddr{kind: "server"}
	case "servers":
		return decAddr{kind: "server", key: decKeyText(n, "name", false)}
	case "services":
		return decObj("service", decKeyText(n, "name", false))
	case "service_plans", "addon_plans", "reseller_plans":
		kind := map[string]model.PlanKind{"service_plans": model.ServicePlanKind, "addon_plans": model.AddonPlanKind, "reseller_plans": model.ResellerPlanKind}[listKey]
		return decObj(string(kind), decPlanKey(n, kind))
	case "resellers":
		return decObj("reseller", decKeyText(n, "login", true))
	case "customers":
		return decObj("customer", decKeyText(n, "login", true))
	case "subscriptions":
		return decObj("subscription", decKeyText(n, "domain", true))
	case "subscriber_settings":
		return decObj("subscriber_settings", decKeyText(n, "domain", true))
	}
	return decAddr{}
}

// decPlanKey is the key of a plan in diagnostics: OWNER/NAME for a
// reseller's service or add-on plan.
func decPlanKey(n *Node, kind model.PlanKind) string {
	key := decKeyText(n, "name", false)
	if o := decKeyText(n, "owner", true); o != "" && kind != model.ResellerPlanKind && key != "" {
		key = model.PlanKey(o, key)
	}
	return key
}

// decNewSrc starts the source record of an object, with room for the
// ranges of its fields, list items and properties.
func decNewSrc(n *Node) model.Src {
	return model.Src{Decl: n.Range, Fields: make([]model.FieldRange, 0, decCountFields(n, 3))}
}

// decCountFields counts the entries and list items of n down to depth.
func decCountFields(n *Node, depth int) int {
	if depth == 0 {
		return 0
	}
	c := 0
	switch n.Kind {
	case MapNode:
		for i := range n.Entries {
			c += 1 + decCountFields(n.Entries[i].Value, depth-1)
		}
	case ListNode:
		c = len(n.Items)
	}
	return c
}

// decIndexPaths holds "field[i]" for the list fields and small indices,
// so recording the range of a list item costs no allocation.
var decIndexPaths = func() map[string][]string {
	m := map[string][]string{}
	for _, f := range []string{"addons", "services", "send", "components", "extensions"} {
		t := make([]string, 16)
		for i := range t {
			t[i] = f + "[" + strconv.Itoa(i) + "]"
		}
		m[f] = t
	}
	return m
}()

// decIndex returns the path of item i of a list field.
func decIndex(path string, i int) string {
	if t, ok := decIndexPaths[path]; ok && i < len(t) {
		return t[i]
	}
	return path + "[" + strconv.Itoa(i) + "]"
}

// decCustomizePaths holds "customize."+path for every section and fixed
// property path.
var decCustomizePaths = func() map[string]string {
	m := map[string]string{}
	for _, sec := range model.Sections {
		m[sec] = "customize." + sec
	}
	m["hosting.php_settings"] = "customize.hosting.php_settings"
	for _, p := range model.Catalog() {
		m[p.Path] = "customize." + p.Path
	}
	return m
}()

// decPrefixed returns prefix+path, without allocating for the common
// cases.
func decPrefixed(prefix, path string) string {
	switch prefix {
	case "":
		return path
	case "customize.":
		if s, ok := decCustomizePaths[path]; ok {
			return s
		}
	}
	return prefix + path
}

// ---------------------------------------------------------------------
// server and services.

var decServerFields = []string{"components", "extensions", "default_plan", "plesk"}

// decNamedServerFields are the fields of an item of servers.
var decNamedServerFields = append([]string{"name", "labels"}, decServerFields...)

// decCheckServerName says what is wrong with a server name ("" nothing).
func decCheckServerName(s string) string {
	if s == "" || len(s) > 63 {
		return "a server name has 1 to 63 characters"
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case i > 0 && (r == '-' || r == '_' || r == '.'):
		default:
			return "a server name is lower-case letters, digits, '-', '_' and '.', starting with a letter or digit"
		}
	}
	return ""
}

// serverName decodes a server name.
func (d *decoder) serverName(n *Node, obj decAddr, path string) (string, bool) {
	s, ok := d.name(n, obj, path)
	if !ok {
		return "", false
	}
	if msg := decCheckServerName(s); msg != "" {
		d.errorf(n.Range, obj, path, "invalid server name %q: %s", s, msg)
		return "", false
	}
	return s, true
}

// labels decodes a map of label names to values (labels, server_selector).
func (d *decoder) labels(n *Node, obj decAddr, path string, src *model.Src) map[string]string {
	if n.Kind != MapNode {
		d.errorf(n.Range, obj, path, "%s must be a map of label names to values, such as {tier: shared}; got %s", path, decDescribe(n))
		return nil
	}
	out := make(map[string]string, len(n.Entries))
	bad := false
	for i := range n.Entries {
		e := &n.Entries[i]
		if dup := decFindKey(n.Entries[:i], e.Key); dup != nil {
			d.res.diags = append(d.res.diags, diag.Diagnostic{Severity: diag.Error, Summary: fmt.Sprintf("%q is set twice", e.Key),
				Subject: e.KeyRange, Related: []diag.Range{dup.KeyRange}, Object: obj.String(), Path: path + "." + e.Key})
			continue
		}
		if decNull(e.Value) {
			d.nullValue(e, obj, path+".")
			bad = true
			continue
		}
		v, ok := d.str(e.Value, obj, path+"."+e.Key)
		if !ok {
			bad = true
			continue
		}
		if src != nil {
			src.SetField(path+"."+e.Key, e.Value.Range)
		}
		out[e.Key] = v
	}
	if bad && len(out) == 0 {
		// Every label had a bad value, each an error already: the
		// map is not empty as written (server_selector: {} is).
		return nil
	}
	return out
}

// ownerSlash says how to declare a plan of a reseller written as
// OWNER/NAME, the way show and --target name it; "" for another name.
func (d *decoder) ownerSlash(kind model.PlanKind, v string) string {
	owner, name, _ := strings.Cut(v, "/")
	if kind == model.ResellerPlanKind || owner == "" || name == "" || strings.Contains(name, "/") ||
		owner == model.Admin || decCheckLogin(owner) != "" {
		return ""
	}
	if d.file != nil && d.file.Syntax == "hcl" {
		return fmt.Sprintf("for a plan of reseller %s write %s %q { owner = %q }", owner, kind, name, owner)
	}
	return fmt.Sprintf("for a plan of reseller %s write {name: %s, owner: %s}", owner, name, owner)
}

// placement decodes servers and server_selector of a catalogue object;
// it reports whether e is one of them.
func (d *decoder) placement(e *Entry, obj decAddr, src *model.Src, p *model.Placement) bool {
	switch e.Key {
	case "servers":
		p.Servers = d.serverNames(e.Value, obj, src)
	case "server_selector":
		p.Selector = d.labels(e.Value, obj, "server_selector", src)
	default:
		return false
	}
	if len(p.Servers) > 0 && p.Selector != nil {
		d.errorf(e.KeyRange, obj, e.Key, "servers and server_selector are both set; place the object with one of them")
	}
	return true
}

// serverNames decodes a list of server names (servers: [web1, web2]).
func (d *decoder) serverNames(n *Node, obj decAddr, src *model.Src) []string {
	if n.Kind == ListNode && len(n.Items) == 0 {
		return []string{} // servers: [], an error (validate)
	}
	var out []string
	d.list(n, obj, "servers", src, func(i int, p string, item *Node) {
		if s, ok := d.serverName(item, obj, p); ok {
			if decContains(out, s) {
				d.errorf(item.Range, obj, p, "server %q is listed twice", s)
				return
			}
			out = append(out, s)
			// Ranges by the index in out, as names records them.
			if k := len(out) - 1; k != i && src != nil {
				src.SetField(decIndex("servers", k), item.Range)
			}
		}
	})
	return out
}

// namedServer decodes one item of servers: a server with a name and
// labels.
func (d *decoder) namedServer(n *Node) *model.Server {
	name := decKeyText(n, "name", false)
	obj := decAddr{kind: "server", key: name}
	var rest Node = *n
	rest.Entries = nil
	var nameNode, labelsNode *Entry
	for i := range n.Entries {
		switch n.Entries[i].Key {
		case "name":
			nameNode = &n.Entries[i]
		case "labels":
			labelsNode = &n.Entries[i]
		default:
			rest.Entries = append(rest.Entries, n.Entries[i])
		}
	}
	at := n.Range
	if nameNode != nil {
		at = nameNode.Value.Range
	}
	s := d.serverAs(&rest, at, obj, decNamedServerFields)
	if s == nil {
		return nil
	}
	if nameNode == nil || decNull(nameNode.Value) {
		if !d.file.refused(n, "name") {
			d.errorf(n.Range, obj, "name", "missing required field %q", "name")
		}
		return nil
	}
	s.Src.SetField("name", nameNode.Value.Range)
	var ok bool
	if s.Name, ok = d.serverName(nameNode.Value, obj, "name"); !ok {
		return nil
	}
	if labelsNode != nil {
		if decNull(labelsNode.Value) {
			// As for every other field: null is no value.
			d.nullValue(labelsNode, obj, "")
		} else {
			s.Labels = d.labels(labelsNode.Value, obj, "labels", &s.Src)
		}
	}
	return s
}

// server decodes the server map; its declaration is the place of the
// server key (YAML) or block type (HCL), at.
func (d *decoder) server(n *Node, at diag.Range) *model.Server {
	return d.serverAs(n, at, decAddr{kind: "server"}, decServerFields)
}

// serverAs decodes a server map as obj; valid are the field names
// offered in messages.
func (d *decoder) serverAs(n *Node, at diag.Range, obj decAddr, valid []string) *model.Server {
	if n.Kind != MapNode {
		d.errorf(n.Range, obj, "", "server must be a map, got %s", decDescribe(n))
		return nil
	}
	s := &model.Server{Src: decNewSrc(n)}
	s.Src.Decl = at
	d.fields(n, obj, "", &s.Src, valid, func(e *Entry) bool {
		switch e.Key {
		case "components":
			seen := map[string]int{}
			d.list(e.Value, obj, "components", &s.Src, func(i int, p string, item *Node) {
				c, ok := d.name(item, obj, p)
				if !ok {
					return
				}
				if j, dup := seen[c]; dup {
					d.res.diags = append(d.res.diags, diag.Diagnostic{Severity: diag.Warning,
						Summary: fmt.Sprintf("component %q is listed twice", c),
						Subject: item.Range, Related: []diag.Range{e.Value.Items[j].Range}, Object: obj.String(), Path: "components"})
					return
				}
				seen[c] = i
				s.Components = append(s.Components, c)
			})
		case "extensions":
			seen := map[string]diag.Range{}
			d.blockList(e.Value, obj, "extensions", "extension", &s.Src, func(_ int, p string, item *Node) {
				x, ok := d.extension(item, p)
				if !ok {
					return
				}
				if r, dup := seen[x.Name]; dup {
					d.res.diags = append(d.res.diags, diag.Diagnostic{Severity: diag.Error,
						Summary: fmt.Sprintf("extension %q is declared twice", x.Name),
						Subject: x.Src.At("name"), Related: []diag.Range{r}, Object: obj.String(), Path: "extensions"})
					return
				}
				seen[x.Name] = x.Src.At("name")
				s.Extensions = append(s.Extensions, x)
			})
		case "default_plan":
			s.DefaultPlan, _ = d.name(e.Value, obj, "default_plan")
		case "plesk":
			s.Plesk = d.plesk(e.Value, e.KeyRange, obj)
		default:
			return false
		}
		return true
	})
	return s
}

var decExtensionFields = []string{"name", "services"}

func (d *decoder) extension(n *Node, path string) (model.Extension, bool) {
	obj := decAddr{kind: "server"}
	if n.Kind != MapNode {
		d.errorf(n.Range, obj, path, "expected a map describing one extension, got %s", decDescribe(n))
		return model.Extension{}, false
	}
	x := model.Extension{Src: decNewSrc(n)}
	name := decKeyText(n, "name", false)
	xobj := decAddr{kind: "extension", key: name}
	d.fields(n, xobj, "", &x.Src, decExtensionFields, func(e *Entry) bool {
		switch e.Key {
		case "name":
			x.Name, _ = d.name(e.Value, xobj, "name")
		case "services":
			d.blockList(e.Value, xobj, "services", "service", &x.Src, func(_ int, p string, item *Node) {
				if item.Kind != MapNode {
					d.errorf(item.Range, xobj, p, "expected a map describing one service, got %s", decDescribe(item))
					return
				}
				if s := d.service(item, name); s != nil {
					x.Services = append(x.Services, s)
				}
			})
		default:
			return false
		}
		return true
	})
	d.required(n, xobj, &x.Src, "name")
	return x, x.Name != ""
}

var decServiceFields = []string{"name", "description", "button", "send", "available_to_resellers", "servers", "server_selector"}

// decExtServiceFields are the fields of a service an extension provides:
// it is on the servers where the extension is installed.
var decExtServiceFields = []string{"name", "description", "button", "send", "available_to_resellers"}
var decButtonFields = []string{"url", "background_image", "open_in_panel"}

// service decodes a custom plan option, or a service an extension
// provides when ext is set.
func (d *decoder) service(n *Node, ext string) *model.Service {
	s := &model.Service{AvailableToResellers: true, Extension: ext, Src: decNewSrc(n)}
	obj := decObj("service", decKeyText(n, "name", false))
	valid := decServiceFields
	if ext != "" {
		valid = decExtServiceFields
	}
	d.fields(n, obj, "", &s.Src, valid, func(e *Entry) bool {
		switch e.Key {
		case "name":
			s.Name, _ = d.name(e.Value, obj, "name")
		case "description":
			s.Description, _ = d.str(e.Value, obj, "description")
		case "button":
			s.Button = d.button(e.Value, obj, &s.Src)
		case "send":
			seen := map[string]int{}
			d.list(e.Value, obj, "send", &s.Src, func(i int, p string, item *Node) {
				v, ok := d.str(item, obj, p)
				if !ok {
					return
				}
				if !decContains(model.SendFields, v) {
					d.errorf(item.Range, obj, p, "%q cannot be sent; valid: %s%s", v, strings.Join(model.SendFields, ", "), decDidYouMean(v, model.SendFields))
					return
				}
				if j, dup := seen[v]; dup {
					d.res.diags = append(d.res.diags, diag.Diagnostic{Severity: diag.Error,
						Summary: fmt.Sprintf("%q is listed twice", v),
						Subject: item.Range, Related: []diag.Range{e.Value.Items[j].Range}, Object: obj.String(), Path: p})
					return
				}
				seen[v] = i
				s.Send = append(s.Send, v)
			})
		case "available_to_resellers":
			if b, ok := d.boolean(e.Value, obj, "available_to_resellers"); ok {
				s.AvailableToResellers = b
			}
		case "servers", "server_selector":
			if ext != "" {
				return false // an extension's services are where it is installed
			}
			d.placement(e, obj, &s.Src, &s.Placement)
		default:
			return false
		}
		return true
	})
	d.required(n, obj, &s.Src, "name")
	if s.Name == "" {
		return nil
	}
	// What a service sends goes with its button's request: without a
	// button nothing is sent (and Plesk keeps no such list).
	if send := n.Get("send"); send != nil && n.Get("button") == nil && len(s.Send) > 0 {
		d.warn(send.Range, obj, "send", "nothing is sent without a button", "add a button (url) to the service, or remove send")
	}
	return s
}

func (d *decoder) button(n *Node, obj decAddr, src *model.Src) *model.Button {
	if n.Kind != MapNode {
		d.errorf(n.Range, obj, "button", "expected a map (url, background_image, open_in_panel), got %s", decDescribe(n))
		return nil
	}
	b := &model.Button{}
	d.fields(n, obj, "button.", src, decButtonFields, func(e *Entry) bool {
		switch e.Key {
		case "url":
			b.URL, _ = d.urlValue(e.Value, obj, "button.url")
			if u, err := url.Parse(b.URL); err == nil && u.User != nil {
				if _, has := u.User.Password(); has {
					d.warn(e.Value.Range, obj, "button.url", "the URL holds a password, shown in clear in plans, the recorded state and the panel, and sent to every subscriber's browser", "let the service authenticate the request otherwise (the values the button sends), or leave the password out")
				}
			}
		case "background_image":
			v, ok := d.name(e.Value, obj, "button.background_image")
			if ok && strings.Contains(v, "://") {
				if msg := decCheckURL(v); msg != "" {
					d.errorf(e.Value.Range, obj, "button.background_image", "invalid URL %q: %s", v, msg)
					ok = false
				}
			}
			if ok {
				b.BackgroundImage = v
			}
		case "open_in_panel":
			b.OpenInPanel, _ = d.boolean(e.Value, obj, "button.open_in_panel")
		default:
			return false
		}
		return true
	})
	if n.Get("url") == nil && !d.file.refused(n, "url") {
		d.errorf(n.Range, obj, "button.url", "missing required field %q", "url")
	}
	return b
}

func decContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------
// Plans.

var (
	decServicePlanFields  = []string{"name", "owner", "description", "resources", "permissions", "hosting", "mail", "dns", "services", "servers", "server_selector"}
	decResellerPlanFields = []string{"name", "owner", "description", "resources", "permissions", "oversell", "services", "servers", "server_selector"}
)

func (d *decoder) plan(n *Node, kind model.PlanKind) *model.Plan {
	p := &model.Plan{Kind: kind, Owner: model.Admin, Props: model.Props{}, Src: decNewSrc(n)}
	obj := decObj(string(kind), decPlanKey(n, kind))
	ctx, valid := decCtxServicePlan, decServicePlanFields
	switch kind {
	case model.AddonPlanKind:
		ctx = decCtxAddonPlan
	case model.ResellerPlanKind:
		ctx, valid = decCtxResellerPlan, decResellerPlanFields
	}
	var oversell, resOversell *Node
	d.fields(n, obj, "", &p.Src, valid, func(e *Entry) bool {
		switch e.Key {
		case "name":
			if v, ok := d.name(e.Value, obj, "name"); ok {
				if strings.EqualFold(v, model.None) {
					d.errorf(e.Value.Range, obj, "name", "%q is reserved: plan none means a custom subscription", v)
				} else if strings.Contains(v, "/") {
					d.res.diags = append(d.res.diags, diag.Diagnostic{
						Severity: diag.Error, Summary: "a plan name must not contain '/'", Detail: d.ownerSlash(kind, v),
						Subject: e.Value.Range, Object: obj.String(), Path: "name",
					})
				} else {
					p.Name = v
				}
			}
		case "owner":
			v, ok := d.owner(e.Value, obj, "owner")
			switch {
			case ok && kind == model.ResellerPlanKind && v != model.Admin:
				d.errorf(e.Value.Range, obj, "owner", "reseller plans are owned by the admin only, not %q", v)
			case ok:
				p.Owner = v
			case kind != model.ResellerPlanKind:
				// An owner that is no login: the plan is nobody's, not
				// the admin's, and is left out of the merged config.
				p.Owner = ""
			}
		case "description":
			p.Description, _ = d.str(e.Value, obj, "description")
		case "hosting", "mail", "dns":
			d.section(e.Value, e.Key, ctx, p.Props, obj, "", &p.Src)
			if kind == model.ResellerPlanKind && e.Value != nil && len(e.Value.Entries) == 0 {
				d.errorf(e.Value.Range, obj, e.Key, "reseller plans carry no hosting, mail or DNS parameters; they belong in service plans")
			}
		case "resources", "permissions":
			if r := d.section(e.Value, e.Key, ctx, p.Props, obj, "", &p.Src); r != nil {
				resOversell = r
			}
		case "services":
			p.Services = d.names(e.Value, obj, "services", &p.Src)
		case "oversell":
			if kind != model.ResellerPlanKind {
				return false
			}
			oversell = e.Value
		case "servers", "server_selector":
			d.placement(e, obj, &p.Src, &p.Placement)
		default:
			return false
		}
		return true
	})
	p.Oversell = d.oversell(oversell, resOversell, obj, &p.Src)
	d.required(n, obj, &p.Src, "name")
	return p
}

// oversell decodes a reseller's oversell policy, written either as
// oversell or as resources.oversell.
func (d *decoder) oversell(top, inRes *Node, obj decAddr, src *model.Src) bool {
	switch {
	case top != nil && inRes != nil:
		d.res.diags = append(d.res.diags, diag.Diagnostic{Severity: diag.Error,
			Summary: "oversell is set twice, as oversell and as resources.oversell; keep one",
			Subject: inRes.Range, Related: []diag.Range{top.Range}, Object: obj.String(), Path: "resources.oversell"})
		return false
	case top != nil:
		b, _ := d.boolean(top, obj, "oversell")
		return b
	case inRes != nil:
		b, _ := d.boolean(inRes, obj, "resources.oversell")
		src.SetField("oversell", inRes.Range)
		return b
	}
	return false
}

// decCtx is the object a property set belongs to; it decides which
// catalogue properties may appear.
type decCtx uint8

const (
	decCtxServicePlan decCtx = iota
	decCtxAddonPlan
	decCtxResellerPlan
	decCtxReseller  // a reseller's own allocation (plan none)
	decCtxCustomize // a subscription's customisation
	decCtxSettings  // subscriber settings
)

func (c decCtx) where() model.Where {
	switch c {
	case decCtxAddonPlan:
		return model.InAddonPlan
	case decCtxResellerPlan, decCtxReseller:
		return model.InResellerPlan
	case decCtxCustomize:
		return model.InCustomize
	}
	return model.InServicePlan
}

// decCatalog indexes the fixed catalogue by section and key.
var decCatalog = func() map[string]map[string]*model.Prop {
	m := map[string]map[string]*model.Prop{}
	for _, sec := range model.Sections {
		m[sec] = map[string]*model.Prop{}
	}
	for _, p := range model.Catalog() {
		sec, key, _ := strings.Cut(p.Path, ".")
		m[sec][key] = model.Lookup(p.Path)
	}
	return m
}()

// decSectionKeys lists the keys of a section valid in a context.
func decSectionKeys(section string, ctx decCtx) []string {
	var out []string
	for _, p := range model.Catalog() {
		sec, key, _ := strings.Cut(p.Path, ".")
		if sec == section && decAllowed(ctx, &p) {
			out = append(out, key)
		}
	}
	if section == "hosting" && decAllowed(ctx, model.Lookup(model.PHPSettingsPrefix+"memory_limit")) {
		out = append(out, "php_settings")
	}
	if section == "resources" && (ctx == decCtxResellerPlan || ctx == decCtxReseller) {
		out = append(out, "oversell")
	}
	return out
}

func decAllowed(ctx decCtx, p *model.Prop) bool {
	if ctx == decCtxSettings {
		return p.Permission != ""
	}
	return p.Where&ctx.where() != 0
}

// decWhereError explains why a property may not appear in a context.
func decWhereError(ctx decCtx, p *model.Prop) (summary, detail string) {
	path := p.Path
	resellerOnly := p.Where&(model.InServicePlan|model.InAddonPlan|model.InCustomize) == 0
	switch ctx {
	case decCtxSettings:
		var can []string
		for _, q := range model.Catalog() {
			if q.Permission != "" {
				can = append(can, q.Path)
			}
		}
		can = append(can, model.PHPSettingsPrefix+"*")
		return fmt.Sprintf("%s is not a setting a subscriber can change", path), "subscribers may change " + strings.Join(can, ", ")
	case decCtxAddonPlan:
		switch {
		case path == "resources.overuse":
			return "add-on plans carry no overuse policy; resources.overuse comes from the service plan only", ""
		case resellerOnly:
			return fmt.Sprintf("%s belongs to reseller plans only", path), ""
		}
		return fmt.Sprintf("add-on plans carry no enumerated settings; %s comes from the service plan only", path),
			"add-ons add up limits and switch on/off features on; PHP version and handler, SSH, web statistics, webmail, antivirus mode, DNS zone type and PHP settings are set by the service plan"
	case decCtxResellerPlan, decCtxReseller:
		what := "reseller plans carry"
		if ctx == decCtxReseller {
			what = "a reseller's allocation carries"
		}
		return fmt.Sprintf("%s no hosting, mail or DNS parameters; %s belongs in service plans", what, path), ""
	case decCtxCustomize:
		if resellerOnly {
			return fmt.Sprintf("%s belongs to reseller plans only; it cannot be customised on a subscription", path), ""
		}
		return fmt.Sprintf("%s cannot be customised on a subscription", path), ""
	}
	if resellerOnly {
		return fmt.Sprintf("%s belongs to reseller plans only", path), ""
	}
	return fmt.Sprintf("%s cannot be set in a service plan", path), ""
}

// section decodes one property section (resources, permissions, hosting,
// mail, dns) into props. Field ranges are recorded in src under
// srcPrefix+path. In a reseller context the resources.oversell node is
// returned rather than decoded.
func (d *decoder) section(n *Node, section string, ctx decCtx, props model.Props, obj decAddr, srcPrefix string, src *model.Src) (oversell *Node) {
	if n.Kind != MapNode {
		d.errorf(n.Range, obj, srcPrefix+section, "expected a map of %s, got %s", section, decDescribe(n))
		return nil
	}
	keys := decCatalog[section]
	for i := range n.Entries {
		e := &n.Entries[i]
		if decNull(e.Value) {
			d.nullValue(e, obj, srcPrefix+section+".")
			continue
		}
		if dup := decFindKey(n.Entries[:i], e.Key); dup != nil {
			d.res.diags = append(d.res.diags, diag.Diagnostic{Severity: diag.Error,
				Summary: fmt.Sprintf("%q is set twice", e.Key),
				Subject: e.KeyRange, Related: []diag.Range{dup.KeyRange}, Object: obj.String(), Path: srcPrefix + section + "." + e.Key})
			continue
		}
		if section == "hosting" && e.Key == "php_settings" {
			d.phpSettings(e, ctx, props, obj, srcPrefix, src)
			continue
		}
		if section == "resources" && e.Key == "oversell" && (ctx == decCtxResellerPlan || ctx == decCtxReseller) {
			oversell = e.Value
			continue
		}
		p := keys[e.Key]
		if p == nil {
			d.unknown(e, obj, srcPrefix+section+".", decSectionKeys(section, ctx))
			continue
		}
		if !decAllowed(ctx, p) {
			s, detail := decWhereError(ctx, p)
			d.res.diags = append(d.res.diags, diag.Diagnostic{Severity: diag.Error, Summary: s, Detail: detail,
				Subject: e.KeyRange, Object: obj.String(), Path: srcPrefix + p.Path})
			continue
		}
		if v, ok := d.value(e.Value, p, obj, decPrefixed(srcPrefix, p.Path)); ok {
			props[p.Path] = v
			src.SetField(decPrefixed(srcPrefix, p.Path), e.Value.Range)
			if ctx == decCtxAddonPlan && v.K == model.KindBool && v.N == 0 {
				// Add-ons OR their on/off values into the plan's (SPEC
				// §1.2): false switches nothing off.
				d.warn(e.Value.Range, obj, p.Path, "false has no effect in an add-on plan",
					"an add-on switches features and permissions on, never off: the subscription keeps its service plan's value; leave the key out, or set it to false in the service plan or in a subscription's customize")
			}
		}
	}
	src.SetField(decPrefixed(srcPrefix, section), n.Range)
	return oversell
}

func (d *decoder) phpSettings(e *Entry, ctx decCtx, props model.Props, obj decAddr, srcPrefix string, src *model.Src) {
	proto := model.Lookup(model.PHPSettingsPrefix + "memory_limit")
	if !decAllowed(ctx, proto) {
		s, detail := decWhereError(ctx, &model.Prop{Path: "hosting.php_settings", Where: proto.Where, Permission: proto.Permission})
		d.res.diags = append(d.res.diags, diag.Diagnostic{Severity: diag.Error, Summary: s, Detail: detail,
			Subject: e.KeyRange, Object: obj.String(), Path: srcPrefix + "hosting.php_settings"})
		return
	}
	n := e.Value
	if n.Kind != MapNode {
		d.errorf(n.Range, obj, srcPrefix+"hosting.php_settings", "expected a map of php.ini settings, got %s", decDescribe(n))
		return
	}
	for i := range n.Entries {
		s := &n.Entries[i]
		path := model.PHPSettingsPrefix + s.Key
		if decNull(s.Value) {
			d.nullValue(s, obj, srcPrefix+model.PHPSettingsPrefix)
			continue
		}
		if dup := decFindKey(n.Entries[:i], s.Key); dup != nil {
			d.res.diags = append(d.res.diags, diag.Diagnostic{Severity: diag.Error,
				Summary: fmt.Sprintf("%q is set twice", s.Key),
				Subject: s.KeyRange, Related: []diag.Range{dup.KeyRange}, Object: obj.String(), Path: srcPrefix + path})
			continue
		}
		if !model.ValidPHPSetting(s.Key) {
			d.errorf(s.KeyRange, obj, srcPrefix+path, "%q is not a php.ini directive name (lower-case letters, digits, '_' and '.')", s.Key)
			continue
		}
		v := s.Value
		if v.Kind != ScalarNode {
			d.errorf(v.Range, obj, srcPrefix+path, "expected a php.ini value (a string, number or boolean), got %s", decDescribe(v))
			continue
		}
		if t := strings.TrimSpace(v.Text); t != v.Text {
			// php.ini (and the server) keep a value without them: sent
			// as written, it would come back changed, as drift.
			d.errorf(v.Range, obj, srcPrefix+path, "php.ini value %q starts or ends with blanks, which php.ini and the server drop: write %q", v.Text, t)
			continue
		}
		props[path] = model.String(v.Text)
		src.SetField(srcPrefix+path, v.Range)
	}
	src.SetField(decPrefixed(srcPrefix, "hosting.php_settings"), n.Range)
}

// value decodes one property value by its catalogue kind.
func (d *decoder) value(n *Node, p *model.Prop, obj decAddr, path string) (model.Value, bool) {
	bad := func(want string) (model.Value, bool) {
		d.errorf(n.Range, obj, path, "expected %s, got %s", want, decDescribe(n))
		return model.Value{}, false
	}
	switch p.Kind {
	case model.KindSize:
		const want = "a size such as 10GiB (or a whole number of bytes, or unlimited)"
		if n.Kind != ScalarNode {
			return bad(want)
		}
		switch n.Type {
		case IntScalar:
			return d.limit(n, obj, path, "size", model.Size)
		case StringScalar:
			if n.Text == "unlimited" {
				return model.Size(model.Unlimited), true
			}
			parse := model.ParseSize
			if p.Path == "resources.traffic" {
				parse = model.ParseTraffic
			}
			v, err := parse(n.Text)
			if err != nil {
				hint := ""
				if strings.Contains(n.Text, "/mo") && p.Path != "resources.traffic" {
					hint = "; only traffic is per month"
				}
				d.errorf(n.Range, obj, path, "%s%s", err.Error(), hint)
				return model.Value{}, false
			}
			return model.Size(v), true
		case FloatScalar:
			if decDecimal(n.Text) { // an integer too large for YAML's int
				return d.limit(n, obj, path, "size", model.Size)
			}
			if strings.HasPrefix(n.Text, "-") {
				d.errorf(n.Range, obj, path, "size %s is negative; write unlimited for no limit", n.Text)
				return model.Value{}, false
			}
		}
		return bad(want)
	case model.KindCount:
		const want = "a count (a whole number or unlimited)"
		if n.Kind != ScalarNode {
			return bad(want)
		}
		switch n.Type {
		case IntScalar:
			return d.limit(n, obj, path, "count", model.Count)
		case StringScalar:
			if n.Text == "unlimited" {
				return model.Count(model.Unlimited), true
			}
			if decDecimal(n.Text) {
				return d.limit(n, obj, path, "count", model.Count)
			}
			return bad(want)
		case FloatScalar:
			if decDecimal(n.Text) { // an integer too large for YAML's int
				return d.limit(n, obj, path, "count", model.Count)
			}
			if strings.HasPrefix(n.Text, "-") {
				d.errorf(n.Range, obj, path, "count %s is negative; write unlimited for no limit", n.Text)
				return model.Value{}, false
			}
		}
		return bad(want)
	case model.KindBool:
		if n.Kind == ScalarNode && n.Type == BoolScalar {
			return model.Bool(n.Text == "true"), true
		}
		return bad("true or false")
	case model.KindString:
		if n.Kind == ScalarNode {
			switch n.Type {
			case StringScalar, IntScalar, FloatScalar:
				if p.Path == "hosting.php_version" && !decPHPVersion(n.Text) {
					d.errorf(n.Range, obj, path, "%q is not a PHP version: write major.minor, such as \"8.3\"", n.Text)
					return model.Value{}, false
				}
				return model.String(n.Text), true
			}
		}
		return bad("a string")
	case model.KindEnum:
		if n.Kind == ScalarNode && n.Type != NullScalar {
			if decContains(p.Enum, n.Text) {
				return model.Enum(n.Text), true
			}
			d.errorf(n.Range, obj, path, "invalid value %q; valid: %s%s", n.Text, strings.Join(p.Enum, ", "), decDidYouMean(n.Text, p.Enum))
			return model.Value{}, false
		}
		return bad("one of " + strings.Join(p.Enum, ", "))
	case model.KindDuration:
		const want = "a duration such as 30d, 6mo, 1y or unlimited"
		if n.Kind != ScalarNode || n.Type != StringScalar {
			return bad(want)
		}
		v, err := model.ParseDuration(n.Text)
		if err == nil {
			err = model.CheckExpiration(v)
		}
		if err != nil {
			d.errorf(n.Range, obj, path, "%s", err.Error())
			return model.Value{}, false
		}
		return v, true
	}
	return bad("a value")
}

// decPHPVersion reports whether s is a PHP version as components name
// them: major.minor ("8.3", "7.4").
func decPHPVersion(s string) bool {
	major, minor, ok := strings.Cut(s, ".")
	return ok && decDecimal(major) && decDecimal(minor) && major[0] != '+' && major[0] != '-' && minor[0] != '+' && minor[0] != '-'
}

// decDecimal reports whether s is a whole number in plain decimal digits,
// with an optional sign.
func decDecimal(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// limit decodes a size in bytes or a count written as an integer: plain
// decimal digits (not 0x10, 0o17 or 1_000, and without a sign: not +5
// or -0), not negative, at most model.MaxLimit.
func (d *decoder) limit(n *Node, obj decAddr, path, what string, mk func(int64) model.Value) (model.Value, bool) {
	if !decDecimal(n.Text) {
		d.errorf(n.Range, obj, path, "%s %s is not a plain decimal number (write digits only, e.g. 1000)", what, n.Text)
		return model.Value{}, false
	}
	if digits := n.Text[1:]; n.Text[0] == '+' || n.Text[0] == '-' && strings.Trim(digits, "0") == "" {
		// A sign on a whole number, or a minus on zero: digits only
		// are written, as in the JSON Schema's strings and in fmt.
		if digits = strings.TrimLeft(digits, "0"); digits == "" {
			digits = "0"
		}
		d.errorf(n.Range, obj, path, "%s %s has a sign; write digits only: %s", what, n.Text, digits)
		return model.Value{}, false
	}
	v, err := strconv.ParseInt(n.Text, 10, 64)
	switch {
	case err == nil && v < 0, err != nil && strings.HasPrefix(n.Text, "-"):
		d.errorf(n.Range, obj, path, "%s %s is negative; write unlimited for no limit", what, n.Text)
		return model.Value{}, false
	case err != nil || v > model.MaxLimit:
		max := "9007199254740992 (2^53)"
		if what == "size" {
			max = "8 PiB"
		}
		d.errorf(n.Range, obj, path, "%s %s is too large (at most %s; write unlimited for no limit)", what, n.Text, max)
		return model.Value{}, false
	}
	return mk(v), true
}

// ---------------------------------------------------------------------
// Accounts.

var decResellerFields = []string{"login", "renamed_from", "password", "name", "company", "email", "phone", "address",
	"plan", "resources", "permissions", "services", "oversell", "status", "description", "managed_by", "servers"}

func (d *decoder) reseller(n *Node) *model.Reseller {
	r := &model.Reseller{Status: "active", Src: decNewSrc(n)}
	obj := decObj("reseller", decKeyText(n, "login", true))
	var alloc []*Entry // explicit allocation fields, allowed with plan none only
	var props model.Props
	var oversell, resOversell *Node
	d.fields(n, obj, "", &r.Src, decResellerFields, func(e *Entry) bool {
		if d.contact(e, obj, &r.Contact) {
			return true
		}
		switch e.Key {
		case "login":
			r.Login, _ = d.login(e.Value, obj, "login", true)
		case "renamed_from":
			r.RenamedFrom, _ = d.login(e.Value, obj, "renamed_from", true)
		case "password":
			r.Password = d.secret(e.Value, obj, "password")
		case "plan":
			if v, ok := d.name(e.Value, obj, "plan"); ok {
				r.Plan = v
			}
		case "resources", "permissions":
			alloc = append(alloc, e)
			if props == nil {
				props = model.Props{}
			}
			if o := d.section(e.Value, e.Key, decCtxReseller, props, obj, "", &r.Src); o != nil {
				resOversell = o
			}
		case "services":
			alloc = append(alloc, e)
			r.Services = d.names(e.Value, obj, "services", &r.Src)
		case "oversell":
			alloc = append(alloc, e)
			oversell = e.Value
		case "status":
			r.Status, _ = d.status(e.Value, obj, "status")
		case "description":
			r.Description, _ = d.str(e.Value, obj, "description")
		case "managed_by":
			r.ManagedBy, _ = d.managedBy(e.Value, obj, "managed_by")
		case "servers":
			r.Servers = d.serverNames(e.Value, obj, &r.Src)
		default:
			return false
		}
		return true
	})
	r.Props = props
	r.Oversell = d.oversell(oversell, resOversell, obj, &r.Src)
	if r.Plan != "" && r.Plan != model.None {
		for _, e := range alloc {
			d.errorf(e.KeyRange, obj, e.Key, "an explicit allocation (%s) is allowed only with plan none; reseller plan %q sets this reseller's allocation", e.Key, r.Plan)
		}
	}
	d.required(n, obj, &r.Src, "login", "plan")
	return r
}

var decCustomerFields = []string{"login", "renamed_from", "password", "name", "company", "email", "phone", "address",
	"owner", "status", "description", "admin_description", "managed_by", "servers"}

func (d *decoder) customer(n *Node) *model.Customer {
	c := &model.Customer{Owner: model.Admin, Status: "active", Src: decNewSrc(n)}
	obj := decObj("customer", decKeyText(n, "login", true))
	d.fields(n, obj, "", &c.Src, decCustomerFields, func(e *Entry) bool {
		if d.contact(e, obj, &c.Contact) {
			return true
		}
		switch e.Key {
		case "login":
			c.Login, _ = d.login(e.Value, obj, "login", true)
		case "renamed_from":
			c.RenamedFrom, _ = d.login(e.Value, obj, "renamed_from", true)
		case "password":
			c.Password = d.secret(e.Value, obj, "password")
		case "owner":
			// An owner that is no login leaves the owner unknown (""),
			// not the admin's: the checks that depend on it are skipped
			// rather than reporting errors that are not true.
			c.Owner, _ = d.owner(e.Value, obj, "owner")
		case "status":
			c.Status, _ = d.status(e.Value, obj, "status")
		case "description":
			c.Description, _ = d.str(e.Value, obj, "description")
		case "admin_description":
			c.AdminDescription, _ = d.str(e.Value, obj, "admin_description")
		case "managed_by":
			c.ManagedBy, _ = d.managedBy(e.Value, obj, "managed_by")
		case "servers":
			c.Servers = d.serverNames(e.Value, obj, &c.Src)
		default:
			return false
		}
		return true
	})
	d.required(n, obj, &c.Src, "login")
	return c
}

// contact decodes the contact fields shared by resellers and customers.
func (d *decoder) contact(e *Entry, obj decAddr, c *model.Contact) bool {
	switch e.Key {
	case "name":
		c.Name, _ = d.str(e.Value, obj, "name")
		if c.Name != "" && strings.TrimSpace(c.Name) == "" {
			d.errorf(e.Value.Range, obj, "name", "name %q is only blanks: give a name, or leave it out (the login stands for it)", c.Name)
			c.Name = ""
		}
	case "company":
		c.Company, _ = d.str(e.Value, obj, "company")
	case "email":
		c.Email, _ = d.email(e.Value, obj, "email")
	case "phone":
		c.Phone, _ = d.str(e.Value, obj, "phone")
	case "address":
		c.Address, _ = d.str(e.Value, obj, "address")
	default:
		return false
	}
	return true
}

// ---------------------------------------------------------------------
// Subscriptions and subscriber settings.

var decSubscriptionFields = []string{"domain", "renamed_from", "customer", "owner", "plan", "addons", "customize",
	"status", "expires", "ftp_login", "ftp_password", "ip_address", "managed_by", "server"}

var decCustomizeFields = []string{"resources", "permissions", "hosting", "mail", "dns"}

func (d *decoder) subscription(n *Node) *model.Subscription {
	s := &model.Subscription{Status: "active", Src: decNewSrc(n)}
	obj := decObj("subscription", decKeyText(n, "domain", true))
	d.fields(n, obj, "", &s.Src, decSubscriptionFields, func(e *Entry) bool {
		switch e.Key {
		case "domain":
			s.Domain, _ = d.domain(e.Value, obj, "domain")
		case "renamed_from":
			s.RenamedFrom, _ = d.domain(e.Value, obj, "renamed_from")
		case "customer":
			if v, ok := d.login(e.Value, obj, "customer", false); ok {
				if v == model.Admin {
					d.errorf(e.Value.Range, obj, "customer", "admin is not a customer; leave customer out for an own subscription of the admin")
				} else {
					s.Customer = v
				}
			}
		case "owner":
			s.Owner, _ = d.owner(e.Value, obj, "owner")
		case "plan":
			s.Plan, _ = d.name(e.Value, obj, "plan")
		case "addons":
			s.Addons = d.names(e.Value, obj, "addons", &s.Src)
		case "customize":
			s.Customize = d.customize(e.Value, obj, &s.Src)
		case "status":
			s.Status, _ = d.status(e.Value, obj, "status")
		case "managed_by":
			s.ManagedBy, _ = d.managedBy(e.Value, obj, "managed_by")
		case "server":
			s.Server, _ = d.serverName(e.Value, obj, "server")
		case "expires":
			if e.Value.Kind != ScalarNode || e.Value.Type == BoolScalar {
				d.errorf(e.Value.Range, obj, "expires", "expected a date such as 2027-01-31, got %s", decDescribe(e.Value))
				break
			}
			t, err := model.ParseDate(e.Value.Text)
			if err != nil {
				d.errorf(e.Value.Range, obj, "expires", "%s", err.Error())
				break
			}
			s.Expires = &t
		case "ftp_login":
			s.FTPLogin, _ = d.login(e.Value, obj, "ftp_login", false)
		case "ftp_password":
			s.FTPPassword = d.secret(e.Value, obj, "ftp_password")
		case "ip_address":
			s.IPAddress, _ = d.ipAddress(e.Value, obj, "ip_address")
		default:
			return false
		}
		return true
	})
	if s.Owner == "" && s.Customer == "" {
		// Neither written: an own subscription of the admin. A customer
		// or an owner written but invalid leaves the owner unknown ("").
		if !s.Src.Has("customer") && !s.Src.Has("owner") {
			s.Owner = model.Admin
		}
	}
	d.required(n, obj, &s.Src, "domain", "plan")
	return s
}

// customize decodes a subscription's customisation; present, even empty,
// it is a non-nil Props.
func (d *decoder) customize(n *Node, obj decAddr, src *model.Src) model.Props {
	props := model.Props{}
	if n.Kind != MapNode {
		d.errorf(n.Range, obj, "customize", "expected a map of %s, got %s", strings.Join(decCustomizeFields, ", "), decDescribe(n))
		return props
	}
	d.fields(n, obj, "customize.", nil, decCustomizeFields, func(e *Entry) bool {
		switch e.Key {
		case "resources", "permissions", "hosting", "mail", "dns":
			d.section(e.Value, e.Key, decCtxCustomize, props, obj, "customize.", src)
			return true
		}
		return false
	})
	return props
}

var decSettingsFields = []string{"domain", "hosting", "mail", "dns"}

func (d *decoder) settings(n *Node) *model.SubscriberSettings {
	s := &model.SubscriberSettings{Props: model.Props{}, Src: decNewSrc(n)}
	obj := decObj("subscriber_settings", decKeyText(n, "domain", true))
	d.fields(n, obj, "", &s.Src, decSettingsFields, func(e *Entry) bool {
		switch e.Key {
		case "domain":
			s.Domain, _ = d.domain(e.Value, obj, "domain")
		case "hosting", "mail", "dns":
			d.section(e.Value, e.Key, decCtxSettings, s.Props, obj, "", &s.Src)
		default:
			return false
		}
		return true
	})
	d.required(n, obj, &s.Src, "domain")
	return s
}

// ---------------------------------------------------------------------
// Suggestions.

// decDidYouMean returns `; did you mean "x"?` when a valid word is close
// to s, else "".
func decDidYouMean(s string, valid []string) string {
	if best := decSuggest(s, valid); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return ""
}

// decSuggest returns the valid word close to s, or "".
func decSuggest(s string, valid []string) string {
	best, bestD := "", 1<<30
	ls := strings.ToLower(s)
	for _, v := range valid {
		if dd := decDistance(ls, strings.ToLower(v)); dd < bestD {
			best, bestD = v, dd
		}
	}
	limit := max(1, min(3, len(s)/3))
	if best == "" || bestD > limit || best == s {
		return ""
	}
	return best
}

// decDistance is the optimal string alignment distance between a and
// b (bytes): Levenshtein, with a swap of two neighbours costing one.
func decDistance(a, b string) int {
	// Three rows: i-2, i-1 and i.
	rows := make([]int, 3*(len(b)+1))
	pp, prev, cur := rows[:len(b)+1], rows[len(b)+1:2*(len(b)+1)], rows[2*(len(b)+1):]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], pp[j-2]+1)
			}
		}
		pp, prev, cur = prev, cur, pp
	}
	return prev[len(b)]
}

// decArticle is the indefinite article of a word.
func decArticle(w string) string {
	if w != "" && strings.ContainsRune("aeiou", rune(w[0])) {
		return "an"
	}
	return "a"
}
