package importer

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/plansync/plansync/internal/fleet"
	"github.com/plansync/plansync/internal/model"
)

// File is one file to write: its path relative to the config directory
// and its content.
type File struct {
	Path string
	Data []byte
}

// Render lays a config out as files, one per kind and owner, like the
// bundled examples: server (with the services) and reseller plans and
// resellers at the top, then per owner (admin at the top, each reseller
// in a folder of its own) its plans, customers and subscriptions. format
// is "yaml" or "hcl"; fleet's writer renders each file.
func Render(cfg *model.Config, format string) ([]File, error) {
	return render(cfg, format, nil)
}

// RenderConn is Render with the server's connection written in its
// server block (url, the variables of its credentials, ca_file): what an
// import through a CA of its own needs to connect again, which no
// environment variable says.
func RenderConn(cfg *model.Config, format string, c Conn) ([]File, error) {
	files, err := render(cfg, format, nil)
	if err != nil {
		return nil, err
	}
	for i, f := range files {
		if f.Path == "server."+format {
			files[i].Data = withConn(f.Data, c, format)
			return files, nil
		}
	}
	return append([]File{{Path: "server." + format, Data: withConn([]byte("# Imported from a Plesk server by plansync import.\n"), c, format)}}, files...), nil
}

// render is Render, or with fl RenderFleet's layout: the servers instead
// of the server, and each object's placement.
func render(cfg *model.Config, format string, fl *fleetLayout) ([]File, error) {
	var write func(io.Writer, *model.Config) error
	switch format {
	case "yaml":
		write = fleet.WriteYAML
	case "hcl":
		write = fleet.WriteHCL
	default:
		return nil, fmt.Errorf("format %q: want yaml or hcl", format)
	}
	parts := map[string]*model.Config{}
	var order []string
	part := func(path string) *model.Config {
		c, ok := parts[path]
		if !ok {
			c = model.NewConfig()
			parts[path] = c
			order = append(order, path)
		}
		return c
	}
	owners := map[string]string{} // folder → reseller
	dirOf := func(owner string) string {
		if owner == "" || owner == model.Admin {
			return ""
		}
		owners[safe(owner)] = owner
		return safe(owner) + "/"
	}
	switch {
	case fl != nil:
		c := part("servers")
		c.Services = cfg.Services
	case cfg.Server != nil || len(cfg.Services) > 0:
		c := part("server")
		c.Server, c.Services = cfg.Server, cfg.Services
	}
	if len(cfg.ResellerPlans) > 0 {
		part("reseller-plans").ResellerPlans = cfg.ResellerPlans
	}
	if len(cfg.Resellers) > 0 {
		part("resellers").Resellers = cfg.Resellers
	}
	for _, key := range keys(cfg.ServicePlans) {
		p := cfg.ServicePlans[key]
		part(dirOf(p.Owner) + "plans").ServicePlans[key] = p
	}
	for _, key := range keys(cfg.AddonPlans) {
		p := cfg.AddonPlans[key]
		part(dirOf(p.Owner) + "plans").AddonPlans[key] = p
	}
	for _, login := range keys(cfg.Customers) {
		c := cfg.Customers[login]
		part(dirOf(c.Owner) + "customers").Customers[login] = c
	}
	for _, domain := range keys(cfg.Subscriptions) {
		s := cfg.Subscriptions[domain]
		part(dirOf(s.Owner) + "subscriptions").Subscriptions[domain] = s
	}
	var out []File
	for _, path := range order {
		var b bytes.Buffer
		if fl == nil {
			b.WriteString("# Imported from a Plesk server by plansync import.\n")
		} else {
			b.WriteString("# Imported from several Plesk servers by plansync import.\n")
			if path == "servers" {
				fl.writeServers(&b, format)
				if len(parts[path].Services) > 0 {
					b.WriteByte('\n')
				}
			}
		}
		if fl == nil {
			if err := write(&b, parts[path]); err != nil {
				return nil, err
			}
			out = append(out, File{Path: path + "." + format, Data: b.Bytes()})
			continue
		}
		// The objects as the fleet writer writes them, then placed.
		var objects bytes.Buffer
		if err := write(&objects, parts[path]); err != nil {
			return nil, err
		}
		owner := model.Admin
		if dir, _, ok := strings.Cut(path, "/"); ok {
			owner = owners[dir]
		}
		b.Write(fl.place(objects.Bytes(), format, owner))
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

// plansyncOnly lists, in IMPORT.md, what has no counterpart on a Plesk
// server and so stays plansync-only (SPEC 6.2: listed by plansync import
// and in docs/plesk.md, "Not mapped, and why").
const plansyncOnly = "Plan descriptions, plan-level expiration and the services of add-on and reseller plans do not exist on the server (see docs/plesk.md).\n" +
	"Nor do these, which stay plansync-only and are not imported: mail.spamfilter and mail.antivirus (Plesk sets them per mailbox), " +
	"dns.zone_type in a customisation, a customer's admin_description, a service button's background_image (an uploaded file in Plesk), " +
	"and the server's default_plan (the plan custom subscriptions start from).\n\n"

// Report renders IMPORT.md.
func Report(server string, cfg *model.Config, notes []string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Import of %s\n\n", server)
	fmt.Fprintf(&b, "Imported %s.\n\n", Counts(cfg))
	b.WriteString("## Not mapped\n\n")
	b.WriteString("Passwords cannot be read from Plesk: none is written, and a password the config does not set is not managed.\n")
	b.WriteString(plansyncOnly)
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
