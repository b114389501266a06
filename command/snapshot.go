package command

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pylonmesh/pylon/server/snapshot"
)

// snapshotCommands save, restore and inspect snapshot archives. inspect
// reads the archive format itself (server/snapshot), offline.
func snapshotCommands() []command {
	return []command{
		{"snapshot", "Saves, restores and inspects snapshots of Pylon server state", nil},
		{"snapshot inspect", "Displays information about a Pylon snapshot file", runSnapshotInspect},
		{"snapshot restore", "Restores snapshot of Pylon server state", runSnapshotRestore},
		{"snapshot save", "Saves snapshot of Pylon server state", runSnapshotSave},
	}
}

const snapshotSaveHelp = `
Usage: pylon snapshot save [options] FILE

  Saves an atomic, point-in-time snapshot of the servers' state (catalog,
  KV, sessions, prepared queries) to FILE. The snapshot is written to a
  temporary file next to FILE, verified, and then renamed to FILE. Needs
  a management token when ACLs are enabled.

      $ pylon snapshot save backup.snap
`

func runSnapshotSave(u *ui, args []string) int {
	fs := flag.NewFlagSet("snapshot save", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	if done, code := parseFlags(u, fs, args, snapshotSaveHelp); done {
		return code
	}
	file, ok := fileArg(u, fs.Args())
	if !ok {
		return 1
	}
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	rc, qm, err := client.Snapshot().Save(h.queryOptions())
	if err != nil {
		u.error("Error saving snapshot: %v", err)
		return 1
	}
	defer rc.Close()
	if err := saveVerified(file, rc); err != nil {
		u.error("Error saving snapshot: %v", err)
		return 1
	}
	u.output("Saved and verified snapshot to index %d", qm.LastIndex)
	return 0
}

// saveVerified writes the archive read from r to a temporary file beside
// file, verifies it, syncs it and renames it to file. On any error the
// temporary file is removed and file is left as it was.
func saveVerified(file string, r io.Reader) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(file), filepath.Base(file)+".tmp*")
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, r); err != nil {
		return fmt.Errorf("write temporary file: %w", err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewind temporary file: %w", err)
	}
	if _, err := snapshot.Verify(tmp, 0); err != nil {
		return fmt.Errorf("verify snapshot: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("sync temporary file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close temporary file: %w", err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("rename temporary file: %w", err)
	}
	return nil
}

const snapshotRestoreHelp = `
Usage: pylon snapshot restore [options] FILE

  Replaces the servers' whole state with the snapshot in FILE. The servers
  verify the whole snapshot before they change anything: a damaged file is
  refused and the state stays as it was. Meant for disaster recovery;
  needs a management token when ACLs are enabled.

      $ pylon snapshot restore backup.snap
`

func runSnapshotRestore(u *ui, args []string) int {
	fs := flag.NewFlagSet("snapshot restore", flag.ContinueOnError)
	var h httpFlags
	h.register(fs)
	if done, code := parseFlags(u, fs, args, snapshotRestoreHelp); done {
		return code
	}
	file, ok := fileArg(u, fs.Args())
	if !ok {
		return 1
	}
	f, err := os.Open(file)
	if err != nil {
		u.error("Error opening snapshot file: %v", err)
		return 1
	}
	defer f.Close()
	client, err := h.client()
	if err != nil {
		u.error("Error connecting to Pylon agent: %v", err)
		return 1
	}
	if err := client.Snapshot().Restore(nil, f); err != nil {
		u.error("Error restoring snapshot: %v", err)
		return 1
	}
	u.output("Restored snapshot")
	return 0
}

// fileArg checks that args is exactly one file name.
func fileArg(u *ui, args []string) (string, bool) {
	switch len(args) {
	case 1:
		return args[0], true
	case 0:
		u.error("Missing FILE argument")
	default:
		u.error("Too many arguments (expected 1, got %d)", len(args))
	}
	return "", false
}
