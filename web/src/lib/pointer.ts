// JSON pointers (RFC 6901) into params: what `patch_params` and `[data-param]` use.
import type { Json } from "./types";

export const escape = (key: string | number) => String(key).replace(/~/g, "~0").replace(/\//g, "~1");

export const join = (base: string, key: string | number) => `${base}/${escape(key)}`;

export function parse(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer.slice(1).split("/").map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function get(value: Json | undefined, pointer: string): Json | undefined {
  let here: Json | undefined = value;
  for (const key of parse(pointer)) {
    if (Array.isArray(here)) here = here[Number(key)];
    else if (here && typeof here === "object") here = (here as { [k: string]: Json })[key];
    else return undefined;
  }
  return here;
}

/** A copy of `root` with the value at `pointer` set, or removed when `value` is undefined.
 * `-` as the last key appends to a list; missing objects on the way are created. */
export function set<T extends Json>(root: T, pointer: string, value: Json | undefined): T {
  const keys = parse(pointer);
  const write = (here: Json | undefined, depth: number): Json | undefined => {
    if (depth === keys.length) return value;
    const key = keys[depth];
    if (Array.isArray(here)) {
      const list = here.slice();
      const index = key === "-" ? list.length : Number(key);
      const next = write(list[index], depth + 1);
      if (next === undefined) list.splice(index, 1);
      else list[index] = next;
      return list;
    }
    const object = here && typeof here === "object" ? { ...(here as { [k: string]: Json }) } : {};
    const next = write(object[key], depth + 1);
    if (next === undefined) delete object[key];
    else object[key] = next;
    return object;
  };
  return write(root, 0) as T;
}
