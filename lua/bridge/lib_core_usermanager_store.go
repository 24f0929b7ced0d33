package bridge

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// The user provider behind core.usermanager: Prosody's own account store
// (authentication = "internal_hashed", its default, or "internal_plain"),
// read where Prosody keeps it — data_path/<host>/accounts/<user>.dat,
// host and user encoded as Prosody's datamanager does — so the accounts
// prosodyctl made (prosodyctl register, adduser) work in moonport as they
// are. moonport only reads it: a hashed account (SCRAM: salt, iteration
// count, stored and server key) is checked by deriving the keys from the
// password offered and comparing in constant time; no password is kept
// or written anywhere.

// account is one user's record in the store.
type account struct {
	storedKey, serverKey, salt string // hex, hex, raw
	iterations                 int
	password                   string // internal_plain's; "" when hashed
}

// userStore is the account store of one host.
type userStore struct {
	dir      string           // data_path/<host>/accounts
	hash     func() hash.Hash // of password_hash ("SHA-1" or "SHA-256")
	provider string           // the authentication option
}

// errNoProvider is the answer of a host whose authentication moonport
// cannot provide.
var errNoProvider = errors.New("no such authentication provider")

// storeOf is host's account store as the running config says.
func (rt *Runtime) storeOf(host string) (*userStore, error) {
	snap := rt.Config()
	if host != "*" && snap.Host(host) == nil {
		return nil, fmt.Errorf("host %s is not in the config", host)
	}
	rt.noteOption("authentication")
	rt.noteOption("password_hash")
	s := &userStore{provider: "internal_hashed", hash: sha1.New}
	if v, ok := snap.Value(host, "authentication").(string); ok {
		s.provider = v
	}
	if s.provider != "internal_hashed" && s.provider != "internal_plain" {
		return nil, fmt.Errorf("%w: authentication = %q (moonport reads Prosody's internal_hashed and internal_plain accounts)", errNoProvider, s.provider)
	}
	switch v := snap.Value(host, "password_hash"); v {
	case nil, "SHA-1":
	case "SHA-256":
		s.hash = sha256.New
	default:
		return nil, fmt.Errorf("password_hash = %v: SCRAM-SHA-1 or SCRAM-SHA-256 only", v)
	}
	s.dir = filepath.Join(rt.paths()["data"], storeEncode(host), "accounts") // prosody.paths.data
	return s, nil
}

// storeEncode is Prosody's datamanager encoding of a host or user name:
// every byte but ASCII letters and digits as %xx.
func storeEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}

// storeDecode undoes storeEncode.
func storeDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+3 <= len(s) {
			if v, err := hex.DecodeString(s[i+1 : i+3]); err == nil {
				b.WriteByte(v[0])
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// get reads user's account; nil without error when there is none.
func (s *userStore) get(user string) (*account, error) {
	src, err := os.ReadFile(filepath.Join(s.dir, storeEncode(user)+".dat"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	t, err := evalData(src)
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", user, err)
	}
	a := &account{}
	a.storedKey, _ = t["stored_key"].(string)
	a.serverKey, _ = t["server_key"].(string)
	a.salt, _ = t["salt"].(string)
	if n, ok := t["iteration_count"].(float64); ok {
		a.iterations = int(n)
	}
	a.password, _ = t["password"].(string)
	return a, nil
}

// evalData runs a data file Prosody wrote (return { key = value; … }) in
// an empty Lua state, bounded in time, and gives its string and number
// fields.
func evalData(src []byte) (map[string]any, error) {
	L := lua.NewState(lua.Options{SkipOpenLibs: true, CallStackSize: 16, RegistrySize: 256})
	defer L.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	L.SetContext(ctx)
	fn, err := L.LoadString(string(src))
	if err != nil {
		return nil, err
	}
	if err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}); err != nil {
		return nil, err
	}
	t, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		return nil, errors.New("not a table")
	}
	out := map[string]any{}
	t.ForEach(func(k, v lua.LValue) {
		switch v := v.(type) {
		case lua.LString:
			out[k.String()] = string(v)
		case lua.LNumber:
			out[k.String()] = float64(v)
		}
	})
	return out, nil
}

// verify reports whether password (SASLprep'd already) is the account's.
func (s *userStore) verify(a *account, password string) bool {
	if a.password != "" {
		return subtle.ConstantTimeCompare([]byte(a.password), []byte(password)) == 1
	}
	if a.iterations < 1 || a.salt == "" {
		return false
	}
	salted, err := pbkdf2.Key(s.hash, password, []byte(a.salt), a.iterations, s.hash().Size())
	if err != nil {
		return false
	}
	mac := func(msg string) []byte {
		m := hmac.New(s.hash, salted)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	h := s.hash()
	h.Write(mac("Client Key"))
	stored := hex.EncodeToString(h.Sum(nil))
	server := hex.EncodeToString(mac("Server Key"))
	okStored := subtle.ConstantTimeCompare([]byte(stored), []byte(a.storedKey))
	okServer := subtle.ConstantTimeCompare([]byte(server), []byte(a.serverKey))
	return okStored&okServer == 1
}

// users lists the store's user names, sorted.
func (s *userStore) users() ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".dat"); ok && !e.IsDir() {
			out = append(out, storeDecode(name))
		}
	}
	sort.Strings(out)
	return out, nil
}
