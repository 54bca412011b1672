// Package fake is an emulator of a Plesk server's XML API, for tests,
// demos and CI without a Plesk server. It keeps its objects in memory (or
// in a JSON file), accepts the packets Plesk's clients send for the
// business layer (plans, add-ons, reseller plans, customers, resellers,
// subscriptions), refuses malformed ones with Plesk's error codes and
// behaves as Plesk documents. Where Plesk's behaviour is not documented,
// the emulator's choice is an Option.
package fake

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/plansync/plansync/internal/plesk/mapping"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
)

// Options configure the emulator. The fields after the credentials are
// the assumptions about undocumented behaviour and the faults to inject.
type Options struct {
	// Key is the secret key accepted in the KEY header; AdminPassword the
	// password accepted for login "admin". At least one is needed.
	Key           string
	AdminPassword string
	// DataFile, when set, is loaded at start and saved after every packet
	// that changed something.
	DataFile string

	// StatusLocks: a webspace set of the status locks the subscription
	// (Plesk does not say; default: it does not).
	StatusLocks bool
	// ExpirationLocks: a webspace add or set of the expiration limit
	// alone locks the subscription (Plesk does not say; default: it does
	// not: the expiration date is the subscription's own, as billing
	// systems set it on renewal, and a sync keeps it).
	ExpirationLocks bool
	// AddonReplaces: an add-on's values replace the plan's instead of
	// adding to them (Plesk does not say; default: limits add, with
	// unlimited absorbing, permissions are OR-ed, other values replace).
	AddonReplaces bool
	// DeleteUsedPlans: a plan still used by subscriptions may be deleted,
	// the subscriptions becoming custom (default: refused with 1023).
	DeleteUsedPlans bool
	// SwitchKeepsLock: switch-subscription keeps a locked subscription's
	// customisation (default: the switch unlocks and syncs to the new plan).
	SwitchKeepsLock bool
	// EmptyKeepsContact: an empty contact element (cname, phone, email,
	// address, description) in a customer or reseller set leaves the
	// field as it was (default: it clears it, as Plesk's set gen_info
	// does for its clients).
	EmptyKeepsContact bool
	// NoResellerCap: a reseller's subscriptions get what their plans
	// (or a webspace set of their limits) say, whatever the reseller's
	// allocation (default: they get at most what the reseller holds,
	// and what does not fit leaves them unsynchronized; how Plesk shares
	// out a pooled allocation is not documented: what the reseller's
	// other subscriptions have is never cut, the subscription being
	// synced or set gets what is left, or keeps what it had when it
	// grows, as plansync predicts).
	NoResellerCap bool
	// ResellerStatusCascades: a reseller set of the status gives the
	// reseller's customers that status too: suspending it suspends them,
	// activating it activates them, a customer suspended on its own
	// account included (Plesk says suspending a reseller suspends its
	// customers, not with which status, nor what activating it does to
	// them; default: the customers keep their own status).
	ResellerStatusCascades bool
	// NoPlanItems: the server refuses the plan-item operator (defining
	// additional services) in every protocol version, with the system
	// error 1014 a 1.6.9.1 packet holding it gets (default: packets of
	// version 1.6.9.0 and older may hold it, as Plesk's schemas say;
	// whether a given Plesk still accepts them is not documented).
	NoPlanItems bool
	// VendorPHP names the PHP version (e.g. "8.3") that is the OS
	// vendor's: php-handler get lists its handlers with the vendor's ids,
	// the handler type alone (fpm, fastcgi, cgi), as Plesk does for the
	// distribution's PHP. Default none: every handler's id is Plesk's
	// own form, plesk-php83-fpm. Which ids a server has is its own: a
	// client takes them from php-handler get.
	VendorPHP string

	// FailOp makes the Nth operation (counted over all packets, from 1)
	// fail with FailCode (default 1023).
	FailOp   int
	FailCode int
	// Delay holds every answer back this long.
	Delay time.Duration
	// Answer replaces the answer to request number AnswerAt (every
	// request when 0): "html" (a login page), "garbage" (not XML),
	// "truncated" (the request is carried out, its answer cut short),
	// "http500", "slow" (the request is carried out, no answer comes: the
	// client times out).
	Answer   string
	AnswerAt int
}

// Server is the emulator; it is an http.Handler for the XML API endpoint.
type Server struct {
	opts     Options
	mu       sync.Mutex
	state    *State
	requests int
	ops      int
	// caller is the account of the packet being handled: AdminID, or a
	// reseller that logged in with its own login and password (it sees
	// and changes only what it owns, as in Plesk).
	caller int
	now    func() time.Time
}

// New returns an emulator holding st (an empty server when nil).
func New(st *State, opts Options) *Server {
	if st == nil {
		st = NewState()
	}
	if opts.FailCode == 0 {
		opts.FailCode = xmlapi.ErrFailed
	}
	return &Server{opts: opts, state: st, now: time.Now}
}

// State returns the emulator's state (for tests; not a copy).
func (s *Server) State() *State { return s.state }

// Do runs fn on the state under the emulator's lock (tests use it to make
// changes "in the panel").
func (s *Server) Do(fn func(*State)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.state)
}

// PHPTable is the emulator's PHP handlers as plansync maps them (tests
// read its values with it).
func (s *Server) PHPTable() *mapping.PHPHandlers {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.phpTable()
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != xmlapi.Path {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		http.Error(w, "cannot read request", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.requests++
	n := s.requests
	s.mu.Unlock()
	slow := s.opts.Answer == "slow" && (s.opts.AnswerAt == 0 || s.opts.AnswerAt == n)
	if s.opts.Delay > 0 && !slow {
		select {
		case <-time.After(s.opts.Delay):
		case <-r.Context().Done():
			return
		}
	}
	if s.opts.Answer != "" && (s.opts.AnswerAt == 0 || s.opts.AnswerAt == n) {
		switch s.opts.Answer {
		case "html":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<!DOCTYPE html>\n<html><head><title>Log in</title></head><body><form>Login</form></body></html>\n")
			return
		case "garbage":
			w.Header().Set("Content-Type", "text/xml")
			io.WriteString(w, "\x00\x01 this is not a packet {\n")
			return
		case "truncated":
			// The request is carried out; its answer is cut short (a
			// connection lost on the way back).
			out := s.Handle(r.Header, body)
			w.Header().Set("Content-Type", "text/xml")
			w.Write(out[:len(out)/2])
			return
		case "http500":
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			return
		case "slow":
			// The request is carried out; its answer never comes (the
			// client times out, as with a server that hangs after the
			// work is done).
			s.Handle(r.Header, body)
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Minute):
			}
			return
		}
	}
	w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
	// The answer is encoded straight onto the connection: a whole
	// server's webspaces are hundreds of megabytes of XML.
	_ = s.answer(w, r.Header, body)
}

// Handle answers one request packet (headers carry the credentials).
func (s *Server) Handle(h http.Header, body []byte) []byte {
	var b bytes.Buffer
	if err := s.answer(&b, h, body); err != nil {
		return systemError("", xmlapi.ErrFailed, "cannot encode the answer: "+err.Error())
	}
	return b.Bytes()
}

// answer writes the answer to one request packet to w.
func (s *Server) answer(w io.Writer, h http.Header, body []byte) error {
	resp, sysErr := s.handle(h, body)
	if sysErr != nil {
		_, err := w.Write(sysErr)
		return err
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	return encodeAnswer(w, resp)
}

// handle carries out one request packet: the answer, or a system error
// packet.
func (s *Server) handle(h http.Header, body []byte) (*packetResp, []byte) {
	s.mu.Lock()
	caller, authorised := s.authorise(h)
	s.mu.Unlock()
	if !authorised {
		return nil, systemError("", xmlapi.ErrAuth, "Authentication failed")
	}
	root, err := parseDOM(body)
	if err != nil {
		return nil, systemError("", xmlapi.ErrParse, "XML parse error: "+err.Error())
	}
	if root.name != "packet" {
		return nil, systemError("", xmlapi.ErrParse, "XML parse error: root element must be packet")
	}
	version := root.attr["version"]
	if version == "" {
		version = xmlapi.Protocol
	}
	if !supported(version) {
		return nil, systemError(version, xmlapi.ErrVersion, "Unsupported protocol version "+version)
	}
	var reqs []*node
	for _, op := range root.kids {
		if op.name == "request-settings" {
			continue
		}
		if op.name == "plan-item" && s.opts.NoPlanItems {
			return nil, systemError(version, xmlapi.ErrParse, "XML schema validation failed: element plan-item is not expected")
		}
		if op.name == "plan-item" && versionKey(version) > 1060900 {
			return nil, systemError(version, xmlapi.ErrParse, "XML schema validation failed: element plan-item is not expected in protocol "+version+" (it exists up to 1.6.9.0)")
		}
		if op.name == "extension" && versionKey(version) < 1060800 {
			return nil, systemError(version, xmlapi.ErrParse, "XML schema validation failed: element extension is not expected in protocol "+version+" (it exists from 1.6.8.0)")
		}
		if len(op.kids) == 0 {
			return nil, systemError(version, xmlapi.ErrParse, "XML schema validation failed: operator "+op.name+" holds no operation")
		}
		for _, o := range op.kids {
			if err := checkShape(op.name, o); err != nil {
				return nil, systemError(version, xmlapi.ErrParse, "XML schema validation failed: "+err.Error())
			}
		}
		reqs = append(reqs, op)
	}
	if len(reqs) == 0 {
		return nil, systemError(version, xmlapi.ErrParse, "XML schema validation failed: the packet holds no operation")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.caller = caller
	resp := packetResp{Version: version}
	changed := false
	for _, op := range reqs {
		or := operatorResp{XMLName: xml.Name{Local: op.name}}
		for _, o := range op.kids {
			s.ops++
			var results []any
			if s.opts.FailOp == s.ops {
				results = []any{&xmlapi.Status{Status: "error", ErrCode: s.opts.FailCode, ErrText: fmt.Sprintf("Operation failed (injected fault at operation %d)", s.ops)}}
			} else {
				var ch bool
				results, ch = s.dispatch(op.name, o)
				changed = changed || ch
			}
			or.Ops = append(or.Ops, operationResp{XMLName: xml.Name{Local: o.name}, Results: results})
		}
		resp.Ops = append(resp.Ops, or)
	}
	if changed && s.opts.DataFile != "" {
		if err := s.state.Save(s.opts.DataFile); err != nil {
			return nil, systemError(version, xmlapi.ErrFailed, "cannot save the emulator's data: "+err.Error())
		}
	}
	return &resp, nil
}

// authorise returns the caller the credentials name: the administrator
// (the key, or login admin and its password) or a reseller (its login and
// password).
func (s *Server) authorise(h http.Header) (int, bool) {
	if k := h.Get("KEY"); k != "" {
		return AdminID, s.opts.Key != "" && k == s.opts.Key
	}
	login, pass := h.Get("HTTP_AUTH_LOGIN"), h.Get("HTTP_AUTH_PASSWD")
	if login == "admin" {
		return AdminID, s.opts.AdminPassword != "" && pass == s.opts.AdminPassword
	}
	if a := s.state.accountByLogin(login); a != nil && a.Reseller && a.Password != "" && pass == a.Password && a.Status == 0 {
		return a.ID, true
	}
	return 0, false
}

// admin reports whether the packet's caller is the administrator.
func (s *Server) admin() bool { return s.caller == AdminID }

// denied is the answer to an operation a reseller may not use.
func denied(what string) *xmlapi.Status {
	return opErr(xmlapi.ErrPermission, "Permission denied: only the administrator may use %s", what)
}

// protocols are the versions of Plesk's protocol from 1.6.3.0 to
// 1.6.9.1, which server get_protos lists.
var protocols = []string{"1.6.3.0", "1.6.3.1", "1.6.3.2", "1.6.3.3", "1.6.3.4", "1.6.3.5", "1.6.4.0", "1.6.5.0",
	"1.6.6.0", "1.6.7.0", "1.6.8.0", "1.6.9.0", "1.6.9.1"}

// protosResult is the result of server get_protos.
type protosResult struct {
	xmlapi.Status
	Protos struct {
		Proto []string `xml:"proto"`
	} `xml:"protos"`
}

func protosAnswer() *protosResult {
	r := &protosResult{Status: ok}
	r.Protos.Proto = protocols
	return r
}

// supported accepts protocol versions 1.6.3.0 to 1.6.9.1.
func supported(v string) bool {
	key := versionKey(v)
	return key >= 1060300 && key <= 1060901
}

// versionKey turns "1.6.9.1" into 1060901 (-1 when malformed).
func versionKey(v string) int {
	parts := strings.Split(v, ".")
	if len(parts) != 4 {
		return -1
	}
	key := 0
	for _, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || x < 0 || x > 99 {
			return -1
		}
		key = key*100 + x
	}
	return key
}

type packetResp struct {
	XMLName xml.Name `xml:"packet"`
	Version string   `xml:"version,attr"`
	Ops     []operatorResp
}

type operatorResp struct {
	XMLName xml.Name
	Ops     []operationResp
}

type operationResp struct {
	XMLName xml.Name
	Results []any `xml:"result"`
}

func systemError(version string, code int, text string) []byte {
	if version == "" {
		version = xmlapi.Protocol
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<packet version="`)
	xml.EscapeText(&b, []byte(version))
	fmt.Fprintf(&b, `"><system><status>error</status><errcode>%d</errcode><errtext>`, code)
	xml.EscapeText(&b, []byte(text))
	b.WriteString("</errtext></system></packet>")
	return b.Bytes()
}

// opErr is an error result.
func opErr(code int, format string, args ...any) *xmlapi.Status {
	return &xmlapi.Status{Status: "error", ErrCode: code, ErrText: fmt.Sprintf(format, args...)}
}

func filterErr(filterID string, code int, format string, args ...any) *xmlapi.FilterResult {
	return &xmlapi.FilterResult{Status: *opErr(code, format, args...), FilterID: filterID}
}

var ok = xmlapi.Status{Status: "ok"}

func (s *Server) dispatch(operator string, o *node) ([]any, bool) {
	if !s.admin() {
		switch {
		case operator == "reseller-plan", operator == "reseller",
			operator == "customer" && (o.name == "change-owner" || o.name == "convert-to-reseller"):
			return []any{denied(operator + " " + o.name)}, false
		}
	}
	if isDescriptorOp(o.name) {
		if operator == "webspace" {
			return s.webspaceDescriptor(o), false
		}
		return descriptor(operator, o.name), false
	}
	switch operator {
	case "service-plan":
		return s.planOp(o, false)
	case "service-plan-addon":
		return s.planOp(o, true)
	case "reseller-plan":
		return s.resellerPlanOp(o)
	case "customer":
		return s.customerOp(o)
	case "reseller":
		return s.resellerOp(o)
	case "webspace":
		return s.webspaceOp(o)
	case "server":
		if o.name == "get_protos" {
			return []any{protosAnswer()}, false
		}
		return s.serverGet(o), false
	case "php-handler":
		return s.phpHandlers(o), false
	case "ip":
		return []any{s.ipGet()}, false
	case "extension":
		return s.extensionGet(o), false
	case "plan-item":
		return s.planItemOp(o)
	}
	return []any{opErr(xmlapi.ErrUnsupported, "operator %s is not supported", operator)}, false
}

func (s *Server) today() string { return s.now().UTC().Format("2006-01-02") }

// FaultAnswers reports whether the emulator answers with something other
// than XML API packets (html, garbage, …).
func (o Options) FaultAnswers() bool { return o.Answer != "" }
