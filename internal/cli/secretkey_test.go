package cli

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"
)

const (
	testKeyA = "Gcw1vSSzXV12qttci7kaw2hqkyCxpMDHWd3t8SlkaHM="
	testKeyB = "40cd11d3d712598b3ab361887b5ef43392e6a3a86d9ba3a6cec5307fc938c608"
)

// fakeBcrypt stands for bcrypt: "h:"+plain, counting calls.
type fakeBcrypt struct{ hashes, verifies *int }

func (f fakeBcrypt) Hash(plain string) (string, error) { *f.hashes++; return "$2a$" + plain, nil }
func (f fakeBcrypt) Verify(hash, plain string) bool    { *f.verifies++; return hash == "$2a$"+plain }

func keyedFor(t *testing.T, vars map[string]string) (*keyedSecrets, *int, *int) {
	t.Helper()
	var h, v int
	env := Env{Getenv: func(k string) (string, bool) { s, ok := vars[k]; return s, ok }}
	k, err := newKeyedSecrets(env, fakeBcrypt{&h, &v})
	if err != nil {
		t.Fatal(err)
	}
	return k, &h, &v
}

func TestParseSecretsKeyForms(t *testing.T) {
	raw, _ := base64.StdEncoding.DecodeString(testKeyA)
	want, err := newSealer(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{
		testKeyA,
		strings.TrimRight(testKeyA, "="),
		base64.URLEncoding.EncodeToString(raw),
		base64.RawURLEncoding.EncodeToString(raw),
		hex.EncodeToString(raw),
		strings.ToUpper(hex.EncodeToString(raw)),
		" " + testKeyA + "\n",
	} {
		s, err := parseSecretsKey("K", v)
		if err != nil {
			t.Errorf("%q: %v", v, err)
			continue
		}
		if s.id != want.id {
			t.Errorf("%q: key id %s, want %s", v, s.id, want.id)
		}
	}
}

func TestParseSecretsKeyRefused(t *testing.T) {
	for v, msg := range map[string]string{
		"correct horse battery staple":             "K: not a key: want 32 random bytes",
		"c2hvcnQga2V5":                             "K: a key of 9 bytes",
		testKeyA + testKeyA:                        "not a key",
		base64.StdEncoding.EncodeToString(seq(48)): "a key of 48 bytes",
		strings.Repeat("ab", 32):                   "a weak key",
		base64.StdEncoding.EncodeToString([]byte("0123456789abcdefghijklmnopqrstuv")): "a weak key",
	} {
		_, err := parseSecretsKey("K", v)
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: error %v, want %q", v, err, msg)
			continue
		}
		if strings.Contains(err.Error(), v) {
			t.Errorf("%q: the error shows the key: %v", v, err)
		}
	}
}

func TestKeyedSecretsSealAndVerify(t *testing.T) {
	k, h, v := keyedFor(t, map[string]string{envSecretsKey: testKeyA})
	a, err := k.Hash("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := k.Hash("s3cret")
	if a == b {
		t.Error("the same secret sealed twice gives the same value (nonce not random)")
	}
	if !strings.HasPrefix(a, sealedV1+k.cur.id+":") || strings.Contains(a, "s3cret") {
		t.Errorf("sealed value %q", a)
	}
	long, _ := k.Hash(strings.Repeat("x", 60))
	if len(long) != len(a) {
		t.Errorf("a 6-byte and a 60-byte secret seal to %d and %d characters: the length shows", len(a), len(long))
	}
	longer, _ := k.Hash(strings.Repeat("x", 61))
	if len(longer) <= len(a) {
		t.Errorf("61 bytes sealed in %d characters, no more than 6 bytes", len(longer))
	}
	if !k.Verify(a, "s3cret") || !k.Verify(b, "s3cret") || k.Verify(a, "s3cre") || k.Verify(a, "s3cret\x00") || k.Verify(a, "") {
		t.Error("verify answers wrong")
	}
	if *h != 0 || *v != 0 {
		t.Errorf("bcrypt ran %d+%d times with a key", *h, *v)
	}
	// bcrypt hashes still verify, with bcrypt, and are outdated.
	if !k.Verify("$2a$pw", "pw") || *v != 1 {
		t.Error("a bcrypt hash does not verify with a key set")
	}
	if !k.Outdated("$2a$pw") || k.Outdated(a) {
		t.Error("Outdated: bcrypt hash should be, current key's value should not")
	}
	if err := k.err(); err != nil {
		t.Fatal(err)
	}
	// A damaged value is an error, not a mismatch.
	bad := a[:len(a)-2] + "AA"
	if bad == a {
		bad = a[:len(a)-2] + "BB"
	}
	if k.Verify(bad, "s3cret") {
		t.Error("a damaged value verified")
	}
	if err := k.err(); err == nil || !strings.Contains(err.Error(), "does not decrypt") {
		t.Errorf("damaged value: %v", err)
	}
	if _, err := k.Hash("x"); err == nil {
		t.Error("Hash after an unreadable value should fail at once")
	}
}

func TestKeyedSecretsKeys(t *testing.T) {
	ka, _, _ := keyedFor(t, map[string]string{envSecretsKey: testKeyA})
	sealedA, _ := ka.Hash("pw")

	// No key: bcrypt, and an error naming the variable for sealed values.
	none, h, _ := keyedFor(t, map[string]string{})
	if got, _ := none.Hash("pw"); got != "$2a$pw" || *h != 1 {
		t.Errorf("without a key Hash gives %q", got)
	}
	if none.Outdated("$2a$pw") || none.Outdated(sealedA) {
		t.Error("nothing is outdated without a key")
	}
	none.Verify(sealedA, "pw")
	if err := none.err(); err == nil || !strings.Contains(err.Error(), envSecretsKey+" is not set") || !strings.Contains(err.Error(), ka.cur.id) {
		t.Errorf("no key: %v", err)
	}

	// Another key: an error with both ids.
	kb, _, _ := keyedFor(t, map[string]string{envSecretsKey: testKeyB})
	kb.Verify(sealedA, "pw")
	if err := kb.err(); err == nil || !strings.Contains(err.Error(), kb.cur.id) || !strings.Contains(err.Error(), ka.cur.id) {
		t.Errorf("wrong key: %v", err)
	}

	// The new key and the old one: old values verify and are outdated.
	rot, _, _ := keyedFor(t, map[string]string{envSecretsKey: testKeyB, envSecretsOldKey: testKeyA})
	if !rot.Verify(sealedA, "pw") || rot.Verify(sealedA, "px") || !rot.Outdated(sealedA) {
		t.Error("rotation: an old key's value should verify and be outdated")
	}
	sealedB, _ := rot.Hash("pw")
	if rot.Outdated(sealedB) || !kb.Verify(sealedB, "pw") {
		t.Error("rotation: new values use the new key")
	}
	if err := rot.err(); err != nil {
		t.Fatal(err)
	}

	// Reset: unreadable values are mismatches, no error.
	reset, _, _ := keyedFor(t, map[string]string{envSecretsKey: testKeyB, envSecretsReset: "1"})
	if reset.Verify(sealedA, "pw") || reset.err() != nil {
		t.Error("reset: an unreadable value should plan as changed")
	}

	// A future format is an error.
	ka.Verify("enc:v2:whatever", "pw")
	if err := ka.err(); err == nil || !strings.Contains(err.Error(), "does not know") {
		t.Errorf("unknown format: %v", err)
	}
}

func TestSecretsResetValue(t *testing.T) {
	var h, v int
	for val, ok := range map[string]bool{"": true, "0": true, "1": true, "yes": false, "true": false} {
		env := Env{Getenv: func(k string) (string, bool) {
			if k == envSecretsReset {
				return val, true
			}
			return "", false
		}}
		_, err := newKeyedSecrets(env, fakeBcrypt{&h, &v})
		if (err == nil) != ok {
			t.Errorf("%s=%q: %v", envSecretsReset, val, err)
		}
	}
}

func TestSecretsOldKeyAlone(t *testing.T) {
	env := Env{Getenv: func(k string) (string, bool) {
		if k == envSecretsOldKey {
			return testKeyA, true
		}
		return "", false
	}}
	if _, err := newKeyedSecrets(env, secrets()); err == nil || !strings.Contains(err.Error(), envSecretsKey+" is not") {
		t.Errorf("old key alone: %v", err)
	}
}

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

// TestKeyedSecretsConcurrent: the subscription workers seal and verify
// at once (run with -race).
func TestKeyedSecretsConcurrent(t *testing.T) {
	k, _, _ := keyedFor(t, map[string]string{envSecretsKey: testKeyA})
	c := openSecretCache(Env{Getenv: func(string) (string, bool) { return "", false }}, t.TempDir(), k)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				plain := fmt.Sprintf("pw-%d-%d", g, i)
				h, err := c.Hash(plain)
				if err != nil || !c.Verify(h, plain) || c.Verify(h, plain+"x") || c.Outdated(h) {
					t.Errorf("%s: %q %v", plain, h, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := c.err(); err != nil {
		t.Fatal(err)
	}
}
