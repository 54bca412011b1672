package model

import (
	"fmt"
	"strconv"
	"strings"
)

// PleskGroup says in which part of a Plesk XML API packet a property lives.
type PleskGroup uint8

const (
	// PleskUnmapped: the property has no counterpart on a Plesk server.
	PleskUnmapped PleskGroup = iota
	// PleskLimit: limits/limit{name,value}.
	PleskLimit
	// PleskOveruse: limits/overuse (plans, subscriptions) or
	// limits/resource-policy/overuse (reseller plans, resellers).
	PleskOveruse
	// PleskPermission: permissions/permission{name,value}.
	PleskPermission
	// PleskHosting: a hosting property{name,value}.
	PleskHosting
	// PleskPHPSetting: php-settings/setting{name,value}; the name is the
	// php.ini directive.
	PleskPHPSetting
	// PleskMail: an element of the mail block (plans and subscriptions).
	PleskMail
	// PleskPreference: an element of a service plan's preferences block.
	PleskPreference
)

// PleskEncoding says how a value is written in a packet.
type PleskEncoding uint8

const (
	// PleskNumber: bytes or a count, -1 unlimited.
	PleskNumber PleskEncoding = iota
	// PleskBool: "true" or "false".
	PleskBool
	// PleskWord: the enum word or string as it is.
	PleskWord
	// PleskShell: a login shell path (hosting.ssh).
	PleskShell
	// PleskPHPHandler: php_version and php_handler together as one
	// php_handler_id ("plesk-php83-fpm").
	PleskPHPHandler
)

// PleskName is a property's name and encoding in Plesk's XML API.
type PleskName struct {
	Group PleskGroup
	// Name is Plesk's name; Also lists further names written with the same
	// value (one plansync permission that is two in Plesk).
	Name string
	Also []string
	Enc  PleskEncoding
	// Why says, for an unmapped property, why it has no counterpart.
	Why string
}

func lim(name string) PleskName {
	return PleskName{Group: PleskLimit, Name: name, Enc: PleskNumber}
}

func perm(name string, also ...string) PleskName {
	return PleskName{Group: PleskPermission, Name: name, Also: also, Enc: PleskBool}
}

// Shell paths written for hosting.ssh.
var pleskShells = map[string]string{
	"none":     "/bin/false",
	"chrooted": "/usr/local/psa/bin/chrootsh",
	"bash":     "/bin/bash",
}

// PleskEncode renders a value of property p as Plesk writes it. It fails
// for unmapped properties and for php_version/php_handler, which are
// written together (PHPHandlerID).
func PleskEncode(p *Prop, v Value) (string, error) {
	switch p.Plesk.Enc {
	case PleskNumber:
		if v.K != KindSize && v.K != KindCount {
			return "", fmt.Errorf("%s: %s is not a number", p.Path, v.Text())
		}
		return strconv.FormatInt(v.N, 10), nil
	case PleskBool:
		return strconv.FormatBool(v.Truth()), nil
	case PleskWord:
		return v.S, nil
	case PleskShell:
		if s, ok := pleskShells[v.S]; ok {
			return s, nil
		}
		return "", fmt.Errorf("%s: no shell for %q", p.Path, v.S)
	}
	return "", fmt.Errorf("%s: written together with the other PHP setting as php_handler_id", p.Path)
}

// PleskDecode reads a value of property p as Plesk wrote it.
func PleskDecode(p *Prop, s string) (Value, error) {
	s = strings.TrimSpace(s)
	switch p.Plesk.Enc {
	case PleskNumber:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < -1 {
			return Value{}, fmt.Errorf("%s: Plesk value %q is not a number or -1", p.Plesk.Name, s)
		}
		if p.Kind == KindSize {
			return Size(n), nil
		}
		return Count(n), nil
	case PleskBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return Value{}, fmt.Errorf("%s: Plesk value %q is not true or false", p.Plesk.Name, s)
		}
		return Bool(b), nil
	case PleskWord:
		if p.Kind == KindEnum {
			for _, w := range p.Enum {
				if w == s {
					return Enum(s), nil
				}
			}
			return Value{}, fmt.Errorf("%s: Plesk value %q is not one of %s", p.Plesk.Name, s, strings.Join(p.Enum, ", "))
		}
		return String(s), nil
	case PleskShell:
		for word, path := range pleskShells {
			if path == s {
				return Enum(word), nil
			}
		}
		if strings.HasSuffix(s, "sh") && s != "" {
			return Enum("bash"), nil
		}
		return Value{}, fmt.Errorf("%s: shell %q has no plansync counterpart", p.Plesk.Name, s)
	}
	return Value{}, fmt.Errorf("%s: read through PHPHandlerFromID", p.Path)
}

// PHPHandlerID is the default php_handler_id of a PHP version and handler
// ("8.3", "fpm" → "plesk-php83-fpm"); servers list theirs through
// php-handler get.
func PHPHandlerID(version, handler string) string {
	return "plesk-php" + strings.ReplaceAll(version, ".", "") + "-" + handler
}

// PHPHandlerFromID splits a php_handler_id of the default form back into
// version and handler.
func PHPHandlerFromID(id string) (version, handler string, ok bool) {
	rest, found := strings.CutPrefix(id, "plesk-php")
	if !found {
		return "", "", false
	}
	digits, handler, found := strings.Cut(rest, "-")
	if !found || len(digits) < 2 || handler == "" {
		return "", "", false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return "", "", false
		}
	}
	return digits[:1] + "." + digits[1:], handler, true
}

// PleskConnection is server.plesk: how plansync reaches a Plesk server's
// XML API.
type PleskConnection struct {
	// URL is the server's address (https://host:8443).
	URL string
	// Key is a secret key; otherwise Login and Password.
	Key      *Secret
	Login    string
	Password *Secret
	// CAFile is a PEM file of CAs to trust, as written; CAPath is it
	// joined with the directory of the config file that names it.
	CAFile string
	CAPath string
	// DefaultIP is the IP address new subscriptions get.
	DefaultIP string
	Src       Src
}

// PHPOtherHalf is the other half of the PHP version and handler, which
// Plesk holds as one value (php_handler_id): hosting.php_handler for
// hosting.php_version and the other way round; "" for any other path.
func PHPOtherHalf(path string) string {
	switch path {
	case "hosting.php_version":
		return "hosting.php_handler"
	case "hosting.php_handler":
		return "hosting.php_version"
	}
	return ""
}
