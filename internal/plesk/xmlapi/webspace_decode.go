package xmlapi

import (
	"strconv"
	"strings"
)

// A webspace get returns one result per subscription, which on a large
// server is nearly all of a read. webspaceDecoder reads them by hand
// with the answer's tokens (tokens.go), as encoding/xml's reflection would into
// WebspaceData (same fields, unknown elements skipped, the last of a
// repeated value kept, lists appended), but into scratch space reused
// from one result to the next: text that the compactor already holds
// makes no string, and a block equal to one seen before (compact.go) is
// not built again. Only what the result keeps is allocated.
type webspaceDecoder struct {
	dec *tokens
	c   *compactor
	buf []byte

	hosting  WebspaceHosting
	vrt      VrtHst
	limits   Limits
	subs     Subscriptions
	subInfo  SubscriptionInfo
	perms    Permissions
	items    PlanItems
	php      PHPSettings
	mail     WebspaceMail
	dns      []string
	nv       nameValue
	hasBlock [blockKinds]bool
	hasVrt   bool
	hasSub   bool
}

// text reads the character data of the element just started up to its
// end (the text of nested elements is not part of it, as for
// encoding/xml). The bytes are valid until the next call.
func (w *webspaceDecoder) text() ([]byte, error) {
	w.buf = w.buf[:0]
	for {
		if err := w.dec.read(); err != nil {
			return nil, err
		}
		switch w.dec.kind {
		case tokText:
			w.buf = append(w.buf, w.dec.data...)
		case tokStart:
			if err := w.dec.skip(); err != nil {
				return nil, err
			}
		case tokEnd:
			return w.buf, nil
		}
	}
}

// str reads a text element as a string the compactor shares.
func (w *webspaceDecoder) str() (string, error) {
	b, err := w.text()
	if err != nil {
		return "", err
	}
	return w.c.strBytes(b), nil
}

// own reads a text element as a string of its own (names, GUIDs).
func (w *webspaceDecoder) own() (string, error) {
	b, err := w.text()
	return string(b), err
}

// integer reads a text element as encoding/xml reads an int field.
func (w *webspaceDecoder) integer(bits int) (int64, error) {
	b, err := w.text()
	if err != nil || len(b) == 0 {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, bits)
}

// children calls f with the local name of each element in the one just
// started, up to its end; f must read the element whole (or skip it).
func (w *webspaceDecoder) children(f func(name string) error) error {
	for {
		if err := w.dec.read(); err != nil {
			return err
		}
		switch w.dec.kind {
		case tokStart:
			if err := f(w.dec.name.Local); err != nil {
				return err
			}
		case tokEnd:
			return nil
		}
	}
}

// pair reads a name/value element.
func (w *webspaceDecoder) pair() (nameValue, error) {
	w.nv = nameValue{}
	err := w.children(func(name string) (err error) {
		switch name {
		case "name":
			w.nv.Name, err = w.str()
		case "value":
			w.nv.Value, err = w.str()
		default:
			err = w.dec.skip()
		}
		return err
	})
	return w.nv, err
}

// decode reads one <result> of a webspace get (start is its start
// element) and returns it made compact.
func (w *webspaceDecoder) decode() (*WebspaceData, error) {
	r := &WebspaceData{}
	var gi *WebspaceGenInfo
	hasData := false
	w.reset()
	err := w.children(func(name string) (err error) {
		switch name {
		case "status":
			r.Status.Status, err = w.str()
		case "errcode":
			var n int64
			n, err = w.integer(strconv.IntSize)
			r.ErrCode = int(n)
		case "errtext":
			r.ErrText, err = w.str()
		case "filter-id":
			r.FilterID, err = w.str()
		case "id":
			var n int64
			n, err = w.integer(strconv.IntSize)
			r.ID = int(n)
		case "data":
			hasData = true
			err = w.children(func(name string) error {
				if name == "gen_info" {
					if gi == nil {
						gi = &WebspaceGenInfo{}
					}
					return w.genInfo(gi)
				}
				return w.block(name)
			})
		default:
			err = w.dec.skip()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if hasData {
		r.Data = w.finish()
		r.Data.GenInfo = gi
	}
	return r, nil
}

func (w *webspaceDecoder) reset() {
	w.hosting, w.vrt, w.subs, w.subInfo, w.mail = WebspaceHosting{}, VrtHst{Property: w.vrt.Property[:0], IPAddress: w.vrt.IPAddress[:0]},
		Subscriptions{}, SubscriptionInfo{Plan: w.subInfo.Plan[:0]}, WebspaceMail{}
	w.limits = Limits{Limit: w.limits.Limit[:0]}
	w.perms.Permission = w.perms.Permission[:0]
	w.items.Item = w.items.Item[:0]
	w.php.Setting = w.php.Setting[:0]
	w.hasBlock = [blockKinds]bool{}
	w.hasVrt, w.hasSub = false, false
}

func (w *webspaceDecoder) genInfo(gi *WebspaceGenInfo) error {
	w.dns = gi.DNSIP[:0:0]
	if len(gi.DNSIP) > 0 {
		w.dns = append(w.dns, gi.DNSIP...)
	}
	err := w.children(func(name string) (err error) {
		var n int64
		switch name {
		case "cr_date":
			gi.Created, err = w.str()
		case "name":
			gi.Name, err = w.own()
		case "ascii-name":
			var b []byte
			if b, err = w.text(); err == nil {
				if string(b) == gi.Name {
					gi.ASCIIName = gi.Name
				} else {
					gi.ASCIIName = string(b)
				}
			}
		case "status":
			n, err = w.integer(strconv.IntSize)
			gi.Status = int(n)
		case "real_size":
			gi.RealSize, err = w.integer(64)
		case "owner-id":
			n, err = w.integer(strconv.IntSize)
			gi.OwnerID = int(n)
		case "owner-login":
			gi.OwnerLogin, err = w.str()
		case "dns_ip_address":
			var s string
			if s, err = w.str(); err == nil {
				w.dns = append(w.dns, s)
			}
		case "htype":
			gi.HType, err = w.str()
		case "guid":
			gi.GUID, err = w.own()
		case "vendor-guid":
			gi.VendorGUID, err = w.str()
		case "external-id":
			gi.ExternalID, err = w.str()
		default:
			err = w.dec.skip()
		}
		return err
	})
	if len(w.dns) > 0 {
		gi.DNSIP = w.c.strList(w.dns)
	}
	return err
}

// block reads one of the blocks of data into the scratch space.
func (w *webspaceDecoder) block(name string) error {
	list := func(kind int, item string, add func() error) error {
		w.hasBlock[kind] = true
		return w.children(func(name string) error {
			if name != item {
				return w.dec.skip()
			}
			return add()
		})
	}
	switch name {
	case "hosting":
		w.hasBlock[blockHosting] = true
		return w.children(func(name string) error {
			if name != "vrt_hst" {
				return w.dec.skip()
			}
			w.hasVrt = true
			return w.children(func(name string) error {
				switch name {
				case "property":
					p, err := w.pair()
					w.vrt.Property = append(w.vrt.Property, Property(p))
					return err
				case "ip_address":
					s, err := w.str()
					if err == nil {
						w.vrt.IPAddress = append(w.vrt.IPAddress, s)
					}
					return err
				}
				return w.dec.skip()
			})
		})
	case "limits":
		w.hasBlock[blockLimits] = true
		return w.children(func(name string) (err error) {
			switch name {
			case "overuse":
				w.limits.Overuse, err = w.str()
			case "limit":
				var p nameValue
				p, err = w.pair()
				w.limits.Limit = append(w.limits.Limit, Limit(p))
			default:
				err = w.dec.skip()
			}
			return err
		})
	case "subscriptions":
		w.hasBlock[blockSubscriptions] = true
		return w.children(func(name string) error {
			if name != "subscription" {
				return w.dec.skip()
			}
			w.hasSub = true
			return w.children(func(name string) (err error) {
				switch name {
				case "locked":
					w.subInfo.Locked, err = w.str()
				case "synchronized":
					w.subInfo.Synchronized, err = w.str()
				case "plan":
					var g PlanGUID
					err = w.children(func(name string) (err error) {
						if name != "plan-guid" {
							return w.dec.skip()
						}
						g.GUID, err = w.str()
						return err
					})
					w.subInfo.Plan = append(w.subInfo.Plan, g)
				default:
					err = w.dec.skip()
				}
				return err
			})
		})
	case "permissions":
		return list(blockPermissions, "permission", func() error {
			p, err := w.pair()
			w.perms.Permission = append(w.perms.Permission, Permission(p))
			return err
		})
	case "plan-items":
		return list(blockPlanItems, "item", func() error {
			var it PlanItem
			err := w.children(func(name string) (err error) {
				if name != "name" {
					return w.dec.skip()
				}
				it.Name, err = w.str()
				return err
			})
			w.items.Item = append(w.items.Item, it)
			return err
		})
	case "php-settings":
		return list(blockPHP, "setting", func() error {
			p, err := w.pair()
			w.php.Setting = append(w.php.Setting, Setting(p))
			return err
		})
	case "mail":
		w.hasBlock[blockMail] = true
		return w.children(func(name string) (err error) {
			switch name {
			case "webmail":
				w.mail.Webmail, err = w.str()
			case "mailservice":
				w.mail.MailService, err = w.str()
			default:
				err = w.dec.skip()
			}
			return err
		})
	}
	return w.dec.skip()
}

// finish makes the result's data from the scratch space: each block is
// the one seen before with the same content, or a copy of the scratch
// block with slices of their length.
func (w *webspaceDecoder) finish() *WebspaceBody {
	d := &WebspaceBody{}
	c := w.c
	if w.hasBlock[blockHosting] {
		if w.hasVrt {
			w.hosting.VrtHst = &w.vrt
		}
		d.Hosting = shareCopy(c, blockHosting, &w.hosting, keyHosting, func(h *WebspaceHosting) *WebspaceHosting {
			out := &WebspaceHosting{}
			if h.VrtHst != nil {
				out.VrtHst = &VrtHst{Property: clip(h.VrtHst.Property), IPAddress: clip(h.VrtHst.IPAddress)}
			}
			return out
		})
	}
	if w.hasBlock[blockLimits] {
		d.Limits = shareCopy(c, blockLimits, &w.limits, keyLimits, func(l *Limits) *Limits {
			return &Limits{Overuse: l.Overuse, Limit: clip(l.Limit)}
		})
	}
	if w.hasBlock[blockSubscriptions] {
		if w.hasSub {
			w.subs.Subscription = &w.subInfo
		}
		d.Subscriptions = shareCopy(c, blockSubscriptions, &w.subs, keySubscriptions, func(s *Subscriptions) *Subscriptions {
			out := &Subscriptions{}
			if s.Subscription != nil {
				si := *s.Subscription
				si.Plan = clip(si.Plan)
				out.Subscription = &si
			}
			return out
		})
	}
	if w.hasBlock[blockPermissions] {
		d.Permissions = shareCopy(c, blockPermissions, &w.perms, keyPermissions, func(p *Permissions) *Permissions {
			return &Permissions{Permission: clip(p.Permission)}
		})
	}
	if w.hasBlock[blockPlanItems] {
		d.PlanItems = shareCopy(c, blockPlanItems, &w.items, keyPlanItems, func(p *PlanItems) *PlanItems {
			return &PlanItems{Item: clip(p.Item)}
		})
	}
	if w.hasBlock[blockPHP] {
		d.PHPSettings = shareCopy(c, blockPHP, &w.php, keyPHP, func(p *PHPSettings) *PHPSettings {
			return &PHPSettings{Setting: clip(p.Setting)}
		})
	}
	if w.hasBlock[blockMail] {
		d.Mail = shareCopy(c, blockMail, &w.mail, keyMail, func(m *WebspaceMail) *WebspaceMail {
			out := *m
			return &out
		})
	}
	return d
}

// clip copies a scratch list into a slice of its length (nil when empty,
// as encoding/xml leaves a list it found no element of).
func clip[T any](list []T) []T {
	if len(list) == 0 {
		return nil
	}
	return append(make([]T, 0, len(list)), list...)
}

// shareCopy is share for a block in scratch space: the block seen before
// with the same content, or a copy (clone) remembered.
func shareCopy[T any](c *compactor, kind int, scratch *T, key func(*compactor, *T), clone func(*T) *T) *T {
	c.key = c.key[:0]
	key(c, scratch)
	m := c.blocks[kind]
	if s, ok := m[string(c.key)]; ok {
		return s.(*T)
	}
	v := clone(scratch)
	if len(m) < maxBlocks {
		m[string(c.key)] = v
	}
	return v
}
