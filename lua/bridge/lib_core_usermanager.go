package bridge

import (
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// require "core.usermanager": Prosody's user manager over the account
// store of lib_core_usermanager_store.go — what modules that check
// passwords (mod_net_dovecotauth) or manage accounts use; the writes are
// lib_core_usermanager_write.go's. The SASL handler it gives
// offers what Prosody's does for the same provider: PLAIN, checked
// against the store like Prosody's, and SCRAM
// (lib_core_usermanager_scram.go).

func init() { registerLibrary("core.usermanager", funcsLibrary(usermanagerFuncs)) }

// usermanagerFuncs go to a module's provider when the host has one
// (lib_core_usermanager_provider.go), else to the account store.
var usermanagerFuncs = map[string]lua.LGFunction{
	"test_password":    viaProvider("test_password", 2, umTestPassword),
	"user_exists":      viaProvider("user_exists", 2, umUserExists),
	"get_password":     viaProvider("get_password", 2, umGetPassword),
	"users":            viaProvider("users", 1, umUsers),
	"get_provider":     viaProvider("", 1, umGetProvider),
	"get_sasl_handler": viaProvider("get_sasl_handler", 1, umGetSASLHandler),
	"set_password":     onSuccess(viaProvider("set_password", 3, umSetPassword), passwordChanged),
	"create_user":      viaProvider("create_user", 3, umCreateUser),
	"delete_user":      onSuccess(viaProvider("delete_user", 2, umDeleteUser), userDeleted),
	// initialize_host has nothing to do: the store is read at each call.
	"initialize_host": func(*lua.LState) int { return 0 },
}

// Prosody's answers, which clients such as Dovecot's may show.
const (
	msgBadPassword = "Auth failed. Invalid username, password, or password hash information."
	msgNoUser      = "Auth failed. Invalid username"
	msgNotAuthz    = "Unable to authorize you with the authentication credentials you've sent."
	msgBadRequest  = "Invalid username or password."
)

// pushFail returns nil and why.
func pushFail(L *lua.LState, why string) int {
	L.Push(lua.LNil)
	L.Push(lua.LString(why))
	return 2
}

// prep runs a stringprep profile of util.encodings ("saslprep",
// "nodeprep") on s, as Prosody's SASL code does; false when s fails it.
func prep(L *lua.LState, profile, s string) (string, bool) {
	L.Push(L.GetGlobal("require"))
	L.Push(lua.LString("util.encodings"))
	L.Call(1, 1)
	fn := L.GetField(L.GetField(L.Get(-1), "stringprep"), profile)
	L.Pop(1)
	L.Push(fn)
	L.Push(lua.LString(s))
	L.Call(1, 1)
	out, ok := L.Get(-1).(lua.LString)
	L.Pop(1)
	return string(out), ok
}

// testPassword is test_password(user, host, password): "" when it is
// user's password, else why not.
func testPassword(L *lua.LState, user, host, password string) string {
	store, err := accountsOf(instanceOf(L), host)
	if err != nil {
		return err.Error()
	}
	password, ok := prep(L, "saslprep", password)
	if !ok {
		return "Password fails SASLprep."
	}
	a, err := store.get(user)
	if err != nil {
		instanceOf(L).log.Errorf("Reading the account store: %v", err)
		return "Error reading storage"
	}
	if a == nil || !store.verify(a, password) {
		return msgBadPassword
	}
	return ""
}

// umTestPassword is test_password(username, host, password): true, or
// nil and why not.
func umTestPassword(L *lua.LState) int {
	if why := testPassword(L, L.CheckString(1), L.CheckString(2), L.CheckString(3)); why != "" {
		return pushFail(L, why)
	}
	L.Push(lua.LTrue)
	return 1
}

// accountOf reads user's account on host; nil and why when it cannot.
func accountOf(L *lua.LState, user, host string) (*account, string) {
	store, err := accountsOf(instanceOf(L), host)
	if err != nil {
		return nil, err.Error()
	}
	a, err := store.get(user)
	if err != nil {
		return nil, err.Error()
	}
	if a == nil {
		return nil, msgNoUser
	}
	return a, ""
}

// umUserExists is user_exists(username, host): true, or nil and why not.
func umUserExists(L *lua.LState) int {
	if _, why := accountOf(L, L.CheckString(1), L.CheckString(2)); why != "" {
		return pushFail(L, why)
	}
	L.Push(lua.LTrue)
	return 1
}

// umGetPassword is get_password(username, host): an internal_plain
// account's password; a hashed one has none to give.
func umGetPassword(L *lua.LState) int {
	a, why := accountOf(L, L.CheckString(1), L.CheckString(2))
	switch {
	case why != "":
		return pushFail(L, why)
	case a.password == "":
		return pushFail(L, "the password is stored hashed")
	}
	L.Push(lua.LString(a.password))
	return 1
}

// umUsers is users(host): an iterator over the user names.
func umUsers(L *lua.LState) int {
	store, err := accountsOf(instanceOf(L), L.CheckString(1))
	var names []string
	if err == nil {
		names, err = store.users()
	}
	if err != nil {
		return pushFail(L, err.Error())
	}
	return pushNames(L, names)
}

// builtinFuncs are the built-in provider's functions, with the
// library's arguments: a provider's methods change the store only, the
// events and the purge are the library's (as Prosody's providers leave
// them to core.usermanager).
var builtinFuncs = map[string]lua.LGFunction{
	"test_password":    umTestPassword,
	"user_exists":      umUserExists,
	"get_password":     umGetPassword,
	"users":            umUsers,
	"get_sasl_handler": umGetSASLHandler,
	"set_password":     umSetPassword,
	"create_user":      umCreateUser,
	"delete_user":      umDeleteUser,
}

// providerSrc builds a provider object over builtinFuncs (Prosody's
// provider methods take no host: the object is the host's).
const providerSrc = `local um, host, name = ...
return {
	name = name,
	test_password = function(user, password) return um.test_password(user, host, password) end,
	user_exists = function(user) return um.user_exists(user, host) end,
	get_password = function(user) return um.get_password(user, host) end,
	set_password = function(user, password) return um.set_password(user, password, host) end,
	create_user = function(user, password) return um.create_user(user, password, host) end,
	delete_user = function(user) return um.delete_user(user, host) end,
	users = function() return um.users(host) end,
	get_sasl_handler = function(session) return um.get_sasl_handler(host, session) end,
}`

// umGetProvider is get_provider(host): Prosody's provider object of the
// host, its methods without the host argument.
func umGetProvider(L *lua.LState) int {
	host := L.CheckString(1)
	store, err := accountsOf(instanceOf(L), host)
	if err != nil {
		return pushFail(L, err.Error())
	}
	build, err := L.LoadString(providerSrc)
	if err != nil {
		panic(err) // providerSrc is a constant
	}
	L.Push(build)
	L.Push(L.SetFuncs(L.NewTable(), builtinFuncs, instanceOf(L).ud))
	L.Push(lua.LString(host))
	L.Push(lua.LString(store.provider))
	L.Call(3, 1)
	return 1
}

// saslMethods are the methods of a SASL handler (self is the handler
// table: realm, username once known, selected).
var saslMethods = map[string]lua.LGFunction{
	"mechanisms":  saslMechanisms,
	"clean_clone": saslCleanClone,
	"select":      saslSelect,
	"process":     saslProcess,
}

// umGetSASLHandler is get_sasl_handler(host, session): a handler of
// Prosody's util.sasl shape offering PLAIN, checked with test_password,
// and SCRAM.
func umGetSASLHandler(L *lua.LState) int {
	host := L.CheckString(1)
	if _, err := accountsOf(instanceOf(L), host); err != nil {
		return pushFail(L, err.Error())
	}
	mt := L.NewTable()
	mt.RawSetString("__index", L.SetFuncs(L.NewTable(), saslMethods, instanceOf(L).ud))
	L.Push(newSASLHandler(L, host, mt))
	return 1
}

// newSASLHandler is a fresh handler for realm with the methods of mt.
func newSASLHandler(L *lua.LState, realm string, mt lua.LValue) *lua.LTable {
	h := L.NewTable()
	h.RawSetString("realm", lua.LString(realm))
	L.SetMetatable(h, mt)
	return h
}

// saslMechanisms is handler:mechanisms(): the set of mechanisms offered.
func saslMechanisms(L *lua.LState) int {
	t := L.NewTable()
	for _, m := range offered(L, L.CheckTable(1)) {
		t.RawSetString(m, lua.LTrue)
	}
	L.Push(t)
	return 1
}

// offered are the mechanisms of handler h: PLAIN and the SCRAM ones of
// its realm's store (lib_core_usermanager_scram.go).
func offered(L *lua.LState, h *lua.LTable) []string {
	store, err := accountsOf(instanceOf(L), lua.LVAsString(h.RawGetString("realm")))
	if err != nil {
		return []string{"PLAIN"}
	}
	return append([]string{"PLAIN"}, scramMechanisms(store)...)
}

// saslCleanClone is handler:clean_clone(): a new handler for the realm.
func saslCleanClone(L *lua.LState) int {
	h := L.CheckTable(1)
	L.Push(newSASLHandler(L, lua.LVAsString(h.RawGetString("realm")), L.GetMetatable(h)))
	return 1
}

// saslSelect is handler:select(mech): true once, for an offered mechanism.
func saslSelect(L *lua.LState) int {
	h := L.CheckTable(1)
	mech := L.OptString(2, "")
	if h.RawGetString("selected") != lua.LNil || !slices.Contains(offered(L, h), mech) {
		return 0
	}
	h.RawSetString("selected", lua.LString(mech))
	L.Push(lua.LTrue)
	return 1
}

// saslProcess is handler:process(message) for PLAIN (RFC 4616:
// authzid NUL authcid NUL password, the authzid unused as in Prosody):
// "success", or "failure", the condition and a text.
func saslProcess(L *lua.LState) int {
	h := L.CheckTable(1)
	fail := func(cond, text string) int {
		L.Push(lua.LString("failure"))
		L.Push(lua.LString(cond))
		if text == "" {
			return 2
		}
		L.Push(lua.LString(text))
		return 3
	}
	msg, ok := L.Get(2).(lua.LString)
	if mech := lua.LVAsString(h.RawGetString("selected")); mech != "PLAIN" && scramHashes[mech] != nil {
		answer := scramProcess(L, h, mech, string(msg))
		for _, a := range answer {
			L.Push(lua.LString(a))
		}
		return len(answer)
	}
	if !ok {
		return fail("malformed-request", "")
	}
	user, password, ok := splitPlain(string(msg))
	if !ok {
		return fail("malformed-request", "")
	}
	user, okUser := prep(L, "saslprep", user)
	password, okPass := prep(L, "saslprep", password)
	if okUser && user != "" {
		user, okUser = prep(L, "nodeprep", user)
	}
	if !okUser || !okPass || user == "" || password == "" {
		return fail("malformed-request", msgBadRequest)
	}
	h.RawSetString("username", lua.LString(user))
	if testPassword(L, user, lua.LVAsString(h.RawGetString("realm")), password) != "" {
		return fail("not-authorized", msgNotAuthz)
	}
	L.Push(lua.LString("success"))
	return 1
}

// splitPlain takes a PLAIN message apart as Prosody's pattern does: an
// authzid without NUL, a non-empty authcid, a non-empty password up to
// the next NUL.
func splitPlain(msg string) (user, password string, ok bool) {
	_, rest, ok := strings.Cut(msg, "\x00")
	if !ok {
		return "", "", false
	}
	user, password, ok = strings.Cut(rest, "\x00")
	password, _, _ = strings.Cut(password, "\x00")
	return user, password, ok && user != "" && password != ""
}
