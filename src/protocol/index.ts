/** The wire: frames, limits, names and error codes. Pure code, no I/O. */
export * from './codec.js';
export * from './error-codes.js';
export * from './limits.js';
export * from './names.js';
export * from './mls-framing.js';
export * from './protocol-error.js';
export * from './gen/sealcast_pb.js';
export * from './frame-req.js';
