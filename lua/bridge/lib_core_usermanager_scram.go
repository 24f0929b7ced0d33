package bridge

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"regexp"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// SCRAM (RFC 5802) for core.usermanager's SASL handler, as Prosody's
// util.sasl.scram serves it for its internal providers: SCRAM-SHA-1 (or
// SCRAM-SHA-256 with password_hash = "SHA-256") from the keys a hashed
// account keeps, and both from an internal_plain password (keys derived
// for the exchange, with a fresh salt and 10000 iterations). Without TLS
// channel binding, so no -PLUS mechanism, as for Prosody's handlers that
// have no channel-binding callback (mod_net_dovecotauth's).

// scramHashes are the SCRAM mechanisms moonport knows, by name.
var scramHashes = map[string]func() hash.Hash{"SCRAM-SHA-1": sha1.New, "SCRAM-SHA-256": sha256.New}

// scramMechanisms are the SCRAM mechanisms a store offers.
func scramMechanisms(s *userStore) []string {
	if s.provider == "internal_plain" {
		return []string{"SCRAM-SHA-1", "SCRAM-SHA-256"}
	}
	if s.hash().Size() == sha256.Size {
		return []string{"SCRAM-SHA-256"}
	}
	return []string{"SCRAM-SHA-1"}
}

// scramState is what the first message leaves for the final one.
type scramState struct {
	hash                  func() hash.Hash
	gs2Header, nonce      string
	storedKey, serverKey  []byte
	clientFirstBare, sent string
}

var (
	scramFirstRe = regexp.MustCompile(`^(?s)(([pny])=?([^,]*),([^,]*),)(m?=?[^,]*,?n=([^,]*),r=([^,]*),?.*)$`)
	scramFinalRe = regexp.MustCompile(`(?s)(c=([^,]*),r=([^,]*),?.*?),p=(.*)$`)
	scramEscape  = regexp.MustCompile(`=(.?.?)`)
)

// scramProcess is handler:process(message) once a SCRAM mechanism is
// selected: the answers util.sasl.scram gives (a challenge, then success
// with the server's signature, or failure, its condition and text).
func scramProcess(L *lua.LState, h *lua.LTable, mech, msg string) []string {
	if msg == "" {
		return []string{"failure", "malformed-request"}
	}
	if ud, ok := h.RawGetString("scram_state").(*lua.LUserData); ok {
		return scramFinal(ud.Value.(*scramState), msg)
	}
	m := scramFirstRe.FindStringSubmatch(msg)
	if m == nil {
		return []string{"failure", "malformed-request"}
	}
	user, ok := scramUsername(L, m[6])
	if !ok {
		return []string{"failure", "malformed-request", "Invalid username."}
	}
	h.RawSetString("username", lua.LString(user))
	st := &scramState{hash: scramHashes[mech], gs2Header: m[1], clientFirstBare: m[5]}
	salt, iterations, fail := st.keys(L, lua.LVAsString(h.RawGetString("realm")), user)
	if fail != nil {
		return fail
	}
	st.nonce = m[7] + newUUID()
	st.sent = fmt.Sprintf("r=%s,s=%s,i=%d", st.nonce, base64.StdEncoding.EncodeToString([]byte(salt)), iterations)
	ud := L.NewUserData()
	ud.Value = st
	h.RawSetString("scram_state", ud)
	return []string{"challenge", st.sent}
}

// keys reads user's keys (or derives them from a plain password): the
// salt and iteration count to send, or the failure to answer.
func (st *scramState) keys(L *lua.LState, realm, user string) (string, int, []string) {
	store, err := accountsOf(instanceOf(L), realm)
	if err != nil {
		return "", 0, []string{"failure", "temporary-auth-failure"}
	}
	a, err := store.get(user)
	if err != nil {
		instanceOf(L).log.Errorf("Reading the account store: %v", err)
	}
	if a == nil {
		return "", 0, []string{"failure", "not-authorized"}
	}
	if a.password != "" {
		password, ok := prep(L, "saslprep", a.password)
		if !ok {
			return "", 0, []string{"failure", "not-authorized", "Invalid password."}
		}
		salt := newUUID()
		st.storedKey, st.serverKey = scramKeys(st.hash, password, salt, 10000)
		return salt, 10000, nil
	}
	st.storedKey, _ = hex.DecodeString(a.storedKey)
	st.serverKey, _ = hex.DecodeString(a.serverKey)
	return a.salt, a.iterations, nil
}

// scramFinal checks the client's proof.
func scramFinal(st *scramState, msg string) []string {
	m := scramFinalRe.FindStringSubmatch(msg)
	if m == nil {
		return []string{"failure", "malformed-request", "Missing an attribute(p, r or c) in SASL message."}
	}
	if cb, err := base64.StdEncoding.DecodeString(m[2]); err != nil || string(cb) != st.gs2Header {
		return []string{"failure", "malformed-request", "Invalid channel binding value."}
	}
	if m[3] != st.nonce {
		return []string{"failure", "malformed-request", "Wrong nonce in client-final-message."}
	}
	authMessage := st.clientFirstBare + "," + st.sent + "," + m[1]
	proof, _ := base64.StdEncoding.DecodeString(m[4])
	clientKey := mac(st.hash, st.storedKey, authMessage)
	for i := range clientKey {
		if i < len(proof) {
			clientKey[i] ^= proof[i]
		}
	}
	h := st.hash()
	h.Write(clientKey)
	if len(proof) != len(clientKey) || subtle.ConstantTimeCompare(h.Sum(nil), st.storedKey) != 1 {
		return []string{"failure", "not-authorized", "The response provided by the client doesn't match the one we calculated."}
	}
	return []string{"success", "v=" + base64.StdEncoding.EncodeToString(mac(st.hash, st.serverKey, authMessage))}
}

// scramUsername is util.sasl.scram's check of the name: only =2C and =3D
// escapes, unescaped, then SASLprep and nodeprep.
func scramUsername(L *lua.LState, name string) (string, bool) {
	for _, m := range scramEscape.FindAllStringSubmatch(name, -1) {
		if m[1] != "2C" && m[1] != "3D" {
			return "", false
		}
	}
	name = strings.ReplaceAll(strings.ReplaceAll(name, "=2C", ","), "=3D", "=")
	name, ok := prep(L, "saslprep", name)
	if ok {
		name, ok = prep(L, "nodeprep", name)
	}
	return name, ok && name != ""
}

// scramKeys derives the stored and server keys of a password.
func scramKeys(h func() hash.Hash, password, salt string, iterations int) (stored, server []byte) {
	salted, _ := pbkdf2.Key(h, password, []byte(salt), iterations, h().Size())
	sum := h()
	sum.Write(mac(h, salted, "Client Key"))
	return sum.Sum(nil), mac(h, salted, "Server Key")
}

func mac(h func() hash.Hash, key []byte, msg string) []byte {
	m := hmac.New(h, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
