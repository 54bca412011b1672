// Command plesk-fake serves an emulation of a Plesk server's XML API on a
// loopback address, so that plansync, its tests and its users' CI can run
// without a Plesk server:
//
//	go run ./cmd/plesk-fake --listen 127.0.0.1:8880 --key KEY [--data FILE]
//
// With --seed-config DIR the server starts out looking like the plansync
// config in DIR (its plans, accounts and subscriptions). See docs/plesk.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/plansync/plansync/internal/config"
	"github.com/plansync/plansync/internal/model"
	"github.com/plansync/plansync/internal/plesk/fake"
)

func main() {
	// A soft memory limit keeps a large emulated server (100,000
	// subscriptions) within about 1 GiB: the collector works harder
	// instead of letting garbage grow. A user's GOMEMLIMIT wins.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(768 << 20)
	}
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "plesk-fake:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plesk-fake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		listen     = fs.String("listen", "127.0.0.1:8880", "loopback address to serve on (host:port)")
		key        = fs.String("key", os.Getenv("PLESK_FAKE_KEY"), "secret key accepted in the KEY header (or env PLESK_FAKE_KEY)")
		adminPass  = fs.String("admin-password", os.Getenv("PLESK_FAKE_ADMIN_PASSWORD"), "password accepted for login admin (HTTP_AUTH_LOGIN/HTTP_AUTH_PASSWD)")
		data       = fs.String("data", "", "JSON file holding the server's objects: loaded at start, saved after every change")
		seed       = fs.String("seed-config", "", "start out looking like the plansync config in this directory")
		ip         = fs.String("ip", "192.0.2.10", "the server's IP addresses for subscriptions, comma-separated (the first is the one seeded subscriptions get)")
		components = fs.String("components", "", "comma-separated installed components (default: the seeded config's, or a typical set)")
		extensions = fs.String("extensions", "", "comma-separated installed extensions' ids (default: the seeded config's, or none); their services come only from --seed-config (the config's server.extensions) or --data")
		opts       fake.Options
	)
	fs.BoolVar(&opts.StatusLocks, "status-locks", false, "a webspace set of the status locks the subscription")
	fs.BoolVar(&opts.ExpirationLocks, "expiration-locks", false, "a webspace set of the expiration limit locks the subscription")
	fs.BoolVar(&opts.AddonReplaces, "addon-replaces", false, "add-on values replace the plan's instead of adding to them")
	fs.BoolVar(&opts.DeleteUsedPlans, "delete-used-plans", false, "plans with subscriptions may be deleted (they become custom)")
	fs.BoolVar(&opts.SwitchKeepsLock, "switch-keeps-lock", false, "switch-subscription keeps a locked subscription's customisation")
	fs.BoolVar(&opts.NoResellerCap, "no-reseller-cap", false, "a reseller's subscriptions get what their plans say, whatever the reseller's allocation")
	fs.BoolVar(&opts.ResellerStatusCascades, "reseller-status-cascades", false, "a reseller's status set gives its customers the same status (a customer suspended on its own is activated with its reseller)")
	fs.BoolVar(&opts.NoPlanItems, "no-plan-items", false, "the plan-item operator (defining additional services) is refused in every protocol version")
	fs.StringVar(&opts.VendorPHP, "vendor-php", "", "the PHP version (e.g. 8.3) that is the OS vendor's: php-handler get lists its handlers with ids fpm, fastcgi, cgi instead of plesk-php83-fpm")
	fs.IntVar(&opts.FailOp, "fail-op", 0, "fault: the Nth operation (from 1) fails")
	fs.IntVar(&opts.FailCode, "fail-code", 1023, "fault: error code of the failing operation")
	fs.DurationVar(&opts.Delay, "delay", 0, "fault: hold every answer back this long")
	fs.StringVar(&opts.Answer, "answer", "", "fault: answer with html, garbage, truncated, http500 or slow (carried out, never answered) instead of a packet")
	fs.IntVar(&opts.AnswerAt, "answer-at", 0, "fault: only the Nth request gets the --answer (0: every request)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *key == "" && *adminPass == "" {
		return errors.New("set --key (or --admin-password): the emulator does not run without credentials")
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %v", *listen, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("--listen %s: the emulator serves plain HTTP and listens on loopback addresses only", *listen)
	}
	switch opts.Answer {
	case "", "html", "garbage", "truncated", "http500", "slow":
	default:
		return fmt.Errorf("--answer %s: want html, garbage, truncated, http500 or slow", opts.Answer)
	}
	opts.Key, opts.AdminPassword, opts.DataFile = *key, *adminPass, *data
	var ips []string
	for _, x := range strings.Split(*ip, ",") {
		a, err := netip.ParseAddr(strings.TrimSpace(x))
		if err != nil || a.Zone() != "" {
			return fmt.Errorf("--ip %s: %q is not an IPv4 or IPv6 address", *ip, x)
		}
		ips = append(ips, a.Unmap().String())
	}

	var st *fake.State
	switch {
	case *seed != "":
		cfg, diags := config.Load(*seed, config.Options{})
		if diags.HasErrors() {
			return fmt.Errorf("--seed-config %s:\n%s", *seed, diags.Error())
		}
		if *components != "" {
			if cfg.Server == nil {
				cfg.Server = &model.Server{}
			}
			cfg.Server.Components = strings.Split(*components, ",")
		}
		if st, err = fake.Seed(cfg, ips[0], time.Now(), opts); err != nil {
			return fmt.Errorf("--seed-config %s: %v", *seed, err)
		}
		for _, x := range ips[1:] {
			if !slices.Contains(st.IPs, x) {
				st.IPs = append(st.IPs, x)
			}
		}
	case *data != "":
		if st, err = fake.Load(*data); err != nil {
			return err
		}
	default:
		st = fake.NewState()
		st.IPs = ips
	}
	if *components != "" {
		st.Components = strings.Split(*components, ",")
	}
	if *extensions != "" {
		st.Extensions = strings.Split(*extensions, ",")
	}
	if *data != "" && *seed != "" {
		if err := st.Save(*data); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: fake.New(st, opts), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "plesk-fake: serving the Plesk XML API on http://%s/enterprise/control/agent.php (%d plans, %d accounts, %d subscriptions)\n",
		ln.Addr(), len(st.Plans)+len(st.ResellerPlans), len(st.Accounts), len(st.Webspaces))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shut)
	}
}
