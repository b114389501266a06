//go:build configready

package command

// configCommands are the commands that read configuration through
// agent/config (and, for `agent`, start one).
//
// TODO(lead): the configready build tag exists only until agent/config
// has LoadFiles and Load; then drop the tag from these files and delete
// commands_noconfig.go.
func configCommands() []command {
	return []command{
		{"agent", "Runs a Pylon agent", runAgent},
		{"services", "Interact with services", nil},
		{"services deregister", "Deregister services with the local agent", runServicesDeregister},
		{"services register", "Register services with the local agent", runServicesRegister},
		{"validate", "Validate config files/directories", runValidate},
	}
}
