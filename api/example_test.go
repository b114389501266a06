package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/pylonmesh/pylon/api"
)

// A program finds the healthy instances of a service, then blocks until
// the set changes by passing the returned index back.
func ExampleHealth_Service() {
	agent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Consul-Index", "42")
		w.Header().Set("X-Consul-KnownLeader", "true")
		w.Header().Set("X-Consul-LastContact", "0")
		fmt.Fprint(w, `[{"Node":{"Node":"n1","Address":"10.0.0.1"},"Service":{"ID":"web-1","Service":"web","Port":8080},"Checks":[]}]`)
	}))
	defer agent.Close()

	client, err := api.NewClient(&api.Config{Address: agent.URL})
	if err != nil {
		panic(err)
	}
	entries, meta, err := client.Health().Service("web", "", true, nil)
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		addr := e.Service.Address
		if addr == "" {
			addr = e.Node.Address
		}
		fmt.Printf("%s at %s:%d (%s)\n", e.Service.ID, addr, e.Service.Port, e.Checks.AggregatedStatus())
	}
	fmt.Println("next query waits on index", meta.LastIndex)
	client.Config().HttpClient.CloseIdleConnections()
	// Output:
	// web-1 at 10.0.0.1:8080 (passing)
	// next query waits on index 42
}
