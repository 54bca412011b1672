package config

import (
	"encoding/binary"
	"errors"
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
const cacheCodecVersion = 2

// errCacheEntry is any damaged or unusable entry.
var errCacheEntry = errors.New("unusable cache entry")

type cacheWriter struct {
	b    []byte
	strs map[string]uint64
	seal func(string) (string, bool)
	ok   bool
}

func (w *cacheWriter) u(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *cacheWriter) i(v int64)  { w.b = binary.AppendVarint(w.b, v) }

func (w *cacheWriter) bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

// s writes a string: its length doubled when new, its index doubled plus
// one when written before.
func (w *cacheWriter) s(s string) {
	if s == "" {
		w.u(0)
		return
	}
	if i, ok := w.strs[s]; ok {
		w.u(i<<1 | 1)
		return
	}
	w.strs[s] = uint64(len(w.strs))
	w.u(uint64(len(s)) << 1)
	w.b = append(w.b, s...)
}

func (w *cacheWriter) n(length int, isNil bool) {
	if isNil {
		w.u(0)
	} else {
		w.u(uint64(length) + 1)
	}
}

func (w *cacheWriter) strings(l []string) {
	w.n(len(l), l == nil)
	for _, s := range l {
		w.s(s)
	}
}

func (w *cacheWriter) labels(m map[string]string) {
	w.n(len(m), m == nil)
	for k, v := range m {
		w.s(k)
		w.s(v)
	}
}

func (w *cacheWriter) placement(p model.Placement) {
	w.strings(p.Servers)
	w.labels(p.Selector)
}

func (w *cacheWriter) rng(r diag.Range) {
	w.s(r.File)
	w.i(int64(r.Start.Line))
	w.i(int64(r.Start.Column))
	w.i(int64(r.End.Line))
	w.i(int64(r.End.Column))
}

func (w *cacheWriter) src(s model.Src) {
	w.rng(s.Decl)
	w.n(len(s.Fields), s.Fields == nil)
	for k, r := range s.Fields {
		w.s(k)
		w.rng(r)
	}
}

func (w *cacheWriter) props(p model.Props) {
	w.n(len(p), p == nil)
	for k, v := range p {
		w.s(k)
		w.u(uint64(v.K))
		w.i(v.N)
		w.s(v.S)
	}
}

func (w *cacheWriter) secret(s *model.Secret) {
	w.bool(s != nil)
	if s == nil {
		return
	}
	w.s(s.Env)
	w.s(s.File)
	w.bool(s.Literal)
	w.rng(s.Range)
	if s.Literal {
		sealed, ok := "", false
		if w.seal != nil {
			sealed, ok = w.seal(s.Value)
		}
		if !ok {
			w.ok = false
		}
		w.b = binary.AppendUvarint(w.b, uint64(len(sealed)))
		w.b = append(w.b, sealed...) // never interned: not a string to share
	}
}

func (w *cacheWriter) contact(c model.Contact) {
	w.s(c.Name)
	w.s(c.Company)
	w.s(c.Email)
	w.s(c.Phone)
	w.s(c.Address)
}

func (w *cacheWriter) service(s *model.Service) {
	w.bool(s != nil)
	if s == nil {
		return
	}
	w.s(s.Name)
	w.s(s.Description)
	w.bool(s.Button != nil)
	if b := s.Button; b != nil {
		w.s(b.URL)
		w.s(b.BackgroundImage)
		w.bool(b.OpenInPanel)
	}
	w.strings(s.Send)
	w.bool(s.AvailableToResellers)
	w.s(s.Extension)
	w.placement(s.Placement)
	w.src(s.Src)
}

func (w *cacheWriter) server(s *model.Server) {
	w.bool(s != nil)
	if s == nil {
		return
	}
	w.s(s.Name)
	w.labels(s.Labels)
	w.strings(s.Components)
	w.n(len(s.Extensions), s.Extensions == nil)
	for _, e := range s.Extensions {
		w.s(e.Name)
		w.n(len(e.Services), e.Services == nil)
		for _, svc := range e.Services {
			w.service(svc)
		}
		w.src(e.Src)
	}
	w.s(s.DefaultPlan)
	w.bool(s.Plesk != nil)
	if p := s.Plesk; p != nil {
		w.s(p.URL)
		w.secret(p.Key)
		w.s(p.Login)
		w.secret(p.Password)
		w.s(p.CAFile)
		w.s(p.CAPath)
		w.s(p.DefaultIP)
		w.src(p.Src)
	}
	w.src(s.Src)
}

func (w *cacheWriter) plan(p *model.Plan) {
	w.bool(p != nil)
	if p == nil {
		return
	}
	w.s(string(p.Kind))
	w.s(p.Owner)
	w.s(p.Name)
	w.s(p.Description)
	w.props(p.Props)
	w.strings(p.Services)
	w.bool(p.Oversell)
	w.placement(p.Placement)
	w.src(p.Src)
}

func (w *cacheWriter) reseller(r *model.Reseller) {
	w.bool(r != nil)
	if r == nil {
		return
	}
	w.s(r.Login)
	w.s(r.RenamedFrom)
	w.secret(r.Password)
	w.contact(r.Contact)
	w.s(r.Plan)
	w.props(r.Props)
	w.strings(r.Services)
	w.bool(r.Oversell)
	w.s(r.Status)
	w.s(r.Description)
	w.s(r.ManagedBy)
	w.strings(r.Servers)
	w.src(r.Src)
}

func (w *cacheWriter) customer(c *model.Customer) {
	w.bool(c != nil)
	if c == nil {
		return
	}
	w.s(c.Login)
	w.s(c.RenamedFrom)
	w.secret(c.Password)
	w.contact(c.Contact)
	w.s(c.Owner)
	w.s(c.Status)
	w.s(c.Description)
	w.s(c.AdminDescription)
	w.s(c.ManagedBy)
	w.strings(c.Servers)
	w.src(c.Src)
}

func (w *cacheWriter) subscription(s *model.Subscription) {
	w.bool(s != nil)
	if s == nil {
		return
	}
	w.s(s.Domain)
	w.s(s.RenamedFrom)
	w.s(s.Customer)
	w.s(s.Owner)
	w.s(s.Plan)
	w.strings(s.Addons)
	w.props(s.Customize)
	w.s(s.Status)
	w.bool(s.Expires != nil)
	if s.Expires != nil {
		w.i(s.Expires.Unix())
		w.i(int64(s.Expires.Nanosecond()))
	}
	w.s(s.FTPLogin)
	w.secret(s.FTPPassword)
	w.s(s.ManagedBy)
	w.s(s.Server)
	w.src(s.Src)
}

func (w *cacheWriter) settings(s *model.SubscriberSettings) {
	w.bool(s != nil)
	if s == nil {
		return
	}
	w.s(s.Domain)
	w.props(s.Props)
	w.src(s.Src)
}

func (w *cacheWriter) diags(ds diag.Diagnostics) {
	w.n(len(ds), ds == nil)
	for _, d := range ds {
		w.u(uint64(d.Severity))
		w.s(d.Summary)
		w.s(d.Detail)
		w.rng(d.Subject)
		w.n(len(d.Related), d.Related == nil)
		for _, r := range d.Related {
			w.rng(r)
		}
		w.s(d.Object)
		w.s(d.Path)
	}
}

// encodeCached encodes a decoded file and the diagnostics of its parse;
// false when it cannot be cached (a literal secret and no seal).
func encodeCached(parse diag.Diagnostics, d *Decoded, seal func(string) (string, bool)) ([]byte, bool) {
	w := &cacheWriter{b: make([]byte, 0, 4096), strs: map[string]uint64{}, seal: seal, ok: true}
	w.u(cacheCodecVersion)
	w.diags(parse)
	r := d.res
	w.n(len(r.servers), r.servers == nil)
	for _, x := range r.servers {
		w.server(x)
	}
	w.n(len(r.namedServers), r.namedServers == nil)
	for _, x := range r.namedServers {
		w.server(x)
	}
	w.n(len(r.services), r.services == nil)
	for _, x := range r.services {
		w.service(x)
	}
	for _, l := range [][]*model.Plan{r.servicePlans, r.addonPlans, r.resellerPlans} {
		w.n(len(l), l == nil)
		for _, x := range l {
			w.plan(x)
		}
	}
	w.n(len(r.resellers), r.resellers == nil)
	for _, x := range r.resellers {
		w.reseller(x)
	}
	w.n(len(r.customers), r.customers == nil)
	for _, x := range r.customers {
		w.customer(x)
	}
	w.n(len(r.subscriptions), r.subscriptions == nil)
	for _, x := range r.subscriptions {
		w.subscription(x)
	}
	w.n(len(r.settings), r.settings == nil)
	for _, x := range r.settings {
		w.settings(x)
	}
	w.diags(r.diags)
	return w.b, w.ok
}

// cacheReader reads what cacheWriter wrote; the first problem sets err
// and every later read gives zero values.
type cacheReader struct {
	b      []byte
	strs   []string
	err    error
	unseal func(string) (string, bool)
	// resolve gives a reference its value again.
	resolve func(s *model.Secret) bool
}

func (r *cacheReader) fail() {
	if r.err == nil {
		r.err = errCacheEntry
	}
	r.b = nil
}

func (r *cacheReader) u() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *cacheReader) i() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *cacheReader) int() int {
	v := r.i()
	if int64(int(v)) != v {
		r.fail()
		return 0
	}
	return int(v)
}

func (r *cacheReader) bool() bool {
	if len(r.b) == 0 || r.b[0] > 1 {
		r.fail()
		return false
	}
	v := r.b[0] == 1
	r.b = r.b[1:]
	return v
}

func (r *cacheReader) s() string {
	v := r.u()
	if v == 0 {
		return ""
	}
	if v&1 == 1 {
		i := v >> 1
		if i >= uint64(len(r.strs)) {
			r.fail()
			return ""
		}
		return r.strs[i]
	}
	n := v >> 1
	if n > uint64(len(r.b)) {
		r.fail()
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	r.strs = append(r.strs, s)
	return s
}

func (r *cacheReader) raw() string {
	n := r.u()
	if n > uint64(len(r.b)) {
		r.fail()
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// n reads a count written by cacheWriter.n: -1 for nil. Each item takes
// at least one byte, so a count beyond what is left is damage (and
// never a huge allocation).
func (r *cacheReader) n() int {
	v := r.u()
	if v == 0 {
		return -1
	}
	if v-1 > uint64(len(r.b)) {
		r.fail()
		return -1
	}
	return int(v - 1)
}

func (r *cacheReader) strings() []string {
	n := r.n()
	if n < 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.s()
	}
	return out
}

func (r *cacheReader) labels() map[string]string {
	n := r.n()
	if n < 0 {
		return nil
	}
	m := make(map[string]string, n)
	for range n {
		k := r.s()
		m[k] = r.s()
	}
	return m
}

func (r *cacheReader) placement() model.Placement {
	return model.Placement{Servers: r.strings(), Selector: r.labels()}
}

func (r *cacheReader) rng() diag.Range {
	return diag.Range{File: r.s(), Start: diag.Pos{Line: r.int(), Column: r.int()}, End: diag.Pos{Line: r.int(), Column: r.int()}}
}

func (r *cacheReader) src() model.Src {
	s := model.Src{Decl: r.rng()}
	n := r.n()
	if n >= 0 {
		s.Fields = make(map[string]diag.Range, n)
		for range n {
			k := r.s()
			s.Fields[k] = r.rng()
		}
	}
	return s
}

func (r *cacheReader) props() model.Props {
	n := r.n()
	if n < 0 {
		return nil
	}
	p := make(model.Props, n)
	for range n {
		k := r.s()
		kind := r.u()
		if kind > 255 {
			r.fail()
		}
		p[k] = model.Value{K: model.Kind(kind), N: r.i(), S: r.s()}
	}
	return p
}

func (r *cacheReader) secret() *model.Secret {
	if !r.bool() {
		return nil
	}
	s := &model.Secret{Env: r.s(), File: r.s(), Literal: r.bool(), Range: r.rng()}
	if r.err != nil {
		return nil
	}
	if s.Literal {
		sealed := r.raw()
		v, ok := "", false
		if r.unseal != nil && r.err == nil {
			v, ok = r.unseal(sealed)
		}
		if !ok {
			r.fail()
			return nil
		}
		s.Value = v
		return s
	}
	if !r.resolve(s) {
		r.fail()
		return nil
	}
	return s
}

func (r *cacheReader) contact() model.Contact {
	return model.Contact{Name: r.s(), Company: r.s(), Email: r.s(), Phone: r.s(), Address: r.s()}
}

func (r *cacheReader) service() *model.Service {
	if !r.bool() {
		return nil
	}
	s := &model.Service{Name: r.s(), Description: r.s()}
	if r.bool() {
		s.Button = &model.Button{URL: r.s(), BackgroundImage: r.s(), OpenInPanel: r.bool()}
	}
	s.Send = r.strings()
	s.AvailableToResellers = r.bool()
	s.Extension = r.s()
	s.Placement = r.placement()
	s.Src = r.src()
	return s
}

func (r *cacheReader) server() *model.Server {
	if !r.bool() {
		return nil
	}
	s := &model.Server{Name: r.s(), Labels: r.labels(), Components: r.strings()}
	if n := r.n(); n >= 0 {
		s.Extensions = make([]model.Extension, n)
		for i := range s.Extensions {
			e := &s.Extensions[i]
			e.Name = r.s()
			if m := r.n(); m >= 0 {
				e.Services = make([]*model.Service, m)
				for j := range e.Services {
					e.Services[j] = r.service()
				}
			}
			e.Src = r.src()
		}
	}
	s.DefaultPlan = r.s()
	if r.bool() {
		s.Plesk = &model.PleskConnection{URL: r.s(), Key: r.secret(), Login: r.s(), Password: r.secret(),
			CAFile: r.s(), CAPath: r.s(), DefaultIP: r.s(), Src: r.src()}
	}
	s.Src = r.src()
	return s
}

func (r *cacheReader) plan(p *model.Plan) *model.Plan {
	if !r.bool() {
		return nil
	}
	*p = model.Plan{Kind: model.PlanKind(r.s()), Owner: r.s(), Name: r.s(), Description: r.s(), Props: r.props(),
		Services: r.strings(), Oversell: r.bool(), Placement: r.placement(), Src: r.src()}
	return p
}

func (r *cacheReader) reseller() *model.Reseller {
	if !r.bool() {
		return nil
	}
	return &model.Reseller{Login: r.s(), RenamedFrom: r.s(), Password: r.secret(), Contact: r.contact(), Plan: r.s(),
		Props: r.props(), Services: r.strings(), Oversell: r.bool(), Status: r.s(), Description: r.s(),
		ManagedBy: r.s(), Servers: r.strings(), Src: r.src()}
}

func (r *cacheReader) customer(c *model.Customer) *model.Customer {
	if !r.bool() {
		return nil
	}
	*c = model.Customer{Login: r.s(), RenamedFrom: r.s(), Password: r.secret(), Contact: r.contact(), Owner: r.s(),
		Status: r.s(), Description: r.s(), AdminDescription: r.s(), ManagedBy: r.s(), Servers: r.strings(), Src: r.src()}
	return c
}

func (r *cacheReader) subscription(s *model.Subscription) *model.Subscription {
	if !r.bool() {
		return nil
	}
	*s = model.Subscription{Domain: r.s(), RenamedFrom: r.s(), Customer: r.s(), Owner: r.s(), Plan: r.s(),
		Addons: r.strings(), Customize: r.props(), Status: r.s()}
	if r.bool() {
		sec, nsec := r.i(), r.i()
		t := time.Unix(sec, nsec).UTC()
		s.Expires = &t
	}
	s.FTPLogin = r.s()
	s.FTPPassword = r.secret()
	s.ManagedBy = r.s()
	s.Server = r.s()
	s.Src = r.src()
	return s
}

func (r *cacheReader) settings(s *model.SubscriberSettings) *model.SubscriberSettings {
	if !r.bool() {
		return nil
	}
	*s = model.SubscriberSettings{Domain: r.s(), Props: r.props(), Src: r.src()}
	return s
}

func (r *cacheReader) diags() diag.Diagnostics {
	n := r.n()
	if n < 0 {
		return nil
	}
	ds := make(diag.Diagnostics, n)
	for i := range ds {
		d := &ds[i]
		sev := r.u()
		if sev > 1 {
			r.fail()
		}
		d.Severity = diag.Severity(sev)
		d.Summary, d.Detail, d.Subject = r.s(), r.s(), r.rng()
		if m := r.n(); m >= 0 {
			d.Related = make([]diag.Range, m)
			for j := range d.Related {
				d.Related[j] = r.rng()
			}
		}
		d.Object, d.Path = r.s(), r.s()
	}
	return ds
}

// list reads a list of pointers, the items allocated together.
func cacheList[T any](r *cacheReader, read func(*T) *T) []*T {
	n := r.n()
	if n < 0 {
		return nil
	}
	slab := make([]T, n)
	out := make([]*T, n)
	for i := range out {
		out[i] = read(&slab[i])
		if r.err != nil {
			return nil
		}
	}
	return out
}

// decodeCached reads what encodeCached wrote: the parse diagnostics and
// the decoded file, its secret references resolved through resolve.
func decodeCached(data []byte, unseal func(string) (string, bool), resolve func(*model.Secret) bool) (diag.Diagnostics, *Decoded, error) {
	r := &cacheReader{b: data, unseal: unseal, resolve: resolve}
	if r.u() != cacheCodecVersion {
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
	if r.err != nil || len(r.b) != 0 {
		return nil, nil, errCacheEntry
	}
	return parse, &Decoded{res: res}, nil
}
