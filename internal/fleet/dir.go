package fleet

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/plansync/plansync/internal/model"
)

// Marker is the hidden file WriteDir leaves in a directory it wrote (the
// loader skips hidden files). A directory holding it may be replaced by
// a later WriteDir.
const Marker = ".plansync-fleet"

// DefaultPerFile is the number of subscriptions per accounts file when
// WriteDir is given none.
const DefaultPerFile = 1000

// File is one file WriteDir wrote.
type File struct {
	// Rel is the path relative to the directory, with slashes.
	Rel string
	// Subscriptions and Customers count what the file declares.
	Subscriptions, Customers int
	Bytes                    int64
}

// WriteDir writes cfg as a config directory in syntax "yaml" or "hcl":
//
//	server.EXT             the server and the additional services
//	plans.EXT              service, add-on and reseller plans
//	resellers.EXT          resellers
//	accounts/NNNN.EXT      customers, each with all its subscriptions, about
//	                       perFile subscriptions a file (DefaultPerFile when
//	                       perFile <= 0); own subscriptions come last
//	self-service/settings.EXT  subscriber settings
//
// plus, for every secret read from a relative file whose value the config
// holds (Generate's passwords), that file next to the file naming it.
// dir is created when missing. It must be empty, or hold an earlier
// WriteDir output (it has the Marker file), which is replaced. Files are
// written concurrently; the result does not depend on scheduling.
func WriteDir(dir string, cfg *model.Config, syntax string, perFile int) error {
	_, err := WriteDirFiles(dir, cfg, syntax, perFile)
	return err
}

// WriteDirFiles is WriteDir, and returns what it wrote, sorted by path.
func WriteDirFiles(dir string, cfg *model.Config, syntax string, perFile int) ([]File, error) {
	var write func(io.Writer, *model.Config, string) error
	switch syntax {
	case "yaml":
		write = writeYAML
	case "hcl":
		write = writeHCL
	default:
		return nil, fmt.Errorf("unknown syntax %q: want yaml or hcl", syntax)
	}
	if perFile <= 0 {
		perFile = DefaultPerFile
	}
	if err := prepareDir(dir); err != nil {
		return nil, err
	}
	jobs := layout(cfg, syntax, perFile)
	files := make([]File, len(jobs))
	errs := make([]error, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(jobs)) {
		wg.Go(func() {
			for i := range next {
				files[i], errs[i] = writeFile(dir, jobs[i], write)
			}
		})
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, Marker), []byte("written by plansync fleet.WriteDir; this directory may be replaced\n"), 0o644); err != nil {
		return nil, err
	}
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Rel, b.Rel) })
	return files, nil
}

// prepareDir creates dir, or empties an earlier WriteDir output.
func prepareDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, Marker)); err != nil {
		return fmt.Errorf("%s is not empty and was not written by plansync's fleet writer (no %s file); choose an empty or new directory", dir, Marker)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// job is one file to write: its path and the objects it holds.
type job struct {
	rel string
	cfg *model.Config
}

// layout splits cfg into files.
func layout(cfg *model.Config, syntax string, perFile int) []job {
	var jobs []job
	add := func(rel string, c *model.Config) {
		jobs = append(jobs, job{rel: rel + "." + syntax, cfg: c})
	}
	if cfg.Server != nil || len(cfg.Services) > 0 {
		c := model.NewConfig()
		c.Server, c.Services = cfg.Server, cfg.Services
		add("server", c)
	}
	if len(cfg.ServicePlans)+len(cfg.AddonPlans)+len(cfg.ResellerPlans) > 0 {
		c := model.NewConfig()
		c.ServicePlans, c.AddonPlans, c.ResellerPlans = cfg.ServicePlans, cfg.AddonPlans, cfg.ResellerPlans
		add("plans", c)
	}
	if len(cfg.Resellers) > 0 {
		c := model.NewConfig()
		c.Resellers = cfg.Resellers
		add("resellers", c)
	}
	if len(cfg.SubscriberSettings) > 0 {
		c := model.NewConfig()
		c.SubscriberSettings = cfg.SubscriberSettings
		add("self-service/settings", c)
	}

	// Accounts: each customer with all its subscriptions, then own
	// subscriptions, cut into files of about perFile subscriptions.
	subsOf := make(map[string][]*model.Subscription, len(cfg.Customers))
	var own []*model.Subscription
	for _, s := range cfg.Subscriptions {
		if s.Customer != "" {
			if _, ok := cfg.Customers[s.Customer]; ok {
				subsOf[s.Customer] = append(subsOf[s.Customer], s)
				continue
			}
		}
		own = append(own, s)
	}
	slices.SortFunc(own, func(a, b *model.Subscription) int { return strings.Compare(a.Domain, b.Domain) })
	var chunks []*model.Config
	cur, n := (*model.Config)(nil), 0
	room := func(k int) {
		if cur == nil || n > 0 && n+k > perFile {
			cur, n = model.NewConfig(), 0
			chunks = append(chunks, cur)
		}
	}
	for _, login := range slices.Sorted(maps.Keys(cfg.Customers)) {
		subs := subsOf[login]
		room(len(subs))
		cur.Customers[login] = cfg.Customers[login]
		for _, s := range subs {
			cur.Subscriptions[s.Domain] = s
		}
		n += len(subs)
	}
	for _, s := range own {
		room(1)
		cur.Subscriptions[s.Domain] = s
		n++
	}
	width := max(4, len(fmt.Sprint(len(chunks))))
	for i, c := range chunks {
		add(fmt.Sprintf("accounts/%0*d", width, i+1), c)
	}
	return jobs
}

// writeFile writes one file and the secret files its objects name.
func writeFile(dir string, j job, write func(io.Writer, *model.Config, string) error) (File, error) {
	p := filepath.Join(dir, filepath.FromSlash(j.rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return File{}, err
	}
	f, err := os.Create(p)
	if err != nil {
		return File{}, err
	}
	cw := &countWriter{w: f}
	err = write(cw, j.cfg, "# Generated by plansync's fleet writer.\n\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return File{}, fmt.Errorf("writing %s: %w", p, err)
	}
	if err := writeSecrets(filepath.Dir(p), j.cfg); err != nil {
		return File{}, err
	}
	return File{Rel: j.rel, Subscriptions: len(j.cfg.Subscriptions), Customers: len(j.cfg.Customers), Bytes: cw.n}, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// writeSecrets writes the secret files, relative to base, that cfg's
// accounts and subscriptions name and hold a value for. Paths that are
// absolute or leave base are not written.
func writeSecrets(base string, cfg *model.Config) error {
	var secrets []*model.Secret
	for _, r := range cfg.Resellers {
		secrets = append(secrets, r.Password)
	}
	for _, c := range cfg.Customers {
		secrets = append(secrets, c.Password)
	}
	for _, s := range cfg.Subscriptions {
		secrets = append(secrets, s.FTPPassword)
	}
	made := map[string]bool{}
	for _, s := range secrets {
		if s == nil || s.File == "" || s.Value == "" {
			continue
		}
		rel := path.Clean(filepath.ToSlash(s.File))
		if path.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, "../") {
			continue
		}
		p := filepath.Join(base, filepath.FromSlash(rel))
		if d := filepath.Dir(p); !made[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
			made[d] = true
		}
		if err := os.WriteFile(p, []byte(s.Value+"\n"), 0o600); err != nil {
			return err
		}
	}
	return nil
}
