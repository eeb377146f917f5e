// firehose_load.mjs FLOWLENS WORKDIR - bounded load on the firehose:
// source over loopback: CONNECTIONS keep-alive connections each send
// 500-record deliveries back to back (a new requestId each, like Firehose
// with that many parallel requests) for SECONDS seconds; a delivery that
// is not answered 200 is sent again with the same requestId, as Firehose
// does.  Reports sustained records/s (acknowledged records over the run),
// acknowledgement latency percentiles, and checks that nothing was lost or
// doubled: the store holds exactly 500 records per acknowledged delivery
// and one firehose_requests row each.  Prints one JSON line with the
// figures last.
//
// Environment: FH_SECONDS (default 20), FH_CONNECTIONS (default 8),
// FH_RECORDS (records per delivery, default 500), FH_GZIP=1 to gzip bodies,
// FH_SPREAD (seconds of start times in flight, default 600), FH_POOL_RATE
// (records/s the deliveries made before the run are for, default 300000).
import { writeFileSync, chmodSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { newId, startServer, query } from '../firehose/lib.mjs';
import { makePool, liveDelivery } from './firehose_gen.mjs';

const [flowlens, work] = process.argv.slice(2);
const SECONDS = Number(process.env.FH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.FH_CONNECTIONS ?? 8);
const RECORDS = Number(process.env.FH_RECORDS ?? 500);
const GZIP = process.env.FH_GZIP === '1';
const SPREAD = Number(process.env.FH_SPREAD ?? 600);
const KEY = 'load-' + newId();
const keyFile = `${work}/load-key`;
writeFileSync(keyFile, KEY);
chmodSync(keyFile, 0o600);
const db = `${work}/load.db`;

// The deliveries are made before the run (firehose_gen.mjs), for
// FH_POOL_RATE records/s (default 300000); if the server takes more, the
// rest are made as they are sent, and the result counts them.
const genOpts = { records: RECORDS, spread: SPREAD, gzip: GZIP };
const POOL_RATE = Number(process.env.FH_POOL_RATE ?? 300000);
const pool = await makePool({ ...genOpts, rate: POOL_RATE, seconds: SECONDS });
let pooled = 0;
let liveMade = 0;

const srv = await startServer(flowlens, db, { keyFile });
const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
const latencies = [];
const statuses = {};
let acked = 0;
let sent = 0;
let stop = false;

function post(id, payload) {
	return new Promise((resolve) => {
		const started = process.hrtime.bigint();
		const req = http.request({
			host: '127.0.0.1', port: srv.port, method: 'POST', path: '/', agent,
			headers: {
				'Content-Type': 'application/json',
				'X-Amz-Firehose-Protocol-Version': '1.0',
				'X-Amz-Firehose-Request-Id': id,
				'X-Amz-Firehose-Access-Key': KEY,
				'Content-Length': String(payload.length),
				...(GZIP ? { 'Content-Encoding': 'gzip' } : {}),
			},
		}, (res) => {
			res.resume();
			res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
		});
		req.on('error', (e) => resolve({ status: 'error:' + e.code, ms: 0 }));
		req.end(payload);
	});
}

function delivery() {
	if (pooled < pool.length) {
		const d = pool[pooled];
		pool[pooled++] = undefined;	// sent once; retries keep their copy
		return d;
	}
	liveMade++;
	return liveDelivery(genOpts);
}

// Each connection takes its next delivery while the current one is in
// flight, as Firehose has its next buffer ready: one made as it is sent
// (past the pool) then costs no time between two requests.
async function connection() {
	let next = delivery();
	while (!stop) {
		const { id, payload } = next;
		let pending = post(id, payload);
		next = delivery();
		sent++;
		for (;;) {
			const r = await pending;
			statuses[r.status] = (statuses[r.status] ?? 0) + 1;
			if (r.status === 200) {
				acked++;
				latencies.push(r.ms);
				break;
			}
			if (stop)
				break;		// not acknowledged: may or may not be stored
			await new Promise((res) => setTimeout(res, 100));
			pending = post(id, payload);
		}
	}
}

// CPU seconds the server used so far (utime + stime from /proc).
const serverCpu = () => {
	const f = readFileSync(`/proc/${srv.proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
	return (Number(f[11]) + Number(f[12])) / 100;
};
const scpu0 = serverCpu();
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const load0 = os.loadavg()[0];
const conns = [];
for (let c = 0; c < CONNECTIONS; c++)
	conns.push(connection());
await new Promise((r) => setTimeout(r, SECONDS * 1000));
stop = true;
await Promise.all(conns);
const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
const scpu = serverCpu() - scpu0;
agent.destroy();
srv.proc.kill('SIGTERM');
await srv.exit;

if (process.env.FH_DEBUG)
	console.error(srv.stderr());
latencies.sort((a, b) => a - b);
const pct = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p / 100 * latencies.length))] : NaN;
const stored = query(flowlens, db, 'SELECT count(*) AS n FROM flow_logs')[0].n;
const reqs = query(flowlens, db, 'SELECT count(*) AS n, total(records) AS r FROM firehose_requests')[0];
// Every acknowledged delivery must be there once; the last unacknowledged
// ones (cut off by the end of the run) may be there too, whole.
const extra = reqs.n - acked;
const lost = stored < acked * RECORDS || reqs.n < acked;
const doubled = stored !== reqs.r || stored !== reqs.n * RECORDS || extra > CONNECTIONS;
const result = {
	seconds: Number(elapsed.toFixed(2)),
	connections: CONNECTIONS,
	records_per_delivery: RECORDS,
	gzip: GZIP,
	deliveries_acknowledged: acked,
	records_per_second: Math.round(acked * RECORDS / elapsed),
	deliveries_per_second: Number((acked / elapsed).toFixed(1)),
	latency_ms: { p50: pct(50), p90: pct(90), p99: pct(99), max: latencies.at(-1) },
	statuses,
	stored_records: stored,
	firehose_requests: reqs.n,
	nothing_lost: !lost,
	nothing_doubled: !doubled,
	client_cpu_seconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
	deliveries_made_before: pool.length,
	deliveries_made_during: liveMade,
	server_cpu_seconds: Number(scpu.toFixed(2)),
	server_cpu_us_per_record: Number((scpu * 1e6 / Math.max(1, acked * RECORDS)).toFixed(2)),
	loadavg_before: load0,
	loadavg_after: os.loadavg()[0],
};
for (const k of Object.keys(result.latency_ms))
	result.latency_ms[k] = Number(result.latency_ms[k]?.toFixed(1));
console.log(JSON.stringify(result));
process.exitCode = lost || doubled ? 1 : 0;
