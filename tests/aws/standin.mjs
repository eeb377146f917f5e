// standin.mjs - a loopback stand-in for the AWS endpoints flowlens calls:
//   * CloudWatch Logs, JSON 1.1 protocol: POST / with X-Amz-Target
//     Logs_20140328.FilterLogEvents (pagination tokens, empty pages that still
//     carry a token, ThrottlingException, 5xx, late events), every request's
//     SigV4 signature checked with an independent implementation (npm aws4):
//     a wrong signature, payload hash, unknown key or expired token is refused
//     the way AWS refuses it;
//   * EC2 instance metadata, IMDSv2 (PUT /latest/api/token, GET
//     /latest/meta-data/iam/security-credentials/[ROLE], placement/region);
//     the keys it hands out are accepted by the CloudWatch side until they
//     expire;
//   * the container credentials endpoint (GET /container/creds, checks the
//     Authorization token);
//   * S3: s3rver (npm) holds buckets and objects; in front of it a gate that
//     checks what s3rver does not: the SigV4 signature (aws4, service s3),
//     x-amz-content-sha256 against the body, Content-MD5 and
//     x-amz-checksum-sha256 (BadDigest), as S3 does.
// Test scripts drive it through unsigned /_control/ requests.
//
// usage: node standin.mjs DIR        prints "PORT n", "S3PORT n" (the
//                                    signed S3 gate) and "S3RAW n" (s3rver
//                                    itself, unsigned, for fixtures), each
//                                    on 127.0.0.1, ephemeral; DIR holds
//                                    s3rver's files
import crypto from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(process.env.FLOWLENS_NODE_MODULES + '/');
const aws4 = require('aws4');
const S3rver = require('s3rver');

const REGION = process.env.STANDIN_REGION || 'us-east-1';
const MAX_SKEW_MS = 5 * 60 * 1000;

const state = {
  keys: new Map(),        // akid -> { secret, token, expires (ms) }
  groups: new Map(),      // name -> [{ logStreamName, timestamp, message,
                          //            ingestionTime, eventId, seq }]
  seq: 0,
  faults: { throttleEvery: 0, errorEvery: 0, emptyEvery: 0, pageSize: 10000,
            delayMs: 0 },
  stats: { requests: 0, filterCalls: 0, signatureOk: 0, signatureBad: 0,
           throttled: 0, errors: 0, emptyPages: 0, imdsCreds: 0,
           tokensPut: 0, containerCreds: 0, keysUsed: {},
           handlerNs: 0,  // time spent answering FilterLogEvents
           s3: { ok: 0, refused: 0, byMethod: {}, lastRefusal: '' },
           served: {} },  // eventId -> times returned
  imds: { role: 'flowlens-test-role', ttlSeconds: 3600, serial: 0,
          tokens: new Map() },
  containerToken: 'container-secret-token',
  pageCounter: 0,
};

state.keys.set('AKIDSTANDIN', { secret: 'standin-secret', token: null,
  expires: 0 });

function send(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1',
    'x-amzn-RequestId': 'req-' + (++state.stats.requests), ...headers });
  res.end(text);
}

function awsError(res, status, type, message) {
  send(res, status, { __type: type, message });
}

// The eventId of the n-th event: 56 decimal digits, like the service's.
function eventId(ts, seq) {
  return (String(ts).padStart(20, '0') + String(seq).padStart(36, '0'));
}

// --------------------------------------------------------------- SigV4

// Check the Authorization header as AWS would; returns null or
// [status, type, message].
function checkSignature(req, body, service) {
  const auth = req.headers['authorization'];
  if (!auth) return [400, 'MissingAuthenticationTokenException',
    'Missing Authentication Token'];
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return [400, 'IncompleteSignatureException',
    'Authorization header is malformed: ' + auth.slice(0, 40)];
  const [, akid, date, region, svc, signedList, signature] = m;
  const key = state.keys.get(akid);
  if (!key) return [400, 'UnrecognizedClientException',
    'The security token included in the request is invalid.'];
  if (region !== REGION || svc !== service)
    return [403, 'InvalidSignatureException',
      `Credential should be scoped to a valid region (${REGION}) and service (${service})`];
  const signed = signedList.split(';');
  for (const need of ['host', 'x-amz-date'])
    if (!signed.includes(need)) return [403, 'InvalidSignatureException',
      `${need} must be a signed header`];
  if (service === 's3' && !signed.includes('x-amz-content-sha256'))
    return [403, 'InvalidSignatureException', 'x-amz-content-sha256 must be signed'];
  if (service === 'logs' && !signed.includes('x-amz-target'))
    return [403, 'InvalidSignatureException', 'x-amz-target must be signed'];
  const amzDate = req.headers['x-amz-date'];
  if (!amzDate || amzDate.slice(0, 8) !== date)
    return [403, 'InvalidSignatureException', 'Date mismatch'];
  const when = Date.parse(amzDate.replace(
    /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (!(Math.abs(Date.now() - when) < MAX_SKEW_MS))
    return [403, 'InvalidSignatureException', 'Signature expired'];
  if (key.token) {
    if (!signed.includes('x-amz-security-token') ||
        req.headers['x-amz-security-token'] !== key.token)
      return [400, 'UnrecognizedClientException',
        'The security token included in the request is invalid.'];
    if (key.expires && Date.now() > key.expires)
      return [400, 'ExpiredTokenException',
        'The security token included in the request is expired'];
  }
  const headers = {};
  for (const h of signed) {
    if (req.headers[h] === undefined)
      return [403, 'IncompleteSignatureException',
        `'${h}' is named as a SignedHeader, but it does not exist`];
    headers[h] = req.headers[h];
  }
  const signer = new aws4.RequestSigner({
    host: req.headers.host, path: req.url, method: req.method, headers,
    body, service, region, doNotModifyHeaders: true,
  }, { accessKeyId: akid, secretAccessKey: key.secret,
       sessionToken: key.token || undefined });
  signer.datetime = amzDate;
  const expected = signer.signature();
  if (expected !== signature) {
    state.stats.signatureBad++;
    return [403, 'InvalidSignatureException',
      'The request signature we calculated does not match the signature ' +
      'you provided. Check your AWS Secret Access Key and signing method.'];
  }
  state.stats.signatureOk++;
  state.stats.keysUsed[akid] = (state.stats.keysUsed[akid] || 0) + 1;
  return null;
}

// --------------------------------------------------------------- logs

function filterLogEvents(res, p) {
  const t0 = process.hrtime.bigint();
  try { return filterLogEventsTimed(res, p); } finally {
    state.stats.handlerNs += Number(process.hrtime.bigint() - t0);
  }
}

function filterLogEventsTimed(res, p) {
  const s = state.stats;
  s.filterCalls++;
  const f = state.faults;
  if (f.logsDeny) return awsError(res, 400, 'AccessDeniedException',
    'User: arn:aws:iam::123456789012:user/test is not authorized to ' +
    'perform: logs:FilterLogEvents');
  if (f.throttleEvery && s.filterCalls % f.throttleEvery === 0) {
    s.throttled++;
    return awsError(res, 400, 'ThrottlingException', 'Rate exceeded');
  }
  if (f.errorEvery && s.filterCalls % f.errorEvery === 0) {
    s.errors++;
    return awsError(res, 503, 'ServiceUnavailableException',
      'The service is unavailable');
  }
  if (typeof p.logGroupName !== 'string' && typeof p.logGroupIdentifier !== 'string')
    return awsError(res, 400, 'InvalidParameterException',
      'logGroupName or logGroupIdentifier is required');
  if (p.logStreamNames && p.logStreamNamePrefix)
    return awsError(res, 400, 'InvalidParameterException',
      'logStreamNames and logStreamNamePrefix are mutually exclusive');
  if (p.limit !== undefined && !(p.limit >= 1 && p.limit <= 10000))
    return awsError(res, 400, 'InvalidParameterException', 'limit');
  const name = p.logGroupName || p.logGroupIdentifier;
  const events = state.groups.get(name);
  if (!events) return awsError(res, 400, 'ResourceNotFoundException',
    'The specified log group does not exist.');
  let offset = 0;
  if (p.nextToken !== undefined) {
    try {
      const t = JSON.parse(Buffer.from(p.nextToken, 'base64').toString());
      if (t.g !== name) throw new Error('group');
      offset = t.o;
    } catch {
      return awsError(res, 400, 'InvalidParameterException',
        'The specified nextToken is invalid.');
    }
  }
  const start = p.startTime ?? 0, end = p.endTime ?? Number.MAX_SAFE_INTEGER;
  const match = events.filter(e => e.timestamp >= start && e.timestamp <= end &&
    (!p.logStreamNamePrefix || e.logStreamName.startsWith(p.logStreamNamePrefix)) &&
    (!p.logStreamNames || p.logStreamNames.includes(e.logStreamName)))
    .sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq);
  state.pageCounter++;
  if (f.emptyEvery && state.pageCounter % f.emptyEvery === 0 &&
      offset < match.length) {
    // An empty page that still carries a token: the client must go on.
    s.emptyPages++;
    const nextToken = Buffer.from(JSON.stringify({ g: name, o: offset,
      n: state.pageCounter })).toString('base64');
    return send(res, 200, { events: [], searchedLogStreams: [], nextToken });
  }
  // Up to `limit` events or about 1 MB, whichever comes first.
  const size = Math.min(p.limit || 10000, f.pageSize);
  const page = [];
  let bytes = 0;
  for (let i = offset; i < match.length && page.length < size; i++) {
    bytes += match[i].message.length + 120;
    if (bytes > 1048576 && page.length > 0) break;
    page.push(match[i]);
  }
  const out = { events: page.map(e => ({ logStreamName: e.logStreamName,
    timestamp: e.timestamp, message: e.message,
    ingestionTime: e.ingestionTime, eventId: e.eventId })),
    searchedLogStreams: [] };
  for (const e of page) s.served[e.eventId] = (s.served[e.eventId] || 0) + 1;
  if (offset + page.length < match.length)
    out.nextToken = Buffer.from(JSON.stringify({ g: name, o: offset + page.length,
      n: state.pageCounter })).toString('base64');
  const reply = () => send(res, 200, out);
  if (f.delayMs) setTimeout(reply, f.delayMs); else reply();
}

function logsApi(req, res, body) {
  const target = req.headers['x-amz-target'];
  if (req.method !== 'POST' || req.url !== '/')
    return awsError(res, 404, 'UnknownOperationException', req.url);
  if (req.headers['content-type'] !== 'application/x-amz-json-1.1')
    return awsError(res, 400, 'SerializationException',
      'Content-Type must be application/x-amz-json-1.1');
  const bad = checkSignature(req, body, 'logs');
  if (bad) return awsError(res, ...bad);
  let p;
  try { p = JSON.parse(body || '{}'); } catch {
    return awsError(res, 400, 'SerializationException', 'body is not JSON');
  }
  if (target === 'Logs_20140328.FilterLogEvents') return filterLogEvents(res, p);
  return awsError(res, 400, 'UnknownOperationException', String(target));
}

// --------------------------------------------------------------- IMDS

function issueKeys(prefix) {
  const n = ++state.imds.serial;
  const akid = `${prefix}${String(n).padStart(4, '0')}`;
  const secret = `secret-${prefix}-${n}`, token = `token-${prefix}-${n}-` +
    'x'.repeat(900);
  const expires = Date.now() + state.imds.ttlSeconds * 1000;
  state.keys.set(akid, { secret, token, expires });
  return { Code: 'Success', LastUpdated: new Date().toISOString()
    .replace(/\.\d{3}/, ''), Type: 'AWS-HMAC', AccessKeyId: akid,
    SecretAccessKey: secret, Token: token,
    Expiration: new Date(expires).toISOString().replace(/\.\d{3}/, '') };
}

function imds(req, res) {
  const text = (status, body) => {
    res.writeHead(status, { 'Content-Type': 'text/plain' });
    res.end(body);
  };
  if (req.url === '/latest/api/token') {
    if (req.method !== 'PUT') return text(405, '');
    const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
    if (!(ttl >= 1 && ttl <= 21600)) return text(400, '');
    const tok = 'imds-session-' + Math.random().toString(36).slice(2);
    state.imds.tokens.set(tok, Date.now() + ttl * 1000);
    state.stats.tokensPut++;
    return text(200, tok);
  }
  const tok = req.headers['x-aws-ec2-metadata-token'];
  if (!tok || !(state.imds.tokens.get(tok) > Date.now())) return text(401, '');
  const base = '/latest/meta-data/iam/security-credentials/';
  if (req.url === base) return text(200, state.imds.role + '\n');
  if (req.url === base + state.imds.role) {
    state.stats.imdsCreds++;
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    return res.end(JSON.stringify(issueKeys('ASIAIMDS')));
  }
  if (req.url === '/latest/meta-data/placement/region') return text(200, REGION);
  return text(404, '');
}

// --------------------------------------------------------------- control

function control(req, res, body) {
  const p = body ? JSON.parse(body) : {};
  const ok = (x = {}) => { res.writeHead(200, { 'Content-Type':
    'application/json' }); res.end(JSON.stringify(x)); };
  switch (req.url) {
  case '/_control/group':
    if (!state.groups.has(p.name)) state.groups.set(p.name, []);
    return ok();
  case '/_control/events': {
    // { group, events: [{ stream, timestamp, message }] } - appended now
    // (ingestion time = now), whatever their timestamps: late events too.
    const list = state.groups.get(p.group) || [];
    state.groups.set(p.group, list);
    const ids = [];
    for (const e of p.events) {
      const seq = ++state.seq;
      const ev = { logStreamName: e.stream, timestamp: e.timestamp,
        message: e.message, ingestionTime: Date.now(), seq,
        eventId: eventId(e.timestamp, seq) };
      list.push(ev);
      ids.push(ev.eventId);
    }
    return ok({ ids });
  }
  case '/_control/faults':
    Object.assign(state.faults, p);
    return ok(state.faults);
  case '/_control/keys':
    state.keys.set(p.akid, { secret: p.secret, token: p.token || null,
      expires: p.expires || 0 });
    return ok();
  case '/_control/imds':
    // { ttlSeconds } for the credentials; { dropTokens: true } expires
    // every IMDSv2 session token (the client must PUT a new one).
    if (p.dropTokens) state.imds.tokens.clear();
    delete p.dropTokens;
    Object.assign(state.imds, p);
    return ok();
  case '/_control/stats':
    return ok(state.stats);
  default:
    res.writeHead(404); res.end();
  }
}


// --------------------------------------------------------------- S3 gate

function s3Error(res, status, code, message) {
  state.stats.s3.refused++;
  state.stats.s3.lastRefusal = code;
  res.writeHead(status, { 'Content-Type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code>` +
    `<Message>${message}</Message></Error>`);
}

function s3Gate(rawPort) {
  return http.createServer((req, res) => {
    const chunks = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const sha = crypto.createHash('sha256').update(body).digest('hex');
      const claimed = req.headers['x-amz-content-sha256'];
      if (!claimed) return s3Error(res, 400, 'InvalidRequest',
        'Missing required header for this request: x-amz-content-sha256');
      if (claimed !== 'UNSIGNED-PAYLOAD' && claimed !== sha)
        return s3Error(res, 400, 'XAmzContentSHA256Mismatch',
          'The provided x-amz-content-sha256 header does not match what was computed.');
      const bad = checkSignature(req, body, 's3');
      if (bad) {
        const code = bad[1] === 'UnrecognizedClientException' ?
          'InvalidAccessKeyId' : bad[1] === 'ExpiredTokenException' ?
          'ExpiredToken' : 'SignatureDoesNotMatch';
        return s3Error(res, 403, code, bad[2]);
      }
      const md5 = req.headers['content-md5'];
      if (md5 && md5 !== crypto.createHash('md5').update(body).digest('base64'))
        return s3Error(res, 400, 'BadDigest',
          'The Content-MD5 you specified did not match what we received.');
      const cs = req.headers['x-amz-checksum-sha256'];
      if (cs && cs !== crypto.createHash('sha256').update(body).digest('base64'))
        return s3Error(res, 400, 'BadDigest',
          'The SHA256 you specified did not match the calculated checksum.');
      if (state.faults.s3Deny) return s3Error(res, 403, 'AccessDenied',
        'Access Denied');
      state.stats.s3.ok++;
      state.stats.s3.byMethod[req.method] =
        (state.stats.s3.byMethod[req.method] || 0) + 1;
      const headers = { ...req.headers };
      for (const h of ['authorization', 'x-amz-security-token',
          'x-amz-content-sha256', 'x-amz-date', 'host'])
        delete headers[h];
      // Small pages on demand, to exercise continuation tokens.
      const path = state.faults.s3MaxKeys && req.url.includes('list-type=2') ?
        req.url + '&max-keys=' + state.faults.s3MaxKeys : req.url;
      const up = http.request({ host: '127.0.0.1', port: rawPort,
        method: req.method, path, headers }, r => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      });
      up.on('error', e => s3Error(res, 500, 'InternalError', String(e)));
      up.end(body);
    });
  });
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', c => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      if (req.url.startsWith('/_control/')) return control(req, res, body);
      if (req.url.startsWith('/latest/')) return imds(req, res);
      if (req.url === '/container/creds') {
        if (req.headers['authorization'] !== state.containerToken) {
          res.writeHead(403); return res.end('{}');
        }
        state.stats.containerCreds++;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify(issueKeys('ASIACONT')));
      }
      return logsApi(req, res, body);
    } catch (e) {
      awsError(res, 500, 'InternalFailure', String(e));
    }
  });
});
server.keepAliveTimeout = 30000;
const s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true,
  directory: process.argv[2], configureBuckets: [{ name: 'flowlogs' },
  { name: 'archive' }] });
const raw = await s3rver.run();
const gate = s3Gate(raw.port);
await new Promise(r => gate.listen(0, '127.0.0.1', r));
await new Promise(r => server.listen(0, '127.0.0.1', r));
console.log('PORT ' + server.address().port);
console.log('S3PORT ' + gate.address().port);
console.log('S3RAW ' + raw.port);
process.on('SIGTERM', () => process.exit(0));
