package compat

import (
	"sort"
	"strings"
	"text/tabwriter"
)

// sideBySide lines both hosts' states and sockets up in two columns, a
// socket only one host has facing a "-".
func sideBySide(p, m Outcome) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 3, ' ', 0)
	w.Write([]byte("  PROSODY\tMOONPORT\n"))
	for _, line := range pairs(p, m) {
		w.Write([]byte("  " + line[0] + "\t" + line[1] + "\n"))
	}
	w.Flush()
	return b.String()
}

// pairs is the state line, then one line per socket of either host.
func pairs(p, m Outcome) [][2]string {
	out := [][2]string{{p.State(), m.State()}}
	has := func(list []string, s string) bool {
		i := sort.SearchStrings(list, s)
		return i < len(list) && list[i] == s
	}
	all := append(append([]string(nil), p.Sockets...), m.Sockets...)
	sort.Strings(all)
	for i, s := range all {
		if i > 0 && all[i-1] == s {
			continue
		}
		line := [2]string{"-", "-"}
		if has(p.Sockets, s) {
			line[0] = s
		}
		if has(m.Sockets, s) {
			line[1] = s
		}
		out = append(out, line)
	}
	return out
}

// table is the comparison of every config that ran: its name and result on
// its first line, both hosts side by side below.
func table(rows []row) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	w.Write([]byte("CONFIG\tRESULT\tPROSODY\tMOONPORT\n"))
	for _, r := range rows {
		if !r.Ran {
			continue
		}
		for i, line := range pairs(r.Prosody, r.Moonport) {
			name, result := "", ""
			if i == 0 {
				name, result = r.Config.Name, r.Result
			}
			w.Write([]byte(name + "\t" + result + "\t" + line[0] + "\t" + line[1] + "\n"))
		}
	}
	w.Flush()
	b.WriteString("\nWhy (compat/differences.go):\n")
	for _, r := range rows {
		if r.Ran && r.Reason != "" {
			b.WriteString("  " + r.Config.Name + ": " + r.Reason + "\n")
		}
	}
	return b.String()
}
