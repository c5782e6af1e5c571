// A request's answer, also written by the worker into memory it shares with the page
// (cross-origin isolated pages only). The page may wait for it a few milliseconds right
// after posting an edit and take it in the same task as the keystroke: the worker's
// message would only be handled after the browser's next frame (issue 16, docs/decisions.md).
//
// Layout: head[0] the id of the answer written (0 while a write is under way), head[1] its
// length in bytes, then the answer message as UTF-8 JSON.

export const SHARED_BYTES = 1 << 20;

export type Shared = { head: Int32Array; bytes: Uint8Array };

export function shared(buffer: SharedArrayBuffer): Shared {
  return { head: new Int32Array(buffer, 0, 2), bytes: new Uint8Array(buffer, 8) };
}

export const sharedBuffer = () => new SharedArrayBuffer(8 + SHARED_BYTES);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Worker: write the answer to request `id`; an answer that does not fit is not written
 * (its message brings it, as it brings every answer). */
export function write(into: Shared, id: number, message: { text: string }) {
  Atomics.store(into.head, 0, 0);
  if (message.text.length > into.bytes.length) return;
  const bytes = encoder.encode(JSON.stringify(message)); // encodeInto refuses shared memory
  if (bytes.length > into.bytes.length) return;
  into.bytes.set(bytes);
  Atomics.store(into.head, 1, bytes.length);
  Atomics.store(into.head, 0, id);
}

/** Page: the answer to request `id` once the worker has written it, waiting at most `ms`;
 * null when it did not come in time or did not fit. */
export function waitFor(from: Shared, id: number, ms: number): unknown {
  const deadline = performance.now() + ms;
  do {
    if (Atomics.load(from.head, 0) === id) {
      const copy = from.bytes.slice(0, Atomics.load(from.head, 1)); // TextDecoder refuses shared memory
      if (Atomics.load(from.head, 0) !== id) continue; // overwritten while copied
      try {
        return JSON.parse(decoder.decode(copy));
      } catch {
        return null;
      }
    }
  } while (performance.now() < deadline);
  return null;
}
