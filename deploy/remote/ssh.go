package remote

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/user"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Sentinels matched by a [*ConnectError] with [errors.Is].
var (
	// ErrHostUnreachable: the TCP connection could not be made (refused, timed out, no route, unknown host).
	ErrHostUnreachable = errors.New("remote: host unreachable")
	// ErrAuthFailed: the SSH server refused every key offered.
	ErrAuthFailed = errors.New("remote: SSH authentication failed")
	// ErrHostKeyRejected: the server's host key is not the one known_hosts holds (or is not listed at all).
	ErrHostKeyRejected = errors.New("remote: SSH host key rejected")
)

// ConnectError reports a failed SSH connection to a host: which host, which address, and why. It matches
// [ErrHostUnreachable], [ErrAuthFailed] or [ErrHostKeyRejected] with [errors.Is] and unwraps to the cause.
type ConnectError struct {
	Host, Addr, User string
	Kind             error // one of the sentinels, or nil when the cause is something else
	Err              error
}

func (e *ConnectError) Error() string {
	what := "cannot connect"
	switch e.Kind {
	case ErrHostUnreachable:
		what = "host unreachable"
	case ErrAuthFailed:
		what = "SSH key refused for user " + e.User
	case ErrHostKeyRejected:
		what = "SSH host key rejected"
	}
	return fmt.Sprintf("remote: %s (%s): %s: %v", e.Host, e.Addr, what, e.Err)
}

// Unwrap returns the underlying error.
func (e *ConnectError) Unwrap() error { return e.Err }

// Is matches the error's kind sentinel.
func (e *ConnectError) Is(target error) bool { return e.Kind != nil && target == e.Kind }

// SSHConfig configures [NewSSHConnector]. The zero value of each field means its documented default, except that
// a host key policy must be chosen: HostKeyCallback, or InsecureIgnoreHostKey explicitly.
type SSHConfig struct {
	// User logs in on every host; "" means the local user's name, as ssh does.
	User string
	// Port is used for hosts whose address has no port; 0 means 22.
	Port int
	// Signers are the private keys offered, in order. Load one with [LoadPrivateKey].
	Signers []ssh.Signer
	// HostKeyCallback verifies each server's host key, e.g. from [KnownHosts].
	HostKeyCallback ssh.HostKeyCallback
	// InsecureIgnoreHostKey accepts any host key. Only for throwaway test servers; never the default.
	InsecureIgnoreHostKey bool
	// DialTimeout bounds connecting and the SSH handshake when ctx has no earlier deadline; 0 means 10 s.
	DialTimeout time.Duration
	// Addresses maps plan host names to the address to dial ("hadoop102" -> "10.0.0.12:22"); hosts not listed
	// are dialled by name.
	Addresses map[string]string
}

// String describes the configuration without key material.
func (c SSHConfig) String() string {
	policy := "known-hosts callback"
	if c.HostKeyCallback == nil {
		policy = "no host key policy"
		if c.InsecureIgnoreHostKey {
			policy = "INSECURE: any host key"
		}
	}
	return fmt.Sprintf("SSHConfig{User:%q Port:%d Keys:%d (redacted) HostKeys:%s Addresses:%v}", c.User, c.Port, len(c.Signers), policy, c.Addresses)
}

// GoString is String, so %#v does not print private keys either.
func (c SSHConfig) GoString() string { return c.String() }

// KnownHosts returns a host key callback that accepts only keys listed in the OpenSSH known_hosts files.
func KnownHosts(files ...string) (ssh.HostKeyCallback, error) {
	cb, err := knownhosts.New(files...)
	if err != nil {
		return nil, fmt.Errorf("remote: reading known_hosts: %w", err)
	}
	return cb, nil
}

// LoadPrivateKey reads an unencrypted OpenSSH or PEM private key file. Errors name the file, never its content.
func LoadPrivateKey(file string) (ssh.Signer, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("remote: reading private key: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(data)
	if err != nil {
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return nil, fmt.Errorf("remote: private key %s is encrypted; decrypt it with ssh.ParsePrivateKeyWithPassphrase and pass the signer in SSHConfig.Signers", file)
		}
		return nil, fmt.Errorf("remote: private key %s: %w", file, err)
	}
	return signer, nil
}

// SSHConnector opens SSH executors, one connection per host, with SFTP for file writes.
type SSHConnector struct {
	cfg SSHConfig
}

// NewSSHConnector validates cfg and returns a connector. It does no I/O: connections are made by Connect.
func NewSSHConnector(cfg SSHConfig) (*SSHConnector, error) {
	ps := invalid("SSH configuration")
	if cfg.HostKeyCallback == nil && !cfg.InsecureIgnoreHostKey {
		ps.Add("SSHConfig.HostKeyCallback", "", "choose a host key policy: set HostKeyCallback (e.g. deploy.KnownHosts(\"~/.ssh/known_hosts\")), or InsecureIgnoreHostKey for a throwaway test server")
	}
	if cfg.HostKeyCallback != nil && cfg.InsecureIgnoreHostKey {
		ps.Add("SSHConfig.InsecureIgnoreHostKey", "true", "set either HostKeyCallback or InsecureIgnoreHostKey, not both")
	}
	if len(cfg.Signers) == 0 {
		ps.Add("SSHConfig.Signers", "", "give at least one private key (deploy.LoadPrivateKey)")
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		ps.Add("SSHConfig.Port", strconv.Itoa(cfg.Port), "a port is between 1 and 65535 (0 means 22)")
	}
	if cfg.DialTimeout < 0 {
		ps.Add("SSHConfig.DialTimeout", cfg.DialTimeout.String(), "use a positive duration (0 means 10 s)")
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	c := cfg
	c.Signers = append([]ssh.Signer(nil), cfg.Signers...)
	c.Addresses = make(map[string]string, len(cfg.Addresses))
	for k, v := range cfg.Addresses {
		c.Addresses[k] = v
	}
	if c.Port == 0 {
		c.Port = 22
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = 10 * time.Second
	}
	return &SSHConnector{cfg: c}, nil
}

// Connect dials host, authenticates and returns an [Executor] bound to the connection. Failures are
// [*ConnectError]s.
func (c *SSHConnector) Connect(ctx context.Context, host string) (Executor, error) {
	addr := host
	if a, ok := c.cfg.Addresses[host]; ok {
		addr = a
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, strconv.Itoa(c.cfg.Port))
	}
	userName := c.cfg.User
	if userName == "" {
		u, err := user.Current()
		if err != nil {
			return nil, &ConnectError{Host: host, Addr: addr, Err: fmt.Errorf("no SSHConfig.User and the local user is unknown: %w", err)}
		}
		userName = u.Username
	}
	hostKeys := c.cfg.HostKeyCallback
	if c.cfg.InsecureIgnoreHostKey {
		hostKeys = ssh.InsecureIgnoreHostKey() //nolint:gosec // explicitly requested by the caller
	}
	var keyErr error
	clientCfg := &ssh.ClientConfig{
		User: userName,
		Auth: []ssh.AuthMethod{ssh.PublicKeys(c.cfg.Signers...)},
		HostKeyCallback: func(hostname string, remote net.Addr, key ssh.PublicKey) error {
			err := hostKeys(hostname, remote, key)
			keyErr = err
			return err
		},
		Timeout: c.cfg.DialTimeout,
	}

	dialCtx, cancel := context.WithTimeout(ctx, c.cfg.DialTimeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(dialCtx, "tcp", addr)
	if err != nil {
		return nil, &ConnectError{Host: host, Addr: addr, User: userName, Kind: ErrHostUnreachable, Err: err}
	}
	if deadline, ok := dialCtx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	sshConn, chans, reqs, err := ssh.NewClientConn(conn, addr, clientCfg)
	if err != nil {
		conn.Close()
		kind := error(nil)
		switch {
		case keyErr != nil:
			kind = ErrHostKeyRejected
		case strings.Contains(err.Error(), "unable to authenticate"):
			kind = ErrAuthFailed
		case dialCtx.Err() != nil:
			kind = ErrHostUnreachable
		}
		return nil, &ConnectError{Host: host, Addr: addr, User: userName, Kind: kind, Err: err}
	}
	conn.SetDeadline(time.Time{})
	return &sshExecutor{host: host, client: ssh.NewClient(sshConn, chans, reqs)}, nil
}

// sshExecutor runs commands in SSH sessions and writes files over SFTP on one connection.
type sshExecutor struct {
	host   string
	client *ssh.Client

	mu     sync.Mutex
	sftp   *sftp.Client
	closed bool
}

func (e *sshExecutor) Host() string { return e.host }

// Run sends the shell-quoted command line to the remote shell. Cancelling ctx returns at once, asks the server
// to kill the command and closes the session; a server that refuses signals lets the command run to its end.
func (e *sshExecutor) Run(ctx context.Context, cmd Command) (Result, error) {
	if len(cmd.Args) == 0 {
		return Result{}, errors.New("remote: empty command")
	}
	session, err := e.client.NewSession()
	if err != nil {
		return Result{}, fmt.Errorf("remote: %s: opening SSH session: %w", e.host, err)
	}
	defer session.Close()
	var stdout, stderr lockedBuffer
	session.Stdout, session.Stderr = &stdout, &stderr
	if err := session.Start(cmd.Shell()); err != nil {
		return Result{}, fmt.Errorf("remote: %s: %s: %w", e.host, cmd, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- session.Wait() }()
	select {
	case err = <-waited:
	case <-ctx.Done():
		// Ask the server to kill the command (OpenSSH honours this only with privilege separation) and stop
		// waiting for it either way; the deferred Close ends the session.
		session.Signal(ssh.SIGKILL)
		return Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()},
			fmt.Errorf("remote: %s: %s: %w", e.host, cmd, ctx.Err())
	}
	res := Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	if err == nil {
		return res, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return res, fmt.Errorf("remote: %s: %s: %w", e.host, cmd, ctxErr)
	}
	var exitErr *ssh.ExitError
	if errors.As(err, &exitErr) {
		return res, &ExitError{Host: e.host, Command: cmd.String(), ExitCode: exitErr.ExitStatus(), Stderr: stderrTail(res.Stderr)}
	}
	var missing *ssh.ExitMissingError
	if errors.As(err, &missing) {
		return res, &ExitError{Host: e.host, Command: cmd.String(), ExitCode: -1, Stderr: stderrTail(res.Stderr)}
	}
	return res, fmt.Errorf("remote: %s: %s: %w", e.host, cmd, err)
}

func (e *sshExecutor) sftpClient() (*sftp.Client, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, fmt.Errorf("remote: %s: executor is closed", e.host)
	}
	if e.sftp == nil {
		c, err := sftp.NewClient(e.client)
		if err != nil {
			return nil, fmt.Errorf("remote: %s: starting SFTP: %w", e.host, err)
		}
		e.sftp = c
	}
	return e.sftp, nil
}

// WriteFile uploads through SFTP into a temporary name in the target directory, sets the mode, and renames it
// over the target (posix-rename where the server offers it, so readers never see half a file).
func (e *sshExecutor) WriteFile(ctx context.Context, p string, data []byte, mode fs.FileMode) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !path.IsAbs(p) {
		return fmt.Errorf("remote: %s: write %q: path must be absolute", e.host, p)
	}
	c, err := e.sftpClient()
	if err != nil {
		return err
	}
	// SFTP calls take no context: closing the client on cancellation aborts a call in flight.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	wrap := func(op string, err error) error {
		if ctx.Err() != nil {
			return fmt.Errorf("remote: %s: %s %s: %w", e.host, op, p, ctx.Err())
		}
		return fmt.Errorf("remote: %s: %s %s: %w", e.host, op, p, err)
	}
	dir := path.Dir(p)
	if err := c.MkdirAll(dir); err != nil {
		return wrap("creating the directory of", err)
	}
	var suffix [6]byte
	rand.Read(suffix[:])
	tmp := path.Join(dir, "."+path.Base(p)+".tmp-"+hex.EncodeToString(suffix[:]))
	f, err := c.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return wrap("creating a temporary file for", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		c.Remove(tmp)
		return wrap("uploading", err)
	}
	if err := f.Chmod(mode.Perm()); err != nil {
		f.Close()
		c.Remove(tmp)
		return wrap("setting the mode of", err)
	}
	if err := f.Close(); err != nil {
		c.Remove(tmp)
		return wrap("uploading", err)
	}
	if _, ok := c.HasExtension("posix-rename@openssh.com"); ok {
		err = c.PosixRename(tmp, p)
	} else {
		c.Remove(p)
		err = c.Rename(tmp, p)
	}
	if err != nil {
		c.Remove(tmp)
		return wrap("renaming into place", err)
	}
	return nil
}

// Close closes the SFTP client and the SSH connection.
func (e *sshExecutor) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	if e.sftp != nil {
		e.sftp.Close()
	}
	return e.client.Close()
}

// lockedBuffer collects a session's output; it may be read while the session still writes to it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Bytes returns a copy of what was written so far.
func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}
