package storage

// Stores lists the stores of host ("" for every host) that hold data,
// with how many users have data in each (the host's own data, user "",
// is no user, as the other drivers count): keyval/map stores from
// "prosody", archives from "prosodyarchive".
func (s *SQL) Stores(host string) ([]StoreInfo, error) {
	out := []StoreInfo{}
	err := s.inReadTx(func(t tx) error {
		for _, tb := range []struct {
			table string
			kind  StoreKind
		}{{"prosody", KindKeyval}, {"prosodyarchive", KindArchive}} {
			q := `SELECT "host", "store", COUNT(DISTINCT CASE WHEN "user" <> '' THEN "user" END) FROM "` + tb.table + `"`
			var args []any
			if host != "" {
				q += ` WHERE "host"=?`
				args = append(args, host)
			}
			rows, err := t.query(q+` GROUP BY "host", "store"`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				info := StoreInfo{Kind: tb.kind}
				if err := rows.Scan(&info.Host, &info.Name, &info.Users); err != nil {
					rows.Close()
					return err
				}
				out = append(out, info)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	SortStores(out)
	return out, err
}
