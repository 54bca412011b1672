package config

import (
	"encoding/binary"
	"errors"
	"github.com/plansync/plansync/internal/bincodec"
	"time"

	"github.com/plansync/plansync/internal/diag"
	"github.com/plansync/plansync/internal/model"
)

// The codec of a cached decoded file (LoadCached): a compact binary
// form of what DecodeFile gives and the diagnostics of parsing it, read
// back without parsing YAML or HCL again.
//
// Every string is written once: later occurrences (the file's path in
// every source range, owners, plan names, property paths) refer back to
// the first, so the reader shares them as well. Counts are written plus
// one, zero meaning nil, so a nil slice or map comes back nil and an
// empty one empty. A reader checks every length against what is left
// and fails, never panics, on any damaged input (FuzzCacheCodec).
//
// Secrets: the value a secret reference resolved to is never written.
// An {env: NAME} or {file: path} reference is resolved again when the
// entry is read (a variable unset or a file unreadable by then makes the
// entry unusable: the file is decoded again and says what is wrong); a
// literal, which only the file itself holds, is written sealed by the
// caller's Seal (encrypted with a key kept outside the config directory)
// and a file with a literal is not cached at all when there is no Seal.
//
// TestCacheCodecCoversEveryField fails when a field is added to a type
// written here, until the codec writes it too.

// cacheCodecVersion changes whenever the encoding does.
const cacheCodecVersion = 3

// errCacheEntry is any damaged or unusable entry.
var errCacheEntry = errors.New("unusable cache entry")

type cacheWriter struct {
	bincodec.Writer
	seal func(string) (string, bool)
	ok   bool
}

func (w *cacheWriter) labels(m map[string]string) {
	w.N(len(m), m == nil)
	for k, v := range m {
		w.S(k)
		w.S(v)
	}
}

func (w *cacheWriter) placement(p model.Placement) {
	w.Strings(p.Servers)
	w.labels(p.Selector)
}

func (w *cacheWriter) rng(r diag.Range) {
	w.S(r.File)
	w.I(int64(r.Start.Line))
	w.I(int64(r.Start.Column))
	w.I(int64(r.End.Line))
	w.I(int64(r.End.Column))
}

func (w *cacheWriter) src(s model.Src) {
	w.rng(s.Decl)
	w.N(len(s.Fields), s.Fields == nil)
	for _, f := range s.Fields {
		w.S(f.Field)
		w.rng(f.Range)
	}
}

func (w *cacheWriter) props(p model.Props) {
	w.N(len(p), p == nil)
	for k, v := range p {
		w.S(k)
		w.U(uint64(v.K))
		w.I(v.N)
		w.S(v.S)
	}
}

func (w *cacheWriter) secret(s *model.Secret) {
	w.Bool(s != nil)
	if s == nil {
		return
	}
	w.S(s.Env)
	w.S(s.File)
	w.Bool(s.Literal)
	w.rng(s.Range)
	if s.Literal {
		sealed, ok := "", false
		if w.seal != nil {
			sealed, ok = w.seal(s.Value)
		}
		if !ok {
			w.ok = false
		}
		w.B = binary.AppendUvarint(w.B, uint64(len(sealed)))
		w.B = append(w.B, sealed...) // never interned: not a string to share
	}
}

func (w *cacheWriter) contact(c model.Contact) {
	w.S(c.Name)
	w.S(c.Company)
	w.S(c.Email)
	w.S(c.Phone)
	w.S(c.Address)
}

func (w *cacheWriter) service(s *model.Service) {
	w.Bool(s != nil)
	if s == nil {
		return
	}
	w.S(s.Name)
	w.S(s.Description)
	w.Bool(s.Button != nil)
	if b := s.Button; b != nil {
		w.S(b.URL)
		w.S(b.BackgroundImage)
		w.Bool(b.OpenInPanel)
	}
	w.Strings(s.Send)
	w.Bool(s.AvailableToResellers)
	w.S(s.Extension)
	w.placement(s.Placement)
	w.src(s.Src)
}

func (w *cacheWriter) server(s *model.Server) {
	w.Bool(s != nil)
	if s == nil {
		return
	}
	w.S(s.Name)
	w.labels(s.Labels)
	w.Strings(s.Components)
	w.N(len(s.Extensions), s.Extensions == nil)
	for _, e := range s.Extensions {
		w.S(e.Name)
		w.N(len(e.Services), e.Services == nil)
		for _, svc := range e.Services {
			w.service(svc)
		}
		w.src(e.Src)
	}
	w.S(s.DefaultPlan)
	w.Bool(s.Plesk != nil)
	if p := s.Plesk; p != nil {
		w.S(p.URL)
		w.secret(p.Key)
		w.S(p.Login)
		w.secret(p.Password)
		w.S(p.CAFile)
		w.S(p.CAPath)
		w.S(p.DefaultIP)
		w.src(p.Src)
	}
	w.src(s.Src)
}

func (w *cacheWriter) plan(p *model.Plan) {
	w.Bool(p != nil)
	if p == nil {
		return
	}
	w.S(string(p.Kind))
	w.S(p.Owner)
	w.S(p.Name)
	w.S(p.Description)
	w.props(p.Props)
	w.Strings(p.Services)
	w.Bool(p.Oversell)
	w.placement(p.Placement)
	w.src(p.Src)
}

func (w *cacheWriter) reseller(r *model.Reseller) {
	w.Bool(r != nil)
	if r == nil {
		return
	}
	w.S(r.Login)
	w.S(r.RenamedFrom)
	w.secret(r.Password)
	w.contact(r.Contact)
	w.S(r.Plan)
	w.props(r.Props)
	w.Strings(r.Services)
	w.Bool(r.Oversell)
	w.S(r.Status)
	w.S(r.Description)
	w.S(r.ManagedBy)
	w.Strings(r.Servers)
	w.src(r.Src)
}

func (w *cacheWriter) customer(c *model.Customer) {
	w.Bool(c != nil)
	if c == nil {
		return
	}
	w.S(c.Login)
	w.S(c.RenamedFrom)
	w.secret(c.Password)
	w.contact(c.Contact)
	w.S(c.Owner)
	w.S(c.Status)
	w.S(c.Description)
	w.S(c.AdminDescription)
	w.S(c.ManagedBy)
	w.Strings(c.Servers)
	w.src(c.Src)
}

func (w *cacheWriter) subscription(s *model.Subscription) {
	w.Bool(s != nil)
	if s == nil {
		return
	}
	w.S(s.Domain)
	w.S(s.RenamedFrom)
	w.S(s.Customer)
	w.S(s.Owner)
	w.S(s.Plan)
	w.Strings(s.Addons)
	w.props(s.Customize)
	w.S(s.Status)
	w.Bool(s.Expires != nil)
	if s.Expires != nil {
		w.I(s.Expires.Unix())
		w.I(int64(s.Expires.Nanosecond()))
	}
	w.S(s.FTPLogin)
	w.secret(s.FTPPassword)
	w.S(s.IPAddress)
	w.S(s.ManagedBy)
	w.S(s.Server)
	w.src(s.Src)
}

func (w *cacheWriter) settings(s *model.SubscriberSettings) {
	w.Bool(s != nil)
	if s == nil {
		return
	}
	w.S(s.Domain)
	w.props(s.Props)
	w.src(s.Src)
}

func (w *cacheWriter) diags(ds diag.Diagnostics) {
	w.N(len(ds), ds == nil)
	for _, d := range ds {
		w.U(uint64(d.Severity))
		w.S(d.Summary)
		w.S(d.Detail)
		w.rng(d.Subject)
		w.N(len(d.Related), d.Related == nil)
		for _, r := range d.Related {
			w.rng(r)
		}
		w.S(d.Object)
		w.S(d.Path)
	}
}

// encodeCached encodes a decoded file and the diagnostics of its parse;
// false when it cannot be cached (a literal secret and no seal).
func encodeCached(parse diag.Diagnostics, d *Decoded, seal func(string) (string, bool)) ([]byte, bool) {
	w := &cacheWriter{Writer: bincodec.NewWriter(4096), seal: seal, ok: true}
	w.U(cacheCodecVersion)
	w.diags(parse)
	r := d.res
	w.N(len(r.servers), r.servers == nil)
	for _, x := range r.servers {
		w.server(x)
	}
	w.N(len(r.namedServers), r.namedServers == nil)
	for _, x := range r.namedServers {
		w.server(x)
	}
	w.N(len(r.services), r.services == nil)
	for _, x := range r.services {
		w.service(x)
	}
	for _, l := range [][]*model.Plan{r.servicePlans, r.addonPlans, r.resellerPlans} {
		w.N(len(l), l == nil)
		for _, x := range l {
			w.plan(x)
		}
	}
	w.N(len(r.resellers), r.resellers == nil)
	for _, x := range r.resellers {
		w.reseller(x)
	}
	w.N(len(r.customers), r.customers == nil)
	for _, x := range r.customers {
		w.customer(x)
	}
	w.N(len(r.subscriptions), r.subscriptions == nil)
	for _, x := range r.subscriptions {
		w.subscription(x)
	}
	w.N(len(r.settings), r.settings == nil)
	for _, x := range r.settings {
		w.settings(x)
	}
	w.diags(r.diags)
	return w.B, w.ok
}

// cacheReader reads what cacheWriter wrote; the first problem sets err
// and every later read gives zero values.
type cacheReader struct {
	bincodec.Reader
	unseal func(string) (string, bool)
	// resolve gives a reference its value again.
	resolve func(s *model.Secret) bool
}

func (r *cacheReader) int() int {
	v := r.I()
	if int64(int(v)) != v {
		r.Fail()
		return 0
	}
	return int(v)
}

func (r *cacheReader) raw() string {
	n := r.U()
	if n > uint64(len(r.B)) {
		r.Fail()
		return ""
	}
	s := string(r.B[:n])
	r.B = r.B[n:]
	return s
}

func (r *cacheReader) labels() map[string]string {
	n := r.N()
	if n < 0 {
		return nil
	}
	m := make(map[string]string, n)
	for range n {
		k := r.S()
		m[k] = r.S()
	}
	return m
}

func (r *cacheReader) placement() model.Placement {
	return model.Placement{Servers: r.Strings(), Selector: r.labels()}
}

func (r *cacheReader) rng() diag.Range {
	return diag.Range{File: r.S(), Start: diag.Pos{Line: r.int(), Column: r.int()}, End: diag.Pos{Line: r.int(), Column: r.int()}}
}

func (r *cacheReader) src() model.Src {
	s := model.Src{Decl: r.rng()}
	n := r.N()
	if n >= 0 {
		s.Fields = make([]model.FieldRange, n)
		for i := range s.Fields {
			s.Fields[i].Field = r.S()
			s.Fields[i].Range = r.rng()
		}
	}
	return s
}

func (r *cacheReader) props() model.Props {
	n := r.N()
	if n < 0 {
		return nil
	}
	p := make(model.Props, n)
	for range n {
		k := r.S()
		kind := r.U()
		if kind > 255 {
			r.Fail()
		}
		p[k] = model.Value{K: model.Kind(kind), N: r.I(), S: r.S()}
	}
	return p
}

func (r *cacheReader) secret() *model.Secret {
	if !r.Bool() {
		return nil
	}
	s := &model.Secret{Env: r.S(), File: r.S(), Literal: r.Bool(), Range: r.rng()}
	if r.Bad {
		return nil
	}
	if s.Literal {
		sealed := r.raw()
		v, ok := "", false
		if r.unseal != nil && !r.Bad {
			v, ok = r.unseal(sealed)
		}
		if !ok {
			r.Fail()
			return nil
		}
		s.Value = v
		return s
	}
	if !r.resolve(s) {
		r.Fail()
		return nil
	}
	return s
}

func (r *cacheReader) contact() model.Contact {
	return model.Contact{Name: r.S(), Company: r.S(), Email: r.S(), Phone: r.S(), Address: r.S()}
}

func (r *cacheReader) service() *model.Service {
	if !r.Bool() {
		return nil
	}
	s := &model.Service{Name: r.S(), Description: r.S()}
	if r.Bool() {
		s.Button = &model.Button{URL: r.S(), BackgroundImage: r.S(), OpenInPanel: r.Bool()}
	}
	s.Send = r.Strings()
	s.AvailableToResellers = r.Bool()
	s.Extension = r.S()
	s.Placement = r.placement()
	s.Src = r.src()
	return s
}

func (r *cacheReader) server() *model.Server {
	if !r.Bool() {
		return nil
	}
	s := &model.Server{Name: r.S(), Labels: r.labels(), Components: r.Strings()}
	if n := r.N(); n >= 0 {
		s.Extensions = make([]model.Extension, n)
		for i := range s.Extensions {
			e := &s.Extensions[i]
			e.Name = r.S()
			if m := r.N(); m >= 0 {
				e.Services = make([]*model.Service, m)
				for j := range e.Services {
					e.Services[j] = r.service()
				}
			}
			e.Src = r.src()
		}
	}
	s.DefaultPlan = r.S()
	if r.Bool() {
		s.Plesk = &model.PleskConnection{URL: r.S(), Key: r.secret(), Login: r.S(), Password: r.secret(),
			CAFile: r.S(), CAPath: r.S(), DefaultIP: r.S(), Src: r.src()}
	}
	s.Src = r.src()
	return s
}

func (r *cacheReader) plan(p *model.Plan) *model.Plan {
	if !r.Bool() {
		return nil
	}
	*p = model.Plan{Kind: model.PlanKind(r.S()), Owner: r.S(), Name: r.S(), Description: r.S(), Props: r.props(),
		Services: r.Strings(), Oversell: r.Bool(), Placement: r.placement(), Src: r.src()}
	return p
}

func (r *cacheReader) reseller() *model.Reseller {
	if !r.Bool() {
		return nil
	}
	return &model.Reseller{Login: r.S(), RenamedFrom: r.S(), Password: r.secret(), Contact: r.contact(), Plan: r.S(),
		Props: r.props(), Services: r.Strings(), Oversell: r.Bool(), Status: r.S(), Description: r.S(),
		ManagedBy: r.S(), Servers: r.Strings(), Src: r.src()}
}

func (r *cacheReader) customer(c *model.Customer) *model.Customer {
	if !r.Bool() {
		return nil
	}
	*c = model.Customer{Login: r.S(), RenamedFrom: r.S(), Password: r.secret(), Contact: r.contact(), Owner: r.S(),
		Status: r.S(), Description: r.S(), AdminDescription: r.S(), ManagedBy: r.S(), Servers: r.Strings(), Src: r.src()}
	return c
}

func (r *cacheReader) subscription(s *model.Subscription) *model.Subscription {
	if !r.Bool() {
		return nil
	}
	*s = model.Subscription{Domain: r.S(), RenamedFrom: r.S(), Customer: r.S(), Owner: r.S(), Plan: r.S(),
		Addons: r.Strings(), Customize: r.props(), Status: r.S()}
	if r.Bool() {
		sec, nsec := r.I(), r.I()
		t := time.Unix(sec, nsec).UTC()
		s.Expires = &t
	}
	s.FTPLogin = r.S()
	s.FTPPassword = r.secret()
	s.IPAddress = r.S()
	s.ManagedBy = r.S()
	s.Server = r.S()
	s.Src = r.src()
	return s
}

func (r *cacheReader) settings(s *model.SubscriberSettings) *model.SubscriberSettings {
	if !r.Bool() {
		return nil
	}
	*s = model.SubscriberSettings{Domain: r.S(), Props: r.props(), Src: r.src()}
	return s
}

func (r *cacheReader) diags() diag.Diagnostics {
	n := r.N()
	if n < 0 {
		return nil
	}
	ds := make(diag.Diagnostics, n)
	for i := range ds {
		d := &ds[i]
		sev := r.U()
		if sev > 1 {
			r.Fail()
		}
		d.Severity = diag.Severity(sev)
		d.Summary, d.Detail, d.Subject = r.S(), r.S(), r.rng()
		if m := r.N(); m >= 0 {
			d.Related = make([]diag.Range, m)
			for j := range d.Related {
				d.Related[j] = r.rng()
			}
		}
		d.Object, d.Path = r.S(), r.S()
	}
	return ds
}

// list reads a list of pointers, the items allocated together.
func cacheList[T any](r *cacheReader, read func(*T) *T) []*T {
	n := r.N()
	if n < 0 {
		return nil
	}
	slab := make([]T, n)
	out := make([]*T, n)
	for i := range out {
		out[i] = read(&slab[i])
		if r.Bad {
			return nil
		}
	}
	return out
}

// decodeCached reads what encodeCached wrote: the parse diagnostics and
// the decoded file, its secret references resolved through resolve.
func decodeCached(data []byte, unseal func(string) (string, bool), resolve func(*model.Secret) bool) (diag.Diagnostics, *Decoded, error) {
	r := &cacheReader{Reader: bincodec.Reader{B: data}, unseal: unseal, resolve: resolve}
	if r.U() != cacheCodecVersion {
		return nil, nil, errCacheEntry
	}
	parse := r.diags()
	res := &decResult{}
	res.servers = cacheList(r, func(*model.Server) *model.Server { return r.server() })
	res.namedServers = cacheList(r, func(*model.Server) *model.Server { return r.server() })
	res.services = cacheList(r, func(*model.Service) *model.Service { return r.service() })
	res.servicePlans = cacheList(r, r.plan)
	res.addonPlans = cacheList(r, r.plan)
	res.resellerPlans = cacheList(r, r.plan)
	res.resellers = cacheList(r, func(*model.Reseller) *model.Reseller { return r.reseller() })
	res.customers = cacheList(r, r.customer)
	res.subscriptions = cacheList(r, r.subscription)
	res.settings = cacheList(r, r.settings)
	res.diags = r.diags()
	if r.Bad || len(r.B) != 0 {
		return nil, nil, errCacheEntry
	}
	return parse, &Decoded{res: res}, nil
}
