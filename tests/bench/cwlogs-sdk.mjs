// cwlogs-sdk.mjs PORT GROUP - page through a log group of the CloudWatch
// Logs stand-in with the official AWS SDK for JavaScript, as fast as it
// goes (no rate limit): what the stand-in can serve one request at a time.
// Prints "EVENTS PAGES SECONDS".
import { createRequire } from 'node:module';

const require = createRequire(process.env.FLOWLENS_NODE_MODULES + '/');
const { CloudWatchLogsClient, paginateFilterLogEvents } =
  require('@aws-sdk/client-cloudwatch-logs');

const [port, group] = process.argv.slice(2);
const client = new CloudWatchLogsClient({ endpoint: `http://127.0.0.1:${port}`,
  region: 'us-east-1', credentials: { accessKeyId: 'AKIDSTANDIN',
    secretAccessKey: 'standin-secret' } });
const t0 = process.hrtime.bigint();
let events = 0, pages = 0;
for await (const page of paginateFilterLogEvents({ client, pageSize: 10000 },
    { logGroupName: group, startTime: 0 })) {
  pages++;
  events += page.events.length;
}
console.log(events, pages, Number(process.hrtime.bigint() - t0) / 1e9);
