/* schema.h — `actorc schema export` and `actorc schema check` (schema.c;
 * docs/schema.md).  The front end (parse → resolve → types) runs on each
 * input; messages, the structs and enums they reference, their fields, types
 * and defaults become JSON (export) or are compared under the evolution
 * rules of DESIGN.md "Messages" (check).
 */
#ifndef AC_SCHEMA_H
#define AC_SCHEMA_H

/* argv after `schema` (argv[0] is the subcommand).  Returns the exit code:
 * export 0 ok, 1 errors in the source, 2 usage; check 0 compatible,
 * 1 breaking, 2 usage error or unusable input. */
int ac_schema_main(int argc, char **argv);

#endif
