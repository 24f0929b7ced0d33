package core

// KeptFiles lists the files this process writes or opens again later,
// which must stay writable by the user it drops privileges to: the log
// files, and the console cookie when the console will ask for it. The
// cookie is made now if it does not exist yet: the console makes it on
// first use, by which time the process may no longer be allowed to
// create files where it goes.
func (h *Host) KeptFiles() ([]string, error) {
	g := h.current()
	files := append([]string(nil), g.sinks.Files()...)
	if !h.consoleUsesCookie() {
		return files, nil
	}
	path := CookiePath(g.snap)
	if _, err := ReadOrMakeCookie(path); err != nil {
		return files, err
	}
	h.redact(g)
	return append(files, path), nil
}

// consoleUsesCookie reports whether a console is served whose secret is
// the cookie (no console_password, console_auth not turned off).
func (h *Host) consoleUsesCookie() bool {
	snap := h.Config()
	return h.Runtime.Service("console") != nil && snap.Options.ConsoleAuth && snap.Options.ConsolePassword == ""
}
