package state

import (
	"encoding/binary"
	"errors"
	"github.com/plansync/plansync/internal/bincodec"
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

const binaryVersion = 5

var errBinary = errors.New("damaged binary snapshot")

type binWriter struct{ bincodec.Writer }

func (w *binWriter) time(t time.Time) bool {
	b, err := t.MarshalBinary()
	if err != nil {
		return false
	}
	w.U(uint64(len(b)))
	w.B = append(w.B, b...)
	return true
}

func (w *binWriter) server(sv *Server) {
	w.S(sv.Name)
	w.Strings(sv.Components)
	w.N(len(sv.Extensions), sv.Extensions == nil)
	for _, e := range sv.Extensions {
		w.S(e.Name)
		w.Strings(e.Services)
	}
	w.S(sv.DefaultPlan)
}

func (w *binWriter) pleskID(p *PleskID) {
	w.Bool(p != nil)
	if p != nil {
		w.S(p.GUID)
		w.I(int64(p.ID))
	}
}

func (w *binWriter) contact(c Contact) {
	w.S(c.Name)
	w.S(c.Company)
	w.S(c.Email)
	w.S(c.Phone)
	w.S(c.Address)
}

// value writes a JSON value as Decode gives it; false for any other type.
func (w *binWriter) value(v any) bool {
	switch x := v.(type) {
	case nil:
		w.U(0)
	case string:
		w.U(1)
		w.S(x)
	case bool:
		w.U(2)
		w.Bool(x)
	case int64:
		w.U(3)
		w.I(x)
	case float64:
		w.U(4)
		w.B = binary.LittleEndian.AppendUint64(w.B, math.Float64bits(x))
	case []any:
		w.U(5)
		w.N(len(x), x == nil)
		for _, e := range x {
			if !w.value(e) {
				return false
			}
		}
	case map[string]any:
		w.U(6)
		w.N(len(x), x == nil)
		for k, e := range x {
			w.S(k)
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
	w := &binWriter{bincodec.NewWriter(1 << 16)}
	ok := true
	w.U(binaryVersion)
	w.I(int64(s.FormatVersion))
	w.S(s.Lineage)
	w.U(s.Serial)
	w.Bool(s.Server != nil)
	if s.Server != nil {
		w.server(s.Server)
	}
	w.N(len(s.Servers), s.Servers == nil)
	for i := range s.Servers {
		w.server(&s.Servers[i])
	}
	w.N(len(s.Services), s.Services == nil)
	for _, x := range s.Services {
		w.S(x.Server)
		w.S(x.Name)
		w.S(x.Description)
		w.Bool(x.Button != nil)
		if b := x.Button; b != nil {
			w.S(b.URL)
			w.S(b.BackgroundImage)
			w.Bool(b.OpenInPanel)
		}
		w.Strings(x.Send)
		w.Bool(x.AvailableToResellers)
		w.S(x.Extension)
	}
	for _, l := range [][]Plan{s.ServicePlans, s.AddonPlans, s.ResellerPlans} {
		w.N(len(l), l == nil)
		for _, p := range l {
			w.S(p.Server)
			w.S(p.Key)
			w.S(p.Owner)
			w.S(p.Name)
			w.S(p.Description)
			w.S(p.Props)
			w.Strings(p.Services)
			w.Bool(p.Oversell)
			w.pleskID(p.Plesk)
		}
	}
	w.N(len(s.Resellers), s.Resellers == nil)
	for _, r := range s.Resellers {
		w.S(r.Server)
		w.S(r.Login)
		w.S(r.PasswordHash)
		w.contact(r.Contact)
		w.S(r.Plan)
		w.S(r.SyncStatus)
		w.S(r.Allocation)
		w.Strings(r.Services)
		w.Bool(r.Oversell)
		w.S(r.Status)
		w.S(r.Description)
		w.S(r.ManagedBy)
		w.pleskID(r.Plesk)
	}
	w.N(len(s.Customers), s.Customers == nil)
	for _, c := range s.Customers {
		w.S(c.Server)
		w.S(c.Login)
		w.S(c.PasswordHash)
		w.contact(c.Contact)
		w.S(c.Owner)
		w.S(c.Status)
		w.Strings(c.StatusReasons)
		w.S(c.Description)
		w.S(c.AdminDescription)
		w.S(c.ManagedBy)
		w.pleskID(c.Plesk)
	}
	w.N(len(s.Subscriptions), s.Subscriptions == nil)
	for i := range s.Subscriptions {
		x := &s.Subscriptions[i]
		w.S(x.Server)
		w.S(x.Domain)
		w.S(x.Owner)
		w.S(x.Customer)
		w.S(x.Plan)
		w.Strings(x.Addons)
		w.S(x.SyncStatus)
		w.S(x.ServerSyncStatus)
		w.Bool(x.LockedInPanel)
		w.S(x.Effective)
		w.S(x.Base)
		w.S(x.Customize)
		w.Strings(x.Customized)
		w.S(x.Settings)
		w.S(x.DroppedSettings)
		w.N(len(x.Conflicts), x.Conflicts == nil)
		for _, c := range x.Conflicts {
			w.S(c.Property)
			ok = w.value(c.PlanValue) && ok
			ok = w.value(c.AvailableValue) && ok
			w.S(c.Reason)
		}
		w.S(x.ConfigStatus)
		w.S(x.Status)
		w.Strings(x.StatusReasons)
		ok = w.time(x.CreatedAt) && ok
		w.Bool(x.Expires != nil)
		if x.Expires != nil {
			ok = w.time(*x.Expires) && ok
		}
		w.S(x.FTPLogin)
		w.S(x.FTPPassword)
		w.S(x.IPAddress)
		w.S(x.ManagedBy)
		w.pleskID(x.Plesk)
	}
	w.N(len(s.PropertySets), s.PropertySets == nil)
	for id, v := range s.PropertySets {
		w.S(id)
		w.N(len(v), v == nil)
		for k, x := range v {
			w.S(k)
			ok = w.value(x) && ok
		}
	}
	return w.B, ok
}

type binReader struct{ bincodec.Reader }

func (r *binReader) time() time.Time {
	n := r.U()
	if n > uint64(len(r.B)) {
		r.Fail()
		return time.Time{}
	}
	var t time.Time
	if err := t.UnmarshalBinary(r.B[:n]); err != nil {
		r.Fail()
		return time.Time{}
	}
	r.B = r.B[n:]
	return t
}

func (r *binReader) server(sv *Server) {
	sv.Name, sv.Components = r.S(), r.Strings()
	if n := r.N(); n >= 0 {
		sv.Extensions = make([]Extension, n)
		for i := range sv.Extensions {
			sv.Extensions[i] = Extension{Name: r.S(), Services: r.Strings()}
		}
	}
	sv.DefaultPlan = r.S()
}

func (r *binReader) pleskID() *PleskID {
	if !r.Bool() {
		return nil
	}
	p := &PleskID{GUID: r.S()}
	id := r.I()
	if int64(int(id)) != id {
		r.Fail()
	}
	p.ID = int(id)
	return p
}

func (r *binReader) contact() Contact {
	return Contact{Name: r.S(), Company: r.S(), Email: r.S(), Phone: r.S(), Address: r.S()}
}

func (r *binReader) value(depth int) any {
	if depth > maxDepth {
		r.Fail()
		return nil
	}
	switch r.U() {
	case 0:
		return nil
	case 1:
		return r.S()
	case 2:
		return r.Bool()
	case 3:
		return r.I()
	case 4:
		if len(r.B) < 8 {
			r.Fail()
			return nil
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64(r.B))
		r.B = r.B[8:]
		return f
	case 5:
		n := r.N()
		if n < 0 {
			return []any(nil)
		}
		l := make([]any, n)
		for i := range l {
			l[i] = r.value(depth + 1)
		}
		return l
	case 6:
		n := r.N()
		if n < 0 {
			return map[string]any(nil)
		}
		m := make(map[string]any, n)
		for range n {
			k := r.S()
			m[k] = r.value(depth + 1)
		}
		return m
	}
	r.Fail()
	return nil
}

// DecodeBinary reads what EncodeBinary wrote: the snapshot Decode gave.
func DecodeBinary(data []byte) (*Snapshot, error) {
	r := &binReader{bincodec.Reader{B: data}}
	if r.U() != binaryVersion {
		return nil, errBinary
	}
	s := &Snapshot{}
	fv := r.I()
	if fv < 0 || fv > FormatVersion {
		return nil, errBinary
	}
	s.FormatVersion, s.Lineage, s.Serial = int(fv), r.S(), r.U()
	if r.Bool() {
		s.Server = &Server{}
		r.server(s.Server)
	}
	if n := r.N(); n >= 0 {
		s.Servers = make([]Server, n)
		for i := range s.Servers {
			r.server(&s.Servers[i])
		}
	}
	if n := r.N(); n >= 0 {
		s.Services = make([]Service, n)
		for i := range s.Services {
			x := &s.Services[i]
			x.Server, x.Name, x.Description = r.S(), r.S(), r.S()
			if r.Bool() {
				x.Button = &Button{URL: r.S(), BackgroundImage: r.S(), OpenInPanel: r.Bool()}
			}
			x.Send, x.AvailableToResellers, x.Extension = r.Strings(), r.Bool(), r.S()
		}
	}
	for _, l := range []*[]Plan{&s.ServicePlans, &s.AddonPlans, &s.ResellerPlans} {
		if n := r.N(); n >= 0 {
			*l = make([]Plan, n)
			for i := range *l {
				(*l)[i] = Plan{Server: r.S(), Key: r.S(), Owner: r.S(), Name: r.S(), Description: r.S(), Props: r.S(),
					Services: r.Strings(), Oversell: r.Bool(), Plesk: r.pleskID()}
			}
		}
	}
	if n := r.N(); n >= 0 {
		s.Resellers = make([]Reseller, n)
		for i := range s.Resellers {
			s.Resellers[i] = Reseller{Server: r.S(), Login: r.S(), PasswordHash: r.S(), Contact: r.contact(), Plan: r.S(),
				SyncStatus: r.S(), Allocation: r.S(), Services: r.Strings(), Oversell: r.Bool(), Status: r.S(),
				Description: r.S(), ManagedBy: r.S(), Plesk: r.pleskID()}
		}
	}
	if n := r.N(); n >= 0 {
		s.Customers = make([]Customer, n)
		for i := range s.Customers {
			s.Customers[i] = Customer{Server: r.S(), Login: r.S(), PasswordHash: r.S(), Contact: r.contact(), Owner: r.S(),
				Status: r.S(), StatusReasons: r.Strings(), Description: r.S(), AdminDescription: r.S(), ManagedBy: r.S(), Plesk: r.pleskID()}
		}
	}
	if n := r.N(); n >= 0 {
		s.Subscriptions = make([]Subscription, n)
		for i := range s.Subscriptions {
			x := &s.Subscriptions[i]
			*x = Subscription{Server: r.S(), Domain: r.S(), Owner: r.S(), Customer: r.S(), Plan: r.S(), Addons: r.Strings(),
				SyncStatus: r.S(), ServerSyncStatus: r.S(), LockedInPanel: r.Bool(), Effective: r.S(), Base: r.S(), Customize: r.S(), Customized: r.Strings(),
				Settings: r.S(), DroppedSettings: r.S()}
			if m := r.N(); m >= 0 {
				x.Conflicts = make([]Conflict, m)
				for j := range x.Conflicts {
					x.Conflicts[j] = Conflict{Property: r.S(), PlanValue: r.value(0), AvailableValue: r.value(0), Reason: r.S()}
				}
			}
			x.ConfigStatus, x.Status, x.StatusReasons, x.CreatedAt = r.S(), r.S(), r.Strings(), r.time()
			if r.Bool() {
				t := r.time()
				x.Expires = &t
			}
			x.FTPLogin, x.FTPPassword, x.IPAddress, x.ManagedBy, x.Plesk = r.S(), r.S(), r.S(), r.S(), r.pleskID()
			if r.Bad {
				return nil, errBinary
			}
		}
	}
	if n := r.N(); n >= 0 {
		s.PropertySets = make(map[string]Values, n)
		for range n {
			id := r.S()
			var v Values
			if m := r.N(); m >= 0 {
				v = make(Values, m)
				for range m {
					k := r.S()
					v[k] = r.value(0)
				}
			}
			s.PropertySets[id] = v
			if r.Bad {
				return nil, errBinary
			}
		}
	}
	if r.Bad || len(r.B) != 0 {
		return nil, errBinary
	}
	return s, nil
}
