package luaconfig

import (
	"os"
	"testing"
)

// BenchmarkEvaluateExample evaluates the commented example config.
func BenchmarkEvaluateExample(b *testing.B) {
	src, err := os.ReadFile("../../../examples/prosody.cfg.lua")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Evaluate("prosody.cfg.lua", src); err != nil {
			b.Fatal(err)
		}
	}
}
