package dashboard

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
)

// WriteReport writes the experiments as one self-contained HTML file: the dashboard's page with its
// stylesheet inline, every job's details (configuration, log tails, charts as inline SVG) below its
// run, and no script, so it reads the same attached to a ticket years later.
func (s *Server) WriteReport(w io.Writer) error {
	exps, version := s.snapshot()
	bw := bufio.NewWriter(w)
	if err := s.tmpl.ExecuteTemplate(bw, "page", s.pageData(exps, version, true)); err != nil {
		return err
	}
	return bw.Flush()
}

// writeFileAtomic writes through a temporary file renamed over path, so an interrupted report never
// leaves half a file where the last good one was.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
