module github.com/moonport/moonport

go 1.26.8

require (
	github.com/fsnotify/fsnotify v1.10.1
	github.com/pires/go-proxyproto v0.8.1
	github.com/sirupsen/logrus v1.10.2
	github.com/yuin/gopher-lua v1.1.2
	golang.org/x/term v0.48.0
	golang.org/x/time v0.16.0
)

require golang.org/x/sys v0.50.0 // indirect
