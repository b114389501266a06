package checks

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pylonmesh/pylon/agent/config"
)

func shell(script string) []string { return []string{"sh", "-c", script} }

func TestScriptExitCodes(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		status string
		output string
	}{
		{"exit 0", shell("echo all good"), passing, "all good\n"},
		{"exit 1", shell("echo out; echo err >&2; exit 1"), warning, "out\nerr\n"},
		{"exit 2", shell("exit 2"), critical, ""},
		{"exit 255", shell("echo bad; exit 255"), critical, "bad\n"},
		{"killed by a signal", shell("kill -9 $$"), critical, ""},
		{"no shell involved", []string{"echo", "$HOME", ";", "exit", "1"}, passing, "$HOME ; exit 1\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, output := probeOnce(t, &config.CheckDefinition{ScriptArgs: tc.args, Interval: time.Second})
			if status != tc.status || output != tc.output {
				t.Fatalf("got %q %q, want %q %q", status, output, tc.status, tc.output)
			}
		})
	}
}

func TestScriptNotFound(t *testing.T) {
	status, output := probeOnce(t, &config.CheckDefinition{
		ScriptArgs: []string{filepath.Join(t.TempDir(), "missing")}, Interval: time.Second,
	})
	if status != critical || !strings.Contains(output, "no such file") {
		t.Fatalf("got %q %q", status, output)
	}
}

func TestScriptOutputKeepsTheTail(t *testing.T) {
	status, output := probeOnce(t, &config.CheckDefinition{
		ScriptArgs:    shell(`i=0; while [ $i -lt 200 ]; do echo line$i; i=$((i+1)); done`),
		OutputMaxSize: 20,
		Interval:      time.Second,
	})
	if status != passing {
		t.Fatalf("status %q", status)
	}
	if !strings.HasPrefix(output, "Captured the last 20 of 1490 bytes\n...\n") || !strings.HasSuffix(output, "line198\nline199\n") {
		t.Fatalf("output %q", output)
	}
}

// alive reports whether pid is a live (not zombie) process.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	// The state follows the parenthesised command name.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) == 0 || fields[0] != "Z"
}

func TestScriptTimeoutKillsProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	status, output := probeOnce(t, &config.CheckDefinition{
		ScriptArgs: shell(`sleep 60 & echo $! > ` + pidFile + `; echo started; wait`),
		Timeout:    200 * time.Millisecond,
		Interval:   time.Second,
	})
	if status != critical || !strings.HasPrefix(output, "Timed out running check") || !strings.Contains(output, "started") {
		t.Fatalf("got %q %q", status, output)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the script's child to die", func() bool { return !alive(pid) })
}

func TestScriptRunner(t *testing.T) {
	flag := filepath.Join(t.TempDir(), "fail")
	rec, _ := startCheck(t, &config.CheckDefinition{
		ScriptArgs: shell(`if [ -e ` + flag + ` ]; then echo failing; exit 2; fi; echo ok`),
		Interval:   20 * time.Millisecond,
	}, Options{AllowScripts: true})
	waitStatus(t, rec, passing)
	if err := os.WriteFile(flag, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if u := waitStatus(t, rec, critical); u.output != "failing\n" {
		t.Fatalf("output %q", u.output)
	}
}
