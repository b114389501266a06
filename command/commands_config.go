package command

// configCommands are the commands that read configuration through
// agent/config (and, for `agent`, start one).
func configCommands() []command {
	return []command{
		{"agent", "Runs a Pylon agent", runAgent},
		{"services", "Interact with services", nil},
		{"services deregister", "Deregister services with the local agent", runServicesDeregister},
		{"services register", "Register services with the local agent", runServicesRegister},
		{"validate", "Validate config files/directories", runValidate},
	}
}
