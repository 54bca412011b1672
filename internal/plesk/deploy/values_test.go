package deploy

import (
	"reflect"
	"testing"

	"github.com/plansync/plansync/internal/model"
)

// TestDiff checks what a write holds: only the values the server does not
// have; a resource or permission the config leaves out is written back to
// its default, and so is an on/off or enumerated setting that has a
// neutral value (off, none); one without (a php.ini setting) cannot be
// unset and is returned apart; a subscriber's own setting is left alone;
// the PHP version and handler go together.
func TestDiff(t *testing.T) {
	gib := func(n int64) model.Value { return model.Size(n << 30) }
	want := model.Props{
		"resources.disk_space":            gib(10),
		"resources.mailboxes":             model.Count(50),
		"resources.websites":              model.Count(model.Unlimited),
		"permissions.manage_dns":          model.Bool(false),
		"hosting.php_version":             model.String("8.3"),
		"hosting.php_handler":             model.Enum("fpm"),
		"hosting.ssl":                     model.Bool(true),
		"permissions.manage_php_settings": model.Bool(true),
	}
	have := model.Props{
		"resources.disk_space":              gib(10),             // same: not written
		"resources.mailboxes":               model.Count(20),     // differs
		"resources.databases":               model.Count(5),      // left out: back to unlimited
		"permissions.manage_crontab":        model.Bool(true),    // left out: back to not granted
		"permissions.manage_logs":           model.Bool(false),   // left out, already the default
		"hosting.php_version":               model.String("8.2"), // differs: written with the handler
		"hosting.php_handler":               model.Enum("fpm"),
		"hosting.ssl":                       model.Bool(true),
		"hosting.webstats":                  model.Enum("awstats"), // left out: back to none
		"hosting.ssh":                       model.Enum("none"),    // left out, already none
		"mail.enabled":                      model.Bool(true),      // left out: back to off
		"mail.webmail":                      model.Enum("horde"),   // the subscriber's own: left alone
		"hosting.php_settings.memory_limit": model.String("256M"),  // left out: cannot be unset
		"permissions.manage_php_settings":   model.Bool(true),
	}
	write, reset, unset := diff(want, have, map[string]bool{"mail.webmail": true})
	wantWrite := model.Props{
		"resources.mailboxes": model.Count(50),
		"hosting.php_version": model.String("8.3"),
		"hosting.php_handler": model.Enum("fpm"),
	}
	if !reflect.DeepEqual(write, wantWrite) {
		t.Errorf("write = %v, want %v", write, wantWrite)
	}
	if want := []string{"hosting.webstats", "mail.enabled", "permissions.manage_crontab", "resources.databases"}; !reflect.DeepEqual(reset, want) {
		t.Errorf("reset = %v, want %v", reset, want)
	}
	if want := []string{"hosting.php_settings.memory_limit"}; !reflect.DeepEqual(unset, want) {
		t.Errorf("unset = %v, want %v", unset, want)
	}
	v := values(write, reset, nil)
	if v.Limits["max_box"] != "50" || v.Limits["max_db"] != "-1" || v.Permissions["manage_crontab"] != "false" || v.Hosting["php_handler_id"] == "" ||
		v.Hosting["webstat"] != "none" || v.Mail["mailservice"] != "false" {
		t.Errorf("values = %+v", v)
	}
	if len(v.Limits) != 2 || len(v.Permissions) != 1 || len(v.Mail) != 1 || len(v.PHP) != 0 {
		t.Errorf("values hold more than what differs: %+v", v)
	}
	// Nothing differs: nothing to write.
	if w, r, u := diff(have, have, nil); len(w) != 0 || len(r) != 0 || len(u) != 0 {
		t.Errorf("diff of equal sets: %v %v %v", w, r, u)
	}
	// An unlimited or not granted value the server does not hold at all
	// is what it assumes: not written.
	if w, _, _ := diff(model.Props{"resources.websites": model.Count(model.Unlimited), "permissions.manage_dns": model.Bool(false)}, model.Props{}, nil); len(w) != 0 {
		t.Errorf("defaults written: %v", w)
	}
}

// TestOnlyKeepsThePHPPair checks a customisation of the PHP version
// alone writes the handler with it (Plesk takes both as one value).
func TestOnlyKeepsThePHPPair(t *testing.T) {
	p := model.Props{"hosting.php_version": model.String("8.4"), "hosting.php_handler": model.Enum("fpm"), "resources.mailboxes": model.Count(3)}
	got := only(p, []string{"hosting.php_version"})
	if len(got) != 2 || got["hosting.php_handler"] != model.Enum("fpm") {
		t.Errorf("only = %v", got)
	}
}

// TestDrifted checks the saved plan's comparison with a new read.
func TestDrifted(t *testing.T) {
	saved := map[string]string{"service_plan Business": "aa", "subscription a.example": "", "customer jdoe": "cc"}
	now := map[string]string{"service_plan Business": "aa", "subscription a.example": "bb", "customer jdoe": "cc"}
	if got := Drifted(saved, now); !reflect.DeepEqual(got, []string{"subscription a.example"}) {
		t.Errorf("Drifted = %v", got)
	}
}
