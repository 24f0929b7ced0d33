module github.com/moonport/moonport

go 1.26.8

require (
	github.com/coreos/go-systemd/v22 v22.7.0
	github.com/fsnotify/fsnotify v1.10.1
	github.com/mtibben/confusables v0.0.0-20210201002637-9d1b0723b659
	github.com/pires/go-proxyproto v0.8.1
	github.com/prometheus/client_model v0.6.1
	github.com/prometheus/common v0.62.0
	github.com/sirupsen/logrus v1.10.2
	github.com/xdg-go/stringprep v1.0.4
	github.com/yuin/gopher-lua v1.1.2
	golang.org/x/net v0.62.0
	golang.org/x/sys v0.50.0
	golang.org/x/term v0.48.0
	golang.org/x/text v0.44.0
	golang.org/x/time v0.16.0
)

require (
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	google.golang.org/protobuf v1.36.1 // indirect
)

// A fork of v1.1.2 with one compiler fix (multiple assignment,
// yuin/gopher-lua#440): see third_party/gopher-lua/MOONPORT.md.
replace github.com/yuin/gopher-lua => ./third_party/gopher-lua
