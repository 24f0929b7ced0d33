-- Client ports
c2s_ports = { 5322 }
