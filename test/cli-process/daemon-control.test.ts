// `edgemq start -d`, `stop`, `reload`, `restart` end to end: real processes found through
// the pid file in a per-test run directory, and an MQTT.js client that must stay connected
// across a reload.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import mqtt from 'mqtt';
import { isAlive } from '../../src/cli/run-dir.js';
import { Child } from '../helpers/child.js';
import { within } from '../helpers/wait.js';
import { freePort } from '../helpers/free-port.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function freshEnv(): NodeJS.ProcessEnv {
  return { ...process.env, EDGEMQ_RUN_DIR: mkdtempSync(join(tmpdir(), 'edgemq-ctl-')) };
}

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<Child> {
  const child = new Child(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env,
  });
  await within(child.exited, `edgemq ${args.join(' ')}`, 30_000);
  return child;
}

function pidOf(env: NodeJS.ProcessEnv): number {
  const record = JSON.parse(
    readFileSync(join(env.EDGEMQ_RUN_DIR as string, 'edgemq.pid'), 'utf8'),
  ) as { pid: number };
  return record.pid;
}

// Zombie-aware, as `edgemq stop` is: a stopped daemon may wait to be reaped by init.
const alive = isAlive;

describe('edgemq start -d / stop / reload / restart', () => {
  test('start -d returns once listening; stop ends it through the pid file', async () => {
    const env = freshEnv();
    const port = await freePort();
    const started = await cli(['start', '-d', '--url', `nmq-tcp://127.0.0.1:${port}`], env);
    assert.equal(started.exit?.code, 0, started.stderr);
    assert.match(started.stdout, /started in the background \(pid \d+\)/);
    const pid = pidOf(env);
    try {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
      await client.endAsync();
      const again = await cli(['start', '--url', `nmq-tcp://127.0.0.1:${port + 1}`], env);
      assert.equal(again.exit?.code, 1);
      assert.match(again.stderr, /^edgemq: edgemq is already running \(pid \d+\)\n$/);
    } finally {
      const stopped = await cli(['stop'], env);
      assert.equal(stopped.exit?.code, 0, stopped.stderr);
    }
    assert.equal(alive(pid), false);
    const none = await cli(['stop'], env);
    assert.equal(none.exit?.code, 1);
    assert.match(none.stderr, /^edgemq: edgemq is not running/);
  });

  test('start -d with a bad config fails with the config error and exit 2', async () => {
    const env = freshEnv();
    const conf = join(env.EDGEMQ_RUN_DIR as string, 'bad.conf');
    writeFileSync(conf, 'mqtt { keepalive_multiplier = "abc" }\n');
    const child = await cli(['start', '-d', '--conf', conf], env);
    assert.equal(child.exit?.code, 2);
    assert.match(child.stderr, /keepalive_multiplier/);
    assert.equal(child.stderr.trim().split('\n').length, 1, child.stderr);
  });

  test('reload applies a changed mqtt.max_packet_size without dropping a connected client', async () => {
    const env = freshEnv();
    const port = await freePort();
    const conf = join(env.EDGEMQ_RUN_DIR as string, 'edgemq.conf');
    writeFileSync(
      conf,
      `listeners.tcp { bind = "127.0.0.1:${port}" }\nmqtt { max_packet_size = 64KB }\n`,
    );
    const started = await cli(['start', '-d', '--conf', conf], env);
    assert.equal(started.exit?.code, 0, started.stderr);
    const before = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      reconnectPeriod: 0,
      protocolVersion: 5,
    });
    let dropped = false;
    before.on('close', () => {
      dropped = true;
    });
    try {
      assert.equal(before.connected, true);
      writeFileSync(
        conf,
        `listeners.tcp { bind = "127.0.0.1:${port}" }\nmqtt { max_packet_size = 1KB }\n`,
      );
      const reload = await cli(['reload'], env);
      assert.equal(reload.exit?.code, 0, reload.stderr);
      // A new v5 client sees the new limit in CONNACK once the reload has been applied.
      let announced = 0;
      for (let i = 0; i < 50 && announced !== 1024; i++) {
        const probe = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
          reconnectPeriod: 0,
          protocolVersion: 5,
        });
        const props = (
          probe as unknown as { connackPacket?: { properties?: { maximumPacketSize?: number } } }
        ).connackPacket?.properties;
        announced = props?.maximumPacketSize ?? 0;
        await probe.endAsync();
      }
      assert.equal(announced, 1024);
      assert.equal(dropped, false, 'the client connected before the reload is still connected');
      await before.publishAsync('still/here', 'yes', { qos: 1 });
    } finally {
      await before.endAsync();
      await cli(['stop'], env);
    }
  });

  test('restart replaces the running broker using its recorded options', async () => {
    const env = freshEnv();
    const port = await freePort();
    const started = await cli(['start', '-d', '--url', `nmq-tcp://127.0.0.1:${port}`], env);
    assert.equal(started.exit?.code, 0, started.stderr);
    const first = pidOf(env);
    const restarted = await cli(['restart', '-d'], env);
    assert.equal(restarted.exit?.code, 0, restarted.stderr);
    try {
      const second = pidOf(env);
      assert.notEqual(second, first);
      assert.equal(alive(first), false);
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
      await client.endAsync();
    } finally {
      await cli(['stop'], env);
    }
  });
});
