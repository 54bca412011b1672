package fake

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"io"
	"strconv"

	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// An answer is what encoding/xml's Encoder makes of a packetResp, byte
// for byte. A webspace get of a large server is nearly all of it: its
// results are written here by hand, with encoding/xml's rules (fields
// in order, omitempty, empty elements as a start and an end tag, text
// escaped as Encoder escapes it); every other result is encoded by
// encoding/xml itself.

// encodeAnswer writes resp as xml.NewEncoder(w).Encode(resp) would.
func encodeAnswer(w io.Writer, resp *packetResp) error {
	e := &answerWriter{w: bufio.NewWriterSize(w, 64<<10)}
	e.enc = xml.NewEncoder(&e.scratch)
	e.w.WriteString(`<packet version="`)
	e.text(resp.Version)
	e.w.WriteString(`">`)
	for i := range resp.Ops {
		or := &resp.Ops[i]
		e.start(or.XMLName.Local)
		for j := range or.Ops {
			o := &or.Ops[j]
			e.start(o.XMLName.Local)
			for _, r := range o.Results {
				if err := e.result(r); err != nil {
					return err
				}
			}
			e.end(o.XMLName.Local)
		}
		e.end(or.XMLName.Local)
	}
	e.w.WriteString(`</packet>`)
	return e.w.Flush()
}

type answerWriter struct {
	w       *bufio.Writer
	enc     *xml.Encoder
	scratch bytes.Buffer
	num     []byte
}

func (e *answerWriter) result(r any) error {
	if d, ok := r.(*xmlapi.WebspaceData); ok && d != nil {
		e.webspace(d)
		return nil
	}
	if err := e.enc.EncodeElement(r, xml.StartElement{Name: xml.Name{Local: "result"}}); err != nil {
		return err
	}
	_, err := e.w.Write(e.scratch.Bytes())
	e.scratch.Reset()
	return err
}

func (e *answerWriter) start(name string) {
	e.w.WriteByte('<')
	e.w.WriteString(name)
	e.w.WriteByte('>')
}

func (e *answerWriter) end(name string) {
	e.w.WriteString("</")
	e.w.WriteString(name)
	e.w.WriteByte('>')
}

// text writes s escaped as encoding/xml escapes text and attribute
// values: its own escaper unless s is plain printable ASCII.
func (e *answerWriter) text(s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c > 0x7e, c == '"', c == '\'', c == '&', c == '<', c == '>':
			_ = xml.EscapeText(e.w, []byte(s))
			return
		}
	}
	e.w.WriteString(s)
}

// elem writes <name>s</name>.
func (e *answerWriter) elem(name, s string) {
	e.start(name)
	e.text(s)
	e.end(name)
}

// opt writes <name>s</name> unless s is empty (omitempty).
func (e *answerWriter) opt(name, s string) {
	if s != "" {
		e.elem(name, s)
	}
}

func (e *answerWriter) int(name string, n int64) {
	e.num = strconv.AppendInt(e.num[:0], n, 10)
	e.start(name)
	e.w.Write(e.num)
	e.end(name)
}

func (e *answerWriter) pair(name, n, v string) {
	e.start(name)
	e.elem("name", n)
	e.elem("value", v)
	e.end(name)
}

func (e *answerWriter) webspace(d *xmlapi.WebspaceData) {
	e.start("result")
	e.elem("status", d.Status.Status)
	if d.ErrCode != 0 {
		e.int("errcode", int64(d.ErrCode))
	}
	e.opt("errtext", d.ErrText)
	e.opt("filter-id", d.FilterID)
	if d.ID != 0 {
		e.int("id", int64(d.ID))
	}
	if b := d.Data; b != nil {
		e.start("data")
		if g := b.GenInfo; g != nil {
			e.start("gen_info")
			e.elem("cr_date", g.Created)
			e.elem("name", g.Name)
			e.elem("ascii-name", g.ASCIIName)
			e.int("status", int64(g.Status))
			e.int("real_size", g.RealSize)
			if g.OwnerID != 0 {
				e.int("owner-id", int64(g.OwnerID))
			}
			e.opt("owner-login", g.OwnerLogin)
			for _, ip := range g.DNSIP {
				e.elem("dns_ip_address", ip)
			}
			e.elem("htype", g.HType)
			e.elem("guid", g.GUID)
			e.elem("vendor-guid", g.VendorGUID)
			e.elem("external-id", g.ExternalID)
			e.opt("description", g.Description)
			e.opt("admin-description", g.AdminDescription)
			e.opt("reseller-description", g.ResellerDescription)
			e.end("gen_info")
		}
		if h := b.Hosting; h != nil {
			e.start("hosting")
			if v := h.VrtHst; v != nil {
				e.start("vrt_hst")
				for _, p := range v.Property {
					e.pair("property", p.Name, p.Value)
				}
				for _, ip := range v.IPAddress {
					e.elem("ip_address", ip)
				}
				e.end("vrt_hst")
			}
			e.end("hosting")
		}
		if l := b.Limits; l != nil {
			e.start("limits")
			e.opt("overuse", l.Overuse)
			for _, x := range l.Limit {
				e.pair("limit", x.Name, x.Value)
			}
			e.end("limits")
		}
		if s := b.Stat; s != nil {
			e.start("stat")
			e.int("traffic", s.Traffic)
			e.int("subdom", s.Subdomains)
			e.int("wu", s.WebUsers)
			e.int("box", s.Mailboxes)
			e.int("redir", s.Redirects)
			e.int("mg", s.MailGroups)
			e.int("resp", s.Responders)
			e.int("maillists", s.MailLists)
			e.int("db", s.Databases)
			e.int("mssql_db", s.MSSQLDatabases)
			e.int("traffic_prevday", s.TrafficPrevDay)
			e.int("domains", s.Domains)
			e.int("sites", s.Sites)
			e.end("stat")
		}
		if p := b.Prefs; p != nil {
			e.start("prefs")
			e.opt("www", p.WWW)
			e.opt("stat_ttl", p.StatTTL)
			e.opt("outgoing-messages-domain-limit", p.OutgoingLimit)
			e.end("prefs")
		}
		if u := b.DiskUsage; u != nil {
			e.start("disk_usage")
			e.int("httpdocs", u.HTTPDocs)
			e.int("httpsdocs", u.HTTPSDocs)
			e.int("subdomains", u.Subdomains)
			e.int("web_users", u.WebUsers)
			e.int("anonftp", u.AnonFTP)
			e.int("logs", u.Logs)
			e.int("dbases", u.Databases)
			e.int("mailboxes", u.Mailboxes)
			e.int("maillists", u.MailLists)
			e.int("domaindumps", u.DomainDumps)
			e.int("configs", u.Configs)
			e.int("chroot", u.Chroot)
			e.end("disk_usage")
		}
		if p := b.Performance; p != nil {
			e.start("performance")
			e.opt("bandwidth", p.Bandwidth)
			e.opt("max_connections", p.MaxConnections)
			e.end("performance")
		}
		if s := b.Subscriptions; s != nil {
			e.start("subscriptions")
			if si := s.Subscription; si != nil {
				e.start("subscription")
				e.elem("locked", si.Locked)
				e.elem("synchronized", si.Synchronized)
				for _, p := range si.Plan {
					e.start("plan")
					e.elem("plan-guid", p.GUID)
					e.end("plan")
				}
				e.end("subscription")
			}
			e.end("subscriptions")
		}
		if p := b.Permissions; p != nil {
			e.start("permissions")
			for _, x := range p.Permission {
				e.pair("permission", x.Name, x.Value)
			}
			e.end("permissions")
		}
		if p := b.PlanItems; p != nil {
			e.start("plan-items")
			for _, it := range p.Item {
				e.start("item")
				e.elem("name", it.Name)
				e.end("item")
			}
			e.end("plan-items")
		}
		if p := b.PHPSettings; p != nil {
			e.start("php-settings")
			for _, x := range p.Setting {
				e.pair("setting", x.Name, x.Value)
			}
			e.end("php-settings")
		}
		if u := b.ResourceUsage; u != nil {
			e.start("resource-usage")
			for _, x := range u.Resource {
				e.pair("resource", x.Name, x.Value)
			}
			e.end("resource-usage")
		}
		if m := b.Mail; m != nil {
			e.start("mail")
			e.opt("webmail", m.Webmail)
			e.opt("mailservice", m.MailService)
			e.end("mail")
		}
		e.end("data")
	}
	e.end("result")
}
