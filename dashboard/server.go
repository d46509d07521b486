package dashboard

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

//go:embed assets
var assets embed.FS

// Tail sizes: the page shows the last 64 KiB of a log; the report, which holds every job, 8 KiB.
const (
	liveTailBytes   = 64 << 10
	reportTailBytes = 8 << 10
	maxFileBytes    = 16 << 20 // /file serves at most this much (the end of the file)
)

// Server serves the dashboard of a fixed set of experiment directories. Its state is the latest
// readable manifest of each; Follow keeps it current and pushes changes to the pages that listen.
type Server struct {
	roots []string // the experiment directories, symlinks resolved: nothing outside them is served
	now   func() time.Time
	log   *slog.Logger
	tmpl  *template.Template
	// loopbackOnly: the server listens on loopback, so requests must name a loopback host (a page on
	// another site that rebinds its DNS name to 127.0.0.1 is refused).
	loopbackOnly bool

	mu      sync.RWMutex
	exps    []*Experiment
	version uint64 // bumped at every change pushed to the pages

	hub hub
}

// NewServer reads the experiments in dirs. Each must be an existing directory; a directory without a
// manifest yet is shown as waiting for one.
func NewServer(dirs []string, log *slog.Logger) (*Server, error) {
	if len(dirs) == 0 {
		return nil, errors.New("no experiment directory given")
	}
	s := &Server{now: time.Now, log: log}
	for i, d := range dirs {
		root, err := realRoot(d)
		if err != nil {
			return nil, fmt.Errorf("experiment directory %s: %w", d, err)
		}
		s.roots = append(s.roots, root)
		s.exps = append(s.exps, loadExperiment(i, root))
	}
	s.tmpl = parseTemplates()
	s.hub.subs = map[chan []byte]struct{}{}
	return s, nil
}

// Handler is the dashboard's HTTP API: the page, its assets, fragments the page swaps in when the
// server says something changed, confined file reads, and the two event streams.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.handlePage)
	mux.HandleFunc("GET /static/{name}", s.handleStatic)
	mux.HandleFunc("GET /fragment/experiment", s.handleExperimentFragment)
	mux.HandleFunc("GET /fragment/gantt", s.handleGanttFragment)
	mux.HandleFunc("GET /fragment/table", s.handleTableFragment)
	mux.HandleFunc("GET /fragment/job", s.handleJobFragment)
	mux.HandleFunc("GET /file", s.handleFile)
	mux.HandleFunc("GET /events", s.handleEvents)
	mux.HandleFunc("GET /events/job", s.handleJobEvents)
	return s.guard(mux)
}

// guard refuses requests for a non-loopback Host when serving on loopback, and sets headers that keep
// the page from being framed or from loading anything but its own assets.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.loopbackOnly && !loopbackHost(r.Host) {
			http.Error(w, "ssrun dashboard answers only to localhost (use ssh -L and open http://localhost:PORT/)", http.StatusForbidden)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil && len(host) > 2 && host[0] == '[' {
		ip = net.ParseIP(host[1 : len(host)-1])
	}
	return ip != nil && ip.IsLoopback()
}

func (s *Server) snapshot() (exps []*Experiment, version uint64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]*Experiment(nil), s.exps...), s.version
}

func (s *Server) experiment(r *http.Request) (*Experiment, bool) {
	i, err := strconv.Atoi(r.URL.Query().Get("exp"))
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err != nil || i < 0 || i >= len(s.exps) {
		return nil, false
	}
	return s.exps[i], true
}

// handlePage serves the page: per run its summary, timeline and the first page of its table (or the
// page ?exp=&run=&status=&q=&page= asks for, so the table's links work without the script).
func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	exps, version := s.snapshot()
	p := s.pageData(exps, version, false)
	if q, ok := parseTableQuery(r.URL.Query()); ok {
		p.Query = &q
	}
	s.render(w, "page", p)
}

// handleTableFragment serves one page of a run's table (?exp=&run=&status=&q=&page=), which the
// script swaps in when the reader pages, filters or searches, or when a patch touched more rows than
// it carries.
func (s *Server) handleTableFragment(w http.ResponseWriter, r *http.Request) {
	q, ok := parseTableQuery(r.URL.Query())
	x, found := s.experiment(r)
	if !ok || !found {
		http.Error(w, "no such experiment", http.StatusNotFound)
		return
	}
	for i := range x.Runs {
		if x.Runs[i].ID == q.Run {
			s.render(w, "table", x.Runs[i].table(q, s.now()))
			return
		}
	}
	http.Error(w, "no such run", http.StatusNotFound)
}

func (s *Server) pageData(exps []*Experiment, version uint64, static bool) *pageData {
	p := &pageData{Exps: exps, Version: version, Static: static, Now: s.now(), srv: s}
	if static {
		css, _ := assets.ReadFile("assets/style.css")
		p.CSS = template.CSS(css)
	}
	return p
}

func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	types := map[string]string{"style.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"}
	ct, ok := types[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	data, err := assets.ReadFile("assets/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Write(data)
}

func (s *Server) handleExperimentFragment(w http.ResponseWriter, r *http.Request) {
	x, ok := s.experiment(r)
	if !ok {
		http.Error(w, "no such experiment", http.StatusNotFound)
		return
	}
	_, version := s.snapshot()
	p := s.pageData(nil, version, false)
	s.render(w, "experiment", p.Exp(x))
}

func (s *Server) handleGanttFragment(w http.ResponseWriter, r *http.Request) {
	x, ok := s.experiment(r)
	if !ok {
		http.Error(w, "no such experiment", http.StatusNotFound)
		return
	}
	id := r.URL.Query().Get("run")
	for i := range x.Runs {
		if x.Runs[i].ID == id {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, string(gantt(x.Runs[i].Jobs, s.now())))
			return
		}
	}
	http.Error(w, "no such run", http.StatusNotFound)
}

func (s *Server) handleJobFragment(w http.ResponseWriter, r *http.Request) {
	x, ok := s.experiment(r)
	if !ok {
		http.Error(w, "no such experiment", http.StatusNotFound)
		return
	}
	j := x.Job(r.URL.Query().Get("key"))
	if j == nil {
		http.Error(w, "no such job", http.StatusNotFound)
		return
	}
	s.render(w, "job", s.detail(x, j, liveTailBytes))
}

// handleFile serves the end of one file inside an experiment directory as plain text: ?exp=N&path=P,
// P relative to the experiment directory or absolute. Anything resolving outside is refused (403).
func (s *Server) handleFile(w http.ResponseWriter, r *http.Request) {
	x, ok := s.experiment(r)
	if !ok {
		http.Error(w, "no such experiment", http.StatusNotFound)
		return
	}
	real, err := confined(s.roots[x.Index], r.URL.Query().Get("path"))
	switch {
	case errors.Is(err, errOutside):
		http.Error(w, errOutside.Error(), http.StatusForbidden)
		return
	case errors.Is(err, fs.ErrNotExist):
		http.Error(w, "not written yet", http.StatusNotFound)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	t := readTail(s.roots[x.Index], real, maxFileBytes)
	if t.Missing != "" {
		http.Error(w, t.Missing, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, t.Text)
}

// render executes a template into a buffer first, so a failure is a clean 500, not half a page.
func (s *Server) render(w http.ResponseWriter, name string, data any) {
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("rendering", "template", name, "error", err)
		http.Error(w, "internal error rendering "+name, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

// hub fans events out to the pages listening on /events. A page that cannot keep up is dropped; its
// EventSource reconnects and, being behind, is told to reload.
type hub struct {
	mu   sync.Mutex
	subs map[chan []byte]struct{}
}

func (h *hub) subscribe() chan []byte {
	ch := make(chan []byte, 64)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch
}

func (h *hub) unsubscribe(ch chan []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[ch]; ok {
		delete(h.subs, ch)
		close(ch)
	}
}

func (h *hub) publish(msg []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- msg:
		default: // too slow: drop it; it reconnects and reloads
			delete(h.subs, ch)
			close(ch)
		}
	}
}

// sseMessage formats one Server-Sent Event.
func sseMessage(event string, id uint64, data any) []byte {
	payload, _ := json.Marshal(data)
	return fmt.Appendf(nil, "id: %d\nevent: %s\ndata: %s\n\n", id, event, payload)
}

// handleEvents streams changes to a page: `patch` (rows whose status changed, run counts) and
// `reload` (an experiment whose set of jobs changed; the page fetches its fragment again). A page
// that connects behind the current version (it missed events) is told to reload everything.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	ch := s.hub.subscribe()
	defer s.hub.unsubscribe(ch)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	exps, version := s.snapshot()
	since := r.Header.Get("Last-Event-ID")
	if since == "" {
		since = r.URL.Query().Get("since")
	}
	fmt.Fprintf(w, "retry: 1000\n\n")
	if since != strconv.FormatUint(version, 10) {
		for _, x := range exps {
			w.Write(sseMessage("reload", version, map[string]int{"exp": x.Index}))
		}
	}
	fmt.Fprintf(w, "id: %d\nevent: hello\ndata: {}\n\n", version)
	fl.Flush()
	keepalive := time.NewTicker(25 * time.Second) // proxies and ssh tunnels close silent connections
	defer keepalive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case msg, ok := <-ch:
			if !ok {
				return
			}
			w.Write(msg)
			fl.Flush()
		case <-keepalive.C:
			io.WriteString(w, ": keepalive\n\n")
			fl.Flush()
		}
	}
}

// ListenAndServe serves until ctx is done, following the experiments meanwhile. ready, if not nil,
// receives the address actually bound (port 0 picks one).
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok {
		s.loopbackOnly = tcp.IP.IsLoopback()
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	followErr := make(chan error, 1)
	go func() { followErr <- s.Follow(ctx) }()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if ready != nil {
		ready(ln.Addr())
	}
	err = srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	if ferr := <-followErr; err == nil && ferr != nil {
		err = ferr
	}
	return err
}

// stderrLogger is the default logger of the command.
func stderrLogger(w io.Writer) *slog.Logger {
	if w == nil {
		w = os.Stderr
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
