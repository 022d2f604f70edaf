package clickhouse

import (
	"os"
	"syscall"
)

// tmpfsMagic is the f_type statfs reports for a tmpfs (linux/magic.h).
const tmpfsMagic = 0x01021994

// onTmpfs reports whether f is on a tmpfs, whose pages are memory that
// cannot be written out but to swap.
func onTmpfs(f *os.File) bool {
	var st syscall.Statfs_t
	return syscall.Fstatfs(int(f.Fd()), &st) == nil && st.Type == tmpfsMagic
}
