package bridge

// Options the host acts on itself, which modules read as unset: a module
// written for Prosody must not act on them a second time. pidfile is
// written by moonport once it is ready and follows zero-downtime upgrades
// (README, Operating moonport); Prosody's mod_posix, which writes and
// later removes it, would name a process that is not ready yet during an
// upgrade and remove the new process's file as the old one stops.
var hostOwnedOptions = map[string]string{
	"pidfile": "moonport writes the pidfile itself (it follows upgrades)",
}

// hostOwned reports whether name is one of hostOwnedOptions, saying so
// in the log the first time the instance asks.
func (inst *Instance) hostOwned(name string) bool {
	why, ok := hostOwnedOptions[name]
	if ok && !inst.toldOwned[name] {
		if inst.toldOwned == nil {
			inst.toldOwned = map[string]bool{}
		}
		inst.toldOwned[name] = true
		inst.log.Infof("Option %s reads as unset in modules: %s", name, why)
	}
	return ok
}
