package bridge

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/moonport/moonport/host/value"
	lua "github.com/yuin/gopher-lua"
)

// Account writes of core.usermanager, as Prosody 0.12's: create_user,
// set_password and delete_user on the host's account store
// (lib_core_usermanager_store.go). An internal_hashed account keeps the
// SCRAM keys of the password_hash option (salt a fresh UUID, iterations
// the default_iteration_count option, 10000 without it), so Prosody logs
// it in as one prosodyctl made; an internal_plain one keeps the
// SASLprep'd password. As in Prosody, set_password fires
// user-password-changed and delete_user user-deleted on the global bus,
// and delete_user then purges the user's data from every store
// (storage_userdata.go) — whichever provider, built-in or a module's,
// made the change.

// defaultIterations is mod_auth_internal_hashed's default_iteration_count.
const defaultIterations = 10000

// iterations is the host's default_iteration_count.
func (s *userStore) iterations(inst *Instance) (int, error) {
	inst.rt.noteOption("default_iteration_count")
	opt, set := inst.rt.Config().Get(s.host, "default_iteration_count")
	if !set || opt.Value == nil {
		return defaultIterations, nil
	}
	if v, ok := opt.Value.(float64); ok && v >= 1 && v == float64(int(v)) {
		return int(v), nil
	}
	return 0, fmt.Errorf("%s: default_iteration_count = %s: write a whole number of iterations, such as 10000",
		opt.Location, value.Format(opt.Value))
}

// hashInto sets t's SCRAM fields for password (SASLprep'd already) with
// a fresh salt and n iterations, and drops a plain password.
func (s *userStore) hashInto(t *value.Table, password string, n int) {
	salt := newUUID()
	stored, server := scramKeys(s.hash, password, salt, n)
	t.Hash["stored_key"] = hex.EncodeToString(stored)
	t.Hash["server_key"] = hex.EncodeToString(server)
	t.Hash["salt"] = salt
	t.Hash["iteration_count"] = float64(n)
	delete(t.Hash, "password")
}

// create writes user's new account (replacing any, as Prosody's
// providers do); password is SASLprep'd already, hasPassword false for a
// hashed account made without one (an empty record, as Prosody's).
func (s *userStore) create(inst *Instance, user, password string, hasPassword bool) error {
	t := &value.Table{Hash: map[any]any{}}
	switch {
	case s.provider == "internal_plain":
		t.Hash["password"] = password
	case hasPassword:
		n, err := s.iterations(inst)
		if err != nil {
			return err
		}
		s.hashInto(t, password, n)
	}
	return s.data.Set(user, t)
}

// errNoAccount is set_password's answer for a user without an account.
var errNoAccount = errors.New("Account not available.") //nolint:staticcheck // Prosody's text

// setPassword replaces the password of user's account, keeping its other
// fields; a hashed account gets a fresh salt and keeps an iteration count
// above the default.
func (s *userStore) setPassword(inst *Instance, user, password string) error {
	v, err := s.data.Get(user)
	if err != nil {
		return err
	}
	t, ok := v.(*value.Table)
	if !ok || user == "" {
		return errNoAccount
	}
	if t.Hash == nil {
		t.Hash = map[any]any{}
	}
	if s.provider == "internal_plain" {
		t.Hash["password"] = password
		return s.data.Set(user, t)
	}
	n, err := s.iterations(inst)
	if err != nil {
		return err
	}
	if old, ok := t.Hash["iteration_count"].(float64); ok && int(old) > n {
		n = int(old)
	}
	s.hashInto(t, password, n)
	return s.data.Set(user, t)
}

// writeStore is host's account store and the SASLprep'd password for a
// write; n > 0 when the answer to give instead is pushed: Prosody's for a
// password SASLprep refuses (internal_hashed's false and its SCRAM
// library's text, internal_plain's nil and its own). A hashed account may
// be made without a password (create, true), not given none.
func writeStore(L *lua.LState, host string, password lua.LValue, create bool) (store *userStore, prepped string, n int) {
	store, err := accountsOf(instanceOf(L), host)
	if err != nil {
		return nil, "", pushFail(L, err.Error())
	}
	hashed := store.provider == "internal_hashed"
	switch {
	case hashed && password == lua.LNil && create:
		return store, "", 0
	case hashed && password == lua.LNil:
		L.Push(lua.LFalse)
		L.Push(lua.LString("inappropriate argument types"))
		return nil, "", 2
	}
	pw, isString := password.(lua.LString)
	prepped, ok := prep(L, "saslprep", string(pw))
	switch {
	case isString && ok:
		return store, prepped, 0
	case hashed:
		L.Push(lua.LFalse)
		L.Push(lua.LString("password fails SASLprep"))
		return nil, "", 2
	}
	return nil, "", pushFail(L, "Password fails SASLprep.")
}

// umCreateUser is the built-in create_user(username, password, host).
func umCreateUser(L *lua.LState) int {
	user := L.CheckString(1)
	store, pw, n := writeStore(L, L.CheckString(3), L.Get(2), true)
	if n > 0 {
		return n
	}
	return result(L, lua.LTrue, store.create(instanceOf(L), user, pw, L.Get(2) != lua.LNil))
}

// umSetPassword is the built-in set_password(username, password, host).
func umSetPassword(L *lua.LState) int {
	user := L.CheckString(1)
	store, pw, n := writeStore(L, L.CheckString(3), L.Get(2), false)
	if n > 0 {
		return n
	}
	return result(L, lua.LTrue, store.setPassword(instanceOf(L), user, pw))
}

// umDeleteUser is the built-in delete_user(username, host): the account
// removed (the data goes in deleteUser, after).
func umDeleteUser(L *lua.LState) int {
	user := L.CheckString(1)
	store, err := accountsOf(instanceOf(L), L.CheckString(2))
	if err == nil {
		err = store.data.Set(user, nil)
	}
	return result(L, lua.LTrue, err)
}

// onSuccess is call followed, when its first result is true, by after
// with call's arguments (four, missing ones nil), whose results replace
// call's when it gives any.
func onSuccess(call lua.LGFunction, after func(L *lua.LState, args [4]lua.LValue) int) lua.LGFunction {
	return func(L *lua.LState) int {
		var args [4]lua.LValue
		for i := range args {
			args[i] = L.Get(i + 1)
		}
		n := call(L)
		if n == 0 || !lua.LVAsBool(L.Get(L.GetTop()-n+1)) {
			return n
		}
		if m := after(L, args); m > 0 {
			return m
		}
		return n
	}
}

// fireGlobal fires event on the global bus (prosody.events) from L's
// instance with the fields given.
func fireGlobal(L *lua.LState, event string, fields map[string]lua.LValue) {
	t := L.NewTable()
	for k, v := range fields {
		t.RawSetString(k, v)
	}
	inst := instanceOf(L)
	inst.rt.fire("*", event, &argv{from: inst, local: []lua.LValue{t}})
}

// passwordChanged fires user-password-changed, with set_password's
// fourth argument, the resource.
func passwordChanged(L *lua.LState, args [4]lua.LValue) int {
	fireGlobal(L, "user-password-changed", map[string]lua.LValue{
		"username": args[0], "host": args[2], "resource": args[3]})
	return 0
}

// userDeleted fires user-deleted and answers with the purge of the
// user's data.
func userDeleted(L *lua.LState, args [4]lua.LValue) int {
	user, host := lua.LVAsString(args[0]), lua.LVAsString(args[1])
	fireGlobal(L, "user-deleted", map[string]lua.LValue{"username": args[0], "host": args[1]})
	return result(L, lua.LTrue, purgeUser(instanceOf(L), host, user))
}
