package flinkspec_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/rtdw/rtdw/internal/flinkspec"
)

// Validate a request and its answer against Flink 1.18's JobManager spec.
func Example() {
	spec, err := flinkspec.JobManager("1.18")
	if err != nil {
		panic(err)
	}
	// claimMode only exists from Flink 1.20 on; 1.18 rejects it.
	r := httptest.NewRequest("POST", "/v1/jars/abc_job.jar/run", strings.NewReader(`{"claimMode":"NO_CLAIM"}`))
	r.Header.Set("Content-Type", "application/json")
	_, err = spec.ValidateRequest(r)
	fmt.Println(err != nil)

	route, err := spec.FindRoute("GET", "/jobs/0123456789abcdef0123456789abcdef/status")
	fmt.Println(route.OperationID, route.Path, err)
	err = spec.ValidateResponse(route, 200, http.Header{"Content-Type": {"application/json"}}, []byte(`{"status":"RUNNING"}`))
	fmt.Println(err)
	// Output:
	// true
	// getJobStatusInfo /jobs/{jobid}/status <nil>
	// <nil>
}
