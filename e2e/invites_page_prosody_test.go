package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// inviteToken is the account invite the test writes into Prosody's data
// folder (mod_invites' "invite_token" map store on example.com), valid
// until 2100.
const inviteToken = "e2eInviteToken42"

// TestInvitesPageAnswersAsProsody: prosody-modules' mod_invites_page
// reads invites through module:depends("invites") (invites.get, a global
// function of mod_invites, which lives in another Lua state in moonport).
// For a valid token, an unknown one and none, moonport's page is Prosody's:
// the status, the Content-Type and the body.
func TestInvitesPageAnswersAsProsody(t *testing.T) {
	testenv.NeedRoot(t)
	prosody := testenv.NeedTool(t, "prosody", "prosody")
	needModule(t, "invites_page")
	bin := testenv.Binary(t)
	dir, data := prosodyDirs(t)
	host := filepath.Join(data, "example%2ecom")
	os.MkdirAll(host, 0o750)
	invite := fmt.Sprintf("return {\n\t[%q] = { type = \"register\"; token = %q; allow_registration = true; uri = \"xmpp:example.com?register;preauth=%s\"; created_at = 1700000000; expires = 4102444800; };\n};\n",
		inviteToken, inviteToken, inviteToken)
	if err := os.WriteFile(filepath.Join(host, "invite_token.dat"), []byte(invite), 0o640); err != nil {
		t.Fatal(err)
	}
	chownProsody(t, data)
	p := testenv.FreePorts(t, 2)
	// The same external URL for both, so the pages' links are the same.
	common := func(port int) string {
		return fmt.Sprintf("data_path = %q\nplugin_paths = { %q }\nmodules_disabled = { \"c2s\", \"s2s\" }\n"+
			"http_ports = { %d }\nhttp_interfaces = { \"127.0.0.1\" }\nhttps_ports = { }\nhttp_external_url = \"https://invite.example/\"\n"+
			"VirtualHost \"example.com\"\nmodules_enabled = { \"invites\", \"invites_page\" }\n", data, prosodyModules, port)
	}
	testenv.Start(t, prosody, testenv.Args("--config", writeProsodyConfig(t, dir, data, common(p[0])), "-F"))
	logFile := filepath.Join(dir, "moonport.log")
	testenv.Start(t, bin, testenv.Config(testenv.WriteConfig(t, fmt.Sprintf("run_as_root = true\nlog = { { to = \"file\", filename = %q } }\n", logFile)+common(p[1]))))
	for _, query := range []string{"?" + inviteToken, "?unknownToken", ""} {
		wantStatus, wantType, wantBody := httpGet(t, p[0], "example.com", "/invites_page"+query)
		status, ctype, body := httpGet(t, p[1], "example.com", "/invites_page"+query)
		if wantStatus != 200 {
			t.Fatalf("%s: Prosody answered %d %q", query, wantStatus, wantBody)
		}
		if status != wantStatus || ctype != wantType || body != wantBody {
			log, _ := os.ReadFile(logFile)
			t.Errorf("%s: moonport answered %d %q\n%s\nProsody %d %q\n%s\nmoonport's log:\n%s", query, status, ctype, body, wantStatus, wantType, wantBody, log)
		}
	}
	if _, _, body := httpGet(t, p[0], "example.com", "/invites_page?"+inviteToken); !strings.Contains(body, "preauth="+inviteToken) {
		t.Errorf("Prosody's page for the invite does not show it: %s", body)
	}
}
