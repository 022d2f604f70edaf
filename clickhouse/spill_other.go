//go:build !linux

package clickhouse

import "os"

// onTmpfs reports false: only Linux's statfs is read.
func onTmpfs(*os.File) bool { return false }
