// sdk-check.mjs PORT - check the CloudWatch Logs stand-in against the
// official AWS SDK for JavaScript v3 (@aws-sdk/client-cloudwatch-logs):
// the SDK's own signer and protocol code must get every event through the
// stand-in's pagination (empty pages, throttling and 5xx included), and a
// wrong secret must be refused with InvalidSignatureException.
// Prints ok/FAIL lines; exits non-zero on failure.
import { createRequire } from 'node:module';

const require = createRequire(process.env.FLOWLENS_NODE_MODULES + '/');
const { CloudWatchLogsClient, FilterLogEventsCommand,
  paginateFilterLogEvents } = require('@aws-sdk/client-cloudwatch-logs');

const port = process.argv[2], group = process.argv[3];
const want = Number(process.argv[4]);
const endpoint = `http://127.0.0.1:${port}`;
let failed = 0;
const check = (cond, what) => {
  console.log(`${cond ? 'ok  ' : 'FAIL'} sdk: ${what}`);
  if (!cond) failed++;
};

const client = (secret) => new CloudWatchLogsClient({ endpoint,
  region: 'us-east-1', maxAttempts: 10,
  credentials: { accessKeyId: 'AKIDSTANDIN', secretAccessKey: secret } });

const good = client('standin-secret');
const ids = new Set();
let pages = 0;
for await (const page of paginateFilterLogEvents({ client: good,
    pageSize: 10000 }, { logGroupName: group, startTime: 0 })) {
  pages++;
  for (const e of page.events) ids.add(e.eventId);
}
check(ids.size === want, `official SDK paginated ${ids.size} events of ` +
  `${want} in ${pages} pages through the stand-in`);

try {
  await client('wrong-secret').send(new FilterLogEventsCommand({
    logGroupName: group }));
  check(false, 'a wrong secret is refused');
} catch (e) {
  check(e.name === 'InvalidSignatureException',
    `a wrong secret is refused with ${e.name}`);
}
try {
  await good.send(new FilterLogEventsCommand({ logGroupName: '/no/such' }));
  check(false, 'a missing group is an error');
} catch (e) {
  check(e.name === 'ResourceNotFoundException', `a missing group: ${e.name}`);
}
process.exit(failed ? 1 : 0);
