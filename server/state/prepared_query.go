package state

import (
	"fmt"
	"regexp"
	"strings"

	memdb "github.com/hashicorp/go-memdb"
)

// queryRow is a row of the prepared-queries table: the query as written
// and its compiled Template.Regexp, so lookups never compile it.
type queryRow struct {
	q  *PreparedQuery
	re *regexp.Regexp // nil unless a template with a regexp
}

// Index names of the prepared-queries table.
const (
	indexName     = "name"     // Name of queries that are not templates, when set
	indexTemplate = "template" // Name of templates, "" included; supports LongestPrefix
)

func preparedQueriesTable() *memdb.TableSchema {
	return &memdb.TableSchema{Name: tablePreparedQueries, Indexes: map[string]*memdb.IndexSchema{
		indexID: {Name: indexID, Unique: true, Indexer: fieldIndex[*queryRow]{
			key: func(r *queryRow) (string, bool) { return r.q.ID, true }}},
		indexName: {Name: indexName, Unique: true, AllowMissing: true, Indexer: fieldIndex[*queryRow]{
			key: func(r *queryRow) (string, bool) { return r.q.Name, r.q.Name != "" && !isTemplate(r.q) }}},
		indexTemplate: {Name: indexTemplate, Unique: true, AllowMissing: true, Indexer: templateIndex{}},
	}}
}

// templateIndex keys templates by their lowercased name behind a NUL byte
// (so the empty name has a key) and without a terminator, so that a
// template's key is a prefix of the key of every name it answers and
// LongestPrefix on "template_prefix" finds the most specific template.
type templateIndex struct{}

func templateKey(name string) []byte { return append([]byte{0}, strings.ToLower(name)...) }

func (templateIndex) FromObject(raw any) (bool, []byte, error) {
	r, ok := raw.(*queryRow)
	if !ok {
		return false, nil, fmt.Errorf("index: unexpected record %T", raw)
	}
	if !isTemplate(r.q) {
		return false, nil, nil
	}
	return true, templateKey(r.q.Name), nil
}

func (templateIndex) FromArgs(args ...any) ([]byte, error) {
	if err := wantArgs(args, 1); err != nil {
		return nil, err
	}
	a, err := stringArg(args, 0)
	if err != nil {
		return nil, err
	}
	return templateKey(a), nil
}

func (ix templateIndex) PrefixFromArgs(args ...any) ([]byte, error) { return ix.FromArgs(args...) }

// PreparedQuerySet creates or replaces the prepared query with q.ID at
// Raft index idx. It fails with ErrInvalidQuery, writing nothing, when q is
// malformed (no ID or service, bad template, regexp or DNS TTL, a session,
// an anonymous query) or when its name is another query's name or ID. The
// store keeps q's slices and maps; the caller must not modify them
// afterwards.
func (s *Store) PreparedQuerySet(idx uint64, q *PreparedQuery) error {
	return s.write(idx, func(tx *writeTxn) error { return preparedQuerySetTxn(tx, q) })
}

// PreparedQueryDelete removes the prepared query with ID id at Raft index
// idx. Deleting an unknown query changes nothing.
func (s *Store) PreparedQueryDelete(idx uint64, id string) error {
	return s.write(idx, func(tx *writeTxn) error { return preparedQueryDeleteTxn(tx, id) })
}

// CheckPreparedQuery runs the checks of PreparedQuerySet against the
// current state without writing, so a server can refuse a bad query before
// it reaches the Raft log. PreparedQuerySet checks again when it applies.
func (s *Store) CheckPreparedQuery(q *PreparedQuery) error {
	tx := s.readTxn(nil)
	if _, err := validatePreparedQuery(q); err != nil {
		return err
	}
	return checkQueryNamesTxn(tx, q)
}

func preparedQuerySetTxn(tx *writeTxn, in *PreparedQuery) error {
	re, err := validatePreparedQuery(in)
	if err != nil {
		return fmt.Errorf("set prepared query %q: %w", in.ID, err)
	}
	if err := checkQueryNamesTxn(tx.Txn, in); err != nil {
		return fmt.Errorf("set prepared query %q: %w", in.ID, err)
	}
	existing, err := getQueryRowTxn(tx.Txn, in.ID)
	if err != nil {
		return err
	}
	q := *in
	q.CreateIndex, q.ModifyIndex = tx.idx, tx.idx
	if existing != nil {
		q.ID, q.CreateIndex = existing.q.ID, existing.q.CreateIndex
	}
	if err := tx.Insert(tablePreparedQueries, &queryRow{q: &q, re: re}); err != nil {
		return err
	}
	tx.mark(changedQueries)
	return nil
}

// checkQueryNamesTxn makes sure q's name is no other query's name or ID,
// and that it is not a second template with an empty name. Both name
// indexes are unique, so this also keeps them consistent.
func checkQueryNamesTxn(tx *memdb.Txn, q *PreparedQuery) error {
	other := func(index, key string) (bool, error) {
		raw, err := tx.First(tablePreparedQueries, index, key)
		if err != nil || raw == nil {
			return false, err
		}
		return !strings.EqualFold(raw.(*queryRow).q.ID, q.ID), nil
	}
	if q.Name == "" {
		if !isTemplate(q) {
			return nil
		}
		if taken, err := other(indexTemplate, ""); err != nil || taken {
			return orInvalid(err, "a query template with an empty name already exists")
		}
		return nil
	}
	for _, index := range []string{indexName, indexTemplate} {
		if taken, err := other(index, q.Name); err != nil || taken {
			return orInvalid(err, fmt.Sprintf("name %q aliases an existing query name", q.Name))
		}
	}
	raw, err := tx.First(tablePreparedQueries, indexID, q.Name)
	if err != nil || raw != nil {
		return orInvalid(err, fmt.Sprintf("name %q aliases an existing query ID", q.Name))
	}
	return nil
}

// orInvalid returns err when there is one, else ErrInvalidQuery for why.
func orInvalid(err error, why string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: %s", ErrInvalidQuery, why)
}

func preparedQueryDeleteTxn(tx *writeTxn, id string) error {
	row, err := getQueryRowTxn(tx.Txn, id)
	if err != nil || row == nil {
		return err
	}
	if err := tx.Delete(tablePreparedQueries, row); err != nil {
		return fmt.Errorf("delete prepared query %q: %w", id, err)
	}
	tx.mark(changedQueries)
	return nil
}

func getQueryRowTxn(tx *memdb.Txn, id string) (*queryRow, error) {
	raw, err := tx.First(tablePreparedQueries, indexID, id)
	if err != nil || raw == nil {
		return nil, err
	}
	return raw.(*queryRow), nil
}

// PreparedQueryGet returns the prepared query with ID id (nil if unknown;
// IDs match case-insensitively) as stored, templates uninterpolated, and
// the prepared queries table index.
func (s *Store) PreparedQueryGet(ws memdb.WatchSet, id string) (uint64, *PreparedQuery, error) {
	tx := s.readTxn(ws)
	idx := indexTxn(tx, ws, tablePreparedQueries)
	row, err := getQueryRowTxn(tx, id)
	if err != nil || row == nil {
		return idx, nil, err
	}
	return idx, row.q, nil
}

// PreparedQueryList returns every prepared query, ordered by ID, and the
// prepared queries table index.
func (s *Store) PreparedQueryList(ws memdb.WatchSet) (uint64, []*PreparedQuery, error) {
	tx := s.readTxn(ws)
	idx := indexTxn(tx, ws, tablePreparedQueries)
	it, err := tx.Get(tablePreparedQueries, indexID)
	if err != nil {
		return 0, nil, err
	}
	var out []*PreparedQuery
	for raw := it.Next(); raw != nil; raw = it.Next() {
		out = append(out, raw.(*queryRow).q)
	}
	return idx, out, nil
}

// PreparedQueryResolve finds the query that answers nameOrID: the query
// with that ID, else the query (not a template) with that name, else the
// template whose name is the longest prefix of it (the template with an
// empty name answers every name). All matching is case-insensitive. A
// template comes back rendered for nameOrID, a copy of its own; other
// queries come back as stored. The query is nil when none answers, and
// resolving a template by its ID fails with ErrTemplateByID. The index is
// the prepared queries table index.
func (s *Store) PreparedQueryResolve(ws memdb.WatchSet, nameOrID string) (uint64, *PreparedQuery, error) {
	tx := s.readTxn(ws)
	idx := indexTxn(tx, ws, tablePreparedQueries)
	if nameOrID == "" {
		return idx, nil, nil
	}
	row, err := getQueryRowTxn(tx, nameOrID)
	if err != nil {
		return 0, nil, err
	}
	if row != nil {
		if isTemplate(row.q) {
			return idx, nil, fmt.Errorf("resolve %q: %w", nameOrID, ErrTemplateByID)
		}
		return idx, row.q, nil
	}
	raw, err := tx.First(tablePreparedQueries, indexName, nameOrID)
	if err != nil {
		return 0, nil, err
	}
	if raw == nil {
		if raw, err = tx.LongestPrefix(tablePreparedQueries, indexTemplate+"_prefix", nameOrID); err != nil {
			return 0, nil, err
		}
	}
	if raw == nil {
		return idx, nil, nil
	}
	row = raw.(*queryRow)
	if !isTemplate(row.q) {
		return idx, row.q, nil
	}
	q, err := renderTemplate(row.q, row.re, nameOrID)
	if err != nil {
		return 0, nil, fmt.Errorf("resolve %q: %w", nameOrID, err)
	}
	return idx, q, nil
}
