package redact

import (
	"errors"
	"maps"
	"net/url"
	"strings"
)

// Placeholder stands for a secret in every text rtdw prints.
const Placeholder = "<redacted>"

// String returns s with every non-empty secret replaced by [Placeholder].
func String(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, Placeholder)
		}
	}
	return s
}

// Error returns err with its text free of the secrets, or err itself when its text holds none
// (or err is nil). The result unwraps to err, so errors.Is and errors.As see the same chain.
func Error(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if redacted := String(msg, secrets...); redacted != msg {
		return &redactedError{err: err, msg: redacted}
	}
	return err
}

// redactedError is an error whose text had secrets in it.
type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string { return e.msg }

func (e *redactedError) Unwrap() error { return e.err }

// DSNPassword returns the password of a DSN, or "" when it has none: the part between the
// first ':' and the last '@' of the userinfo, in URL form ("scheme://user:pw@host/db") and in
// go-sql-driver form ("user:pw@tcp(host)/db"). A password may itself hold '@' or ':'.
func DSNPassword(dsn string) string {
	at := strings.LastIndexByte(dsn, '@')
	if at < 0 {
		return ""
	}
	userinfo := dsn[:at]
	if i := strings.Index(userinfo, "://"); i >= 0 {
		userinfo = userinfo[i+3:]
	}
	_, pw, _ := strings.Cut(userinfo, ":")
	return pw
}

// DSN returns dsn with its password replaced by [Placeholder].
func DSN(dsn string) string {
	pw := DSNPassword(dsn)
	if pw == "" {
		return dsn
	}
	at := strings.LastIndexByte(dsn, '@')
	return String(dsn[:at], pw) + dsn[at:]
}

// URL prints u with the password of its userinfo replaced by [Placeholder] (url.URL.Redacted
// with rtdw's placeholder). A nil u prints "".
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	if _, has := u.User.Password(); !has {
		return u.String()
	}
	c := *u
	c.User = url.UserPassword(u.User.Username(), Placeholder)
	return strings.Replace(c.String(), url.PathEscape(Placeholder), Placeholder, 1)
}

// URLError is the text of an error from url.Parse without the URL it quotes, which may hold a
// password: only the reason (such as `invalid port ":x" after host`) is kept.
func URLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// Map returns m, or a copy of it whose values under secret-looking keys ([IsSecretKey]) read
// [Placeholder] when it has any; m itself is never changed.
func Map(m map[string]string) map[string]string {
	var out map[string]string
	for k, v := range m {
		if v != "" && IsSecretKey(k) {
			if out == nil {
				out = maps.Clone(m)
			}
			out[k] = Placeholder
		}
	}
	if out == nil {
		return m
	}
	return out
}

// secretKeyParts are the substrings that make Flink hide a configuration value in its logs
// (GlobalConfiguration's sensitive keys), plus the Hadoop/HBase spellings.
var secretKeyParts = []string{
	"password", "secret", "fs.azure.account.key", "apikey", "api-key", "auth-params", "service-key",
	"token", "basic-auth", "jaas.config", "http-headers", "credential", "private-key", "privatekey",
}

// IsSecretKey reports whether a setting named key holds a secret, by the substring rule Flink
// uses to hide values in its logs (case-insensitive): password, secret, token, credential,
// api keys, private keys, ...
func IsSecretKey(key string) bool {
	k := strings.ToLower(key)
	for _, part := range secretKeyParts {
		if strings.Contains(k, part) {
			return true
		}
	}
	return false
}
