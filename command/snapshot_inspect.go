package command

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/pylonmesh/pylon/server/snapshot"
)

const snapshotInspectHelp = `
Usage: pylon snapshot inspect [options] FILE

  Verifies the snapshot in FILE and prints its metadata (ID, Size, Index,
  Term, Version) and how many records of each type it holds, and their
  size. With -kvdetails it also breaks the KV entries down by key prefix.
  It reads the file only; no agent is needed.

      $ pylon snapshot inspect backup.snap
`

func runSnapshotInspect(u *ui, args []string) int {
	fs := flag.NewFlagSet("snapshot inspect", flag.ContinueOnError)
	kvDetails := fs.Bool("kvdetails", false, "Also show the space used by KV entries, by key prefix.")
	kvDepth := fs.Int("kvdepth", 2, "How many `levels` of \"/\"-separated key segments make a prefix (with -kvdetails).")
	kvFilter := fs.String("kvfilter", "", "Only count keys with this `prefix` (with -kvdetails).")
	format := fs.String("format", "pretty", "Output `format`: pretty or json.")
	if done, code := parseFlags(u, fs, args, snapshotInspectHelp); done {
		return code
	}
	file, ok := fileArg(u, fs.Args())
	if !ok {
		return 1
	}
	if *format != "pretty" && *format != "json" {
		u.error("Invalid format %q: use pretty or json", *format)
		return 1
	}
	if *kvDepth < 1 {
		u.error("-kvdepth must be at least 1")
		return 1
	}
	opts := snapshot.InspectOptions{}
	if *kvDetails {
		opts.KVDepth, opts.KVFilter = *kvDepth, *kvFilter
	}
	f, err := os.Open(file)
	if err != nil {
		u.error("Error opening snapshot file: %v", err)
		return 1
	}
	defer f.Close()
	info, err := snapshot.Inspect(f, opts)
	if err != nil {
		u.error("Error inspecting snapshot: %v", err)
		return 1
	}
	if *format == "json" {
		b, err := json.MarshalIndent(info, "", "  ")
		if err != nil {
			u.error("Error encoding output: %v", err)
			return 1
		}
		u.output("%s", b)
		return 0
	}
	printInspect(u.out, info, *kvDetails)
	return 0
}

// printInspect writes the metadata, then a table of record types and, with
// kv, one of key prefixes, in the layout of consul snapshot inspect.
func printInspect(w io.Writer, info *snapshot.Info, kv bool) {
	m := info.Meta
	writeTable(w, [][]string{
		{"ID", m.ID},
		{"Size", strconv.FormatInt(m.Size, 10)},
		{"Index", strconv.FormatUint(m.Index, 10)},
		{"Term", strconv.FormatUint(m.Term, 10)},
		{"Version", strconv.Itoa(int(m.Version))},
	})
	fmt.Fprintln(w)
	writeTable(w, statsRows("Type", info.Types, info.TotalSize))
	if kv {
		fmt.Fprintln(w)
		writeTable(w, statsRows("Key Name", info.KV, info.TotalSizeKV))
	}
}

func statsRows(title string, stats []snapshot.Stats, total int64) [][]string {
	rule := []string{"----", "----", "----"}
	rows := [][]string{{title, "Count", "Size"}, rule}
	for _, s := range stats {
		rows = append(rows, []string{s.Name, strconv.Itoa(s.Count), byteSize(s.Size)})
	}
	return append(rows, rule, []string{"Total", "", byteSize(total)})
}

// byteSize renders a size as Consul's inspect does: "285B", "12.3KB",
// "5KB" (one decimal, none when it is zero).
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + "B"
	}
	v, suffix := float64(n), ""
	for _, s := range []string{"KB", "MB", "GB", "TB"} {
		if v /= unit; v < unit || s == "TB" {
			suffix = s
			break
		}
	}
	return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0") + suffix
}
