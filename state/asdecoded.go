package state

import (
	"slices"
	"time"
)

// AsDecoded returns what Decode returns for enc, Encode's encoding of s,
// without decoding enc: s in canonical form, with what an encoding and a
// decoding change made as they make it (empty lists nil, integral numbers
// int64, times as read back from their text, property values through
// their JSON). ok is false when that is not certain: enc is not
// StableEncoding (a string of s is not valid UTF-8), or a value of s is
// one Decode would refuse or read otherwise; the caller then decodes enc.
// The result shares strings, pointers and lists that need no change with
// s: neither may be modified while the other is used.
func AsDecoded(s *Snapshot, enc []byte) (*Snapshot, bool) {
	if !StableEncoding(enc) {
		return nil, false
	}
	c, err := canonical(s)
	if err != nil {
		return nil, false
	}
	if c.Server != nil {
		srv := *c.Server
		asDecodedServer(&srv)
		c.Server = &srv
	}
	c.Servers, _ = asDecodedList(c.Servers, func(x *Server) bool { asDecodedServer(x); return true })
	c.Services, _ = asDecodedList(c.Services, func(x *Service) bool {
		x.Send = nilIfEmpty(x.Send)
		return true
	})
	plan := func(x *Plan) bool {
		x.Services = nilIfEmpty(x.Services)
		return true
	}
	c.ServicePlans, _ = asDecodedList(c.ServicePlans, plan)
	c.AddonPlans, _ = asDecodedList(c.AddonPlans, plan)
	c.ResellerPlans, _ = asDecodedList(c.ResellerPlans, plan)
	c.Resellers, _ = asDecodedList(c.Resellers, func(x *Reseller) bool {
		x.Services = nilIfEmpty(x.Services)
		return true
	})
	c.Customers, _ = asDecodedList(c.Customers, func(x *Customer) bool {
		x.StatusReasons = nilIfEmpty(x.StatusReasons)
		return true
	})
	var ok bool
	if c.Subscriptions, ok = asDecodedList(c.Subscriptions, func(x *Subscription) bool {
		x.Addons = nilIfEmpty(x.Addons)
		x.Customized = nilIfEmpty(x.Customized)
		x.StatusReasons = nilIfEmpty(x.StatusReasons)
		if len(x.Conflicts) == 0 {
			x.Conflicts = nil
		} else {
			x.Conflicts = slices.Clone(x.Conflicts)
			for i := range x.Conflicts {
				cf := &x.Conflicts[i]
				var ok1, ok2 bool
				cf.PlanValue, ok1 = asDecodedValue(cf.PlanValue)
				cf.AvailableValue, ok2 = asDecodedValue(cf.AvailableValue)
				if !ok1 || !ok2 {
					return false
				}
			}
		}
		var okT bool
		if x.CreatedAt, okT = asDecodedTime(x.CreatedAt); !okT {
			return false
		}
		if x.Expires != nil {
			t, okT := asDecodedTime(*x.Expires)
			if !okT {
				return false
			}
			x.Expires = &t
		}
		return true
	}); !ok {
		return nil, false
	}
	if len(c.PropertySets) == 0 {
		c.PropertySets = nil
	} else {
		sets := make(map[string]Values, len(c.PropertySets))
		for id, v := range c.PropertySets {
			if v == nil {
				return nil, false
			}
			if sets[id] = v; decodedValues(v) {
				continue // as PutValues and Decode leave them
			}
			w := &jsonWriter{ok: true}
			w.values(v)
			d := newDecoder(w.b)
			if sets[id] = d.values("a property set"); !w.ok || d.err != nil {
				return nil, false
			}
		}
		c.PropertySets = sets
	}
	return c, true
}

// asDecodedList returns a copy of list with each record made as decoded
// by norm (nil when list is empty); false when norm fails.
func asDecodedList[T any](list []T, norm func(*T) bool) ([]T, bool) {
	if len(list) == 0 {
		return nil, true
	}
	list = slices.Clone(list)
	for i := range list {
		if !norm(&list[i]) {
			return nil, false
		}
	}
	return list, true
}

func asDecodedServer(x *Server) {
	x.Components = nilIfEmpty(x.Components)
	x.Extensions, _ = asDecodedList(x.Extensions, func(e *Extension) bool {
		e.Services = nilIfEmpty(e.Services)
		return true
	})
}

func nilIfEmpty(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	return list
}

// asDecodedTime returns t as Decode reads it back from its text.
func asDecodedTime(t time.Time) (time.Time, bool) {
	var buf [64]byte
	b, err := t.AppendText(buf[:0])
	if err != nil {
		return time.Time{}, false
	}
	var back time.Time
	if err := back.UnmarshalText(b); err != nil {
		return time.Time{}, false
	}
	return back, true
}

// asDecodedValue returns a property or conflict value as Decode reads it
// back from its JSON.
func asDecodedValue(v any) (any, bool) {
	w := &jsonWriter{ok: true}
	w.value(v)
	if !w.ok {
		return nil, false
	}
	d := newDecoder(w.b)
	back := d.value()
	return back, d.err == nil
}

// decodedValues reports whether every value of v is one Decode gives back
// unchanged: a string, a boolean, null, an int64, or a list of those.
func decodedValues(v Values) bool {
	for _, x := range v {
		if !decodedValue(x, 0) {
			return false
		}
	}
	return true
}

func decodedValue(v any, depth int) bool {
	switch x := v.(type) {
	case nil, string, bool, int64:
		return true
	case []any:
		if x == nil || depth > 0 {
			return false
		}
		for _, e := range x {
			if !decodedValue(e, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}
