// Command plain is the no-Lua baseline of the benchmark: a goroutine per
// connection echoing chunks, or answering Redis PING, as a Go host would at
// best.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:7201", "address to listen on")
	mode := flag.String("mode", "echo", "echo, resp or http")
	flag.Parse()
	if *mode == "http" {
		// The HTTP workload's handler in plain net/http.
		http.HandleFunc("/bench/hello", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte("hello\n"))
		})
		log.Fatal(http.ListenAndServe(*addr, nil))
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintln(os.Stderr, "listening", ln.Addr())
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		if *mode == "echo" {
			go echo(c)
		} else {
			go resp(c)
		}
	}
}

func echo(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

var pong = []byte("+PONG\r\n")

func resp(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		if len(line) > 0 && line[0] == '*' {
			// "*1\r\n$4\r\nPING\r\n": skip the $length line and the command
			if _, err := r.ReadSlice('\n'); err != nil {
				return
			}
			if _, err := r.ReadSlice('\n'); err != nil {
				return
			}
		} else if !bytes.HasPrefix(bytes.ToUpper(line), []byte("PING")) {
			return
		}
		w.Write(pong)
		if r.Buffered() == 0 {
			if err := w.Flush(); err != nil {
				return
			}
		}
	}
}
