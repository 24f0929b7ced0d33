package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/moonport/moonport/internal/testenv"
)

// mailReader is a module that, as it loads, logs every message of the
// archive store "mail" of host "*" (the SMTP sink's, a global module's)
// one line each, in time order, the data's CR and LF written <CR>, <LF>.
const mailReader = `
local mail = assert(module:open_store("mail", "archive"))
local n = 0
for id, m, when, with in assert(mail:find(nil, {})) do
	n = n + 1
	local data = m.data:gsub("\r", "<CR>"):gsub("\n", "<LF>")
	module:log("info", "mail %s with=%s from=%s to=%s size=%d received=%s when=%s data=%s",
		id, with, m.from, table.concat(m.to, ","), m.size, tostring(m.received == when), tostring(when > 0), data)
end
module:log("info", "mail read %d", n)
`

// TestSMTPSinkStore: with smtp_sink_store, mod_smtp_sink keeps each
// message swaks sends in that archive store instead of a file (no
// smtp_sink_dir is read, so no missing folder is warned about): the reply
// names its id, and a second moonport, started on the same data folder
// after the first stopped, reads every message back with its sender,
// recipients, size and exact bytes (dot-stuffing undone).
func TestSMTPSinkStore(t *testing.T) {
	swaks := testenv.NeedTool(t, "swaks", "swaks libnet-ssleay-perl")
	bin := testenv.Binary(t)
	port := testenv.FreePort(t, "tcp4")
	data, mods := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(mods, "mod_mail_reader.lua"), []byte(mailReader), 0o644); err != nil {
		t.Fatal(err)
	}
	examples, _ := filepath.Abs("../examples/modules")
	config := func(module string) (cfg, logFile string) {
		logFile = filepath.Join(t.TempDir(), "moonport.log")
		return testenv.WriteConfig(t, fmt.Sprintf("plugin_paths = { %q, %q }\nmodules_enabled = { %q }\ninterfaces = { \"127.0.0.1\" }\n"+
			"smtp_ports = { %d }\nsmtp_sink_store = \"mail\"\nrun_as_root = true\nreload_on_change = false\ndata_path = %q\n"+
			"log = { { to = \"file\", filename = %q } }\n", examples, mods, module, port, data, logFile)), logFile
	}
	cfg, logFile := config("smtp_sink")
	sink := startMoonport(t, bin, cfg)
	waitLog(t, logFile, "Activated service 'smtp'", 1)
	msgs := []struct{ from, to, body string }{
		{"one@example.net", "a@localhost", "Subject: one\r\n\r\nfirst\r\n.a line that starts with a dot\r\n"},
		{"two@example.net", "b@localhost,c@localhost", "Subject: two\r\n\r\nsecond\r\n"},
	}
	queued := regexp.MustCompile(`250 2\.0\.0 OK: queued as (\S+)`)
	var ids []string
	for _, m := range msgs {
		file := filepath.Join(t.TempDir(), "msg.eml")
		os.WriteFile(file, []byte(strings.TrimSuffix(m.body, "\r\n")), 0o644)
		out, err := exec.Command(swaks, "--from", m.from, "--to", m.to, "--server", "127.0.0.1", "--port", fmt.Sprint(port),
			"--data", "@"+file, "--timeout", "10").CombinedOutput()
		id := queued.FindStringSubmatch(string(out))
		if err != nil || id == nil {
			t.Fatalf("swaks: %v\n%s", err, out)
		}
		ids = append(ids, id[1])
	}
	if ids[0] == ids[1] {
		t.Fatalf("two messages, one id %q", ids[0])
	}
	sinkLog := waitLog(t, logFile, "stored ", 2)
	if strings.Contains(sinkLog, "smtp_sink_dir") || strings.Contains(sinkLog, "level=warning msg=\"mod_smtp_sink") {
		t.Errorf("the sink read smtp_sink_dir or warned:\n%s", sinkLog)
	}
	sink.Process.Kill()
	sink.Wait()

	cfg, logFile = config("mail_reader")
	startMoonport(t, bin, cfg)
	got := waitLog(t, logFile, "mail read ", 1)
	if !strings.Contains(got, "mail read 2") {
		t.Fatalf("the reader did not find two messages:\n%s", got)
	}
	for i, m := range msgs {
		data := strings.NewReplacer("\r", "<CR>", "\n", "<LF>").Replace(m.body)
		want := fmt.Sprintf("mail %s with=%s from=%s to=%s size=%d received=true when=true data=%s",
			ids[i], m.from, m.from, m.to, len(m.body), data)
		if !strings.Contains(got, want) {
			t.Errorf("message %d: the reader logged no line\n%s\nin:\n%s", i, want, got)
		}
	}
}
