/* json_lines.c — validates JSON Lines for check-cli: every non-empty line of
 * the input file must be one complete JSON object (RFC 8259 grammar: strings
 * with escapes, numbers, literals, nested arrays and objects up to 256 deep).
 * Prints the number of objects; on the first invalid line prints its number
 * and the byte offset and exits 1.  Test tool only (no Python dependency).
 * Usage: json_lines FILE
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *p;
  const char *end;
  int depth;
} cursor;

static bool value(cursor *c);

static void ws(cursor *c) {
  while (c->p < c->end &&
         (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
    c->p++;
}

static bool lit(cursor *c, const char *s) {
  size_t n = strlen(s);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0) return false;
  c->p += n;
  return true;
}

static bool hex4(cursor *c) {
  for (int i = 0; i < 4; i++) {
    if (c->p >= c->end) return false;
    char h = *c->p++;
    if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') ||
          (h >= 'A' && h <= 'F')))
      return false;
  }
  return true;
}

static bool string(cursor *c) {
  if (c->p >= c->end || *c->p != '"') return false;
  c->p++;
  while (c->p < c->end) {
    unsigned char ch = (unsigned char)*c->p++;
    if (ch == '"') return true;
    if (ch < 0x20) return false; /* control characters must be escaped */
    if (ch == '\\') {
      if (c->p >= c->end) return false;
      char e = *c->p++;
      if (e == 'u') {
        if (!hex4(c)) return false;
      } else if (!strchr("\"\\/bfnrt", e)) {
        return false;
      }
    }
  }
  return false;
}

static bool digits(cursor *c) {
  const char *s = c->p;
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
  return c->p > s;
}

static bool number(cursor *c) {
  if (c->p < c->end && *c->p == '-') c->p++;
  if (c->p < c->end && *c->p == '0') {
    c->p++;
  } else if (!digits(c)) {
    return false;
  }
  if (c->p < c->end && *c->p == '.') {
    c->p++;
    if (!digits(c)) return false;
  }
  if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
    c->p++;
    if (c->p < c->end && (*c->p == '+' || *c->p == '-')) c->p++;
    if (!digits(c)) return false;
  }
  return true;
}

static bool members(cursor *c, char close, bool keyed) {
  if (++c->depth > 256) return false;
  c->p++; /* the opener */
  ws(c);
  if (c->p < c->end && *c->p == close) {
    c->p++;
    c->depth--;
    return true;
  }
  for (;;) {
    ws(c);
    if (keyed) {
      if (!string(c)) return false;
      ws(c);
      if (c->p >= c->end || *c->p != ':') return false;
      c->p++;
    }
    if (!value(c)) return false;
    ws(c);
    if (c->p < c->end && *c->p == ',') {
      c->p++;
      continue;
    }
    if (c->p < c->end && *c->p == close) {
      c->p++;
      c->depth--;
      return true;
    }
    return false;
  }
}

static bool value(cursor *c) {
  ws(c);
  if (c->p >= c->end) return false;
  switch (*c->p) {
  case '{': return members(c, '}', true);
  case '[': return members(c, ']', false);
  case '"': return string(c);
  case 't': return lit(c, "true");
  case 'f': return lit(c, "false");
  case 'n': return lit(c, "null");
  default: return number(c);
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: json_lines FILE\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  long lineno = 0;
  long objects = 0;
  while ((n = getline(&line, &cap, f)) >= 0) {
    lineno++;
    cursor c = {line, line + n, 0};
    ws(&c);
    if (c.p == c.end) continue;
    bool ok = *c.p == '{' && value(&c);
    if (ok) {
      ws(&c);
      ok = c.p == c.end;
    }
    if (!ok) {
      fprintf(stderr, "%s:%ld: not one JSON object (byte %ld)\n", argv[1],
              lineno, (long)(c.p - line) + 1);
      free(line);
      fclose(f);
      return 1;
    }
    objects++;
  }
  free(line);
  fclose(f);
  printf("%ld\n", objects);
  return 0;
}
