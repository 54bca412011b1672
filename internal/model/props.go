package model

import "sort"

// Props is a set of property values keyed by path
// ("resources.disk_space", "hosting.php_settings.memory_limit").
type Props map[string]Value

// Clone returns a copy of p.
func (p Props) Clone() Props {
	out := make(Props, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}

// Paths returns the keys of p in display order.
func (p Props) Paths() []string {
	out := make([]string, 0, len(p))
	for k := range p {
		out = append(out, k)
	}
	SortPaths(out)
	return out
}

// Equal reports whether p and q hold the same values.
func (p Props) Equal(q Props) bool {
	if len(p) != len(q) {
		return false
	}
	for k, v := range p {
		if w, ok := q[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// AddAddon combines an add-on's properties into p (p is modified): numeric
// limits add with unlimited absorbing, booleans are OR-ed. A resource the
// base leaves out is unlimited already, so it stays unlimited.
func (p Props) AddAddon(addon Props) {
	for k, v := range addon {
		cur, ok := p[k]
		if !ok {
			switch v.K {
			case KindSize, KindCount, KindDuration:
				// An absent limit is unlimited and absorbs the add-on.
				continue
			}
			p[k] = v
			continue
		}
		p[k] = Add(cur, v)
	}
}

// Overlay sets every value of q into p (p is modified): a customisation
// replaces values, it does not add.
func (p Props) Overlay(q Props) {
	for k, v := range q {
		p[k] = v
	}
}

// Services is a sorted set of additional service names.
type Services []string

// Union returns the sorted union of a and b.
func Union(a, b []string) []string {
	seen := make(map[string]bool, len(a)+len(b))
	var out []string
	for _, s := range append(append([]string(nil), a...), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
