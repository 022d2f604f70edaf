package hbaseconf

import (
	"bytes"
	"encoding/xml"
	"fmt"
)

// Property is one <property> of a Hadoop-style configuration file (hbase-site.xml, core-site.xml).
type Property struct {
	Name  string `xml:"name"`
	Value string `xml:"value"`
	// Description is written as <description> when set.
	Description string `xml:"description,omitempty"`
}

type hadoopConfiguration struct {
	XMLName    xml.Name   `xml:"configuration"`
	Properties []Property `xml:"property"`
}

// renderHadoopXML writes properties in order, in the layout Hadoop's own files use.
func renderHadoopXML(header string, props []Property) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<?xml-stylesheet type="text/xsl" href="configuration.xsl"?>` + "\n")
	if header != "" {
		b.WriteString("<!-- ")
		b.WriteString(header)
		b.WriteString(" -->\n")
	}
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(hadoopConfiguration{Properties: props}); err != nil {
		return nil, fmt.Errorf("hbaseconf: encoding XML: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// ParseHadoopXML reads the properties of a Hadoop-style configuration file, in document order.
func ParseHadoopXML(data []byte) ([]Property, error) {
	var c hadoopConfiguration
	if err := xml.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("hbaseconf: not a Hadoop configuration file: %w", err)
	}
	return c.Properties, nil
}
