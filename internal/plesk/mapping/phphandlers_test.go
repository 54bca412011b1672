package mapping

import (
	"testing"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

func TestPHPHandlersTable(t *testing.T) {
	tab := NewPHPHandlers([]*xmlapi.PHPHandler{
		{ID: "fpm", Version: "8.3", FullVersion: "8.3.6", Type: "fpm", HandlerStatus: "enabled"},
		{ID: "module", Version: "8.3", FullVersion: "8.3.6", Type: "module"},
		{ID: "plesk-php82-fpm", Version: "8.2", FullVersion: "8.2.20", Type: "fpm"},
		{ID: "x-php82-fpm", Version: "8.2", FullVersion: "8.2.20", Type: "fpm"},
		{ID: "b-php81-cgi", Version: "8.1", Type: "cgi"},
		{ID: "a-php81-cgi", Version: "8.1", Type: "cgi"},
		{ID: "plesk-php80-fastcgi", Version: "8.0", Type: "fastcgi", HandlerStatus: "disabled"},
		{ID: "php74", FullVersion: "7.4.33", Type: "fastcgi"},
		{ID: "alt-php84-fpm", Version: "84", FullVersion: "8.4.1", Type: "fpm"},
	})
	for _, tc := range []struct {
		ver, h, id string
		found      bool
	}{
		{"8.3", "fpm", "fpm", true},             // the server's id, not built
		{"8.2", "fpm", "plesk-php82-fpm", true}, // several: the default form
		{"8.1", "cgi", "a-php81-cgi", true},     // several, none default: the smallest
		{"8.0", "fastcgi", "plesk-php80-fastcgi", false},
		{"7.4", "fastcgi", "php74", true}, // by its full version
		{"8.4", "fpm", "alt-php84-fpm", true},
		{"8.3", "cgi", "plesk-php83-cgi", false},
	} {
		id, found := tab.ID(tc.ver, tc.h)
		if id != tc.id || found != tc.found {
			t.Errorf("ID(%s, %s) = %q, %v; want %q, %v", tc.ver, tc.h, id, found, tc.id, tc.found)
		}
	}
	for _, tc := range []struct {
		id, ver, h string
		ok         bool
	}{
		{"fpm", "8.3", "fpm", true},
		{"module", "8.3", "module", true},
		{"plesk-php80-fastcgi", "8.0", "fastcgi", true}, // disabled, still read
		{"plesk-php56-cgi", "5.6", "cgi", true},         // not listed: the default form
		{"cgi", "", "", false},
	} {
		ver, h, ok := tab.Split(tc.id)
		if ver != tc.ver || h != tc.h || ok != tc.ok {
			t.Errorf("Split(%s) = %s, %s, %v; want %s, %s, %v", tc.id, ver, h, ok, tc.ver, tc.h, tc.ok)
		}
	}
}

// TestPHPHandlersNoTable: without a server's table the ids are the
// default form both ways, as FromProps and ToProps have them.
func TestPHPHandlersNoTable(t *testing.T) {
	var tab *PHPHandlers
	if id, found := tab.ID("8.3", "fpm"); id != "plesk-php83-fpm" || !found {
		t.Errorf("ID = %q, %v", id, found)
	}
	props := model.Props{"hosting.php_version": model.String("8.3"), "hosting.php_handler": model.Enum("fpm")}
	a, _, _ := FromProps(props)
	b, _, _ := FromPropsOn(props, nil)
	if a.Hosting["php_handler_id"] != "plesk-php83-fpm" || b.Hosting["php_handler_id"] != "plesk-php83-fpm" {
		t.Errorf("ids %q %q", a.Hosting["php_handler_id"], b.Hosting["php_handler_id"])
	}
	if _, _, missing := MissingPHPHandler(props, nil); missing {
		t.Error("missing without a table")
	}
}

// TestPHPHandlersRoundTrip: the server's id is written and read back as
// the same version and handler; an id whose type plansync does not
// model (module) is reported unmodelled.
func TestPHPHandlersRoundTrip(t *testing.T) {
	tab := NewPHPHandlers([]*xmlapi.PHPHandler{
		{ID: "fpm", Version: "8.3", Type: "fpm"},
		{ID: "module", Version: "8.3", Type: "module"},
	})
	props := model.Props{"hosting.php_version": model.String("8.3"), "hosting.php_handler": model.Enum("fpm")}
	v, _, err := FromPropsOn(props, tab)
	if err != nil || v.Hosting["php_handler_id"] != "fpm" || v.Hosting["php"] != "true" {
		t.Fatalf("FromPropsOn = %v, %v", v.Hosting, err)
	}
	back, unmodelled, err := ToPropsOn(v, tab)
	if err != nil || len(unmodelled) > 0 || back["hosting.php_version"] != props["hosting.php_version"] || back["hosting.php_handler"] != props["hosting.php_handler"] {
		t.Fatalf("ToPropsOn = %v, %v, %v", back, unmodelled, err)
	}
	if old, unmodelled, _ := ToProps(v); len(unmodelled) != 1 || old["hosting.php_version"].S != "" {
		t.Errorf("without the table fpm is read as %v (unmodelled %v)", old, unmodelled)
	}
	v.Hosting["php_handler_id"] = "module"
	if _, unmodelled, _ := ToPropsOn(v, tab); len(unmodelled) != 1 || unmodelled[0] != "hosting/php_handler_id" {
		t.Errorf("module: unmodelled %v", unmodelled)
	}
	if ver, h, missing := MissingPHPHandler(model.Props{"hosting.php_version": model.String("8.3"), "hosting.php_handler": model.Enum("cgi")}, tab); !missing || ver != "8.3" || h != "cgi" {
		t.Errorf("8.3 cgi: missing %v", missing)
	}
}
