package simulator

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
)

const (
	headerUser      = "X-AUSERNAME"
	contentTypeJSON = "application/json;charset=UTF-8"
	contentTypeHTML = "text/html;charset=UTF-8"
)

// writeJSON writes v the way Jackson does: no HTML escaping of <, > and &.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("simulator: encoding %T: %v", v, err))
	}
	w.Header().Set("Content-Type", contentTypeJSON)
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func writeHTML(w http.ResponseWriter, status int, page string) {
	w.Header().Set("Content-Type", contentTypeHTML)
	w.WriteHeader(status)
	w.Write([]byte(page))
}

// restError is the {"message","status-code"} body Jira and Confluence use for
// errors raised outside a resource.
func restError(status int, msg string) map[string]any {
	return map[string]any{"message": msg, "status-code": status}
}

func generic401() map[string]any {
	return restError(http.StatusUnauthorized, "Client must be authenticated to access this resource.")
}

func notFound(w http.ResponseWriter, r *http.Request, base string) {
	writeJSON(w, http.StatusNotFound, restError(http.StatusNotFound, "null for uri: "+base+r.URL.RequestURI()))
}

// methodNotAllowed is Jersey's answer for a known path with the wrong method.
func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	w.WriteHeader(http.StatusMethodNotAllowed)
}

// statusWriter remembers the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	status  int
	aborted bool // no response reached the client (reset, hang, client gone)
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) finalStatus() int {
	switch {
	case w.aborted:
		return 0
	case w.status == 0:
		return http.StatusOK // what net/http sends for a handler that wrote nothing
	}
	return w.status
}

// bufferedResponse holds the real handler's answer while an AfterHandle fault
// decides whether the client gets it.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newBufferedResponse() *bufferedResponse {
	return &bufferedResponse{header: http.Header{}}
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedResponse) copyTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	w.WriteHeader(cmp.Or(b.status, http.StatusOK))
	w.Write(b.body.Bytes())
}

// randomHex returns n random bytes as lowercase hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return formatUUID(b, 4)
}

// formatUUID stamps the RFC 9562 version and variant bits on 16 bytes.
func formatUUID(b []byte, version byte) string {
	u := make([]byte, 16)
	copy(u, b)
	u[6] = u[6]&0x0f | version<<4
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
