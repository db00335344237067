// The conformance suite against the in-memory store.
import { MemoryPersistence, type Persistence } from '../../src/persistence/index.js';
import { persistenceSuite } from './persistence.suite.js';

persistenceSuite('memory', {
  create() {
    const p = new MemoryPersistence();
    return { p, state: p.open() };
  },
  reopen(p: Persistence) {
    // The same object: it keeps its state across close()/open(), as across a broker restart.
    p.close();
    return { p, state: p.open() };
  },
  cleanup() {},
});
