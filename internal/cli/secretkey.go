package cli

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/plansync/plansync/internal/plan"
)

// Secrets encrypted with a key from the environment: why a cold plan
// need not run bcrypt either.
//
// SPEC §3 lets the state keep a secret as a salted hash (bcrypt) or
// encrypted with a key from the environment. With PLANSYNC_SECRETS_KEY
// set (32 random bytes, base64 or hex), apply records every secret it
// records as
//
//	enc:v1:<key id>:<base64url(nonce ‖ AES-256-GCM(padded secret))>
//
// and a plan decides whether a configured secret is the recorded one by
// decrypting it: microseconds, with no cache to warm, so a fresh CI
// clone plans as fast as a fleet without passwords.
//
// The key id is the first 8 bytes of SHA-256 of a label and the key: it
// tells a wrong key from a damaged value, and names the key in errors,
// without saying anything about the key. The secret is padded to a
// multiple of 64 bytes (a 4-byte length first), so a ciphertext does not
// give away how long a password is, as a bcrypt hash does not. The
// nonce is 12 random bytes; the additional data is the prefix with the
// key id. Without the key, the state holds nothing a guess can be tested
// against; with it, the secrets can be read: the key is a secret of the
// same rank as the secrets themselves (the CI's secret store).
//
// Recorded bcrypt hashes keep verifying (with bcrypt, and the secret
// cache); with a key set they are "outdated" (plan.Rerecorder), as are
// values encrypted with an old key (PLANSYNC_SECRETS_OLD_KEY): the plan
// records them anew with the current key, and the next apply that
// writes the state stores that.
//
// An encrypted value that cannot be read (no key, another key, damaged)
// is an error naming the variable, never a silent "changed": planning it
// as changed would push every password again. PLANSYNC_SECRETS_RESET=1
// is the way out when a key is lost: such values plan as changed and
// are recorded anew.

const (
	envSecretsKey    = "PLANSYNC_SECRETS_KEY"
	envSecretsOldKey = "PLANSYNC_SECRETS_OLD_KEY"
	envSecretsReset  = "PLANSYNC_SECRETS_RESET"

	sealedPrefix = "enc:"
	sealedV1     = "enc:v1:"
	sealedPad    = 64
	keyHint      = "32 random bytes in base64 or hex, as `openssl rand -base64 32` makes"
)

// isSealed reports whether a recorded secret is encrypted (any version).
func isSealed(recorded string) bool { return strings.HasPrefix(recorded, sealedPrefix) }

// sealer encrypts and decrypts secrets with one key.
type sealer struct {
	id   string // 16 hex digits
	aead cipher.AEAD
}

// parseSecretsKey reads a key from the variable name: 32 bytes in hex
// (64 digits) or base64 (standard or URL alphabet, padded or not). It
// refuses anything else, and keys that are plainly not random (a
// passphrase encoded, a repeated byte). The value is never part of an
// error.
func parseSecretsKey(name, v string) (*sealer, error) {
	v = strings.TrimSpace(v)
	var key []byte
	if len(v) == 64 && isHex(v) {
		key, _ = hex.DecodeString(v)
	} else {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(v); err == nil {
				key = b
				break
			}
		}
		if key == nil {
			return nil, fmt.Errorf("%s: not a key: want %s", name, keyHint)
		}
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("%s: a key of %d bytes: want %s", name, len(key), keyHint)
	}
	if weakKey(key) {
		return nil, fmt.Errorf("%s: a weak key (its bytes are not random: a passphrase or a pattern): want %s", name, keyHint)
	}
	return newSealer(key)
}

func newSealer(key []byte) (*sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append([]byte("plansync secrets key id v1\x00"), key...))
	return &sealer{id: hex.EncodeToString(sum[:8]), aead: aead}, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// weakKey reports a key whose 32 bytes cannot have come from a random
// source: fewer than 16 distinct values (random bytes give about 30), or
// all printable ASCII (a passphrase run through base64; random bytes are
// all printable once in 10^16).
func weakKey(key []byte) bool {
	seen := map[byte]bool{}
	printable := true
	for _, b := range key {
		seen[b] = true
		if b < 0x20 || b > 0x7e {
			printable = false
		}
	}
	return len(seen) < 16 || printable
}

func (s *sealer) ad() []byte { return []byte(sealedV1 + s.id) }

// seal encrypts plain under a fresh random nonce.
func (s *sealer) seal(plain string) (string, error) {
	n := 4 + len(plain)
	n += (sealedPad - n%sealedPad) % sealedPad
	msg := make([]byte, n)
	binary.BigEndian.PutUint32(msg, uint32(len(plain)))
	copy(msg[4:], plain)
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+n+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := s.aead.Seal(nonce, nonce, msg, s.ad())
	return sealedV1 + s.id + ":" + base64.RawURLEncoding.EncodeToString(out), nil
}

// open decrypts a sealed value's payload; false when it does not decrypt.
func (s *sealer) open(payload string) ([]byte, bool) {
	b, err := base64.RawURLEncoding.DecodeString(payload)
	ns := s.aead.NonceSize()
	if err != nil || len(b) < ns+s.aead.Overhead() {
		return nil, false
	}
	msg, err := s.aead.Open(nil, b[:ns], b[ns:], s.ad())
	if err != nil || len(msg) < 4 {
		return nil, false
	}
	n := binary.BigEndian.Uint32(msg)
	if uint64(n) > uint64(len(msg)-4) {
		return nil, false
	}
	return msg[4 : 4+n], true
}

// splitSealed splits "enc:v1:<id>:<payload>"; ok is false for another
// version or a malformed value.
func splitSealed(recorded string) (id, payload string, ok bool) {
	rest, ok := strings.CutPrefix(recorded, sealedV1)
	if !ok {
		return "", "", false
	}
	id, payload, ok = strings.Cut(rest, ":")
	return id, payload, ok && len(id) == 16
}

// keyedSecrets records secrets encrypted with the current key when there
// is one, else as bcrypt hashes (inner); it verifies either. The first
// recorded value it cannot read is kept as err (and fails every later
// Hash, so that a plan doomed to fail does not run bcrypt first).
type keyedSecrets struct {
	inner plan.Secrets
	cur   *sealer            // nil: no key, hash with inner
	keys  map[string]*sealer // by id: the current key and the old one
	reset bool

	mu  sync.Mutex
	bad error
}

// newKeyedSecrets reads the keys from the environment; an invalid key is
// an error, as is an old key without a current one.
func newKeyedSecrets(env Env, inner plan.Secrets) (*keyedSecrets, error) {
	k := &keyedSecrets{inner: inner, keys: map[string]*sealer{}}
	switch v := env.env(envSecretsReset); v {
	case "", "0":
	case "1":
		k.reset = true
	default:
		return nil, fmt.Errorf("%s=%q: want 1 (or leave it unset)", envSecretsReset, v)
	}
	if v := env.env(envSecretsKey); v != "" {
		s, err := parseSecretsKey(envSecretsKey, v)
		if err != nil {
			return nil, err
		}
		k.cur = s
		k.keys[s.id] = s
	}
	if v := env.env(envSecretsOldKey); v != "" {
		if k.cur == nil {
			return nil, fmt.Errorf("%s is set but %s is not: set the new key there (see \"Passwords\" in docs/config.md)", envSecretsOldKey, envSecretsKey)
		}
		s, err := parseSecretsKey(envSecretsOldKey, v)
		if err != nil {
			return nil, err
		}
		if _, dup := k.keys[s.id]; !dup {
			k.keys[s.id] = s
		}
	}
	return k, nil
}

func (k *keyedSecrets) fail(err error) {
	k.mu.Lock()
	if k.bad == nil {
		k.bad = err
	}
	k.mu.Unlock()
}

// err is the first recorded value that could not be read, if any.
func (k *keyedSecrets) err() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.bad
}

func (k *keyedSecrets) Hash(plain string) (string, error) {
	if err := k.err(); err != nil {
		return "", err
	}
	if k.cur != nil {
		return k.cur.seal(plain)
	}
	return k.inner.Hash(plain)
}

func (k *keyedSecrets) Verify(recorded, plain string) bool {
	if !isSealed(recorded) {
		return k.inner.Verify(recorded, plain)
	}
	id, payload, ok := splitSealed(recorded)
	if !ok {
		k.unreadable(errors.New("a secret recorded in the state is encrypted in a form this plansync does not know (a newer plansync wrote it?)"))
		return false
	}
	s := k.keys[id]
	if s == nil {
		switch {
		case k.cur == nil:
			k.unreadable(fmt.Errorf("the state records secrets encrypted with key id %s, and %s is not set: set it to that key (see \"Passwords\" in docs/config.md)", id, envSecretsKey))
		default:
			k.unreadable(fmt.Errorf("%s is key id %s, but the state records secrets encrypted with key id %s: set it to that key (to change keys, see \"Passwords\" in docs/config.md)", envSecretsKey, k.cur.id, id))
		}
		return false
	}
	got, ok := s.open(payload)
	if !ok {
		k.unreadable(fmt.Errorf("a secret recorded in the state with key id %s does not decrypt: the value was altered or damaged (%s=1 records such secrets anew)", id, envSecretsReset))
		return false
	}
	return subtle.ConstantTimeCompare(got, []byte(plain)) == 1
}

// unreadable fails the plan, unless PLANSYNC_SECRETS_RESET=1: then the
// secret plans as changed and is recorded anew.
func (k *keyedSecrets) unreadable(err error) {
	if !k.reset {
		k.fail(err)
	}
}

// Outdated: with a key, anything not encrypted with it.
func (k *keyedSecrets) Outdated(recorded string) bool {
	if k.cur == nil {
		return false
	}
	id, _, ok := splitSealed(recorded)
	return !ok || id != k.cur.id
}

// newSecrets returns the Secrets a plan of the config in dir uses: bcrypt
// or the key of PLANSYNC_SECRETS_KEY, behind the secret cache.
func newSecrets(env Env, dir string) (*secretCache, error) {
	k, err := newKeyedSecrets(env, secrets())
	if err != nil {
		return nil, err
	}
	return openSecretCache(env, dir, k), nil
}
