package check

import "github.com/moonport/moonport/host/privilege"

// RunAsPlan is what decides whom a server started now runs as: whether it
// starts as root, and the config's prosody_user, prosody_group and
// run_as_root.
type RunAsPlan struct {
	Root         bool
	ProsodyUser  string
	ProsodyGroup string
	RunAsRoot    bool
}

// RunAs judges that plan as serving would (cli's dropRoot): root needs
// someone to become — prosody_user, else the user prosody as Prosody does
// — or run_as_root = true; otherwise serving exits 5 right after binding,
// which a check that passed must not leave for the operator to find.
func RunAs(p RunAsPlan) Results {
	var r Results
	switch {
	case !p.Root:
		r.add(Pass, "not started as root: runs as the current user")
	case p.ProsodyUser != "":
		if _, err := privilege.Lookup(p.ProsodyUser, p.ProsodyGroup); err != nil {
			r.add(Fail, "%v: serving would exit 5 (name a user that exists)", err)
		} else {
			r.add(Pass, "root drops to prosody_user %q after binding", p.ProsodyUser)
		}
	case p.RunAsRoot:
		r.add(Pass, "run_as_root = true: the server stays root, as asked (prosody_user would drop privileges after binding)")
	case privilege.Exists(privilege.DefaultUser):
		r.add(Pass, "root without prosody_user switches to the user %q after binding, as Prosody does", privilege.DefaultUser)
	default:
		r.add(Fail, "started as root without prosody_user, run_as_root or a user %q: serving would exit 5 (set prosody_user = \"…\" or run_as_root = true)", privilege.DefaultUser)
	}
	return r
}
