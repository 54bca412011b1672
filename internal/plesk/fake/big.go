package fake

import (
	"fmt"

	"github.com/plansync/plansync/internal/plesk/mapping"
)

// Big is an emulated server with n subscriptions over n/10
// customers on three plans, every tenth customised (locked), every fifth
// with an add-on: the benchmarks' large server.
func Big(n int) *State {
	st := NewState()
	guid := func(id int) string { return fmt.Sprintf("f4ce0000-0000-4000-8000-%012d", id) }
	plan := func(name string, addon bool, disk string) *Plan {
		id := st.NextID
		st.NextID++
		p := &Plan{ID: id, GUID: guid(id), Name: name, Addon: addon, OwnerID: AdminID,
			Values: mapping.Values{Limits: map[string]string{"disk_space": disk, "max_site": "5"}, Permissions: map[string]string{"manage_phosting": "true"},
				Hosting: map[string]string{"ssl": "true"}}}
		st.Plans = append(st.Plans, p)
		return p
	}
	plans := []*Plan{plan("S", false, "1073741824"), plan("M", false, "5368709120"), plan("L", false, "10737418240")}
	extra := plan("Extra", true, "1073741824")
	for c := 0; c < n/10; c++ {
		id := st.NextID
		st.NextID++
		st.Accounts = append(st.Accounts, &Account{ID: id, GUID: guid(id), Login: fmt.Sprintf("c%05d", c),
			OwnerID: AdminID, Name: "Customer", Created: "2026-01-02"})
		for s := 0; s < 10; s++ {
			i := c*10 + s
			p := plans[i%3]
			w := &Webspace{ID: st.NextID, Name: fmt.Sprintf("site%06d.example", i), OwnerID: id, IP: "192.0.2.10", PlanGUID: p.GUID,
				Values: p.Values.Clone(), Created: "2026-01-02"}
			w.GUID = guid(w.ID)
			st.NextID++
			if i%5 == 0 {
				w.Addons = []string{extra.GUID}
			}
			if i%10 == 0 {
				w.Locked = true
				w.Values.Limits["max_site"] = "9"
			}
			st.Webspaces = append(st.Webspaces, w)
		}
	}
	return st
}
