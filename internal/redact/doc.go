// Package redact is the one secret redactor of rtdw: whatever an error, a log line or a
// printed configuration could carry of a password, a token or a key goes through it. It is not
// API.
//
// [Placeholder] is what a secret reads as everywhere. [String] and [Error] replace explicit
// secrets (a configured password, a token) in a text or in an error's text, keeping the error's
// chain for errors.Is and errors.As. [DSNPassword] finds the password of a DSN, URL-style
// ("clickhouse://user:pw@host/db") or go-sql-driver style ("user:pw@tcp(host)/db"), so it can
// be redacted from a driver's error that quotes it; [URL] prints a URL without the password of
// its userinfo; [IsSecretKey] tells the names of settings that hold secrets (password, token,
// secret, credential, api key, ... by the substring rule Flink uses to hide values in its logs),
// whose values are never printed.
package redact
