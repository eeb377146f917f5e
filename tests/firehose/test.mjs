// test.mjs FLOWLENS WORKDIR - the firehose: source over real HTTP(S) on
// loopback, driven like Amazon Data Firehose drives an HTTP endpoint:
// deliveries plain and gzip, vended {"message"} records, CloudWatch
// subscription payloads, retries of the same requestId (after commit and
// while in flight), bad and missing keys, malformed, oversized and wrong
// content, wrong method and path, TLS with a self-signed certificate, and
// a stop (SIGTERM) during deliveries.  Asserts status codes, the answer
// JSON and the store: every record of every 200-acknowledged delivery is
// stored exactly once, nothing of a refused one is.
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync, chmodSync, readFileSync } from 'node:fs';
import http from 'node:http';
import zlib from 'node:zlib';
import {
	Results, lineRecords, cloudwatchRecord, body, deliver, newId, startServer,
	query, storedByTag, exactlyOnce, flowLine, sleep,
} from './lib.mjs';

const [flowlens, work] = process.argv.slice(2);
const t = new Results();
const KEY = 'k3y-' + newId();
const keyFile = `${work}/key`;
writeFileSync(keyFile, KEY + '\n');
chmodSync(keyFile, 0o600);

// Deliveries acknowledged (tag -> record count) and refused (tags).
const acked = new Map();
const refused = new Set();

// The answer to a delivery: right status, JSON, requestId echoed.
function checkAnswer(name, r, status, id, messageHas) {
	if (r.error)
		return t.check(name, false, `connection failed: ${r.error.message}`);
	let ok = r.status === status;
	let why = `status ${r.status}, want ${status}; body ${r.text}`;
	if (ok && !/^application\/json/.test(r.headers['content-type'] ?? '')) {
		ok = false;
		why = `content-type ${r.headers['content-type']}`;
	}
	if (ok && (r.json === null || typeof r.json.timestamp !== 'number' ||
	    !Number.isInteger(r.json.timestamp) || Math.abs(r.json.timestamp - Date.now()) > 60000)) {
		ok = false;
		why = `bad answer JSON ${r.text}`;
	}
	if (ok && id !== undefined && r.json.requestId !== id) {
		ok = false;
		why = `requestId ${r.json.requestId}, want ${id}`;
	}
	if (ok && status === 200 && 'errorMessage' in r.json) {
		ok = false;
		why = `errorMessage on success: ${r.text}`;
	}
	if (ok && messageHas !== undefined && !(r.json.errorMessage ?? '').includes(messageHas)) {
		ok = false;
		why = `errorMessage "${r.json.errorMessage}" lacks "${messageHas}"`;
	}
	return t.check(name, ok, why);
}

async function functional() {
	const db = `${work}/func.db`;
	const srv = await startServer(flowlens, db, { keyFile });
	const port = srv.port;
	const send = (o) => deliver({ port, key: KEY, ...o });

	// 1. plain deliveries of bare lines, 500 records
	const a = lineRecords('plain1', 500);
	const idA = newId();
	checkAnswer('plain delivery of 500 lines: 200', await send({ id: idA, data: a.data }), 200, idA);
	acked.set('plain1', 500);

	// 2. gzip body of vended {"message": ...} records
	const b = lineRecords('vended1', 120, { wrap: true });
	const idB = newId();
	checkAnswer('gzip delivery of vended {"message"} records: 200',
	    await send({ id: idB, data: b.data, gzip: true }), 200, idB);
	acked.set('vended1', 120);

	// 3. CloudWatch subscription payloads (gzip in base64), with a
	// CONTROL_MESSAGE and an empty record
	const cw = [];
	for (let i = 0; i < 40; i++)
		cw.push(flowLine('cw1', i));
	const idC = newId();
	checkAnswer('CloudWatch subscription payloads + CONTROL_MESSAGE + empty record: 200',
	    await send({ id: idC, data: [cloudwatchRecord(cw.slice(0, 25)), cloudwatchRecord(['CWL CONTROL MESSAGE: Checking health of destination Firehose.'], 'CONTROL_MESSAGE'), '', cloudwatchRecord(cw.slice(25))] }), 200, idC);
	acked.set('cw1', 40);

	// 4. a record holding several lines, and one bad line (kept as a
	// rejected unit; the delivery is still 200)
	const multi = Buffer.from([flowLine('multi1', 0), flowLine('multi1', 1), 'this is not a flow log', flowLine('multi1', 2)].join('\n')).toString('base64');
	const idD = newId();
	checkAnswer('record with several lines and a bad one: 200', await send({ id: idD, data: [multi] }), 200, idD);
	acked.set('multi1', 3);

	// 5. retry after commit: 200, nothing stored again
	checkAnswer('retry of a committed requestId: 200', await send({ id: idA, data: a.data }), 200, idA);
	checkAnswer('retry of a committed gzip delivery: 200', await send({ id: idB, data: b.data, gzip: true }), 200, idB);

	// 6. the same new requestId three times at once (retries while the
	// first copy is in flight): all 200, stored once
	const e = lineRecords('dup1', 300);
	const idE = newId();
	const dups = await Promise.all([0, 1, 2].map(() => send({ id: idE, data: e.data })));
	t.check('three concurrent copies of one requestId: all 200',
	    dups.every((r) => r.status === 200 && r.json?.requestId === idE),
	    dups.map((r) => r.status ?? r.error?.message).join(','));
	acked.set('dup1', 300);

	// 7. many deliveries at once (keep-alive, concurrency 8)
	const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
	const many = [];
	for (let i = 0; i < 40; i++) {
		const r = lineRecords(`many${i}`, 50);
		many.push(send({ data: r.data, agent, gzip: i % 2 === 1 }).then((res) => ({ res, tag: `many${i}` })));
	}
	const manyRes = await Promise.all(many);
	t.check('40 concurrent deliveries on keep-alive connections: all 200',
	    manyRes.every((m) => m.res.status === 200), manyRes.map((m) => m.res.status).join(','));
	for (const m of manyRes)
		if (m.res.status === 200)
			acked.set(m.tag, 50);
	agent.destroy();

	// 8. refusals; each carries records that must never be stored
	const bad = (tag, n = 5) => { refused.add(tag); return lineRecords(tag, n).data; };
	checkAnswer('wrong access key: 401', await send({ key: 'not-the-key', data: bad('badkey') }), 401, undefined, 'access key');
	checkAnswer('missing access key: 401', await deliver({ port, data: bad('nokey') }), 401, undefined, 'missing');
	checkAnswer('key with a correct prefix: 401', await send({ key: KEY.slice(0, -1), data: bad('prefixkey') }), 401);
	checkAnswer('key with extra bytes: 401', await send({ key: KEY + 'x', data: bad('longkey') }), 401);
	const idBad = newId();
	checkAnswer('401 echoes the header requestId', await send({ id: idBad, key: 'x', data: bad('badkey2') }), 401, idBad);
	checkAnswer('malformed JSON: 400 with line and column',
	    await send({ raw: '{"requestId": "x", "timestamp": 1, "records": [' + bad('badjson').map((d) => `{"data":"${d}"}`).join(',') + ',,]}' }), 400, undefined, 'not valid JSON');
	const bb = bad('badb64', 3);
	bb[2] = bb[2].slice(0, 10) + '*' + bb[2].slice(11);
	checkAnswer('bad base64 in records[2]: 400 naming the record and character',
	    await send({ data: bb }), 400, undefined, 'records[2].data is not base64: character 10');
	checkAnswer('missing records: 400', await send({ raw: JSON.stringify({ requestId: newId(), timestamp: 1 }) }), 400, undefined, 'no "records"');
	checkAnswer('missing requestId: 400', await send({ raw: JSON.stringify({ timestamp: 1, records: [] }) }), 400, undefined, 'no "requestId"');
	checkAnswer('record without data: 400', await send({ raw: JSON.stringify({ requestId: newId(), timestamp: 1, records: [{ dat: 'aGk=' }] }) }), 400, undefined, 'records[0] has no "data"');
	const idMismatch = newId();
	checkAnswer('header and body requestId differ: 400',
	    await send({ id: idMismatch, raw: body(newId(), bad('mismatch')) }), 400, undefined, 'differ');
	checkAnswer('gzip header on a plain body: 400',
	    await send({ raw: body(newId(), bad('notgzip')), headers: { 'Content-Encoding': 'gzip' } }), 400, undefined, 'not gzip');
	checkAnswer('Content-Encoding br: 400', await send({ data: bad('brotli'), headers: { 'Content-Encoding': 'br' } }), 400, undefined, 'Content-Encoding');
	checkAnswer('Content-Type text/plain: 415', await send({ data: bad('textplain'), headers: { 'Content-Type': 'text/plain' } }), 415);
	checkAnswer('protocol version 2.0: 400', await send({ data: bad('proto2'), headers: { 'X-Amz-Firehose-Protocol-Version': '2.0' } }), 400, undefined, 'Protocol-Version');
	checkAnswer('GET: 405', await send({ method: 'GET', headers: { 'Content-Length': null } }), 405);
	const put = await send({ method: 'PUT', data: bad('put') });
	checkAnswer('PUT: 405 with Allow: POST', put, 405);
	t.check('405 says Allow: POST', put.headers?.allow === 'POST', put.headers?.allow);
	checkAnswer('wrong path: 404', await send({ path: '/other', data: bad('wrongpath') }), 404);

	// 9. size limits: a gzip bomb and a declared 70 MB body
	const bomb = zlib.gzipSync(Buffer.concat([Buffer.from('{"requestId":"bomb","timestamp":1,"records":[{"data":"'), Buffer.alloc(66 * 1024 * 1024, 65), Buffer.from('"}]}')]));
	checkAnswer('gzip body inflating past 65 MiB: 413', await send({ raw: bomb, headers: { 'Content-Encoding': 'gzip' } }), 413, undefined, 'decompresses to more than');
	// Only the headers are sent: a 413 can then come from nothing but the
	// declared length.  (Sending part of the body as well raced the
	// server's close: the client could see EPIPE before the answer.)
	checkAnswer('Content-Length of 70 MB: 413 before the body is read',
	    await send({ raw: Buffer.alloc(16, 32), contentLength: 70 * 1024 * 1024, partial: 0 }), 413);
	const big = Buffer.alloc(66 * 1024 * 1024, 32);
	// The server answers 413 as soon as the body passes the limit and stops
	// reading; the client may see that answer or, still writing, a reset.
	const chunked = await send({ raw: big, headers: { 'Content-Length': null, 'Transfer-Encoding': 'chunked' } });
	if (chunked.error)
		t.check('66 MiB body sent chunked: 413 or reset once past the limit', /hang up|ECONNRESET|EPIPE/.test(chunked.error.message), chunked.error.message);
	else
		checkAnswer('66 MiB body sent chunked: 413', chunked, 413, undefined, 'larger than');
	const tooMany = [];
	for (let i = 0; i < 10001; i++)
		tooMany.push('');
	checkAnswer('10001 records: 400', await send({ data: tooMany }), 400, undefined, 'at most 10000');

	// 10. the server still works after all that
	const f = lineRecords('after1', 10);
	checkAnswer('a delivery after the refusals: 200', await send({ data: f.data }), 200);
	acked.set('after1', 10);

	// 11. SIGTERM while deliveries are in flight: each is 200 (then
	// stored), refused (then not stored), or cut off (then stored whole or
	// not at all)
	const agent2 = new http.Agent({ keepAlive: true, maxSockets: 16 });
	const stopRes = [];
	let stopped = false;
	let next = 0;
	const sender = async () => {
		while (!stopped) {
			const tag = `stop${next++}`;
			const res = await send({ data: lineRecords(tag, 100).data, agent: agent2 });
			stopRes.push({ res, tag });
			if (res.error)
				break;
		}
	};
	const senders = [];
	for (let i = 0; i < 16; i++)
		senders.push(sender());
	await sleep(700);
	srv.proc.kill('SIGTERM');
	const stopAt = Date.now();
	await srv.exit;
	stopped = true;
	await Promise.all(senders);
	agent2.destroy();
	const ex = await srv.exit;
	t.check('SIGTERM during deliveries: exit 130', ex.code === 130, JSON.stringify(ex));
	const okStop = stopRes.filter((s) => s.res.status === 200);
	const refStop = stopRes.filter((s) => s.res.status !== undefined && s.res.status !== 200);
	const cut = stopRes.filter((s) => s.res.status === undefined);
	t.check('SIGTERM: refusals are 503 with errorMessage',
	    refStop.every((s) => s.res.status === 503 && s.res.json?.errorMessage),
	    refStop.map((s) => s.res.status).join(','));
	console.log(`# stop: ${okStop.length} acknowledged, ${refStop.length} refused, ${cut.length} cut off (exit ${Date.now() - stopAt} ms after SIGTERM)`);
	for (const s of okStop)
		acked.set(s.tag, 100);
	for (const s of refStop)
		refused.add(s.tag);

	// The store.
	const byTag = storedByTag(flowlens, db);
	let wrong = [];
	for (const [tag, n] of acked) {
		const why = exactlyOnce(byTag, tag, n);
		if (why)
			wrong.push(`${tag}: ${why}`);
	}
	t.check(`every record of the ${acked.size} acknowledged deliveries stored exactly once`, wrong.length === 0, wrong.slice(0, 5).join('; '));
	wrong = [...refused].filter((tag) => byTag.has(tag));
	t.check(`nothing of the ${refused.size} refused deliveries stored`, wrong.length === 0, wrong.join(','));
	wrong = cut.filter((s) => byTag.has(s.tag) && exactlyOnce(byTag, s.tag, 100));
	t.check('deliveries cut off by the stop: stored whole or not at all', wrong.length === 0, wrong.map((s) => s.tag).join(','));
	const known = new Set([...acked.keys(), ...refused, ...cut.map((s) => s.tag)]);
	wrong = [...byTag.keys()].filter((tag) => !known.has(tag));
	t.check('no records from anywhere else', wrong.length === 0, wrong.join(','));

	const reqs = query(flowlens, db, 'SELECT request_id, records FROM firehose_requests');
	const reqIds = new Map(reqs.map((r) => [r.request_id, r.records]));
	t.check('firehose_requests: the requestIds of the first deliveries, with their record counts',
	    reqIds.get(idA) === 500 && reqIds.get(idB) === 120 && reqIds.get(idC) === 40 && reqIds.get(idD) === 3 && reqIds.get(idE) === 300,
	    JSON.stringify([idA, idB, idC, idD, idE].map((i) => reqIds.get(i))));
	t.check('firehose_requests: one row per acknowledged delivery (and per stored cut-off one)',
	    reqs.length === acked.size + cut.filter((s) => byTag.has(s.tag)).length, `${reqs.length} rows, ${acked.size} acknowledged`);
	const errs = query(flowlens, db, "SELECT location, reason FROM ingest_errors WHERE raw LIKE 'this is not%'");
	t.check('the bad line is in ingest_errors with its request and record',
	    errs.length === 1 && errs[0].location.includes(`request ${idD} record 1`), JSON.stringify(errs));
	t.check('the access key never reaches stderr', !srv.stderr().includes(KEY), srv.stderr());
}

async function tls() {
	const db = `${work}/tls.db`;
	const cert = `${work}/cert.pem`;
	const key = `${work}/key.pem`;
	execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
		'-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost',
		'-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
	const srv = await startServer(flowlens, db, {
		env: { FLOWLENS_FIREHOSE_ACCESS_KEY: KEY },
		extra: ['--tls-cert', cert, '--tls-key', key],
	});
	t.check('TLS: listening line says https', /listening on https:\/\//.test(srv.stderr()), srv.stderr());
	const ca = readFileSync(cert);
	const r = lineRecords('tls1', 200);
	const id = newId();
	checkAnswer('TLS: delivery verified against the self-signed certificate: 200',
	    await deliver({ port: srv.port, key: KEY, id, data: r.data, tls: { ca }, gzip: true }), 200, id);
	checkAnswer('TLS: key from the environment, wrong key: 401',
	    await deliver({ port: srv.port, key: 'nope', data: lineRecords('tlsbad', 2).data, tls: { ca } }), 401);
	const plain = await deliver({ port: srv.port, key: KEY, data: lineRecords('tlsplain', 2).data });
	t.check('TLS: plain HTTP to the TLS port gets no 200', plain.status !== 200, String(plain.status));
	srv.proc.kill('SIGINT');
	const ex = await srv.exit;
	t.check('TLS: SIGINT: exit 130', ex.code === 130, JSON.stringify(ex));
	const byTag = storedByTag(flowlens, db);
	t.check('TLS: the delivery stored exactly once, nothing else', exactlyOnce(byTag, 'tls1', 200) === '' && byTag.size === 1,
	    [...byTag.keys()].join(','));
}

// The writer blocked (another process holds the store's write lock): the
// queue fills, deliveries beyond it are answered 503, and once the lock is
// released every queued delivery is stored and answered 200.
async function backpressure() {
	const db = `${work}/busy.db`;
	const srv = await startServer(flowlens, db, { keyFile });
	const holder = spawn('sqlite3', [db], { stdio: ['pipe', 'ignore', 'ignore'] });
	holder.stdin.write('PRAGMA busy_timeout = 5000;\nBEGIN IMMEDIATE;\nINSERT INTO meta VALUES (\'busy\', \'1\');\n');
	await sleep(300);
	// More deliveries at once than the writer's queue, the open group and
	// the inbox (128) hold: 2000 records each, 300 connections.
	const agent = new http.Agent({ keepAlive: true, maxSockets: 300 });
	const sent = [];
	for (let i = 0; i < 300; i++)
		sent.push(deliver({ port: srv.port, key: KEY, data: lineRecords(`busy${i}`, 2000).data, agent })
		    .then((res) => ({ res, tag: `busy${i}` })));
	// Release the lock once the queue has had time to fill (or 3.5 s).
	const release = sleep(3500).then(() => holder.stdin.end('ROLLBACK;\n.quit\n'));
	const res = await Promise.all(sent);
	await release;
	agent.destroy();
	srv.proc.kill('SIGTERM');
	await srv.exit;
	const ok = res.filter((r) => r.res.status === 200);
	const busy = res.filter((r) => r.res.status === 503);
	const other = res.filter((r) => r.res.status !== 200 && r.res.status !== 503);
	console.log(`# writer blocked: ${ok.length} answered 200, ${busy.length} 503, ${other.length} other`);
	t.check('writer blocked: deliveries past the queue are answered 503 "queue is full"',
	    busy.length > 0 && busy.every((r) => /queue is full/.test(r.res.json?.errorMessage ?? '')),
	    `${busy.length} 503s; first: ${busy[0]?.res.text}`);
	t.check('writer blocked: every other delivery answered 200 once the lock was released',
	    other.length === 0 && ok.length > 0, other.slice(0, 3).map((r) => r.res.status ?? r.res.error?.message).join(','));
	const byTag = storedByTag(flowlens, db);
	const wrong = ok.filter((r) => exactlyOnce(byTag, r.tag, 2000)).concat(busy.filter((r) => byTag.has(r.tag)));
	t.check('writer blocked: the 200s stored once each, the 503s not at all', wrong.length === 0,
	    wrong.slice(0, 3).map((r) => r.tag).join(','));
}

async function startup() {
	const db = `${work}/start.db`;
	let failed = null;
	try {
		await startServer(flowlens, db, { env: { FLOWLENS_FIREHOSE_ACCESS_KEY: '' } });
	} catch (e) {
		failed = e.message;
	}
	t.check('no access key: refuses to start and says how to give one',
	    failed !== null && failed.includes('--firehose-access-key-file') && failed.includes('FLOWLENS_FIREHOSE_ACCESS_KEY'), failed);
	let usage = null;
	try {
		execFileSync(flowlens, ['ingest', '--db', db, 'firehose:99999'], { stdio: 'pipe' });
	} catch (e) {
		usage = e;
	}
	t.check('firehose:99999 is a usage error (exit 2)', usage?.status === 2 && /bad firehose source/.test(usage.stderr), usage?.stderr?.toString());
}

// Two endpoints in one process (two listeners behind one load balancer):
// copies of one delivery sent to both at once are stored once, every copy
// is answered 200, and the ingest goes on.
async function twoEndpoints() {
	const db = `${work}/two.db`;
	const proc = spawn(flowlens, ['ingest', '--db', db, '--no-progress',
	    '--firehose-access-key-file', keyFile, 'firehose:0', 'firehose:0'],
	    { stdio: ['ignore', 'ignore', 'pipe'] });
	const exit = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
	let err = '';
	const ports = await new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`two listeners: ${err}`)), 15000);
		proc.stderr.on('data', (c) => {
			err += c;
			const m = [...err.matchAll(/listening on https?:\/\/[^ ]*:(\d+)\//g)].map((x) => Number(x[1]));
			if (m.length === 2) {
				clearTimeout(timer);
				resolve(m);
			}
		});
	});
	const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
	const rounds = [];
	for (let i = 0; i < 40; i++) {
		const id = newId();
		const r = lineRecords(`two${i}`, 200);
		rounds.push(Promise.all([0, 1, 0, 1].map((k) =>
		    deliver({ port: ports[k], key: KEY, id, data: r.data, agent }))));
	}
	const res = (await Promise.all(rounds)).flat();
	agent.destroy();
	const late = await deliver({ port: ports[1], key: KEY, data: lineRecords('two-after', 10).data });
	proc.kill('SIGTERM');
	const ended = await exit;
	t.check('two endpoints, one requestId sent to both at once (40 x 4 copies): all 200',
	    res.every((r) => r.status === 200), res.filter((r) => r.status !== 200).slice(0, 3).map((r) => r.status ?? r.error?.message).join(','));
	t.check('two endpoints: still storing afterwards, then a clean stop',
	    late.status === 200 && ended.code === 130, `${late.status} ${JSON.stringify(ended)} ${err.slice(-300)}`);
	const byTag = storedByTag(flowlens, db);
	const wrong = [];
	for (let i = 0; i < 40; i++)
		if (exactlyOnce(byTag, `two${i}`, 200))
			wrong.push(`two${i}: ${exactlyOnce(byTag, `two${i}`, 200)}`);
	t.check('two endpoints: each delivery stored exactly once', wrong.length === 0, wrong.slice(0, 3).join('; '));
}

try {
	await startup();
	await functional();
	await twoEndpoints();
	await tls();
	// 600 000 records through a blocked writer: too slow under ASan.
	if (process.env.FIREHOSE_BACKPRESSURE !== '0')
		await backpressure();
} catch (e) {
	t.check('test run', false, e.stack);
}
t.finish();
