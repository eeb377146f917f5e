// firehose_gen.mjs - the deliveries of the Firehose load test
// (firehose_load.mjs): Firehose HTTP-endpoint request bodies of vended
// flow-log lines, one base64 record per line.
//
// Records look like live traffic: start in the FH_SPREAD seconds before
// the delivery's time (flow logs reach Firehose minutes after their
// capture window), 200 ENIs, TCP/UDP/ICMP, about 15 % REJECT.  Replaying
// one fixed set of records instead would insert the same start values
// over and over into the middle of the store's indexes, which costs the
// writer twice as much as a live stream does.
//
// makePool() builds the deliveries of a whole run before it starts, on
// worker threads, so that the client spends the run sending and not
// making JSON and base64 (2.5 us of CPU per record, taken from the cores
// the server under test runs on; a real Firehose sends from elsewhere).
// Run as a worker, this file builds its share of a pool.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import zlib from 'node:zlib';
import os from 'node:os';

function prng(seed) {
	return (n) => {
		seed = (seed * 1103515245 + 12345) & 0x7fffffff;
		return seed % n;
	};
}

// One request body: `records` flow-log lines with start in the `spread`
// seconds before `time` (epoch seconds); gzipped when `gzip`.
function body(id, time, records, spread, gzip, rand) {
	const parts = new Array(records);
	for (let i = 0; i < records; i++) {
		const start = time - spread + (spread ? rand(spread) : 0);
		const proto = [6, 6, 6, 17, 17, 1][rand(6)];
		const line = `2 1234567890${10 + rand(4)} eni-0a${(1000 + rand(200)).toString(16)}f00d ` +
		    `10.${rand(4)}.${rand(256)}.${rand(256)} 172.16.${rand(256)}.${rand(256)} ` +
		    `${proto === 1 ? 0 : 1024 + rand(60000)} ${proto === 1 ? 0 : [443, 80, 22, 3389, 53, 8080][rand(6)]} ` +
		    `${proto} ${1 + rand(50)} ${40 + rand(100000)} ${start} ${start + 60} ` +
		    `${rand(100) < 15 ? 'REJECT' : 'ACCEPT'} OK\n`;
		parts[i] = `{"data":"${Buffer.from(line).toString('base64')}"}`;
	}
	const text = `{"requestId":"${id}","timestamp":${time * 1000},"records":[${parts.join(',')}]}`;
	return gzip ? zlib.gzipSync(text, { level: 1 }) : Buffer.from(text);
}

const liveRand = prng(7);

// A delivery made now: { id, payload }.
export function liveDelivery({ records, spread, gzip }) {
	const id = randomUUID();
	return { id, payload: body(id, Math.floor(Date.now() / 1000), records, spread, gzip, liveRand) };
}

// Deliveries for a run of `seconds` at up to `rate` records/s, made on
// every core: an array of { id, payload }, in sending order.  Delivery i
// is dated i/count of the way through the run, so the window of start
// times slides as it would live.
export async function makePool({ rate, seconds, records, spread, gzip }) {
	const count = Math.ceil(rate * seconds / records);
	const t0 = Math.floor(Date.now() / 1000);
	const workers = Math.max(1, Math.min(os.availableParallelism?.() ?? os.cpus().length, 8));
	const shares = [];
	for (let w = 0; w < workers; w++) {
		const first = Math.floor(count * w / workers);
		const last = Math.floor(count * (w + 1) / workers);
		shares.push(new Promise((resolve, reject) => {
			const worker = new Worker(new URL(import.meta.url), {
				workerData: { first, last, count, t0, seconds, records, spread, gzip, seed: 7 + w },
			});
			const got = [];
			worker.on('message', (m) => got.push(...m));
			worker.on('error', reject);
			worker.on('exit', (code) => code === 0 ? resolve(got) :
			    reject(new Error(`delivery worker exited ${code}`)));
		}));
	}
	const pool = (await Promise.all(shares)).flat();
	return pool.map(({ id, payload }) => ({
		id, payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
	}));
}

if (!isMainThread) {
	const { first, last, count, t0, seconds, records, spread, gzip, seed } = workerData;
	const rand = prng(seed);
	let chunk = [];
	for (let i = first; i < last; i++) {
		const id = randomUUID();
		chunk.push({ id, payload: body(id, t0 + Math.floor(i * seconds / count), records, spread, gzip, rand) });
		if (chunk.length === 64) {
			parentPort.postMessage(chunk);
			chunk = [];
		}
	}
	if (chunk.length)
		parentPort.postMessage(chunk);
}
