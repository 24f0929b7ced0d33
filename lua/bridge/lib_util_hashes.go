package bridge

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"hash"

	lua "github.com/yuin/gopher-lua"
)

func init() { registerLibrary("util.hashes", funcsLibrary(hashesFuncs)) }

// hashesFuncs is require "util.hashes", on Go's crypto where Prosody uses
// OpenSSL: digests and HMACs return raw bytes, or lower-case hex when
// their last argument is true; pbkdf2 returns the raw derived key.
var hashesFuncs = map[string]lua.LGFunction{
	"sha1":               digestFunc(sha1.New),
	"sha224":             digestFunc(sha256.New224),
	"sha256":             digestFunc(sha256.New),
	"sha384":             digestFunc(sha512.New384),
	"sha512":             digestFunc(sha512.New),
	"md5":                digestFunc(md5.New),
	"hmac_sha1":          hmacFunc(sha1.New),
	"hmac_sha256":        hmacFunc(sha256.New),
	"hmac_sha512":        hmacFunc(sha512.New),
	"hmac_md5":           hmacFunc(md5.New),
	"pbkdf2_hmac_sha1":   pbkdf2Func(sha1.New),
	"pbkdf2_hmac_sha256": pbkdf2Func(sha256.New),
	"scram_Hi_sha1":      pbkdf2Func(sha1.New),
	"equals":             hashesEquals,
}

// pushDigest pushes sum, as hex when the argument at hexArg is true.
func pushDigest(L *lua.LState, sum []byte, hexArg int) int {
	if lua.LVAsBool(L.Get(hexArg)) {
		L.Push(lua.LString(hex.EncodeToString(sum)))
	} else {
		L.Push(lua.LString(sum))
	}
	return 1
}

// digestFunc is hash(data, hex).
func digestFunc(h func() hash.Hash) lua.LGFunction {
	return func(L *lua.LState) int {
		d := h()
		d.Write([]byte(L.CheckString(1)))
		return pushDigest(L, d.Sum(nil), 2)
	}
}

// hmacFunc is hmac_hash(key, message, hex).
func hmacFunc(h func() hash.Hash) lua.LGFunction {
	return func(L *lua.LState) int {
		m := hmac.New(h, []byte(L.CheckString(1)))
		m.Write([]byte(L.CheckString(2)))
		return pushDigest(L, m.Sum(nil), 3)
	}
}

// pbkdf2Func is pbkdf2_hmac_hash(password, salt, iterations): a key as
// long as the hash's output; iterations below 1 fail as in Prosody.
func pbkdf2Func(h func() hash.Hash) lua.LGFunction {
	return func(L *lua.LState) int {
		pass, salt, iter := L.CheckString(1), L.CheckString(2), L.CheckInt(3)
		if iter < 1 {
			L.Error(lua.LString("PKCS5_PBKDF2_HMAC() failed"), 0)
		}
		key, err := pbkdf2.Key(h, pass, []byte(salt), iter, h().Size())
		if err != nil {
			L.RaiseError("PKCS5_PBKDF2_HMAC() failed: %v", err)
		}
		L.Push(lua.LString(key))
		return 1
	}
}

// hashesEquals is equals(a, b): whether two strings are equal, in time
// that does not depend on where they differ.
func hashesEquals(L *lua.LState) int {
	a, b := L.CheckString(1), L.CheckString(2)
	L.Push(lua.LBool(subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1))
	return 1
}
