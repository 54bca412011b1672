package deploy

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/plansync/plansync/internal/plan"
	"github.com/plansync/plansync/internal/plesk/importer"
	"github.com/plansync/plansync/internal/plesk/mapping"
	"github.com/plansync/plansync/internal/plesk/xmlapi"
	"github.com/plansync/plansync/state"
)

// Expected is what plansync predicts a subscription has on the server:
// its effective values, less its own settings (which the server's
// values need not follow), compared on Paths only.
type Expected struct {
	Domain              string
	Predicted, Settings state.Values
	Paths               []string
}

// ReadBack reads the subscriptions listed back from the server, as
// apply's read-back does after its writes, and compares each with its
// prediction on its paths: what differs is a model disagreement (SPEC
// §6.5). refresh uses it for the subscriptions whose records an apply
// kept because the server disagreed.
func ReadBack(ctx context.Context, c *xmlapi.Client, list []Expected) ([]Disagreement, error) {
	return ReadBackOn(ctx, c, nil, list)
}

// ReadBackOn is ReadBack for a server whose PHP handlers are t (its
// last read's, nil when not read): php_handler_id is read by them.
func ReadBackOn(ctx context.Context, c *xmlapi.Client, t *mapping.PHPHandlers, list []Expected) ([]Disagreement, error) {
	if len(list) == 0 {
		return nil, nil
	}
	snap := state.New("")
	snap.PropertySets = map[string]state.Values{}
	only := map[string]func(string) bool{}
	for i, e := range list {
		eff, own := "e"+strconv.Itoa(i), ""
		snap.PropertySets[eff] = e.Predicted
		if len(e.Settings) > 0 {
			own = "s" + strconv.Itoa(i)
			snap.PropertySets[own] = e.Settings
		}
		domain := strings.ToLower(e.Domain)
		snap.Subscriptions = append(snap.Subscriptions, state.Subscription{Domain: domain, Effective: eff, Settings: own})
		paths := map[string]bool{}
		for _, p := range e.Paths {
			paths[p] = true
		}
		only[domain] = func(path string) bool { return paths[path] }
	}
	r := newRun(c, &plan.Plan{Result: snap}, nil, &importer.Snapshot{PHP: t}, Options{})
	subs := map[string]*state.Subscription{}
	names := make([]string, 0, len(r.res.Subscriptions))
	for i := range r.res.Subscriptions {
		s := &r.res.Subscriptions[i]
		subs[s.Domain] = s
		names = append(names, s.Domain)
	}
	sort.Strings(names)
	for _, op := range chunked(names, webspaceGet) {
		replies, err := r.c.Do(ctx, op)
		if err != nil {
			return nil, err
		}
		for _, rep := range replies {
			for _, res := range rep.Results {
				w, ok := res.(*xmlapi.WebspaceData)
				if ok && w.Status.Status != "ok" && w.Status.ErrCode != xmlapi.ErrNotFound {
					// Not read is not agreeing: say so (one gone from
					// the server is drift, not this).
					return nil, fmt.Errorf("webspace get failed: errcode %d, errtext %q", w.Status.ErrCode, w.Status.ErrText)
				}
				if !ok || w.Status.Status != "ok" || w.Data == nil || w.Data.GenInfo == nil {
					continue
				}
				domain := w.Data.GenInfo.Domain()
				if s := subs[domain]; s != nil {
					r.compare(s, w, only[domain])
				}
			}
		}
	}
	sort.Slice(r.disagree, func(i, j int) bool {
		a, b := r.disagree[i], r.disagree[j]
		if a.Subscription != b.Subscription {
			return a.Subscription < b.Subscription
		}
		return a.Property < b.Property
	})
	return r.disagree, nil
}

// readChunk is how many names one get of a read-back filters on (a
// variable for tests).
var readChunk = 1000

// readPacket is how many gets of a read-back one packet carries at most.
const readPacket = 8

// chunked makes the gets of a read-back of names: get of each run of
// readChunk names, in order.
func chunked(names []string, get func([]string) xmlapi.Op) []xmlapi.Op {
	var ops []xmlapi.Op
	for start := 0; start < len(names); start += readChunk {
		ops = append(ops, get(names[start:min(start+readChunk, len(names))]))
	}
	return ops
}

// readPackets sends the gets of a read-back, readPacket to a packet, and
// hands each reply to each, in order; it stops at the first packet not
// answered and returns its error.
func (r *run) readPackets(ctx context.Context, ops []xmlapi.Op, each func(xmlapi.Reply)) error {
	for start := 0; start < len(ops); start += readPacket {
		replies, err := r.c.Do(ctx, ops[start:min(start+readPacket, len(ops))]...)
		if err != nil {
			return err
		}
		for _, rep := range replies {
			each(rep)
		}
	}
	return nil
}

// webspaceGet reads the subscriptions named, all of them.
func webspaceGet(names []string) xmlapi.Op {
	return xmlapi.WebspaceGet{Filter: xmlapi.WebspaceFilter{Name: names}, Dataset: xmlapi.FullDataset()}
}

// verifyAccounts reads back, once, the customers and resellers apply
// compares after its writes: those whose contact details were written
// (verifyContacts) and those whose status was written or changes, with
// their resellers and a written reseller's customers (verifyStatuses).
// Then it compares each on that read, the contacts first (an account in
// contact disagreement keeps its prior record, and its status is not
// compared); an account not read back follows the rule of the
// comparison that asked for it.
func (r *run) verifyAccounts(ctx context.Context) error {
	contacts := r.contactsToVerify()
	custs, ress := map[string]bool{}, map[string]bool{}
	for ref := range contacts {
		if ref.Kind == "customer" {
			custs[ref.Key] = true
		} else {
			ress[ref.Key] = true
		}
	}
	// Those whose status is compared once the contacts are, or more (a
	// contact disagreement takes an account out).
	statuses := r.statusesToVerify()
	sc, sr := r.statusLogins(statuses)
	for _, login := range sc {
		custs[login] = true
	}
	for _, login := range sr {
		ress[login] = true
	}
	if len(custs)+len(ress) == 0 {
		return nil
	}
	read := r.readAccounts(ctx, slices.Sorted(maps.Keys(custs)), slices.Sorted(maps.Keys(ress)))
	err := r.verifyContacts(read, contacts)
	if serr := r.verifyStatuses(read, statuses); err == nil {
		err = serr
	}
	return err
}

// accountsRead is a read-back of customers and resellers (gen-info).
type accountsRead struct {
	// custs and ress are those found, as read.
	custs []*xmlapi.CustomerData
	ress  []*xmlapi.ResellerData
	// err is the error of the packet not answered (the read stopped
	// there); failed the gets answered with an error (not one of an
	// account not found), each by its first, in order.
	err    error
	failed []failedGet
}

// failedGet is a get of a read-back answered with an error.
type failedGet struct {
	kind   string // its operator: customer or reseller
	logins []string
	err    *xmlapi.OpError
}

// readAccounts reads back the customers and resellers named (sorted),
// readChunk logins to a get, readPacket gets to a packet.
func (r *run) readAccounts(ctx context.Context, custs, ress []string) *accountsRead {
	out := &accountsRead{}
	ops := chunked(custs, func(logins []string) xmlapi.Op {
		return xmlapi.CustomerGet{Filter: xmlapi.CustomerFilter{Login: logins}, Dataset: xmlapi.CustomerDataset{GenInfo: &xmlapi.Empty{}}}
	})
	ops = append(ops, chunked(ress, func(logins []string) xmlapi.Op {
		return xmlapi.ResellerGet{Filter: xmlapi.ResellerFilter{Login: logins}, Dataset: xmlapi.ResellerDataset{GenInfo: &xmlapi.Empty{}}}
	})...)
	out.err = r.readPackets(ctx, ops, func(rep xmlapi.Reply) {
		failed := false
		for _, res := range rep.Results {
			if h := res.Head(); h.Status != "ok" {
				if h.ErrCode != xmlapi.ErrNotFound && !failed {
					failed = true
					var logins []string
					switch op := rep.Op.(type) {
					case xmlapi.CustomerGet:
						logins = op.Filter.Login
					case xmlapi.ResellerGet:
						logins = op.Filter.Login
					}
					out.failed = append(out.failed, failedGet{kind: rep.Op.Operator(), logins: logins,
						err: xmlapi.ResultError(r.c.Server(), rep.Op, res)})
				}
				continue
			}
			switch d := res.(type) {
			case *xmlapi.CustomerData:
				if d.Data != nil && d.Data.GenInfo != nil {
					out.custs = append(out.custs, d)
				}
			case *xmlapi.ResellerData:
				if d.Data != nil && d.Data.GenInfo != nil {
					out.ress = append(out.ress, d)
				}
			}
		}
	})
	return out
}

// failure returns the first failed get that was to read one of the
// accounts listed, or nil.
func (a *accountsRead) failure(accounts map[state.Ref]bool) *failedGet {
	for i := range a.failed {
		f := &a.failed[i]
		for _, login := range f.logins {
			if accounts[state.Ref{Kind: f.kind, Key: login}] {
				return f
			}
		}
	}
	return nil
}

// readOf returns those of list (as read) whose logins are among
// logins, in any case.
func readOf[T any](list []*T, login func(*T) string, logins []string) []*T {
	in := make(map[string]bool, len(logins))
	for _, l := range logins {
		in[strings.ToLower(l)] = true
	}
	var out []*T
	for _, d := range list {
		if in[strings.ToLower(login(d))] {
			out = append(out, d)
		}
	}
	return out
}
