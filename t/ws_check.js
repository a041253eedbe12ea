// Strict WebSocket client check for t/031-tls-node.t with node's "ws"
// (Debian's node-ws): read a stream for SECONDS, check every message
// against the protocol, close with 1000.  Prints one JSON line; exit 1
// on a failed check.
//
//   node t/ws_check.js URL SECONDS

'use strict';

const WebSocket = require('ws');

const [url, seconds] = [process.argv[2], Number(process.argv[3] || 5)];
const failures = [];
const types = [];
let frames = 0;
let last = null;

const ws = new WebSocket(url, 'f1-replay.v1', {maxPayload: 1 << 20});

ws.on('message', (data, isBinary) => {
    if (isBinary) {
        failures.push('binary message');
        return;
    }
    let m;
    try {
        m = JSON.parse(data.toString('utf8'));
    } catch (e) {
        failures.push('not JSON: ' + e.message);
        return;
    }
    types.push(m.type);
    if (m.type === 'frame') {
        frames++;
        for (const k of ['tick', 't']) {
            if (!Number.isInteger(m[k])) failures.push('frame ' + k);
        }
        if (typeof m.sent !== 'number' || !Array.isArray(m.cars)) {
            failures.push('frame sent/cars');
        }
        if (last !== null && m.tick !== last + 1) {
            failures.push('tick ' + m.tick + ' after ' + last);
        }
        last = m.tick;
    } else if (!['hello', 'state', 'predictions', 'event'].includes(m.type)) {
        failures.push('unexpected type ' + m.type);
    }
});

ws.on('open', () => {
    if (ws.protocol !== 'f1-replay.v1') {
        failures.push('subprotocol "' + ws.protocol + '"');
    }
    setTimeout(() => ws.close(1000), seconds * 1000);
});

ws.on('error', (e) => failures.push('error: ' + e.message));

ws.on('close', (code) => {
    if (code !== 1000) failures.push('closed with ' + code);
    if (types[0] !== 'hello' || types[1] !== 'state') {
        failures.push('first messages ' + types.slice(0, 3).join(','));
    }
    console.log(JSON.stringify({frames, close: code, failures}));
    process.exit(failures.length ? 1 : 0);
});

setTimeout(() => {
    failures.push('no close within ' + (seconds + 5) + ' s');
    console.log(JSON.stringify({frames, failures}));
    process.exit(1);
}, (seconds + 5) * 1000);
