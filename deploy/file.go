package deploy

import (
	"fmt"
	"io/fs"
)

// File is a rendered file: where it goes, its permission bits and its content. Renderers return paths relative
// to the product's configuration directory (flink-conf.yaml, hbase-site.xml); plans make them absolute.
type File struct {
	Path string
	Mode fs.FileMode
	Data []byte
}

// Mode for rendered configuration files and scripts.
const (
	ConfigFileMode fs.FileMode = 0o644
	ScriptFileMode fs.FileMode = 0o755
)

func (f File) String() string {
	return fmt.Sprintf("%s (%d bytes, mode %04o)", f.Path, len(f.Data), f.Mode)
}
