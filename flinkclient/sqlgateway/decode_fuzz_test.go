package sqlgateway

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzDecodePage feeds arbitrary bytes through the page decoder: it must
// never panic, and when it succeeds every row must have one value per column
// and there must be as many rows as encoding/json sees in "data".
func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"resultType":"PAYLOAD","isQueryResult":true,"resultKind":"SUCCESS_WITH_CONTENT","results":{"columns":[{"name":"a","logicalType":{"type":"INTEGER","nullable":false}},{"name":"b","logicalType":{"type":"VARCHAR","nullable":true,"length":3}}],"rowFormat":"JSON","data":[{"kind":"INSERT","fields":[1,"x\"y"]},{"kind":"DELETE","fields":[null,null]}]},"nextResultUri":"/v2/sessions/s/operations/o/result/1?rowFormat=JSON"}`))
	f.Add([]byte(`{"resultType":"NOT_READY","nextResultUri":"/v1/sessions/s/operations/o/result/0"}`))
	f.Add([]byte(`{"resultType":"EOS","results":{"columns":[],"data":[]}}`))
	f.Add([]byte(`{"resultType":"PAYLOAD","results":{"columns":[{"name":"r","logicalType":{"type":"ROW","nullable":true,"fields":[{"name":"a","fieldType":{"type":"ARRAY","nullable":true,"elementType":{"type":"INTEGER","nullable":true}}}]}}],"rowFormat":"PLAIN_TEXT","data":[{"fields":["{a=[1, 2]}"],"kind":"UPDATE_AFTER"}]}}`))
	f.Add([]byte(`{"results":{"columns":[{"name":"d","logicalType":{"type":"DECIMAL","precision":5,"scale":2}},{"name":"t","logicalType":{"type":"TIMESTAMP_WITHOUT_TIME_ZONE","precision":3}},{"name":"b","logicalType":{"type":"VARBINARY","length":9}}],"data":[{"kind":"INSERT","fields":[1.25,"2024-01-02T03:04:05.678","AAE="]}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var w wirePage
		if err := json.NewDecoder(bytes.NewReader(data)).Decode(&w); err != nil {
			return
		}
		page, err := decodePage(&w, RowFormatJSON)
		if err != nil {
			return
		}
		var plain struct {
			Results struct {
				Data []json.RawMessage `json:"data"`
			} `json:"results"`
		}
		_ = json.Unmarshal(data, &plain)
		if len(page.Rows) != len(plain.Results.Data) {
			t.Fatalf("%d rows decoded, encoding/json sees %d", len(page.Rows), len(plain.Results.Data))
		}
		for i, r := range page.Rows {
			if len(r.Values) != len(page.Columns) {
				t.Fatalf("row %d has %d values for %d columns", i, len(r.Values), len(page.Columns))
			}
		}
	})
}
