package core

import "github.com/moonport/moonport/host/admin"

// KeptFiles lists the files this process writes or opens again later,
// which must stay writable by the user it drops privileges to: the log
// files, and the console cookie when the console will ask for it. The
// cookie is made now if it does not exist yet: the console makes it on
// first use, by which time the process may no longer be allowed to
// create files where it goes.
func (h *Host) KeptFiles() ([]string, error) {
	g := h.current()
	files := append([]string(nil), g.sinks.Files()...)
	access := ConsoleAccess(g.snap)
	if h.Runtime.Service(admin.Service) == nil || !access.UsesCookie() {
		return files, nil
	}
	path := access.CookieFile
	if _, err := admin.ReadOrMakeCookie(path); err != nil {
		return files, err
	}
	h.redact(g)
	return append(files, path), nil
}
