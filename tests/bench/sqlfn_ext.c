/*
 * sqlfn_ext.c - flowlens' SQL functions (src/sqlfn.c) as a loadable SQLite
 * extension, so the benchmark can run the canned queries' rewritten SQL in
 * the stock sqlite3 CLI:  sqlite3 -cmd '.load build/bench/sqlfn_ext.so' ...
 *
 * Why src/sqlfn.c is #included here instead of linked as its own object:
 * a loadable extension must call SQLite through the routine table the host
 * hands to sqlite3_extension_init(), not through the sqlite3_* symbols of
 * whatever libsqlite3 the dynamic linker finds.  <sqlite3ext.h> turns every
 * sqlite3_xxx() call into sqlite3_api->xxx(), but only in the translation
 * unit that includes it, so sqlfn.c has to be compiled inside this one
 * (its own #include <sqlite3.h> is then a no-op thanks to the include
 * guard).  Linking sqlfn.o against -lsqlite3 instead happens to work with
 * Debian's CLI, which uses the shared libsqlite3.so.0, but it would hand a
 * connection from one SQLite copy to another with a statically linked CLI.
 * -DSQLITE_CORE is for building functions into the library itself and
 * would disable the redirection, so it is not what we want here.
 *
 * src/util.c (sbuf, xmalloc ...) does not call SQLite and is compiled as a
 * separate object into the same .so.  No source under src/ is modified.
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include "sqlfn.c"

/* Entry point: the name SQLite tries first when .load is given no name. */
#ifdef _WIN32
__declspec(dllexport)
#endif
int
sqlite3_extension_init(sqlite3 *db, char **pzErrMsg,
    const sqlite3_api_routines *pApi)
{
	int rc;

	SQLITE_EXTENSION_INIT2(pApi);
	rc = sqlfn_register(db);
	if (rc != SQLITE_OK && pzErrMsg != NULL)
		*pzErrMsg = sqlite3_mprintf("flowlens sqlfn_register failed: %s",
		    sqlite3_errstr(rc));
	return rc;
}
