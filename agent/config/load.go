package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// maxFileSize bounds one config file; real ones are a few kilobytes.
const maxFileSize = 16 << 20

// Load builds the Runtime from agent command-line arguments and the
// config files and directories they name. Warnings are keys that were
// accepted but are not acted on.
func Load(args []string) (*Runtime, []string, error) {
	fl, err := parseFlags(args)
	if err != nil {
		return nil, nil, err
	}
	trees, err := readSources(fl.sources, fl.format)
	if err != nil {
		return nil, nil, err
	}
	for i, frag := range fl.hcl {
		t, err := parseHCL(fmt.Sprintf("-hcl[%d]", i), []byte(frag))
		if err != nil {
			return nil, nil, err
		}
		trees = append(trees, t)
	}
	trees = append(trees, fl.tree)
	return build(trees, buildOptions{dev: fl.dev})
}

// LoadFiles builds a Runtime from config files and directories alone, as
// `pylon validate` and `pylon services register` read them: a data
// directory is not required.
func LoadFiles(paths []string) (*Runtime, []string, error) {
	srcs := make([]source, 0, len(paths))
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("config: %w", err)
		}
		srcs = append(srcs, source{path: p, isDir: fi.IsDir()})
	}
	trees, err := readSources(srcs, "")
	if err != nil {
		return nil, nil, err
	}
	return build(trees, buildOptions{filesOnly: true})
}

// readSources parses every file, expanding directories into their .hcl
// and .json files in lexical order.
func readSources(srcs []source, format string) ([]*node, error) {
	var trees []*node
	for _, s := range srcs {
		files := []string{s.path}
		if s.isDir {
			var err error
			if files, err = dirFiles(s.path); err != nil {
				return nil, err
			}
		}
		for _, f := range files {
			t, err := readFile(f, format)
			if err != nil {
				return nil, err
			}
			trees = append(trees, t)
		}
	}
	return trees, nil
}

func dirFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("config dir: %w", err)
	}
	var files []string
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".hcl" && ext != ".json") {
			continue
		}
		files = append(files, filepath.Join(dir, e.Name()))
	}
	sort.Strings(files)
	return files, nil
}

func readFile(path, format string) (*node, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("config file %s is a directory; use -config-dir", path)
	}
	if fi.Size() > maxFileSize {
		return nil, fmt.Errorf("config file %s: larger than %d bytes", path, maxFileSize)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	switch ext := strings.TrimPrefix(filepath.Ext(path), "."); {
	case ext == "json" || (ext != "hcl" && format == "json"):
		return parseJSON(path, src)
	case ext == "hcl" || format == "hcl":
		return parseHCL(path, src)
	}
	return nil, errors.New("config file " + path + ": unknown format; name it .hcl or .json, or pass -config-format")
}
