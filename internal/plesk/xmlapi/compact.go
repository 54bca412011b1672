package xmlapi

// A read of a large server returns one result per subscription, and
// most of what they hold repeats: property names, plan values shared by
// every subscription on a plan, owner logins, dates, IP addresses. A
// compactor, shared by the results of one answer, makes equal strings
// one string and equal blocks (limits, permissions, hosting, PHP
// settings, mail, plan items, subscription info) one block shared by the
// results that have it, with slices of their length: webspace results
// are read that way (webspace_decode.go), customer results are made
// compact once decoded. What a read of 100,000 subscriptions holds is
// then a fraction of what encoding/xml would make of it.
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

// strList interns the strings of list, in a slice of its length.
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

func keyLimits(c *compactor, l *Limits) {
	c.addKey(l.Overuse)
	keyPairs(c, l.Limit)
}

func keyPermissions(c *compactor, p *Permissions) { keyPairs(c, p.Permission) }
func keyPHP(c *compactor, p *PHPSettings)         { keyPairs(c, p.Setting) }

func keyPlanItems(c *compactor, p *PlanItems) {
	for _, it := range p.Item {
		c.addKey(it.Name)
	}
	c.endList()
}

func keyMail(c *compactor, m *WebspaceMail) {
	c.addKey(m.Webmail)
	c.addKey(m.MailService)
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
