package archtest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const mod = "github.com/plansync/plansync"

// allowed lists, for each package, the plansync packages it may import
// (directly or not). Packages not listed may import anything.
var allowed = map[string][]string{
	"internal/diag":       {},
	"internal/bincodec":   {},
	"internal/configfile": {},
	"internal/model":      {"internal/diag"},
	"internal/config":     {"internal/diag", "internal/model", "internal/bincodec", "internal/configfile"},
	"internal/plan":       {"internal/diag", "internal/model", "state", "internal/bincodec"},
	"internal/apply":      {"internal/diag", "internal/model", "internal/plan", "state", "internal/bincodec"},
	"internal/render":     {"internal/diag", "internal/model", "internal/plan", "state", "internal/bincodec"},
	"internal/watch":      {"internal/configfile"},
	"internal/fleet":      {"internal/diag", "internal/model"},
	"state":               {"internal/bincodec"},
	"state/file":          {"state", "internal/bincodec"},
	"state/postgres":      {"state", "internal/bincodec"},
}

type pkg struct {
	ImportPath string
	Deps       []string
	GoFiles    []string
	Dir        string
}

func TestLayering(t *testing.T) {
	cmd := exec.Command("go", "list", "-e", "-json", mod+"/...")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, mod), "/")
		ok, listed := allowed[rel]
		if !listed {
			continue
		}
		seen++
		okSet := map[string]bool{}
		for _, a := range ok {
			okSet[a] = true
		}
		for _, d := range p.Deps {
			if !strings.HasPrefix(d, mod+"/") {
				continue
			}
			dr := strings.TrimPrefix(d, mod+"/")
			if !okSet[dr] {
				t.Errorf("%s imports %s: not allowed (allowed: %v)", rel, dr, ok)
			}
		}
	}
	if seen < 6 {
		t.Fatalf("checked only %d packages: go list output not as expected", seen)
	}
}

// TestEngineIsPure keeps the engine free of the clock, the environment
// and the file system: those come in as arguments.
func TestEngineIsPure(t *testing.T) {
	_, self, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(self), "..", "plan")
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no engine files: %v", err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, banned := range []string{"time.Now(", "os.Getenv", "os.LookupEnv", "os.ReadFile", "os.Open", `"os"`} {
			if strings.Contains(string(src), banned) {
				t.Errorf("%s uses %s: the engine must stay pure", filepath.Base(f), banned)
			}
		}
	}
}
