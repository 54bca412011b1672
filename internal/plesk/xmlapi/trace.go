package xmlapi

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// Sensitive replaces every secret in a trace.
const Sensitive = "(sensitive)"

// tracer writes packets to a directory: 0001-request.xml,
// 0001-response.xml, … (numbering continues after what is there).
type tracer struct {
	dir     string
	secrets []string
	mu      sync.Mutex
	next    int
}

var (
	secretElems = regexp.MustCompile(`(?s)<(passwd|password|ftp_password|secret_key|key)>.*?</(passwd|password|ftp_password|secret_key|key)>`)
	secretProps = regexp.MustCompile(`(?s)(<property>\s*<name>\s*(?:ftp_password|password)\s*</name>\s*<value>).*?(</value>)`)
)

// Redact masks passwords and keys in a packet.
func Redact(packet []byte, secrets ...string) []byte {
	s := secretElems.ReplaceAllStringFunc(string(packet), func(m string) string {
		sub := secretElems.FindStringSubmatch(m)
		return "<" + sub[1] + ">" + Sensitive + "</" + sub[2] + ">"
	})
	s = secretProps.ReplaceAllString(s, "${1}"+Sensitive+"${2}")
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, Sensitive)
		}
	}
	return []byte(s)
}

func (t *tracer) request(body []byte) int {
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.next == 0 {
		// New made the folder; a trace already in it is continued.
		matches, _ := filepath.Glob(filepath.Join(t.dir, "[0-9][0-9][0-9][0-9]-request.xml"))
		for _, m := range matches {
			var n int
			if _, err := fmt.Sscanf(filepath.Base(m), "%04d-request.xml", &n); err == nil && n > t.next {
				t.next = n
			}
		}
	}
	t.next++
	t.write(t.next, "request", body)
	return t.next
}

func (t *tracer) response(seq int, body []byte) {
	if t == nil {
		return
	}
	t.write(seq, "response", body)
}

func (t *tracer) write(seq int, kind string, body []byte) {
	name := filepath.Join(t.dir, fmt.Sprintf("%04d-%s.xml", seq, kind))
	_ = os.WriteFile(name, Redact(body, t.secrets...), 0o600)
}

// usableDir makes dir (and its parents) when it does not exist and
// checks that a file can be written in it.
func usableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".plansync-trace-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
