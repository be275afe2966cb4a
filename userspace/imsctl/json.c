// SPDX-License-Identifier: MIT
/*
 * imsctl: the one JSON helper the output needs (strings, escaped).
 */
#include <stdio.h>
#include "imsctl.h"

/* Bytes in a well-formed UTF-8 sequence at @s, or 0. */
static int utf8_len(const unsigned char *s)
{
	int n, i;

	if (*s < 0xc2 || *s > 0xf4)
		return 0;
	n = *s < 0xe0 ? 2 : *s < 0xf0 ? 3 : 4;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/*
 * A JSON string: quotes, backslashes and controls escaped; sysfs text
 * that is not UTF-8 (or was cut inside a character) becomes U+FFFD.
 */
void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;
		int n;

		if (c >= 0x80) {
			n = utf8_len((const unsigned char *)s);
			if (n) {
				fwrite(s, 1, n, f);
				s += n - 1;
			} else {
				fputs("\\ufffd", f);
			}
		} else if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}
