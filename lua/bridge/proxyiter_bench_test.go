package bridge

import "testing"

// benchIterModule loops over a plain table with next and pairs (the
// state's next is installNext's, which checks for a proxy first), and
// over a module:shared proxy of a 10-key table another module owns.
const benchIterModule = `
local small = {a = 1, b = 2, c = 3}
local shared = module:shared("/*/owner/sessions")
function next_loop() local n = 0; for _ = 1, 100 do for k in next, small do n = n + 1 end end; return n end
function next_empty() local n = 0; for _ = 1, 100 do if next(small) ~= nil then n = n + 1 end end; return n end
function pairs_loop() local n = 0; for _ = 1, 100 do for k in pairs(small) do n = n + 1 end end; return n end
function proxy_pairs() local n = 0; for k in pairs(shared) do n = n + 1 end; return n end
`

const benchIterOwner = `
local s = module:shared("sessions")
for i = 1, 10 do s["k" .. i] = { id = i } end
`

func BenchmarkModuleIterate(b *testing.B) {
	for _, fn := range []string{"next_loop", "next_empty", "pairs_loop", "proxy_pairs"} {
		b.Run(fn, func(b *testing.B) {
			tr := newTestRuntime(b, "", map[string]string{"owner": benchIterOwner, "iter": benchIterModule})
			tr.load(b, "owner")
			inst := tr.load(b, "iter")
			if _, err := callGlobal(inst, fn); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := callGlobal(inst, fn); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
