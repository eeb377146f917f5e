// archive.mjs - the DuckDB side of tests/bench/archive.sh: write the same
// rows as the flowlens archive with DuckDB's own Parquet writer (ZSTD), as
// one file and as the same Hive partitions, and print their sizes as JSON.
//   node archive.mjs MODULES_DIR ARCHIVE_DIR OUT_DIR
import { createRequire } from 'node:module';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [modulesDir, archive, out] = process.argv.slice(2);
const require = createRequire(join(resolve(modulesDir), 'package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');
const con = await (await DuckDBInstance.create(':memory:')).connect();
const glob = `${archive}/**/*.parquet`.replaceAll("'", "''");
const sizeOf = (p) => statSync(p).isDirectory()
	? readdirSync(p).reduce((a, e) => a + sizeOf(join(p, e)), 0) : statSync(p).size;
const single = join(out, 'duckdb-single.parquet');
await con.run(`COPY (SELECT * FROM read_parquet('${glob}', hive_partitioning = false))
  TO '${single}' (FORMAT parquet, COMPRESSION zstd)`);
const parts = join(out, 'duckdb-partitioned');
await con.run(`COPY (SELECT *, coalesce(account_id, 'unknown') AS "aws-account-id",
  coalesce(region, 'unknown') AS "aws-region",
  strftime(to_timestamp(coalesce("start", 0)), '%Y%m%d%H') AS "hour"
  FROM read_parquet('${glob}', hive_partitioning = false))
  TO '${parts}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY ("aws-account-id", "aws-region", "hour"))`);
const rows = (await con.runAndReadAll(`SELECT count(*)::VARCHAR n FROM read_parquet('${glob}')`)).getRowObjectsJson()[0].n;
console.log(JSON.stringify({ rows, single: sizeOf(single), partitioned: sizeOf(parts) }));
