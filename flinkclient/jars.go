package flinkclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// zip local-file-header and empty-archive signatures: every jar starts with one of them.
var (
	zipLocalHeader = []byte("PK\x03\x04")
	zipEmptyHeader = []byte("PK\x05\x06")
)

// UploadedJar is the JobManager's answer to an upload.
type UploadedJar struct {
	// ID identifies the jar in later calls ("<uuid>_<name>.jar").
	ID string
	// Filename is the path the JobManager stored the jar at.
	Filename string
}

// UploadJarOptions tunes [Client.UploadJar]. The zero value is valid.
type UploadJarOptions struct {
	// Size is the content length if known. It lets the request carry a Content-Length (some
	// proxies refuse chunked uploads) and gives Progress a total. 0 means unknown.
	Size int64
	// Progress, when set, is called as bytes of the jar are sent, with the running count and the
	// total (Size, or -1 when unknown). It runs on the uploading goroutine: keep it fast.
	Progress func(sent, total int64)
}

// UploadJarFile uploads the jar at path, streaming it from disk. The file must be a jar (zip)
// file: anything else fails with [ErrNotJar] before a byte is sent.
func (c *Client) UploadJarFile(ctx context.Context, path string, progress func(sent, total int64)) (*UploadedJar, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("flinkclient: upload jar: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("flinkclient: upload jar: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("flinkclient: upload jar: %s is a directory", path)
	}
	return c.UploadJar(ctx, filepath.Base(path), f, UploadJarOptions{Size: st.Size(), Progress: progress})
}

// UploadJar uploads a jar read from r as multipart/form-data (field "jarfile"), streaming it:
// the jar is never held in memory. name is the file name Flink stores it under and must end in
// ".jar" (Flink refuses other names). The content must start with a zip signature; otherwise
// the upload fails with [ErrNotJar] before any request is made. Uploads are not retried (the
// reader cannot be rewound) and are bounded only by ctx, not by the default timeout.
func (c *Client) UploadJar(ctx context.Context, name string, r io.Reader, opt UploadJarOptions) (*UploadedJar, error) {
	ps := invalid("UploadJar")
	if !strings.HasSuffix(name, ".jar") || name == ".jar" {
		ps.Add("name", name, "must end in .jar (Flink refuses other files)")
	}
	if strings.ContainsAny(name, "/\\\"\r\n") {
		ps.Add("name", name, "must be a bare file name without slashes or quotes")
	}
	if r == nil {
		ps.Add("reader", nil, "nil; pass the jar's content")
	}
	if opt.Size < 0 {
		ps.Add("Size", opt.Size, "must be >= 0 (0 = unknown)")
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	magic := make([]byte, 4)
	n, err := io.ReadFull(r, magic)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, fmt.Errorf("flinkclient: upload jar %s: read: %w", name, err)
	}
	magic = magic[:n]
	if !bytes.Equal(magic, zipLocalHeader) && !bytes.Equal(magic, zipEmptyHeader) {
		return nil, fmt.Errorf("%w: %s starts with %q, not a zip signature %q", ErrNotJar, name, magic, zipLocalHeader)
	}

	// The multipart envelope is rendered up front (a few hundred bytes); the jar itself
	// streams between head and tail, so the request has an exact Content-Length when Size is
	// known and nothing but a copy buffer is ever in memory.
	var env bytes.Buffer
	mw := multipart.NewWriter(&env)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="jarfile"; filename="%s"`, name))
	h.Set("Content-Type", "application/x-java-archive")
	if _, err := mw.CreatePart(h); err != nil {
		return nil, fmt.Errorf("flinkclient: upload jar: %w", err)
	}
	head := append([]byte(nil), env.Bytes()...)
	env.Reset()
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("flinkclient: upload jar: %w", err)
	}
	tail := append([]byte(nil), env.Bytes()...)

	total := int64(-1)
	if opt.Size > 0 {
		total = opt.Size
	}
	content := &progressReader{r: io.MultiReader(bytes.NewReader(magic), r), total: total, fn: opt.Progress}
	body := io.MultiReader(bytes.NewReader(head), content, bytes.NewReader(tail))
	length := int64(-1)
	if opt.Size > 0 {
		length = int64(len(head)) + opt.Size + int64(len(tail))
	}
	var out struct {
		Filename string `json:"filename"`
		Status   string `json:"status"`
	}
	err = c.do(ctx, call{
		method: http.MethodPost, route: "/jars/upload", path: "/jars/upload",
		raw: body, rawType: mw.FormDataContentType(), rawLen: length, noTimeout: true, out: &out,
	})
	if err != nil {
		return nil, err
	}
	if opt.Size > 0 && content.sent != opt.Size {
		return nil, fmt.Errorf("flinkclient: upload jar %s: sent %d bytes but Size said %d", name, content.sent, opt.Size)
	}
	if out.Filename == "" {
		return nil, &Error{Method: http.MethodPost, Path: "/jars/upload", Status: http.StatusOK, Err: fmt.Errorf("answer has no filename")}
	}
	return &UploadedJar{ID: path.Base(filepath.ToSlash(out.Filename)), Filename: out.Filename}, nil
}

type progressReader struct {
	r     io.Reader
	sent  int64
	total int64
	fn    func(sent, total int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.sent += int64(n)
		if p.fn != nil {
			p.fn(p.sent, p.total)
		}
	}
	return n, err
}

// JarList is GET /jars.
type JarList struct {
	// Address is the JobManager's address as it reports it.
	Address string `json:"address"`
	Files   []Jar  `json:"files"`
}

// Jar is an uploaded jar.
type Jar struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Uploaded is the upload time in epoch milliseconds.
	Uploaded int64 `json:"uploaded"`
	// Entries lists the entry classes Flink found in the manifest.
	Entries []JarEntry `json:"entry"`
}

// JarEntry is an entry class of a jar.
type JarEntry struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// ListJars lists the uploaded jars.
func (c *Client) ListJars(ctx context.Context) (*JarList, error) {
	var out JarList
	if err := c.do(ctx, call{method: http.MethodGet, route: "/jars", path: "/jars", idempotent: true, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteJar deletes an uploaded jar. An unknown jar gives an error matching [ErrJarNotFound].
func (c *Client) DeleteJar(ctx context.Context, jarID string) error {
	if err := checkJarID(jarID); err != nil {
		return err
	}
	return c.do(ctx, call{method: http.MethodDelete, route: "/jars/{jarid}", path: "/jars/" + escape(jarID), idempotent: true})
}

// RecoveryClaimMode says who owns the files of the snapshot a job restores from
// (Flink's restoreMode before 1.20, claimMode from 1.20 on).
type RecoveryClaimMode string

// Recovery claim modes.
const (
	// ClaimModeNoClaim: Flink does not own the snapshot; the first checkpoint is a full one.
	ClaimModeNoClaim RecoveryClaimMode = "NO_CLAIM"
	// ClaimModeClaim: Flink takes ownership of the snapshot and may delete it.
	ClaimModeClaim RecoveryClaimMode = "CLAIM"
	// ClaimModeLegacy: the pre-1.15 behaviour (deprecated by Flink).
	ClaimModeLegacy RecoveryClaimMode = "LEGACY"
)

// RunJarRequest is every field of POST /jars/{jarid}/run. Zero values are omitted, so Flink's
// defaults (the manifest's entry class, the cluster's parallelism) apply.
type RunJarRequest struct {
	// EntryClass is the main class, e.g. "com.atguigu.wc.StreamWordCount".
	EntryClass string
	// ProgramArgs are the program's arguments, one element per argument.
	ProgramArgs []string
	// Parallelism overrides the default parallelism when > 0.
	Parallelism int
	// JobID fixes the job's ID (32 lower-case hex digits).
	JobID string
	// SavepointPath restores the job from this savepoint or retained checkpoint.
	SavepointPath string
	// AllowNonRestoredState skips savepoint state that maps to no operator.
	AllowNonRestoredState bool
	// ClaimMode is sent as restoreMode (Flink 1.15, 1.18) or claimMode (1.20 on); Flink before
	// 1.15 has neither and restores the way LEGACY names.
	ClaimMode RecoveryClaimMode
	// FlinkConfiguration sets job configuration keys (Flink 1.18 on).
	FlinkConfiguration map[string]string
}

// PlanJarRequest is every field of POST /jars/{jarid}/plan.
type PlanJarRequest struct {
	EntryClass  string
	ProgramArgs []string
	Parallelism int
	JobID       string
	// FlinkConfiguration sets configuration keys for planning (Flink 1.18 on).
	FlinkConfiguration map[string]string
}

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

func checkJarID(id string) error {
	if id == "" || strings.ContainsAny(id, "/\\") {
		ps := invalid("jar ID")
		ps.Add("jar ID", id, "want the ID from UploadJar or ListJars (e.g. 1f2e..._job.jar)")
		return ps
	}
	return nil
}

func checkJobID(id string) error {
	if !hex32.MatchString(id) {
		ps := invalid("job ID")
		ps.Add("job ID", id, "want 32 lower-case hex digits")
		return ps
	}
	return nil
}

type jarRunBody struct {
	EntryClass            string            `json:"entryClass,omitempty"`
	ProgramArgsList       []string          `json:"programArgsList,omitempty"`
	Parallelism           int               `json:"parallelism,omitempty"`
	JobID                 string            `json:"jobId,omitempty"`
	SavepointPath         string            `json:"savepointPath,omitempty"`
	AllowNonRestoredState bool              `json:"allowNonRestoredState,omitempty"`
	RestoreMode           RecoveryClaimMode `json:"restoreMode,omitempty"`
	ClaimMode             RecoveryClaimMode `json:"claimMode,omitempty"`
	FlinkConfiguration    map[string]string `json:"flinkConfiguration,omitempty"`
}

// validateRun checks the fields a run and a plan request share; name is the request's.
func validateRun(name string, v Version, entry string, parallelism int, jobID string, conf map[string]string, mode RecoveryClaimMode, savepoint string) error {
	ps := invalid(name)
	if parallelism < 0 {
		ps.Add("Parallelism", parallelism, "must be >= 0 (0 = cluster default)")
	}
	if jobID != "" && !hex32.MatchString(jobID) {
		ps.Add("JobID", jobID, "must be 32 lower-case hex digits")
	}
	if strings.ContainsAny(entry, " /\t\n") {
		ps.Add("EntryClass", entry, "must be a Java class name such as com.example.Main")
	}
	if len(conf) > 0 && !v.AtLeast(Flink118) {
		ps.Add("FlinkConfiguration", nil, "not supported by Flink %s (needs 1.18); set the keys in the cluster's configuration", v)
	}
	switch mode {
	case "", ClaimModeClaim, ClaimModeNoClaim, ClaimModeLegacy:
	default:
		ps.Add("ClaimMode", string(mode), "want CLAIM, NO_CLAIM or LEGACY")
	}
	if mode != "" && !v.AtLeast(Flink115) {
		ps.Add("ClaimMode", string(mode), "not supported by Flink %s (needs 1.15, which added restoreMode); leave it empty: the job restores the pre-1.15 way (LEGACY)", v)
	}
	if mode != "" && savepoint == "" && name == "RunJarRequest" {
		ps.Add("ClaimMode", string(mode), "only meaningful with SavepointPath; set it or leave ClaimMode empty")
	}
	return ps.Err()
}

// RunJar starts a job from an uploaded jar and returns its job ID. It adapts the request to the
// cluster's version (restoreMode before Flink 1.20, claimMode from 1.20 on) and validates every
// field first, reporting all problems in one [*ValidationError]. It is not retried.
func (c *Client) RunJar(ctx context.Context, jarID string, req RunJarRequest) (string, error) {
	if err := checkJarID(jarID); err != nil {
		return "", err
	}
	v, err := c.FlinkVersion(ctx)
	if err != nil {
		return "", err
	}
	if err := validateRun("RunJarRequest", v, req.EntryClass, req.Parallelism, req.JobID, req.FlinkConfiguration, req.ClaimMode, req.SavepointPath); err != nil {
		return "", err
	}
	body := jarRunBody{
		EntryClass: req.EntryClass, ProgramArgsList: req.ProgramArgs, Parallelism: req.Parallelism,
		JobID: req.JobID, SavepointPath: req.SavepointPath, AllowNonRestoredState: req.AllowNonRestoredState,
		FlinkConfiguration: req.FlinkConfiguration,
	}
	if v.AtLeast(Flink120) {
		body.ClaimMode = req.ClaimMode
	} else {
		body.RestoreMode = req.ClaimMode
	}
	var out struct {
		JobID string `json:"jobid"`
	}
	err = c.do(ctx, call{method: http.MethodPost, route: "/jars/{jarid}/run", path: "/jars/" + escape(jarID) + "/run", body: body, out: &out})
	if err != nil {
		return "", err
	}
	if out.JobID == "" {
		return "", &Error{Method: http.MethodPost, Path: "/jars/" + jarID + "/run", Status: http.StatusOK, Err: fmt.Errorf("answer has no jobid")}
	}
	return out.JobID, nil
}

// PlanJar returns the dataflow plan (JSON, shape varies by version) a jar would run with.
func (c *Client) PlanJar(ctx context.Context, jarID string, req PlanJarRequest) (json.RawMessage, error) {
	if err := checkJarID(jarID); err != nil {
		return nil, err
	}
	v, err := c.FlinkVersion(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateRun("PlanJarRequest", v, req.EntryClass, req.Parallelism, req.JobID, req.FlinkConfiguration, "", ""); err != nil {
		return nil, err
	}
	body := jarRunBody{EntryClass: req.EntryClass, ProgramArgsList: req.ProgramArgs, Parallelism: req.Parallelism,
		JobID: req.JobID, FlinkConfiguration: req.FlinkConfiguration}
	var out struct {
		Plan json.RawMessage `json:"plan"`
	}
	err = c.do(ctx, call{method: http.MethodPost, route: "/jars/{jarid}/plan", path: "/jars/" + escape(jarID) + "/plan", body: body, idempotent: true, out: &out})
	return out.Plan, err
}
