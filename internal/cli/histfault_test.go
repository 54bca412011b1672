package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/plansync/plansync/internal/plesk/fake"
)

// histFaultA and histFaultB are two weeks of an operator's history: B
// renames a customer and moves it to a reseller (a locked subscription
// onto the reseller's plan, a synced one onto none), converts a customer
// into a reseller on no plan, un-customises a subscription,
// switches another onto another plan with an add-on and a
// customisation, suspends a customer and deletes a subscription.
const histFaultA = `server:
  components: [php8.3, php-fpm, postfix]
reseller_plans:
  - {name: RP, resources: {disk_space: 100GiB}, permissions: {manage_dns: true}}
service_plans:
  - {name: Basic, resources: {disk_space: 10GiB, mailboxes: 10}, permissions: {manage_dns: true}}
  - {name: Premium, resources: {disk_space: 50GiB, mailboxes: 100}}
  - {name: Web, owner: acme, resources: {disk_space: 7GiB, mailboxes: 7}}
addon_plans:
  - {name: Extra, resources: {disk_space: 5GiB}}
resellers:
  - {login: acme, name: Acme, plan: RP}
customers:
  - {login: jdoe, name: John Doe}
  - {login: kim, name: Kim}
  - {login: ann, name: Ann}
subscriptions:
  - {domain: a.example, customer: jdoe, plan: Basic, customize: {resources: {databases: 3}}}
  - {domain: b.example, customer: jdoe, plan: Basic}
  - {domain: k.example, customer: kim, plan: Basic}
  - {domain: x.example, customer: ann, plan: Basic, customize: {resources: {mailboxes: 2}}}
  - {domain: y.example, customer: ann, plan: Basic}
  - {domain: z.example, customer: ann, plan: Premium}
`

const histFaultB = `server:
  components: [php8.3, php-fpm, postfix]
reseller_plans:
  - {name: RP, resources: {disk_space: 100GiB}, permissions: {manage_dns: true}}
service_plans:
  - {name: Basic, resources: {disk_space: 10GiB, mailboxes: 10}, permissions: {manage_dns: true}}
  - {name: Premium, resources: {disk_space: 50GiB, mailboxes: 100}}
  - {name: Web, owner: acme, resources: {disk_space: 7GiB, mailboxes: 7}}
addon_plans:
  - {name: Extra, resources: {disk_space: 5GiB}}
resellers:
  - {login: acme, name: Acme, plan: RP}
  - {login: kim, name: Kim, plan: none}
customers:
  - {login: john, renamed_from: jdoe, name: John Doe, owner: acme}
  - {login: ann, name: Ann, status: suspended}
subscriptions:
  - {domain: a.example, customer: john, owner: acme, plan: Web, customize: {resources: {databases: 3}}}
  - {domain: b.example, customer: john, owner: acme, plan: none}
  - {domain: k.example, owner: kim, plan: none}
  - {domain: x.example, customer: ann, plan: Basic}
  - {domain: y.example, customer: ann, plan: Premium, addons: [Extra], customize: {resources: {mailboxes: 3}}}
`

// TestHistoryStepFaultAnywhere: an apply of a week's many changes that
// Plesk fails at any one operation, run again, completes it (SPEC §5,
// §6.5: what succeeded is recorded; running it again finishes what
// failed, creating nothing twice): the rerun exits 0 with no model
// disagreement, the next plan has nothing to do, refresh finds no drift,
// and the result is the one an apply without the fault records.
func TestHistoryStepFaultAnywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("one history per operation")
	}
	t.Run("accounts", func(t *testing.T) { histFaultSweep(t, histFaultB) })
	t.Run("plan edited", func(t *testing.T) {
		histFaultSweep(t, strings.Replace(histFaultB, "{disk_space: 10GiB, mailboxes: 10}", "{disk_space: 12GiB, mailboxes: 10}", 1))
	})
}

func histFaultSweep(t *testing.T, week2 string) {
	reference := ""
	for n := 0; n < 200; n++ {
		done, result := histFaultTrial(t, n, week2)
		if n == 0 {
			reference = result
			continue
		}
		if result != reference {
			t.Fatalf("fault at operation %d: after the rerun the server and the record hold\n%s\nwhere an apply without the fault gives\n%s", n, result, reference)
		}
		if done {
			// The fault came after the apply's last operation.
			if n < 10 {
				t.Fatalf("the apply had only %d operations", n-1)
			}
			t.Logf("a fault at each of the apply's %d operations, then a rerun: the same result", n-1)
			return
		}
	}
	t.Fatal("the apply never got past its 200th operation")
}

// histFaultTrial applies histFaultA, then histFaultB with the emulator
// failing its nth operation of that apply (none when n is 0), then
// histFaultB again without a fault; it checks the rerun finished the
// apply and returns whether the faulty apply succeeded (the fault came
// too late to hit it) and what the record and the server hold.
func histFaultTrial(t *testing.T, n int, week2 string) (bool, string) {
	t.Helper()
	st := fake.NewState()
	var emu atomic.Pointer[fake.Server]
	emu.Store(fake.New(st, fake.Options{Key: "k-hist"}))
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { emu.Load().ServeHTTP(w, r) }))
	defer hs.Close()
	vars := map[string]string{"PLANSYNC_PLESK_URL": hs.URL, "PLANSYNC_PLESK_KEY": "k-hist", "PLANSYNC_PLESK_DEFAULT_IP": st.IPs[0],
		"PLANSYNC_NOW": "2027-01-01T00:00:00Z", "NO_COLOR": "1"}
	dir := filepath.Join(t.TempDir(), "site")
	file := filepath.Join(dir, "main.yaml")
	save(t, file, histFaultA)
	if out, code := runCLI(t, vars, "apply", "--dir", dir, "--auto-approve"); code != 0 {
		t.Fatalf("week 1: exit %d\n%s", code, out)
	}
	save(t, file, week2)
	done := true
	if n > 0 {
		emu.Store(fake.New(st, fake.Options{Key: "k-hist", FailOp: n}))
		out, code := runCLI(t, vars, "apply", "--dir", dir, "--auto-approve", "--allow-delete")
		emu.Store(fake.New(st, fake.Options{Key: "k-hist"}))
		faulted := strings.Contains(out, "injected fault at operation")
		done = code == 0 && !faulted
		if code != 0 && !faulted {
			t.Fatalf("fault at operation %d: exit %d without the fault named\n%s", n, code, out)
		}
		if done && strings.Contains(out, "Model disagreements") {
			t.Fatalf("fault at operation %d (after the apply): model disagreement\n%s", n, out)
		}
	}
	out, code := runCLI(t, vars, "apply", "--dir", dir, "--auto-approve", "--allow-delete")
	if code != 0 || strings.Contains(out, "Model disagreements") {
		t.Fatalf("fault at operation %d, then run again: exit %d\n%s", n, code, out)
	}
	if out, code := runCLI(t, vars, "plan", "--dir", dir, "--detailed-exitcode"); code != 0 || !strings.Contains(out, "No changes.") {
		t.Fatalf("fault at operation %d, run again, then planned: exit %d\n%s", n, code, out)
	}
	if out, code := runCLI(t, vars, "refresh", "--dir", dir); code != 0 || !strings.HasPrefix(out, "No drift") {
		t.Fatalf("fault at operation %d, run again, then refreshed: exit %d\n%s", n, code, out)
	}
	shown, code := runCLI(t, vars, "show", "--dir", dir, "--format", "json")
	if code != 0 {
		t.Fatalf("show: exit %d\n%s", code, shown)
	}
	imp := filepath.Join(t.TempDir(), "imp")
	if out, code := runCLI(t, vars, "import", "--dir", imp); code != 0 {
		t.Fatalf("import: exit %d\n%s", code, out)
	}
	imported, code := runCLI(t, vars, "show", "--dir", imp, "--format", "json")
	if code != 0 {
		t.Fatalf("show imported: exit %d\n%s", code, imported)
	}
	return done, histFaultComparable(shown) + "\n--- imported from the server ---\n" + histFaultComparable(imported)
}

// histFaultVolatile matches what differs between two runs that agree:
// the Plesk identities the emulator gave (their order of creation
// differs when an operation failed), and the creation times.
var histFaultVolatile = regexp.MustCompile(`(?m)^\s*"(guid|id|created_at|ftp_login)": .*\n|"plesk": \{\s*\},?\n`)

func histFaultComparable(shown string) string {
	return fmt.Sprint(histFaultVolatile.ReplaceAllString(shown, ""))
}
