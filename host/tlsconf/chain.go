package tlsconf

import (
	"fmt"

	"github.com/moonport/moonport/host/config"
	"github.com/moonport/moonport/host/ports"
	"github.com/moonport/moonport/host/value"
)

// link is one table of a binding's chain, with how the operator names it
// and where it was written, for messages about its keys.
type link struct {
	t     *value.Table
	name  string // "ssl", "https_ssl[\"127.0.0.1\"]", "ssl_config of service 's2s'"
	where string // "file:line"
}

// chain is the ssl tables that apply to a binding, most specific first.
type chain []link

// lookup returns the first value of key along the chain.
func (c chain) lookup(key string) any {
	v, _ := c.find(key)
	return v
}

// find is lookup that also tells which table held the value. A function
// is skipped (audit warns about it) except for alpn, the one key whose
// functions moonport calls.
func (c chain) find(key string) (any, link) {
	for _, l := range c {
		if l.t == nil {
			continue
		}
		v := l.t.Field(key)
		if _, fn := v.(*value.Function); fn && key != "alpn" {
			continue
		}
		if v != nil {
			return v, l
		}
	}
	return nil, link{}
}

// sslExample is what an ssl option looks like, for the error when one
// is not a table.
const sslExample = `{ certificate = "…", key = "…" }`

// option reads a global option that must be a table (or be unset), with
// where it was set.
func (b *Builder) option(name string) (*value.Table, config.Location, error) {
	t, err := b.snap.GlobalTable(name, sslExample)
	o, _ := b.snap.Get("*", name)
	return t, o.Location, err
}

func sub(t *value.Table, k any) *value.Table {
	if t == nil {
		return nil
	}
	s, _ := t.Get(k).(*value.Table)
	return s
}

// chain lists the ssl tables that apply to a binding, most specific
// first, in Prosody's order: the named listener's tls table, then
// N_ssl[interface], N_ssl[port], N_ssl (or ssl when N_ssl is unset), the
// service's own defaults, ssl[interface], ssl[port], and under them all
// the global ssl table as the base.
func (b *Builder) chain(bind ports.Binding, prefix string, own *value.Table) (chain, error) {
	global, globalAt, err := b.option("ssl")
	if err != nil {
		return nil, err
	}
	svc, svcAt, err := b.option(prefix + "ssl")
	if err != nil {
		return nil, err
	}
	svcName := prefix + "ssl"
	if svc == nil {
		svc, svcAt, svcName = global, globalAt, "ssl"
	}
	iface := bind.Address.String()
	port := float64(bind.Port)
	ownWhere := ""
	if own != nil {
		ownWhere = own.Origin
	}
	return chain{
		{bind.TLS, "listeners." + bind.Listener + ".tls", bind.Source.String()},
		{sub(svc, iface), fmt.Sprintf("%s[%q]", svcName, iface), svcAt.String()},
		{sub(svc, port), fmt.Sprintf("%s[%d]", svcName, bind.Port), svcAt.String()},
		{svc, svcName, svcAt.String()},
		{own, fmt.Sprintf("ssl_config of service '%s'", bind.Service), ownWhere},
		{sub(global, iface), fmt.Sprintf("ssl[%q]", iface), globalAt.String()},
		{sub(global, port), fmt.Sprintf("ssl[%d]", bind.Port), globalAt.String()},
		{global, "ssl", globalAt.String()},
	}, nil
}
