/* lexer.re — the actorc scanner (re2c 3.0).  THIS FILE IS THE SOURCE;
 * build/gen/lexer.c is generated from it (`re2c -W -Werror -c`).
 * One call scans one token: a TK_* code from Lemon's parser.h (the grammar is
 * the single source of token codes) or a LEX_* pseudo-code (parse.h) for
 * whitespace, comments and lexical errors; it decodes and reports nothing
 * (lex.c does).  source.c appends a NUL sentinel, so YYFILL is off and only
 * the end rules match \x00 (a NUL before `lim` is E0003).  No global state:
 * the condition lives in the caller's lex_state. */
#include "parse.h"
#include "parser.h"

int lexer_scan(const unsigned char *s, const unsigned char *lim,
               const unsigned char **out_end, int *cond) {
  const unsigned char *YYCURSOR = s;
  const unsigned char *YYMARKER = s;
  int code;
  for (;;) {
  /*!re2c
    re2c:define:YYCTYPE = "unsigned char";
    re2c:yyfill:enable = 0;
    re2c:define:YYGETCONDITION = "*cond";
    re2c:define:YYGETCONDITION:naked = 1;
    re2c:define:YYSETCONDITION = "*cond = @@;";
    re2c:define:YYSETCONDITION:naked = 1;
    re2c:condenumprefix = "LEXC_";
    re2c:flags:utf-8 = 0;

    dec     = [0-9] [0-9_]*;
    hex     = "0x" [0-9a-fA-F_]+;
    bin     = "0b" [01_]+;
    exp     = [eE] [+-]? [0-9] [0-9_]*;
    flt     = dec "." [0-9] [0-9_]* exp? | dec exp;
    unit    = "ns" | "us" | "ms" | "s" | "m" | "h";
    idrest  = [a-zA-Z0-9_]*;
    istr    = "\"" ([^"\\\n\x00{}] | "\\" [^\n\x00])* "\"";
    hole    = "{" ([^{}"\\\n\x00] | istr)* "}";
    uesc    = "\\u{" [^}"\n\x00]* "}";
    schar   = [^"\\\n\x00{}] | "\\" [^\n\x00] | uesc | "{{" | "}}" | hole;
    utf8    = [\xc2-\xdf] [\x80-\xbf] | [\xe0-\xef] [\x80-\xbf]{2}
            | [\xf0-\xf4] [\x80-\xbf]{3};

    <INIT> "import"     { code = TK_IMPORT; break; }
    <INIT> "const"      { code = TK_CONST; break; }
    <INIT> "message"    { code = TK_MESSAGE; break; }
    <INIT> "struct"     { code = TK_STRUCT; break; }
    <INIT> "enum"       { code = TK_ENUM; break; }
    <INIT> "actor"      { code = TK_ACTOR; break; }
    <INIT> "ring"       { code = TK_RING; break; }
    <INIT> "supervisor" { code = TK_SUPERVISOR; break; }
    <INIT> "child"      { code = TK_CHILD; break; }
    <INIT> "fn"         { code = TK_FN; break; }
    <INIT> "on"         { code = TK_ON; break; }
    <INIT> "let"        { code = TK_LET; break; }
    <INIT> "var"        { code = TK_VAR; break; }
    <INIT> "if"         { code = TK_IF; break; }
    <INIT> "else"       { code = TK_ELSE; break; }
    <INIT> "while"      { code = TK_WHILE; break; }
    <INIT> "for"        { code = TK_FOR; break; }
    <INIT> "in"         { code = TK_IN; break; }
    <INIT> "break"      { code = TK_BREAK; break; }
    <INIT> "continue"   { code = TK_CONTINUE; break; }
    <INIT> "return"     { code = TK_RETURN; break; }
    <INIT> "send"       { code = TK_SEND; break; }
    <INIT> "reply"      { code = TK_REPLY; break; }
    <INIT> "ask"        { code = TK_ASK; break; }
    <INIT> "timeout"    { code = TK_TIMEOUT; break; }
    <INIT> "spawn"      { code = TK_SPAWN; break; }
    <INIT> "select"     { code = TK_SELECT; break; }
    <INIT> "after"      { code = TK_AFTER; break; }
    <INIT> "default"    { code = TK_DEFAULT; break; }
    <INIT> "match"      { code = TK_MATCH; break; }
    <INIT> "fail"       { code = TK_FAIL; break; }
    <INIT> "freeze"     { code = TK_FREEZE; break; }
    <INIT> "copy"       { code = TK_COPY; break; }
    <INIT> "take"       { code = TK_TAKE; break; }
    <INIT> "chan"       { code = TK_CHAN; break; }
    <INIT> "val"        { code = TK_VAL; break; }
    <INIT> "mailbox"    { code = TK_MAILBOX; break; }
    <INIT> "nil"        { code = TK_NIL; break; }
    <INIT> "true"       { code = TK_TRUE; break; }
    <INIT> "false"      { code = TK_FALSE; break; }
    <INIT> "self"       { code = TK_SELF; break; }
    <INIT> "as"         { code = TK_AS; break; }

    <INIT> "("          { code = TK_LPAREN; break; }
    <INIT> ")"          { code = TK_RPAREN; break; }
    <INIT> "["          { code = TK_LBRACKET; break; }
    <INIT> "]"          { code = TK_RBRACKET; break; }
    <INIT> "{"          { code = TK_LBRACE; break; }
    <INIT> "}"          { code = TK_RBRACE; break; }
    <INIT> ","          { code = TK_COMMA; break; }
    <INIT> ";"          { code = TK_SEMI; break; }
    <INIT> ":"          { code = TK_COLON; break; }
    <INIT> "."          { code = TK_DOT; break; }
    <INIT> ".."         { code = TK_DOTDOT; break; }
    <INIT> "..="        { code = TK_DOTDOTEQ; break; }
    <INIT> "->"         { code = TK_ARROW; break; }
    <INIT> "=>"         { code = TK_FATARROW; break; }
    <INIT> "<-"         { code = TK_LARROW; break; }
    <INIT> "?"          { code = TK_QUESTION; break; }
    <INIT> "??"         { code = TK_QQ; break; }
    <INIT> "="          { code = TK_ASSIGN; break; }
    <INIT> "+="         { code = TK_PLUSEQ; break; }
    <INIT> "-="         { code = TK_MINUSEQ; break; }
    <INIT> "*="         { code = TK_STAREQ; break; }
    <INIT> "/="         { code = TK_SLASHEQ; break; }
    <INIT> "%="         { code = TK_PERCENTEQ; break; }
    <INIT> "=="         { code = TK_EQEQ; break; }
    <INIT> "!="         { code = TK_NE; break; }
    <INIT> "<"          { code = TK_LT; break; }
    <INIT> "<="         { code = TK_LE; break; }
    <INIT> ">"          { code = TK_GT; break; }
    <INIT> ">="         { code = TK_GE; break; }
    <INIT> "+"          { code = TK_PLUS; break; }
    <INIT> "-"          { code = TK_MINUS; break; }
    <INIT> "*"          { code = TK_STAR; break; }
    <INIT> "/"          { code = TK_SLASH; break; }
    <INIT> "%"          { code = TK_PERCENT; break; }
    <INIT> "&"          { code = TK_AMP; break; }
    <INIT> "|"          { code = TK_PIPE; break; }
    <INIT> "^"          { code = TK_CARET; break; }
    <INIT> "~"          { code = TK_TILDE; break; }
    <INIT> "!"          { code = TK_BANG; break; }
    <INIT> "&&"         { code = TK_ANDAND; break; }
    <INIT> "||"         { code = TK_OROR; break; }
    <INIT> "<<"         { code = TK_SHL; break; }
    <INIT> ">>"         { code = TK_SHR; break; }

    <INIT> (dec | flt) unit                 { code = TK_DURATION; break; }
    <INIT> flt                              { code = TK_FLOAT; break; }
    <INIT> dec | hex | bin                  { code = TK_INT; break; }
    <INIT> (dec | flt | hex | bin) [a-zA-Z_] idrest { code = LEX_BADNUM; break; }
    <INIT> "\"" schar* "\""                 { code = TK_STR; break; }
    <INIT> "\"" schar*                      { code = LEX_BADSTR; break; }

    <INIT> [a-z_] idrest                    { code = TK_ID; break; }
    <INIT> [A-Z] idrest                     { code = TK_TYPEID; break; }

    <INIT> [ \t\r\n]+                       { code = LEX_SKIP; break; }
    <INIT> "///" [^\n\x00]*                 { code = LEX_DOC; break; }
    <INIT> "//" => LINE                     { continue; }
    <INIT> "/*" => BLOCK                    { continue; }
    <LINE> [^\n\x00]+                       { continue; }
    <LINE> "\n" => INIT                     { code = LEX_SKIP; break; }
    <LINE> "\x00"                           {
                                              if (YYCURSOR - 1 < lim) { code = LEX_NUL; break; }
                                              *cond = LEXC_INIT; YYCURSOR--; code = LEX_SKIP; break;
                                            }
    <BLOCK> "*/" => INIT                    { code = LEX_SKIP; break; }
    <BLOCK> [^*\x00]+ | "*"                 { continue; }
    <BLOCK> "\x00"                          {
                                              if (YYCURSOR - 1 < lim) { code = LEX_NUL; break; }
                                              *cond = LEXC_INIT; YYCURSOR--; code = LEX_UNTERM_COMMENT; break;
                                            }

    <INIT> "\x00"                           {
                                              if (YYCURSOR - 1 < lim) { code = LEX_NUL; break; }
                                              YYCURSOR--; code = 0; break;
                                            }
    <INIT> utf8                             { code = LEX_BADCHAR; break; }
    <INIT> *                                { code = LEX_BADCHAR; break; }
    <LINE> *                                { continue; }
    <BLOCK> *                               { continue; }
  */
  }
  (void)YYMARKER;
  *out_end = YYCURSOR;
  return code;
}
