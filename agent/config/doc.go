// Package config turns an agent's configuration sources — HCL and JSON
// files, -hcl fragments and command-line flags — into one validated
// Runtime, and decodes the service and check definitions that the HTTP API
// receives.
//
// Every source is parsed into the same positioned tree (tree.go) and
// decoded by one reflection-based decoder (decode.go), so a key means the
// same thing wherever it is written and every error names the file, line
// and key. Sources are applied in Consul's order: built-in defaults, -dev
// defaults, config files and directories in the order given, -hcl
// fragments, then flags. Scalars set later win; lists append; maps merge.
package config
