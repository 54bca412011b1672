package mapping

import (
	"sort"
	"strings"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// PHPHandlers is a server's table of PHP handlers, as php-handler get
// lists them: php_handler_id ↔ (PHP version, handler type). The ids are
// the server's: Plesk's own PHP has ids like plesk-php83-fpm, the OS
// vendor's PHP ids like fpm or cgi. A nil table (no server read) maps
// by the default form (model.PHPHandlerID), as before a read.
type PHPHandlers struct {
	byID map[string][2]string
	ids  map[[2]string]string
}

// NewPHPHandlers builds the table from a php-handler get's results. A
// handler that is disabled, or whose version or type is unknown, is
// left out of the (version, handler) → id direction; every listed id is
// read back.
func NewPHPHandlers(list []*xmlapi.PHPHandler) *PHPHandlers {
	t := &PHPHandlers{byID: map[string][2]string{}, ids: map[[2]string]string{}}
	for _, h := range list {
		if h == nil || h.ID == "" {
			continue
		}
		ver := strings.TrimSpace(h.Version)
		if ver == "" {
			ver = shortVersion(h.FullVersion)
		}
		typ := strings.TrimSpace(h.Type)
		if ver == "" || typ == "" {
			continue
		}
		key := [2]string{ver, typ}
		t.byID[h.ID] = key
		if strings.EqualFold(strings.TrimSpace(h.HandlerStatus), "disabled") {
			continue
		}
		for _, k := range keysOf(ver, h.FullVersion, typ) {
			if old, ok := t.ids[k]; !ok || better(h.ID, old, k) {
				t.ids[k] = h.ID
			}
		}
	}
	return t
}

// keysOf lists the (version, type) keys a handler answers: its version,
// and the major.minor of its full version.
func keysOf(ver, full, typ string) [][2]string {
	out := [][2]string{{ver, typ}}
	if s := shortVersion(full); s != "" && s != ver {
		out = append(out, [2]string{s, typ})
	}
	return out
}

// shortVersion is the major.minor of a full version ("8.3.14" → "8.3").
func shortVersion(full string) string {
	parts := strings.SplitN(strings.TrimSpace(full), ".", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return ""
	}
	return parts[0] + "." + parts[1]
}

// better says whether id wins over old for key k: the default form
// first, else the smallest id.
func better(id, old string, k [2]string) bool {
	def := model.PHPHandlerID(k[0], k[1])
	if old == def {
		return false
	}
	return id == def || id < old
}

// ID returns the server's php_handler_id of a PHP version and handler:
// the enabled handler of that type whose version is version (or whose
// full version starts with version+"."). found is false when the server
// has none; id is then the default form. A nil table gives the default
// form, found.
func (t *PHPHandlers) ID(version, handler string) (id string, found bool) {
	if t == nil {
		return model.PHPHandlerID(version, handler), true
	}
	if id, ok := t.ids[[2]string{version, handler}]; ok {
		return id, true
	}
	return model.PHPHandlerID(version, handler), false
}

// Split returns the PHP version and handler of a php_handler_id: the
// server's, else the default form's.
func (t *PHPHandlers) Split(id string) (version, handler string, ok bool) {
	if t != nil {
		if k, found := t.byID[id]; found {
			return k[0], k[1], true
		}
	}
	return model.PHPHandlerFromID(id)
}

// Available lists, sorted, the handlers of a PHP version the server has
// enabled ("fastcgi (id plesk-php83-fastcgi)"), for a message.
func (t *PHPHandlers) Available(version string) []string {
	if t == nil {
		return nil
	}
	var out []string
	for k, id := range t.ids {
		if k[0] == version {
			out = append(out, k[1]+" (id "+id+")")
		}
	}
	sort.Strings(out)
	return out
}
