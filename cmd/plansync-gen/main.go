// Command plansync-gen writes a generated fleet (internal/fleet) as a
// config directory, for load tests and benchmarks:
//
//	go run ./cmd/plansync-gen -n 100000 -format yaml -out /tmp/fleet [-shape default] [-seed 1] [-conflicts 0.05] [-customised 0.10]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/plansync/plansync/internal/fleet"
	"github.com/plansync/plansync/internal/model"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command's flags.
type options struct {
	N          int
	Shape      string
	Format     string
	Out        string
	Seed       int64
	Conflicts  float64
	Customised float64
	PerFile    int
	Passwords  bool
}

// parse reads the flags.
func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("plansync-gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: plansync-gen -n N -format yaml|hcl -out DIR [flags]")
		fmt.Fprintln(stderr, "Writes a generated fleet of N subscriptions as a plansync config directory.")
		fs.PrintDefaults()
	}
	fs.IntVar(&o.N, "n", 1000, "number of subscriptions")
	fs.StringVar(&o.Shape, "shape", "default", "fleet shape: "+strings.Join(fleet.Shapes, ", ")+" (see internal/fleet)")
	fs.StringVar(&o.Format, "format", "yaml", "config syntax: yaml or hcl")
	fs.StringVar(&o.Out, "out", "", "output directory (new, empty, or an earlier plansync-gen output, which is replaced)")
	fs.Int64Var(&o.Seed, "seed", 1, "random seed; equal flags give equal fleets")
	fs.Float64Var(&o.Conflicts, "conflicts", 0, "fraction of subscriptions on a plan the server cannot provide (PHP "+fleet.ConflictPHP+")")
	fs.Float64Var(&o.Customised, "customised", 0.10, "fraction of subscriptions with a customize block (locked); default: the shape's (0.10, or 1 for customised)")
	fs.IntVar(&o.PerFile, "per-file", fleet.DefaultPerFile, "subscriptions per accounts file")
	fs.BoolVar(&o.Passwords, "passwords", false, "give accounts passwords read from secret files (written too)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	shape, err := fleet.ShapeOptions(o.Shape, o.N)
	if err != nil {
		return o, err
	}
	customisedSet := false
	fs.Visit(func(f *flag.Flag) { customisedSet = customisedSet || f.Name == "customised" })
	if !customisedSet {
		o.Customised = shape.CustomisedFraction
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.Out == "":
		return o, errors.New("-out DIR is required")
	case o.N < 0:
		return o, errors.New("-n must not be negative")
	case o.Format != "yaml" && o.Format != "hcl":
		return o, fmt.Errorf("-format %q: want yaml or hcl", o.Format)
	case o.Conflicts < 0 || o.Customised < 0 || o.Conflicts+o.Customised > 1:
		return o, errors.New("-conflicts and -customised are fractions between 0 and 1, together at most 1")
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "plansync-gen:", err)
		return 2
	}
	if err := generate(o, stdout); err != nil {
		fmt.Fprintln(stderr, "plansync-gen:", err)
		return 1
	}
	return 0
}

// generate builds the fleet, writes it and says what it wrote.
func generate(o options, stdout io.Writer) error {
	start := time.Now()
	opt, err := fleet.ShapeOptions(o.Shape, o.N)
	if err != nil {
		return err
	}
	opt.Seed, opt.CustomisedFraction, opt.ConflictFraction, opt.Passwords = o.Seed, o.Customised, o.Conflicts, o.Passwords
	cfg := fleet.Generate(opt)
	generated := time.Since(start)
	files, err := fleet.WriteDirFiles(o.Out, cfg, o.Format, o.PerFile)
	if err != nil {
		return err
	}
	var bytes int64
	for _, f := range files {
		bytes += f.Bytes
	}
	locked, custom, addons, conflicting := 0, 0, 0, 0
	for _, s := range cfg.Subscriptions {
		switch {
		case s.Plan == model.None:
			custom++
		case s.Customize != nil:
			locked++
		}
		if len(s.Addons) > 0 {
			addons++
		}
		if s.Plan == fleet.ConflictPlan {
			conflicting++
		}
	}
	fmt.Fprintf(stdout, "wrote %s: %d files, %.1f MiB of %s, shape %s, in %s (generated in %s)\n",
		o.Out, len(files), float64(bytes)/(1<<20), o.Format, o.Shape, time.Since(start).Round(time.Millisecond), generated.Round(time.Millisecond))
	fmt.Fprintf(stdout, "  %d subscriptions (%d customised, %d custom, %d with add-ons, %d on PHP %s), %d customers, %d resellers\n",
		len(cfg.Subscriptions), locked, custom, addons, conflicting, fleet.ConflictPHP, len(cfg.Customers), len(cfg.Resellers))
	fmt.Fprintf(stdout, "  %d service plans, %d add-on plans, %d reseller plans, %d services, %d subscriber settings\n",
		len(cfg.ServicePlans), len(cfg.AddonPlans), len(cfg.ResellerPlans), len(cfg.Services), len(cfg.SubscriberSettings))
	var accounts []fleet.File
	line := func(f fleet.File) {
		fmt.Fprintf(stdout, "  %-28s %6d customers %7d subscriptions %9.1f KiB\n", f.Rel, f.Customers, f.Subscriptions, float64(f.Bytes)/1024)
	}
	for _, f := range files {
		if strings.HasPrefix(f.Rel, "accounts/") {
			accounts = append(accounts, f)
			continue
		}
		line(f)
	}
	for i, f := range accounts {
		switch {
		case len(accounts) <= 4 || i < 2 || i == len(accounts)-1:
			line(f)
		case i == 2:
			fmt.Fprintf(stdout, "  ... %d more accounts files\n", len(accounts)-3)
		}
	}
	return nil
}
