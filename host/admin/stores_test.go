package admin

import (
	"reflect"
	"testing"
)

func (f *fakeHost) Stores(host string) ([]Store, error) {
	var out []Store
	for _, s := range []Store{{"a.example", "notes", "sql", "keyval", 2}, {"b.example", "marks", "internal", "archive", 1}} {
		if host == "" || s.Host == host {
			out = append(out, s)
		}
	}
	return out, nil
}

// stores answers one row a store, for every host or one.
func TestStores(t *testing.T) {
	a := New(&fakeHost{}, nil)
	got, err := a.Call("stores", []any{"a.example"})
	want := Rows{{"host": "a.example", "store": "notes", "driver": "sql", "type": "keyval", "users": 2.0}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("stores(a.example) = %v %v", got, err)
	}
	if got, _ := a.Call("stores", nil); len(got.(Rows)) != 2 {
		t.Errorf("stores() = %v", got)
	}
}
