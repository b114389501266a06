package command

// kvCommands are the commands of the KV store, locks and user events.
func kvCommands() []command {
	return []command{
		{"event", "Fire a new event", runEvent},
		{"kv", "Interact with the key-value store", nil},
		{"kv delete", "Removes data from the KV store", runKVDelete},
		{"kv export", "Exports a tree from the KV store as JSON", runKVExport},
		{"kv get", "Retrieves or lists data from the KV store", runKVGet},
		{"kv import", "Imports a tree stored as JSON to the KV store", runKVImport},
		{"kv put", "Sets or updates data in the KV store", runKVPut},
		{"lock", "Execute a command holding a lock", runLock},
	}
}
