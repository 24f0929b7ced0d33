package check

import (
	"strings"
	"testing"
)

func TestRunAs(t *testing.T) {
	cases := []struct {
		plan RunAsPlan
		want Level
		says string
	}{
		{RunAsPlan{}, Pass, "current user"},
		{RunAsPlan{Root: true, ProsodyUser: "root"}, Pass, `prosody_user "root"`},
		{RunAsPlan{Root: true, ProsodyUser: "moonport-no-such-user"}, Fail, `prosody_user "moonport-no-such-user"`},
		{RunAsPlan{Root: true, RunAsRoot: true}, Pass, "run_as_root = true"},
	}
	for _, c := range cases {
		r := RunAs(c.plan)
		if len(r) != 1 || r[0].Level != c.want || !strings.Contains(r[0].Message, c.says) {
			t.Errorf("RunAs(%+v) = %v, want one %v saying %q", c.plan, r, c.want, c.says)
		}
	}
}
