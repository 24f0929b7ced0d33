package luaconfig

import (
	"strings"
	"testing"
	"time"

	"github.com/moonport/moonport/host/config"
)

// FuzzEvaluate feeds arbitrary source to the evaluator: it may refuse it,
// but must neither panic nor hang, and an error must name a place.
func FuzzEvaluate(f *testing.F) {
	for _, seed := range []string{
		"", "a = 1", `VirtualHost "x" { a = 1 }`, `Component "c" "muc" { b = { 1, 2, x = "y" } }`,
		"c2s_ports = { 5222, \"[::1]:5223\" }\nVirtualHost \"h\"\n\tc2s_ports = 1", "x = = 1", "while true do end",
		"for i = 1, 10 do _G = i end", "x = ENV_HOME", "io.open('x')", "Include 'missing.lua'", string([]byte{0xff, 0xfe, 0}),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		s, err := evaluate("fuzz.cfg.lua", []byte(src), 200*time.Millisecond)
		if err != nil {
			if ce, ok := err.(*config.Error); ok && ce.Message == "" {
				t.Fatalf("an error without a message for %q", src)
			}
			return
		}
		if s.Global == nil {
			t.Fatal("no global section")
		}
		for _, w := range s.Warnings {
			if !strings.Contains(w.String(), ":") {
				t.Fatalf("a warning without a place: %q", w)
			}
		}
	})
}
