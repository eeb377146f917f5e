// check.mjs - read Parquet files back with two independent readers, DuckDB
// (strict, C++) and hyparquet (pure JS), and compare them with what they
// must hold.  Prints "ok   ..." / "FAIL ..." lines; exit status 1 on any
// failure.
//
//   node check.mjs vector DIR          files written by pqgen (known data)
//   node check.mjs archive DIR STORE   every *.parquet under DIR (Hive
//                                      layout) against STORE, a JSON array
//                                      of the store's flow_logs rows
//                                      (sqlite3 -json), as multisets
//   node check.mjs ddl DIR STORE SQL   run SQL (the DuckDB equivalent of
//                                      `flowlens ddl`, with @DIR@) and
//                                      compare count(*) with STORE
// Every file checked also gets its statistics compared with its content,
// row group by row group (DuckDB parquet_metadata against min/max/nulls).
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0, failed = 0;
const ok = (cond, what, detail = '') => {
	if (cond) { passed++; console.log(`ok   ${what}`); }
	else { failed++; console.log(`FAIL ${what}${detail ? ': ' + detail : ''}`); }
	return cond;
};
const con = await (await DuckDBInstance.create(':memory:')).connect();
const q = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson();
const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;
const ident = (s) => `"${s.replaceAll('"', '""')}"`;

function walk(dir, out = [], all = []) {
	for (const e of readdirSync(dir)) {
		const p = join(dir, e);
		all.push(e);
		if (statSync(p).isDirectory()) walk(p, out, all);
		else if (e.endsWith('.parquet')) out.push(p);
	}
	return { files: out, names: all };
}

// hyparquet: every row of a file, values normalised to strings or null.
async function hyRows(f) {
	const file = await asyncBufferFromFile(f);
	const rows = await parquetReadObjects({ file, compressors });
	return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) =>
		[k, v === null || v === undefined ? null : String(v)])));
}

// Statistics of every row group against the values in it.
async function checkStats(f) {
	const md = await q(`SELECT row_group_id, row_group_num_rows, path_in_schema,
	  stats_null_count, stats_min_value, stats_max_value, num_values
	  FROM parquet_metadata(${lit(f)}) ORDER BY row_group_id, column_id`);
	const fm = await q(`SELECT created_by, column_orders FROM parquet_file_metadata(${lit(f)})`);
	ok(/^flowlens version \S+ \(build [^)]+\)$/.test(fm[0].created_by), `${f}: created_by`, fm[0].created_by);
	const groups = new Map();
	for (const m of md) {
		if (!groups.has(m.row_group_id)) groups.set(m.row_group_id, []);
		groups.get(m.row_group_id).push(m);
	}
	ok(fm[0].column_orders.length === groups.get(md[0].row_group_id).length, `${f}: column_orders for every leaf`);
	let lo = 0, bad = [];
	for (const [g, cols] of groups) {
		const n = Number(cols[0].row_group_num_rows);
		const sel = cols.map((c) => {
			const col = ident(c.path_in_schema);
			return `count(*) - count(${col}), min(${col})::VARCHAR, max(${col})::VARCHAR`;
		}).join(', ');
		const row = (await con.runAndReadAll(`SELECT ${sel} FROM read_parquet(${lit(f)},
		  file_row_number = true) WHERE file_row_number >= ${lo} AND file_row_number < ${lo + n}`))
			.getRows()[0].map((v) => v === null ? null : String(v));
		// (one query per row group: files from the archive are small in tests)
		cols.forEach((c, i) => {
			const want = [row[3 * i], row[3 * i + 1], row[3 * i + 2]];
			const got = [String(c.stats_null_count), c.stats_min_value, c.stats_max_value];
			if (String(c.num_values) !== String(n) || got.join('\u0001') !== want.join('\u0001'))
				bad.push(`rg ${g} ${c.path_in_schema}: stats ${JSON.stringify(got)} values ${JSON.stringify(want)}`);
		});
		lo += n;
	}
	ok(bad.length === 0, `${f}: statistics (null_count, min, max, num_values) match the values`, bad.slice(0, 3).join('; '));
}

async function checkVector(dir) {
	for (const codec of ['none', 'snappy', 'gzip', 'zstd']) {
		const f = join(dir, `vector-${codec}.parquet`);
		const want = { s: '34000000057', p: '298536', r: '6', n: '4' };
		const d = (await q(`SELECT sum(start)::VARCHAR s, sum(srcport)::VARCHAR p,
		  count(*) FILTER (WHERE action = 'REJECT')::VARCHAR r,
		  count(*) FILTER (WHERE action IS NULL)::VARCHAR n FROM ${lit(f)}`))[0];
		ok(JSON.stringify(d) === JSON.stringify(want), `DuckDB reads the test vector (${codec})`, JSON.stringify(d));
		const h = await hyRows(f);
		const hs = { s: String(h.reduce((a, r) => a + BigInt(r.start), 0n)),
			p: String(h.reduce((a, r) => a + (r.srcport === null ? 0 : Number(r.srcport)), 0)),
			r: String(h.filter((r) => r.action === 'REJECT').length),
			n: String(h.filter((r) => r.action === null).length) };
		ok(JSON.stringify(hs) === JSON.stringify(want), `hyparquet reads the test vector (${codec})`, JSON.stringify(hs));
		await checkStats(f);

		const e = join(dir, `edge-${codec}.parquet`), tsv = join(dir, 'edge.tsv');
		const meta = (await q(`SELECT num_row_groups FROM parquet_file_metadata(${lit(e)})`))[0];
		ok(Number(meta.num_row_groups) === 5, `edge (${codec}): 5 row groups of 1000 rows`);
		const view = `(SELECT id, CASE WHEN long IS NULL THEN -1 ELSE length(long) END AS len, utf8, addr, many
		  FROM ${lit(e)} WHERE nothing IS NULL AND same = 42 AND (long IS NULL OR long = coalesce((
		  SELECT string_agg(chr(97 + ((id + g) % 26)::INT), '' ORDER BY g) FROM range(length(long)) t(g)), '')))`;
		const src = `read_csv(${lit(tsv)}, delim = '\t', header = false, quote = '',
		  columns = {'id': 'BIGINT', 'len': 'BIGINT', 'utf8': 'VARCHAR', 'addr': 'VARCHAR', 'many': 'INTEGER'})`;
		const diff = (await q(`SELECT (SELECT count(*) FROM (SELECT * FROM ${view} EXCEPT ALL SELECT * FROM ${src}))::VARCHAR a,
		  (SELECT count(*) FROM (SELECT * FROM ${src} EXCEPT ALL SELECT * FROM ${view}))::VARCHAR b`))[0];
		ok(diff.a === '0' && diff.b === '0', `DuckDB: edge (${codec}) values equal the expected, both ways (all-NULL, one value, long strings, UTF-8, IPv6, row groups)`, JSON.stringify(diff));
		const hrows = await hyRows(e);
		const lines = readFileSync(tsv, 'utf8').trimEnd().split('\n');
		let mismatch = hrows.length === lines.length ? 0 : 1;
		hrows.forEach((r, i) => {
			const [id, len, u, a, many] = (lines[i] || '').split('\t');
			const l = r.long === null ? '-1' : String(r.long.length);
			if (r.id !== id || l !== len || r.utf8 !== u || r.addr !== a || r.many !== many ||
			    r.nothing !== null || r.same !== '42') mismatch++;
		});
		ok(mismatch === 0, `hyparquet: edge (${codec}) values equal the expected`, `${mismatch} rows differ`);
		await checkStats(e);
	}
}

// Store rows (sqlite3 -json) into a DuckDB table typed like the archive.
async function loadStore(storeJson, cols) {
	const spec = cols.map((c) => `${lit(c.name)}: ${lit(c.type)}`).join(', ');
	await con.run(`CREATE OR REPLACE TABLE store AS SELECT ${cols.map((c) => ident(c.name)).join(', ')}
	  FROM read_json(${lit(storeJson)}, format = 'array', columns = {${spec}})`);
}

async function checkArchive(dir, storeJson) {
	const { files, names } = walk(dir);
	ok(files.length > 0, `archive has Parquet files (${files.length})`);
	ok(!names.some((n) => n.startsWith('.') || n.startsWith('_')), 'no hidden or temporary names in the archive',
		names.filter((n) => n.startsWith('.') || n.startsWith('_')).join(' '));
	const glob = lit(join(dir, '**', '*.parquet'));
	const empty = await q(`SELECT file_name FROM parquet_file_metadata(${glob}) WHERE num_rows = 0`);
	ok(empty.length === 0, 'no empty files (partitions without rows get none)', JSON.stringify(empty));
	const cols = (await q(`DESCRIBE SELECT * FROM read_parquet(${glob}, hive_partitioning = false, union_by_name = false)`))
		.map((r) => ({ name: r.column_name, type: r.column_type }));
	const types = Object.fromEntries(cols.map((c) => [c.name, c.type]));
	ok(types.protocol === 'INTEGER' && types.srcport === 'INTEGER' && types.version === 'INTEGER' &&
	   types.start === 'BIGINT' && types.end === 'BIGINT' && types.bytes === 'BIGINT' &&
	   types.srcaddr === 'VARCHAR' && types.extra === 'VARCHAR', 'archive column types (INT32/INT64/STRING)', JSON.stringify(types));
	await loadStore(storeJson, cols);
	const arch = `(SELECT * FROM read_parquet(${glob}, hive_partitioning = false))`;
	const d = (await q(`SELECT (SELECT count(*) FROM store)::VARCHAR n,
	  (SELECT count(*) FROM ${arch})::VARCHAR m,
	  (SELECT count(*) FROM (SELECT * FROM ${arch} EXCEPT ALL SELECT * FROM store))::VARCHAR a,
	  (SELECT count(*) FROM (SELECT * FROM store EXCEPT ALL SELECT * FROM ${arch}))::VARCHAR b`))[0];
	ok(d.n === d.m && d.a === '0' && d.b === '0', `DuckDB: archive = store as multisets (${d.n} rows)`, JSON.stringify(d));
	// Partition keys agree with the rows in each file.
	const part = (await q(`SELECT count(*)::VARCHAR n FROM read_parquet(${glob}, hive_partitioning = true)
	  WHERE "start" IS NOT NULL AND (strftime(to_timestamp("start"), '%Y%m%d%H') <>
	  lpad(year::VARCHAR, 4, '0') || lpad(month::VARCHAR, 2, '0') || lpad(day::VARCHAR, 2, '0') || lpad(hour::VARCHAR, 2, '0')
	  OR coalesce(account_id, 'unknown') <> "aws-account-id"::VARCHAR)`))[0];
	ok(part.n === '0', 'every row sits in the partition of its account and UTC hour', JSON.stringify(part));
	// hyparquet: the same multiset.
	const key = (r) => JSON.stringify(cols.map((c) => r[c.name] ?? null));
	const counts = new Map();
	for (const r of (await q('SELECT * FROM store')).map((r) => Object.fromEntries(
		Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)]))))
		counts.set(key(r), (counts.get(key(r)) || 0) + 1);
	let extra = 0, n = 0;
	for (const f of files) {
		for (const r of await hyRows(f)) {
			n++;
			const k = key(r), c = counts.get(k);
			if (c) counts.set(k, c - 1); else extra++;
		}
	}
	const missing = [...counts.values()].reduce((a, b) => a + b, 0);
	ok(extra === 0 && missing === 0, `hyparquet: archive = store as multisets (${n} rows)`, `${extra} extra, ${missing} missing`);
	for (const f of files) await checkStats(f);
}

async function checkDdl(dir, storeJson, sqlFile) {
	const sql = readFileSync(sqlFile, 'utf8').replaceAll('@DIR@', dir.replaceAll("'", "''"));
	await con.run(sql);
	const store = JSON.parse(readFileSync(storeJson, 'utf8') || '[]');
	const r = (await q('SELECT count(*)::VARCHAR n, count(DISTINCT "aws-account-id")::VARCHAR a FROM vpc_flow_logs'))[0];
	ok(r.n === String(store.length), `DDL-equivalent table over the archive reads every row (${r.n})`, JSON.stringify(r));
}

const [mode, ...args] = process.argv.slice(2);
try {
	if (mode === 'vector') await checkVector(args[0]);
	else if (mode === 'archive') await checkArchive(args[0], args[1]);
	else if (mode === 'ddl') await checkDdl(args[0], args[1], args[2]);
	else { console.error('usage: node check.mjs vector DIR | archive DIR STORE.json | ddl DIR STORE.json SQL'); process.exit(2); }
} catch (e) {
	ok(false, `${mode} ${args.join(' ')}`, e.message);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
