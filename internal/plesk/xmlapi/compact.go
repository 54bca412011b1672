package xmlapi

// A read of a large server returns one result per subscription, and
// most of what they hold repeats: property names, plan values shared by
// every subscription on a plan, owner logins, dates, IP addresses. The
// decoder gives each result its own copy of every string and slices grown
// by doubling; a compactor, run on each result as soon as it is decoded,
// makes equal strings one string and equal blocks (limits, permissions,
// hosting, PHP settings, mail, plan items, subscription info) one block
// shared by the results that have it, with slices cut to their length.
// What a read of 100,000 subscriptions holds is then a fraction of what
// the decoder made.
//
// Results are read-only once decoded: the blocks shared between results
// must not be changed in place (copy a result before changing it, as
// deploy does).

// compacter is a result that a compactor can make smaller.
type compacter interface{ compact(c *compactor) }

const (
	// maxStrings and maxBlocks bound what a compactor remembers: past
	// them, new strings and blocks are kept as they are (a server whose
	// subscriptions are all different gains little from sharing).
	maxStrings = 1 << 16
	maxBlocks  = 1 << 12
)

// block kinds, one table each.
const (
	blockHosting = iota
	blockLimits
	blockPermissions
	blockPHP
	blockPlanItems
	blockMail
	blockSubscriptions
	blockKinds
)

// compactor shares equal strings and blocks between the results of one
// answer.
type compactor struct {
	strs   map[string]string
	blocks [blockKinds]map[string]any
	key    []byte
}

func newCompactor() *compactor {
	c := &compactor{strs: map[string]string{}}
	for i := range c.blocks {
		c.blocks[i] = map[string]any{}
	}
	return c
}

// str returns the string equal to s that the compactor holds.
func (c *compactor) str(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := c.strs[s]; ok {
		return v
	}
	if len(c.strs) < maxStrings {
		c.strs[s] = s
	}
	return s
}

// strBytes is str for text the decoder holds: a string it already has
// costs no allocation.
func (c *compactor) strBytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if v, ok := c.strs[string(b)]; ok {
		return v
	}
	s := string(b)
	if len(c.strs) < maxStrings {
		c.strs[s] = s
	}
	return s
}

// The key of a block is its content: strings end with a NUL and lists
// with \x01, which XML 1.0 text cannot hold.
func (c *compactor) addKey(s string) {
	c.key = append(c.key, s...)
	c.key = append(c.key, 0)
}

func (c *compactor) endList() { c.key = append(c.key, 1) }

// share returns the block equal to v seen before, or v made compact
// (fix) and remembered. key writes v's content with addKey and endList.
func share[T any](c *compactor, kind int, v *T, key, fix func(*compactor, *T)) *T {
	if v == nil {
		return nil
	}
	c.key = c.key[:0]
	key(c, v)
	m := c.blocks[kind]
	if s, ok := m[string(c.key)]; ok {
		return s.(*T)
	}
	fix(c, v)
	if len(m) < maxBlocks {
		m[string(c.key)] = v
	}
	return v
}

// nameValue is the shape of Limit, Permission, Property and Setting.
type nameValue = struct {
	Name  string `xml:"name"`
	Value string `xml:"value"`
}

func keyPairs[T ~nameValue](c *compactor, list []T) {
	for _, x := range list {
		p := nameValue(x)
		c.addKey(p.Name)
		c.addKey(p.Value)
	}
	c.endList()
}

// pairs interns the names and values of list, in a slice of its length.
func pairs[T ~nameValue](c *compactor, list []T) []T {
	if len(list) == 0 {
		return list
	}
	out := list
	if cap(list) > len(list) {
		out = make([]T, len(list))
		copy(out, list)
	}
	for i := range out {
		p := nameValue(out[i])
		p.Name, p.Value = c.str(p.Name), c.str(p.Value)
		out[i] = T(p)
	}
	return out
}

// strs interns the strings of list, in a slice of its length.
func (c *compactor) strList(list []string) []string {
	if len(list) == 0 {
		return list
	}
	out := list
	if cap(list) > len(list) {
		out = make([]string, len(list))
		copy(out, list)
	}
	for i, s := range out {
		out[i] = c.str(s)
	}
	return out
}

func (s *Status) compact(c *compactor) {
	s.Status, s.ErrText = c.str(s.Status), c.str(s.ErrText)
}

func keyHosting(c *compactor, h *WebspaceHosting) {
	if h.VrtHst == nil {
		return
	}
	c.endList()
	keyPairs(c, h.VrtHst.Property)
	for _, ip := range h.VrtHst.IPAddress {
		c.addKey(ip)
	}
	c.endList()
}

func fixHosting(c *compactor, h *WebspaceHosting) {
	if h.VrtHst != nil {
		h.VrtHst.Property = pairs(c, h.VrtHst.Property)
		h.VrtHst.IPAddress = c.strList(h.VrtHst.IPAddress)
	}
}

func keyLimits(c *compactor, l *Limits) {
	c.addKey(l.Overuse)
	keyPairs(c, l.Limit)
}

func fixLimits(c *compactor, l *Limits) {
	l.Overuse = c.str(l.Overuse)
	l.Limit = pairs(c, l.Limit)
}

func keyPermissions(c *compactor, p *Permissions) { keyPairs(c, p.Permission) }
func fixPermissions(c *compactor, p *Permissions) { p.Permission = pairs(c, p.Permission) }
func keyPHP(c *compactor, p *PHPSettings)         { keyPairs(c, p.Setting) }
func fixPHP(c *compactor, p *PHPSettings)         { p.Setting = pairs(c, p.Setting) }

func keyPlanItems(c *compactor, p *PlanItems) {
	for _, it := range p.Item {
		c.addKey(it.Name)
	}
	c.endList()
}

func fixPlanItems(c *compactor, p *PlanItems) {
	if len(p.Item) == 0 {
		return
	}
	items := make([]PlanItem, len(p.Item))
	for i, it := range p.Item {
		items[i].Name = c.str(it.Name)
	}
	p.Item = items
}

func keyMail(c *compactor, m *WebspaceMail) {
	c.addKey(m.Webmail)
	c.addKey(m.MailService)
}

func fixMail(c *compactor, m *WebspaceMail) {
	m.Webmail, m.MailService = c.str(m.Webmail), c.str(m.MailService)
}

func keySubscriptions(c *compactor, s *Subscriptions) {
	if s.Subscription == nil {
		return
	}
	c.endList()
	c.addKey(s.Subscription.Locked)
	c.addKey(s.Subscription.Synchronized)
	for _, p := range s.Subscription.Plan {
		c.addKey(p.GUID)
	}
	c.endList()
}

func fixSubscriptions(c *compactor, s *Subscriptions) {
	if si := s.Subscription; si != nil {
		si.Locked, si.Synchronized = c.str(si.Locked), c.str(si.Synchronized)
		if len(si.Plan) > 0 {
			plans := make([]PlanGUID, len(si.Plan))
			for i, p := range si.Plan {
				plans[i].GUID = c.str(p.GUID)
			}
			si.Plan = plans
		}
	}
}

func (w *WebspaceData) compact(c *compactor) {
	w.Status.compact(c)
	w.FilterID = c.str(w.FilterID)
	d := w.Data
	if d == nil {
		return
	}
	if gi := d.GenInfo; gi != nil {
		gi.Created = c.str(gi.Created)
		if gi.ASCIIName == gi.Name {
			gi.ASCIIName = gi.Name
		}
		gi.OwnerLogin = c.str(gi.OwnerLogin)
		gi.DNSIP = c.strList(gi.DNSIP)
		gi.HType = c.str(gi.HType)
		gi.VendorGUID = c.str(gi.VendorGUID)
		gi.ExternalID = c.str(gi.ExternalID)
	}
	d.Hosting = share(c, blockHosting, d.Hosting, keyHosting, fixHosting)
	d.Limits = share(c, blockLimits, d.Limits, keyLimits, fixLimits)
	d.Subscriptions = share(c, blockSubscriptions, d.Subscriptions, keySubscriptions, fixSubscriptions)
	d.Permissions = share(c, blockPermissions, d.Permissions, keyPermissions, fixPermissions)
	d.PlanItems = share(c, blockPlanItems, d.PlanItems, keyPlanItems, fixPlanItems)
	d.PHPSettings = share(c, blockPHP, d.PHPSettings, keyPHP, fixPHP)
	d.Mail = share(c, blockMail, d.Mail, keyMail, fixMail)
}

func (r *CustomerData) compact(c *compactor) {
	r.Status.compact(c)
	r.FilterID = c.str(r.FilterID)
	if r.Data == nil || r.Data.GenInfo == nil {
		return
	}
	gi := r.Data.GenInfo
	gi.Created = c.str(gi.Created)
	gi.City, gi.State, gi.Country, gi.Locale = c.str(gi.City), c.str(gi.State), c.str(gi.Country), c.str(gi.Locale)
	gi.OwnerLogin = c.str(gi.OwnerLogin)
}
