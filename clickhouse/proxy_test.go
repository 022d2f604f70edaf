package clickhouse

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// proxy forwards TCP connections to a target until it is cut: tests route a
// client through one to make ClickHouse unreachable and reachable again, or,
// stalled, to make it stop answering while the connections stay open.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	up     bool
	conns  []net.Conn
	// stalled is non-nil while the proxy holds data back; Resume closes it.
	stalled chan struct{}
	// held counts the reads waiting for Resume.
	held int
	// toServer counts the bytes forwarded from clients to the target.
	toServer atomic.Int64
}

func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, up: true}
	t.Cleanup(func() { ln.Close(); p.Cut(); p.Resume() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if !p.up {
				p.mu.Unlock()
				in.Close()
				continue
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				p.mu.Unlock()
				in.Close()
				continue
			}
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { p.forward(out, in, &p.toServer); out.Close() }()
			go func() { p.forward(in, out, nil); in.Close() }()
		}
	}()
	return p
}

// forward copies src to dst, holding each read back while the proxy is
// stalled, and adds the bytes written to count unless it is nil.
func (p *proxy) forward(dst io.Writer, src io.Reader, count *atomic.Int64) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.gate()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
			if count != nil {
				count.Add(int64(n))
			}
		}
		if err != nil {
			return
		}
	}
}

// gate waits while the proxy is stalled.
func (p *proxy) gate() {
	p.mu.Lock()
	stalled := p.stalled
	if stalled != nil {
		p.held++
	}
	p.mu.Unlock()
	if stalled == nil {
		return
	}
	<-stalled
	p.mu.Lock()
	p.held--
	p.mu.Unlock()
}

// Addr is the proxy's host:port.
func (p *proxy) Addr() string { return p.ln.Addr().String() }

// Cut closes every forwarded connection and refuses new ones.
func (p *proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.up = false
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// Restore forwards new connections again.
func (p *proxy) Restore() {
	p.mu.Lock()
	p.up = true
	p.mu.Unlock()
}

// Stall stops forwarding data, in both directions, until Resume: the
// connections stay open and the server seems to hang.
func (p *proxy) Stall() {
	p.mu.Lock()
	if p.stalled == nil {
		p.stalled = make(chan struct{})
	}
	p.mu.Unlock()
}

// Resume forwards the data held back and whatever follows.
func (p *proxy) Resume() {
	p.mu.Lock()
	if p.stalled != nil {
		close(p.stalled)
		p.stalled = nil
	}
	p.mu.Unlock()
}

// Held is the number of reads the stall holds back: above zero once a
// client has sent something that the server has not been given.
func (p *proxy) Held() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held
}
