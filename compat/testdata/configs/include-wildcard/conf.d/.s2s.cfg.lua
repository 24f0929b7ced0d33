-- A dot file: skipped by the wildcard, so s2s keeps its default port
s2s_ports = { 5999 }
