package api

import "net/http"

// Txn reaches /v1/txn: several KV, node, service, check and session
// operations applied all-or-nothing.
type Txn struct {
	c *Client
}

// Txn returns a handle for the transaction endpoint.
func (c *Client) Txn() *Txn { return &Txn{c: c} }

// Txn applies ops in one transaction. ok is true when it applied, with a
// result for each operation that returns data; when any operation fails
// nothing is applied, ok is false and the response lists the errors (a
// 409 reply is not a Go error). A transaction of reads only is served
// without Raft and honours q's consistency mode; one with writes always
// goes through the leader.
func (t *Txn) Txn(ops TxnOps, q *QueryOptions) (bool, *TxnResponse, *QueryMeta, error) {
	r := t.c.newRequest(http.MethodPut, "/v1/txn")
	r.setQueryOptions(q)
	r.body = ops
	r.accept = []int{http.StatusConflict}
	resp, rtt, err := t.c.send(r)
	if err != nil {
		return false, nil, nil, err
	}
	defer closeBody(resp)
	qm := &QueryMeta{RequestTime: rtt}
	if err := parseQueryMeta(resp.Header, qm); err != nil {
		return false, nil, nil, err
	}
	var out TxnResponse
	if err := decodeJSON(resp, r.path, &out); err != nil {
		return false, nil, nil, err
	}
	return resp.StatusCode == http.StatusOK, &out, qm, nil
}
