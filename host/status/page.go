package status

import (
	"html/template"
	"io"
	"slices"
	"strings"
	"time"
)

var page = template.Must(template.New("status").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>moonport status</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin-bottom:1.5em}
th,td{border:1px solid #ccc;padding:.3em .7em;text-align:left}
th{background:#f0f0f0}
</style></head><body>
<h1>moonport {{.Version}}</h1>
<p>Up {{.Uptime}} · {{.Connections}} connection(s) · last reload: {{.Reload}}</p>
<h2>Listeners</h2>
<table id="listeners"><thead><tr><th>Service</th><th>Listener</th><th>Address</th><th>Encryption</th><th>Open</th><th>Accepted</th><th>Refused</th></tr></thead><tbody>
{{range .Listeners}}<tr><td>{{.Service}}</td><td>{{.Listener}}</td><td>{{.AddrPort}}</td><td>{{.Encryption}}</td><td>{{.Open}}</td><td>{{.Accepted}}</td><td>{{.Refused}}</td></tr>
{{end}}</tbody></table>
<h2>Modules</h2>
<table id="modules"><thead><tr><th>Module</th><th>Host</th><th>Services</th><th>Status</th></tr></thead><tbody>
{{range .Modules}}<tr><td>{{.Name}}</td><td>{{.Host}}</td><td>{{.Services}}</td><td>{{.Status}}</td></tr>
{{end}}</tbody></table>
</body></html>
`))

// pageModule is a module as the page lists it: its services sorted, in
// one cell.
type pageModule struct{ Name, Host, Services, Status string }

// WritePage writes the status page of s: plain HTML, no external assets.
func WritePage(w io.Writer, s Snapshot) error {
	data := struct {
		Version, Uptime, Reload string
		Connections             int
		Listeners               []Listener
		Modules                 []pageModule
	}{Version: s.Version, Uptime: s.Uptime.Round(time.Second).String(), Connections: s.Connections, Reload: "never", Listeners: s.Listeners}
	if r := s.Reloads; !r.Last.IsZero() {
		data.Reload = r.Last.UTC().Format(time.RFC3339)
		if r.LastError != "" {
			data.Reload += " (failed: " + r.LastError + ")"
		}
	}
	for _, m := range s.Modules {
		names := slices.Sorted(slices.Values(m.Services))
		data.Modules = append(data.Modules, pageModule{m.Name, m.Host, strings.Join(names, ", "), m.Status})
	}
	return page.Execute(w, data)
}
