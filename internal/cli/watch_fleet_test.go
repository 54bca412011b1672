package cli

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plansync/plansync/internal/plesk/fake"
)

// fleetServers starts n emulators (web1…) and returns their URLs.
func fleetServers(t *testing.T, n int, key string) []string {
	t.Helper()
	var urls []string
	for range n {
		st := fake.NewState()
		st.Components = []string{"php8.3", "php-fpm"}
		srv := httptest.NewServer(fake.New(st, fake.Options{Key: key}))
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	return urls
}

// editPlanOn sets plan Basic's disk space on the server at url, as an
// edit in its panel does.
func editPlanOn(t *testing.T, url, key string, bytesValue int64) {
	t.Helper()
	packet := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><packet version="1.6.9.1"><service-plan><set><filter><name>Basic</name></filter><limits><limit><name>disk_space</name><value>%d</value></limit></limits></set></service-plan></packet>`, bytesValue)
	req, err := http.NewRequest(http.MethodPost, url+"/enterprise/control/agent.php", bytes.NewReader([]byte(packet)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("KEY", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), "<status>ok</status>") {
		t.Fatalf("edit refused: %s", body)
	}
}

func fleetWatchConfig(urls []string, disk string) string {
	var b strings.Builder
	b.WriteString("servers:\n")
	for i, u := range urls {
		fmt.Fprintf(&b, "  - name: web%d\n    components: [php8.3, php-fpm]\n    plesk: {url: %q, key: {env: FLEET_KEY}}\n", i+1, u)
	}
	b.WriteString("service_plans:\n  - name: Basic\n    resources: {disk_space: " + disk + "}\n    hosting: {php_version: \"8.3\", php_handler: fpm}\nsubscriptions:\n")
	for i := range urls {
		fmt.Fprintf(&b, "  - {domain: s%d.example, plan: Basic, server: web%d}\n", i+1, i+1)
	}
	return b.String()
}

// watch --apply on several Plesk servers applies each plan on every
// server, as apply does; a plan that reverts drift (a plan edited in one
// server's panel) is skipped unless --self-heal; --refresh-every reads
// every server again.
func TestWatchFleetApplies(t *testing.T) {
	const key = "k-fleet-watch"
	urls := fleetServers(t, 2, key)
	dir := t.TempDir()
	vars := map[string]string{"FLEET_KEY": key, "PLANSYNC_PLESK_DEFAULT_IP": "192.0.2.10"}
	save(t, filepath.Join(dir, "main.yaml"), fleetWatchConfig(urls, "1GiB"))
	w := startWatch(t, dir, vars, "--apply", "--debounce", "50ms")
	w.waitFor("Apply complete on 2 of 2 servers. State serial 1.", 1)

	save(t, filepath.Join(dir, "main.yaml"), fleetWatchConfig(urls, "2GiB"))
	w.waitFor("Apply complete on 2 of 2 servers. State serial 2.", 1)
	for _, want := range []string{"web1: ~ service_plan \"Basic\"", "web2: ~ service_plan \"Basic\"", "  web1: done (1 write sent)", "  web2: done (1 write sent)"} {
		if !strings.Contains(w.out.String(), want) {
			t.Errorf("no %q in:\n%s", want, w.out)
		}
	}

	// The plan edited in web2's panel: the next plan (after a change to
	// the config) reads every server again, sees the drift on web2, and
	// does not apply a plan that reverts it.
	editPlanOn(t, urls[1], key, 5<<30)
	save(t, filepath.Join(dir, "main.yaml"), fleetWatchConfig(urls, "2GiB")+"# touched\n")
	w.waitFor("skipped apply: the plan reverts 1 drift item (web2: service_plan Basic)", 1)
	if strings.Contains(w.out.String(), "State serial 3.") {
		t.Errorf("a plan reverting drift was applied without --self-heal:\n%s", w.out)
	}
	if code := w.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	lockFree(t, dir)

	// --self-heal applies it, and --refresh-every reads every server
	// again on its schedule: an edit on web1 is set back with no change
	// to the config.
	w = startWatch(t, dir, vars, "--apply", "--self-heal", "--debounce", "50ms", "--refresh-every", "300ms")
	// Setting drift back leaves the records as they were, but it wrote
	// to web2: a new serial, with its history entry.
	w.waitFor("Apply complete on 2 of 2 servers. State serial 3.", 1)
	if !strings.Contains(w.out.String(), "  web2: done (1 write sent)") || !strings.Contains(w.out.String(), "  web1: done (0 writes sent)") {
		t.Errorf("self-heal did not set web2 back alone:\n%s", w.out)
	}
	editPlanOn(t, urls[0], key, 7<<30)
	w.waitFor("re-reading the Plesk servers (--refresh-every 300ms)", 1)
	w.waitFor("Apply complete on 2 of 2 servers.", 2)
	if n := strings.Count(w.out.String(), "  web1: done (1 write sent)"); n != 1 {
		t.Errorf("web1 set back %d times, want 1:\n%s", n, w.out)
	}
	if code := w.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// A watch's plans after the first, made from the servers' kept reads,
// are planned with the components each server has, as the first: a
// declared list the servers do not match is not planned as a change to
// the servers.
func TestWatchFleetKeepsServerComponents(t *testing.T) {
	const key = "k-fleet-comps"
	urls := fleetServers(t, 2, key)
	dir := t.TempDir()
	vars := map[string]string{"FLEET_KEY": key, "PLANSYNC_PLESK_DEFAULT_IP": "192.0.2.10"}
	declared := func(disk string) string {
		return strings.ReplaceAll(fleetWatchConfig(urls, disk), "components: [php8.3, php-fpm]", "components: [php8.3, php8.4, php-fpm]")
	}
	save(t, filepath.Join(dir, "main.yaml"), declared("1GiB"))
	if out, code := runCLI(t, vars, "apply", "--dir", dir, "--auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	// The watch's first plan reads the servers (no changes) and keeps
	// the reads; the next, after an edit, is made from them.
	w := startWatch(t, dir, vars, "--apply", "--debounce", "50ms")
	w.waitFor("No changes.", 1)
	save(t, filepath.Join(dir, "main.yaml"), declared("2GiB"))
	w.waitFor("Apply complete on 2 of 2 servers. State serial 2.", 1)
	if code := w.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if out := w.out.String(); strings.Contains(out, "~ server") || !strings.Contains(out, "declared but not installed: php8.4") {
		t.Errorf("the second plan does not follow the servers' components:\n%s", out)
	}
	lockFree(t, dir)
	if out, code := runCLI(t, vars, "plan", "--dir", dir, "--detailed-exitcode"); code != 0 || !strings.Contains(out, "No changes.") {
		t.Errorf("after the watch, plan exits %d:\n%s", code, out)
	}
}

// With several servers too, the kept reads are not compared with a
// recorded state another plansync apply wrote since (changing the
// servers): the next plan reads them again, as plan would.
func TestWatchFleetRereadsAfterAnotherApply(t *testing.T) {
	const key = "k-fleet-other"
	urls := fleetServers(t, 2, key)
	dir := t.TempDir()
	vars := map[string]string{"FLEET_KEY": key, "PLANSYNC_PLESK_DEFAULT_IP": "192.0.2.10"}
	save(t, filepath.Join(dir, "main.yaml"), fleetWatchConfig(urls, "1GiB"))
	w := startWatch(t, dir, vars, "--debounce", "50ms")
	w.waitFor("watch: planned in", 1)
	if out, code := runCLI(t, vars, "apply", "--dir", dir, "--auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	before := len(w.out.String())
	save(t, filepath.Join(dir, "main.yaml"), fleetWatchConfig(urls, "1GiB")+"# touched\n")
	w.waitFor("watch: planned in", 2)
	w.stop()
	if after := w.out.String()[before:]; strings.Contains(after, "outside plansync") || !strings.Contains(after, "No changes.") {
		t.Errorf("the plan after another apply is not plansync plan's (no changes, no drift):\n%s", after)
	}
}

// A watch whose config is pointed at another server (server.plesk.url
// edited) reads that server, as plan does, not the one it read before.
func TestWatchRereadsAnotherServer(t *testing.T) {
	const key = "k-other-server"
	urls := fleetServers(t, 2, key)
	dir := t.TempDir()
	vars := map[string]string{"K": key, "PLANSYNC_PLESK_DEFAULT_IP": "192.0.2.10"}
	config := func(url string) string {
		return fmt.Sprintf("server:\n  components: [php8.3, php-fpm]\n  plesk: {url: %q, key: {env: K}}\n", url) +
			"service_plans:\n  - name: Basic\n    resources: {disk_space: 1GiB}\n"
	}
	save(t, filepath.Join(dir, "main.yaml"), config(urls[0]))
	if out, code := runCLI(t, vars, "apply", "--dir", dir, "--auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	w := startWatch(t, dir, vars, "--debounce", "50ms")
	w.waitFor("No changes.", 1)
	save(t, filepath.Join(dir, "main.yaml"), config(urls[1]))
	w.waitFor("watch: planned in", 2)
	w.stop()
	out, _ := runCLI(t, vars, "plan", "--dir", dir)
	want := out[strings.LastIndex(out, "Plan: "):]
	want = want[:strings.Index(want, "\n")]
	if !strings.Contains(out, "outside plansync") || !strings.HasSuffix(strings.TrimSpace(w.out.String()[:strings.LastIndex(w.out.String(), "watch: planned in")]), want) {
		t.Errorf("the watch's plan of the other server is not plan's (%s):\n%s", want, w.out)
	}
}
