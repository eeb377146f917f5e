// lib.mjs - a Firehose HTTP-endpoint client and helpers for the firehose:
// tests: start `flowlens ingest firehose:0` on loopback, send deliveries
// exactly as Amazon Data Firehose does (headers, JSON body of base64
// records, optional gzip), read the store back through `flowlens query`.
// Node built-ins only.
import { spawn, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

// ok/FAIL lines and the final "N passed, N failed" (tests/check.sh format).
export class Results {
	constructor() { this.passed = 0; this.failed = 0; }
	check(name, cond, detail) {
		if (cond) {
			this.passed++;
			console.log(`ok   ${name}`);
		} else {
			this.failed++;
			console.log(`FAIL ${name}${detail === undefined ? '' : ': ' + detail}`);
		}
		return cond;
	}
	finish() {
		console.log(`${this.passed} passed, ${this.failed} failed`);
		process.exitCode = this.failed ? 1 : 0;
	}
}

// A v2 flow-log line whose interface_id (eni-TAG) and bytes (index) make
// it traceable to its delivery and position.
export function flowLine(tag, index, start = 1767225600) {
	return `2 123456789012 eni-${tag} 10.0.${index % 250}.1 10.1.0.2 ` +
	    `${1024 + (index % 60000)} 443 6 ${1 + (index % 7)} ${index} ` +
	    `${start} ${start + 60} ${index % 5 ? 'ACCEPT' : 'REJECT'} OK`;
}

// Records of one delivery, each one line (bare, or wrapped like vended
// flow logs): {lines, data: [base64]}.
export function lineRecords(tag, n, { wrap = false, first = 0 } = {}) {
	const lines = [];
	const data = [];
	for (let i = first; i < first + n; i++) {
		const line = flowLine(tag, i);
		lines.push(line);
		const text = wrap ? JSON.stringify({ message: line }) : line + '\n';
		data.push(Buffer.from(text).toString('base64'));
	}
	return { lines, data };
}

// A CloudWatch Logs subscription payload (gzip) as one record.
export function cloudwatchRecord(lines, messageType = 'DATA_MESSAGE') {
	const payload = {
		messageType,
		owner: '123456789012',
		logGroup: '/vpc/flow-logs',
		logStream: 'eni-0abc-all',
		subscriptionFilters: ['flowlens'],
		logEvents: lines.map((message, i) => ({
			id: String(i).padStart(56, '3'),
			timestamp: 1767225600000 + i,
			message,
		})),
	};
	return zlib.gzipSync(Buffer.from(JSON.stringify(payload))).toString('base64');
}

// The body Firehose sends: {requestId, timestamp, records: [{data}]}.
export function body(requestId, data) {
	return JSON.stringify({
		requestId,
		timestamp: Date.now(),
		records: data.map((d) => ({ data: d })),
	});
}

export const newId = () => randomUUID();

// POST one delivery.  opts: port, key, id, data (base64 list) or raw
// (Buffer/string body), gzip, headers (extra/overrides; null deletes),
// method, path, tls ({ca}), agent.  Resolves {status, headers, text, json,
// ms} or {error} when the connection failed.
export function deliver(opts) {
	const id = opts.id ?? newId();
	let payload = opts.raw ?? body(id, opts.data ?? []);
	if (!Buffer.isBuffer(payload))
		payload = Buffer.from(payload);
	if (opts.gzip)
		payload = zlib.gzipSync(payload);
	const headers = {
		'Content-Type': 'application/json',
		'X-Amz-Firehose-Protocol-Version': '1.0',
		'X-Amz-Firehose-Request-Id': id,
		'X-Amz-Firehose-Source-Arn': 'arn:aws:firehose:us-east-1:123456789012:deliverystream/flowlens-test',
		'X-Amz-Firehose-Common-Attributes': JSON.stringify({ commonAttributes: { env: 'test' } }),
		'Content-Length': String(opts.contentLength ?? payload.length),
	};
	if (opts.key !== undefined)
		headers['X-Amz-Firehose-Access-Key'] = opts.key;
	if (opts.gzip)
		headers['Content-Encoding'] = 'gzip';
	for (const [k, v] of Object.entries(opts.headers ?? {})) {
		if (v === null)
			delete headers[k];
		else
			headers[k] = v;
	}
	const mod = opts.tls ? https : http;
	const started = process.hrtime.bigint();
	return new Promise((resolve) => {
		const req = mod.request({
			host: '127.0.0.1',
			port: opts.port,
			method: opts.method ?? 'POST',
			path: opts.path ?? '/',
			headers,
			agent: opts.agent,
			ca: opts.tls?.ca,
			servername: opts.tls ? 'localhost' : undefined,
			timeout: opts.timeout ?? 60000,
		}, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => {
				const text = Buffer.concat(chunks).toString();
				let json = null;
				try { json = JSON.parse(text); } catch { /* not JSON */ }
				resolve({
					id, status: res.statusCode, headers: res.headers, text, json,
					ms: Number(process.hrtime.bigint() - started) / 1e6,
				});
			});
			res.on('error', (error) => resolve({ id, error }));
		});
		req.on('timeout', () => req.destroy(new Error('timeout')));
		req.on('error', (error) => resolve({ id, error }));
		if (opts.partial !== undefined) {
			// Send only part of the declared body (none at all when 0:
			// headers only), then wait for the answer.
			if (opts.partial > 0)
				req.write(payload.subarray(0, opts.partial));
			else
				req.flushHeaders();
		} else {
			req.end(payload);
		}
	});
}

// Start `flowlens ingest firehose:0 ...`; resolves {proc, port, stderr(),
// exit} once it prints where it listens.
export function startServer(flowlens, db, { keyFile, extra = [], env = {} } = {}) {
	const args = ['ingest', '--db', db, '--no-progress'];
	if (keyFile)
		args.push('--firehose-access-key-file', keyFile);
	args.push(...extra);
	if (!extra.some((a) => a.startsWith('firehose:')))
		args.push('firehose:0');
	const proc = spawn(flowlens, args, {
		stdio: ['ignore', 'ignore', 'pipe'],
		env: { ...process.env, ...env },
	});
	let err = '';
	const exit = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`no listening line: ${err}`)), 15000);
		proc.stderr.on('data', (c) => {
			err += c;
			const m = /listening on https?:\/\/[^ ]*:(\d+)\//.exec(err);
			if (m && timer) {
				clearTimeout(timer);
				resolve({ proc, port: Number(m[1]), stderr: () => err, exit });
			}
		});
		exit.then((e) => { clearTimeout(timer); reject(new Error(`flowlens exited (${JSON.stringify(e)}): ${err}`)); });
	});
}

// Run SQL through `flowlens query --output json` (the real reader).
export function query(flowlens, db, sql) {
	const out = execFileSync(flowlens, ['query', '--db', db, '--output', 'json', sql], { encoding: 'utf8', maxBuffer: 1 << 30 });
	const sets = JSON.parse(out);
	return Array.isArray(sets[0]) ? sets[0] : sets;
}

// What is stored per delivery tag: Map tag -> {n, distinct, lo, hi} over
// the records' bytes (their index in the delivery).
export function storedByTag(flowlens, db) {
	const rows = query(flowlens, db, 'SELECT substr(interface_id, 5) AS tag, count(*) AS n, ' +
	    'count(DISTINCT bytes) AS d, min(bytes) AS lo, max(bytes) AS hi FROM flow_logs GROUP BY 1');
	return new Map(rows.map((r) => [r.tag, r]));
}

// "" if delivery `tag` with records first..first+n-1 is stored exactly
// once each (and nothing else under that tag); else what is wrong.
export function exactlyOnce(byTag, tag, n, first = 0) {
	const s = byTag.get(tag);
	if (!s)
		return 'absent';
	if (s.n === n && s.d === n && s.lo === first && s.hi === first + n - 1)
		return '';
	return `${s.n} rows, ${s.d} distinct records in ${s.lo}..${s.hi}; want ${n} in ${first}..${first + n - 1}`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
