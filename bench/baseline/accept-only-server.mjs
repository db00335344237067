// The lower bound for run-compare's connection storm in Node: a bare net server that answers
// every CONNECT with a fixed MQTT 3.1.1 CONNACK (session not present, accepted) and every
// PINGREQ with a PINGRESP, and does nothing else: no client ids, no sessions, no keepalive
// timers, no subscriptions. Whatever edgemq spends per connection above this is the cost of
// its own code; what this server spends is the cost of Node's net + libuv.
//
//   PORT=1883 node bench/baseline/accept-only-server.mjs
//   NODEBARE_CMD='node bench/baseline/accept-only-server.mjs' BROKERS="mosquitto edgemq nodebare" \
//     SCENARIOS=conn bash ../shared/bench/run-compare.sh
//
// Listens on 127.0.0.1:$PORT (HOST overrides the address), Nagle off like every broker in the
// comparison; exits on SIGTERM or SIGINT.
import { createServer } from 'node:net';

const HOST = process.env.HOST || '127.0.0.1';
const PORT = Number(process.env.PORT || 1883);

const CONNACK = Buffer.from([0x20, 0x02, 0x00, 0x00]);
const PINGRESP = Buffer.from([0xd0, 0x00]);
const TYPE_CONNECT = 1;
const TYPE_PINGREQ = 12;

// Shared listeners (`this` is the socket): no closure per connection.
function onData(chunk) {
  const buf = this.mqttRest === null ? chunk : Buffer.concat([this.mqttRest, chunk]);
  let off = 0;
  while (off < buf.length) {
    // fixed header: type/flags byte, then a 1-4 byte remaining length
    let len = 0;
    let mult = 1;
    let i = off + 1;
    let byte = 0x80;
    while ((byte & 0x80) !== 0) {
      if (i >= buf.length) break;
      if (mult > 128 * 128 * 128) {
        this.destroy(); // malformed remaining length
        return;
      }
      byte = buf[i++];
      len += (byte & 0x7f) * mult;
      mult *= 128;
    }
    if ((byte & 0x80) !== 0 || i + len > buf.length) break; // incomplete frame: wait for more
    const type = buf[off] >> 4;
    if (type === TYPE_CONNECT) this.write(CONNACK);
    else if (type === TYPE_PINGREQ) this.write(PINGRESP);
    off = i + len;
  }
  this.mqttRest = off < buf.length ? buf.subarray(off) : null;
}

function onError() {
  this.destroy();
}

const server = createServer({ noDelay: true }, (socket) => {
  socket.mqttRest = null;
  socket.on('data', onData);
  socket.on('error', onError);
});

server.on('error', (err) => {
  console.error(`accept-only-server: ${err.message}`);
  process.exit(1);
});

server.listen(PORT, HOST, () => {
  const address = server.address();
  console.error(`accept-only-server listening on ${HOST}:${address.port}`);
});

function stop() {
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
