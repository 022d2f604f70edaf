package restclient_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/rtdw/rtdw/internal/restclient"
)

// A client built from settings, a call decoded into a struct, and a proxy's HTML page turned
// into a Failure.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/overview" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"taskmanagers":2}`)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html>bad gateway</html>")
	}))
	defer srv.Close()

	s := restclient.NewSettings("example/1")
	s.SetBearerToken("secret-token")
	s.SetRetry(restclient.Retry{MaxAttempts: 1})
	c, problems := restclient.New(srv.URL, "http://host:8081", s)
	if problems != nil {
		panic(problems)
	}
	wrap := func(f *restclient.Failure) error {
		return fmt.Errorf("%s %s: status %d, not JSON %v, body %q", f.Method, f.Path, f.Status, f.NotJSON, f.Body)
	}

	var out struct {
		TaskManagers int `json:"taskmanagers"`
	}
	err := c.Do(context.Background(), restclient.Request{Method: "GET", Path: "/overview",
		Decode: func(r io.Reader) error { return json.NewDecoder(r).Decode(&out) }}, wrap)
	fmt.Println(out.TaskManagers, err)
	fmt.Println(c.Do(context.Background(), restclient.Request{Method: "GET", Path: "/jobs"}, wrap))
	// Output:
	// 2 <nil>
	// GET /jobs: status 502, not JSON true, body "<html>bad gateway</html>"
}
