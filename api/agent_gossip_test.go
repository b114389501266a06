package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"testing"

	consul "github.com/hashicorp/consul/api"
)

// TestGossipRequestsMatchConsul sends the gossip and keyring calls with
// our client and Consul's and compares what reached the agent.
func TestGossipRequestsMatchConsul(t *testing.T) {
	const key = "H3/9gBxcKKRf45CaI2DlRg=="
	tests := []struct {
		name   string
		reply  string
		theirs func(c *consul.Client) error
		ours   func(c *Client) error
	}{
		{"join", "", func(c *consul.Client) error { return c.Agent().Join("10.0.0.1:8301", false) },
			func(c *Client) error { return c.Agent().Join("10.0.0.1:8301", false) }},
		{"join wan", "", func(c *consul.Client) error { return c.Agent().Join("10.0.0.1", true) },
			func(c *Client) error { return c.Agent().Join("10.0.0.1", true) }},
		{"leave", "", func(c *consul.Client) error { return c.Agent().Leave() },
			func(c *Client) error { return c.Agent().Leave() }},
		{"force leave", "", func(c *consul.Client) error { return c.Agent().ForceLeave("n1") },
			func(c *Client) error { return c.Agent().ForceLeave("n1") }},
		{"force leave prune", "", func(c *consul.Client) error { return c.Agent().ForceLeavePrune("n1") },
			func(c *Client) error { return c.Agent().ForceLeavePrune("n1") }},
		{"force leave wan with token", "", func(c *consul.Client) error {
			return c.Agent().ForceLeaveOptions("n1", consul.ForceLeaveOpts{Prune: true, WAN: true}, &consul.QueryOptions{Token: "t"})
		}, func(c *Client) error {
			return c.Agent().ForceLeaveOptions("n1", ForceLeaveOpts{Prune: true, WAN: true}, &QueryOptions{Token: "t"})
		}},
		{"keyring list", "[]", func(c *consul.Client) error {
			_, err := c.Operator().KeyringList(&consul.QueryOptions{RelayFactor: 2, LocalOnly: true})
			return err
		}, func(c *Client) error {
			_, err := c.Operator().KeyringList(&QueryOptions{RelayFactor: 2, LocalOnly: true})
			return err
		}},
		{"keyring install", "", func(c *consul.Client) error { return c.Operator().KeyringInstall(key, nil) },
			func(c *Client) error { return c.Operator().KeyringInstall(key, nil) }},
		{"keyring use", "", func(c *consul.Client) error {
			return c.Operator().KeyringUse(key, &consul.WriteOptions{RelayFactor: 3, Token: "t"})
		}, func(c *Client) error { return c.Operator().KeyringUse(key, &WriteOptions{RelayFactor: 3, Token: "t"}) }},
		{"keyring remove", "", func(c *consul.Client) error { return c.Operator().KeyringRemove(key, nil) },
			func(c *Client) error { return c.Operator().KeyringRemove(key, nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := newFakeAgent(t, reply{body: tt.reply})
			tr := &http.Transport{}
			t.Cleanup(tr.CloseIdleConnections)
			cc, err := consul.NewClient(&consul.Config{Address: ft.srv.URL, Transport: tr})
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.theirs(cc); err != nil {
				t.Fatalf("consul client: %v", err)
			}
			fo := newFakeAgent(t, reply{body: tt.reply})
			if err := tt.ours(newTestClient(t, &Config{Address: fo.srv.URL})); err != nil {
				t.Fatalf("our client: %v", err)
			}
			compareRequests(t, fo.request(), ft.request(), nil)
		})
	}
}

// TestKeyringResponseWire checks that KeyringResponse reads and writes
// the JSON of Consul's type, zero and filled.
func TestKeyringResponseWire(t *testing.T) {
	compareWire(t, mustMarshal(t, new(KeyringResponse)), mustMarshal(t, new(consul.KeyringResponse)), nil)
	theirs := new(consul.KeyringResponse)
	fill(reflect.ValueOf(theirs).Elem(), 0)
	doc := mustMarshal(t, theirs)
	var ours KeyringResponse
	if err := json.Unmarshal(doc, &ours); err != nil {
		t.Fatal(err)
	}
	compareWire(t, mustMarshal(t, &ours), doc, nil)
}

// TestGossipErrors: a refused call returns the agent's status and text.
func TestGossipErrors(t *testing.T) {
	f := newFakeAgent(t, reply{status: 500, body: "agent: No node found with name 'x'"})
	err := newTestClient(t, &Config{Address: f.srv.URL}).Agent().ForceLeave("x")
	var se StatusError
	if !errors.As(err, &se) || se.Code != 500 || se.Body != "agent: No node found with name 'x'" {
		t.Fatalf("force leave error = %v", err)
	}
}
