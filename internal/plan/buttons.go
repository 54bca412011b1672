package plan

// Custom buttons (SPEC §1.3): a service with a button gives each
// subscription that has the service a button in the panel; the button
// opens its URL with the values the service sends. A value the
// subscription does not have (no FTP account, no customer for an own
// subscription) is left out, not sent empty; the FTP password, sent with
// every FTP account, is never shown.

import (
	"net/url"
	"strings"

	"github.com/plansync/plansync/state"
)

// DefaultButtonImage is the background image of a button that names none.
const DefaultButtonImage = "/images/custom-buttons/default.png"

// ButtonImage is the background image a button shows.
func ButtonImage(b *state.Button) string {
	if b.BackgroundImage == "" {
		return DefaultButtonImage
	}
	return b.BackgroundImage
}

// maskedPassword stands for the FTP password in a shown request: a
// secret prints as (sensitive) (SPEC §4).
const maskedPassword = "(sensitive)"

// ButtonRequest is the request the button of service sv sends for
// subscription sub of customer cu ("GET https://…?primary_domain=…"),
// the FTP password masked.
func ButtonRequest(sv state.Service, sub state.Subscription, cu state.Customer) string {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	for _, f := range sv.Send {
		switch f {
		case "subscription_id":
			set("subscription_id", sub.Domain)
		case "primary_domain":
			set("primary_domain", sub.Domain)
		case "ftp_credentials":
			if sub.FTPLogin != "" {
				// An FTP account always has a password, which the button
				// sends, whether or not the config manages it (an
				// imported one is not known).
				set("ftp_login", sub.FTPLogin)
				set("ftp_password", maskedPassword)
			}
		case "customer_id":
			set("customer_id", sub.Customer)
		case "customer_name":
			set("customer_name", cu.Contact.Name)
		case "customer_email":
			set("customer_email", cu.Contact.Email)
		case "customer_company":
			set("customer_company", cu.Contact.Company)
		}
	}
	// A fragment is the browser's, never sent: the values go in the
	// query, after what the URL's own query holds.
	req, _, _ := strings.Cut(sv.Button.URL, "#")
	if enc := q.Encode(); enc != "" {
		sep := "?"
		if strings.HasSuffix(req, "?") || strings.HasSuffix(req, "&") {
			sep = ""
		} else if strings.Contains(req, "?") {
			sep = "&"
		}
		req += sep + strings.ReplaceAll(enc, url.QueryEscape(maskedPassword), maskedPassword) // q.Encode escapes the mask
	}
	return "GET " + req
}
