package xmlapi

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// Protocol is the XML API protocol version plansync speaks.
const Protocol = "1.6.9.1"

// Path is the XML API endpoint on a Plesk server.
const Path = "/enterprise/control/agent.php"

// Config says how to reach a Plesk server.
type Config struct {
	// URL is the server's address (https://host:8443); the endpoint path
	// is added when absent. http:// is accepted for loopback only.
	URL string
	// Key is a secret key (KEY header); otherwise Login and Password.
	Key      string
	Login    string
	Password string
	// CAFile is a PEM file of CAs to trust besides the system's.
	CAFile string
	// Timeout bounds each wait for the server (default 60s): for its
	// answer to begin, then between two parts of it.
	Timeout time.Duration
	// Retries is how often a read-only packet is sent again after a
	// transport failure: 0 means the default, 2; a negative number none.
	// The waits double from Backoff (default 200ms).
	Retries int
	Backoff time.Duration
	// Version is the packet version (default Protocol).
	Version string
	// TraceDir, when set, receives every packet (secrets masked); the
	// environment variable PLANSYNC_PLESK_TRACE sets it too.
	TraceDir string
}

// Client talks to one Plesk server's XML API.
type Client struct {
	cfg      Config
	endpoint string
	server   string
	http     *http.Client
	trace    *tracer
}

// New checks a connection's settings and returns a client. It does not
// contact the server.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" {
		return nil, errors.New("plesk: no server url")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("plesk: url %q is not an address like https://plesk.example.com:8443", cfg.URL)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !loopback(u.Hostname()) {
			return nil, fmt.Errorf("plesk: url %s: plain http is accepted for loopback addresses only; use https", cfg.URL)
		}
	default:
		return nil, fmt.Errorf("plesk: url %s: scheme must be https", cfg.URL)
	}
	if cfg.Key == "" && (cfg.Login == "" || cfg.Password == "") {
		return nil, fmt.Errorf("plesk %s: no credentials: set a key, or a login and a password", u.Host)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = Path
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	} else if cfg.Retries == 0 {
		cfg.Retries = 2
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 200 * time.Millisecond
	}
	if cfg.Version == "" {
		cfg.Version = Protocol
	}
	if cfg.TraceDir == "" {
		cfg.TraceDir = os.Getenv("PLANSYNC_PLESK_TRACE")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	// The timeout is the longest wait for the server: for the answer to
	// begin, then between two parts of it (idleBody). A large answer
	// that keeps coming is not cut, however long reading it takes.
	tr.ResponseHeaderTimeout = cfg.Timeout
	if u.Scheme == "http" {
		// Plain http carries the key in clear: the address dialled, not
		// only the url's host (localhost is a name, which the hosts
		// file or DNS could map elsewhere), must be a loopback one.
		d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: loopbackOnly}
		tr.DialContext = d.DialContext
	}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("plesk %s: ca_file: %v", u.Host, err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("plesk %s: ca_file %s holds no PEM certificate", u.Host, cfg.CAFile)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	c := &Client{
		cfg:      cfg,
		endpoint: u.String(),
		server:   u.Host,
		http:     &http.Client{Transport: tr},
	}
	if cfg.TraceDir != "" {
		// A run asked to trace must not run untraced: a folder that
		// cannot be made or written to is an error before anything is
		// sent.
		if err := usableDir(cfg.TraceDir); err != nil {
			return nil, fmt.Errorf("plesk %s: PLANSYNC_PLESK_TRACE: cannot write the trace to %s: %v", u.Host, cfg.TraceDir, err)
		}
		c.trace = &tracer{dir: cfg.TraceDir, secrets: []string{cfg.Key, cfg.Password}}
	}
	return c, nil
}

// loopback reports whether a url's host is a loopback address or the
// name localhost (in any case: host names are case-insensitive).
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loopbackOnly refuses to connect a plain http client to an address
// that is not a loopback one (net.Dialer.Control).
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("plain http is accepted for loopback addresses only, and %s is not one; use https", address)
	}
	return nil
}

// Server names the server in messages (host:port).
func (c *Client) Server() string { return c.server }

// Login is the login the client authenticates with ("" with a key).
func (c *Client) Login() string { return c.cfg.Login }

// Credentials identifies what the client authenticates with (its key,
// or login and password) without holding it: a digest, equal for equal
// credentials, from which they cannot be read back.
func (c *Client) Credentials() string {
	sum := sha256.Sum256([]byte("plansync credentials\x00" + c.cfg.Key + "\x00" + c.cfg.Login + "\x00" + c.cfg.Password))
	return fmt.Sprintf("%x", sum)
}

// Result is one <result> of an operation; its concrete type is the one
// the operation's documentation names (*PlanData for a plan get, …).
type Result interface{ Head() *Status }

// Reply is what the server answered to one operation.
type Reply struct {
	Op      Op
	Results []Result
	server  string
}

// Err returns the first error result as an *OpError, or nil.
func (r Reply) Err() error {
	for _, res := range r.Results {
		if h := res.Head(); h.Status != "ok" {
			return ResultError(r.server, r.Op, res)
		}
	}
	return nil
}

type resulter interface {
	resultOf() any
	allowEmpty() bool
}

// Do sends the operations in one packet and returns one reply per
// operation, in order. A packet refused as a whole is a *SystemError;
// a failed exchange a *TransportError. Errors of single operations are in
// the replies (Reply.Err). Packets of reads only are sent again after a
// transport failure.
func (c *Client) Do(ctx context.Context, ops ...Op) ([]Reply, error) {
	if len(ops) == 0 {
		return nil, nil
	}
	version := c.cfg.Version
	for _, op := range ops {
		// The plan-item operator exists up to protocol 1.6.9.0 only.
		if v, ok := op.(interface{ protocol() string }); ok {
			version = v.protocol()
		}
	}
	body, err := Marshal(version, ops...)
	if err != nil {
		return nil, err
	}
	read := true
	for _, op := range ops {
		read = read && op.Read()
	}
	backoff := c.cfg.Backoff
	for attempt := 0; ; attempt++ {
		replies, err := c.exchange(ctx, body, ops)
		var te *TransportError
		if err == nil || !read || attempt >= c.cfg.Retries || !errors.As(err, &te) || ctx.Err() != nil {
			return replies, err
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return nil, err
		}
		backoff *= 2
	}
}

// Call sends one operation and returns its results of type T (the type
// the operation returns, e.g. PlanData for ServicePlanGet), or the first
// error result. Gets leave out bare "ok" results (nothing matched).
func Call[T any](ctx context.Context, c *Client, op Op) ([]*T, error) {
	replies, err := c.Do(ctx, op)
	if err != nil {
		return nil, err
	}
	return Results[T](replies[0])
}

// Results converts a reply's results to T, or returns its first error.
func Results[T any](r Reply) ([]*T, error) {
	if err := r.Err(); err != nil {
		return nil, err
	}
	out := make([]*T, 0, len(r.Results))
	for _, res := range r.Results {
		t, ok := any(res).(*T)
		if !ok {
			return nil, fmt.Errorf("plesk: %s %s returns %T, not %T", r.Op.Operator(), r.Op.Operation(), res, t)
		}
		if r.Op.Read() && bare(res) {
			continue
		}
		out = append(out, t)
	}
	return out, nil
}

// bare reports whether a get result carries no object.
func bare(r Result) bool {
	switch v := r.(type) {
	case *PlanData:
		return v.ID == 0 && v.GUID == ""
	case *ResellerPlanData:
		return v.ID == 0 && v.GUID == ""
	case *CustomerData:
		return v.Data == nil
	case *ResellerData:
		return v.Data == nil
	case *WebspaceData:
		return v.Data == nil
	case *PHPHandler:
		return v.ID == ""
	case *PlanItemData:
		return v.Name == ""
	}
	return false
}

// Marshal renders a request packet.
func Marshal(version string, ops ...Op) ([]byte, error) {
	p := packetOut{Version: version}
	for _, op := range ops {
		p.Ops = append(p.Ops, operatorOut{XMLName: xml.Name{Local: op.Operator()}, Op: op})
	}
	b, err := xml.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("plesk: cannot encode request: %v", err)
	}
	return append([]byte(xml.Header), b...), nil
}

// exchange posts one packet and reads the answer as it arrives (a large
// answer is never held in memory whole, unless it is traced).
func (c *Client) exchange(ctx context.Context, body []byte, ops []Op) ([]Reply, error) {
	seq := c.trace.request(body)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, &TransportError{Server: c.server, What: "bad request", Err: err}
	}
	req.Header.Set("Content-Type", "text/xml")
	if c.cfg.Key != "" {
		req.Header.Set("KEY", c.cfg.Key)
	} else {
		req.Header.Set("HTTP_AUTH_LOGIN", c.cfg.Login)
		req.Header.Set("HTTP_AUTH_PASSWD", c.cfg.Password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(err)
	}
	defer resp.Body.Close()
	var in io.Reader = newIdleBody(resp.Body, c.cfg.Timeout, cancel)
	var traced *bytes.Buffer
	if c.trace != nil {
		traced = &bytes.Buffer{}
		in = io.TeeReader(resp.Body, traced)
		defer func() {
			_, _ = io.Copy(traced, resp.Body)
			c.trace.response(seq, traced.Bytes())
		}()
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &TransportError{Server: c.server, What: "HTTP " + resp.Status,
			Hint: "is " + c.endpoint + " the XML API endpoint of a Plesk server?"}
	}
	replies, err := c.parse(ops, in)
	var te *TransportError
	if err != nil && errors.As(err, &te) && te.Err != nil {
		var ue *url.Error
		var ne net.Error
		if cause := context.Cause(ctx); errors.Is(cause, errIdle) {
			return nil, c.transportError(cause)
		}
		if errors.As(te.Err, &ue) || errors.As(te.Err, &ne) || errors.Is(te.Err, context.DeadlineExceeded) {
			return nil, c.transportError(te.Err)
		}
	}
	return replies, err
}

// errIdle ends an exchange whose answer stopped coming for the timeout.
var errIdle = idleError{}

type idleError struct{}

func (idleError) Error() string   { return "the answer stopped coming" }
func (idleError) Timeout() bool   { return true }
func (idleError) Temporary() bool { return true }

// idleBody is an answer's body read with a bound on each wait for the
// server: the clock runs only while a Read waits (not while the caller
// decodes what it got), and when it runs out the exchange is cancelled
// with errIdle.
type idleBody struct {
	r       io.Reader
	timeout time.Duration
	timer   *time.Timer
}

func newIdleBody(r io.Reader, timeout time.Duration, cancel context.CancelCauseFunc) *idleBody {
	t := time.AfterFunc(timeout, func() { cancel(errIdle) })
	t.Stop()
	return &idleBody{r: r, timeout: timeout, timer: t}
}

func (b *idleBody) Read(p []byte) (int, error) {
	b.timer.Reset(b.timeout)
	n, err := b.r.Read(p)
	b.timer.Stop()
	return n, err
}

func (c *Client) transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Timeout() || errors.Is(err, errIdle) {
		return &TransportError{Server: c.server, What: fmt.Sprintf("no answer within %s", c.cfg.Timeout),
			Hint: "the server is slow or unreachable; try again later or check the url"}
	}
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn) {
		return &TransportError{Server: c.server, What: "TLS certificate not trusted", Err: err, Untrusted: true,
			Hint: "set ca_file to the CA that signed the server's certificate, or fix the certificate"}
	}
	if strings.Contains(err.Error(), "http: server gave HTTP response to HTTPS client") {
		return &TransportError{Server: c.server, What: "the server speaks plain HTTP", Hint: "use an http:// url on loopback or enable TLS on the server"}
	}
	return &TransportError{Server: c.server, What: "cannot reach the server", Err: err,
		Hint: "check the url and that the server is up and reachable"}
}

// parse reads a response packet as a stream: <packet>, then either
// <system> or one element per operator holding one element per operation,
// in request order, each holding <result> elements decoded straight into
// the operation's result type and made compact (compact.go) at once.
func (c *Client) parse(ops []Op, answer io.Reader) ([]Reply, error) {
	br := bufio.NewReaderSize(answer, 64<<10)
	head, _ := br.Peek(512)
	lower := strings.ToLower(string(head))
	if strings.Contains(lower, "<html") || strings.Contains(lower, "<!doctype html") {
		return nil, &TransportError{Server: c.server, What: "answered with an HTML page, not an XML API packet",
			Hint: "the url must be the panel's address (usually https://HOST:8443); a proxy or login page may be in the way"}
	}
	notPacket := func(err error) error {
		return &TransportError{Server: c.server, What: "answer is not an XML API packet", Err: err,
			Hint: "is the url a Plesk server's XML API?"}
	}
	dec := newTokens(br)
	// next returns the next start element at the current level, or nil
	// at the end of the enclosing element.
	next := func() (*xml.StartElement, error) {
		for {
			if err := dec.read(); err != nil {
				return nil, err
			}
			switch dec.kind {
			case tokStart:
				start := dec.token().(xml.StartElement)
				return &start, nil
			case tokEnd:
				return nil, nil
			}
		}
	}
	root, err := next()
	if err != nil || root == nil || root.Name.Local != "packet" {
		if err == nil {
			err = errors.New("no packet element")
		}
		return nil, notPacket(err)
	}
	replies := make([]Reply, 0, len(ops))
	comp := newCompactor()
	wd := &webspaceDecoder{dec: dec, c: comp}
	for {
		operator, err := next()
		if err != nil {
			return nil, notPacket(err)
		}
		if operator == nil {
			break
		}
		if operator.Name.Local == "output" {
			// Plesk's schema allows a trailing output element (text
			// a handler printed); it carries no result.
			if err := dec.skip(); err != nil {
				return nil, notPacket(err)
			}
			continue
		}
		if operator.Name.Local == "system" {
			var st Status
			if err := dec.decodeElement(&st, operator); err != nil {
				return nil, notPacket(err)
			}
			return nil, &SystemError{Server: c.server, Code: st.ErrCode, Text: st.ErrText, Version: c.cfg.Version}
		}
		for {
			operation, err := next()
			if err != nil {
				return nil, notPacket(err)
			}
			if operation == nil {
				break
			}
			i := len(replies)
			if i >= len(ops) {
				return nil, &TransportError{Server: c.server, What: fmt.Sprintf("answer has more operations than the %d sent", len(ops)),
					Hint: "the server's answer does not match the request; report this with PLANSYNC_PLESK_TRACE set"}
			}
			op := ops[i]
			if operation.Name.Local != op.Operation() || operator.Name.Local != op.Operator() {
				return nil, &TransportError{Server: c.server, What: fmt.Sprintf("answer %d is %s %s for %s %s", i+1, operator.Name.Local, operation.Name.Local, op.Operator(), op.Operation())}
			}
			rs, ok := op.(resulter)
			if !ok {
				return nil, fmt.Errorf("plesk: operation %T has no result type", op)
			}
			var results []Result
			for {
				el, err := next()
				if err != nil {
					return nil, notPacket(err)
				}
				if el == nil {
					break
				}
				if el.Name.Local != "result" {
					if err := dec.skip(); err != nil {
						return nil, notPacket(err)
					}
					continue
				}
				r := rs.resultOf()
				if _, ok := r.(*WebspaceData); ok {
					// The bulk of a large read: by hand (webspace_decode.go).
					if r, err = wd.decode(); err != nil {
						return nil, &TransportError{Server: c.server, What: fmt.Sprintf("cannot read the result of %s %s", op.Operator(), op.Operation()), Err: err}
					}
				} else {
					if err := dec.decodeElement(r, el); err != nil {
						return nil, &TransportError{Server: c.server, What: fmt.Sprintf("cannot read the result of %s %s", op.Operator(), op.Operation()), Err: err}
					}
					if cr, ok := r.(compacter); ok {
						cr.compact(comp)
					}
				}
				results = append(results, r.(Result))
			}
			if len(results) == 0 && !rs.allowEmpty() {
				return nil, &TransportError{Server: c.server, What: fmt.Sprintf("%s %s of %s: answer holds no result", op.Operator(), op.Operation(), op.Object())}
			}
			replies = append(replies, Reply{Op: op, Results: results, server: c.server})
		}
	}
	if len(replies) != len(ops) {
		return nil, &TransportError{Server: c.server, What: fmt.Sprintf("answer has %d operations for %d sent", len(replies), len(ops)),
			Hint: "the server's answer does not match the request; report this with PLANSYNC_PLESK_TRACE set"}
	}
	return replies, nil
}
