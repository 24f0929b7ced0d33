package admin

// Store is one store as the console's storage:stores() lists it.
type Store struct {
	Host, Name string
	Driver     string // internal, sql, memory
	Kind       string // keyval (map stores too) or archive
	Users      int    // users with data in it
}

func init() { commands["stores"] = (*Admin).stores }

// stores is storage:stores(host): one row a store holding data, of host
// or, without one, of every host.
func (a *Admin) stores(args args) (any, error) {
	list, err := a.host.Stores(args.str(0))
	if err != nil {
		return nil, err
	}
	rows := Rows{}
	for _, s := range list {
		rows = append(rows, Row{"host": s.Host, "store": s.Name, "driver": s.Driver, "type": s.Kind, "users": float64(s.Users)})
	}
	return rows, nil
}
