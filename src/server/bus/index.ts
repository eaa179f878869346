/** The cluster's bus on Redis: pub/sub to nodes and devices, presence by heartbeats (DESIGN.md §9). */
export * from './redis-connection.js';
export * from './redis-bus.js';
export * from './redis-presence.js';
