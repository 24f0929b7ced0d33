package bridge

// Options the host acts on itself, which modules read as moonport has
// settled them: a module written for Prosody must not act on them a
// second time.
//
// pidfile reads as unset: moonport writes it once it is ready and hands
// it on at a zero-downtime upgrade (README, Operating moonport); Prosody's
// mod_posix, which writes and later removes it, would name a process that
// is not ready yet during an upgrade and remove the new process's file as
// the old one stops.
//
// run_as_root reads as true: moonport itself either becomes prosody_user
// once its ports are bound or refuses root (exit code 5) unless the
// operator allowed it, but modules load before that, as root. Prosody
// loads them after changing user, so its mod_posix takes root at load
// time for a mistake and stops the server.
var hostOwnedOptions = map[string]struct {
	value any
	why   string
}{
	"pidfile":     {nil, "reads as unset in modules: moonport writes the pidfile itself (it follows upgrades)"},
	"run_as_root": {true, "reads as true in modules: moonport runs as prosody_user once its ports are bound, or refuses root itself"},
}

// hostOwned is the value a module reads for name when it is one of
// hostOwnedOptions, saying so in the log the first time the instance
// asks.
func (inst *Instance) hostOwned(name string) (any, bool) {
	o, ok := hostOwnedOptions[name]
	if ok && !inst.toldOwned[name] {
		if inst.toldOwned == nil {
			inst.toldOwned = map[string]bool{}
		}
		inst.toldOwned[name] = true
		inst.log.Infof("Option %s %s", name, o.why)
	}
	return o.value, ok
}
