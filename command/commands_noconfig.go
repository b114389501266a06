//go:build !configready

package command

// configCommands is empty until agent/config lands (see commands_config.go).
func configCommands() []command { return nil }
