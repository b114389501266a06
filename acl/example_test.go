package acl_test

import (
	"fmt"

	"github.com/pylonmesh/pylon/acl"
)

func ExampleCompile() {
	team, err := acl.ParseRules(`
service_prefix "" { policy = "read" }
service "web" { policy = "write" }
key_prefix "web/" { policy = "write" }
key "web/secret" { policy = "deny" }
`)
	if err != nil {
		panic(err)
	}
	a := acl.Compile(acl.Deny, team, acl.NodeIdentity("node-1"))
	fmt.Println(a.ServiceWrite("web"), a.ServiceWrite("db"), a.ServiceRead("db"))
	fmt.Println(a.KeyWrite("web/config"), a.KeyRead("web/secret"), a.KeyWritePrefix("web/"))
	fmt.Println(a.NodeWrite("node-1"), a.ACLRead())
	// Output:
	// true false true
	// true false false
	// true false
}

func ExampleParseRules_error() {
	_, err := acl.ParseRules("operator = \"read\"\n\nkey_prefix \"app/\" {\n  policy = \"raed\"\n}\n")
	fmt.Println(err)
	// Output:
	// rules:4: key_prefix "app/": unknown policy "raed"
}
