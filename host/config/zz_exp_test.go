package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestZZParseSpeed(t *testing.T) {
	for _, size := range []int{256 << 10, 512 << 10} {
		for _, kind := range []string{"assign", "lastref", "tablestr"} {
			var b strings.Builder
			i := 0
			for b.Len() < size {
				i++
				switch kind {
				case "assign":
					fmt.Fprintf(&b, "o%d=%d\n", i, i)
				case "lastref":
					if b.Len() < size/4 {
						fmt.Fprintf(&b, "o%d=%d\n", i, i)
					} else {
						b.WriteString("o2=o3\n")
					}
				case "tablestr":
					if b.Len() == 0 {
						b.WriteString("x={\n")
					}
					fmt.Fprintf(&b, "%d,", i)
				}
			}
			if kind == "tablestr" {
				b.WriteString("}\n")
			}
			start := time.Now()
			_, err := evaluate("x.cfg.lua", []byte(b.String()), 120*time.Second)
			t.Logf("%d KiB %s: %v err=%v", size>>10, kind, time.Since(start), err)
		}
	}
}
