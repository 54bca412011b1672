package state

import (
	"encoding/binary"
	"errors"
	"math"
	"time"
)

// A compact binary form of a decoded snapshot, for the CLI's cache of
// the recorded state (the state itself is always JSON): what Decode
// gave, read back without parsing JSON. Strings are written once and
// referred back to; counts are written plus one, zero for nil. A reader
// fails, never panics, on damaged input (FuzzBinary), though damage is
// the cache's to catch first (each entry is checksummed).
// TestBinaryCoversEveryField fails when a field is added to a type
// written here, until the codec writes it.

const binaryVersion = 2

var errBinary = errors.New("damaged binary snapshot")

type binWriter struct {
	b    []byte
	strs map[string]uint64
}

func (w *binWriter) u(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *binWriter) i(v int64)  { w.b = binary.AppendVarint(w.b, v) }

func (w *binWriter) bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

func (w *binWriter) s(s string) {
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

func (w *binWriter) n(length int, isNil bool) {
	if isNil {
		w.u(0)
	} else {
		w.u(uint64(length) + 1)
	}
}

func (w *binWriter) strings(l []string) {
	w.n(len(l), l == nil)
	for _, s := range l {
		w.s(s)
	}
}

func (w *binWriter) time(t time.Time) bool {
	b, err := t.MarshalBinary()
	if err != nil {
		return false
	}
	w.u(uint64(len(b)))
	w.b = append(w.b, b...)
	return true
}

func (w *binWriter) server(sv *Server) {
	w.s(sv.Name)
	w.strings(sv.Components)
	w.n(len(sv.Extensions), sv.Extensions == nil)
	for _, e := range sv.Extensions {
		w.s(e.Name)
		w.strings(e.Services)
	}
	w.s(sv.DefaultPlan)
}

func (w *binWriter) pleskID(p *PleskID) {
	w.bool(p != nil)
	if p != nil {
		w.s(p.GUID)
		w.i(int64(p.ID))
	}
}

func (w *binWriter) contact(c Contact) {
	w.s(c.Name)
	w.s(c.Company)
	w.s(c.Email)
	w.s(c.Phone)
	w.s(c.Address)
}

// value writes a JSON value as Decode gives it; false for any other type.
func (w *binWriter) value(v any) bool {
	switch x := v.(type) {
	case nil:
		w.u(0)
	case string:
		w.u(1)
		w.s(x)
	case bool:
		w.u(2)
		w.bool(x)
	case int64:
		w.u(3)
		w.i(x)
	case float64:
		w.u(4)
		w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(x))
	case []any:
		w.u(5)
		w.n(len(x), x == nil)
		for _, e := range x {
			if !w.value(e) {
				return false
			}
		}
	case map[string]any:
		w.u(6)
		w.n(len(x), x == nil)
		for k, e := range x {
			w.s(k)
			if !w.value(e) {
				return false
			}
		}
	default:
		return false
	}
	return true
}

// EncodeBinary writes s in the binary form; false when s holds what
// Decode never gives (a value of another type).
func EncodeBinary(s *Snapshot) ([]byte, bool) {
	w := &binWriter{b: make([]byte, 0, 1<<16), strs: map[string]uint64{}}
	ok := true
	w.u(binaryVersion)
	w.i(int64(s.FormatVersion))
	w.s(s.Lineage)
	w.u(s.Serial)
	w.bool(s.Server != nil)
	if s.Server != nil {
		w.server(s.Server)
	}
	w.n(len(s.Servers), s.Servers == nil)
	for i := range s.Servers {
		w.server(&s.Servers[i])
	}
	w.n(len(s.Services), s.Services == nil)
	for _, x := range s.Services {
		w.s(x.Server)
		w.s(x.Name)
		w.s(x.Description)
		w.bool(x.Button != nil)
		if b := x.Button; b != nil {
			w.s(b.URL)
			w.s(b.BackgroundImage)
			w.bool(b.OpenInPanel)
		}
		w.strings(x.Send)
		w.bool(x.AvailableToResellers)
		w.s(x.Extension)
	}
	for _, l := range [][]Plan{s.ServicePlans, s.AddonPlans, s.ResellerPlans} {
		w.n(len(l), l == nil)
		for _, p := range l {
			w.s(p.Server)
			w.s(p.Key)
			w.s(p.Owner)
			w.s(p.Name)
			w.s(p.Description)
			w.s(p.Props)
			w.strings(p.Services)
			w.bool(p.Oversell)
			w.pleskID(p.Plesk)
		}
	}
	w.n(len(s.Resellers), s.Resellers == nil)
	for _, r := range s.Resellers {
		w.s(r.Server)
		w.s(r.Login)
		w.s(r.PasswordHash)
		w.contact(r.Contact)
		w.s(r.Plan)
		w.s(r.SyncStatus)
		w.s(r.Allocation)
		w.strings(r.Services)
		w.bool(r.Oversell)
		w.s(r.Status)
		w.s(r.Description)
		w.s(r.ManagedBy)
		w.pleskID(r.Plesk)
	}
	w.n(len(s.Customers), s.Customers == nil)
	for _, c := range s.Customers {
		w.s(c.Server)
		w.s(c.Login)
		w.s(c.PasswordHash)
		w.contact(c.Contact)
		w.s(c.Owner)
		w.s(c.Status)
		w.strings(c.StatusReasons)
		w.s(c.Description)
		w.s(c.AdminDescription)
		w.s(c.ManagedBy)
		w.pleskID(c.Plesk)
	}
	w.n(len(s.Subscriptions), s.Subscriptions == nil)
	for i := range s.Subscriptions {
		x := &s.Subscriptions[i]
		w.s(x.Server)
		w.s(x.Domain)
		w.s(x.Owner)
		w.s(x.Customer)
		w.s(x.Plan)
		w.strings(x.Addons)
		w.s(x.SyncStatus)
		w.s(x.Effective)
		w.s(x.Base)
		w.s(x.Customize)
		w.strings(x.Customized)
		w.s(x.Settings)
		w.s(x.DroppedSettings)
		w.n(len(x.Conflicts), x.Conflicts == nil)
		for _, c := range x.Conflicts {
			w.s(c.Property)
			ok = w.value(c.PlanValue) && ok
			ok = w.value(c.AvailableValue) && ok
			w.s(c.Reason)
		}
		w.s(x.ConfigStatus)
		w.s(x.Status)
		w.strings(x.StatusReasons)
		ok = w.time(x.CreatedAt) && ok
		w.bool(x.Expires != nil)
		if x.Expires != nil {
			ok = w.time(*x.Expires) && ok
		}
		w.s(x.FTPLogin)
		w.s(x.FTPPassword)
		w.s(x.ManagedBy)
		w.pleskID(x.Plesk)
	}
	w.n(len(s.PropertySets), s.PropertySets == nil)
	for id, v := range s.PropertySets {
		w.s(id)
		w.n(len(v), v == nil)
		for k, x := range v {
			w.s(k)
			ok = w.value(x) && ok
		}
	}
	return w.b, ok
}

type binReader struct {
	b    []byte
	strs []string
	bad  bool
}

func (r *binReader) fail() {
	r.bad = true
	r.b = nil
}

func (r *binReader) u() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *binReader) i() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *binReader) bool() bool {
	if len(r.b) == 0 || r.b[0] > 1 {
		r.fail()
		return false
	}
	v := r.b[0] == 1
	r.b = r.b[1:]
	return v
}

func (r *binReader) s() string {
	v := r.u()
	if v == 0 {
		return ""
	}
	if v&1 == 1 {
		if v>>1 >= uint64(len(r.strs)) {
			r.fail()
			return ""
		}
		return r.strs[v>>1]
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

func (r *binReader) n() int {
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

func (r *binReader) strings() []string {
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

func (r *binReader) time() time.Time {
	n := r.u()
	if n > uint64(len(r.b)) {
		r.fail()
		return time.Time{}
	}
	var t time.Time
	if err := t.UnmarshalBinary(r.b[:n]); err != nil {
		r.fail()
		return time.Time{}
	}
	r.b = r.b[n:]
	return t
}

func (r *binReader) server(sv *Server) {
	sv.Name, sv.Components = r.s(), r.strings()
	if n := r.n(); n >= 0 {
		sv.Extensions = make([]Extension, n)
		for i := range sv.Extensions {
			sv.Extensions[i] = Extension{Name: r.s(), Services: r.strings()}
		}
	}
	sv.DefaultPlan = r.s()
}

func (r *binReader) pleskID() *PleskID {
	if !r.bool() {
		return nil
	}
	p := &PleskID{GUID: r.s()}
	id := r.i()
	if int64(int(id)) != id {
		r.fail()
	}
	p.ID = int(id)
	return p
}

func (r *binReader) contact() Contact {
	return Contact{Name: r.s(), Company: r.s(), Email: r.s(), Phone: r.s(), Address: r.s()}
}

func (r *binReader) value(depth int) any {
	if depth > maxDepth {
		r.fail()
		return nil
	}
	switch r.u() {
	case 0:
		return nil
	case 1:
		return r.s()
	case 2:
		return r.bool()
	case 3:
		return r.i()
	case 4:
		if len(r.b) < 8 {
			r.fail()
			return nil
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
		r.b = r.b[8:]
		return f
	case 5:
		n := r.n()
		if n < 0 {
			return []any(nil)
		}
		l := make([]any, n)
		for i := range l {
			l[i] = r.value(depth + 1)
		}
		return l
	case 6:
		n := r.n()
		if n < 0 {
			return map[string]any(nil)
		}
		m := make(map[string]any, n)
		for range n {
			k := r.s()
			m[k] = r.value(depth + 1)
		}
		return m
	}
	r.fail()
	return nil
}

// DecodeBinary reads what EncodeBinary wrote: the snapshot Decode gave.
func DecodeBinary(data []byte) (*Snapshot, error) {
	r := &binReader{b: data}
	if r.u() != binaryVersion {
		return nil, errBinary
	}
	s := &Snapshot{}
	fv := r.i()
	if fv < 0 || fv > FormatVersion {
		return nil, errBinary
	}
	s.FormatVersion, s.Lineage, s.Serial = int(fv), r.s(), r.u()
	if r.bool() {
		s.Server = &Server{}
		r.server(s.Server)
	}
	if n := r.n(); n >= 0 {
		s.Servers = make([]Server, n)
		for i := range s.Servers {
			r.server(&s.Servers[i])
		}
	}
	if n := r.n(); n >= 0 {
		s.Services = make([]Service, n)
		for i := range s.Services {
			x := &s.Services[i]
			x.Server, x.Name, x.Description = r.s(), r.s(), r.s()
			if r.bool() {
				x.Button = &Button{URL: r.s(), BackgroundImage: r.s(), OpenInPanel: r.bool()}
			}
			x.Send, x.AvailableToResellers, x.Extension = r.strings(), r.bool(), r.s()
		}
	}
	for _, l := range []*[]Plan{&s.ServicePlans, &s.AddonPlans, &s.ResellerPlans} {
		if n := r.n(); n >= 0 {
			*l = make([]Plan, n)
			for i := range *l {
				(*l)[i] = Plan{Server: r.s(), Key: r.s(), Owner: r.s(), Name: r.s(), Description: r.s(), Props: r.s(),
					Services: r.strings(), Oversell: r.bool(), Plesk: r.pleskID()}
			}
		}
	}
	if n := r.n(); n >= 0 {
		s.Resellers = make([]Reseller, n)
		for i := range s.Resellers {
			s.Resellers[i] = Reseller{Server: r.s(), Login: r.s(), PasswordHash: r.s(), Contact: r.contact(), Plan: r.s(),
				SyncStatus: r.s(), Allocation: r.s(), Services: r.strings(), Oversell: r.bool(), Status: r.s(),
				Description: r.s(), ManagedBy: r.s(), Plesk: r.pleskID()}
		}
	}
	if n := r.n(); n >= 0 {
		s.Customers = make([]Customer, n)
		for i := range s.Customers {
			s.Customers[i] = Customer{Server: r.s(), Login: r.s(), PasswordHash: r.s(), Contact: r.contact(), Owner: r.s(),
				Status: r.s(), StatusReasons: r.strings(), Description: r.s(), AdminDescription: r.s(), ManagedBy: r.s(), Plesk: r.pleskID()}
		}
	}
	if n := r.n(); n >= 0 {
		s.Subscriptions = make([]Subscription, n)
		for i := range s.Subscriptions {
			x := &s.Subscriptions[i]
			*x = Subscription{Server: r.s(), Domain: r.s(), Owner: r.s(), Customer: r.s(), Plan: r.s(), Addons: r.strings(),
				SyncStatus: r.s(), Effective: r.s(), Base: r.s(), Customize: r.s(), Customized: r.strings(),
				Settings: r.s(), DroppedSettings: r.s()}
			if m := r.n(); m >= 0 {
				x.Conflicts = make([]Conflict, m)
				for j := range x.Conflicts {
					x.Conflicts[j] = Conflict{Property: r.s(), PlanValue: r.value(0), AvailableValue: r.value(0), Reason: r.s()}
				}
			}
			x.ConfigStatus, x.Status, x.StatusReasons, x.CreatedAt = r.s(), r.s(), r.strings(), r.time()
			if r.bool() {
				t := r.time()
				x.Expires = &t
			}
			x.FTPLogin, x.FTPPassword, x.ManagedBy, x.Plesk = r.s(), r.s(), r.s(), r.pleskID()
			if r.bad {
				return nil, errBinary
			}
		}
	}
	if n := r.n(); n >= 0 {
		s.PropertySets = make(map[string]Values, n)
		for range n {
			id := r.s()
			var v Values
			if m := r.n(); m >= 0 {
				v = make(Values, m)
				for range m {
					k := r.s()
					v[k] = r.value(0)
				}
			}
			s.PropertySets[id] = v
			if r.bad {
				return nil, errBinary
			}
		}
	}
	if r.bad || len(r.b) != 0 {
		return nil, errBinary
	}
	return s, nil
}
