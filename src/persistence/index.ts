// Persistence: the interface, the memory and SQLite implementations, and their errors.
export * from './types.js';
export { PERSISTENCE_ERROR_CODES, PersistenceError, type PersistenceErrorCode } from './errors.js';
export { MemoryPersistence } from './memory.js';
export { SqlitePersistence, type SqliteOptions } from './sqlite/store.js';
export { SqliteMessageStore } from './sqlite/client-store.js';
