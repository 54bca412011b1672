package model

import (
	"strconv"
	"strings"
)

// Fallback returns the value the server can provide instead of v, the
// value of property path, which needs a component the server lacks;
// false when there is none (SPEC §1.5: the available value of a
// conflict). Plesk applies it to a subscription it cannot sync. The
// candidates are the catalogue's: its enumerated words in the order
// listed, false for an on/off feature, the installed versions for the
// PHP version.
func (s *Server) Fallback(path string, v Value) (Value, bool) {
	p := Lookup(path)
	if p == nil || p.Component == nil {
		return Value{}, false
	}
	switch p.Kind {
	case KindEnum:
		// A word whose component is installed first, then one that needs
		// no component (none, off).
		for _, w := range p.Enum {
			if c := p.Component(Enum(w)); c != "" && s.HasComponent(c) {
				return Enum(w), true
			}
		}
		for _, w := range p.Enum {
			if p.Component(Enum(w)) == "" {
				return Enum(w), true
			}
		}
	case KindBool:
		if p.Component(Bool(false)) == "" {
			return Bool(false), true
		}
	case KindString:
		if best, ok := s.bestVersion(p, v.S); ok {
			return String(best), true
		}
	}
	return Value{}, false
}

// bestVersion returns the installed version of a versioned property (the
// PHP version: component "php" + version) to use instead of the version
// asked: the highest one below it, else the highest one.
func (s *Server) bestVersion(p *Prop, asked string) (string, bool) {
	var installed []string
	// The component of a version is a prefix followed by the version.
	prefix := p.Component(String(""))
	if s != nil && prefix != "" {
		for _, c := range s.Components {
			ver, ok := strings.CutPrefix(c, prefix)
			if ok && ver != "" && ver[0] >= '0' && ver[0] <= '9' {
				installed = append(installed, ver)
			}
		}
	}
	best := ""
	for _, ver := range installed {
		if versionLess(ver, asked) && (best == "" || versionLess(best, ver)) {
			best = ver
		}
	}
	if best == "" {
		for _, ver := range installed {
			if best == "" || versionLess(best, ver) {
				best = ver
			}
		}
	}
	return best, best != ""
}

// versionLess compares dotted version numbers.
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}
