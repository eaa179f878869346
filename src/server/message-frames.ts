import { AcceptedSchema, DeliveredSchema, DeliverSchema, ServerFrameSchema } from '../protocol/index.js';

// The three frames every routed message costs (Deliver to each recipient, Accepted and
// Delivered to the sender), written straight into one buffer of the right size. Built with
// protobuf-es (create, then toBinary through its chunked writer) they took 8% of the server's
// busy time in bench relay. The bytes are those protobuf-es writes: fields in number order,
// proto3 zero values left out (message-frames.test.ts compares the two).

const VARINT = 0;
const LENGTH_DELIMITED = 2;
const utf8 = new TextEncoder();
const no = {
  req: ServerFrameSchema.field.req!.number,
  accepted: ServerFrameSchema.field.accepted!.number,
  deliver: ServerFrameSchema.field.deliver!.number,
  delivered: ServerFrameSchema.field.delivered!.number,
  accepted_: AcceptedSchema.field,
  deliver_: DeliverSchema.field,
  delivered_: DeliveredSchema.field,
};

/** A field number and its value: a varint (an integer below 2^53) or length-delimited bytes. */
type Field = readonly [number, number | Uint8Array];

function varintSize(n: number): number {
  let size = 1;
  for (; n >= 0x80; size++) n = Math.floor(n / 0x80);
  return size;
}

function fieldSize([fieldNo, value]: Field): number {
  if (typeof value === 'number') return value === 0 ? 0 : varintSize(fieldNo << 3) + varintSize(value);
  return value.byteLength === 0 ? 0 : varintSize(fieldNo << 3) + varintSize(value.byteLength) + value.byteLength;
}

class Out {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}
  varint(n: number): void {
    for (; n >= 0x80; n = Math.floor(n / 0x80)) this.bytes[this.at++] = (n % 0x80) | 0x80;
    this.bytes[this.at++] = n;
  }
  field([fieldNo, value]: Field): void {
    if (typeof value === 'number') {
      if (value === 0) return;
      this.varint((fieldNo << 3) | VARINT);
      this.varint(value);
      return;
    }
    if (value.byteLength === 0) return;
    this.varint((fieldNo << 3) | LENGTH_DELIMITED);
    this.varint(value.byteLength);
    this.bytes.set(value, this.at);
    this.at += value.byteLength;
  }
}

/** ServerFrame{req, body field `bodyNo` = message of `fields`}. */
function frame(req: number, bodyNo: number, fields: readonly Field[]): Uint8Array {
  let bodySize = 0;
  for (const f of fields) bodySize += fieldSize(f);
  const reqField: Field = [no.req, req];
  const out = new Out(new Uint8Array(fieldSize(reqField) + varintSize(bodyNo << 3) + varintSize(bodySize) + bodySize));
  out.field(reqField);
  out.varint((bodyNo << 3) | LENGTH_DELIMITED);
  out.varint(bodySize);
  for (const f of fields) out.field(f);
  return out.bytes;
}

export interface DeliverFields {
  id: Uint8Array;
  from: string;
  toAll: boolean;
  envelope: Uint8Array;
  /** Milliseconds since the epoch. */
  serverTs: number;
}

/** ServerFrame{Deliver}: a message pushed to a recipient. */
export function encodeDeliverFrame(d: DeliverFields): Uint8Array {
  const f = no.deliver_;
  return frame(0, no.deliver, [
    [f.id!.number, d.id],
    [f.from!.number, utf8.encode(d.from)],
    [f.toAll!.number, d.toAll ? 1 : 0],
    [f.envelope!.number, d.envelope],
    [f.serverTs!.number, d.serverTs],
  ]);
}

/** ServerFrame{req, Accepted}: the answer to Send once the message is safe. */
export function encodeAcceptedFrame(req: number, id: Uint8Array, deliveredNow: number, stored: number): Uint8Array {
  const f = no.accepted_;
  return frame(req, no.accepted, [
    [f.id!.number, id],
    [f.deliveredNow!.number, deliveredNow],
    [f.stored!.number, stored],
  ]);
}

/** ServerFrame{Delivered}: recipient `by` is done with message `id`: opened, or rejected with code `rejected`. */
export function encodeDeliveredFrame(id: Uint8Array, by: string, rejected = ''): Uint8Array {
  const f = no.delivered_;
  return frame(0, no.delivered, [
    [f.id!.number, id],
    [f.by!.number, utf8.encode(by)],
    [f.rejected!.number, utf8.encode(rejected)],
  ]);
}
