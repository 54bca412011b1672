package mapping

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

func TestRoundTripEveryMappedProperty(t *testing.T) {
	props := model.Props{}
	for _, p := range model.Catalog() {
		if p.Plesk.Group == model.PleskUnmapped {
			continue
		}
		switch p.Kind {
		case model.KindSize:
			props[p.Path] = model.Size(5 << 30)
		case model.KindCount:
			props[p.Path] = model.Count(-1)
		case model.KindBool:
			props[p.Path] = model.Bool(true)
		case model.KindEnum:
			props[p.Path] = model.Enum(p.Enum[len(p.Enum)-1])
		case model.KindString:
			props[p.Path] = model.String("8.3")
		}
	}
	props["hosting.php_settings.memory_limit"] = model.String("256M")
	v, unmapped, err := FromProps(props)
	if err != nil || len(unmapped) != 0 {
		t.Fatalf("FromProps: %v, unmapped %v", err, unmapped)
	}
	back, unmodelled, err := ToProps(v)
	if err != nil || len(unmodelled) != 0 {
		t.Fatalf("ToProps: %v, unmodelled %v", err, unmodelled)
	}
	if !reflect.DeepEqual(back, props) {
		t.Errorf("round trip:\n got %v\nwant %v", back, props)
	}
}

func TestPleskNames(t *testing.T) {
	v, unmapped, err := FromProps(model.Props{
		"resources.websites":         model.Count(3),
		"resources.disk_space":       model.Size(1 << 30),
		"permissions.manage_hosting": model.Bool(true),
		"permissions.manage_backups": model.Bool(false),
		"hosting.php_version":        model.String("8.2"),
		"hosting.php_handler":        model.Enum("fpm"),
		"hosting.ssh":                model.Enum("chrooted"),
		"mail.spamfilter":            model.Bool(true),
		"resources.overuse":          model.Enum("block"),
		"dns.zone_type":              model.Enum("slave"),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Values{
		Overuse:     "block",
		Limits:      map[string]string{"max_site": "3", "disk_space": "1073741824"},
		Permissions: map[string]string{"manage_phosting": "true", "allow_local_backups": "false", "allow_ftp_backups": "false"},
		Hosting:     map[string]string{"php_handler_id": "plesk-php82-fpm", "php": "true", "shell": "/usr/local/psa/bin/chrootsh"},
		Prefs:       map[string]string{"dns_zone_type": "slave"},
	}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("got %+v\nwant %+v", v, want)
	}
	if !reflect.DeepEqual(unmapped, []string{"mail.spamfilter"}) {
		t.Errorf("unmapped %v", unmapped)
	}
	_, unmodelled, _ := ToProps(Values{Limits: map[string]string{"disk_space_soft": "1"}, Permissions: map[string]string{"manage_quota": "true"}})
	if !reflect.DeepEqual(unmodelled, []string{"limits/disk_space_soft", "permissions/manage_quota"}) {
		t.Errorf("unmodelled %v", unmodelled)
	}
}

// docs/plesk.md's table names each mapped property with its Plesk name.
func TestDocsTable(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "plesk.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) > 2 {
			key := strings.TrimSpace(cells[1])
			if parts := strings.Split(key, "`"); len(parts) > 2 {
				key = parts[1]
			}
			if _, seen := rows[key]; !seen {
				rows[key] = line
			}
		}
	}
	for _, p := range model.Catalog() {
		row, ok := rows[p.Path]
		if p.Plesk.Group == model.PleskUnmapped {
			if !ok || !strings.Contains(row, "|") {
				t.Errorf("docs/plesk.md does not say why %s is not mapped", p.Path)
			}
			continue
		}
		if p.Plesk.Enc == model.PleskPHPHandler {
			continue
		}
		if !ok || !strings.Contains(row, "`"+p.Plesk.Name+"`") {
			t.Errorf("docs/plesk.md: %s should name %s", p.Path, p.Plesk.Name)
		}
	}
}

// A plan's preferences plansync does not model are reported as such (so
// that import lists them), never turned into properties.
func TestPlanPreferencesUnmodelled(t *testing.T) {
	d := &xmlapi.PlanData{Preferences: &xmlapi.PlanPreferences{Stat: "6", MailLists: "true", DNSZoneType: "master"}}
	props, unmodelled, err := ToProps(FromPlan(d))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(unmodelled, ","); got != "prefs/maillists,prefs/stat" {
		t.Errorf("unmodelled = %q, want prefs/maillists,prefs/stat", got)
	}
	if _, ok := props["dns.zone_type"]; !ok {
		t.Errorf("dns.zone_type not read: %v", props)
	}
}
