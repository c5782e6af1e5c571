// Objects rebuilt only when what they are made from changed (compared by identity), so
// React Flow and React see the same object for every node an answer did not touch.

export type Reuse<T> = (id: string, parts: readonly unknown[], make: () => T) => T;

export function reuser<T>(): Reuse<T> {
  let kept = new Map<string, { parts: readonly unknown[]; value: T }>();
  return (id, parts, make) => {
    const hit = kept.get(id);
    if (hit && hit.parts.length === parts.length && hit.parts.every((p, i) => p === parts[i])) return hit.value;
    const value = make();
    if (kept.size > 4096) kept = new Map(); // ids of removed nodes do not pile up forever
    kept.set(id, { parts, value });
    return value;
  };
}

/** A list kept as the same array while its elements are the same objects, so a memoised
 * consumer (React Flow's node and edge lookups) does no work when nothing in it changed. */
export function listReuser<T>(): (next: T[]) => T[] {
  let last: T[] = [];
  return (next) => {
    if (next.length === last.length && next.every((x, i) => x === last[i])) return last;
    last = next;
    return next;
  };
}
