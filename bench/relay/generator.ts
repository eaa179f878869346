// The relay load generator, run as its own process (forked by relay.ts) so that it never
// shares an event loop with the server it measures. Commands arrive over IPC.
import { serveWorker } from '../lib/proc.js';
import { BareAdapter, SealcastAdapter, SocketIoAdapter, type BaselineOptions, type SealcastPrepareOptions } from './adapters.js';
import { Engine, type Adapter, type PhaseSpec } from './engine.js';

type Kind = 'sealcast' | 'bare' | 'socketio';
let adapter: (Adapter & { close(): void }) | undefined;
let engine: Engine | undefined;
let sealcast: SealcastAdapter | undefined;
let kind: Kind | undefined;
let baseline: BaselineOptions | undefined;

serveWorker({
  /** sealcast: identities and sealed envelopes, made once for every round. */
  async prepare(p: { kind: Kind; sealcast?: SealcastPrepareOptions; baseline?: BaselineOptions }) {
    kind = p.kind;
    if (kind === 'sealcast') {
      const t0 = performance.now();
      sealcast = new SealcastAdapter(p.sealcast!);
      await sealcast.prepare();
      return { unicastBytes: sealcast.unicastBytes, broadcastBytes: sealcast.broadcastBytes, prepareSeconds: (performance.now() - t0) / 1000 };
    }
    baseline = p.baseline!;
    return {};
  },
  async connect(p: { url: string; fingerprintHex?: string }) {
    const t0 = performance.now();
    let a: Adapter & { close(): void };
    if (kind === 'sealcast') {
      await sealcast!.connect(p.url, p.fingerprintHex ?? '');
      a = sealcast!;
    } else {
      const b = kind === 'bare' ? new BareAdapter(baseline!) : new SocketIoAdapter(baseline!);
      await b.connect(p.url);
      a = b;
    }
    adapter = a;
    engine = new Engine(a);
    return { connectSeconds: (performance.now() - t0) / 1000 };
  },
  phase(spec: PhaseSpec) {
    if (!engine) throw new Error('connect first');
    return engine.run(spec);
  },
  disconnect() {
    adapter?.close();
    adapter = undefined;
    engine = undefined;
    return {};
  },
});
