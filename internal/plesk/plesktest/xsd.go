// Package plesktest holds test helpers for the Plesk packages: checking
// packets against Plesk's own XML schema.
package plesktest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// SchemaDir returns the directory of Plesk's XSD files named by
// PLANSYNC_PLESK_XSD, or "" (with a note in the test log) when it is not
// set or xmllint is missing. The schemas are Plesk's copyright and are
// not part of the repository: see docs/plesk.md.
func SchemaDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("PLANSYNC_PLESK_XSD")
	if dir == "" {
		t.Log("PLANSYNC_PLESK_XSD not set: packets are not checked against Plesk's schema")
		return ""
	}
	if _, err := os.Stat(filepath.Join(dir, "agent_input.xsd")); err != nil {
		t.Fatalf("PLANSYNC_PLESK_XSD=%s: %v", dir, err)
	}
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Log("xmllint not installed (Debian: libxml2-utils): packets are not checked against Plesk's schema")
		return ""
	}
	return dir
}

// Validate checks a request (input) or response (output) packet against
// agent_input.xsd or agent_output.xsd when the schemas are available.
func Validate(t testing.TB, output bool, name string, packet []byte) {
	t.Helper()
	dir := SchemaDir(t)
	if dir == "" {
		return
	}
	schema := "agent_input.xsd"
	if output {
		schema = "agent_output.xsd"
	}
	f := filepath.Join(t.TempDir(), "packet.xml")
	if err := os.WriteFile(f, packet, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("xmllint", "--noout", "--schema", filepath.Join(dir, schema), f)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("%s does not validate against %s:\n%s\npacket:\n%s", name, schema, strings.TrimSpace(string(out)), packet)
	}
}

// ValidateDir checks every NNNN-request.xml and NNNN-response.xml in dir
// (as PLANSYNC_PLESK_TRACE writes them) against Plesk's schema, when the
// schemas are available. It returns how many packets were checked.
func ValidateDir(t testing.TB, dir string) int {
	t.Helper()
	schemas := SchemaDir(t)
	if schemas == "" {
		return 0
	}
	// Packets of another protocol version (plan-item, up to 1.6.9.0)
	// are not this schema's: they and their answers are left out.
	other := map[string]bool{}
	reqs, _ := filepath.Glob(filepath.Join(dir, "*-request.xml"))
	for _, f := range reqs {
		data, _ := os.ReadFile(f)
		if !strings.Contains(string(data), `version="1.6.9.1"`) {
			other[strings.TrimSuffix(filepath.Base(f), "-request.xml")] = true
		}
	}
	if len(other) > 0 {
		t.Logf("%d packets of another protocol version than 1.6.9.1 not checked against the schema", len(other))
	}
	n := 0
	for _, kind := range []struct{ glob, schema string }{{"*-request.xml", "agent_input.xsd"}, {"*-response.xml", "agent_output.xsd"}} {
		all, _ := filepath.Glob(filepath.Join(dir, kind.glob))
		var files []string
		for _, f := range all {
			if !other[strings.SplitN(filepath.Base(f), "-", 2)[0]] {
				files = append(files, f)
			}
		}
		if len(files) == 0 {
			continue
		}
		args := append([]string{"--noout", "--schema", filepath.Join(schemas, kind.schema)}, files...)
		out, err := exec.Command("xmllint", args...).CombinedOutput()
		if err != nil {
			var bad []string
			for _, line := range strings.Split(string(out), "\n") {
				if !strings.HasSuffix(line, " validates") && line != "" {
					bad = append(bad, line)
				}
			}
			t.Errorf("packets in %s do not validate against %s:\n%s", dir, kind.schema, strings.Join(bad, "\n"))
		}
		n += len(files)
	}
	return n
}
