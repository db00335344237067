import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HookRegistry } from './registry.js';
import type { ClientInfo, MessageInfo } from './types.js';

const client: ClientInfo = {
  clientId: 'c',
  username: null,
  protocolVersion: 5,
  remoteAddress: '127.0.0.1',
  remotePort: 1,
  transport: 'tcp',
};
const message: MessageInfo = {
  topic: 't',
  payload: Buffer.alloc(0),
  qos: 0,
  retain: false,
  properties: null,
};

test('an unused hook name costs a null and decides the fallback synchronously', () => {
  const hooks = new HookRegistry();
  assert.equal(hooks.get('authorizePublish'), null);
  assert.equal(hooks.decide('authorizePublish', [client, message], 'allow'), 'allow');
});

test('the first answer other than next wins; sync chains stay sync', () => {
  const hooks = new HookRegistry();
  const calls: string[] = [];
  hooks.add('authorizePublish', () => {
    calls.push('a');
    return 'next';
  });
  hooks.add('authorizePublish', () => {
    calls.push('b');
    return { reasonCode: 0x87 };
  });
  hooks.add('authorizePublish', () => {
    calls.push('c');
    return 'allow';
  });
  assert.deepEqual(hooks.decide('authorizePublish', [client, message], 'allow'), {
    reasonCode: 0x87,
  });
  assert.deepEqual(calls, ['a', 'b']);
});

test('a promise from one hook makes the chain async and continues after it', async () => {
  const hooks = new HookRegistry();
  hooks.add('authorizePublish', () => Promise.resolve('next' as const));
  hooks.add('authorizePublish', () => 'deny');
  const verdict = hooks.decide('authorizePublish', [client, message], 'allow');
  assert.ok(verdict instanceof Promise);
  assert.equal(await verdict, 'deny');
});

test('removing a hook and observer exceptions are counted, not thrown', () => {
  const hooks = new HookRegistry();
  const remove = hooks.add('authorizePublish', () => 'deny');
  remove();
  assert.equal(hooks.get('authorizePublish'), null);
  const seen: string[] = [];
  hooks.onObserverError = (name) => seen.push(name);
  hooks.add('clientConnected', () => {
    throw new Error('boom');
  });
  let after = 0;
  hooks.add('clientConnected', () => {
    after++;
  });
  hooks.notify('clientConnected', client);
  assert.equal(hooks.observerErrors, 1);
  assert.deepEqual(seen, ['clientConnected']);
  assert.equal(after, 1, 'later observers still run');
});
