// Command trivialhttp is the baseline for the HTTP benchmark: the smallest
// Go HTTP server that returns a fixed body, so Pylon's figures can be put
// side by side with what net/http alone does on the same machine.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18600", "listen address")
	bodyFile := flag.String("body", "", "file whose contents every response returns")
	flag.Parse()
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
