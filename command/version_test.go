package command

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pylonmesh/pylon/version"
)

func TestVersionCommand(t *testing.T) {
	out, _, code := run(t, "version")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "Pylon v"+version.Version {
		t.Fatalf("first line %q", lines[0])
	}
	mustContain(t, "last line", lines[len(lines)-1], "Protocol 2 spoken by default, understands 2 to 3")
	if rev := version.Revision(); rev != "" {
		mustContain(t, "output", out, "Revision "+rev)
	}

	out, _, code = run(t, "version", "-format=json")
	var info versionInfo
	if code != 0 || json.Unmarshal([]byte(out), &info) != nil {
		t.Fatalf("exit %d, output %q", code, out)
	}
	if info.Version != version.Version || info.RPC.Default != 2 || info.RPC.Max != 3 {
		t.Fatalf("json %+v", info)
	}

	if _, errOut, code := run(t, "version", "-format=yaml"); code != 1 {
		t.Fatalf("bad format: exit %d, %s", code, errOut)
	}
}
