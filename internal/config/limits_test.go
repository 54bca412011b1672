package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeepNesting: files nested 100,000 levels deep are an error at a
// position, never a stack overflow (which no recover could catch).
func TestDeepNesting(t *testing.T) {
	const n = 100_000
	for _, tc := range []struct{ name, src, want string }{
		{"a.hcl", "service_plan \"A\" {\n  services = " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n}\n", "a.hcl:2:77"},
		{"b.hcl", "server " + strings.Repeat("{\n a ", n), "b.hcl:65:4"},
		{"c.hcl", "server {\n  x = " + strings.Repeat("{a = ", n) + "1" + strings.Repeat("}", n) + "\n}\n", "c.hcl:2:"},
		{"d.yaml", "service_plans: " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n", "d.yaml:1:80"},
		{"e.yaml", "a: " + strings.Repeat("{a: ", n) + "1" + strings.Repeat("}", n) + "\n", "e.yaml:1:"},
		{"f.yaml", strings.Repeat("- ", n) + "x\n", "f.yaml:1:"},
		{"g.hcl", "server {\n  a = " + strings.Repeat("-", 30*n) + "1\n}\n", "g.hcl:2:71"},
		{"h.hcl", "server {\n  a = " + strings.Repeat("! ", n) + "true\n}\n", "h.hcl:2:"},
		{"j.hcl", "server {\n  a = <<A\n" + strings.Repeat("${<<A\n", n) + "}\n", "j.hcl:67:1"},
		{"k.hcl", "server {\n  a = " + strings.Repeat(`"${`, n) + "1" + strings.Repeat(`}"`, n) + "\n}\n", "k.hcl:2:"},
		{"i.hcl", "server {\n  a = " + strings.Repeat("true ? ", n) + "1" + strings.Repeat(" : 2", n) + "\n}\n", "i.hcl:2:"},
	} {
		_, ds := ParseFile(tc.name, tc.name, []byte(tc.src))
		if !ds.HasErrors() || !strings.Contains(ds.Error(), "nested more than 64 levels deep") || !strings.Contains(ds.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, ds)
		}
	}
}

// TestDepthScanSkipsText: brackets in strings, comments and heredocs do
// not count; real nesting up to the bound is fine.
func TestDepthScanSkipsText(t *testing.T) {
	open := strings.Repeat("[", 100)
	for _, src := range []string{
		"a = \"" + open + "\"\n",
		"# " + open + "\n",
		"// " + open + "\n",
		"/* " + open + "\n */\n",
		"a = <<EOT\n" + open + "\nEOT\n",
		"a = <<-EOT\n  " + open + "\n  EOT\n",
		"a = \"\\\"" + open + "\"\n",
		"a = " + strings.Repeat("[", 64) + strings.Repeat("]", 64) + "\n",
		"a = -1\nb = -2\n" + strings.Repeat("c-d = !x\n", 100),
		"# " + strings.Repeat("-", 200) + "\n// " + strings.Repeat("?", 200) + "\n",
		"a = \"" + strings.Repeat("$${x}", 100) + "\"\n",
	} {
		if l, c, deep := depthScan([]byte(src), MaxDepth, true); deep {
			t.Errorf("%q: too deep at %d:%d", src, l, c)
		}
	}
	if l, c, deep := depthScan([]byte("a = <<EOT\nx\nEOT\nb = "+strings.Repeat("[", 65)), MaxDepth, true); !deep || l != 4 || c != 69 {
		t.Errorf("after a heredoc: %d:%d %v", l, c, deep)
	}
}

// TestLongText: a text value or key longer than 64 KiB is an error.
func TestLongText(t *testing.T) {
	long := strings.Repeat("x", MaxTextLen+1)
	for name, src := range map[string]string{
		"a.yaml": "customers:\n  - login: jdoe\n    description: " + long + "\n",
		"b.hcl":  "customer \"jdoe\" {\n  description = \"" + long + "\"\n}\n",
		"c.yaml": "? " + long + "\n: 1\n",
	} {
		_, ds := ParseFile(name, name, []byte(src))
		if !strings.Contains(ds.Error(), "is too long (at most 64 KiB)") {
			t.Errorf("%s: %v", name, ds)
		}
	}
	ok := strings.Repeat("x", MaxTextLen)
	if _, ds := ParseFile("ok.yaml", "ok.yaml", []byte("customers:\n  - login: jdoe\n    description: "+ok+"\n")); ds.HasErrors() {
		t.Errorf("64 KiB refused: %v", ds)
	}
}

// TestFileSizeAndKind: a config file over the size limit, a FIFO named
// like a config file and a directory are refused without being read.
func TestFileSizeAndKind(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxFileSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := ReadSource(big); err == nil || !strings.Contains(err.Error(), "larger than 64 MiB, the limit for a config file") {
		t.Errorf("big file: %v", err)
	}
	if _, ds := ParseFile("x.yaml", "x.yaml", make([]byte, MaxFileSize+1)); !strings.Contains(ds.Error(), "more than the 64 MiB") {
		t.Errorf("big source: %v", ds)
	}
	fifo := filepath.Join(dir, "pipe.yaml")
	if err := makeFIFO(fifo); err != nil {
		t.Skip(err)
	}
	if _, err := ReadSource(fifo); err == nil || !strings.Contains(err.Error(), "named pipe") {
		t.Errorf("fifo: %v", err)
	}
	if _, err := ReadSource(dir); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("dir: %v", err)
	}
}

// TestReadSecretFile: a secret file is a regular file of at most 64 KiB.
func TestReadSecretFile(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok")
	if err := os.WriteFile(ok, []byte(strings.Repeat("s", MaxSecretSize)), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadSecretFile(ok); err != nil || len(b) != MaxSecretSize {
		t.Errorf("64 KiB: %d bytes, %v", len(b), err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, []byte(strings.Repeat("s", MaxSecretSize+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSecretFile(big); err == nil || err.Error() != "larger than 64 KiB, the limit for a secret file" {
		t.Errorf("big: %v", err)
	}
	for path, want := range map[string]string{"/dev/zero": "is a device", dir: "is a directory"} {
		if _, err := ReadSecretFile(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", path, err)
		}
	}
}
