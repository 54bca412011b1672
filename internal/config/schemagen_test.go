package config

// The JSON Schema of the YAML form, schemas/plansync.schema.json, is
// generated here from the decoder's own tables: the top-level keys
// (decTopKeys), the field list of every kind (decServerFields,
// decServicePlanFields, ...), the keys each property section accepts in
// each context (decSectionKeys) and, for every property, its kind, enum
// and help from model.Catalog(). What the tables cannot say (the schema
// and description of a field such as login) is written below, and the
// generator refuses to run when a field of the decoder has no entry here
// or an entry names a field the decoder does not have.
//
// TestSchemaUpToDate fails when the committed file differs from what
// sgSchema generates; PLANSYNC_UPDATE=1 rewrites it:
//
//	PLANSYNC_UPDATE=1 go test ./internal/config -run TestSchemaUpToDate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/plansync/plansync/internal/model"
)

// sgSchemaFile is the committed schema, relative to this package.
const sgSchemaFile = "../../schemas/plansync.schema.json"

// sgID is the schema's $id: where the file is published.
const sgID = "https://raw.githubusercontent.com/plansync/plansync/main/schemas/plansync.schema.json"

// sgObj is a JSON object that keeps its keys in the order written.
type sgObj []sgKV

type sgKV struct {
	K string
	V any
}

func (o sgObj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(kv.K)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := sgMarshal(kv.V)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kv.K, err)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// sgMarshal encodes a value without escaping <, > and & (patterns stay
// readable).
func sgMarshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// get returns the value of key, or nil.
func (o sgObj) get(key string) any {
	for _, kv := range o {
		if kv.K == key {
			return kv.V
		}
	}
	return nil
}

// sgRef refers to a definition, with a description of its own.
func sgRef(def, desc string) sgObj {
	return sgObj{{"$ref", "#/$defs/" + def}, {"description", desc}}
}

// sgList is an array of items.
func sgList(desc string, items sgObj, unique bool) sgObj {
	o := sgObj{{"description", desc}, {"type", "array"}, {"items", items}}
	if unique {
		o = append(o, sgKV{"uniqueItems", true})
	}
	return o
}

func sgBool(desc string) sgObj { return sgObj{{"description", desc}, {"type", "boolean"}} }

// sgIPv4 and sgIPv6 match an IPv4 address in dotted decimal (no leading
// zeros) and an IPv6 address (RFC 4291's forms, no zone), as net/netip
// reads them; sgIPPattern either.
var sgIPv4, sgIPv6 = func() (string, string) {
	const dec = `(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])`
	const h16 = `[0-9A-Fa-f]{1,4}`
	v4 := dec + `(?:\.` + dec + `){3}`
	ls32 := `(?:` + h16 + `:` + h16 + `|` + v4 + `)`
	v6 := []string{
		`(?:` + h16 + `:){6}` + ls32,
		`::(?:` + h16 + `:){5}` + ls32,
		`(?:` + h16 + `)?::(?:` + h16 + `:){4}` + ls32,
		`(?:(?:` + h16 + `:){0,1}` + h16 + `)?::(?:` + h16 + `:){3}` + ls32,
		`(?:(?:` + h16 + `:){0,2}` + h16 + `)?::(?:` + h16 + `:){2}` + ls32,
		`(?:(?:` + h16 + `:){0,3}` + h16 + `)?::` + h16 + `:` + ls32,
		`(?:(?:` + h16 + `:){0,4}` + h16 + `)?::` + ls32,
		`(?:(?:` + h16 + `:){0,5}` + h16 + `)?::` + h16,
		`(?:(?:` + h16 + `:){0,6}` + h16 + `)?::`,
	}
	return v4, strings.Join(v6, "|")
}()

var sgIPPattern = `^(?:` + sgIPv4 + `|` + sgIPv6 + `)$`

// sgLoopbackV6 matches, in brackets, the IPv6 spellings of a loopback
// address, as net.IP.IsLoopback reads them: ::1 and ::ffff:127.x.y.z
// (IPv4-mapped, dotted or in hex), groups with or without leading zeros,
// with or without :: for a run of zero groups.
var sgLoopbackV6 = func() string {
	const zero = `0{1,4}:`
	dec := `(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])`
	mapped := `[Ff]{4}:(?:127(?:\.` + dec + `){3}|7[Ff][0-9A-Fa-f]{2}:[0-9A-Fa-f]{1,4})`
	// zeros then tail: n zero groups written out, or a zero groups, ::
	// and at most n-1-a more.
	spell := func(n int, tail string) []string {
		alts := []string{`(?:` + zero + `){` + strconv.Itoa(n) + `}` + tail, `::(?:` + zero + `){0,` + strconv.Itoa(n-1) + `}` + tail}
		for a := 1; a < n; a++ {
			alts = append(alts, `(?:`+zero+`){`+strconv.Itoa(a)+`}:(?:`+zero+`){0,`+strconv.Itoa(n-1-a)+`}`+tail)
		}
		return alts
	}
	alts := append(spell(7, `0{0,3}1`), spell(5, mapped)...)
	return `\[(?:` + strings.Join(alts, "|") + `)\]`
}()

// sgSpacedIPPattern is sgIPPattern with blanks around the address, which
// a subscription's ip_address may have.
var sgSpacedIPPattern = `^\s*` + sgIPPattern[1:len(sgIPPattern)-1] + `\s*$`

// The parts of an http(s) URL as net/url parses them: user information,
// a host name (an IPv6 address in brackets, with a zone after %25, or
// characters a host may hold and %-escapes of bytes of a multi-byte
// character), a port from 1 to 65535
// (or none after the colon), and a path, query and fragment with no
// blank or control character, the path and fragment with well-formed
// %-escapes only.
var (
	sgURLUser = `(?:(?:[A-Za-z0-9._:~!$&'()*+,;=@-]|%[0-9A-Fa-f]{2})*@)?`
	sgURLPort = `(?::(?:0*(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?)?`
	sgURLHost = `(?:\[(?:` + sgIPv6 + `)(?:%25[^\s/?#@\[\]]+)?\]|(?:[A-Za-z0-9._~!$&'()*+,;=<>"\]-]|[^\x00-\x7f]|%(?:25|[89A-Fa-f][0-9A-Fa-f]))+)` + sgURLPort
	sgURLRest = `(?:/(?:[^\s\x00-\x1f\x7f%?#]|%[0-9A-Fa-f]{2})*)?(?:\?[^\s\x00-\x1f\x7f#]*)?(?:#(?:[^\s\x00-\x1f\x7f%]|%[0-9A-Fa-f]{2})*)?`
)

// sgURLPattern matches an http or https URL with a host.
var sgURLPattern = `^[Hh][Tt][Tt][Pp][Ss]?://` + sgURLUser + sgURLHost + sgURLRest + `$`

// sgPleskURLPattern matches a Plesk address: https with a host and no
// user information, or plain http on a loopback address (localhost in
// any case, as host names are).
var sgPleskURLPattern = `^(?:[Hh][Tt][Tt][Pp][Ss]://` + sgURLHost + `|[Hh][Tt][Tt][Pp]://(?:127(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}|[Ll][Oo][Cc][Aa][Ll][Hh][Oo][Ss][Tt]|` + sgLoopbackV6 + `)` + sgURLPort + `)` + sgURLRest + `$`

// sgNotAdmin refuses the login admin.
var sgNotAdmin = sgObj{{"type", "string"}, {"pattern", "^admin$"}}

// sgDefs are the value types, in the order they appear in the file.
func sgDefs() []sgKV {
	return []sgKV{
		{"size", sgObj{
			{"description", "A size: 512MiB, 10GiB, 1TiB (binary units), 500MB, 10GB, 1TB (powers of 1000), a whole number of bytes (decimal digits), or unlimited; at most 8 PiB."},
			{"anyOf", []any{
				sgObj{{"type", "string"}, {"pattern", `^\s*(?:unlimited|[0-9]+(?:\.[0-9]+)?\s*(?:[KMGTP]i?B|kB)|[0-9]+\s*B?)\s*$`}},
				sgObj{{"type", "integer"}, {"minimum", 0}, {"maximum", model.MaxLimit}},
			}},
			{"examples", []any{"10GiB", "512MiB", "1TB", "unlimited"}},
		}},
		{"traffic", sgObj{
			{"description", "Traffic per month: a size (see size), which may carry a /mo (or /month) suffix, or unlimited."},
			{"anyOf", []any{
				sgObj{{"type", "string"}, {"pattern", `^\s*(?:unlimited|[0-9]+(?:\.[0-9]+)?\s*(?:[KMGTP]i?B|kB)|[0-9]+\s*B?)(?:/mo|/month)?\s*$`}},
				sgObj{{"type", "integer"}, {"minimum", 0}, {"maximum", model.MaxLimit}},
			}},
			{"examples", []any{"100GiB", "100GiB/mo", "unlimited"}},
		}},
		{"count", sgObj{
			{"description", "A count: a whole number (decimal digits) up to 2^53, or unlimited."},
			{"anyOf", []any{
				sgObj{{"type", "integer"}, {"minimum", 0}, {"maximum", model.MaxLimit}},
				sgObj{{"type", "string"}, {"pattern", "^(?:unlimited|0*[0-9]{1,16})$"}},
			}},
			{"examples", []any{10, "unlimited"}},
		}},
		{"duration", sgObj{
			{"description", "A period: days (30d), months (6mo), years (1y), a combination in that order (1y6mo), or unlimited; not zero, at most 100 years."},
			{"type", "string"},
			{"pattern", `^\s*(?:unlimited|[0-9]+y(?:[0-9]+mo)?(?:[0-9]+d)?|[0-9]+mo(?:[0-9]+d)?|[0-9]+d)\s*$`},
			{"not", sgObj{{"pattern", `^\s*(?:0+y)?(?:0+mo)?(?:0+d)?\s*$`}}},
			{"examples", []any{"1y", "6mo", "30d", "unlimited"}},
		}},
		{"date", sgObj{
			{"description", "A date, 2027-01-31 (UTC midnight), or an RFC 3339 date and time, 2027-01-31T12:00:00Z."},
			{"type", "string"},
			{"pattern", `^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])(?:[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9]))?$`},
			{"examples", []any{"2027-01-31", "2027-01-31T12:00:00Z"}},
		}},
		{"secret", sgObj{
			{"description", "A secret (a password): {env: NAME} reads an environment variable, {file: path} a file (relative to this file; a trailing newline is dropped). A plain string is accepted, but validate warns. Secrets are never printed nor stored in clear."},
			{"anyOf", []any{
				sgObj{{"description", "Read the secret from an environment variable."}, {"type", "object"},
					{"properties", sgObj{{"env", sgObj{{"description", "Name of the environment variable."}, {"type", "string"}, {"pattern", "^[A-Za-z_][A-Za-z0-9_]*$"}}}}},
					{"required", []string{"env"}}, {"additionalProperties", false}},
				sgObj{{"description", "Read the secret from a file."}, {"type", "object"},
					{"properties", sgObj{{"file", sgObj{{"description", "Path of the file, relative to the config file that names it."}, {"type", "string"}, {"minLength", 1}}}}},
					{"required", []string{"file"}}, {"additionalProperties", false}},
				sgObj{{"description", "A plain-text secret: accepted, but validate warns; prefer {env: NAME} or {file: path}."}, {"type", []string{"string", "number"}}, {"minLength", 1}},
			}},
			{"examples", []any{sgObj{{"env", "JDOE_PASSWORD"}}, sgObj{{"file", "secrets/jdoe.txt"}}}},
		}},
		{"login", sgObj{
			{"description", "A login: up to 64 letters, digits, '.', '_', '@' and '-', starting with a letter or a digit; compared in lower case."},
			{"type", []string{"string", "number"}},
			{"pattern", "^[a-z0-9][a-z0-9._@-]{0,63}$"},
			{"minimum", 0},
			{"examples", []any{"jdoe"}},
		}},
		{"account_login", sgObj{
			{"$ref", "#/$defs/login"},
			{"description", "The login of an account: a login other than admin, which is the administrator's."},
			{"not", sgNotAdmin},
		}},
		{"domain", sgObj{
			{"description", "A domain name: at least two labels of letters, digits and '-' (punycode xn--… for other scripts), the last one not numeric; compared case-insensitively."},
			{"type", "string"},
			{"maxLength", 253},
			{"pattern", `^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?|[0-9]+(?:[A-Za-z]|[A-Za-z-][A-Za-z0-9-]*[A-Za-z0-9]))$`},
			{"examples", []any{"example.com"}},
		}},
		{"email", sgObj{
			{"description", "A bare e-mail address, without a display name or angle brackets, with a domain name after the @ (not an IP address in brackets)."},
			{"type", "string"},
			// No format email: editors assert it with a pattern that
			// wants a dotted domain with a letters-only top-level label
			// (john@doe, john@doe.xn--p1ai and bücher.example would be
			// flagged), where the loader takes what net/mail does.
			{"pattern", `^[^\s@<>()\[\]\\,;:".]+(?:\.[^\s@<>()\[\]\\,;:".]+)*@[^\s@<>()\[\]\\,;:".]+(?:\.[^\s@<>()\[\]\\,;:".]+)*$`},
			{"examples", []any{"john@doe.example"}},
		}},
		{"url", sgObj{
			{"description", "An http or https URL with a host."},
			{"type", "string"},
			{"format", "uri"},
			{"pattern", sgURLPattern},
			{"examples", []any{"https://support.example/ticket"}},
		}},
		{"name", sgObj{
			{"description", "A name (of a plan, service, component, …): a non-empty string."},
			{"type", []string{"string", "number"}},
			{"pattern", `\S`},
			{"examples", []any{"Business"}},
		}},
		{"plan_name", sgObj{
			{"$ref", "#/$defs/name"},
			{"description", "The name of a plan: without '/', and not none (plan none means a custom subscription)."},
			{"pattern", "^[^/]*$"},
			{"not", sgObj{{"type", "string"}, {"pattern", "^[Nn][Oo][Nn][Ee]$"}}},
		}},
		{"text", sgObj{
			{"description", "Free text."},
			{"type", []string{"string", "number"}},
		}},
		{"status", sgObj{
			{"description", "active, or suspended (panel access blocked; websites, FTP and mail unreachable)."},
			{"enum", []string{"active", "suspended"}},
		}},
		{"php_settings", sgObj{
			{"description", "php.ini settings: directive → value (memory_limit, max_execution_time, upload_max_filesize, post_max_size, …)."},
			{"type", "object"},
			{"propertyNames", sgObj{{"description", "A php.ini directive: lower-case letters, digits, '_' and '.'."}, {"pattern", "^[a-z0-9_.]{1,64}$"}}},
			{"additionalProperties", sgObj{{"description", "The directive's value, as php.ini takes it (256M, 60, On), with no blanks at its start or end."}, {"type", []string{"string", "number", "boolean"}}, {"pattern", `^(?:\S(?:[\s\S]*\S)?)?$`}}},
			{"examples", []any{sgObj{{"memory_limit", "256M"}}}},
		}},
	}
}

// sgCtxName names the section definitions of a context.
var sgCtxName = map[decCtx]string{
	decCtxServicePlan:  "service_plan",
	decCtxAddonPlan:    "addon_plan",
	decCtxResellerPlan: "reseller_plan",
	decCtxReseller:     "reseller",
	decCtxCustomize:    "customize",
	decCtxSettings:     "subscriber_settings",
}

// sgSectionHelp describes each section a context has.
var sgSectionHelp = map[decCtx]map[string]string{
	decCtxServicePlan: {
		"resources":   "Resources (limits) of the plan. A resource left out is unlimited.",
		"permissions": "Permissions: what the subscriber may manage. A permission left out is not granted.",
		"hosting":     "Hosting parameters. A parameter left out is not set; a value that needs a server component the server lacks is a conflict.",
		"mail":        "Mail parameters. A parameter left out is not set.",
		"dns":         "DNS parameters. A parameter left out is not set.",
	},
	decCtxAddonPlan: {
		"resources":   "Resources the add-on adds to the plan's (unlimited absorbs); no overuse policy.",
		"permissions": "Permissions the add-on grants (an add-on can grant, never revoke).",
		"hosting":     "On/off hosting features the add-on switches on. Add-ons carry no enumerated settings (PHP version and handler, SSH, web statistics, PHP settings): those come from the service plan only.",
		"mail":        "On/off mail features the add-on switches on. Webmail and antivirus mode come from the service plan only.",
		"dns":         "Add-ons carry no DNS parameters: the zone type comes from the service plan only.",
	},
	decCtxResellerPlan: {
		"resources":   "The reseller's allocation, for all of its customers together. A resource left out is unlimited.",
		"permissions": "Permissions the reseller holds and may pass on to its customers.",
	},
	decCtxReseller: {
		"resources":   "The reseller's own allocation (plan none only). A resource left out is unlimited.",
		"permissions": "The reseller's own permissions (plan none only).",
	},
	decCtxCustomize: {
		"resources":   "Resources that replace the plan's on this subscription.",
		"permissions": "Permissions that replace the plan's on this subscription.",
		"hosting":     "Hosting parameters that replace the plan's on this subscription.",
		"mail":        "Mail parameters that replace the plan's on this subscription.",
		"dns":         "DNS parameters that replace the plan's on this subscription.",
	},
	decCtxSettings: {
		"hosting": "Hosting settings the subscriber chose; each needs the permission that lets it change the setting.",
		"mail":    "Mail settings the subscriber chose; each needs the permission that lets it change the setting.",
		"dns":     "DNS settings the subscriber chose; they need manage_dns.",
	},
}

// sgOversellHelp describes a reseller's oversell policy.
const sgOversellHelp = "Oversell: when true, each value of a subscription must fit within the reseller's allocation, but their sum need not. Write it here or as resources.oversell, not both."

// sgProp is the schema of one catalogue property in a context.
func sgProp(ctx decCtx, p *model.Prop) sgObj {
	desc := p.Help
	if ctx == decCtxSettings {
		desc += " The subscriber may set it with permission " + p.Permission + "."
	}
	switch p.Kind {
	case model.KindSize:
		if p.Path == "resources.traffic" {
			return sgRef("traffic", desc)
		}
		return sgRef("size", desc)
	case model.KindCount:
		return sgRef("count", desc)
	case model.KindDuration:
		return sgRef("duration", desc)
	case model.KindBool:
		return sgBool(desc)
	case model.KindEnum:
		return sgObj{{"description", desc}, {"enum", p.Enum}}
	case model.KindString:
		o := sgObj{{"description", desc}, {"type", []string{"string", "number"}}}
		if p.Path == "hosting.php_version" {
			// A number is what YAML made of 8.3: never negative.
			o = append(o, sgKV{"pattern", `^[0-9]+\.[0-9]+$`}, sgKV{"minimum", 0}, sgKV{"examples", []any{"8.3"}})
		}
		return o
	}
	panic(fmt.Sprintf("property %s: kind %s has no schema", p.Path, p.Kind))
}

// sgSection is the definition of one section in a context, made from
// the keys the decoder accepts there.
func sgSection(ctx decCtx, section string) (sgObj, error) {
	help := sgSectionHelp[ctx][section]
	if help == "" {
		return nil, fmt.Errorf("section %s of %s has no description in sgSectionHelp", section, sgCtxName[ctx])
	}
	var props sgObj
	for _, key := range decSectionKeys(section, ctx) {
		switch {
		case section == "hosting" && key == "php_settings":
			desc := "php.ini settings: directive → value (memory_limit, max_execution_time, upload_max_filesize, post_max_size, …)."
			if ctx == decCtxSettings {
				desc += " The subscriber may set them with permission " + model.PermissionFor(model.PHPSettingsPrefix+"memory_limit") + "."
			}
			props = append(props, sgKV{key, sgRef("php_settings", desc)})
		case section == "resources" && key == "oversell":
			props = append(props, sgKV{key, sgBool(sgOversellHelp)})
		default:
			p := model.Lookup(section + "." + key)
			if p == nil {
				return nil, fmt.Errorf("the decoder accepts %s.%s in %s, which the catalogue does not know", section, key, sgCtxName[ctx])
			}
			props = append(props, sgKV{key, sgProp(ctx, p)})
		}
	}
	o := sgObj{{"description", help}, {"type", "object"}}
	if len(props) > 0 {
		o = append(o, sgKV{"properties", props})
	}
	return append(o, sgKV{"additionalProperties", false}), nil
}

// sgKind describes how one kind of object is written.
type sgKind struct {
	def    string   // its $defs name
	desc   string   // its description
	fields []string // the decoder's field list, in order
	ctx    decCtx   // the context of its property sections
	// spec is the schema, description included, of every field that is
	// not a property section.
	spec     map[string]sgObj
	required []string
	// extra is appended to the definition (conditions between fields).
	extra sgObj
}

func sgKinds() []sgKind {
	contact := func(what string) map[string]sgObj {
		return map[string]sgObj{
			"password": sgRef("secret", "Password of the "+what+"'s panel account."),
			"name":     append(sgRef("text", "Contact name."), sgKV{"pattern", `^$|\S`}),
			"company":  sgRef("text", "Company name."),
			"email":    sgRef("email", "Contact e-mail address."),
			"phone":    sgRef("text", "Phone number."),
			"address":  sgRef("text", "Postal address."),
		}
	}
	merge := func(ms ...map[string]sgObj) map[string]sgObj {
		out := map[string]sgObj{}
		for _, m := range ms {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	serverName := func(desc string) sgObj {
		return sgObj{{"description", desc}, {"type", []string{"string", "number"}}, {"pattern", "^[a-z0-9][a-z0-9._-]{0,62}$"}, {"minimum", 0}, {"examples", []any{"web1"}}}
	}
	serverList := func(desc string) sgObj { return sgList(desc, serverName("A server name."), true) }
	labels := func(desc string) sgObj {
		return sgObj{{"description", desc}, {"type", "object"}, {"additionalProperties", sgObj{{"type", []string{"string", "number"}}}}, {"examples", []any{map[string]string{"tier": "shared"}}}}
	}
	placement := func(what string) map[string]sgObj {
		return map[string]sgObj{
			"servers": append(serverList("With several servers: the servers the "+what+" is on (default: every server; an empty list is an error). Not with server_selector."),
				sgKV{"minItems", 1}),
			"server_selector": append(labels("With several servers: the "+what+" is on every server whose labels have all these values. Not with servers; empty or matching no server is an error."),
				sgKV{"minProperties", 1}),
		}
	}
	serverSpec := map[string]sgObj{
		"components": sgList("Installed server components (php8.3, php-fpm, postfix, roundcube, spamassassin, antivirus, awstats, bind, …). A parameter value that needs a component not listed is a conflict.",
			sgObj{{"$ref", "#/$defs/name"}, {"description", "A component name."}, {"examples", []any{"php8.3", "php-fpm", "postfix"}}}, false),
		"extensions":   sgList("Installed extensions and the services each provides.", sgRef("extension", "An extension."), false),
		"default_plan": sgRef("plan_name", "The admin service plan custom subscriptions (plan none) start from; a conservative built-in plan when absent."),
		"plesk":        sgRef("plesk", "Connection to the Plesk server's XML API. PLANSYNC_PLESK_URL, PLANSYNC_PLESK_KEY, PLANSYNC_PLESK_LOGIN and PLANSYNC_PLESK_PASSWORD override it (single server only); without PLANSYNC_PLESK_URL it needs url."),
	}
	planNames := func(desc string) sgObj { return sgList(desc, sgRef("name", "A name."), true) }
	// planRef is the plan of a subscription or reseller: a plan's name,
	// which is never none in any case nor holds a '/', or none itself.
	planRef := func(desc string, examples ...any) sgObj {
		return sgObj{{"description", desc}, {"anyOf", []any{sgObj{{"const", model.None}}, sgObj{{"$ref", "#/$defs/plan_name"}}}}, {"examples", examples}}
	}
	planFields := func(what string) map[string]sgObj {
		return map[string]sgObj{
			"name":            sgRef("plan_name", "Name of the "+what+", unique per owner."),
			"owner":           sgRef("login", "Owner of the "+what+": admin (the default) or a reseller's login. A reseller's plan is addressed as OWNER/NAME."),
			"description":     sgRef("text", "Description of the "+what+"."),
			"services":        planNames("Additional services the " + what + " includes: names of services, or of services that extensions provide."),
			"servers":         placement(what)["servers"],
			"server_selector": placement(what)["server_selector"],
		}
	}
	// notBoth refuses an object that sets both fields of a pair the
	// loader refuses together.
	notBoth := func(desc, a, b string) sgObj {
		return sgObj{{"description", desc}, {"required", []string{a, b}}}
	}
	placementOnce := notBoth("servers or server_selector, not both.", "servers", "server_selector")
	// oversellOnce: oversell is written at the top or in resources, not
	// in both.
	oversellOnce := sgObj{{"description", "oversell or resources.oversell, not both."}, {"required", []string{"oversell", "resources"}},
		{"properties", sgObj{{"resources", sgObj{{"description", "resources that sets oversell."}, {"required", []string{"oversell"}}}}}}}
	allocation := []string{"resources", "permissions", "services", "oversell"}
	onlyNone := sgObj{}
	for _, f := range allocation {
		onlyNone = append(onlyNone, sgKV{f, sgObj{{"description", "Only with plan none: a reseller plan sets this reseller's allocation."}, {"not", sgObj{}}}})
	}
	// plesk is the single server's connection, whose url may come from
	// the environment; named_plesk one of several servers'.
	pleskSpec := map[string]sgObj{
		"url": sgObj{{"description", "Address of the server: https://HOST:8443 (plain http only on loopback)."}, {"type", "string"},
			{"pattern", sgPleskURLPattern}, {"examples", []any{"https://plesk.example.com:8443"}}},
		"key":        sgRef("secret", "Secret key of the Plesk API (KEY header)."),
		"login":      sgObj{{"description", "Login of the panel account (instead of a key)."}, {"type", []string{"string", "number"}}, {"minLength", 1}},
		"password":   sgRef("secret", "Password of the panel account (with login)."),
		"ca_file":    sgObj{{"description", "PEM file of the CA that signed the server's certificate, relative to this file. TLS is always verified."}, {"type", []string{"string", "number"}}, {"minLength", 1}},
		"default_ip": sgObj{{"description", "IP address new subscriptions get."}, {"type", "string"}, {"pattern", sgIPPattern}, {"examples", []any{"192.0.2.10"}}},
	}
	pleskExtra := sgObj{{"not", sgObj{{"description", "A key or a login and password, not both."}, {"required", []string{"key", "login"}}}}}
	return []sgKind{
		{def: "server", fields: decServerFields,
			desc: "The hosting server: what it has installed, and where custom subscriptions start. At most one in the whole config; it is the one server, named default.",
			spec: serverSpec},
		{def: "named_server", fields: decNamedServerFields, required: []string{"name"},
			desc: "One server of several: its name, labels (for server_selector), what it has installed and its Plesk connection.",
			spec: merge(serverSpec, map[string]sgObj{
				"name":   serverName("Name of the server, unique in the config; subscriptions name it in server."),
				"labels": labels("Labels of the server (region: eu, tier: shared), which server_selector matches."),
				"plesk":  sgRef("named_plesk", "Connection to this server's Plesk XML API (the PLANSYNC_PLESK_* variables do not apply to several servers)."),
			})},
		{def: "plesk", fields: decPleskFields,
			desc: "Connection to the Plesk server's XML API: its address (or PLANSYNC_PLESK_URL) and a secret key, or a login and password.",
			spec: pleskSpec, extra: pleskExtra},
		{def: "named_plesk", fields: decPleskFields, required: []string{"url"},
			desc: "Connection to one server's Plesk XML API: its address and a secret key, or a login and password.",
			spec: pleskSpec, extra: pleskExtra},
		{def: "extension", fields: decExtensionFields, required: []string{"name"},
			desc: "An installed extension.",
			spec: map[string]sgObj{
				"name":     sgRef("name", "Name of the extension."),
				"services": sgList("Services the extension provides; plans list them by name.", sgRef("extension_service", "A service."), false),
			}},
		{def: "service", fields: decServiceFields, required: []string{"name"},
			desc: "An additional service: a custom plan option, with an optional button in the panel.",
			spec: map[string]sgObj{
				"name":        sgRef("name", "Name of the service; plans list it under services."),
				"description": sgRef("text", "Description of the service."),
				"button":      sgRef("button", "The custom button the subscribers get."),
				"send": sgList("What the button's HTTP request carries.",
					sgObj{{"description", "One piece of information."}, {"enum", model.SendFields}}, true),
				"available_to_resellers": sgBool("Whether resellers' plans may provide the service (default true)."),
				"servers":                placement("service")["servers"],
				"server_selector":        placement("service")["server_selector"],
			},
			extra: sgObj{{"not", placementOnce}}},
		{def: "extension_service", fields: decExtServiceFields, required: []string{"name"},
			desc: "A service an extension provides: on the servers where the extension is installed.",
			spec: map[string]sgObj{
				"name":        sgRef("name", "Name of the service; plans list it under services."),
				"description": sgRef("text", "Description of the service."),
				"button":      sgRef("button", "The custom button the subscribers get."),
				"send": sgList("What the button's HTTP request carries.",
					sgObj{{"description", "One piece of information."}, {"enum", model.SendFields}}, true),
				"available_to_resellers": sgBool("Whether resellers' plans may provide the service (default true)."),
			}},
		{def: "button", fields: decButtonFields, required: []string{"url"},
			desc: "A custom button in the panel.",
			spec: map[string]sgObj{
				"url": sgRef("url", "Address the button opens."),
				"background_image": sgObj{{"description", "Image of the button: an http(s) URL, or a path; a default image when absent."},
					{"anyOf", []any{sgObj{{"$ref", "#/$defs/url"}}, sgObj{{"type", "string"}, {"pattern", `\S`}, {"not", sgObj{{"pattern", "://"}}}}, sgObj{{"type", "number"}}}}},
				"open_in_panel": sgBool("Open inside the panel (true) or in a new window (false)."),
			}},
		{def: "service_plan", fields: decServicePlanFields, ctx: decCtxServicePlan, required: []string{"name"},
			desc: "A service plan (hosting plan): a template of resources, permissions, hosting, mail and DNS parameters, and services. A change reaches every synced subscription on it.",
			spec: planFields("service plan"), extra: sgObj{{"not", placementOnce}}},
		{def: "addon_plan", fields: decServicePlanFields, ctx: decCtxAddonPlan, required: []string{"name"},
			desc: "An add-on plan: extra resources, permissions, on/off features and services for subscriptions that have a service plan. Limits add up, permissions and features are OR-ed; no overuse policy and no enumerated settings.",
			spec: planFields("add-on plan"), extra: sgObj{{"not", placementOnce}}},
		{def: "reseller_plan", fields: decResellerPlanFields, ctx: decCtxResellerPlan, required: []string{"name"},
			desc: "A reseller plan (owned by the admin): the allocation a reseller receives and its oversell policy.",
			spec: merge(planFields("reseller plan"), map[string]sgObj{
				"owner":    sgObj{{"description", "Always admin: reseller plans are owned by the admin."}, {"type", "string"}, {"pattern", "^admin$"}, {"examples", []any{"admin"}}},
				"oversell": sgBool(sgOversellHelp),
			}),
			extra: sgObj{{"allOf", []any{sgObj{{"not", placementOnce}}, sgObj{{"not", oversellOnce}}}}}},
		{def: "reseller", fields: decResellerFields, ctx: decCtxReseller, required: []string{"login", "plan"},
			desc: "A reseller: an account with its own customers and plans.",
			spec: merge(contact("reseller"), map[string]sgObj{
				"login":        sgRef("account_login", "Login of the reseller; logins are unique across resellers and customers."),
				"renamed_from": sgRef("account_login", "The reseller's previous login: the change is planned as a rename."),
				"plan":         planRef("A reseller plan, or none for an explicit allocation (resources, permissions, services, oversell).", "none", "Gold"),
				"services":     planNames("Services of the reseller's own allocation (plan none only)."),
				"oversell":     sgBool("Oversell policy of the reseller's own allocation (plan none only). " + sgOversellHelp),
				"status":       sgRef("status", "active, or suspended: suspends the reseller's customers and their subscriptions too."),
				"description":  sgRef("text", "Description of the reseller, by the admin."),
				"managed_by":   sgObj{{"description", "billing when a billing system owns its existence, status and password: apply never writes them. Default: plansync."}, {"enum", []string{"plansync", "billing"}}},
				"servers":      serverList("With several servers: servers the reseller is on besides those where it or its customers have subscriptions."),
			}),
			extra: sgObj{
				{"if", sgObj{{"required", []string{"plan"}}, {"properties", sgObj{{"plan", sgObj{{"description", "A reseller plan, not none."}, {"not", sgObj{{"const", "none"}}}}}}}}},
				{"then", sgObj{{"properties", onlyNone}}},
				{"not", oversellOnce},
			}},
		{def: "customer", fields: decCustomerFields, required: []string{"login"},
			desc: "A customer: an account with subscriptions.",
			spec: merge(contact("customer"), map[string]sgObj{
				"login":             sgRef("account_login", "Login of the customer; logins are unique across resellers and customers."),
				"renamed_from":      sgRef("account_login", "The customer's previous login: the change is planned as a rename."),
				"owner":             sgRef("login", "admin (the default) or the reseller the customer belongs to; a change is planned as a move."),
				"status":            sgRef("status", "active, or suspended: suspends all its subscriptions too."),
				"description":       sgRef("text", "Description of the customer, by its owner."),
				"admin_description": sgRef("text", "Description of a reseller's customer by the admin, which the reseller does not see."),
				"managed_by":        sgObj{{"description", "billing when a billing system owns its existence, status and password: apply never writes them. Default: plansync."}, {"enum", []string{"plansync", "billing"}}},
				"servers":           serverList("With several servers: servers the customer is on besides those where it has subscriptions."),
			}),
			extra: sgObj{
				{"if", sgObj{{"required", []string{"admin_description"}}, {"properties", sgObj{{"admin_description", sgObj{{"description", "An admin_description that says something."}, {"minLength", 1}}}}}}},
				{"then", sgObj{{"description", "Only a reseller's customer has an admin_description: the admin's own customer has one description, its owner's."},
					{"required", []string{"owner"}}, {"properties", sgObj{{"owner", sgObj{{"description", "A reseller, not admin."}, {"not", sgObj{{"const", "admin"}}}}}}}}},
			}},
		{def: "subscription", fields: decSubscriptionFields, required: []string{"domain", "plan"},
			desc: "A subscription: a copy of a service plan's properties (plus add-ons and customisation) for a domain.",
			spec: map[string]sgObj{
				"domain":       sgRef("domain", "Primary domain of the subscription, which identifies it."),
				"renamed_from": sgRef("domain", "The subscription's previous primary domain: the change is planned as a rename."),
				"customer": sgObj{{"$ref", "#/$defs/login"}, {"description", "Login of the customer the subscription belongs to; absent, it is an own subscription of its owner."},
					{"not", sgNotAdmin}},
				"owner":        sgRef("login", "admin or a reseller: whose plans the subscription uses. Default: the customer's owner, or admin."),
				"plan":         planRef("A service plan of the owner, or none for a custom subscription.", "Business", "none"),
				"addons":       sgList("Add-on plans of the owner, in the order they apply; each at most once, and none with plan none.", sgRef("plan_name", "An add-on plan's name."), true),
				"customize":    sgRef("customize", "Values that replace the plan's. Present, even empty, it locks the subscription."),
				"status":       sgRef("status", "active or suspended. A subscription is also suspended when its customer or reseller is, or once it has expired."),
				"expires":      sgRef("date", "Expiration date. Default: the creation date plus the plan's expiration."),
				"ftp_login":    sgRef("login", "FTP login of the subscription."),
				"ftp_password": sgRef("secret", "FTP password of the subscription."),
				"ip_address": sgObj{{"description", "IPv4 or IPv6 address the subscription is hosted on (with a Plesk server). Default: the connection's default_ip."},
					{"type", "string"}, {"pattern", sgSpacedIPPattern}, {"examples", []any{"192.0.2.20", "2001:db8::20"}}},
				"managed_by": sgObj{{"description", "billing when a billing system owns its existence, status, plan, add-ons and FTP credentials: apply never writes them. Default: plansync."}, {"enum", []string{"plansync", "billing"}}},
				"server":     serverName("The server the subscription is on: required with several servers. Moving it to another server is not something plansync does."),
			},
			extra: sgObj{
				{"if", sgObj{{"required", []string{"plan"}}, {"properties", sgObj{{"plan", sgObj{{"description", "Plan none: a custom subscription."}, {"const", "none"}}}}}}},
				{"then", sgObj{{"properties", sgObj{{"addons", sgObj{{"description", "No add-ons with plan none: add-ons attach only to subscriptions that have a service plan."}, {"maxItems", 0}}}}}}},
			}},
		{def: "customize", fields: decCustomizeFields, ctx: decCtxCustomize,
			desc: "A subscription's customisation: values that replace the plan's (and add-ons'). Present, even empty, it locks the subscription: plan and add-on changes stop reaching it until it is removed."},
		{def: "subscriber_settings", fields: decSettingsFields, ctx: decCtxSettings, required: []string{"domain"},
			desc: "Settings the subscriber chose for a subscription, for settings its permissions let it change (manage_hosting, manage_php_settings, manage_php_version, manage_ssh, manage_webstats, manage_spamfilter, manage_antivirus, manage_dns). Synchronisation leaves them alone.",
			spec: map[string]sgObj{
				"domain": sgRef("domain", "Domain of the subscription the settings belong to."),
			}},
	}
}

// sgTopHelp describes the top-level keys.
var sgTopHelp = map[string]string{
	"server":              "The hosting server: installed components and extensions, and the default plan of custom subscriptions. At most one in the whole config, and not with servers.",
	"servers":             "Several hosting servers, each named, with labels, components, extensions and a Plesk connection. Not with server.",
	"services":            "Additional services (custom plan options) plans may include.",
	"service_plans":       "Service plans (hosting plans).",
	"addon_plans":         "Add-on plans, attached to subscriptions that have a service plan.",
	"reseller_plans":      "Reseller plans, owned by the admin.",
	"resellers":           "Resellers.",
	"customers":           "Customers.",
	"subscriptions":       "Subscriptions, one per primary domain.",
	"subscriber_settings": "Settings subscribers chose for their subscriptions, as a self-service front end writes them.",
}

// sgTopDef gives the definition of the items of a top-level key.
var sgTopDef = map[string]string{
	"services": "service", "service_plans": "service_plan", "addon_plans": "addon_plan",
	"reseller_plans": "reseller_plan", "resellers": "reseller", "customers": "customer",
	"subscriptions": "subscription", "subscriber_settings": "subscriber_settings", "servers": "named_server",
}

// sgSchema generates the schema.
func sgSchema() (sgObj, error) {
	defs := sgObj(sgDefs())
	have := map[string]bool{}
	for _, kv := range defs {
		have[kv.K] = true
	}
	addDef := func(name string, o sgObj) error {
		if have[name] {
			return fmt.Errorf("definition %s made twice", name)
		}
		have[name] = true
		defs = append(defs, sgKV{name, o})
		return nil
	}

	for _, k := range sgKinds() {
		var props sgObj
		used := map[string]bool{}
		for _, f := range k.fields {
			if slices.Contains(model.Sections, f) {
				name := sgCtxName[k.ctx] + "_" + f
				sec, err := sgSection(k.ctx, f)
				if err != nil {
					return nil, err
				}
				// A reseller's own allocation reads like a reseller
				// plan's: share the definition when the decoder agrees.
				if k.ctx == decCtxReseller && slices.Equal(decSectionKeys(f, decCtxReseller), decSectionKeys(f, decCtxResellerPlan)) {
					name = sgCtxName[decCtxResellerPlan] + "_" + f
				} else if err := addDef(name, sec); err != nil {
					return nil, err
				}
				desc := sgSectionHelp[k.ctx][f]
				props = append(props, sgKV{f, sgRef(name, desc)})
				continue
			}
			s, ok := k.spec[f]
			if !ok {
				return nil, fmt.Errorf("field %q of %s, which the decoder accepts, has no schema in sgKinds", f, k.def)
			}
			if s.get("description") == nil {
				return nil, fmt.Errorf("field %q of %s has no description", f, k.def)
			}
			used[f] = true
			props = append(props, sgKV{f, s})
		}
		for f := range k.spec {
			if !used[f] {
				return nil, fmt.Errorf("sgKinds describes field %q of %s, which the decoder does not accept", f, k.def)
			}
		}
		for _, r := range k.required {
			if !slices.Contains(k.fields, r) {
				return nil, fmt.Errorf("required field %q of %s is not a field", r, k.def)
			}
		}
		o := sgObj{{"description", k.desc}, {"type", "object"}, {"properties", props}}
		if len(k.required) > 0 {
			o = append(o, sgKV{"required", k.required})
		}
		o = append(o, sgKV{"additionalProperties", false})
		o = append(o, k.extra...)
		if err := addDef(k.def, o); err != nil {
			return nil, err
		}
	}

	var top sgObj
	for _, key := range decTopKeys {
		help := sgTopHelp[key]
		if help == "" {
			return nil, fmt.Errorf("top-level key %q has no description in sgTopHelp", key)
		}
		if key == "server" {
			top = append(top, sgKV{key, sgRef("server", help)})
			continue
		}
		def := sgTopDef[key]
		if !have[def] {
			return nil, fmt.Errorf("top-level key %q: no definition %q", key, def)
		}
		top = append(top, sgKV{key, sgList(help, sgRef(def, "One "+decItemWord[key]+"."), false)})
	}
	if len(sgTopHelp) != len(decTopKeys) {
		return nil, fmt.Errorf("sgTopHelp describes %d top-level keys, the decoder has %d", len(sgTopHelp), len(decTopKeys))
	}

	return sgObj{
		{"$schema", "https://json-schema.org/draft/2020-12/schema"},
		{"$id", sgID},
		{"$comment", "Generated from the loader's tables by internal/config/schemagen_test.go; do not edit. Regenerate with: PLANSYNC_UPDATE=1 go test ./internal/config -run TestSchemaUpToDate"},
		{"title", "plansync configuration (YAML)"},
		{"description", "A plansync config file in YAML: the hosting catalogue (server, services, plans) and accounts (resellers, customers, subscriptions) as code. A config is a directory; every *.yaml, *.yml and *.hcl file in it is read and merged. See docs/config.md."},
		{"type", "object"},
		{"properties", top},
		{"additionalProperties", false},
		{"not", sgObj{{"description", "server (one server) or servers (several), not both."}, {"required", []string{"server", "servers"}}}},
		{"$defs", defs},
	}, nil
}

// sgGenerate returns the schema file's content.
func sgGenerate() ([]byte, error) {
	s, err := sgSchema()
	if err != nil {
		return nil, err
	}
	raw, err := sgMarshal(s)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}
