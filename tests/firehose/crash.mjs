// crash.mjs FLOWLENS WORKDIR [CYCLES] - kill -9 flowlens while Firehose
// deliveries are in flight, restart it, retry what was not acknowledged
// (same requestId, as Firehose does), and check the store after every
// kill: every delivery that got a 200 is stored exactly once, every other
// one is stored whole or not at all.  Some acknowledged deliveries are
// sent again too (Firehose retries when a 200 is lost): they must not be
// stored twice.  At the end every delivery is acknowledged and stored
// exactly once, and the store passes PRAGMA integrity_check.
import { execFileSync } from 'node:child_process';
import { writeFileSync, chmodSync } from 'node:fs';
import http from 'node:http';
import {
	Results, lineRecords, deliver, newId, startServer, storedByTag,
	exactlyOnce, query, sleep,
} from './lib.mjs';

const [flowlens, work, cyclesArg] = process.argv.slice(2);
const cycles = Number(cyclesArg ?? 4);
const t = new Results();
const KEY = 'crash-' + newId();
const keyFile = `${work}/crash-key`;
writeFileSync(keyFile, KEY);
chmodSync(keyFile, 0o600);
const db = `${work}/crash.db`;
const RECORDS = 200;
const SENDERS = 12;

// Every delivery ever made: tag -> {id, data, acked}.
const deliveries = new Map();
let made = 0;

function newDelivery() {
	const tag = `c${made++}`;
	const d = { tag, id: newId(), data: lineRecords(tag, RECORDS).data, acked: false };
	deliveries.set(tag, d);
	return d;
}

// Send until `stop()` says so: unacknowledged deliveries first (retries),
// then an acknowledged one now and then, then new ones.
async function sender(port, agent, state) {
	while (!state.stop) {
		let d = state.retry.pop();
		if (d === undefined && Math.random() < 0.05 && state.ackedList.length)
			d = state.ackedList[Math.floor(Math.random() * state.ackedList.length)];
		if (d === undefined) {
			if (state.noNew)
				return;
			d = newDelivery();
		}
		const r = await deliver({ port, key: KEY, id: d.id, data: d.data, agent, gzip: made % 3 === 0 });
		if (r.status === 200) {
			if (!d.acked)
				state.ackedList.push(d);
			d.acked = true;
		} else if (!d.acked) {
			state.retry.push(d);
		}
		if (r.error)
			return;		// the server is gone
	}
}

// Check the store against what was acknowledged.
function checkStore(label) {
	const byTag = storedByTag(flowlens, db);
	const bad = [];
	for (const d of deliveries.values()) {
		const why = exactlyOnce(byTag, d.tag, RECORDS);
		if (d.acked && why)
			bad.push(`${d.tag} (acknowledged): ${why}`);
		else if (!d.acked && why && why !== 'absent')
			bad.push(`${d.tag} (not acknowledged): ${why}`);
	}
	const acked = [...deliveries.values()].filter((d) => d.acked).length;
	const storedUnacked = [...deliveries.values()].filter((d) => !d.acked && byTag.has(d.tag)).length;
	console.log(`# ${label}: ${storedUnacked} deliveries committed but not acknowledged (their retries must not store them again)`);
	t.check(`${label}: ${acked} acknowledged deliveries stored exactly once, the other ${deliveries.size - acked} whole or not at all`,
	    bad.length === 0, bad.slice(0, 5).join('; '));
	return byTag;
}

const state = { retry: [], ackedList: [], stop: false, noNew: false };
try {
	for (let c = 1; c <= cycles; c++) {
		const srv = await startServer(flowlens, db, { keyFile });
		const agent = new http.Agent({ keepAlive: true, maxSockets: SENDERS });
		state.stop = false;
		const senders = [];
		for (let i = 0; i < SENDERS; i++)
			senders.push(sender(srv.port, agent, state));
		await sleep(300 + Math.random() * 1200);
		srv.proc.kill('SIGKILL');
		await srv.exit;
		state.stop = true;
		await Promise.all(senders);
		agent.destroy();
		checkStore(`kill -9 #${c}`);
	}
	// Restart; Firehose retries everything not acknowledged.
	const srv = await startServer(flowlens, db, { keyFile });
	const agent = new http.Agent({ keepAlive: true, maxSockets: SENDERS });
	state.stop = false;
	state.noNew = true;
	for (let round = 0; round < 5 && state.retry.length; round++) {
		const senders = [];
		for (let i = 0; i < SENDERS; i++)
			senders.push(sender(srv.port, agent, state));
		await Promise.all(senders);
	}
	agent.destroy();
	srv.proc.kill('SIGTERM');
	await srv.exit;
	const all = [...deliveries.values()];
	t.check(`after the retries all ${all.length} deliveries are acknowledged`, all.every((d) => d.acked),
	    `${all.filter((d) => !d.acked).length} not`);
	const byTag = checkStore('final');
	t.check('no records from anything but these deliveries', [...byTag.keys()].every((k) => deliveries.has(k)));
	const reqs = query(flowlens, db, 'SELECT count(*) AS n, sum(records) AS r FROM firehose_requests')[0];
	t.check('firehose_requests: one row per delivery', reqs.n === all.length && reqs.r === all.length * RECORDS,
	    JSON.stringify(reqs));
	const integrity = execFileSync('sqlite3', [db, 'PRAGMA integrity_check'], { encoding: 'utf8' }).trim();
	t.check('PRAGMA integrity_check', integrity === 'ok', integrity);
	console.log(`# ${all.length} deliveries of ${RECORDS} records, ${cycles} kills`);
} catch (e) {
	t.check('crash test run', false, e.stack);
}
t.finish();
