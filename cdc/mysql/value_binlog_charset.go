package mysql

import (
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/rtdw/rtdw/cdc"
)

// charsetDecoders maps MySQL character sets whose bytes are not UTF-8 to
// decoders. The binlog carries text in the column's own character set,
// while the snapshot's utf8mb4 connection receives it converted by the
// server, so the binlog path converts it the same way.
var charsetDecoders = map[string]encoding.Encoding{
	// MySQL's latin1 is Windows-1252, not ISO 8859-1.
	"latin1":   charmap.Windows1252,
	"latin2":   charmap.ISO8859_2,
	"latin5":   charmap.ISO8859_9,
	"latin7":   charmap.ISO8859_13,
	"greek":    charmap.ISO8859_7,
	"hebrew":   charmap.ISO8859_8,
	"cp1250":   charmap.Windows1250,
	"cp1251":   charmap.Windows1251,
	"cp1256":   charmap.Windows1256,
	"cp1257":   charmap.Windows1257,
	"cp850":    charmap.CodePage850,
	"cp852":    charmap.CodePage852,
	"cp866":    charmap.CodePage866,
	"koi8r":    charmap.KOI8R,
	"koi8u":    charmap.KOI8U,
	"macroman": charmap.Macintosh,
	"gbk":      simplifiedchinese.GBK,
	"gb2312":   simplifiedchinese.GBK, // EUC-CN, a subset of GBK
	"gb18030":  simplifiedchinese.GB18030,
	"big5":     traditionalchinese.Big5,
	"sjis":     japanese.ShiftJIS,
	"cp932":    japanese.ShiftJIS,
	"ujis":     japanese.EUCJP,
	"eucjpms":  japanese.EUCJP,
	"euckr":    korean.EUCKR,
	"ucs2":     unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM),
	"utf16":    unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM),
	"utf16le":  unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM),
}

// textToUTF8 returns the UTF-8 string of a text column's binlog bytes,
// given as s or b. UTF-8 (utf8mb4, utf8mb3), ASCII and unknown character
// sets pass through unchanged.
// needsCharsetDecode reports whether text of col's character set must be
// converted to become UTF-8.
func needsCharsetDecode(col *cdc.Column) bool {
	_, ok := charsetDecoders[strings.ToLower(col.Type.Charset)]
	return ok
}

func textToUTF8(col *cdc.Column, s string, b []byte) (any, error) {
	cs := strings.ToLower(col.Type.Charset)
	enc, ok := charsetDecoders[cs]
	if !ok {
		if b != nil {
			return string(b), nil
		}
		return s, nil
	}
	if b == nil {
		b = []byte(s)
	}
	if !strings.HasPrefix(cs, "u") && isASCII(b) {
		// Every ASCII-compatible charset above maps ASCII to itself.
		return string(b), nil
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return nil, valueError(col, b, "not valid %s text: %v", cs, err)
	}
	return string(out), nil
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
