package flinkspec

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// ValidationError reports a request or response that does not conform to a [Spec].
type ValidationError struct {
	// Spec names the spec, for example "Flink 1.20 JobManager REST API v1".
	Spec string
	// Method and Path identify the request (Path as sent, escaped).
	Method, Path string
	// OperationID is the matched operation.
	OperationID string
	// Response is true when a response failed validation, false for a request.
	Response bool
	// Status is the response status (0 for requests).
	Status int
	// Err is the underlying kin-openapi or flinkspec error.
	Err error
}

// Error implements error.
func (e *ValidationError) Error() string {
	what := "request"
	if e.Response {
		what = fmt.Sprintf("response %d", e.Status)
	}
	return fmt.Sprintf("flinkspec: %s: %s %s %s (%s) does not conform: %v",
		e.Spec, what, e.Method, e.Path, e.OperationID, e.Err)
}

// Unwrap returns the underlying error.
func (e *ValidationError) Unwrap() error { return e.Err }

var filterOptions = &openapi3filter.Options{
	MultiError:            true,
	IncludeResponseStatus: true,
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
}

// ValidateRequest finds the operation for r and checks its path and query parameters and its
// JSON body against the spec. The body is read and replaced by an equivalent reader, so r stays
// usable — except for binary (jar upload) bodies, which are checked by Content-Type only and left
// unread so that the caller can stream them. Routing errors wrap [ErrNoRoute] or
// [ErrMethodNotAllowed]; conformance errors are a [*ValidationError].
func (s *Spec) ValidateRequest(r *http.Request) (*Route, error) {
	route, err := s.FindRoute(r.Method, r.URL.EscapedPath())
	if err != nil {
		return nil, err
	}
	opts := *filterOptions
	op := route.route.Operation
	if op.RequestBody != nil && op.RequestBody.Value != nil && isBinaryBody(op.RequestBody.Value) {
		if err := checkUploadContentType(r.Header.Get("Content-Type"), op.RequestBody.Value); err != nil {
			return route, s.requestError(r, route, err)
		}
		opts.ExcludeRequestBody = true
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: route.PathParams,
		Route:      route.route,
		Options:    &opts,
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		return route, s.requestError(r, route, err)
	}
	if !opts.ExcludeRequestBody {
		if err := checkUnknownProperties(r, op); err != nil {
			return route, s.requestError(r, route, err)
		}
	}
	return route, nil
}

// checkUnknownProperties rejects top-level JSON properties the request body schema does not
// declare. The specs leave additionalProperties unstated (JSON Schema: allowed), but Flink
// decodes request bodies with Jackson's FAIL_ON_UNKNOWN_PROPERTIES on, so an unknown field
// (say claimMode sent to Flink 1.18) is a 400 there.
func checkUnknownProperties(r *http.Request, op *openapi3.Operation) error {
	if op.RequestBody == nil || op.RequestBody.Value == nil || r.Body == nil {
		return nil
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	schema := mt.Schema.Value
	if len(schema.Properties) == 0 || schema.AdditionalProperties.Schema != nil || schema.AdditionalProperties.Has != nil {
		return nil
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	var obj map[string]json.RawMessage
	if len(bytes.TrimSpace(data)) == 0 || json.Unmarshal(data, &obj) != nil {
		return nil // shape errors are kin-openapi's to report
	}
	var unknown []string
	for k := range obj {
		if _, ok := schema.Properties[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	known := make([]string, 0, len(schema.Properties))
	for k := range schema.Properties {
		known = append(known, k)
	}
	sort.Strings(known)
	return fmt.Errorf("unknown body properties %q (Flink rejects unknown fields; this version knows %q)", unknown, known)
}

func (s *Spec) requestError(r *http.Request, route *Route, err error) error {
	return &ValidationError{Spec: s.String(), Method: r.Method, Path: r.URL.EscapedPath(), OperationID: route.OperationID, Err: err}
}

// isBinaryBody reports whether a request body is a file upload: every media type is either a
// binary string (Flink 1.18 on declare the jar upload as application/x-java-archive, type string,
// format binary) or multipart/form-data (Flink 1.15 declares a "jarfile" part of binary strings).
func isBinaryBody(rb *openapi3.RequestBody) bool {
	if len(rb.Content) == 0 {
		return false
	}
	for name, mt := range rb.Content {
		if name == "multipart/form-data" {
			continue
		}
		if mt.Schema == nil || mt.Schema.Value == nil || mt.Schema.Value.Format != "binary" {
			return false
		}
	}
	return true
}

// checkUploadContentType accepts what a Flink upload handler accepts: the spec's media type
// itself, or multipart/form-data with a boundary (how the web UI, curl -F and every client send
// a jar; Flink's FileUploadHandler decodes multipart bodies only).
func checkUploadContentType(ct string, rb *openapi3.RequestBody) error {
	if ct == "" {
		return fmt.Errorf("missing Content-Type for a file upload (want multipart/form-data)")
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("bad Content-Type %q: %v", ct, err)
	}
	if mt == "multipart/form-data" {
		if params["boundary"] == "" {
			return fmt.Errorf("multipart/form-data without a boundary")
		}
		return nil
	}
	if _, ok := rb.Content[mt]; ok {
		return nil
	}
	return fmt.Errorf("Content-Type %q for a file upload (want multipart/form-data)", mt)
}

// errorBodySchema is Flink's ErrorResponseBody, which the generated specs never list:
// every 4xx/5xx answer is {"errors": ["..."]}.
var errorBodySchema = &openapi3.Schema{
	Type:     &openapi3.Types{openapi3.TypeObject},
	Required: []string{"errors"},
	Properties: openapi3.Schemas{
		"errors": openapi3.NewSchemaRef("", &openapi3.Schema{
			Type:  &openapi3.Types{openapi3.TypeArray},
			Items: openapi3.NewSchemaRef("", openapi3.NewStringSchema()),
		}),
	},
}

// ValidateResponse checks a response to route: a 2xx status must be one the operation declares
// and its body must match the declared JSON schema (a status declared without content must have an
// empty body or a JSON object, as Flink sends "{}"); a 4xx/5xx status must carry Flink's error
// body {"errors": [...]}; both need a JSON Content-Type when they have a body.
func (s *Spec) ValidateResponse(route *Route, status int, header http.Header, body []byte) error {
	if route == nil || route.route == nil {
		return fmt.Errorf("flinkspec: ValidateResponse needs a route from FindRoute or ValidateRequest")
	}
	fail := func(err error) error {
		return &ValidationError{Spec: s.String(), Method: route.Method, Path: route.Path,
			OperationID: route.OperationID, Response: true, Status: status, Err: err}
	}
	if status >= 400 {
		if err := checkJSONContentType(header); err != nil {
			return fail(err)
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return fail(fmt.Errorf("error body is not JSON: %v", err))
		}
		if err := errorBodySchema.VisitJSON(v, openapi3.MultiErrors()); err != nil {
			return fail(fmt.Errorf("error body is not Flink's {\"errors\": [...]}: %w", err))
		}
		return nil
	}
	resp := route.route.Operation.Responses.Status(status)
	if resp == nil || resp.Value == nil {
		return fail(fmt.Errorf("status %d is not declared (declared: %s)", status, declaredStatuses(route.route.Operation)))
	}
	if len(resp.Value.Content) == 0 {
		if len(bytes.TrimSpace(body)) == 0 {
			return nil
		}
		var obj map[string]any
		if err := json.Unmarshal(body, &obj); err != nil {
			return fail(fmt.Errorf("status %d declares no body; got a body that is not a JSON object: %v", status, err))
		}
		return nil
	}
	if err := checkJSONContentType(header); err != nil {
		return fail(err)
	}
	req, _ := http.NewRequest(route.Method, "http://flinkspec.invalid"+route.Path, nil)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route.route, PathParams: route.PathParams, Options: filterOptions},
		Status:                 status,
		Header:                 header,
		Options:                filterOptions,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fail(err)
	}
	return nil
}

func checkJSONContentType(h http.Header) error {
	ct := h.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return fmt.Errorf("Content-Type %q, want application/json", ct)
	}
	return nil
}

func declaredStatuses(op *openapi3.Operation) string {
	var out []string
	for code := range op.Responses.Map() {
		out = append(out, code)
	}
	return strings.Join(out, ", ")
}
