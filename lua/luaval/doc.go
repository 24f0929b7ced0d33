// Package luaval converts values between Lua states and plain Go data.
//
// Config options and shared state must outlive the Lua state that produced
// them and be readable from others, so they are held in host/value's model:
// nil, bool, float64, string and *value.Table. This package owns the two
// conversions (ToGo, ToLua) and gopher-lua's syntax messages; it knows
// nothing of config files, modules or sockets.
//
// # Two copy models
//
// moonport copies Lua values in two ways. This package is the one for data
// that leaves Lua for good or for a while (the host, a file, a state that
// has closed); lua/bridge/crossstate.go (export, importX) is the one for a
// value passed from one live state to another within one call or event.
//
// Users of ToGo/ToLua: host/config/luaconfig (option values; functions as
// *value.Function, ToGoFunctions), the bridge's storage (module_store.go,
// module_store_archive.go, lib_util_datamanager.go), module.save/restore
// (module_load.go, with Refs for connections), module:get_option and
// module_options.go, admin console arguments and results
// (lib_moonport_admin.go), conn_api.go, module_workers.go,
// lib_net_server.go, sslconfig.go (TLS tables with callbacks), runtime.go,
// lib_core_portmanager.go, and http_events.go's results (after its own
// scalar, portable and special cases; a table it cannot copy stays local).
// Users of export/importX: argv (module_events.go: events and their
// handlers' results; module_items.go: items; calls through a function
// proxy; lib_core_usermanager_write.go's events), module:shared proxies
// and kept contents (shared.go), module:depends environments
// (depends_env.go). Shared dictionaries (lib_moonport_shared.go) use
// neither: they take only a string, number or boolean (shareddict.Value).
//
// Where the rules differ (luaval / crossstate):
//
//   - failure: ToGo returns an error (*ErrFunction "a function cannot be
//     used here; ...", "tables cannot be used as keys", "table nested
//     more than 64 levels deep (a cycle?)"); export never fails: what
//     cannot cross becomes nil, and a key that imports as nil drops its
//     entry;
//   - functions: an error (or conv's value, *value.Function for config;
//     ToLua makes it a function that fails naming where it was defined) /
//     a proxy running the original in its own state, itself again when it
//     goes home;
//   - userdata: a Referable becomes a Ref in both (connections); any other
//     is an error / nil, except portable objects, made anew in the target
//     state (portable.go); threads and channels: an error / nil;
//   - tables: a copy into *value.Table with array part 1..#t and the rest
//     hashed, tables not allowed as keys, a table met twice copied twice,
//     a cycle or more than 64 levels an error / a copy of every pair in
//     any order, tables allowed as keys, sharing and cycles kept (a seen
//     map), no depth limit;
//   - metatables: dropped / dropped, except a registered library's
//     (crossmeta.go: util.error, util.stanza, util.set, ...), whose copy
//     gets the receiving state's metatable;
//   - ToLua keeps a list's holes where they were and drops a Ref that
//     resolves to nothing; importX has no list part to keep.
//
// Neither can serve where the other is used without changing behaviour.
// ToGo's output must be plain data the host packages read without
// gopher-lua and that outlives every state (an xfunc holds its owner's
// state; a proxy cannot be stored), and storage and config must report a
// function or a cycle rather than store nil. Values crossing states must
// keep functions, identity, cycles and library objects, which ToGo refuses
// or loses.
//
// What they share is the walk itself: the scalar cases, Referable as Ref,
// and the pair-by-pair copy of a table. The follow-up that removes it: a
// walker here (a func(lua.LValue) visiting scalars, tables with a seen
// map, and a hook for what else a value may be) that toGo and
// Instance.exportSeen both call, toGo keeping its depth limit and errors
// as hooks; it changes crossstate.go, which another helper was editing
// when this survey was written, so it was left for a later round.
package luaval
