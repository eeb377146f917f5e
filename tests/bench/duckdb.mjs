// duckdb.mjs - the DuckDB side of tests/bench/run.sh.
//
//   node duckdb.mjs MODULES_DIR --version
//   node duckdb.mjs MODULES_DIR ingest DB_FILE FLOWS_LOG
//
// MODULES_DIR is the npm prefix @duckdb/node-api was installed into
// (build/bench): the package lives under build/, not next to this file, and
// ES modules ignore NODE_PATH, so it is resolved with createRequire() from
// there.
//
// ingest loads the default-format (v2, 14 fields, space separated, '-' for
// no value) flow log into a fresh file database with one CREATE TABLE AS
// over read_csv, then CHECKPOINTs so the data is in the database file (not
// only in its WAL) before the process exits, as the SQLite tools' are.
// It prints one JSON line: {"rows": N, "seconds": S, "bytes": B} where
// seconds covers CREATE TABLE AS + CHECKPOINT only (run.sh times the whole
// process, like the other tools).
import { createRequire } from 'node:module';
import { statSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [modulesDir, command, dbFile, flowsLog] = process.argv.slice(2);
if (!modulesDir || !command) {
  console.error('usage: node duckdb.mjs MODULES_DIR (--version | ingest DB_FILE FLOWS_LOG)');
  process.exit(2);
}
const require = createRequire(join(resolve(modulesDir), 'package.json'));
const duckdb = require('@duckdb/node-api');

if (command === '--version') {
  const pkg = require('@duckdb/node-api/package.json');
  console.log(`duckdb ${duckdb.version()} (@duckdb/node-api ${pkg.version})`);
  process.exit(0);
}
if (command !== 'ingest' || !dbFile || !flowsLog) {
  console.error('duckdb.mjs: unknown command');
  process.exit(2);
}

// The same 14 columns, names and SQLite types as flowlens' flow_logs and the
// sqlite3 CLI table: SQLite INTEGER is 64-bit, hence BIGINT; account_id stays
// text because account ids have leading zeros.
const columns = {
  version: 'BIGINT', account_id: 'VARCHAR', interface_id: 'VARCHAR',
  srcaddr: 'VARCHAR', dstaddr: 'VARCHAR', srcport: 'BIGINT',
  dstport: 'BIGINT', protocol: 'BIGINT', packets: 'BIGINT', bytes: 'BIGINT',
  start: 'BIGINT', end: 'BIGINT', action: 'VARCHAR', log_status: 'VARCHAR',
};
const sqlString = (s) => `'${String(s).replaceAll("'", "''")}'`;
const columnsSql = '{' + Object.entries(columns)
  .map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`).join(', ') + '}';

const instance = await duckdb.DuckDBInstance.create(dbFile);
const conn = await instance.connect();
const t0 = process.hrtime.bigint();
await conn.run(`CREATE TABLE t AS SELECT * FROM read_csv(${sqlString(flowsLog)},
  delim = ' ', header = false, nullstr = '-', columns = ${columnsSql})`);
await conn.run('CHECKPOINT');
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const reader = await conn.runAndReadAll('SELECT count(*) FROM t');
const rows = Number(reader.getRows()[0][0]);
conn.closeSync();
instance.closeSync();
let bytes = statSync(dbFile).size;
if (existsSync(dbFile + '.wal')) bytes += statSync(dbFile + '.wal').size;
console.log(JSON.stringify({ rows, seconds, bytes }));
