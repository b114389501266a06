package config

import (
	"errors"
	"fmt"
	"reflect"
)

// DecodeServiceJSON decodes the body of PUT /v1/agent/service/register.
// Keys are matched ignoring case and underscores, so both Consul's
// PascalCase and snake_case bodies work; unknown keys are ignored, as
// Consul ignores them; durations may be strings ("10s") or nanoseconds.
func DecodeServiceJSON(body []byte) (*ServiceDefinition, error) {
	def := &ServiceDefinition{}
	if err := decodeBody(body, def); err != nil {
		return nil, err
	}
	return def, nil
}

// DecodeCheckJSON decodes the body of PUT /v1/agent/check/register, like
// DecodeServiceJSON.
func DecodeCheckJSON(body []byte) (*CheckDefinition, error) {
	def := &CheckDefinition{}
	def.setDefaults()
	if err := decodeBody(body, def); err != nil {
		return nil, err
	}
	return def, nil
}

func decodeBody(body []byte, into any) error {
	n, err := parseJSON("", body)
	if err != nil {
		return fmt.Errorf("Request decode failed: %w", err)
	}
	if n.kind != kindObject {
		return errors.New("Request decode failed: the body must be a JSON object")
	}
	d := &decoder{lenient: true}
	if err := d.decode(n, reflect.ValueOf(into).Elem(), ""); err != nil {
		return fmt.Errorf("Request decode failed: %w", err)
	}
	return nil
}
