package importer

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/plansync/plansync/internal/model"
)

// Conn is how the written config reaches one server: its address and the
// names of the environment variables that hold its credentials (never a
// secret itself).
type Conn struct {
	Name string
	URL  string
	// KeyEnv names the variable holding the secret key; otherwise Login
	// and PasswordEnv.
	KeyEnv      string
	Login       string
	PasswordEnv string
	// CAFile is written as ca_file when set.
	CAFile string
}

// RenderFleet lays out several servers merged into one catalogue, like
// Render: servers.EXT holds the servers (each with its connection and
// components) and the services; the other files are Render's. Catalogue
// objects and accounts that are not where the config would put them by
// default say `servers: [..]`, and every subscription says its `server`.
// conns are in the order of m.Servers.
func RenderFleet(m *Merged, conns []Conn, format string) ([]File, error) {
	if len(conns) != len(m.Servers) {
		return nil, fmt.Errorf("%d connections for %d servers", len(conns), len(m.Servers))
	}
	return render(m.Config, format, &fleetLayout{m: m, conns: conns})
}

type fleetLayout struct {
	m     *Merged
	conns []Conn
}

// writeServers writes the servers: a YAML `servers:` list or HCL
// `server "NAME" { }` blocks.
func (fl *fleetLayout) writeServers(b *bytes.Buffer, format string) {
	if format == "yaml" {
		b.WriteString("servers:\n")
	}
	for i, c := range fl.conns {
		comps := fl.m.Components[c.Name]
		plesk := pleskPairs(c, format)
		if format == "yaml" {
			b.WriteString("  - name: " + yamlScalar(c.Name, false) + "\n")
			b.WriteString("    plesk:\n")
			for _, kv := range plesk {
				b.WriteString("      " + kv[0] + ": " + kv[1] + "\n")
			}
			if len(comps) > 0 {
				b.WriteString("    components: " + yamlList(comps) + "\n")
			}
			continue
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("server " + hclString(c.Name) + " {\n")
		if len(comps) > 0 {
			b.WriteString("  components = " + hclList(comps) + "\n")
		}
		writeHCLPlesk(b, plesk)
		b.WriteString("}\n")
	}
}

// pleskPairs are the fields of a server's plesk block, in the format's
// syntax: url, then key or login and password (from the environment),
// and ca_file when set.
func pleskPairs(c Conn, format string) [][2]string {
	str := func(s string) string {
		if format == "yaml" {
			return yamlScalar(s, false)
		}
		return hclString(s)
	}
	env := func(name string) string {
		if format == "yaml" {
			return "{env: " + yamlScalar(name, true) + "}"
		}
		return "env(" + hclString(name) + ")"
	}
	plesk := [][2]string{{"url", str(c.URL)}}
	if c.KeyEnv != "" {
		plesk = append(plesk, [2]string{"key", env(c.KeyEnv)})
	} else {
		plesk = append(plesk, [2]string{"login", str(c.Login)}, [2]string{"password", env(c.PasswordEnv)})
	}
	if c.CAFile != "" {
		plesk = append(plesk, [2]string{"ca_file", str(c.CAFile)})
	}
	return plesk
}

// writeHCLPlesk writes a server's plesk block, HCL, aligned.
func writeHCLPlesk(b *bytes.Buffer, plesk [][2]string) {
	b.WriteString("  plesk {\n")
	width := 0
	for _, kv := range plesk {
		width = max(width, len(kv[0]))
	}
	for _, kv := range plesk {
		b.WriteString("    " + kv[0] + strings.Repeat(" ", width-len(kv[0])) + " = " + kv[1] + "\n")
	}
	b.WriteString("  }\n")
}

// withConn is a single server's file (server.EXT, written by Render) with
// the server's plesk block written in its server block (added when it
// has none).
func withConn(data []byte, c Conn, format string) []byte {
	plesk := pleskPairs(c, format)
	var block bytes.Buffer
	head := "server {\n"
	if format == "yaml" {
		head = "server:\n"
		block.WriteString("  plesk:\n")
		for _, kv := range plesk {
			block.WriteString("    " + kv[0] + ": " + kv[1] + "\n")
		}
	} else {
		writeHCLPlesk(&block, plesk)
	}
	if i := bytes.Index(data, []byte("\n"+head)); i >= 0 {
		at := i + 1 + len(head)
		return slices.Concat(data[:at], block.Bytes(), data[at:])
	}
	// No server block yet: one after the file's comment line.
	at := bytes.IndexByte(data, '\n') + 1
	tail := "\n"
	if format == "hcl" {
		tail = "}\n\n"
	}
	return slices.Concat(data[:at], []byte(head), block.Bytes(), []byte(tail), data[at:])
}

// Kinds by YAML list key and by HCL block type.
var (
	kindOfList = map[string]string{
		"services": "service", "service_plans": "service_plan", "addon_plans": "addon_plan", "reseller_plans": "reseller_plan",
		"resellers": "reseller", "customers": "customer", "subscriptions": "subscription",
	}
	kindOfBlock = map[string]string{
		"service": "service", "service_plan": "service_plan", "addon_plan": "addon_plan", "reseller_plan": "reseller_plan",
		"reseller": "reseller", "customer": "customer", "subscription": "subscription",
	}
)

// placement is the field to add to an object: `server` (a subscription)
// or `servers`; "" when there is none.
func (fl *fleetLayout) placement(kind, label, owner string) (key string, servers []string) {
	switch kind {
	case "subscription":
		return "server", []string{fl.m.Subscription[label]}
	case "service_plan", "addon_plan":
		label = model.PlanKey(owner, label)
	}
	if on := fl.m.Placed(kind, label); on != nil {
		return "servers", on
	}
	return "", nil
}

var (
	yamlTop  = regexp.MustCompile(`^([a-z_]+):$`)
	yamlItem = regexp.MustCompile(`^  - [a-z_]+: (.*)$`)
	hclBlock = regexp.MustCompile(`^([a-z_]+) ("(?:[^"\\]|\\.)*") \{(\}?)$`)
	hclAttr  = regexp.MustCompile(`^  ([A-Za-z_][A-Za-z0-9_-]*)( *) = (.*)$`)
)

// place adds each object's placement to a file the fleet writer wrote:
// first field of the object (YAML), first attribute of the block, its
// run of attributes aligned again as hclfmt aligns them (HCL). owner is
// the owner of the file's plans.
func (fl *fleetLayout) place(data []byte, format, owner string) []byte {
	lines := strings.SplitAfter(string(data), "\n")
	var out strings.Builder
	out.Grow(len(data) + len(data)/8)
	if format == "yaml" {
		kind := ""
		for _, line := range lines {
			out.WriteString(line)
			if m := yamlTop.FindStringSubmatch(strings.TrimSuffix(line, "\n")); m != nil {
				kind = kindOfList[m[1]]
				continue
			}
			m := yamlItem.FindStringSubmatch(strings.TrimSuffix(line, "\n"))
			if m == nil || kind == "" {
				continue
			}
			key, servers := fl.placement(kind, unquote(m[1]), owner)
			switch key {
			case "server":
				out.WriteString("    server: " + yamlScalar(servers[0], false) + "\n")
			case "servers":
				out.WriteString("    servers: " + yamlList(servers) + "\n")
			}
		}
		return []byte(out.String())
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		m := hclBlock.FindStringSubmatch(strings.TrimSuffix(line, "\n"))
		if m == nil || kindOfBlock[m[1]] == "" {
			out.WriteString(line)
			continue
		}
		key, servers := fl.placement(kindOfBlock[m[1]], unquote(m[2]), owner)
		if key == "" {
			out.WriteString(line)
			continue
		}
		value := hclList(servers)
		if key == "server" {
			value = hclString(servers[0])
		}
		if m[3] == "}" { // an empty block
			out.WriteString(m[1] + " " + m[2] + " {\n  " + key + " = " + value + "\n}\n")
			continue
		}
		out.WriteString(line)
		// The run of one-line attributes that follows is aligned anew.
		run := [][]string{{key, value}}
		j := i + 1
		for ; j < len(lines); j++ {
			a := hclAttr.FindStringSubmatch(strings.TrimSuffix(lines[j], "\n"))
			if a == nil || a[3] == "{" {
				break
			}
			run = append(run, []string{a[1], a[3]})
		}
		width := 0
		for _, a := range run {
			width = max(width, len(a[0]))
		}
		for _, a := range run {
			out.WriteString("  " + a[0] + strings.Repeat(" ", width-len(a[0])) + " = " + a[1] + "\n")
		}
		i = j - 1
	}
	return []byte(out.String())
}

// unquote reads a label as the writers write it: plain, or double-quoted
// with escapes (HCL's $${ and %%{ included).
func unquote(s string) string {
	if !strings.HasPrefix(s, `"`) {
		return s
	}
	u, err := strconv.Unquote(s)
	if err != nil {
		return s
	}
	return strings.NewReplacer("$${", "${", "%%{", "%{").Replace(u)
}

var (
	yamlPlainRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._/@+:-]*$`)
	yamlFlowRe  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._-]*$`)
)

// yamlScalar writes s plain when YAML reads it back as that string (in a
// flow list too when flow), else double-quoted.
func yamlScalar(s string, flow bool) string {
	re := yamlPlainRe
	if flow {
		re = yamlFlowRe
	}
	plain := re.MatchString(s) && !strings.HasSuffix(s, ":")
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null":
		plain = false
	}
	if plain {
		return s
	}
	return strconv.Quote(s)
}

func yamlList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = yamlScalar(x, true)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// hclString quotes s for HCL: template sequences are escaped.
func hclString(s string) string {
	return strings.NewReplacer("${", "$${", "%{", "%%{").Replace(strconv.Quote(s))
}

func hclList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = hclString(x)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// ReportFleet renders IMPORT.md for several servers: what each had, the
// objects that differ between servers and the fields in which they do,
// the subscriptions found on several servers, and what was not mapped.
func ReportFleet(m *Merged, addresses map[string]string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Import of %s\n\n", strings.Join(m.Servers, ", "))
	b.WriteString("| server | address | service plans | add-on plans | reseller plans | resellers | customers | subscriptions |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, name := range m.Servers {
		c := m.Counts[name]
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %d | %d | %d |\n", name, addresses[name],
			len(c.ServicePlans), len(c.AddonPlans), len(c.ResellerPlans), len(c.Resellers), len(c.Customers), len(c.Subscriptions))
	}
	fmt.Fprintf(&b, "\nMerged into one catalogue: %s.\n\n", Counts(m.Config))
	b.WriteString("## Differences between servers\n\n")
	b.WriteString("An object that differs between servers is imported as on the first server given (in the order of --server) that has it. ")
	b.WriteString("`plansync plan` then shows the other servers' values as changes: applying them makes every server match the config.\n\n")
	if len(m.Differences) == 0 {
		b.WriteString("None: every object found on several servers is the same on each.\n")
	}
	for _, d := range m.Differences {
		fmt.Fprintf(&b, "- %s %s differs between servers (imported as on %s):\n", d.Kind, d.Key, d.Chosen)
		for _, f := range d.Fields {
			fmt.Fprintf(&b, "  - %s:", f.Path)
			for i, v := range f.Values {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, " %s %s", v.Server, v.Value)
			}
			b.WriteByte('\n')
		}
	}
	if len(m.Duplicates) > 0 {
		b.WriteString("\n## Subscriptions on several servers\n\n")
		b.WriteString("A subscription is on one server in a plansync config. A domain found on several is imported from the first server given; ")
		b.WriteString("its copies on the others are in neither the config nor the state, and plansync leaves them alone.\n\n")
		for _, d := range m.Duplicates {
			b.WriteString("- " + d.String() + "\n")
		}
	}
	b.WriteString("\n## Not mapped\n\n")
	b.WriteString("Passwords cannot be read from Plesk: none is written, and a password the config does not set is not managed.\n")
	b.WriteString("Server labels cannot be read from Plesk: add them to the servers by hand.\n")
	b.WriteString(plansyncOnly)
	if len(m.Notes) == 0 {
		b.WriteString("Nothing else.\n")
	}
	for _, n := range m.Notes {
		b.WriteString("- " + n + "\n")
	}
	return b.Bytes()
}

// Counts says how many objects of each kind a config holds ("1 service
// plan, 2 add-on plans, …").
func Counts(cfg *model.Config) string {
	counted := func(n int, word string) string {
		if n != 1 {
			word += "s"
		}
		return strconv.Itoa(n) + " " + word
	}
	return strings.Join([]string{counted(len(cfg.ServicePlans), "service plan"), counted(len(cfg.AddonPlans), "add-on plan"),
		counted(len(cfg.ResellerPlans), "reseller plan"), counted(len(cfg.Resellers), "reseller"),
		counted(len(cfg.Customers), "customer"), counted(len(cfg.Subscriptions), "subscription")}, ", ")
}
