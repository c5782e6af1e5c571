// The part of expression help the page carries from the start: what a keystroke or a drop
// must know at once. The rest (the completion lists, what a drop writes, where the input
// items are) comes in its own chunk (helpChunk.ts), fetched when a field first gets the
// focus or takes a drop, so the bytes every page loads at start hardly grow (docs/decisions.md).
export const FIELD_MIME = "application/x-nodefox-field";

/** Whether a drag carries a data-panel field (its data can be read only on drop). */
export const carriesField = (data: DataTransfer | null) => !!data && Array.from(data.types).includes(FIELD_MIME);

/** Whether `caret` lies inside an open `{{ ... }}` of a template; the expression's start if so. */
export function openBraces(text: string, caret: number): number | null {
  const open = text.lastIndexOf("{{", caret - 2);
  if (open < 0 || caret < open + 2) return null;
  const close = text.indexOf("}}", open + 2);
  return close >= 0 && close < caret ? null : open + 2;
}

export type Help = typeof import("./helpChunk");
/** The help chunk, once fetched (null before). */
export let help: Help | null = null;
let fetching: Promise<Help> | null = null;

/** Fetch the help chunk (once; again after a failure). */
export function loadHelp(): Promise<Help> {
  fetching ??= import("./helpChunk").then(
    (m) => (help = m),
    (error) => {
      fetching = null;
      throw error;
    },
  );
  return fetching;
}
