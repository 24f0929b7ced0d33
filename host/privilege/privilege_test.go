package privilege

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestLookupKeepsSupplementaryGroups: like Prosody's switch_user
// (initgroups), the identity keeps the groups that list the user as a
// member — a key readable by ssl-cert stays readable for a member.
func TestLookupKeepsSupplementaryGroups(t *testing.T) {
	b, err := os.ReadFile("/etc/group")
	if err != nil {
		t.Skip(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 4 || f[3] == "" {
			continue
		}
		member := strings.Split(f[3], ",")[0]
		if !Exists(member) {
			continue
		}
		gid, _ := strconv.Atoi(f[2])
		id, err := Lookup(member, "")
		if err != nil {
			t.Fatal(err)
		}
		if id.Groups[0] != id.GID || !slices.Contains(id.Groups, gid) {
			t.Errorf("%s: groups %v, want its primary group %d first and %s (%d)", member, id.Groups, id.GID, f[0], gid)
		}
		return
	}
	t.Skip("no group on this machine lists a member")
}

func TestLookupNamedGroup(t *testing.T) {
	id, err := Lookup("root", "root")
	if err != nil || id.UID != 0 || id.GID != 0 || id.Groups[0] != 0 {
		t.Errorf("root/root: %+v %v", id, err)
	}
	if _, err := Lookup("root", "no-such-group-here"); err == nil || !strings.Contains(err.Error(), `prosody_group "no-such-group-here"`) {
		t.Errorf("unknown group: %v", err)
	}
	if Exists("no-such-user-here") || !Exists("root") {
		t.Error("Exists")
	}
}
