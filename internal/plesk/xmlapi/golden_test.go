package xmlapi

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/plesk/plesktest"
)

var update = flag.Bool("update", false, "rewrite the golden packets in testdata")

func intp(n int) *int { return &n }

func strp(s string) *string { return &s }

// requestCases has one request per operation plansync sends, with the
// values a typical run uses.
func requestCases() map[string]Op {
	e := &Empty{}
	limits := &Limits{Overuse: "notify", Limit: []Limit{{"disk_space", "10737418240"}, {"max_site", "5"}, {"max_box", "-1"}}}
	perms := &Permissions{Permission: []Permission{{"manage_phosting", "true"}, {"manage_sh_access", "false"}}}
	php := &PHPSettings{Setting: []Setting{{"memory_limit", "256M"}}}
	return map[string]Op{
		"service-plan-add": ServicePlanAdd{Name: "Basic", Mail: &PlanMail{Webmail: "roundcube", MailService: "true"},
			Limits: limits, Preferences: &PlanPreferences{DNSZoneType: "master"},
			Hosting:     &Properties{Property: []Property{{"php_handler_id", "plesk-php83-fpm"}, {"ssl", "true"}}},
			Permissions: perms, PHPSettings: php},
		"service-plan-add-reseller": ServicePlanAdd{Name: "Web", Owner: Owner{OwnerLogin: "acme"}, Limits: &Limits{Limit: []Limit{{"max_site", "1"}}}},
		"service-plan-get-all":      ServicePlanGet{OwnerAll: e},
		"service-plan-get":          ServicePlanGet{Filter: PlanFilter{Name: []string{"Basic", "Pro"}}, Owner: Owner{OwnerLogin: "admin"}},
		"service-plan-set": ServicePlanSet{Filter: PlanFilter{GUID: []string{"5c0e1d2a-0000-4000-8000-000000000001"}},
			Limits:  &Limits{Limit: []Limit{{"disk_space", "21474836480"}}},
			Hosting: &PlanHosting{VrtHst: &Properties{Property: []Property{{"ssl", "false"}}}},
			NewName: "Basic 2", PHPSettings: php},
		"service-plan-del":  ServicePlanDel{Filter: PlanFilter{Name: []string{"Old"}}, Owner: Owner{OwnerLogin: "acme"}},
		"addon-plan-add":    AddonPlanAdd{Name: "Extra disk", Limits: &Limits{Limit: []Limit{{"disk_space", "5368709120"}}}, Hosting: &Properties{Property: []Property{{"ssl", "true"}}}},
		"addon-plan-get":    AddonPlanGet{OwnerAll: e},
		"addon-plan-set":    AddonPlanSet{Filter: PlanFilter{Name: []string{"Extra disk"}}, Limits: &Limits{Limit: []Limit{{"disk_space", "10737418240"}}}, Permissions: perms},
		"addon-plan-del":    AddonPlanDel{Filter: PlanFilter{GUID: []string{"5c0e1d2a-0000-4000-8000-000000000002"}}},
		"reseller-plan-add": ResellerPlanAdd{Name: "Reseller S", Limits: &ResellerLimits{ResourcePolicy: &ResourcePolicy{Oversell: "true", Overuse: "normal"}, Limit: []Limit{{"max_cl", "10"}, {"max_dom", "50"}}}, Permissions: &Permissions{Permission: []Permission{{"create_clients", "true"}}}},
		"reseller-plan-get": ResellerPlanGet{Filter: ResellerPlanFilter{All: e}, Limits: e, Permissions: e},
		"reseller-plan-set": ResellerPlanSet{Filter: ResellerPlanFilter{Name: []string{"Reseller S"}}, Limits: &ResellerLimits{Limit: []Limit{{"max_cl", "20"}}}, NewName: "Reseller M"},
		"reseller-plan-del": ResellerPlanDel{Filter: ResellerPlanFilter{Name: []string{"Reseller S"}}},
		"customer-add": CustomerAdd{GenInfo: CustomerInfo{Company: "Example Ltd", Name: "Jane Doe", Login: "jane", Password: "s3cret-Pass",
			Status: intp(0), Phone: "+1 555 0100", Email: "jane@example.com", Address: "1 Main St", OwnerLogin: "acme", Description: "VIP"}},
		"customer-get":     CustomerGet{Filter: CustomerFilter{Login: []string{"jane", "joe"}}, Dataset: CustomerDataset{GenInfo: e}},
		"customer-get-all": CustomerGet{Dataset: CustomerDataset{GenInfo: e}},
		"customer-set": CustomerSet{Filter: CustomerFilter{Login: []string{"jane"}}, Values: struct {
			GenInfo *CustomerSetInfo `xml:"gen_info"`
		}{&CustomerSetInfo{Login: "jane2", Status: intp(16), Email: strp("j@example.com")}}},
		// Fields the config clears: sent empty, as Plesk clears them.
		"customer-set-clear": CustomerSet{Filter: CustomerFilter{ID: []int{16}}, Values: struct {
			GenInfo *CustomerSetInfo `xml:"gen_info"`
		}{&CustomerSetInfo{Company: strp(""), Name: strp("jane"), Phone: strp(""), Email: strp(""), Address: strp(""), Description: strp("")}}},
		"customer-del":                 CustomerDel{Filter: CustomerFilter{Login: []string{"jane"}}},
		"customer-change-owner":        CustomerChangeOwner{Filter: CustomerFilter{Login: []string{"jane"}}, NewOwnerLogin: "acme", IPv4: []string{"192.0.2.10"}, PlanName: "Web"},
		"customer-convert-to-reseller": CustomerConvertToReseller{Filter: CustomerFilter{Login: []string{"jane"}}},
		"reseller-add": ResellerAdd{GenInfo: ResellerInfo{Name: "Acme Hosting", Login: "acme", Password: "An0ther-Pass", Status: intp(0), Email: "ops@acme.example"},
			PlanGUID: "5c0e1d2a-0000-4000-8000-000000000003"},
		"reseller-add-custom": ResellerAdd{GenInfo: ResellerInfo{Name: "Solo", Login: "solo", Password: "An0ther-Pass"},
			Limits: &ResellerLimits{ResourcePolicy: &ResourcePolicy{Oversell: "false"}, Limit: []Limit{{"max_cl", "-1"}}}, Permissions: &Permissions{Permission: []Permission{{"create_clients", "true"}}}},
		"reseller-get": ResellerGet{Filter: ResellerFilter{All: e}, Dataset: ResellerDataset{GenInfo: e, Permissions: e, Limits: e, Subscriptions: e}},
		"reseller-set": ResellerSet{Filter: ResellerFilter{Login: []string{"acme"}}, Values: struct {
			GenInfo     *ResellerSetInfo `xml:"gen-info"`
			Limits      *ResellerLimits  `xml:"limits"`
			Permissions *Permissions     `xml:"permissions"`
		}{GenInfo: &ResellerSetInfo{Status: intp(16)}}},
		"reseller-set-clear": ResellerSet{Filter: ResellerFilter{Login: []string{"acme"}}, Values: struct {
			GenInfo     *ResellerSetInfo `xml:"gen-info"`
			Limits      *ResellerLimits  `xml:"limits"`
			Permissions *Permissions     `xml:"permissions"`
		}{GenInfo: &ResellerSetInfo{Company: strp(""), Phone: strp(""), Email: strp(""), Address: strp(""), Description: strp("")}}},
		"reseller-del": ResellerDel{Filter: ResellerFilter{Login: []string{"acme"}}},
		"webspace-add": WebspaceAdd{GenSetup: GenSetup{Name: "example.com", OwnerLogin: "jane", HType: "vrt_hst", IPAddress: "192.0.2.10", Status: "0"},
			Hosting:  &WebspaceHosting{VrtHst: &VrtHst{Property: []Property{{"ftp_login", "jane_ftp"}, {"ftp_password", "Ftp-Pass-1"}}, IPAddress: []string{"192.0.2.10"}}},
			PlanGUID: "5c0e1d2a-0000-4000-8000-000000000001"},
		"webspace-add-custom": WebspaceAdd{GenSetup: GenSetup{Name: "custom.example", OwnerLogin: "jane", HType: "vrt_hst", IPAddress: "192.0.2.10"},
			Hosting: &WebspaceHosting{VrtHst: &VrtHst{Property: []Property{{"ftp_login", "cust"}, {"ftp_password", "Ftp-Pass-2"}}, IPAddress: []string{"192.0.2.10"}}},
			Limits:  limits, Permissions: perms, PHPSettings: php, Mail: &WebspaceMail{Webmail: "roundcube", MailService: "true"}},
		"webspace-get":     WebspaceGet{Filter: WebspaceFilter{Name: []string{"example.com"}}, Dataset: FullDataset()},
		"webspace-get-all": WebspaceGet{Dataset: FullDataset()},
		"webspace-set": WebspaceSet{Filter: WebspaceFilter{Name: []string{"example.com"}}, Values: WebspaceValues{
			Limits:      &Limits{Limit: []Limit{{"disk_space", "21474836480"}, {"expiration", "1798761600"}}},
			Hosting:     &WebspaceHosting{VrtHst: &VrtHst{Property: []Property{{"ssl", "true"}}}},
			Permissions: perms}},
		"webspace-set-status":           WebspaceSet{Filter: WebspaceFilter{GUID: []string{"5c0e1d2a-0000-4000-8000-000000000009"}}, Values: WebspaceValues{GenSetup: &SetGenSetup{Status: intp(16)}}},
		"webspace-del":                  WebspaceDel{Filter: WebspaceFilter{Name: []string{"example.com"}}},
		"webspace-switch-subscription":  WebspaceSwitch{Filter: WebspaceFilter{Name: []string{"example.com"}}, PlanGUID: "5c0e1d2a-0000-4000-8000-000000000001"},
		"webspace-switch-no-plan":       WebspaceSwitch{Filter: WebspaceFilter{Name: []string{"example.com"}}, NoPlan: e},
		"webspace-sync-subscription":    WebspaceSync{Filter: WebspaceFilter{Name: []string{"example.com"}}},
		"reseller-switch-subscription":  ResellerSwitch{Filter: ResellerFilter{Login: []string{"acme"}}, PlanGUID: "5c0e1d2a-0000-4000-8000-000000000002"},
		"reseller-switch-no-plan":       ResellerSwitch{Filter: ResellerFilter{Login: []string{"acme"}}, NoPlan: e},
		"reseller-sync-subscription":    ResellerSync{Filter: ResellerFilter{Login: []string{"acme"}}},
		"webspace-add-subscription":     WebspaceAddAddon{Filter: WebspaceFilter{Name: []string{"example.com"}}, PlanGUID: "5c0e1d2a-0000-4000-8000-000000000002"},
		"webspace-remove-subscription":  WebspaceRemoveAddon{Filter: WebspaceFilter{Name: []string{"example.com"}}, PlanGUID: "5c0e1d2a-0000-4000-8000-000000000002"},
		"server-get":                    ServerGet{Components: e, Shells: e},
		"service-plan-add-plan-item":    ServicePlanAddItem{Filter: PlanFilter{Name: []string{"Basic"}}, PlanItem: ItemName{Name: "premium-support"}},
		"service-plan-remove-plan-item": ServicePlanRemoveItem{Filter: PlanFilter{Name: []string{"Web"}}, Owner: Owner{OwnerLogin: "acme"}, PlanItem: ItemName{Name: "premium-support"}},
		"webspace-add-plan-item":        WebspaceAddItem{Filter: WebspaceFilter{Name: []string{"example.com"}}, PlanItem: ItemName{Name: "seo-report"}},
		"webspace-remove-plan-item":     WebspaceRemoveItem{Filter: WebspaceFilter{Name: []string{"example.com"}}, PlanItem: ItemName{Name: "seo-report"}},
		"php-handler-get":               PHPHandlerGet{},
		"extension-get":                 ExtensionGet{},
		"ip-get":                        IPGet{},
	}
}

// planItemCases are the 1.6.9.0 packets defining additional services;
// Plesk's 1.6.9.1 schema has no plan-item operator, so they are checked
// against the golden files only.
func planItemCases() map[string]Op {
	return map[string]Op{
		"plan-item-add": PlanItemAdd{Visible: "true", Label: "premium-support", Tooltip: "Priority support desk", URL: "https://support.example/ticket",
			Internal: "false", URLComponents: &URLComponents{DomName: &Empty{}, Email: &Empty{}}},
		"plan-item-get":    PlanItemGet{Filter: PlanItemFilter{All: &Empty{}}},
		"plan-item-remove": PlanItemRemove{Filter: PlanItemFilter{Name: []string{"premium-support"}}},
		// An update sends only what differs, in the add's order.
		"plan-item-update": PlanItemUpdate{Filter: PlanItemFilter{Name: []string{"premium-support"}}, Visible: "false", Tooltip: strp("Faster tickets"),
			Internal: "true", URLComponents: &URLComponents{DomID: &Empty{}, DomName: &Empty{}}},
		// A button taken away: its URL cleared, nothing sent.
		"plan-item-update-clear": PlanItemUpdate{Filter: PlanItemFilter{Name: []string{"premium-support"}}, Tooltip: strp(""), URL: strp(""),
			URLComponents: &URLComponents{}},
	}
}

func TestGoldenPlanItemRequests(t *testing.T) {
	for name, op := range planItemCases() {
		got, err := Marshal(PlanItemProtocol, op)
		if err != nil {
			t.Fatal(err)
		}
		got = append(indent(t, got), '\n')
		file := filepath.Join("testdata", "requests", name+".xml")
		if *update {
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if string(got) != string(want) {
			t.Errorf("request differs from %s:\n--- got\n%s\n--- want\n%s", file, got, want)
		}
	}
}

func TestGoldenRequests(t *testing.T) {
	for name, op := range requestCases() {
		t.Run(name, func(t *testing.T) {
			got, err := Marshal(Protocol, op)
			if err != nil {
				t.Fatal(err)
			}
			plesktest.Validate(t, false, name, got)
			got = append(indent(t, got), '\n')
			file := filepath.Join("testdata", "requests", name+".xml")
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("request differs from %s:\n--- got\n%s\n--- want\n%s", file, got, want)
			}
		})
	}
}

// The client reads answers as Plesk shapes them: several results per
// operation, a trailing output element, a system error.
func TestParseAnswers(t *testing.T) {
	c, err := New(Config{URL: "https://plesk.example.com:8443", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	ops := []Op{ServicePlanGet{OwnerAll: &Empty{}}, WebspaceSync{Filter: WebspaceFilter{Name: []string{"a.example", "b.example"}}}}
	answer := `<?xml version="1.0"?><packet version="1.6.9.1">
<service-plan><get><result><status>ok</status><id>3</id><name>Basic</name><guid>g-3</guid><owner-login>admin</owner-login>
<limits><limit><name>max_site</name><value>2</value></limit></limits><hosting><vrt_hst><property><name>ssl</name><value>true</value></property></vrt_hst></hosting></result>
<result><status>ok</status><id>4</id><name>Pro</name><guid>g-4</guid><hosting><none/></hosting></result></get></service-plan>
<webspace><sync-subscription><result><status>ok</status><filter-id>a.example</filter-id><id>7</id></result>
<result><status>error</status><errcode>1013</errcode><errtext>Webspace does not exist</errtext><filter-id>b.example</filter-id></result></sync-subscription></webspace>
<output>notice from a handler</output></packet>`
	replies, err := c.parse(ops, strings.NewReader(answer))
	if err != nil {
		t.Fatal(err)
	}
	plans, err := Results[PlanData](replies[0])
	if err != nil || len(plans) != 2 || plans[0].Limits.Limit[0].Value != "2" || plans[0].Hosting.VrtHst.Property[0].Name != "ssl" || plans[1].Hosting.None == nil {
		t.Fatalf("plans %+v, %v", plans, err)
	}
	err = replies[1].Err()
	want := "plesk plesk.example.com:8443: webspace sync-subscription of subscription a.example, b.example failed (error 1013: Webspace does not exist): it is not on the server"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %v, want %q…", err, want)
	}
	_, err = c.parse(ops, strings.NewReader(`<packet version="1.6.9.1"><system><status>error</status><errcode>1005</errcode><errtext>Unsupported version</errtext></system></packet>`))
	if !IsCode(err, ErrVersion) || !strings.Contains(err.Error(), "protocol 1.6.9.1") {
		t.Fatalf("system error: %v", err)
	}
	_, err = c.parse(ops[:1], strings.NewReader(answer))
	if err == nil || !strings.Contains(err.Error(), "more operations than the 1 sent") {
		t.Fatalf("extra operation: %v", err)
	}
}
