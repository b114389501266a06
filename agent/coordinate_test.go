package agent

import (
	"slices"
	"testing"

	consulapi "github.com/hashicorp/consul/api"
	"github.com/hashicorp/serf/coordinate"
)

// farCoord is a coordinate x seconds along the first axis: far from the
// agents on loopback, whose coordinates stay within a few milliseconds of
// the origin.
func farCoord(x float64) *coordinate.Coordinate {
	c := coordinate.NewCoordinate(coordinate.DefaultConfig())
	c.Vec[0] = x
	return c
}

func TestCoordinatesEveryNodeAndNearSorting(t *testing.T) {
	srv, srvAPI := testAgent(t)
	_, cliA := startClientAgent(t, srv, "client-a")
	startClientAgent(t, srv, "client-b")

	// Every agent's own coordinate reaches the catalog.
	eventually(t, "a coordinate of every node", func() bool {
		entries, _, err := srvAPI.Coordinate().Nodes(nil)
		if err != nil {
			return false
		}
		var nodes []string
		for _, e := range entries {
			nodes = append(nodes, e.Node)
		}
		return slices.Equal(nodes, []string{"client-a", "client-b", "node1"})
	})
	one, _, err := cliA.Coordinate().Node("client-a", nil)
	if err != nil || len(one) != 1 || len(one[0].Coord.Vec) != 8 {
		t.Fatalf("coordinate of client-a through the client = %+v, %v", one, err)
	}
	if _, _, err := srvAPI.Coordinate().Node("nobody", nil); err == nil {
		t.Fatal("coordinate of an unknown node: want an error (404)")
	}
	dcs, err := cliA.Coordinate().Datacenters()
	if err != nil || len(dcs) != 1 || dcs[0].Datacenter != "dc1" || dcs[0].AreaID != "wan" ||
		len(dcs[0].Coordinates) != 1 || dcs[0].Coordinates[0].Node != "node1" {
		t.Fatalf("datacenters = %+v, %v", dcs, err)
	}

	// External nodes with coordinates written through the API (through a
	// client agent, which hands the write to the servers) order the
	// answers deterministically.
	for _, n := range []string{"ext-1", "ext-2", "ext-3", "ext-4"} {
		if _, err := srvAPI.Catalog().Register(&consulapi.CatalogRegistration{Node: n, Address: "10.0.0.1",
			Service: &consulapi.AgentService{ID: "db", Service: "db", Port: 5432}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	for n, x := range map[string]float64{"ext-1": 1, "ext-2": 1.010, "ext-3": 1.002} {
		if _, err := cliA.Coordinate().Update(&consulapi.CoordinateEntry{Node: n, Coord: farCoord(x)}, nil); err != nil {
			t.Fatalf("update %s: %v", n, err)
		}
	}
	eventually(t, "the external coordinates stored", func() bool {
		entries, _, _ := srvAPI.Coordinate().Nodes(nil)
		return len(entries) == 6
	})

	wantDB := []string{"ext-1", "ext-3", "ext-2", "ext-4"} // ext-4 has no coordinate: last
	near := &consulapi.QueryOptions{Near: "ext-1"}
	svc, _, err := cliA.Catalog().Service("db", "", near)
	if err != nil {
		t.Fatal(err)
	}
	if got := catalogNodes(svc); !slices.Equal(got, wantDB) {
		t.Errorf("catalog service near ext-1 = %v, want %v", got, wantDB)
	}
	entries, _, err := srvAPI.Health().Service("db", "", false, near)
	if err != nil {
		t.Fatal(err)
	}
	var health []string
	for _, e := range entries {
		health = append(health, e.Node.Node)
	}
	if !slices.Equal(health, wantDB) {
		t.Errorf("health service near ext-1 = %v, want %v", health, wantDB)
	}
	nodes, _, err := srvAPI.Catalog().Nodes(near)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range nodes {
		names = append(names, n.Node)
	}
	// The agents' nodes are about 1s away, past ext-2; ext-4 is last.
	if len(names) != 7 || !slices.Equal(names[:3], []string{"ext-1", "ext-3", "ext-2"}) || names[6] != "ext-4" {
		t.Errorf("catalog nodes near ext-1 = %v", names)
	}
	// Without ?near the order is the catalog's.
	nodes, _, _ = srvAPI.Catalog().Nodes(nil)
	if nodes[0].Node != "client-a" {
		t.Errorf("catalog nodes without near start with %s", nodes[0].Node)
	}

	// near=_agent on a client sorts from the client's node, not from the
	// server that answers: client-a's own instance comes first.
	if err := cliA.Agent().ServiceRegister(&consulapi.AgentServiceRegistration{ID: "db", Name: "db", Port: 5432}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "client-a's db instance in the catalog", func() bool {
		svc, _, err := cliA.Catalog().Service("db", "", nil)
		return err == nil && len(svc) == 5
	})
	svc, _, err = cliA.Catalog().Service("db", "", &consulapi.QueryOptions{Near: "_agent"})
	if err != nil || len(svc) != 5 || svc[0].Node != "client-a" || svc[4].Node != "ext-4" {
		t.Fatalf("catalog service near _agent on client-a = %v, %v", catalogNodes(svc), err)
	}
}

func catalogNodes(svc []*consulapi.CatalogService) []string {
	var out []string
	for _, s := range svc {
		out = append(out, s.Node)
	}
	return out
}

func TestCoordinateUpdateValidation(t *testing.T) {
	_, cl := testAgent(t)
	for i, e := range []*consulapi.CoordinateEntry{
		{Coord: farCoord(1)}, // no node
		{Node: "node1"},      // no coordinate
		{Node: "node1", Coord: &coordinate.Coordinate{}}, // no vector
	} {
		if _, err := cl.Coordinate().Update(e, nil); err == nil {
			t.Errorf("update %d (%+v) succeeded; want 400", i, e)
		}
	}
}
